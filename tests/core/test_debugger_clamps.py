"""Gate clamps: a clamped run equals the cell's equations stepped by hand from the Keras cell's
own weights with the gate replaced by the value; undo brings back the exact states."""

import numpy as np
import pytest

from tui_lab import Lab, LabConfig, LabError

TOL = 1e-5


def sigmoid(z):
    return 1 / (1 + np.exp(-z.astype(np.float64)))


def by_hand(cell, weights, xs, units, clamp_from, clamps, rows=None):
    """The LSTM/GRU equations (reset_after GRU) in float64 from Keras' weights, from zeros;
    at steps k >= clamp_from each (gate, unit, value) replaces that gate (in `rows`, or all).
    Returns h (T, B, units), c or None."""
    kernel, recurrent, bias = (np.asarray(w, np.float64) for w in weights)
    batch = xs.shape[1]
    h = np.zeros((batch, units))
    c = np.zeros((batch, units))
    hs, cs = [], []
    for k, x in enumerate(xs):
        found = {}
        if cell == "lstm":
            z = x @ kernel + h @ recurrent + bias
            found = {"input": sigmoid(z[:, :units]), "forget": sigmoid(z[:, units:2 * units]),
                     "candidate": np.tanh(z[:, 2 * units:3 * units]),
                     "output": sigmoid(z[:, 3 * units:])}
        else:
            xz = x @ kernel + bias[0]
            hz = h @ recurrent + bias[1]
            found = {"update": sigmoid(xz[:, :units] + hz[:, :units]),
                     "reset": sigmoid(xz[:, units:2 * units] + hz[:, units:2 * units])}
        if k >= clamp_from:
            for gate, unit, value in clamps:
                where = slice(None) if rows is None else rows
                found[gate][where, unit] = value
        if cell == "lstm":
            c = found["forget"] * c + found["input"] * found["candidate"]
            h = found["output"] * np.tanh(c)
            cs.append(c)
        else:
            candidate = np.tanh(xz[:, 2 * units:] + found["reset"] * hz[:, 2 * units:])
            z_ = found["update"]
            h = z_ * h + (1 - z_) * candidate
        hs.append(h)
    return np.stack(hs), (np.stack(cs) if cell == "lstm" else None)


def lab_for(cell: str) -> Lab:
    lab = Lab(LabConfig(cell=cell, units=4))
    lab.select_lines([1, 7])
    lab.build()
    return lab


def inputs_of(lab):
    snapshot = lab.snapshot(layer=False)
    return np.swapaxes(snapshot.batch.x[:, snapshot.order], 0, 1)


@pytest.mark.parametrize("cell, clamps, rows", [
    ("lstm", [("forget", 2, 0.0)], None),
    ("lstm", [("forget", 1, 1.0), ("input", 1, 0.0)], None),
    ("lstm", [("output", 3, 0.25)], 1),
    ("gru", [("update", 0, 1.0)], None),
    ("gru", [("reset", 2, 0.0)], None),
    ("gru", [("update", 1, 0.3)], 0),
])
def test_a_clamped_run_equals_the_equations_with_the_gate_replaced(cell, clamps, rows):
    lab = lab_for(cell)
    weights = lab.keras_cell.get_weights()  # the Keras cell's own weights
    at = 3
    lab.seek(at)
    for gate, unit, value in clamps:
        edit = lab.clamp_gate(gate, unit, value, row=rows)
        assert edit.kind == "clamp" and edit.gate == gate and edit.step == at
    lab.run_to_end()
    snapshot = lab.snapshot()
    h, c = by_hand(cell, weights, inputs_of(lab), 4, at, clamps, rows)
    np.testing.assert_allclose(snapshot.h, h, atol=TOL)
    if c is not None:
        np.testing.assert_allclose(snapshot.c, c, atol=TOL)
    for gate, unit, value in clamps:  # the gates shown are the clamped values from then on
        shown = snapshot.gates[gate][at:, slice(None) if rows is None else rows, unit]
        np.testing.assert_allclose(shown, value, atol=1e-6)
    assert snapshot.gate_max_abs_error < TOL  # numpy equations vs the clamped Keras cell


def test_forget_zero_makes_c_the_input_times_the_candidate_exactly():
    lab = lab_for("lstm")
    lab.seek(2)
    lab.clamp_gate("forget", 1, 0.0)
    lab.run_to_end()
    snapshot = lab.snapshot()
    assert np.all(snapshot.gates["forget"][2:, :, 1] == 0.0)  # sigmoid(-1e4) is exactly 0
    product = snapshot.gates["input"][2:, :, 1] * snapshot.gates["candidate"][2:, :, 1]
    # i*g here is numpy's, c is the Keras cell's: they differ by float32 rounding only
    np.testing.assert_allclose(snapshot.c[2:, :, 1], product, atol=1e-6)


def test_forget_one_and_input_zero_keep_c_constant():
    lab = lab_for("lstm")
    lab.seek(3)
    before = lab.snapshot(layer=False).c[-1, :, 0].copy()
    lab.clamp_gate("forget", 0, 1.0)
    lab.clamp_gate("input", 0, 0.0)
    lab.run_to_end()
    c = lab.snapshot(layer=False).c
    assert np.array_equal(c[3:, :, 0], np.broadcast_to(before, c[3:, :, 0].shape))
    assert not np.array_equal(c[3:, :, 1], np.broadcast_to(c[2, :, 1], c[3:, :, 1].shape))


def test_undo_of_a_clamp_restores_the_exact_states():
    lab = lab_for("gru")
    lab.run_to_end()
    original = lab.snapshot(layer=False)
    h, gates = original.h.copy(), {k: v.copy() for k, v in original.gates.items()}
    lab.seek(2)
    lab.clamp_gate("update", 3, 0.0)
    lab.run_to_end()
    assert not np.array_equal(lab.snapshot(layer=False).h, h)
    assert lab.undo()
    lab.run_to_end()
    after = lab.snapshot(layer=False)
    assert after.edits == () and np.array_equal(after.h, h)
    assert all(np.array_equal(after.gates[k], gates[k]) for k in gates)


def test_a_clamp_is_an_edit_in_the_snapshot_the_what_if_and_undo_order():
    lab = lab_for("lstm")
    lab.seek(2)
    lab.edit_state("h", 0, 0.5)
    lab.edit_state("forget", 1, 0.0)  # a gate's name as the state clamps it
    lab.run_to_end()
    snapshot = lab.snapshot()
    assert [e.kind for e in snapshot.edits] == ["set", "clamp"]
    assert snapshot.edits[1].as_dict() == {"kind": "clamp", "step": 2, "gate": "forget",
                                           "unit": 1, "value": 0.0, "row": None}
    assert "held at 0 after step 2" in snapshot.edits[1].describe()
    assert np.abs(snapshot.what_if.dc[2:, :, 1]).max() > 1e-3
    lab.undo()  # the clamp goes, the h edit stays
    assert [e.kind for e in lab.edits] == ["set"]
    lab.run_to_end()
    assert np.all(lab.snapshot(layer=False).gates["forget"][2:, :, 1] > 0)


@pytest.mark.parametrize("cell, args, message", [
    ("simple_rnn", ("preactivation", 0, 0.0), "a SimpleRNN has no gates to clamp"),
    ("simple_rnn", ("forget", 0, 0.0), "a SimpleRNN has no gates to clamp"),
    ("lstm", ("update", 0, 0.0), "not 'update'"),
    ("lstm", ("forget", 0, 1.5), "held at a value in 0..1, not 1.5"),
    ("gru", ("candidate", 0, -2.0), "in -1..1, not -2"),
    ("gru", ("reset", 9, 0.0), "the unit is 0..3, not 9"),
])
def test_a_bad_clamp_is_a_clear_lab_error_and_the_run_stays(cell, args, message):
    lab = lab_for(cell)
    lab.seek(2)
    h = lab.snapshot(layer=False).h.copy()
    with pytest.raises(LabError, match=message):
        lab.clamp_gate(*args)
    assert lab.edits == () and np.array_equal(lab.snapshot(layer=False).h, h)
