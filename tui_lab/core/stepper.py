"""The per-step kernel: how the states of steps k0..end are computed, on either engine.

Engine "keras" (the default) calls the Keras cell object through its cell API:
one step is one call `cell(x_t, states, training=False)`, compiled once with `tf.function`
and a fixed input signature (batch None, so a new line or batch does not retrace); a run of
many steps is a compiled loop of the same call (`for t in tf.range(...)`, every state written
to a TensorArray). The states recorded are the cell's outputs. Keras does not expose the
gates, so numpy recomputes them from the same weights, starting from the cell's own previous
states, and the largest |equations - cell| of each step is recorded as the check.

Engine "numpy" is the second view: the cell's equations in numpy (gates.py) produce the
states, and the compiled cell, called once on all those steps as one batch from the same
previous states, checks them.

Either way the full Keras layer (cells.KerasCell.run_layer) cross-checks the whole sequence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Runs shorter than this are single calls of the compiled step: the compiled loop pays off
# (and is traced, ~0.2 s the first time for a cell shape) only for longer ones. Both call
# the same cell with the same weights.
LOOP_MIN_STEPS = 32


@dataclass(frozen=True)
class Steps:
    """Steps k0..end-1 in processing order, each array (n, batch, units)."""

    h: np.ndarray
    c: np.ndarray | None
    gates: dict[str, np.ndarray]  # NaN where a row was masked (no cell call for it)
    check: np.ndarray  # (n,) max |numpy equations - Keras cell| over the rows stepped


def compute(runner, engine: str, xs: np.ndarray, keep: np.ndarray, h0: np.ndarray,
            c0: np.ndarray | None) -> Steps:
    """The states after each of n steps from (h0, c0).

    xs (n, B, D) are the inputs in processing order; keep (n, B) is True where a row is
    masked: as with Keras' mask, its state is carried unchanged."""
    if engine == "keras":
        h, c = cell_states(runner, xs, keep, h0, c0)
        h_prev, c_prev = _previous(h0, h), _previous(c0, c)
        gates, h_other, c_other = runner.equations(runner.project(xs), h_prev, c_prev)
    else:
        gates, h, c = equation_states(runner, xs, keep, h0, c0)
        h_prev, c_prev = _previous(h0, h), _previous(c0, c)
        h_other, c_other = runner.keras.step_many(xs, h_prev, c_prev)
    check = _max_per_step(h, h_other, keep)
    if c is not None:
        check = np.maximum(check, _max_per_step(c, c_other, keep))
    if keep.any():
        gates = {name: np.where(keep[..., None], np.float32(np.nan), g) for name, g in gates.items()}
    return Steps(h, c, gates, check)


def cell_states(runner, xs, keep, h, c):
    """The Keras cell's states after each step: the compiled loop for a long run, single
    compiled calls for a short one. A step whose rows are all masked is not called at all."""
    keras = runner.keras
    if len(xs) >= LOOP_MIN_STEPS:
        return keras.run(xs, keep, h, c)
    hs, cs = [], []
    for x, kept in zip(xs, keep):
        if not kept.all():
            h_new, c_new = keras.step(x, h, c)
            if kept.any():
                h_new = np.where(kept[:, None], h, h_new)
                c_new = np.where(kept[:, None], c, c_new) if c is not None else None
            h, c = h_new, c_new
        hs.append(h)
        cs.append(c)
    return np.stack(hs), (np.stack(cs) if c is not None else None)


def equation_states(runner, xs, keep, h, c):
    """The numpy equations, one step after another (the numpy engine)."""
    projected = runner.project(xs)  # x @ kernel for every step at once
    gate_steps, hs, cs = [], [], []
    for xw, kept in zip(projected, keep):
        gates, h_new, c_new = runner.equations(xw, h, c)
        if kept.any():
            h_new = np.where(kept[:, None], h, h_new)
            c_new = np.where(kept[:, None], c, c_new) if c is not None else None
        h, c = h_new, c_new
        gate_steps.append(gates)
        hs.append(h)
        cs.append(c)
    gates = {name: np.stack([g[name] for g in gate_steps]) for name in gate_steps[0]}
    return gates, np.stack(hs), (np.stack(cs) if c is not None else None)


def _previous(first, states):
    """The state each step started from: (first, states[0], ..., states[n-2])."""
    if states is None:
        return None
    return np.concatenate([first[np.newaxis], states[:-1]])


def _max_per_step(a, b, keep) -> np.ndarray:
    """max |a - b| of each step over the rows that were stepped (0 for masked rows)."""
    difference = np.where(keep[..., None], np.float32(0), np.abs(a - b))
    return difference.reshape(len(a), -1).max(axis=1)


def advance(runner, config, batch, history, end: int, initial_states, groups=None,
            dropout=None) -> None:
    """Fill `history` up to (not including) step `end` with the steps of `batch`, on
    config.engine; initial_states() gives the (h0, c0) step 0 starts from. `groups`
    [(runner, row indices)] steps each group of rows with its own runner (gate clamps,
    clamps.py); None: every row with `runner`. `dropout` (a dropout.DropoutCell, training
    with dropout only) computes the steps with its masks (no clamps go with it: the lab
    refuses them)."""
    k0 = history.computed
    if end <= k0:
        return
    positions = history.order[k0:end]
    xs = np.swapaxes(batch.x[:, positions], 0, 1)  # (n, B, D) in processing order
    if config.mask_padding:
        keep = np.ascontiguousarray(batch.pad_mask[:, positions].T)  # masked: state carried
    else:
        keep = np.zeros(xs.shape[:2], bool)
    h0, c0 = _state_before(history, k0, initial_states)
    if dropout is not None:
        steps = dropout.compute(config.engine, xs, keep, h0, c0)
    elif groups is None or len(groups) == 1:
        steps = compute(groups[0][0] if groups else runner, config.engine, xs, keep, h0, c0)
    else:
        steps = _compute_groups(groups, config.engine, xs, keep, h0, c0)
    output = steps.h
    if keep.any():
        # As Keras does with a mask: a masked row repeats the previous output (zeros
        # before the first real step), while its state is carried.
        output = steps.h.copy()
        previous = history.output[k0 - 1] if k0 else np.zeros_like(h0)
        for k in range(len(output)):
            if config.zero_output_for_mask:  # (Keras' option: zeros, not the last output)
                output[k] = np.where(keep[k][:, None], 0.0, output[k])
            else:
                output[k] = np.where(keep[k][:, None], previous, output[k])
            previous = output[k]
    history.record(k0, steps.h, steps.c, output, steps.gates, keep, steps.check)


def _compute_groups(groups, engine, xs, keep, h0, c0) -> Steps:
    """compute() for each group of rows with its runner, put back in row order: rows never
    mix in a recurrent step, so each group can be stepped on its own."""
    h = np.empty(xs.shape[:2] + h0.shape[-1:], np.float32)
    c = np.empty_like(h) if c0 is not None else None
    gates: dict[str, np.ndarray] = {}
    check = np.zeros(len(xs), np.float32)
    for runner, rows in groups:
        part = compute(runner, engine, xs[:, rows], keep[:, rows], h0[rows],
                       c0[rows] if c0 is not None else None)
        h[:, rows] = part.h
        if c is not None:
            c[:, rows] = part.c
        for name, values in part.gates.items():
            gates.setdefault(name, np.empty_like(h))[:, rows] = values
        check = np.maximum(check, part.check)
    return Steps(h, c, gates, check)


def _state_before(history, k: int, initial_states):
    """(h, c) that step k starts from."""
    if k == 0:
        return initial_states()
    return history.h[k - 1], (history.c[k - 1] if history.c is not None else None)
