"""State edits (interventions) and the what-if comparison with the unedited run.

An edit sets one unit of h (or c) after step `step` (0: the initial state) to a value, in
one batch row or all of them; a clamp holds a gate of a unit at a value in every step after
`step` (clamps.py says how the Keras cell is made to compute that). The lab keeps its edits in order and the unedited History
beside the edited one: stepping on continues from the edited state through the same Keras
cell call, and the difference between the two runs shows how far an edit travels.

Edits are "set" operations, so applying one twice gives the same state: the lab applies the
edits of a step whenever its run reaches that step, without remembering whether it did.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from tui_lab.core import checks
from tui_lab.errors import LabError


@dataclass(frozen=True)
class Edit:
    step: int  # the state after this many steps (0: the initial state)
    state: str  # "h" or "c"; for a clamp, the gate's name
    unit: int
    value: float
    row: int | None  # batch row (0-based); None: every row
    kind: str = "set"  # "set" (h or c, once) or "clamp" (a gate, every step after `step`)

    @property
    def gate(self) -> str | None:
        return self.state if self.kind == "clamp" else None

    def describe(self) -> str:
        rows = "every row" if self.row is None else f"batch row {self.row + 1}"
        if self.kind == "clamp":
            return (f"{self.state}[{self.unit}] held at {self.value:g} after step {self.step} "
                    f"({rows})")
        return f"{self.state}[{self.unit}] = {self.value:g} after step {self.step} ({rows})"

    def as_dict(self) -> dict:
        name = "gate" if self.kind == "clamp" else "state"
        return {"kind": self.kind, "step": self.step, name: self.state, "unit": self.unit,
                "value": self.value, "row": self.row}


def clamps_in_force(edits, k: int) -> tuple[Edit, ...]:
    """The clamps that hold at history index k (step k + 1), in the order made."""
    return tuple(e for e in edits if e.kind == "clamp" and e.step <= k)


def make_edit(step: int, state, unit, value, row, *, cell: str, units: int, rows: int) -> Edit:
    """An Edit checked against the lab's cell, units and batch (LabError if it does not fit).
    A gate's name as `state` makes a clamp (make_clamp)."""
    if isinstance(state, str) and state in ALL_GATES:
        return make_clamp(step, state, unit, value, row, cell=cell, units=units, rows=rows)
    states = ("h", "c") if cell == "lstm" else ("h",)
    # isinstance first: an array `in` a tuple compares elementwise and raises ValueError.
    if not isinstance(state, str) or state not in states:
        gates = CLAMPABLE.get(cell, ())
        also = f", or a gate to clamp ({', '.join(gates)})" if gates else ""
        raise LabError(f"the state to edit is {' or '.join(map(repr, states))}{also}, "
                       f"not {checks.shown(state)}")
    unit, value, row = _checked(unit, value, row, units, rows)
    return Edit(int(step), state, unit, value, row)


# The gates a clamp can hold, per cell (a SimpleRNN has none).
CLAMPABLE = {"lstm": ("input", "forget", "candidate", "output"),
             "gru": ("update", "reset", "candidate")}
ARTICLED = {"lstm": "an LSTM", "gru": "a GRU"}
ALL_GATES = frozenset(CLAMPABLE["lstm"] + CLAMPABLE["gru"] + ("preactivation",))


def gate_range(gate: str) -> tuple[float, float]:
    """The values a gate's activation takes: -1..1 for the candidate (tanh), else 0..1."""
    return (-1.0, 1.0) if gate == "candidate" else (0.0, 1.0)


def make_clamp(step: int, gate, unit, value, row, *, cell: str, units: int, rows: int) -> Edit:
    """A clamp of `gate` of `unit` at `value` for every step after `step`, checked against
    the cell (LabError for a SimpleRNN, an unknown gate or a value the gate cannot take)."""
    if cell not in CLAMPABLE:
        raise LabError("a SimpleRNN has no gates to clamp (its step is tanh of one "
                       "preactivation): edit h instead")
    if not isinstance(gate, str) or gate not in CLAMPABLE[cell]:
        raise LabError(f"the gates {ARTICLED[cell]} clamp can hold are "
                       f"{', '.join(CLAMPABLE[cell])}, not {checks.shown(gate)}")
    unit, value, row = _checked(unit, value, row, units, rows)
    low, high = gate_range(gate)
    if not low <= value <= high:
        kind = "tanh" if gate == "candidate" else "sigmoid"
        raise LabError(f"the {gate} gate is a {kind}, so it is held at a value in "
                       f"{low:g}..{high:g}, not {value:g}")
    return Edit(int(step), gate, unit, value, row, "clamp")


def _checked(unit, value, row, units: int, rows: int) -> tuple[int, float, int | None]:
    unit = checks.whole_number(unit, "the unit")
    if not 0 <= unit < units:
        raise LabError(f"the cell has {units} units, so the unit is 0..{units - 1}, not {unit}")
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise LabError(f"the value must be a number, not {checks.shown(value)}")
    try:
        number = float(value)
    except OverflowError:  # an int beyond any float (10**400)
        number = math.inf
    # The states are float32: a value past its range would be stored as inf.
    with np.errstate(over="ignore"):
        finite = math.isfinite(number) and bool(np.isfinite(np.float32(number)))
    if not finite:
        raise LabError(f"the value must be a number that float32 holds (at most "
                       f"{FLOAT32_MAX:.7g} either side of 0), not {checks.shown(value)}")
    value = number
    if row is not None:
        row = checks.whole_number(row, "the batch row")
        if not 0 <= row < rows:  # (the Python API's row: 0-based, as documented)
            raise LabError(f"the batch has {batch_rows(rows)}, so row= is 0..{rows - 1} "
                           f"(0-based) or None for every row, not {row}")
    return int(unit), value, row


FLOAT32_MAX = float(np.finfo(np.float32).max)


def batch_rows(rows: int) -> str:
    """'1 row', '3 rows'."""
    return f"{rows} row" + ("" if rows == 1 else "s")


EDIT_PATTERN = re.compile(r"\s*(?P<state>[A-Za-z_]\w*)\s*\[\s*(?P<unit>\d{1,5})\s*\]\s*=\s*"
                          r"(?P<value>[^\s]+)\s*(?:row\s*(?P<row>\d{1,5})\s*)?$", re.IGNORECASE)


def parse_edit(text: str, rows: int | None = None) -> tuple[str, int, float | str, int | None]:
    """(state, unit, value, row) from 'h[2] = 0.5', 'c[0] = 0 row 2' or 'forget[1] = 0' (a
    clamp; the row as shown on screen, 1-based, checked against a batch of `rows` rows when
    given and returned 0-based; no row: every row). make_edit checks the names and numbers."""
    match = EDIT_PATTERN.match(text if isinstance(text, str) else "")
    if match is None:
        raise LabError(f"write an edit as h[unit] = value (c[unit] for an LSTM's cell state, or a "
                       f"gate such as forget[unit] = 0 to clamp it), optionally 'row N': "
                       f"not {checks.shown(text)}")
    try:
        value: float | str = float(match["value"])
    except ValueError:
        raise LabError(f"the value must be a number such as 0.5 or -1e-3, not "
                       f"{match['value']!r}") from None
    row = int(match["row"]) - 1 if match["row"] is not None else None
    if row is not None and (row < 0 or (rows is not None and row >= rows)):
        why = "batch rows are numbered from 1"
        if rows is not None:
            shown = "1" if rows == 1 else f"1..{rows}"
            why += f": the batch has {batch_rows(rows)}, so the row is {shown}, not {match['row']}"
        raise LabError(why)
    return match["state"].lower(), int(match["unit"]), value, row


def apply(edits, step: int, h: np.ndarray, c: np.ndarray | None) -> None:
    """Write the edits made after `step` into that step's states h, c (batch, units)."""
    for edit in edits:
        if edit.step == step and edit.kind == "set":
            target = h if edit.state == "h" else c
            if target is None:  # (the layer's output row: h edits only)
                continue
            rows = slice(None) if edit.row is None else edit.row
            target[rows, edit.unit] = edit.value


@dataclass(frozen=True)
class WhatIf:
    """Edited minus unedited, for the steps taken: each (t, batch, units)."""

    dh: np.ndarray
    dc: np.ndarray | None

    @property
    def max_per_step(self) -> np.ndarray:
        """(t,) the largest |difference| of h (and c) at each step."""
        if not len(self.dh):
            return np.zeros(0, np.float32)
        largest = np.abs(self.dh).reshape(len(self.dh), -1).max(axis=1)
        if self.dc is not None:
            largest = np.maximum(largest, np.abs(self.dc).reshape(len(self.dc), -1).max(axis=1))
        return largest
