"""Lab.sensitivity: ||dh_t/dx_k||_F against tf.GradientTape through the full Keras layer (same
weights, return_sequences=True) and against finite differences, never against our own code."""

import numpy as np
import pytest

from tui_lab import Lab, LabConfig, LabError
from tui_lab.core import sensitivity
from tui_lab.core.cells import new_layer
from tui_lab.core.tf_loader import tensorflow

CELLS = ["simple_rnn", "lstm", "gru"]


def layer_norms(snapshot, t: int, x=None, initial=None) -> np.ndarray:
    """(B, t): ||d output[b, t-1] / d x[b, order[k]]||_F from the full Keras layer, where
    output is keras.layers.<Cell>(return_sequences=True, go_backwards=..., mask) applied to
    the lab's input: with go_backwards its sequence is in processing order too."""
    tf = tensorflow()
    config = snapshot.config
    layer = new_layer(config, snapshot.batch.x.shape[2])
    layer.set_weights(snapshot.weights.cell_weights())
    x = tf.constant(snapshot.batch.x if x is None else x)
    mask = tf.constant(~snapshot.batch.pad_mask) if config.mask_padding else None
    with tf.GradientTape() as tape:
        tape.watch(x)
        sequence = layer(x, mask=mask, initial_state=initial)[0]
        y = sequence[:, t - 1]
    jacobian = np.asarray(tape.batch_jacobian(y, x), np.float64)  # (B, units, T, D)
    norms = np.sqrt((jacobian ** 2).sum(axis=(1, 3)))
    return norms[:, snapshot.order[:t]]


def two_lines(**settings) -> Lab:
    """Lines 2 (5 words) and 10 (10 words) as one batch padded to 10: row 1 has 5 pads."""
    lab = Lab(LabConfig(**{"maxlen": None, "units": 3, **settings}))
    lab.select_lines([2, 10])
    return lab


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("go_backwards", [False, True], ids=["forward", "backwards"])
@pytest.mark.parametrize("mask_padding", [False, True], ids=["unmasked", "masked"])
def test_norms_equal_the_keras_layers_jacobian(cell, go_backwards, mask_padding):
    lab = two_lines(cell=cell, go_backwards=go_backwards, mask_padding=mask_padding)
    assert lab.timesteps == 10
    for t in (1, 4, 10):
        lab.seek(t)
        result = lab.sensitivity()
        assert result.t == t and result.norms.shape == (2, t)
        expected = layer_norms(lab.snapshot(), t)
        np.testing.assert_allclose(result.norms, expected, rtol=1e-4, atol=1e-6)
        assert result.state_error < 1e-5
        assert (result.norms[~result.skipped] > 0).all()
    if mask_padding:  # row 1's five pad steps are skipped: their x has no influence at all
        assert result.skipped[0].sum() == 5 and not result.skipped[1].any()
        assert (result.norms[result.skipped] == 0).all()
        assert [w is None for w in result.words[0]] == result.skipped[0].tolist()


@pytest.mark.parametrize("cell", CELLS)
def test_long_runs_use_the_compiled_loop_and_still_equal_the_layer(cell):
    """At least COMPILED_MIN_STEPS steps: the same function in tf.function, with a pad mask
    and go_backwards; raw vectors of two rows."""
    t = sensitivity.COMPILED_MIN_STEPS + 2
    rng = np.random.default_rng(3)
    pad = np.zeros((2, t), bool)
    pad[0, -7:] = True  # row 1 is padded 'post': with go_backwards its pads are read first
    lab = Lab(LabConfig(cell=cell, units=4, go_backwards=True, mask_padding=True))
    lab.set_vectors(rng.normal(size=(2, t, 3)).astype(np.float32), pad_mask=pad)
    result = lab.sensitivity(t)
    np.testing.assert_allclose(result.norms, layer_norms(lab.snapshot(), t), rtol=1e-4,
                               atol=1e-6)
    assert (result.norms[0, :7] == 0).all() and result.skipped[0, :7].all()
    assert lab.t == 0  # the steps were computed, the cursor stayed


def test_units_split_over_several_passes_give_the_same_norms(monkeypatch):
    lab = two_lines(cell="lstm", units=5)
    whole = lab.sensitivity(10).norms
    monkeypatch.setattr(sensitivity, "TAPE_BYTES", 1)  # one unit per backward pass
    assert sensitivity.tape_rows(10, 2, 5, "lstm") == 1
    np.testing.assert_allclose(lab.sensitivity(10).norms, whole, rtol=1e-6, atol=1e-9)


def test_initial_state_is_where_the_recurrence_starts():
    lab = two_lines(cell="lstm")
    h0 = np.array([[0.5, -0.3, 0.9]], np.float32)
    c0 = np.array([[-1.0, 2.0, 0.4]], np.float32)
    lab.set_initial_state(h0, c0)
    tf = tensorflow()
    initial = [tf.constant(np.repeat(h0, 2, 0)), tf.constant(np.repeat(c0, 2, 0))]
    expected = layer_norms(lab.snapshot(), 6, initial=initial)
    np.testing.assert_allclose(lab.sensitivity(6).norms, expected, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("cell", ["gru", "simple_rnn"])
def test_finite_differences_agree(cell):
    """Central differences of a float64 copy of the Keras layer, one input number at a time."""
    keras = pytest.importorskip("keras")
    lab = Lab(LabConfig(cell=cell, units=3))
    lab.select_lines(4)
    t = 5
    result = lab.sensitivity(t)
    snapshot = lab.snapshot()
    config = snapshot.config
    layer = getattr(keras.layers, config.cell_title)(3, return_sequences=True, dtype="float64")
    layer.build((None, None, 4))
    layer.set_weights([w.astype(np.float64) for w in snapshot.weights.cell_weights()])
    x = snapshot.batch.x.astype(np.float64)
    eps = 1e-5
    squares = np.zeros(t)
    for k, position in enumerate(snapshot.order[:t]):
        for d in range(x.shape[2]):
            plus, minus = x.copy(), x.copy()
            plus[0, position, d] += eps
            minus[0, position, d] -= eps
            column = (np.asarray(layer(plus))[0, t - 1] - np.asarray(layer(minus))[0, t - 1])
            squares[k] += ((column / (2 * eps)) ** 2).sum()
    np.testing.assert_allclose(result.norms[0], np.sqrt(squares), rtol=1e-3)


def test_state_edits_cut_the_dependence_as_the_edited_layers_do():
    """An edit of h[1] and c[0] after step 3: the reference runs the Keras layer over steps
    1-3, sets those units (constants), and runs it again from there over steps 4-7."""
    tf = tensorflow()
    lab = Lab(LabConfig(cell="lstm", units=3))
    lab.select_lines(21)
    lab.seek(3)
    lab.edit_state("h", 1, 0.25)
    lab.edit_state("c", 0, -0.5)
    lab.run_to_end()
    result = lab.sensitivity()
    snapshot = lab.snapshot()
    layer = new_layer(snapshot.config, 4)
    layer.set_weights(snapshot.weights.cell_weights())
    x = tf.constant(snapshot.batch.x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        _, h, c = layer(x[:, :3])
        h = tf.concat([h[:, :1], tf.constant([[0.25]]), h[:, 2:]], axis=1)
        c = tf.concat([tf.constant([[-0.5]]), c[:, 1:]], axis=1)
        y = layer(x[:, 3:], initial_state=[h, c])[0][:, -1]
    jacobian = np.asarray(tape.batch_jacobian(y, x), np.float64)
    expected = np.sqrt((jacobian ** 2).sum(axis=(1, 3)))
    np.testing.assert_allclose(result.norms, expected, rtol=1e-4, atol=1e-6)
    assert result.edited_after(2) and result.state_error < 1e-5
    # Edit every unit of h and c: nothing before the edit reaches h_7 any more.
    for unit in range(3):
        lab.seek(3)
        lab.edit_state("h", unit, 0.0)
        lab.edit_state("c", unit, 0.0)
    norms = lab.sensitivity(7).norms
    assert (norms[0, :3] == 0).all() and (norms[0, 3:] > 0).all()


def test_simple_rnn_fades_far_faster_than_lstm_on_unit_scale_inputs():
    """60 steps of unit-scale vectors (seeded): the tanh saturates, and the SimpleRNN's reach
    back to x_0 (relative to the last input's) is orders of magnitude smaller than the LSTM's
    (measured over 4 seeds: 1e-17..1e-13 against 1e-8..1e-6; asserted with a wide margin)."""
    ratios = {}
    for cell in ("simple_rnn", "lstm"):
        lab = Lab(LabConfig(cell=cell, units=4, seed=0))
        lab.set_vectors(np.random.default_rng(0).normal(size=(1, 60, 8)).astype(np.float32))
        norms = lab.sensitivity(60).norms[0]
        ratios[cell] = norms[0] / norms[-1]
    assert ratios["lstm"] > 1000 * ratios["simple_rnn"]


def test_step_zero_words_and_refusals():
    lab = Lab()  # the lesson: line 1, LSTM(4)
    empty = lab.sensitivity()
    assert empty.t == 0 and empty.norms.shape == (1, 0) and empty.positions.shape == (0,)
    result = lab.sensitivity(3)
    row = lab.snapshot().batch.rows[0]  # the lesson's line 1 fills maxlen 7: no padding
    assert result.words == (row.tokens[:3],) and result.ids.tolist() == [list(row.ids[:3])]
    assert result.positions.tolist() == [0, 1, 2]
    assert not result.norms.flags.writeable
    with pytest.raises(LabError, match="outside 0..7"):
        lab.sensitivity(8)
    with pytest.raises(LabError, match="whole number"):
        lab.sensitivity(2.5)
    with pytest.raises(LabError, match="outside"):
        lab.sensitivity(-1)
    assert lab.t == 0


def test_every_step_is_each_steps_sensitivity_and_zero_after_it():
    lab = two_lines(cell="gru")
    table = sensitivity.every_step(lab, 10)
    assert table.shape == (10, 2, 10)
    for k in (0, 4, 9):
        np.testing.assert_array_equal(table[k, :, :k + 1], lab.sensitivity(k + 1).norms)
        assert (table[k, :, k + 1:] == 0).all()



def test_steps_the_tape_does_not_run_are_refused_not_misreported():
    """A clamped gate and dropout's masks make steps another cell's: the reach says so (its
    gradients through the plain cell would not be those of the steps on screen)."""
    lab = Lab(LabConfig(units=3))
    lab.seek(2)
    lab.clamp_gate("forget", 0, 1.0)
    assert lab.sensitivity(2).norms.shape == (1, 2)  # before the clamp's steps: the plain cell
    lab.seek(5)
    with pytest.raises(LabError, match="undo the clamp"):
        lab.sensitivity()
    lab.undo()
    assert lab.sensitivity().state_error < 1e-5
    trained = Lab(LabConfig(units=3, dropout=0.5, recurrent_dropout=0.3, training=True))
    trained.seek(3)
    with pytest.raises(LabError, match="turn training off"):
        trained.sensitivity()
