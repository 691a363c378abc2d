"""The record of every step taken, in preallocated numpy arrays (never lists of tensors).

Steps are in processing order: step k consumed padded position `order[k]`. A History is
filled forward only; stepping back just moves the lab's cursor. Anything that changes what
a step would compute (new weights, settings, input) makes a new History, so a snapshot
holding views of an old one stays valid.
"""

from __future__ import annotations

import numpy as np


class History:
    def __init__(self, timesteps: int, batch: int, units: int, input_dim: int,
                 gate_names: tuple[str, ...], has_cell_state: bool):
        shape = (timesteps, batch, units)
        self.h = np.zeros(shape, np.float32)  # the state after each step
        self.c = np.zeros(shape, np.float32) if has_cell_state else None
        self.output = np.zeros(shape, np.float32)  # what the layer returns (differs when masked)
        self.gates = {name: np.zeros(shape, np.float32) for name in gate_names}
        self.masked = np.zeros((timesteps, batch), bool)  # rows whose cell call was skipped
        self.gate_error = np.zeros(timesteps, np.float32)  # |numpy equations - Keras cell|
        self.layer_error = np.zeros(timesteps, np.float32)  # |stepped output - Keras layer|
        self.computed = 0  # steps filled in
        self.layer_checked = 0  # steps whose layer_error is filled in

    @property
    def timesteps(self) -> int:
        return self.h.shape[0]

    def record(self, k: int, h, c, output, gates: dict, masked, gate_error: float) -> None:
        assert k == self.computed, "steps are recorded in order"
        self.h[k] = h
        if self.c is not None:
            self.c[k] = c
        self.output[k] = output
        for name, value in gates.items():
            self.gates[name][k] = value
        self.masked[k] = masked
        self.gate_error[k] = gate_error
        self.computed = k + 1

    def check_against(self, sequence: np.ndarray, upto: int) -> None:
        """Fill layer_error for steps below `upto` from the layer's (B, T, units) sequence."""
        if upto > self.layer_checked:
            k0 = self.layer_checked
            expected = np.swapaxes(sequence[:, k0:upto], 0, 1)
            diff = np.abs(self.output[k0:upto] - expected)
            self.layer_error[k0:upto] = diff.reshape(upto - k0, -1).max(axis=1)
            self.layer_checked = upto
