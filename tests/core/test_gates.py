"""The gates the lab shows rebuild h and c exactly as the lesson's equations say."""

import numpy as np
import pytest

from tui_lab import Lab, LabConfig

TOL = 1e-5


def stepped(cell, **settings):
    lab = Lab(LabConfig(cell=cell, units=5, **settings))
    lab.select_lines([1, 7])
    lab.run_to_end()
    return lab.snapshot()


def previous(snapshot, array, initial, k):
    return array[k - 1] if k else initial


@pytest.mark.parametrize("use_bias", [True, False])
def test_lstm_gates_rebuild_c_and_h(use_bias):
    s = stepped("lstm", use_bias=use_bias)
    i, f, g, o = (s.gates[name] for name in ("input", "forget", "candidate", "output"))
    for k in range(s.timesteps):
        c_prev = previous(s, s.c, s.c0, k)
        forget = f[k] * c_prev  # forget gate: what of the long-term memory is kept
        learn = i[k] * g[k]  # learn gate: the new information
        remember = forget + learn  # remember gate: the new long-term memory c_t
        np.testing.assert_allclose(remember, s.c[k], atol=TOL)
        np.testing.assert_allclose(o[k] * np.tanh(remember), s.h[k], atol=TOL)  # use gate = h_t
    for gate in (i, f, o):
        assert ((gate > 0) & (gate < 1)).all()
    assert (np.abs(g) < 1).all()


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_gates_rebuild_h(reset_after):
    s = stepped("gru", reset_after=reset_after)
    z, candidate = s.gates["update"], s.gates["candidate"]
    for k in range(s.timesteps):
        h_prev = previous(s, s.h, s.h0, k)
        np.testing.assert_allclose(z[k] * h_prev + (1 - z[k]) * candidate[k], s.h[k], atol=TOL)
    assert ((s.gates["reset"] > 0) & (s.gates["reset"] < 1)).all()


def test_simple_rnn_state_is_tanh_of_preactivation():
    s = stepped("simple_rnn")
    np.testing.assert_allclose(np.tanh(s.gates["preactivation"]), s.h, atol=TOL)
    w = s.weights
    x0 = s.batch.x[:, s.order[0]]
    np.testing.assert_allclose(s.gates["preactivation"][0], x0 @ w.kernel + w.bias, atol=TOL)


def test_lstm_forget_bias_starts_at_one():
    """Keras' unit_forget_bias: the forget slice of the initial bias is 1."""
    s = stepped("lstm")
    units = s.config.units
    np.testing.assert_array_equal(s.weights.bias[units:2 * units], 1.0)
    np.testing.assert_array_equal(np.delete(s.weights.bias, np.s_[units:2 * units]), 0.0)
