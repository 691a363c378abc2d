"""Stateful lines: the lab's chain of lines equals Keras' own stateful layer called line
after line (built here from the lab's weights, not from the lab's own check)."""

import numpy as np
import pytest

from tui_lab import Lab, LabConfig, LabError

from keras_layers import keras_layer

TOL = 1e-5


def stateful_layer(keras, snapshot, rows):
    """keras.layers.<Cell>(stateful=True, ...) for `rows` rows, with the lab's weights."""
    return keras_layer(keras, snapshot.config, snapshot.weights, rows=rows, stateful=True)


def embedded(keras, snapshot):
    """The line's ids through a Keras Embedding holding the lab's table, and the pad mask."""
    padded = np.stack([row.padded for row in snapshot.batch.rows])
    embedding = keras.layers.Embedding(*snapshot.weights.embedding.shape)
    embedding.build(padded.shape)
    embedding.set_weights([snapshot.weights.embedding])
    return np.asarray(embedding(padded)), padded != 0


def assert_same(snapshot, outputs):
    sequence, *states = (np.asarray(o) for o in outputs)
    np.testing.assert_allclose(snapshot.output, np.swapaxes(sequence, 0, 1), atol=TOL)
    np.testing.assert_allclose(snapshot.h[-1], states[0], atol=TOL)
    if snapshot.c is not None:
        np.testing.assert_allclose(snapshot.c[-1], states[1], atol=TOL)
    assert snapshot.max_abs_error < TOL and snapshot.gate_max_abs_error < TOL


@pytest.mark.parametrize("engine", ["keras", "numpy"])
@pytest.mark.parametrize("cell", ["simple_rnn", "lstm", "gru"])
def test_chain_equals_keras_stateful_layer(keras, cell, engine):
    lab = Lab(LabConfig(cell=cell, units=5, stateful=True, engine=engine, seed=3))
    chain = [2, 3, 5, 5, 9]
    reference = None
    for n, line in enumerate(chain):
        lab.select_lines(line)
        lab.step()  # part of the line only: the WHOLE line's final state is what carries
        snapshot = lab.snapshot()
        if reference is None:
            reference = stateful_layer(keras, snapshot, 1)
            assert snapshot.initial_state_origin == "zeros"
            assert not snapshot.h0.any()
        else:
            assert snapshot.initial_state_origin == f"carried from line {chain[n - 1]}"
            # The carried state is Keras' state after the previous call, and not zeros.
            np.testing.assert_allclose(snapshot.h0, np.asarray(reference.states[0].value),
                                       atol=TOL)
            assert np.abs(snapshot.h0).max() > 1e-3
        x, _ = embedded(keras, snapshot)
        outputs = reference(x)
        lab.run_to_end()
        assert_same(lab.snapshot(), outputs)
        assert lab.snapshot().stateful_calls == tuple(f"line {k}" for k in chain[:n + 1])


def test_batch_masked_backwards_chain(keras):
    config = LabConfig(cell="lstm", units=3, stateful=True, mask_padding=True, go_backwards=True)
    lab = Lab(config)
    lab.select_lines([1, 3])
    reference = stateful_layer(keras, lab.snapshot(), 2)
    for lines in ([1, 3], [4, 15], [2, 6]):
        if lines != [1, 3]:
            lab.select_lines(lines)
        lab.run_to_end()
        snapshot = lab.snapshot()
        x, mask = embedded(keras, snapshot)
        assert_same(snapshot, reference(x, mask=mask))
    assert lab.carried_from == "lines 4, 15"


def test_reset_states_zeroes_the_carry_as_keras_reset_states(keras):
    lab = Lab(LabConfig(cell="gru", units=4, stateful=True))
    lab.select_lines(2)
    reference = stateful_layer(keras, lab.snapshot(), 1)
    reference(embedded(keras, lab.snapshot())[0])
    lab.select_lines(4)
    lab.seek(3)
    assert lab.snapshot().h0.any()
    lab.reset_states()
    reference.reset_states()
    snapshot = lab.snapshot()
    assert snapshot.t == 3 and snapshot.initial_state_origin == "zeros"
    assert not snapshot.h0.any() and lab.carried_from is None
    outputs = reference(embedded(keras, snapshot)[0])
    lab.run_to_end()
    assert_same(lab.snapshot(), outputs)
    assert lab.snapshot().stateful_calls == ("line 4",)
    lab.select_lines(6)  # the chain goes on from line 4
    outputs = reference(embedded(keras, lab.snapshot())[0])
    lab.run_to_end()
    assert_same(lab.snapshot(), outputs)
    assert lab.snapshot().initial_state_origin == "carried from line 4"


def test_reset_goes_back_to_a_given_initial_state():
    lab = Lab(LabConfig(cell="lstm", units=2, stateful=True))
    lab.set_initial_state(h=[0.5, -0.5], c=[1.0, 2.0])
    lab.select_lines(3)
    lab.run_to_end()
    carried = lab.snapshot().h[-1].copy()
    lab.select_lines(4)
    np.testing.assert_array_equal(lab.snapshot().h0, carried)
    lab.reset_states()
    snapshot = lab.snapshot()
    assert snapshot.initial_state_origin == "given"
    np.testing.assert_array_equal(snapshot.h0, [[0.5, -0.5]])
    np.testing.assert_array_equal(snapshot.c0, [[1.0, 2.0]])


def test_batch_size_change_starts_again_with_a_notice(keras):
    lab = Lab(LabConfig(cell="simple_rnn", units=3, stateful=True))
    lab.select_lines(2)
    lab.select_lines([3, 4])
    assert "batch size changed from 1 to 2" in lab.stateful_notice
    snapshot = lab.snapshot()
    assert snapshot.initial_state_origin == "zeros" and not snapshot.h0.any()
    reference = stateful_layer(keras, snapshot, 2)
    outputs = reference(embedded(keras, snapshot)[0])
    lab.run_to_end()
    assert_same(lab.snapshot(), outputs)
    lab.select_lines([5, 6])
    assert lab.stateful_notice is None and lab.carried_from == "lines 3, 4"
    outputs = reference(embedded(keras, lab.snapshot())[0])
    lab.run_to_end()
    assert_same(lab.snapshot(), outputs)


def test_stateful_off_or_a_setting_change_carries_nothing():
    lab = Lab(LabConfig(units=3))
    lab.select_lines(2)
    lab.run_to_end()
    lab.select_lines(3)
    assert lab.snapshot().initial_state_origin == "zeros" and not lab.snapshot().h0.any()
    lab.configure(stateful=True)
    lab.select_lines(4)
    assert lab.carried_from == "line 3"
    lab.configure(seed=5)  # new weights: the carried state belonged to the old ones
    assert lab.carried_from is None and not lab.snapshot().h0.any()


def test_typed_line_carries_and_a_failed_selection_keeps_the_lab():
    lab = Lab(LabConfig(stateful=True))
    lab.select_lines(1)
    lab.seek(2)
    before = lab.snapshot()
    with pytest.raises(LabError):
        lab.select_lines(999)
    assert lab.t == 2 and lab.snapshot().history_id == before.history_id
    lab.type_sentence("only you")
    assert lab.carried_from == "line 1"
    lab.select_lines(2)
    assert lab.carried_from == "the typed line"
    with pytest.raises(LabError):
        lab.configure(stateful=1)


def test_an_edited_line_carries_its_edited_state_and_keras_restarts_from_it(keras):
    lab = Lab(LabConfig(cell="lstm", units=3, stateful=True))
    lab.select_lines(2)
    lab.seek(6)
    lab.edit_state("c", unit=1, value=0.9)
    lab.run_to_end()
    edited = lab.snapshot().h[-1].copy(), lab.snapshot().c[-1].copy()
    lab.select_lines(3)
    snapshot = lab.snapshot()
    np.testing.assert_array_equal(snapshot.h0, edited[0])
    np.testing.assert_array_equal(snapshot.c0, edited[1])
    layer = stateful_layer(keras, snapshot, 1)
    outputs = layer(embedded(keras, snapshot)[0], initial_state=list(edited))
    lab.run_to_end()
    assert_same(lab.snapshot(), outputs)
    assert lab.snapshot().stateful_calls == ("line 3",)  # Keras' chain restarted here


def test_readme_stateful_example_runs(capsys):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    example = next(block for block in blocks if "stateful=True" in block)
    exec(compile(blocks[0] + example, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "carried from line 1\n('line 1', 'line 2')" in out


def test_vectors_after_vectors_carry(keras):
    rng = np.random.default_rng(0)
    first, second = rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 4, 3))
    lab = Lab(LabConfig(cell="simple_rnn", units=4, stateful=True), vectors=first)
    lab.run_to_end()
    layer = keras.layers.SimpleRNN(4, stateful=True, return_sequences=True, return_state=True)
    layer.build((2, None, 3))
    layer.set_weights(lab.snapshot().weights.cell_weights())
    layer(first.astype(np.float32))
    lab.set_vectors(second)
    assert lab.carried_from == "the input vectors"
    outputs = layer(second.astype(np.float32))
    lab.run_to_end()
    assert_same(lab.snapshot(), outputs)
