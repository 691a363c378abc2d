"""The recurrent cells' equations in numpy, one gate per line, in Keras' weight layout.

Keras does not expose gate activations, so the lab recomputes them from the cell's own
weights and checks that the h and c they give equal what the Keras cell returned.
Column order: LSTM [i | f | g | o], GRU [z | r | h~] (see keras/src/layers/rnn/*.py).
"""

from __future__ import annotations

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    # The tanh form never overflows, unlike 1 / (1 + exp(-x)) in float32.
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _split(z: np.ndarray, blocks: int) -> list[np.ndarray]:
    return np.split(z, blocks, axis=-1)


def simple_rnn(x, h, c, kernel, recurrent_kernel, bias, reset_after=True):
    pre = x @ kernel + h @ recurrent_kernel
    if bias is not None:
        pre = pre + bias
    return {"preactivation": pre}, np.tanh(pre), None


def lstm(x, h, c, kernel, recurrent_kernel, bias, reset_after=True):
    z = x @ kernel + h @ recurrent_kernel
    if bias is not None:
        z = z + bias
    z_i, z_f, z_g, z_o = _split(z, 4)
    i = sigmoid(z_i)  # input gate: how much of the candidate to learn
    f = sigmoid(z_f)  # forget gate: how much of c_{t-1} to keep
    g = np.tanh(z_g)  # candidate: the new information
    o = sigmoid(z_o)  # output gate: how much of tanh(c_t) to use
    c_new = f * c + i * g
    h_new = o * np.tanh(c_new)
    return {"input": i, "forget": f, "candidate": g, "output": o}, h_new, c_new


def gru(x, h, c, kernel, recurrent_kernel, bias, reset_after=True):
    units = recurrent_kernel.shape[0]
    if bias is None:
        input_bias = recurrent_bias = 0.0
    elif reset_after:
        input_bias, recurrent_bias = bias[0], bias[1]
    else:
        input_bias, recurrent_bias = bias, 0.0
    x_z, x_r, x_h = _split(x @ kernel + input_bias, 3)
    u_zr = recurrent_kernel[:, : 2 * units]
    u_h = recurrent_kernel[:, 2 * units:]
    h_z, h_r = _split(h @ u_zr + (recurrent_bias[: 2 * units] if reset_after and bias is not None
                                  else 0.0), 2)
    z = sigmoid(x_z + h_z)  # update gate: how much of h_{t-1} to keep
    r = sigmoid(x_r + h_r)  # reset gate: how much of h_{t-1} the candidate sees
    if reset_after:
        recurrent_h = h @ u_h + (recurrent_bias[2 * units:] if bias is not None else 0.0)
        candidate = np.tanh(x_h + r * recurrent_h)
    else:
        candidate = np.tanh(x_h + (r * h) @ u_h)
    h_new = z * h + (1.0 - z) * candidate
    return {"update": z, "reset": r, "candidate": candidate}, h_new, None


EQUATIONS = {"simple_rnn": simple_rnn, "lstm": lstm, "gru": gru}
