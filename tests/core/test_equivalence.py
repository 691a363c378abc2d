"""Stepping the Keras cell one timestep at a time equals the Keras layers themselves (1e-5).

Each case builds its own Embedding and recurrent layer here, from the lab's weights, so the
check does not rest on the controller's own cross-check.
"""

import itertools

import numpy as np
import pytest

from tui_lab import Lab, LabConfig
from tui_lab.core import stepper

from keras_layers import LAYERS, keras_layer

TOL = 1e-5


@pytest.fixture(params=["keras", "keras-loop", "numpy"])
def engine(request, monkeypatch):
    """Every case runs on both engines: the Keras cell API (single compiled calls, and the
    compiled loop that long runs use, forced here for every run) and the numpy equations."""
    if request.param == "keras-loop":
        monkeypatch.setattr(stepper, "LOOP_MIN_STEPS", 1)
        return "keras"
    return request.param


def keras_reference(keras, snapshot, mask_zero, initial):
    """Embedding(mask_zero) -> <Cell>(return_sequences, return_state) with the lab's weights."""
    config = snapshot.config
    layer = keras_layer(keras, config, snapshot.weights)
    embedding = keras.layers.Embedding(config.num_words, config.embedding_dim, mask_zero=mask_zero)
    padded = np.stack([row.padded for row in snapshot.batch.rows])
    embedding.build(padded.shape)
    embedding.set_weights([snapshot.weights.embedding])
    embedded = embedding(padded)
    if initial is None:
        outputs = layer(embedded)  # the mask travels from Embedding(mask_zero=True) by itself
    else:
        # Keras 3.15 drops the Embedding's implicit mask when initial_state is passed to the
        # layer (checked here), so the mask is given explicitly, as mask_zero would make it.
        mask = (padded != 0) if mask_zero else None
        outputs = layer(np.asarray(embedded), initial_state=initial, mask=mask)
    return [np.asarray(o) for o in outputs]


def check(keras, lab, mask, initial=None):
    lab.run_to_end()
    snapshot = lab.snapshot()
    sequence, *states = keras_reference(keras, snapshot, mask, initial)
    # The layer returns outputs in processing order: step k is sequence[:, k].
    np.testing.assert_allclose(snapshot.output, np.swapaxes(sequence, 0, 1), atol=TOL)
    np.testing.assert_allclose(snapshot.h[-1], states[0], atol=TOL)
    if snapshot.config.cell == "lstm":
        np.testing.assert_allclose(snapshot.c[-1], states[1], atol=TOL)
    if not mask:
        # Without masking every step's state is the layer's output at that step.
        np.testing.assert_allclose(snapshot.h, np.swapaxes(sequence, 0, 1), atol=TOL)
    assert snapshot.max_abs_error < TOL
    assert snapshot.gate_max_abs_error < TOL  # numpy equations vs the Keras cell, every step
    return snapshot


CASES = [
    (cell, units, go_backwards, use_bias)
    for cell, units, go_backwards, use_bias in itertools.product(
        ["simple_rnn", "lstm", "gru"], [1, 3, 8], [False, True], [True, False])
]


@pytest.mark.parametrize("cell,units,go_backwards,use_bias", CASES)
def test_steps_equal_layer(keras, engine, cell, units, go_backwards, use_bias):
    config = LabConfig(engine=engine, cell=cell, units=units, go_backwards=go_backwards, use_bias=use_bias,
                       seed=units, embedding_dim=5)
    lab = Lab(config)
    lab.select_lines([1, 3, 15])  # batch of 3: one full, one short (padded), one truncated
    check(keras, lab, mask=False)


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_gru_reset_after(keras, engine, reset_after, go_backwards):
    lab = Lab(LabConfig(engine=engine, cell="gru", units=6, reset_after=reset_after, go_backwards=go_backwards))
    lab.select_lines([2, 4])
    snapshot = check(keras, lab, mask=False)
    assert snapshot.weights.bias.shape == ((2, 18) if reset_after else (18,))


@pytest.mark.parametrize("cell", ["simple_rnn", "lstm", "gru"])
@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_masking_skips_padding_like_mask_zero(keras, engine, cell, padding, go_backwards):
    lab = Lab(LabConfig(engine=engine, cell=cell, units=3, maxlen=9, padding=padding, mask_padding=True,
                        go_backwards=go_backwards))
    lab.select_lines([2, 11, 1])  # lengths 5, 5, 7: all padded to 9
    snapshot = check(keras, lab, mask=True)
    masked_steps = snapshot.masked
    assert masked_steps.sum() == 4 + 4 + 2
    np.testing.assert_array_equal(masked_steps.T, snapshot.batch.pad_mask[:, snapshot.order])
    # At a skipped step the state is carried and no gate is shown.
    for k, b in zip(*np.nonzero(masked_steps)):
        previous = snapshot.h[k - 1, b] if k else snapshot.h0[b]
        np.testing.assert_array_equal(snapshot.h[k, b], previous)
        assert all(np.isnan(g[k, b]).all() for g in snapshot.gates.values())


@pytest.mark.parametrize("cell", ["simple_rnn", "lstm", "gru"])
@pytest.mark.parametrize("mask", [False, True])
def test_initial_state(keras, engine, cell, mask):
    rng = np.random.default_rng(7)
    lab = Lab(LabConfig(engine=engine, cell=cell, units=4, maxlen=9, mask_padding=mask))
    lab.select_lines([3, 5])
    h0 = rng.normal(size=(2, 4)).astype(np.float32)
    c0 = rng.normal(size=(2, 4)).astype(np.float32) if cell == "lstm" else None
    lab.set_initial_state(h0, c0)
    initial = [h0, c0] if cell == "lstm" else [h0]
    snapshot = check(keras, lab, mask=mask, initial=initial)
    np.testing.assert_array_equal(snapshot.h0, h0)


def test_initial_state_broadcasts_over_the_batch(keras, engine):
    lab = Lab(LabConfig(engine=engine, cell="lstm", units=2))
    lab.select_lines([1, 2])
    lab.set_initial_state([0.5, -0.5], [1.0, 2.0])
    initial = [np.array([[0.5, -0.5]] * 2, np.float32), np.array([[1.0, 2.0]] * 2, np.float32)]
    check(keras, lab, mask=False, initial=initial)


@pytest.mark.parametrize("cell", ["simple_rnn", "lstm", "gru"])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_raw_vector_batches(keras, engine, cell, go_backwards):
    vectors = np.random.default_rng(3).normal(size=(3, 5, 2)).astype(np.float32)
    lab = Lab(LabConfig(engine=engine, cell=cell, units=4, go_backwards=go_backwards), vectors=vectors)
    lab.run_to_end()
    snapshot = lab.snapshot()
    layer = getattr(keras.layers, LAYERS[cell])(4, return_sequences=True, return_state=True,
                                                go_backwards=go_backwards)
    layer.build((None, None, 2))
    layer.set_weights(snapshot.weights.cell_weights())
    sequence, *states = (np.asarray(o) for o in layer(vectors))
    np.testing.assert_allclose(snapshot.h, np.swapaxes(sequence, 0, 1), atol=TOL)
    np.testing.assert_allclose(snapshot.h[-1], states[0], atol=TOL)
    if cell == "lstm":
        np.testing.assert_allclose(snapshot.c[-1], states[1], atol=TOL)
    # go_backwards: the first step consumes the last input vector.
    np.testing.assert_array_equal(snapshot.order, [4, 3, 2, 1, 0] if go_backwards else range(5))
