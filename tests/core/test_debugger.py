"""The debugger: breakpoint conditions stop where the Keras layer says they hold, and a state
edit followed by steps equals calling the Keras cell by hand from the edited state."""

import numpy as np
import pytest

from tui_lab import Lab, LabConfig, LabError
from tui_lab.core import conditions

TOL = 1e-5


def lstm_lab(**settings) -> Lab:
    lab = Lab(LabConfig(cell="lstm", units=5, **settings))
    lab.select_lines([1, 7])  # a batch of two lines: a condition may hold in either row
    return lab


def layer_reference(keras, lab):
    """The Keras LSTM layer with the lab's weights: (sequence (T, B, units) in processing
    order, the gates recomputed from the layer's own previous outputs)."""
    lab.run_to_end()
    snapshot = lab.snapshot()
    units = snapshot.config.units
    layer = keras.layers.LSTM(units, return_sequences=True, return_state=True)
    layer.build((None, None, snapshot.batch.x.shape[2]))
    layer.set_weights(snapshot.weights.cell_weights())
    sequence = np.swapaxes(np.asarray(layer(snapshot.batch.x)[0]), 0, 1)
    kernel, recurrent, bias = (np.asarray(w) for w in layer.get_weights())
    previous = np.concatenate([np.zeros_like(sequence[:1]), sequence[:-1]])
    z = np.swapaxes(snapshot.batch.x, 0, 1) @ kernel + previous @ recurrent + bias
    forget = 1 / (1 + np.exp(-z[..., units:2 * units]))
    lab.reset()
    return sequence, forget, previous


def threshold(values: np.ndarray) -> float:
    """A value between two of these, far from all (so 1e-5 cannot move a hit), near the middle."""
    ordered = np.unique(values.ravel())
    middle = len(ordered) // 2
    gaps = [(ordered[i + 1] - ordered[i], i) for i in range(max(1, middle - 3), middle + 3)]
    gap, i = max(gaps)
    assert gap > 1e-4
    return float((ordered[i] + ordered[i + 1]) / 2)


def first_step(holds: np.ndarray) -> int:
    """1-based step of the first (steps, rows) True."""
    return int(np.flatnonzero(holds.any(axis=1))[0]) + 1


def test_state_and_gate_conditions_stop_where_the_layer_says(keras):
    lab = lstm_lab()
    sequence, forget, previous = layer_reference(keras, lab)
    cases = {}
    value = threshold(sequence[:, :, 2])
    cases[f"h[2] > {value}"] = sequence[:, :, 2] > value
    value = threshold(forget[:, :, 1])
    cases[f"forget[1] < {value}"] = forget[:, :, 1] < value
    change = np.abs(sequence - previous).max(axis=2)
    value = threshold(change)
    cases[f"dh >= {value}"] = change >= value
    for condition, holds in cases.items():
        lab.reset()
        hit = lab.run_until(condition)
        assert hit is not None and hit.step == first_step(holds), condition
        assert lab.t == hit.step
        assert holds[hit.step - 1, hit.row]
        assert hit.condition == condition


def test_cell_state_condition_against_the_layers_final_c(keras):
    lab = lstm_lab()
    lab.run_to_end()
    c = lab.snapshot().c
    value = threshold(c[:, :, 0])
    lab.reset()
    hit = lab.run_until(f"c[0] <= {value}")
    assert hit.step == first_step(c[:, :, 0] <= value)
    # The c the condition read is the Keras layer's: its final state at the end.
    layer_c = lab.snapshot().layer_states[1]
    lab.run_to_end()
    np.testing.assert_allclose(lab.snapshot().c[-1], layer_c, atol=TOL)


def test_step_position_and_token_conditions():
    lab = lstm_lab(go_backwards=True)
    snapshot = (lab.build(), lab.snapshot())[1]
    assert lab.run_until("step == 3").step == 3
    assert lab.run_until("t >= 3").step == 4  # only steps after the current one are checked
    lab.reset()
    hit = lab.run_until("pos == 2")
    assert snapshot.order[hit.step - 1] == 2
    lab.reset()
    ident = int(snapshot.batch.rows[1].padded[-2])  # line 7: its words are read right to left
    word = {i: w for w, i in snapshot.word_index.items()}[ident]
    hit = lab.run_until(f"token == {word}")
    padded = np.stack([r.padded for r in snapshot.batch.rows])[:, snapshot.order]
    expected = first_step((padded == ident).T)
    assert hit.step == expected
    lab.reset()
    assert lab.run_until(f"id == {ident}").step == expected


def test_several_conditions_the_first_to_hold_wins_and_running_continues():
    lab = lstm_lab()
    hit = lab.run_until(["step == 5", "step >= 2"])
    assert (hit.step, hit.condition) == (2, "step >= 2")
    hit = lab.run_until("step >= 2")  # like a debugger's continue
    assert hit.step == 3
    assert hit.describe() == "'step >= 2' holds after step 3 (batch row 1: step 3)"
    lab.reset()
    assert lab.run_until("h[0] > 99") is None
    assert lab.t == lab.timesteps  # no hit: at the end


def test_a_cancelled_run_stops_at_the_last_chunk():
    lab = Lab(LabConfig(units=512), vectors=np.random.default_rng(0).normal(size=(1, 600, 3)))
    assert lab.chunk_steps < 600
    calls = []
    assert lab.run_until("step == 600", cancelled=lambda: len(calls) > 0,
                         progress=lambda done, total: calls.append(done)) is None
    assert lab.t == calls[0] == lab.chunk_steps


@pytest.mark.parametrize("condition, where", [
    ("forget[9] < 0.1", "column 8 ('9'): the cell has 5 units, so a unit is 0..4"),
    ("update[0] < 0.1", "column 1 ('update'): not something LSTM steps have"),
    ("h < 0.1", "h needs a unit"),
    ("step[1] == 3", "step has no units"),
    ("h[1] > big", "column 8 ('big'): expected a number"),
    ("h[1] > inf", "finite"),
    ("h[x] > 0", "expected a whole number"),
    ("token == zzzz", "not a word of the word_index"),
    ("token > 3", "compared with == or !="),
    ("token == 99999", "column 10 ('99999'): the word_index's ids are 1.."),
    ("forget[1] ~ 0.1", "expected NAME[unit] OP VALUE"),
    ("", "a condition is text"),
    ("step == -1", "column 9 ('-1'): steps run 1.."),
    ("t > 99999", "so a step is 0.."),
    ("pos == 99999", "so a position is 0.."),
    ("dh > -0.5", "dh is a largest |difference|, so it is 0 or more"),
    ("forget[1] > 1.5", "the forget gate is a sigmoid, so its values are 0..1"),
    ("output[1] < -0.1", "the output gate is a sigmoid, so its values are 0..1"),
    ("candidate[0] < -2", "the candidate gate is a tanh, so its values are -1..1"),
])
def test_a_bad_condition_points_at_its_token_and_changes_nothing(condition, where):
    lab = lstm_lab()
    lab.step()
    with pytest.raises(LabError) as error:
        lab.run_until(["step == 5", condition])
    assert where in str(error.value)
    assert "\n" not in str(error.value)
    assert lab.t == 1


def test_token_ids_are_refused_beyond_the_word_index_and_its_largest_is_kept():
    lab = lstm_lab()
    top = max(lab.snapshot().word_index.values())
    with pytest.raises(LabError, match=f"so a token id is 0..{top}$"):
        lab.run_until(f"token == {top + 1}")
    assert lab.run_until(f"token != {top}").step == 1  # the largest id is a condition
    assert lab.parse_condition("token == 0").value == 0  # 0 (padding) is one too


def test_tokens_num_words_encodes_as_oov_are_refused_with_the_reason():
    lab = lstm_lab(num_words=20)
    word_index = lab.snapshot().word_index
    rare = next(word for word, ident in word_index.items() if ident >= 20)
    with pytest.raises(LabError) as error:
        lab.run_until(f"token == {rare}")
    assert str(error.value).endswith(f"its id {word_index[rare]} is not below num_words=20, "
                                     "so the Tokenizer encodes it as <OOV>: it never comes")
    with pytest.raises(LabError, match="num_words=20 keeps ids 1..19 .*so a token id is 0..19$"):
        lab.run_until("token == 20")
    assert lab.t == 0
    kept = next(word for word, ident in word_index.items() if ident == 19)
    assert lab.parse_condition(f"token == {kept}").value == 19  # the last id kept is one
    assert lab.run_until("token == 1") is not None  # <OOV>: the rare words come as id 1


def test_an_empty_word_index_says_so_instead_of_a_backward_range():
    with pytest.raises(LabError) as error:
        conditions.parse("token == 3", cell="lstm", units=4, gate_names=("input",),
                         word_index={})
    assert str(error.value).endswith("the word_index is empty (0: padding), so a token id is 0..0")


def test_steps_and_positions_are_refused_beyond_the_input_and_its_ends_are_kept():
    lab = lstm_lab()
    total = lab.timesteps
    with pytest.raises(LabError) as error:
        lab.run_until(f"step == {total + 1}")
    assert str(error.value).endswith(f"steps run 1..{total} (0: before the first), so a step "
                                     f"is 0..{total}")
    with pytest.raises(LabError, match=f"so a position is 0..{total - 1}$"):
        lab.run_until(f"pos == {total}")
    assert lab.t == 0
    assert lab.run_until("step > 0").step == 1  # 0 is before the first step
    assert lab.run_until(f"step == {total}").step == total
    lab.reset()
    last = int(lab.snapshot().order[-1])
    assert lab.run_until(f"pos == {last}").step == total
    lab.reset()
    assert lab.run_until("candidate[0] >= -1").step == 1  # the ends of a gate's range


def test_cell_state_and_tokens_only_where_they_exist():
    with pytest.raises(LabError, match="not something GRU steps have"):
        Lab(LabConfig(cell="gru")).run_until("c[0] > 0")
    vectors = Lab(LabConfig(), vectors=np.zeros((4, 2)))
    with pytest.raises(LabError, match="raw vectors: there are no tokens"):
        vectors.run_until("token == 3")


# ----- state edits -----------------------------------------------------------------------
def by_hand(lab, h, c, steps):
    """Call the lab's Keras cell object through its cell API from (h, c), step by step."""
    snapshot = lab.snapshot()
    cell, hs = lab.keras_cell, []
    for k in steps:
        x = snapshot.batch.x[:, snapshot.order[k]]
        states = [h, c] if c is not None else [h]
        _, states = cell(x, states, training=False)
        h, c = np.asarray(states[0]), (np.asarray(states[1]) if c is not None else None)
        hs.append((h, c))
    return hs


@pytest.mark.parametrize("cell, state", [("lstm", "h"), ("lstm", "c"), ("gru", "h"),
                                         ("simple_rnn", "h")])
def test_an_edit_then_steps_equals_the_cell_called_by_hand(cell, state):
    lab = Lab(LabConfig(cell=cell, units=4))
    lab.select_lines([1, 7])
    lab.seek(3)
    lab.edit_state(state, unit=2, value=0.75, row=1)
    edited = lab.snapshot()
    h, c = edited.h[-1].copy(), (edited.c[-1].copy() if edited.c is not None else None)
    assert (h if state == "h" else c)[1, 2] == np.float32(0.75)
    lab.seek(lab.timesteps)
    after = lab.snapshot()
    for k, (h_ref, c_ref) in zip(range(3, after.timesteps), by_hand(lab, h, c, range(3, after.timesteps))):
        np.testing.assert_allclose(after.h[k], h_ref, atol=TOL)
        if c_ref is not None:
            np.testing.assert_allclose(after.c[k], c_ref, atol=TOL)
    # The gates shown after the edit still rebuild the states (numpy vs the cell, every step).
    assert after.gate_max_abs_error < TOL
    assert after.edits == lab.edits and lab.edits[0].describe() == \
        f"{state}[2] = 0.75 after step 3 (batch row 2)"


def test_an_edit_of_the_initial_state_equals_the_layer_from_that_state(keras):
    lab = Lab(LabConfig(cell="lstm", units=3))
    lab.edit_state("c", unit=0, value=-2.0)  # at step 0: every row
    lab.run_to_end()
    snapshot = lab.snapshot()
    assert snapshot.max_abs_error is None  # the layer ran unedited: nothing to compare
    layer = keras.layers.LSTM(3, return_sequences=True)
    layer.build((None, None, snapshot.batch.x.shape[2]))
    layer.set_weights(snapshot.weights.cell_weights())
    c0 = np.zeros((1, 3), np.float32)
    c0[:, 0] = -2.0
    expected = layer(snapshot.batch.x, initial_state=[np.zeros((1, 3), np.float32), c0])
    np.testing.assert_allclose(snapshot.h, np.swapaxes(np.asarray(expected), 0, 1), atol=TOL)
    np.testing.assert_array_equal(snapshot.c0, c0)


def test_undo_restores_the_exact_original_states():
    lab = lstm_lab()
    lab.run_to_end()
    before = lab.snapshot()
    lab.seek(2)
    lab.edit_state("h", 0, 0.0)
    lab.seek(5)
    lab.edit_state("c", 4, 3.0, row=0)
    lab.run_to_end()
    assert np.abs(lab.snapshot().h - before.h).max() > 1e-3
    assert lab.undo() and lab.undo() and not lab.undo()
    lab.run_to_end()
    after = lab.snapshot()
    np.testing.assert_array_equal(after.h, before.h)
    np.testing.assert_array_equal(after.c, before.c)
    assert after.history_id == before.history_id and after.edits == ()
    assert after.max_abs_error < TOL


def test_undo_of_the_later_edit_keeps_the_earlier_one():
    one, two = lstm_lab(), lstm_lab()
    for lab in (one, two):
        lab.seek(2)
        lab.edit_state("h", 1, 0.9)
    two.seek(4)
    two.edit_state("h", 3, -0.9)
    two.undo()
    for lab in (one, two):
        lab.run_to_end()
    np.testing.assert_array_equal(one.snapshot().h, two.snapshot().h)


def test_what_if_shows_how_far_an_edit_travels():
    lab, plain = lstm_lab(), lstm_lab()
    assert lab.what_if() is None
    lab.seek(3)
    lab.edit_state("c", 2, 5.0)
    lab.run_to_end()
    plain.run_to_end()
    diff = lab.what_if()
    np.testing.assert_allclose(diff.dh, lab.snapshot().h - plain.snapshot().h, atol=TOL)
    np.testing.assert_allclose(diff.dc, lab.snapshot().c - plain.snapshot().c, atol=TOL)
    largest = diff.max_per_step
    assert (largest[:2] == 0).all()  # before the edit: the same run
    assert largest[2] == pytest.approx(np.abs(5.0 - plain.snapshot().c[2, :, 2]).max(), abs=TOL)
    assert (largest[3:] > 0).all()  # it travels on


def test_max_error_compares_the_steps_before_the_first_edit():
    lab = lstm_lab()
    lab.seek(4)
    lab.edit_state("h", 0, 10.0)
    lab.run_to_end()
    error = lab.snapshot().max_abs_error
    assert error is not None and error < TOL  # steps 1..3: the edit changed step 4's state
    lab.seek(1)
    lab.edit_state("h", 0, 10.0)
    assert lab.snapshot().max_abs_error is None  # no step is left unedited


@pytest.mark.parametrize("args, message", [
    (("c", 0, 1.0), r"is 'h', or a gate to clamp \(update, reset, candidate\), not 'c'"),
    (("h", 4, 1.0), "the unit is 0..3"),
    (("h", 0, float("nan")), "a number that float32 holds"),
    (("h", 0, True), "must be a number"),
    (("h", 0, 1.0, 2), r"the batch has 2 rows, so row= is 0..1 \(0-based\)"),
])
def test_a_bad_edit_is_refused_and_the_run_stays(args, message):
    lab = Lab(LabConfig(cell="gru", units=4))
    lab.select_lines([1, 2])
    lab.seek(2)
    before = lab.snapshot()
    with pytest.raises(LabError, match=message):
        lab.edit_state(*args)
    assert lab.edits == () and lab.snapshot().history_id == before.history_id


@pytest.mark.parametrize("state, value", [("c", 3.4028236e38), ("c", -3.5e38), ("h", 1e39),
                                          ("forget", 1e300)])
def test_a_value_beyond_float32_is_refused_and_the_run_stays(state, value):
    lab = lstm_lab()
    lab.seek(2)
    before = lab.snapshot()
    with pytest.raises(LabError, match="a number that float32 holds"):
        lab.edit_state(state, 0, value)
    assert lab.edits == () and lab.snapshot().history_id == before.history_id
    lab.edit_state("c", 0, 3.4e38)  # float32 holds it, and c stays finite after it
    lab.run_to_end()
    assert np.isfinite(lab.snapshot().c).all() and np.isfinite(lab.snapshot().h).all()


def saved_weights(tmp_path, cell: str, units: int, rows: dict) -> str:
    """An .npz of small weights (4 input features) whose recurrent kernel has the given rows
    (unit -> value for its whole row): large rows turn a huge state into inf products."""
    blocks = {"lstm": 4, "gru": 3}[cell]
    rng = np.random.default_rng(0)
    kernel = rng.uniform(-0.1, 0.1, (4, blocks * units)).astype(np.float32)
    recurrent = rng.uniform(-0.1, 0.1, (units, blocks * units)).astype(np.float32)
    for unit, value in rows.items():
        recurrent[unit] = value
    bias = np.zeros((2, blocks * units) if cell == "gru" else blocks * units, np.float32)
    path = tmp_path / f"{cell}.npz"
    np.savez(path, kernel=kernel, recurrent_kernel=recurrent, bias=bias)
    return str(path)


def test_an_edit_whose_next_steps_become_nan_is_refused_naming_the_step(tmp_path):
    """h[0] and h[1] = 3e38 with rows +10 and -10 of the recurrent kernel: each product is inf
    in float32 and their sum inf - inf = NaN at the next step. The first edit alone stays
    finite (sigmoid and tanh of inf are 1)."""
    lab = Lab(LabConfig(cell="lstm", units=4))
    lab.load_weights(saved_weights(tmp_path, "lstm", 4, {0: 10.0, 1: -10.0}))
    lab.select_lines(21)
    lab.seek(2)
    lab.edit_state("h", 0, 3e38)
    before = lab.snapshot()
    with _no_warnings(), pytest.raises(LabError) as refused:
        lab.edit_state("h", 1, 3e38)
    assert str(refused.value) == ("h[1] = 3e+38 after step 2 (every row) would take the states "
                                  "past float32's range: h[0] is nan at step 3, batch row 1; "
                                  "the edit was not made")
    after = lab.snapshot()
    assert lab.edits == before.edits and after.history_id == before.history_id and lab.t == 2
    lab.run_to_end()
    assert np.isfinite(lab.snapshot().h).all()


def test_a_clamp_whose_next_steps_become_nan_is_refused(tmp_path):
    """GRU (reset_after): with h[0] = 3e38 the recurrent part of the candidate is inf; a reset
    gate held at 0 then makes 0 * inf = NaN."""
    lab = Lab(LabConfig(cell="gru", units=4))
    lab.load_weights(saved_weights(tmp_path, "gru", 4, {0: 10.0}))
    lab.select_lines(21)
    lab.seek(3)
    lab.edit_state("h", 0, 3e38)
    with _no_warnings(), pytest.raises(LabError, match=r"reset\[1\] held at 0 after step 3 "
                                                        r"\(every row\) would take the states "
                                                        r"past float32's range: h\[1\] is nan "
                                                        r"at step 4"):
        lab.clamp_gate("reset", 1, 0.0)
    assert [e.kind for e in lab.edits] == ["set"]


def _no_warnings():
    """No numpy RuntimeWarning reaches the user while a refused edit is checked."""
    import warnings
    from contextlib import contextmanager

    @contextmanager
    def block():
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            yield

    return block()


def test_a_new_input_or_setting_starts_without_edits():
    lab = lstm_lab()
    lab.seek(2)
    lab.edit_state("h", 0, 1.0)
    lab.select_lines([3])
    assert lab.edits == () and lab.what_if() is None and not lab.undo()


def test_a_breakpoint_that_never_holds_says_what_its_value_did(keras):
    """The range reported is that of the Keras layer's own forget gate over the steps run."""
    lab = lstm_lab()
    _, forget, _ = layer_reference(keras, lab)
    lab.seek(2)
    assert lab.run_until(["forget[3] < 0.01", "forget[3] < 0.001"]) is None
    low, high = forget[2:, :, 3].min(), forget[2:, :, 3].max()  # steps 3..7, both rows
    message = lab.describe_miss(["forget[3] < 0.01", "forget[3] < 0.001"], since=2)
    assert message.startswith(f"forget[3] stayed between {low:.3f} and {high:.3f} over 5 steps; "
                              f"forget[3] stayed between")
    # Untrained (Keras' initial weights from the seed): why the forget gate sits near 0.73.
    assert 0.6 < low <= high < 0.85
    assert message.count("unit_forget_bias starts the forget bias at 1") == 1


def test_a_miss_on_given_weights_adds_no_untrained_note(tmp_path):
    lab = Lab(LabConfig(cell="gru", units=2))
    kernel, recurrent, bias = lab.snapshot().weights.cell_weights()
    np.savez(tmp_path / "w.npz", kernel=kernel, recurrent_kernel=recurrent, bias=bias)
    assert lab.run_until("update[1] < 0.01") is None
    untrained = lab.describe_miss("update[1] < 0.01", 0)
    assert untrained.endswith("sigmoid(0) = 0.5 until training moves it.")
    lab.load_weights(tmp_path / "w.npz")  # the same numbers, now given: no note
    lab.reset()
    assert lab.run_until("update[1] < 0.01") is None
    given = lab.describe_miss("update[1] < 0.01", 0)
    assert given == untrained.split(" On untrained")[0]
    assert given.startswith("update[1] stayed between ") and given.endswith("over 7 steps.")


def test_a_missed_token_names_the_words_that_came(keras):
    lab = Lab(LabConfig(units=2))
    lab.select_lines(21)
    assert lab.run_until("token == pretender") is None
    message = lab.describe_miss("token == pretender", 0)
    tokens = lab.snapshot().batch.rows[0].tokens
    first = list(dict.fromkeys(tokens))
    assert message.startswith("the token read was " + ", ".join(repr(w) for w in first[:4]))
    assert message.endswith("over 7 steps.")
    with pytest.raises(LabError):
        lab.describe_miss("token == pretender", since=99)
