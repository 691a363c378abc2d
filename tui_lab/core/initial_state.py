"""A lab's initial state: given as arrays or read from an .npz, checked, and the (h0, c0)
that step 0 starts from. The Lab keeps the state; these only check and shape it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tui_lab.core.weight_files import read_npz
from tui_lab.errors import LabError


def given(h, c, units: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """(h, c) as float32 (1 or `rows`, units) arrays, checked; c is zeros if not given.
    `rows` is the batch's."""
    if h is None:
        raise LabError("an initial state needs h (c alone is not a state); give h, or h and c")
    h = state_array(h, "h", units)
    # c is kept even for SimpleRNN and GRU (zeros if not given), so that a later switch to
    # LSTM starts from a real c, not from a missing one.
    c = np.zeros_like(h) if c is None else state_array(c, "c", units)
    if h.shape[0] != c.shape[0]:
        raise LabError(f"initial state 'h' has {h.shape[0]} row(s) but 'c' has {c.shape[0]}; "
                       f"give both the same rows: 1, or one per batch row")
    if h.shape[0] not in (1, rows):
        raise LabError(f"the initial state has {h.shape[0]} rows but the batch has {rows}; "
                       f"give 1 row (for every batch row) or {rows}")
    return h, c


def read(path: Path, cell: str) -> tuple[np.ndarray, np.ndarray | None]:
    """(h, c) from an .npz with keys 'h' (and 'c' for LSTM; c is None for other cells)."""
    arrays = read_npz(path, "initial-state")
    if "h" not in arrays:
        raise LabError(f"{path} has no 'h' array (an initial state needs 'h', and 'c' for LSTM)")
    if cell == "lstm" and "c" not in arrays:
        raise LabError(f"{path} has no 'c' array: an LSTM's initial state needs 'h' and 'c'")
    return arrays["h"], arrays.get("c") if cell == "lstm" else None


def state_array(value, name: str, units: int) -> np.ndarray:
    """One initial state as float32 (rows, units); LabError for anything else."""
    try:
        values = np.asarray(value)
        if values.dtype.kind not in "biufO":  # strings, dates, complex: not states
            raise TypeError
        with np.errstate(over="ignore"):  # beyond float32 becomes inf, refused below
            array = values.astype(np.float32)
    except OverflowError:  # a Python int beyond any float
        raise LabError(f"initial state '{name}' holds a number too large for float32") from None
    except (TypeError, ValueError):
        raise LabError(f"initial state '{name}' must be an array of numbers") from None
    if array.ndim == 1:
        array = array[np.newaxis]
    if array.ndim != 2 or array.shape[1] != units:
        raise LabError(f"initial state '{name}' has shape {tuple(np.shape(value))}, but the cell "
                       f"has {units} units: give ({units},) or (batch, {units})")
    if not np.all(np.isfinite(array)):
        raise LabError(f"initial state '{name}' holds NaN or infinite values")
    return array


def starting(initial, batch: int, units: int, cell: str):
    """(h0, c0) each step 0 starts from, (batch, units): the given initial state broadcast
    to the batch, or zeros; c0 is None unless the cell is an LSTM."""
    if initial is None:
        zeros = np.zeros((batch, units), np.float32)
        return zeros, (zeros if cell == "lstm" else None)
    h0, c0 = initial
    h0 = np.broadcast_to(h0, (batch, units)).astype(np.float32)
    c0 = None if cell != "lstm" else np.broadcast_to(c0, (batch, units)).astype(np.float32)
    return h0, c0
