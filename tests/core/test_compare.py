"""Side by side (core/compare.py): two or three cells over the same x_t, stepped together.

Every compared cell's states are checked against its own Keras layer, built here from that
cell's weights and fed the main lab's Embedding output, so the check does not rest on the
lab's own cross-check.
"""

import numpy as np
import pytest

from tui_lab import Lab, LabConfig, LabError
from tui_lab.core.compare import Comparison, choice

from keras_layers import keras_layer

TOL = 1e-5


def embedded(keras, main):
    """The main lab's x_t by a Keras Embedding layer holding its table: (B, T, D)."""
    padded = np.stack([row.padded for row in main.batch.rows])
    table = main.weights.embedding
    layer = keras.layers.Embedding(*table.shape)
    layer.build(padded.shape)
    layer.set_weights([table])
    return np.asarray(layer(padded)), padded


def keras_layer_outputs(keras, snapshot, x, mask=None):
    """keras.layers.<Cell>(return_sequences=True, return_state=True) with this compared
    cell's weights, on x."""
    layer = keras_layer(keras, snapshot.config, snapshot.weights, input_dim=x.shape[2])
    sequence, *states = layer(x, mask=mask)
    return np.asarray(sequence), [np.asarray(s) for s in states]


def main_lab(**settings) -> Lab:
    lab = Lab(LabConfig(**settings))
    lab.select_lines(21)
    return lab


@pytest.mark.parametrize("compared", [
    pytest.param({}, id="three_cells"),
    pytest.param({"seeds": (0, 7)}, id="two_seeds"),
    pytest.param({"units": (4, 9, 2)}, id="three_unit_counts"),
    pytest.param({"cells": ("gru", "simple_rnn")}, id="two_cells"),
])
def test_every_compared_cell_equals_its_own_keras_layer(keras, compared):
    lab = main_lab(cell="lstm")
    comparison = Comparison(lab, **compared)
    x, _ = embedded(keras, lab.snapshot())
    for _ in range(3):  # part way: the steps so far equal the layer's first outputs
        comparison.step()
    for column in comparison.snapshot().columns:
        sequence, _ = keras_layer_outputs(keras, column.snapshot, x)
        np.testing.assert_allclose(column.snapshot.h, np.swapaxes(sequence, 0, 1)[:3], atol=TOL)
    comparison.run_to_end()
    columns = comparison.snapshot().columns
    assert len(columns) == (len(next(iter(compared.values()))) if compared else 3)
    for column in columns:
        snapshot = column.snapshot
        sequence, states = keras_layer_outputs(keras, snapshot, x)
        np.testing.assert_allclose(snapshot.h, np.swapaxes(sequence, 0, 1), atol=TOL)
        np.testing.assert_allclose(snapshot.h[-1], states[0], atol=TOL)
        if snapshot.config.cell == "lstm":
            np.testing.assert_allclose(snapshot.c[-1], states[1], atol=TOL)
        else:
            assert snapshot.c is None and len(states) == 1
        assert column.max_abs_error is not None and column.max_abs_error < TOL
        config = snapshot.config
        assert column.layer == (f"keras.layers.{config.cell_title}({config.units}, "
                                f"return_sequences=True, return_state=True)")


def test_a_batch_backwards_with_masked_padding_equals_the_layers(keras):
    """Two lines of different lengths, go_backwards and mask_padding: the pad mask and the
    direction go to every compared cell, as Embedding(mask_zero=True) would pass them."""
    lab = Lab(LabConfig(maxlen=None, go_backwards=True, mask_padding=True))
    lab.select_lines([1, 2])
    comparison = Comparison(lab)
    comparison.run_to_end()
    x, padded = embedded(keras, lab.snapshot())
    assert (padded == 0).any()  # there is padding to mask
    for column in comparison.snapshot().columns:
        snapshot = column.snapshot
        sequence, states = keras_layer_outputs(keras, snapshot, x, mask=padded != 0)
        np.testing.assert_allclose(snapshot.output, np.swapaxes(sequence, 0, 1), atol=TOL)
        np.testing.assert_allclose(snapshot.h[-1], states[0], atol=TOL)


@pytest.mark.parametrize("compared", [{}, {"seeds": (0, 3)}, {"units": (4, 8)}],
                         ids=["cells", "seeds", "units"])
def test_every_compared_cell_reads_the_same_x_t_the_main_lab_does(keras, compared):
    """The x_t each compared cell is fed is the main lab's Embedding output, bit for bit,
    whatever its seed (a seed makes the Embedding table too)."""
    lab = main_lab()
    comparison = Comparison(lab, **compared)
    main = lab.snapshot()
    x, _ = embedded(keras, main)
    fed = [compared_lab.snapshot().batch.x for compared_lab in comparison.labs]
    for array in fed:
        np.testing.assert_array_equal(array, main.batch.x)
        np.testing.assert_array_equal(array, x)
    for snapshot in comparison.snapshots():  # and the table shown with them is the main's
        np.testing.assert_array_equal(snapshot.weights.embedding, main.weights.embedding)
        assert snapshot.batch.rows[0].tokens == main.batch.rows[0].tokens


def test_stepping_moves_every_cell_together():
    comparison = Comparison(main_lab())
    ts = lambda: {lab.t for lab in comparison.labs}  # noqa: E731
    assert comparison.step() and comparison.step() and ts() == {2} == {comparison.t}
    assert comparison.back() and ts() == {1}
    comparison.seek(5)
    assert ts() == {5} and comparison.snapshot().t == 5
    comparison.reset()
    assert ts() == {0} and not comparison.back()
    assert comparison.run_to_end() and ts() == {comparison.timesteps}
    assert not comparison.step() and ts() == {comparison.timesteps}
    assert all(s.t == comparison.timesteps for s in comparison.snapshots())


def test_a_cancelled_run_leaves_every_cell_at_the_same_step():
    lab = Lab()
    lab.set_vectors(np.random.default_rng(0).normal(size=(3000, 4)).astype(np.float32))
    comparison = Comparison(lab)
    calls = []

    def cancelled() -> bool:  # stops after the first chunk
        calls.append(1)
        return len(calls) >= 2

    reported = []
    assert not comparison.run_to_end(lambda done, total: reported.append((done, total)),
                                      cancelled)
    ts = {compared.t for compared in comparison.labs}
    assert len(ts) == 1
    stopped = ts.pop()
    assert 0 < stopped < 3000 and comparison.t == stopped
    assert reported == [(stopped, 3000)]
    assert comparison.run_to_end() and {lab.t for lab in comparison.labs} == {3000}


def test_the_main_lab_is_unchanged(keras):
    lab = main_lab(cell="gru", units=5)
    lab.step()
    lab.step()
    before = lab.snapshot()
    h, weights = before.h.copy(), before.weights.kernel.copy()
    comparison = Comparison(lab, units=(5, 10))
    comparison.run_to_end()
    comparison.reset()
    Comparison(lab, seeds=(0, 1)).step()
    after = lab.snapshot()
    assert (after.t, after.config, after.selection) == (2, before.config, before.selection)
    np.testing.assert_array_equal(after.h, h)
    np.testing.assert_array_equal(after.weights.kernel, weights)
    assert after.history_id == before.history_id


def test_the_compared_cell_like_the_main_one_has_its_states():
    """The main lab's own cell (same seed, no loaded weights) is one of the three: its
    column is the main lab's states exactly, which shows the x_t and the weights are the same."""
    lab = main_lab(cell="lstm")
    lab.run_to_end()
    comparison = Comparison(lab)
    comparison.run_to_end()
    lstm = comparison.snapshots()[1]
    np.testing.assert_array_equal(lstm.h, lab.snapshot().h)
    np.testing.assert_array_equal(lstm.c, lab.snapshot().c)


@pytest.mark.parametrize("arguments, message", [
    ({"cells": ("lstm",)}, "compare 2 or 3 cells, not 1"),
    ({"cells": ("lstm", "gru", "lstm", "gru")}, "compare 2 or 3 cells, not 4"),
    ({"cells": ("lstm", "transformer")}, "unknown cell 'transformer'"),
    ({"cells": "lstm"}, "cells must be a list of 2 or 3 values"),
    ({"seeds": (1, 1)}, "the compared seeds must differ"),
    ({"units": (4, 0)}, "units must be at least 1"),
    ({"units": (4, 2.5)}, "a compared units must be a whole number"),
    ({"cells": ("lstm", "gru"), "units": (4, 8)}, "compare one thing at a time"),
])
def test_a_bad_comparison_is_one_clear_error(arguments, message):
    with pytest.raises(LabError, match=message.replace("(", r"\(")):
        Comparison(main_lab(), **arguments)


def test_a_step_outside_the_sequence_moves_no_cell():
    comparison = Comparison(main_lab())
    comparison.step()
    for bad in (99, -1, 1.5, True):
        with pytest.raises(LabError):
            comparison.seek(bad)
    assert {lab.t for lab in comparison.labs} == {1}


def test_the_apps_choices():
    config = LabConfig(cell="gru", units=1024, seed=2**31 - 1)
    assert choice("cells", config) == {"cells": ("simple_rnn", "lstm", "gru")}
    assert choice("seeds", config) == {"seeds": (2**31 - 1, 2**31 - 2)}
    assert choice("units", config) == {"units": (1024, 512)}
    assert choice("units", LabConfig(units=3)) == {"units": (3, 6)}
    with pytest.raises(LabError):
        choice("layers", config)


def test_the_readme_example_runs(capsys):
    """README's "In Python" side-by-side block, run after the blocks before it (as written)."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    ours = next(i for i, block in enumerate(blocks) if "Comparison(lab" in block)
    namespace = {}
    for block in blocks[: ours + 1]:
        exec(compile(block, "README.md", "exec"), namespace)
    out = capsys.readouterr().out
    for letter, name in zip("ABC", ("SimpleRNN(4)", "LSTM(4)", "GRU(4)")):
        assert f"\n{letter} {name} [" in out
    comparison = namespace["comparison"]
    assert comparison.t == comparison.timesteps
    assert all(c.max_abs_error < TOL for c in comparison.snapshot().columns)
