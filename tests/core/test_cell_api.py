"""The default engine steps the Keras cell object through its cell API, compiled.

These tests would fail on a numpy path: a cell that counts its calls inside the graph and a
cell whose output is shifted show that every number comes from `cell(x_t, states)`.
"""

import numpy as np
import pytest

from tui_lab import Lab, LabConfig
from tui_lab.core import cells, stepper, tf_loader


@pytest.fixture
def fresh_cells(monkeypatch):
    """An empty cache of compiled cells, so a patched cell class is the one built."""
    monkeypatch.setattr(cells, "_CACHE", type(cells._CACHE)())
    return cells


def _spy_cell_class(keras, counter, shift: float = 0.0):
    """LSTMCell that counts its calls in a TensorFlow variable (so calls inside compiled
    functions count too) and adds `shift` to the new h and c."""

    class SpyLSTMCell(keras.layers.LSTMCell):
        def call(self, inputs, states, training=False):
            counter.assign_add(1)
            h, (h_new, c_new) = super().call(inputs, states, training=training)
            return h + shift, [h_new + shift, c_new + shift]

    return SpyLSTMCell


def _patch_cell(monkeypatch, keras, shift=0.0):
    """Every Keras cell the lab makes is a spy; returns its call counter."""
    counter = tf_loader.tensorflow().Variable(0, trainable=False)
    spy = _spy_cell_class(keras, counter, shift)
    monkeypatch.setattr(cells, "new_cell",
                        lambda config: spy(config.units, use_bias=config.use_bias))
    return counter


def _calls(counter) -> int:
    return int(counter.numpy())


def test_every_step_is_one_call_of_the_keras_cell(keras, fresh_cells, monkeypatch):
    calls = _patch_cell(monkeypatch, keras)
    lab = Lab(LabConfig(cell="lstm", units=4))
    for _ in range(5):
        lab.step()
    assert _calls(calls) == 5  # one compiled call per step, none for back or snapshots
    lab.back()
    lab.snapshot()
    assert _calls(calls) == 5


def test_a_long_run_is_a_compiled_loop_of_the_same_calls(keras, fresh_cells, monkeypatch):
    calls = _patch_cell(monkeypatch, keras)
    vectors = np.random.default_rng(0).normal(size=(1, 300, 3)).astype(np.float32)
    lab = Lab(LabConfig(cell="lstm", units=4), vectors=vectors)
    assert lab.run_to_end()
    assert _calls(calls) == 300
    assert lab.snapshot().max_abs_error < 1e-5  # the layer (a plain LSTM) agrees


def test_the_numbers_shown_are_the_cells_outputs(keras, fresh_cells, monkeypatch):
    """A cell whose h and c are shifted by 1: the lab shows the shifted states (a numpy path
    could not), and its check against the numpy equations reports the difference."""
    _patch_cell(monkeypatch, keras, shift=1.0)
    lab = Lab(LabConfig(cell="lstm", units=4))
    lab.step()
    snapshot = lab.snapshot(layer=False)
    eager = keras.layers.LSTMCell(4)
    eager.build((None, 4))
    eager.set_weights(snapshot.weights.cell_weights())
    x = snapshot.batch.x[:, snapshot.order[0]]
    _, (h, c) = eager(x, [snapshot.h0, snapshot.c0])
    np.testing.assert_allclose(snapshot.h[0], np.asarray(h) + 1.0, atol=1e-6)
    np.testing.assert_allclose(snapshot.c[0], np.asarray(c) + 1.0, atol=1e-6)
    assert snapshot.gate_max_abs_error == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("cell", ["simple_rnn", "lstm", "gru"])
@pytest.mark.parametrize("loop", [False, True])
def test_compiled_steps_equal_eager_cell_calls(keras, monkeypatch, cell, loop):
    if loop:
        monkeypatch.setattr(stepper, "LOOP_MIN_STEPS", 1)
    lab = Lab(LabConfig(cell=cell, units=6, embedding_dim=5, seed=4))
    lab.select_lines([3, 21])
    lab.run_to_end()
    snapshot = lab.snapshot()
    eager = getattr(keras.layers, cells.KERAS_CELLS[cell])(6)
    eager.build((None, 5))
    eager.set_weights(snapshot.weights.cell_weights())
    states = [snapshot.h0, snapshot.c0] if cell == "lstm" else [snapshot.h0]
    for k, position in enumerate(snapshot.order):
        _, states = eager(snapshot.batch.x[:, position], states, training=False)
        np.testing.assert_allclose(snapshot.h[k], np.asarray(states[0]), atol=1e-6)
        if cell == "lstm":
            np.testing.assert_allclose(snapshot.c[k], np.asarray(states[1]), atol=1e-6)


def test_the_graph_call_equals_the_public_call_and_is_the_fallback(keras, fresh_cells):
    lab = Lab(LabConfig(cell="lstm", units=3))
    lab.step()
    concrete = next(iter(cells._CACHE.values())).compiled_step.get_concrete_function()
    rng = np.random.default_rng(0)
    constant = tf_loader.tensorflow().constant  # (the graph takes tensors, as KerasCell gives)
    x = constant(rng.normal(size=(2, 4)).astype(np.float32))
    states = [constant(rng.normal(size=(2, 3)).astype(np.float32)) for _ in range(2)]
    fast = [np.asarray(s) for s in cells.graph_call(concrete)(x, states)]
    public = [np.asarray(s) for s in concrete(x, states)]
    for a, b in zip(fast, public):
        np.testing.assert_array_equal(a, b)

    class WithoutCallFlat:  # a concrete function of a TensorFlow that lacks _call_flat
        def __call__(self, x, states):
            return concrete(x, states)

    public_only = WithoutCallFlat()
    assert cells.graph_call(public_only) is public_only


def test_new_lines_and_batches_do_not_retrace(keras, fresh_cells):
    lab = Lab(LabConfig(cell="gru", units=3))
    lab.step()
    compiled = next(iter(cells._CACHE.values()))
    for lines in ([2], [4, 5], [1, 2, 3], [21]):
        lab.select_lines(lines)
        lab.step()
    lab.configure(go_backwards=True)  # the same cell shape: the same compiled cell
    lab.step()
    assert len(cells._CACHE) == 1
    assert compiled.compiled_step.experimental_get_tracing_count() == 1


def test_labs_sharing_a_compiled_cell_keep_their_own_weights(keras):
    """Two labs of the same cell shape but different weights, stepped in turn, give what
    each gives alone."""
    alone = []
    for seed in (1, 2):
        lab = Lab(LabConfig(seed=seed))
        lab.run_to_end()
        alone.append(lab.snapshot().h.copy())
    first, second = Lab(LabConfig(seed=1)), Lab(LabConfig(seed=2))
    for _ in range(7):
        first.step()
        second.step()
    np.testing.assert_array_equal(first.snapshot().h, alone[0])
    np.testing.assert_array_equal(second.snapshot().h, alone[1])


def test_engines_are_named(keras):
    assert LabConfig().engine == "keras"
    assert LabConfig().engine_title == "Keras cell API (compiled)"
    assert LabConfig(engine="numpy").engine_title == "numpy equations, checked against the cell"
