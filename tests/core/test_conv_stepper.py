"""core/conv.py: a Conv1D stepped one output position at a time, against keras.layers.Conv1D
itself (built here, in the test, with the stepper's weights)."""

from __future__ import annotations

import numpy as np
import pytest

from tui_lab import Lab, LabConfig, LabError
from tui_lab.core.conv import Conv1DStepper, recurrent_state_at


def keras_output(keras, conv: Conv1DStepper, x: np.ndarray) -> np.ndarray:
    s = conv.settings
    layer = keras.layers.Conv1D(s.filters, s.kernel_size, padding=s.padding,
                                dilation_rate=s.dilation_rate, activation=s.activation)
    layer.build((None,) + x.shape[1:])
    layer.set_weights([conv.kernel, conv.bias])
    return np.asarray(layer(x))


@pytest.fixture(scope="module")
def two_lines(keras):
    lab = Lab(LabConfig(seed=7))
    lab.select_lines([2, 5])  # a batch of 2 lines, pre-padded to maxlen 7
    lab.build()
    return lab


@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
@pytest.mark.parametrize("dilation", [1, 2])
@pytest.mark.parametrize("kernel_size", [1, 2, 3, 4])
def test_each_position_equals_keras_conv1d(keras, two_lines, padding, dilation, kernel_size):
    rng = np.random.default_rng(kernel_size * 10 + dilation)
    x = two_lines.snapshot(layer=False).batch.x
    kernel = rng.normal(size=(kernel_size, x.shape[2], 3)).astype(np.float32)
    bias = rng.normal(size=3).astype(np.float32)  # a bias that is not zero is checked too
    conv = Conv1DStepper(two_lines, 3, kernel_size, padding, dilation, "linear",
                         weights=(kernel, bias))
    expected = keras_output(keras, conv, x)
    assert conv.length == expected.shape[1]
    for p in range(conv.length):
        assert conv.step()
        assert conv.position == p
        np.testing.assert_allclose(conv.outputs[:, p], expected[:, p], atol=1e-5, rtol=0)
    assert not conv.step()
    assert conv.max_abs_error < 1e-5


@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_seeded_layer_with_activation_equals_keras(keras, two_lines, padding, activation):
    conv = Conv1DStepper(two_lines, filters=4, kernel_size=3, padding=padding,
                         dilation_rate=2, activation=activation)
    conv.run_to_end()
    expected = keras_output(keras, conv, conv.x)
    assert conv.outputs.shape == expected.shape
    np.testing.assert_allclose(conv.outputs, expected, atol=1e-5, rtol=0)
    if activation == "relu":  # the pre-activation is the sum before relu, not after
        np.testing.assert_array_equal(conv.outputs, np.maximum(conv.pre_activations, 0))


def test_weights_follow_the_seed(two_lines):
    a, b = Conv1DStepper(two_lines), Conv1DStepper(two_lines)
    np.testing.assert_array_equal(a.kernel, b.kernel)
    other = Lab(LabConfig(seed=8))
    other.select_lines([2, 5])
    assert not np.array_equal(Conv1DStepper(other).kernel, a.kernel)


@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
@pytest.mark.parametrize("kernel_size, dilation", [(2, 1), (3, 1), (4, 1), (3, 2), (2, 3)])
def test_windows_are_what_keras_reads(keras, padding, kernel_size, dilation):
    """One-hot inputs (x[t] = e_t) and a kernel whose tap j, filter j reads t+1 from e_t: the
    Keras layer's filter j at position p is then the position tap j reads, plus 1, or 0 at
    the zero padding. The stepper's windows must say the same."""
    timesteps = 6
    x = np.eye(timesteps, dtype=np.float32)[np.newaxis]
    kernel = np.zeros((kernel_size, timesteps, kernel_size), np.float32)
    for j in range(kernel_size):
        kernel[j, :, j] = np.arange(1, timesteps + 1)
    lab = Lab(vectors=x[0])
    conv = Conv1DStepper(lab, kernel_size, kernel_size, padding, dilation, "linear",
                         weights=(kernel, np.zeros(kernel_size, np.float32)))
    read = np.rint(keras_output(keras, conv, x)[0]).astype(int) - 1  # -1: zero padding
    for p in range(conv.length):
        window = conv.window(p)
        shown = [tap if not zero else -1 for tap, zero in zip(window.taps, window.zero_padded)]
        assert shown == list(read[p]), (p, window)
        inputs = conv.window_inputs(p)[0]
        for j, zero in enumerate(window.zero_padded):
            if zero:
                assert not inputs[j].any()  # the zero padding reads zeros
            else:
                np.testing.assert_array_equal(inputs[j], x[0, window.taps[j]])


def test_edges_named(two_lines):
    causal = Conv1DStepper(two_lines, kernel_size=3, padding="causal", dilation_rate=2)
    assert causal.window(0).taps == (-4, -2, 0)
    assert causal.window(0).zero_padded == (True, True, False)
    assert causal.window(0).describe() == "∅,∅,0"
    assert causal.window(6).taps == (2, 4, 6) and causal.window(6).newest == 6
    same = Conv1DStepper(two_lines, kernel_size=3, padding="same")
    assert same.window(0).describe() == "∅,0,1" and same.window(6).describe() == "5,6,∅"
    valid = Conv1DStepper(two_lines, kernel_size=3)
    assert valid.length == 5 and valid.window(4).taps == (4, 5, 6)
    with pytest.raises(LabError, match="output position"):
        valid.window(5)


@pytest.mark.parametrize("settings, message", [
    (dict(kernel_size=8), "kernel_size 8 spans 8 positions but the sequence has 7"),
    (dict(kernel_size=4, dilation_rate=3), "kernel_size 4 at dilation_rate 3 spans 10"),
    (dict(kernel_size=0), "kernel_size must be a whole number from 1 to 64, not 0"),
    (dict(kernel_size=-2), "kernel_size must be a whole number from 1 to 64, not -2"),
    (dict(kernel_size=2.5), "kernel_size must be a whole number, not 2.5"),
    (dict(filters=0), "filters must be a whole number from 1 to 64, not 0"),
    (dict(dilation_rate=0), "dilation_rate must be a whole number from 1 to 64, not 0"),
    (dict(padding="full"), "padding must be one of valid, same, causal, not 'full'"),
    (dict(activation="softmax"), "activation must be one of relu, linear, tanh, sigmoid"),
])
def test_bad_settings_are_one_clear_error(two_lines, settings, message):
    before = two_lines.snapshot()
    with pytest.raises(LabError) as error:
        Conv1DStepper(two_lines, **settings)
    assert message in str(error.value)
    after = two_lines.snapshot()
    assert after.t == before.t and after.batch is before.batch


def test_same_and_causal_accept_a_kernel_longer_than_the_line(keras, two_lines):
    conv = Conv1DStepper(two_lines, kernel_size=9, padding="same")
    conv.run_to_end()
    np.testing.assert_allclose(conv.outputs, keras_output(keras, conv, conv.x), atol=1e-5)


def test_stepping_back_and_settings_change_keep_the_place(two_lines):
    conv = Conv1DStepper(two_lines)
    conv.seek(3)
    first = conv.outputs.copy()
    assert conv.back() and conv.stepped == 2
    assert conv.step() and np.array_equal(conv.outputs, first)
    wider = conv.with_settings(kernel_size=5)
    assert wider.settings.kernel_size == 5 and wider.stepped == 3  # length 3: the last one
    assert conv.settings.kernel_size == 3  # the old one is unchanged
    conv.reset()
    assert conv.position is None and conv.max_abs_error is None and not conv.back()


def test_recurrent_state_at_a_position(two_lines):
    lab = Lab(LabConfig(seed=7))
    lab.select_lines([2, 5])
    lab.seek(3)
    snapshot = lab.snapshot()
    step, h = recurrent_state_at(snapshot, 2)
    assert step == 3 and np.array_equal(h, snapshot.h[2])
    assert recurrent_state_at(snapshot, 5) == (6, None)  # not stepped that far
    lab.configure(go_backwards=True)
    lab.seek(2)
    step, h = recurrent_state_at(lab.snapshot(), 5)  # the second step reads position 5
    assert step == 2 and np.array_equal(h, lab.snapshot().h[1])


@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
def test_the_sum_written_out_is_keras_pre_activation(keras, two_lines, padding):
    """The view's per-tap terms (x at tap j @ kernel[j]) plus the bias add up to what a linear
    Keras Conv1D with the same weights outputs: the pre-activation."""
    rng = np.random.default_rng(1)
    x = two_lines.snapshot(layer=False).batch.x
    kernel = rng.normal(size=(3, x.shape[2], 4)).astype(np.float32)
    bias = rng.normal(size=4).astype(np.float32)
    conv = Conv1DStepper(two_lines, 4, 3, padding, 2, "relu", weights=(kernel, bias))
    linear = Conv1DStepper(two_lines, 4, 3, padding, 2, "linear", weights=(kernel, bias))
    expected = keras_output(keras, linear, x)
    conv.run_to_end()
    np.testing.assert_allclose(conv.pre_activations, expected, atol=1e-5, rtol=0)
    for p in range(conv.length):
        np.testing.assert_allclose(conv.tap_terms(p).sum(axis=1) + bias, expected[:, p],
                                   atol=1e-5, rtol=0)


def test_a_long_sequence_runs_to_the_end_in_blocks(keras):
    x = np.random.default_rng(2).normal(size=(2, 9000, 3)).astype(np.float32)
    conv = Conv1DStepper(Lab(vectors=x), kernel_size=4, padding="causal", dilation_rate=3)
    conv.seek(5000)
    conv.step()
    conv.run_to_end()
    np.testing.assert_allclose(conv.outputs, keras_output(keras, conv, x), atol=1e-5, rtol=0)
