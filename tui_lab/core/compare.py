"""Side by side: two or three recurrent cells stepped over the same input at once.

A `Comparison` owns one `Lab` per compared cell. Each is given the main lab's input as it
reaches the cell, x_t (the Embedding lookup of the same padded ids, or a model's features),
as raw vectors with the same pad mask: so every compared cell reads exactly the same numbers,
whatever its seed (a seed makes the Embedding table too, so a text lab of another seed would
read other x_t). Each lab steps its own Keras cell object with Keras' initial weights from its
seed, from zero states, and checks itself against its own Keras layer. The main lab is only
read (one snapshot, when the comparison is made); nothing here changes it.

All labs move together (step, back, seek, reset, run_to_end), so their states are always at
the same t and `snapshot()` gives them aligned, step by step.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from tui_lab.config import CELLS, MAX_UNITS, LabConfig
from tui_lab.core import checks
from tui_lab.core.cells import Weights
from tui_lab.core.lab import Lab
from tui_lab.core.protocol import Cancelled, Progress
from tui_lab.core.snapshot import Snapshot
from tui_lab.errors import LabError

KINDS = ("cells", "seeds", "units")  # what a comparison varies
DEFAULT_CELLS = CELLS  # SimpleRNN, LSTM, GRU
LETTERS = "ABC"  # the columns' short names on screen


@dataclass(frozen=True)
class Compared:
    """One compared cell at the comparison's step: its name and its lab's snapshot, whose
    batch (tokens, ids, x) and word_index are the main lab's."""

    letter: str  # "A", "B", "C": the column's short name
    name: str  # "SimpleRNN(4)", "LSTM(4) seed 1", "GRU(8)"
    snapshot: Snapshot

    @property
    def layer_title(self) -> str:
        """The Keras layer stepped, as shown: keras.layers.LSTM(4, go_backwards=True)."""
        config = self.snapshot.config
        backwards = ", go_backwards=True" if config.go_backwards else ""
        return f"keras.layers.{config.cell_title}({config.units}{backwards})"

    @property
    def layer(self) -> str:
        """The Keras layer whose output the stepped states equal."""
        return self.layer_title[:-1] + ", return_sequences=True, return_state=True)"

    @property
    def max_abs_error(self) -> float | None:
        """Stepped states vs that layer (see Snapshot.max_abs_error)."""
        return self.snapshot.max_abs_error


@dataclass(frozen=True)
class ComparisonSnapshot:
    """Every compared cell after the same t steps of the same input."""

    kind: str  # one of KINDS
    columns: tuple[Compared, ...]

    @property
    def t(self) -> int:
        return self.columns[0].snapshot.t

    @property
    def timesteps(self) -> int:
        return self.columns[0].snapshot.timesteps

    @property
    def at_end(self) -> bool:
        return self.t == self.timesteps


def variants(config: LabConfig, cells=None, seeds=None, units=None) -> tuple[str, list]:
    """(kind, [(name, config)]) for what is compared; LabError unless exactly one of cells,
    seeds or units is given (none: the three cells) with 2 or 3 different values."""
    given = {kind: value for kind, value in zip(KINDS, (cells, seeds, units)) if value is not None}
    if len(given) > 1:
        raise LabError(f"compare one thing at a time: cells, seeds or units, not "
                       f"{' and '.join(given)}")
    kind, values = next(iter(given.items()), ("cells", DEFAULT_CELLS))
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise LabError(f"{kind} must be a list of 2 or 3 values, not {checks.shown(values)}")
    values = list(values)
    if not 2 <= len(values) <= 3:
        raise LabError(f"compare 2 or 3 {kind}, not {len(values)}")
    changes = []
    for value in values:
        if kind == "cells":
            if not isinstance(value, str) or value not in CELLS:
                raise LabError(f"unknown cell {checks.shown(value)}; choose among: "
                               f"{', '.join(CELLS)}")
            changes.append({"cell": value})
        else:
            name = "seed" if kind == "seeds" else "units"
            changes.append({name: checks.whole_number(value, f"a compared {name}")})
    keys = [tuple(change.values()) for change in changes]
    if len(set(keys)) < len(keys):
        raise LabError(f"the compared {kind} must differ from each other")
    named = []
    for change in changes:
        one = config.replace(**change)  # validates the range (units, seed)
        name = f"{one.cell_title}({one.units})" + (f" seed {one.seed}" if kind == "seeds" else "")
        named.append((name, one))
    return kind, named


def choice(kind: str, config: LabConfig) -> dict:
    """The app's ready-made comparisons for a lab of this config, as Comparison's keyword:
    the three cells; its cell with its seed and the next; its cell with its units and twice
    as many (half as many at the largest size)."""
    if kind == "cells":
        return {"cells": DEFAULT_CELLS}
    if kind == "seeds":
        other = config.seed + 1 if config.seed < 2**31 - 1 else config.seed - 1
        return {"seeds": (config.seed, other)}
    if kind == "units":
        other = config.units * 2 if config.units * 2 <= MAX_UNITS else config.units // 2
        return {"units": (config.units, other)}
    raise LabError(f"compare one of: {', '.join(KINDS)}; not {checks.shown(kind)}")


class Comparison:
    """Two or three cells over the main lab's input, stepped together.

    >>> comparison = Comparison(lab)                       # SimpleRNN, LSTM, GRU
    >>> comparison = Comparison(lab, seeds=(0, 1))         # the lab's cell, two seeds
    >>> comparison = Comparison(lab, units=(4, 8))         # the lab's cell, two sizes
    >>> comparison.run_to_end()
    >>> [c.snapshot.h[-1] for c in comparison.snapshot().columns]
    """

    def __init__(self, lab, cells=None, *, seeds=None, units=None) -> None:
        """lab: the main lab (a Lab or a trained ModelLab), or one of its Snapshots. It is
        only read: its input as the cell reads it, and its settings."""
        if isinstance(lab, Snapshot):
            main = lab
        elif callable(getattr(lab, "snapshot", None)):
            main = lab.snapshot(layer=False)  # the input; the main lab's layer need not run
        else:
            raise LabError(f"compare the cells of a Lab (or its snapshot), not {checks.shown(lab)}")
        self._main = main
        self._kind, named = variants(main.config, cells, seeds, units)
        batch = main.batch
        self._names = tuple(name for name, _ in named)
        self._labs = tuple(Lab(config, vectors=batch.x, pad_mask=batch.pad_mask)
                           for _, config in named)
        for compared in self._labs:  # trace each cell's step now, not at the first step
            compared.warm_up()

    # ----- reading --------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        return self._kind

    @property
    def names(self) -> tuple[str, ...]:
        return self._names

    @property
    def labs(self) -> tuple[Lab, ...]:
        """The compared labs, one per cell (read them; stepping one alone would misalign them)."""
        return self._labs

    @property
    def t(self) -> int:
        return self._labs[0].t

    @property
    def timesteps(self) -> int:
        return self._labs[0].timesteps

    def snapshots(self) -> tuple[Snapshot, ...]:
        """Each compared lab's snapshot (checked against its Keras layer), with the main lab's
        batch, so that tokens and ids are there to label the steps."""
        main = self._main
        shared = dict(batch=main.batch, source_kind=main.source_kind,
                      source_name=main.source_name, lines=main.lines, selection=main.selection,
                      sentence=main.sentence, word_index=main.word_index)
        result = []
        for lab in self._labs:
            snapshot = lab.snapshot()
            w = snapshot.weights  # the Embedding table the x_t came from, when there is one
            weights = Weights(w.kernel, w.recurrent_kernel, w.bias, main.weights.embedding)
            result.append(dataclasses.replace(snapshot, weights=weights, **shared))
        return tuple(result)

    def snapshot(self) -> ComparisonSnapshot:
        return ComparisonSnapshot(self._kind, tuple(
            Compared(letter, name, snapshot)
            for letter, name, snapshot in zip(LETTERS, self._names, self.snapshots())))

    # ----- stepping: every lab at once --------------------------------------------------------
    def step(self) -> bool:
        """One timestep forward in every compared cell; False if already at the end."""
        return all([lab.step() for lab in self._labs])

    def back(self) -> bool:
        return all([lab.back() for lab in self._labs])

    def reset(self) -> None:
        for lab in self._labs:
            lab.reset()

    def seek(self, t: int, progress: Progress | None = None,
             cancelled: Cancelled | None = None) -> bool:
        """Every lab to after step t. A long run goes in chunks, each lab in turn to the
        same step, then progress(done, t) and a cancel check: when cancelled() turns true,
        every lab stays at the last step all have reached and this returns False."""
        checks.callable_or_none(progress, "progress")
        checks.callable_or_none(cancelled, "cancelled")
        t = checks.whole_number(t, "the step")
        if not 0 <= t <= self.timesteps:  # before any lab moves
            raise LabError(f"step {checks.shown(t)} is outside 0..{self.timesteps}")
        chunk = min(lab.chunk_steps for lab in self._labs)
        reached = min(t, self.t)
        for lab in self._labs:
            lab.seek(reached)
        while reached < t:
            if cancelled is not None and cancelled():
                return False
            reached = min(t, reached + chunk)
            for lab in self._labs:
                lab.seek(reached)
            if progress is not None:
                progress(reached, t)
        return True

    def run_to_end(self, progress: Progress | None = None,
                   cancelled: Cancelled | None = None) -> bool:
        return self.seek(self.timesteps, progress, cancelled)
