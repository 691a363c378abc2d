"""The recurrent cells' equations in numpy, one gate per line, in Keras' weight layout.

Keras does not expose gate activations, so the lab computes them from the cell's own weights.
Each equation is split in two: the input projection x @ kernel (+ input bias), which does not
depend on the state and so is computed for a whole sequence in one matrix product, and the
recurrent step. Column order, as Keras' LSTMCell and GRUCell lay out their kernels:
LSTM [i | f | g | o], GRU [z | r | h~].
"""

from __future__ import annotations

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    # The tanh form never overflows, unlike 1 / (1 + exp(-x)) in float32, and is exact to
    # float32 rounding.
    return 0.5 + 0.5 * np.tanh(0.5 * x)


def input_projection(cell: str, x: np.ndarray, kernel: np.ndarray, bias, reset_after: bool):
    """x @ kernel plus the input part of the bias, for any leading shape of x."""
    projection = x @ kernel
    if bias is not None:
        projection += bias[0] if (cell == "gru" and reset_after) else bias
    return projection


def recurrent_bias(cell: str, bias, reset_after: bool):
    """The bias added to h @ recurrent_kernel (only GRU with reset_after has one)."""
    return bias[1] if (cell == "gru" and reset_after and bias is not None) else None


def simple_rnn(xw, h, c, recurrent_kernel, rec_bias=None, reset_after=True):
    pre = xw + h @ recurrent_kernel
    return {"preactivation": pre}, np.tanh(pre), None


def lstm(xw, h, c, recurrent_kernel, rec_bias=None, reset_after=True):
    z = xw + h @ recurrent_kernel
    units = h.shape[-1]
    s = sigmoid(z)  # i, f and o are sigmoids; the g slice of s is not used
    i = s[..., :units]  # input gate: how much of the candidate to learn
    f = s[..., units:2 * units]  # forget gate: how much of c_{t-1} to keep
    g = np.tanh(z[..., 2 * units:3 * units])  # candidate: the new information
    o = s[..., 3 * units:]  # output gate: how much of tanh(c_t) to use
    c_new = f * c + i * g
    h_new = o * np.tanh(c_new)
    return {"input": i, "forget": f, "candidate": g, "output": o}, h_new, c_new


def gru(xw, h, c, recurrent_kernel, rec_bias=None, reset_after=True):
    units = h.shape[-1]
    x_zr, x_h = xw[..., :2 * units], xw[..., 2 * units:]
    if reset_after:
        # Keras multiplies the reset gate into the recurrent part *after* the matmul.
        hu = h @ recurrent_kernel
        if rec_bias is not None:
            hu = hu + rec_bias
        zr = sigmoid(x_zr + hu[..., :2 * units])
        z, r = zr[..., :units], zr[..., units:]
        candidate = np.tanh(x_h + r * hu[..., 2 * units:])
    else:
        zr = sigmoid(x_zr + h @ recurrent_kernel[:, :2 * units])
        z, r = zr[..., :units], zr[..., units:]
        candidate = np.tanh(x_h + (r * h) @ recurrent_kernel[:, 2 * units:])
    # update gate z: how much of h_{t-1} to keep; reset gate r: how much of it the candidate sees
    h_new = z * h + (1.0 - z) * candidate
    return {"update": z, "reset": r, "candidate": candidate}, h_new, None


STEPS = {"simple_rnn": simple_rnn, "lstm": lstm, "gru": gru}


def full_step(cell: str, x, h, c, kernel, recurrent_kernel, bias, reset_after=True):
    """One whole step from x: (gates, h_t, c_t or None)."""
    xw = input_projection(cell, x, kernel, bias, reset_after)
    return STEPS[cell](xw, h, c, recurrent_kernel, recurrent_bias(cell, bias, reset_after),
                       reset_after)
