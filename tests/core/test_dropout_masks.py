"""Dropout in training: the stepped states equal Keras' own layer with the same dropout,
recurrent_dropout, seed and training=True (built here, with masks Keras draws itself), the
masks are Keras' (drawn here from a Keras cell), and with training off nothing changes."""

import numpy as np
import pytest

from tui_lab import Lab, LabConfig, LabError

TOL = 1e-5
LAYERS = {"simple_rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}
RATES = [(0.3, 0.0), (0.0, 0.4), (0.25, 0.5)]


def keras_kwargs(config):
    kwargs = {"reset_after": config.reset_after} if config.cell == "gru" else {}
    return dict(units=config.units, use_bias=config.use_bias, dropout=config.dropout,
                recurrent_dropout=config.recurrent_dropout, seed=config.seed, **kwargs)


def keras_layer_outputs(keras, snapshot, training=True):
    """A fresh keras.layers.<Cell>(dropout, recurrent_dropout, seed) on the lab's input."""
    config = snapshot.config
    layer = getattr(keras.layers, LAYERS[config.cell])(
        return_sequences=True, return_state=True, go_backwards=config.go_backwards,
        **keras_kwargs(config))
    padded = np.stack([row.padded for row in snapshot.batch.rows])
    embedding = keras.layers.Embedding(*snapshot.weights.embedding.shape)
    embedding.build(padded.shape)
    embedding.set_weights([snapshot.weights.embedding])
    layer.build((None, None, config.embedding_dim))
    layer.set_weights(snapshot.weights.cell_weights())
    mask = (padded != 0) if config.mask_padding else None
    outputs = layer(np.asarray(embedding(padded)), mask=mask, training=training)
    return [np.asarray(o) for o in outputs]


def keras_masks(keras, config, rows):
    """The masks a Keras cell with these settings draws first: input, then recurrent (the
    order keras.layers.RNN asks for them), each stacked as (gates, rows, size)."""
    import tensorflow as tf

    cell = getattr(keras.layers, LAYERS[config.cell] + "Cell")(**keras_kwargs(config))
    cell.build((None, config.embedding_dim))
    stack = lambda m: None if m is None else np.stack(  # noqa: E731
        [np.asarray(a) for a in (m if isinstance(m, list) else [m])])
    x = stack(cell.get_dropout_mask(tf.zeros((rows, config.embedding_dim))))
    h = stack(cell.get_recurrent_dropout_mask(tf.zeros((rows, config.units))))
    return x, h


@pytest.mark.parametrize("engine", ["keras", "numpy"])
@pytest.mark.parametrize("dropout,recurrent_dropout", RATES)
@pytest.mark.parametrize("cell", ["simple_rnn", "lstm", "gru"])
def test_states_equal_the_keras_layer_in_training(keras, cell, dropout, recurrent_dropout,
                                                  engine):
    config = LabConfig(cell=cell, units=5, embedding_dim=6, dropout=dropout, seed=7,
                       recurrent_dropout=recurrent_dropout, training=True, engine=engine)
    lab = Lab(config)
    lab.select_lines([1, 3, 15])
    lab.run_to_end()
    snapshot = lab.snapshot()
    sequence, *states = keras_layer_outputs(keras, snapshot)
    np.testing.assert_allclose(snapshot.h, np.swapaxes(sequence, 0, 1), atol=TOL)
    np.testing.assert_allclose(snapshot.h[-1], states[0], atol=TOL)
    if cell == "lstm":
        np.testing.assert_allclose(snapshot.c[-1], states[1], atol=TOL)
    assert snapshot.max_abs_error < TOL and snapshot.gate_max_abs_error < TOL
    # The masks matter: the same layer in inference gives other states.
    inference, *_ = keras_layer_outputs(keras, snapshot, training=False)
    assert np.abs(inference - sequence).max() > 1e-4
    # And they are Keras' own, drawn here from a Keras cell with the same seed.
    x_masks, h_masks = keras_masks(keras, config, 3)
    masks = snapshot.dropout_masks
    for ours, theirs, rate in ((masks.input, x_masks, dropout),
                               (masks.recurrent, h_masks, recurrent_dropout)):
        if rate == 0:
            assert ours is None and theirs is None
        else:
            np.testing.assert_array_equal(ours, theirs)
            assert set(np.unique(ours)) <= {0.0, np.float32(1 / (1 - rate))}
            assert (ours == 0).any() and (ours > 0).any()


def test_masked_backwards_lstm_in_training(keras):
    config = LabConfig(cell="lstm", units=3, dropout=0.2, recurrent_dropout=0.3, training=True,
                       mask_padding=True, go_backwards=True, seed=2)
    lab = Lab(config)
    lab.select_lines([2, 6])
    lab.run_to_end()
    snapshot = lab.snapshot()
    sequence, h, c = keras_layer_outputs(keras, snapshot)
    np.testing.assert_allclose(snapshot.output, np.swapaxes(sequence, 0, 1), atol=TOL)
    np.testing.assert_allclose(snapshot.c[-1], c, atol=TOL)


def test_same_seed_same_masks_a_reseed_new_ones():
    config = LabConfig(cell="gru", units=8, dropout=0.5, recurrent_dropout=0.5, training=True)
    first, second = Lab(config), Lab(config)
    a, b = first.dropout_masks, second.dropout_masks
    np.testing.assert_array_equal(a.input, b.input)
    np.testing.assert_array_equal(a.recurrent, b.recurrent)
    first.reseed()
    assert not np.array_equal(first.dropout_masks.input, a.input)
    # Within one input the same masks serve every step (one mask per sequence).
    second.run_to_end()
    np.testing.assert_array_equal(second.dropout_masks.recurrent, b.recurrent)


def test_training_off_is_exactly_no_dropout():
    plain = Lab(LabConfig(cell="lstm", units=4))
    off = Lab(LabConfig(cell="lstm", units=4, dropout=0.5, recurrent_dropout=0.5))
    for lab in (plain, off):
        lab.select_lines([1, 2])
        lab.run_to_end()
    assert off.dropout_masks is None and off.snapshot().dropout_masks is None
    np.testing.assert_array_equal(off.snapshot().h, plain.snapshot().h)
    np.testing.assert_array_equal(off.snapshot().c, plain.snapshot().c)
    off.configure(training=True)  # now the masks apply, and the states change
    off.run_to_end()
    assert off.dropout_masks is not None
    assert np.abs(off.snapshot().h - plain.snapshot().h).max() > 1e-4


def test_an_edit_keeps_the_masks_and_the_check(keras):
    lab = Lab(LabConfig(cell="simple_rnn", units=4, dropout=0.3, training=True))
    lab.seek(3)
    masks = lab.dropout_masks
    lab.edit_state("h", unit=0, value=0.5)
    lab.run_to_end()
    assert lab.dropout_masks is masks and lab.snapshot().gate_max_abs_error < TOL
    assert lab.snapshot().max_abs_error < TOL  # the steps before the edit vs the layer


@pytest.mark.parametrize("changes,message", [
    ({"dropout": 1.0}, "dropout must be a fraction from 0 up to (not including) 1"),
    ({"recurrent_dropout": -0.1}, "recurrent_dropout must be a fraction"),
    ({"dropout": float("nan")}, "dropout must be a fraction"),
    ({"dropout": "0.2"}, "dropout must be a fraction"),
    ({"training": 1}, "training must be true or false"),
    ({"stateful": True, "training": True, "dropout": 0.1}, "not supported"),
])
def test_bad_dropout_settings_are_refused(changes, message):
    lab = Lab()
    with pytest.raises(LabError, match=message.replace("(", r"\(").replace(")", r"\)")):
        lab.configure(**changes)
    assert lab.config == LabConfig()


def test_whole_numbers_are_fractions_too():
    assert LabConfig(dropout=0).dropout == 0.0 and isinstance(LabConfig(dropout=0).dropout, float)
    assert LabConfig(dropout=np.float32(0.5)).dropout == 0.5
