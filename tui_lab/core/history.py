"""The record of every step taken, in preallocated numpy arrays (never lists of tensors).

Steps are in processing order: step k consumed padded position `order[k]`. A History is
filled forward only; stepping back just moves the lab's cursor. Anything that changes what
a step would compute (new weights, settings, input) makes a new History, so a snapshot
holding views of an old one stays valid. Nothing here grows with the number of steps taken:
errors are kept as running maxima so reading them costs the same at step 10 and 10,000.
"""

from __future__ import annotations

import itertools

import numpy as np

_ids = itertools.count(1)


class History:
    def __init__(self, order: np.ndarray, batch: int, units: int, gate_names: tuple[str, ...],
                 has_cell_state: bool):
        # Unique per History (never reused): views key caches on it, since a new History
        # means every step may compute differently.
        self.id = next(_ids)
        timesteps = len(order)
        shape = (timesteps, batch, units)
        self.order = order
        self.order.flags.writeable = False
        self.h = np.zeros(shape, np.float32)  # the state after each step
        self.c = np.zeros(shape, np.float32) if has_cell_state else None
        self.output = np.zeros(shape, np.float32)  # what the layer returns (differs when masked)
        self.gates = {name: np.zeros(shape, np.float32) for name in gate_names}
        self.masked = np.zeros((timesteps, batch), bool)  # rows whose cell call was skipped
        # Running maxima over steps 0..k: |numpy equations - Keras cell| (both engines)
        # and |stepped output - Keras layer|.
        self.gate_error_max = np.zeros(timesteps, np.float32)
        self.layer_error_max = np.zeros(timesteps, np.float32)
        self.computed = 0  # steps filled in
        self.layer_checked = 0  # steps whose layer error is filled in

    @property
    def timesteps(self) -> int:
        return len(self.order)

    def copy_until(self, k: int) -> History:
        """A new History (a new id) holding copies of steps 0..k-1, to be continued from
        there differently (a state edit at step k): views of this one stay as they were."""
        k = min(k, self.computed)
        h = self.h
        new = History(self.order.copy(), h.shape[1], h.shape[2], tuple(self.gates),
                      self.c is not None)
        new.h[:k], new.output[:k], new.masked[:k] = h[:k], self.output[:k], self.masked[:k]
        if self.c is not None:
            new.c[:k] = self.c[:k]
        for name, values in self.gates.items():
            new.gates[name][:k] = values[:k]
        new.gate_error_max[:k] = self.gate_error_max[:k]
        new.layer_checked = min(k, self.layer_checked)
        new.layer_error_max[:new.layer_checked] = self.layer_error_max[:new.layer_checked]
        new.computed = k
        return new

    def record(self, k0: int, h, c, output, gates: dict, masked, check) -> None:
        """Steps k0..k0+n-1: each array (n, batch, units); masked (n, batch); check (n,) the
        per-step |numpy equations - Keras cell|."""
        assert k0 == self.computed, "steps are recorded in order"
        end = k0 + len(h)
        self.h[k0:end] = h
        if self.c is not None:
            self.c[k0:end] = c
        self.output[k0:end] = output
        for name, value in gates.items():
            self.gates[name][k0:end] = value
        self.masked[k0:end] = masked
        errors = np.asarray(check, np.float32).copy()
        if k0:
            errors[0] = max(errors[0], self.gate_error_max[k0 - 1])
        self.gate_error_max[k0:end] = np.maximum.accumulate(errors)
        self.computed = end

    def check_against(self, sequence: np.ndarray, upto: int) -> None:
        """Fill the layer error for steps below `upto` from the layer's (B, T, units) output."""
        k0 = self.layer_checked
        if upto <= k0:
            return
        expected = np.swapaxes(sequence[:, k0:upto], 0, 1)
        errors = np.abs(self.output[k0:upto] - expected).reshape(upto - k0, -1).max(axis=1)
        if k0:
            errors[0] = max(errors[0], self.layer_error_max[k0 - 1])
        self.layer_error_max[k0:upto] = np.maximum.accumulate(errors)
        self.layer_checked = upto

    def layer_error(self, t: int) -> float:
        return float(self.layer_error_max[t - 1]) if t else 0.0

    def gate_error(self, t: int) -> float:
        return float(self.gate_error_max[t - 1]) if t else 0.0

    def error_against(self, sequence: np.ndarray, states, t: int) -> float:
        """The largest |stepped output - layer output| over the steps taken (filling what is
        missing from the layer's (B, T, units) `sequence`); at the end, also the final states
        against the layer's returned `states` ((h,) or (h, c))."""
        self.check_against(sequence, t)
        error = self.layer_error(t)
        if t == self.timesteps:
            stepped = (self.h[t - 1],) + ((self.c[t - 1],) if self.c is not None else ())
            error = max([error] + [float(np.abs(a - b).max()) for a, b in zip(stepped, states)])
        return error
