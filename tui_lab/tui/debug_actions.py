"""The app's debugger actions (mixed into LabApp): breakpoints and running until one holds,
state edits and undo, the what-if table and jumping to any step.

The breakpoints are the app's (a list of conditions, each on or off); the lab parses them
again when it runs. Conditions and edits are checked on the UI thread against the latest
snapshot (pure functions, no lab and no TensorFlow), so a dialog says what is wrong at once.
"""

from __future__ import annotations

from tui_lab.core import conditions, edits
from tui_lab.errors import LabError
from tui_lab.tui.screens.debugger import (BreakpointsScreen, EditStateScreen, StepsScreen,
                                          WhatIfScreen)


class DebugActions:
    """Mixed into LabApp; uses its snapshot, breakpoints, submit, progress, say and notify."""

    def _lab_is_ready(self) -> bool:
        if self.snapshot is None:
            self.notify("wait a moment: the lab is still loading", severity="warning")
        return self.snapshot is not None

    def condition_error(self, text: str) -> str | None:
        """What is wrong with a breakpoint condition for the lab shown (None: nothing)."""
        config = self.snapshot.config
        try:
            conditions.parse(text, cell=config.cell, units=config.units,
                             gate_names=config.gate_names, word_index=self.snapshot.word_index,
                             next_words=self.snapshot.model is not None,
                             timesteps=self.snapshot.timesteps, num_words=config.num_words)
        except LabError as error:
            return str(error)
        return None

    def edit_error(self, text: str) -> str | None:
        """What is wrong with an edit ('h[2] = 0.5 row 1') at the step shown (None: nothing)."""
        snapshot = self.snapshot
        try:
            state, unit, value, row = edits.parse_edit(text, snapshot.batch_size)
            edits.make_edit(snapshot.t, state, unit, value, row, cell=snapshot.config.cell,
                            units=snapshot.units, rows=snapshot.batch_size)
        except LabError as error:
            return str(error)
        # With a model: only where its head reads the edited output (trained.model_debugger).
        return snapshot.model.edit_refusal if snapshot.model is not None else None

    def action_breakpoints(self) -> None:
        if not self._lab_is_ready():
            return

        def closed(result) -> None:
            if result is not None:
                self.breakpoints, run = result
                if run:
                    self.action_run_until()

        self.push_screen(BreakpointsScreen(self.breakpoints, self.condition_error), closed)

    def action_run_until(self) -> None:
        """Step on until an enabled breakpoint holds (esc stops), and say which one did."""
        chosen = [b.condition for b in self.breakpoints if b.enabled]
        if not chosen:
            self.notify("no breakpoint is on: add one with B", title="Run until",
                        severity="warning")
            return
        self._cancel.clear()

        def run(lab) -> None:
            def progress(done: int, total: int) -> None:
                self.progress("running until a breakpoint", done, total)

            since = lab.t
            hit = lab.run_until(chosen, progress=progress, cancelled=self._cancel.is_set)
            if hit is not None:
                self.say(hit.describe(), title="Breakpoint", timeout=10)
            elif lab.t < lab.timesteps:
                self.say(f"stopped at step {lab.t}", title="Run until")
            else:
                self.say(f"no breakpoint held up to the end (step {lab.t}): "
                         f"{lab.describe_miss(chosen, since)}", title="Run until",
                         severity="warning", timeout=12)

        self.submit("Run until", run)

    def action_edit_state(self) -> None:
        if not self._lab_is_ready():
            return
        snapshot = self.snapshot
        where = ("Before the first step (the initial state)" if snapshot.t == 0 else
                 f"After step {snapshot.t} of {snapshot.timesteps}")

        def chosen(text: str | None) -> None:
            if text is not None:
                state, unit, value, row = edits.parse_edit(text, snapshot.batch_size)
                self.submit("Edit", lambda lab: lab.edit_state(state, unit, value, row),
                            f"edited: {text}")

        cell = snapshot.config.cell
        self.push_screen(EditStateScreen(where, self.edit_error, edits.CLAMPABLE.get(cell, ()),
                                         cell_state=cell == "lstm"), chosen)

    def action_undo_edit(self) -> None:
        # Decided in the worker: an edit still queued behind this key is undone too.
        def undo(lab) -> None:
            if lab.undo():
                self.say("the last edit is undone", title="Undo")
            else:
                self.say("no edit to undo", title="Undo")

        self.submit("Undo", undo)

    def action_what_if(self) -> None:
        if not self._lab_is_ready():
            return
        if self.snapshot.what_if is None:
            self.notify("no edits yet: edit a state with E, then step on", title="What if")
            return
        self.push_screen(WhatIfScreen(self.snapshot, self.view.row))

    def action_jump(self) -> None:
        if not self._lab_is_ready():
            return

        def chosen(step: int | None) -> None:
            if step is not None:
                self.submit(f"Step {step}", lambda lab: lab.seek(step))

        self.push_screen(StepsScreen(self.snapshot), chosen)
