"""The lab's debugger (mixed into Lab): run until a breakpoint condition holds, edit a state
and step on from it, undo, and compare with the unedited run.

The state it reads and changes is the Lab's own (its history, edits and cursor); these
methods are the Lab's, kept here so that lab.py stays about the lab's input and settings.
"""

from __future__ import annotations

import numpy as np

from tui_lab.core import checks, conditions, edits, stepper
from tui_lab.core.protocol import Cancelled, Progress
from tui_lab.errors import LabError


class Debugger:
    def parse_condition(self, text: str, next_words: bool = False) -> conditions.Condition:
        """A breakpoint condition (conditions.py), e.g. 'forget[2] < 0.1'; LabError naming
        the bad token if it is malformed or does not fit this cell. next_words: a model's
        head gives the next word (ModelLab), so `next == WORD` and `p(WORD)` can be used."""
        config = self._config
        word_index = self._corpus.word_index if self._corpus else None
        return conditions.parse(text, cell=config.cell, units=config.units,
                                gate_names=config.gate_names, word_index=word_index,
                                next_words=next_words, timesteps=self.timesteps,
                                num_words=config.num_words)

    def run_until(self, condition, progress: Progress | None = None,
                  cancelled: Cancelled | None = None, next_word=None) -> conditions.Hit | None:
        """Step on until a condition holds (one text, or a list: the first to hold wins)
        at a step after the current one, and stop there. Returns the Hit, or None when no
        condition held up to the end, or when cancelled() stopped the run (the lab is then
        at the last step computed). next_word (a trained model's, given by ModelLab) maps
        stepped outputs (n, batch, units) to next-word probabilities (n, batch, vocabulary)."""
        texts = [condition] if isinstance(condition, str) else condition
        if not isinstance(texts, (list, tuple)) or not texts:
            raise LabError("give a condition such as 'forget[2] < 0.1', or a list of them")
        parsed = [self.parse_condition(text, next_word is not None)
                  for text in texts]  # all checked before stepping
        checks.callable_or_none(progress, "progress")
        checks.callable_or_none(cancelled, "cancelled")
        self.build()
        history = self._history
        view = conditions.StepsView(history, self._batch, self._initial_states()[0], next_word)
        k, total = self._cursor, history.timesteps
        while k < total:
            if cancelled is not None and cancelled():
                break
            end = min(total, k + self.chunk_steps)
            self._compute_until(end)
            hit = conditions.first_hit(parsed, view, k, end)
            if hit is not None:
                self._cursor = hit.step
                return hit
            k = end
            if progress is not None:
                progress(k, total)
        self._cursor = k
        return None

    def describe_miss(self, condition, since: int, next_word=None) -> str:
        """What the conditions' values did over the steps after `since` up to the current
        one, where none held (run_until returned None): 'forget[2] stayed between
        0.725 and 0.736 over 7 steps', and, on untrained weights, why a gate stays where it is."""
        texts = [condition] if isinstance(condition, str) else condition
        if not isinstance(texts, (list, tuple)) or not texts:
            raise LabError("give a condition such as 'forget[2] < 0.1', or a list of them")
        parsed = [self.parse_condition(text, next_word is not None) for text in texts]
        since = checks.whole_number(since, "the step the run started from", 0, self._cursor)
        if since == self._cursor:
            return "no step was run"
        view = conditions.StepsView(self._history, self._batch, self._initial_states()[0],
                                    next_word)
        words = ({i: w for w, i in self._corpus.word_index.items()} if self._corpus
                 else None)
        parts, notes = [], []
        for item in dict.fromkeys(parsed):  # a condition given twice is said once
            parts.append(conditions.describe_miss(item, view, since, self._cursor, words))
            note = conditions.untrained_note(item) if self._loaded is None else None
            if note and note not in notes:
                notes.append(note)
        return "; ".join(parts) + "." + "".join(f" {note}" for note in notes)

    @property
    def edits(self) -> tuple[edits.Edit, ...]:
        return self._edits

    def edit_state(self, state: str = "h", unit: int = 0, value: float = 0.0,
                   row: int | None = None) -> edits.Edit:
        """Set one unit of the current state (h, or c for an LSTM) to value (0: zero it), in
        one batch row (0-based) or all; the steps after this one are computed again from it
        by the same Keras cell call. A gate's name as `state` clamps it (clamp_gate). Undo
        with undo()."""
        self.build()
        return self._add_edit(edits.make_edit(
            self._cursor, state, unit, value, row, cell=self._config.cell,
            units=self._config.units, rows=self._batch.shape[0]))

    def clamp_gate(self, gate: str, unit: int = 0, value: float = 0.0,
                   row: int | None = None) -> edits.Edit:
        """Hold `gate` of `unit` at `value` in every step after the current one (in one batch
        row, 0-based, or all): e.g. clamp_gate("forget", 2, 0.0) makes c_t[2] = i*g. The
        steps are the Keras cell's, called with weights that pin that gate (clamps.py); a
        SimpleRNN has no gates (LabError). Undo with undo()."""
        self.build()
        return self._add_edit(edits.make_clamp(
            self._cursor, gate, unit, value, row, cell=self._config.cell,
            units=self._config.units, rows=self._batch.shape[0]))

    def _add_edit(self, edit: edits.Edit) -> edits.Edit:
        if edit.kind == "clamp" and self._dropout_cell() is not None:
            raise LabError("a gate clamp steps a cell with other weights, and dropout in "
                           "training steps one with masks: turn training off to clamp a gate")
        before = (self._history, self._original, self._edits)
        if self._original is None:
            self._original = self._history
        self._history = self._history.copy_until(self._cursor)
        self._edits += (edit,)
        try:
            # Every step after the edit is computed now: a state past float32's range (inf,
            # then NaN) must be refused here, while the lab can still keep what it had.
            with np.errstate(all="ignore"):
                self._compute_until(self._history.timesteps)
            problem = _first_non_finite(self._history, edit.step)
        except BaseException:
            self._history, self._original, self._edits = before
            raise
        if problem is not None:
            self._history, self._original, self._edits = before
            raise LabError(f"{edit.describe()} would take the states past float32's range: "
                           f"{problem}; the edit was not made")
        return edit

    def _advance(self, end: int) -> None:
        """stepper.advance up to step `end`, each row by the cell its clamps in force ask for."""
        history = self._history
        in_force = edits.clamps_in_force(self._edits, history.computed)
        groups = self._clamped.groups(self._runner, in_force, self._batch.shape[0])
        stepper.advance(self._runner, self._config, self._batch, history, end,
                        self._initial_states, groups, dropout=self._dropout_cell())

    def undo(self) -> bool:
        """Take back the last edit (False if there is none): the run is computed again
        from the unedited one, which comes back exactly when no edit is left."""
        if not self._edits:
            return False
        self._edits = self._edits[:-1]
        if self._edits:
            first = min(edit.step for edit in self._edits)
            self._history = self._original.copy_until(first)
        else:
            self._history, self._original = self._original, None
        self._compute_until(self._cursor)
        return True

    def run_outputs(self, t: int | None = None) -> tuple:
        """(edited, unedited): the layer's output (t, batch, units) at each of the first t
        steps (t: the current step if None) of the edited run and of the unedited one over
        the same input (the same array twice without edits). A trained model's head reads
        these (ModelLab: the next-word what-if, and its check against the model)."""
        self.build()
        t = self._cursor if t is None else checks.whole_number(t, "the step", 0,
                                                                self._history.timesteps)
        self._compute_until(t)
        edited, original = self._history, self._original
        if original is None:
            return edited.output[:t], edited.output[:t]
        stepper.advance(self._runner, self._config, self._batch, original, t,
                        lambda: self._initial_states(edited=False), dropout=self._dropout_cell())
        return edited.output[:t], original.output[:t]

    def what_if(self) -> edits.WhatIf | None:
        """Edited minus unedited states for the steps taken (None without edits)."""
        if self._original is None:
            return None
        t, edited, original = self._cursor, self._history, self._original
        stepper.advance(self._runner, self._config, self._batch, original, t,
                        lambda: self._initial_states(edited=False), dropout=self._dropout_cell())
        dc = edited.c[:t] - original.c[:t] if edited.c is not None else None
        return edits.WhatIf(edited.h[:t] - original.h[:t], dc)


def _first_non_finite(history, since: int) -> str | None:
    """Where the states (or a gate of a row that was stepped) first stop being finite after
    step `since`, in words ('c[0] is inf at step 4, batch row 1'); None if nowhere."""
    arrays = {"h": history.h, **({"c": history.c} if history.c is not None else {}),
              **history.gates}
    first = None
    for name, values in arrays.items():
        part = values[since:history.computed]
        bad = ~np.isfinite(part)
        if name in history.gates:  # a masked row has no gates (NaN by design)
            bad &= ~history.masked[since:history.computed, :, None]
        if bad.any():
            k, row, unit = np.argwhere(bad)[0]
            if first is None or k < first[0]:
                first = (k, name, row, unit, part[k, row, unit])
    if first is None:
        return None
    k, name, row, unit, value = first
    return f"{name}[{unit}] is {value} at step {since + k + 1}, batch row {row + 1}"
