"""State edits (interventions) and the what-if comparison with the unedited run.

An edit sets one unit of h (or c) after step `step` (0: the initial state) to a value, in
one batch row or all of them. The lab keeps its edits in order and the unedited History
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
    state: str  # "h" or "c"
    unit: int
    value: float
    row: int | None  # batch row (0-based); None: every row

    def describe(self) -> str:
        rows = "every row" if self.row is None else f"batch row {self.row + 1}"
        return f"{self.state}[{self.unit}] = {self.value:g} after step {self.step} ({rows})"

    def as_dict(self) -> dict:
        return {"step": self.step, "state": self.state, "unit": self.unit, "value": self.value,
                "row": self.row}


def make_edit(step: int, state, unit, value, row, *, cell: str, units: int, rows: int) -> Edit:
    """An Edit checked against the lab's cell, units and batch (LabError if it does not fit)."""
    states = ("h", "c") if cell == "lstm" else ("h",)
    if state not in states:
        raise LabError(f"the state to edit is {' or '.join(map(repr, states))}, "
                       f"not {checks.shown(state)}")
    unit = checks.whole_number(unit, "the unit")
    if not 0 <= unit < units:
        raise LabError(f"the cell has {units} units, so the unit is 0..{units - 1}, not {unit}")
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise LabError(f"the value must be a number, not {checks.shown(value)}")
    value = float(value)
    if not math.isfinite(value):
        raise LabError(f"the value must be a finite number, not {value}")
    if row is not None:
        row = checks.whole_number(row, "the batch row")
        if not 0 <= row < rows:
            raise LabError(f"the batch has {rows} rows, so the row is 0..{rows - 1}, not {row}")
    return Edit(int(step), state, int(unit), value, row)


EDIT_PATTERN = re.compile(r"\s*(?P<state>[hc])\s*\[\s*(?P<unit>\d{1,5})\s*\]\s*=\s*"
                          r"(?P<value>[^\s]+)\s*(?:row\s*(?P<row>\d{1,5})\s*)?$", re.IGNORECASE)


def parse_edit(text: str) -> tuple[str, int, float | str, int | None]:
    """(state, unit, value, row) from 'h[2] = 0.5' or 'c[0] = 0 row 2' (the row as shown on
    screen, 1-based, returned 0-based; no row: every row). make_edit checks the numbers."""
    match = EDIT_PATTERN.match(text if isinstance(text, str) else "")
    if match is None:
        raise LabError(f"write an edit as h[unit] = value (or c[unit] = value for an LSTM's cell "
                       f"state), optionally 'row N': not {checks.shown(text)}")
    try:
        value: float | str = float(match["value"])
    except ValueError:
        raise LabError(f"the value must be a number such as 0.5 or -1e-3, not "
                       f"{match['value']!r}") from None
    row = int(match["row"]) - 1 if match["row"] is not None else None
    if row is not None and row < 0:
        raise LabError("batch rows are numbered from 1")
    return match["state"].lower(), int(match["unit"]), value, row


def apply(edits, step: int, h: np.ndarray, c: np.ndarray | None) -> None:
    """Write the edits made after `step` into that step's states h, c (batch, units)."""
    for edit in edits:
        if edit.step == step:
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
