"""Gate clamps: a gate of a unit held at a value for every step after the one it was made at.

Keras' LSTMCell and GRUCell do not expose their gates, so a clamp cannot be written into a
gate the way an edit is written into h or c. Instead the lab steps on through the same Keras
cell class and call with a copy of the weights in which that gate's column of the kernel and
of the recurrent kernel is zero and its bias is the preactivation that gives the value:
logit(v) for a sigmoid gate (input, forget, output; update, reset), atanh(v) for the
candidate (tanh). The gate's preactivation is then that constant whatever x and h are, and
every other column (so every other gate and unit) is untouched. At the ends (v = 0 or 1, or
±1 for the candidate) the preactivation is ±PINNED, where float32 sigmoid and tanh are exactly
0, 1 and ±1, in Keras and in numpy alike. The numpy equations on the same weights give the
gates shown and are checked against that Keras cell at every step, as without a clamp.

A clamp in one batch row only: rows never mix in a recurrent step, so the rows with the same
clamps are stepped together, each group with its own weights, and put back in place.
"""

from __future__ import annotations

import math

import numpy as np

from tui_lab.core.cells import CellRunner, Weights
from tui_lab.core.edits import gate_range

# A preactivation where float32 sigmoid is exactly 0 or 1 and tanh exactly -1 or 1 (checked
# in the tests against Keras), yet far from overflow in x @ kernel + bias.
PINNED = 1e4
# Each gate's block of columns in Keras' layout (LSTM [i|f|g|o], GRU [z|r|h~]).
BLOCKS = {"lstm": {"input": 0, "forget": 1, "candidate": 2, "output": 3},
          "gru": {"update": 0, "reset": 1, "candidate": 2}}


def preactivation(gate: str, value: float) -> float:
    """The constant preactivation whose activation is `value` (float32, to rounding)."""
    low, high = gate_range(gate)
    if value <= low:
        return -PINNED
    if value >= high:
        return PINNED
    found = math.atanh(value) if gate == "candidate" else math.log(value / (1.0 - value))
    return max(-PINNED, min(PINNED, found))


def clamped_weights(weights: Weights, cell: str, reset_after: bool, clamps) -> Weights:
    """A copy of the weights under which each clamp's gate of its unit is its value."""
    kernel, recurrent = weights.kernel.copy(), weights.recurrent_kernel.copy()
    units = weights.units
    bias = weights.bias
    if bias is None:  # (no bias: a zero one computes the same, and holds the constants)
        shape = (2, kernel.shape[1]) if (cell == "gru" and reset_after) else (kernel.shape[1],)
        bias = np.zeros(shape, np.float32)
    else:
        bias = bias.copy()
    for clamp in clamps:
        column = BLOCKS[cell][clamp.gate] * units + clamp.unit
        kernel[:, column] = 0.0
        recurrent[:, column] = 0.0
        if bias.ndim == 2:  # GRU reset_after: input bias row 0, recurrent bias row 1
            bias[0, column], bias[1, column] = preactivation(clamp.gate, clamp.value), 0.0
        else:
            bias[column] = preactivation(clamp.gate, clamp.value)
    return Weights(kernel, recurrent, bias, weights.embedding)


class ClampedRunners:
    """The runners a stretch of steps uses, one per group of rows with the same clamps;
    the runners are kept while the lab's base runner stays the same."""

    def __init__(self):
        self._base = None
        self._made: dict[tuple, CellRunner] = {}

    def groups(self, base: CellRunner, clamps, rows: int) -> list[tuple[CellRunner, np.ndarray]]:
        """[(runner, row indices)] covering every row, for the clamps in force."""
        if base is not self._base:
            self._base, self._made = base, {}
        if not clamps:
            return [(base, np.arange(rows))]
        per_row = [tuple(c for c in clamps if c.row is None or c.row == r) for r in range(rows)]
        found: dict[tuple, list[int]] = {}
        for row, key in enumerate(per_row):
            found.setdefault(key, []).append(row)
        return [(self._runner(base, key), np.array(members)) for key, members in found.items()]

    def _runner(self, base: CellRunner, clamps: tuple) -> CellRunner:
        if not clamps:
            return base
        key = tuple((c.gate, c.unit, c.value) for c in clamps)  # later clamps win (in order)
        if key not in self._made:
            config = base.config
            weights = clamped_weights(base.weights, config.cell, config.reset_after, clamps)
            self._made[key] = CellRunner(config.replace(use_bias=True), weights)
        return self._made[key]
