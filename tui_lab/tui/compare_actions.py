"""The side-by-side comparison's actions (mixed into LabApp): C opens the view, and its keys
step every compared cell at once (core/compare.py).

The Comparison is made, stepped and dropped only inside the app's worker queue (jobs.py,
`submit_beside`), in the order the keys were pressed: it is the workers' own state, never
read on the UI thread, which renders the immutable ComparisonSnapshot each job posts back.
The main lab is only read, when a comparison is made; its step and states stay as they were.
"""

from __future__ import annotations

from tui_lab.core.compare import Comparison, choice
from tui_lab.errors import LabError
from tui_lab.tui.screens.compare import CompareScreen

# What a key in the comparison view asks of the Comparison (in a worker).
OPERATIONS = {
    "step": lambda comparison, cancelled: comparison.step(),
    "back": lambda comparison, cancelled: comparison.back(),
    "start": lambda comparison, cancelled: comparison.reset(),
    "end": lambda comparison, cancelled: comparison.run_to_end(cancelled=cancelled),
}


class CompareActions:
    """Mixed into LabApp; uses its snapshot, view, screen stack, submit_beside and _cancel."""

    # The open comparison: set, stepped and dropped only inside workers (see above).
    comparison: Comparison | None = None

    def _compare_screen(self) -> CompareScreen | None:
        return next((s for s in self.screen_stack if isinstance(s, CompareScreen)), None)

    def action_open_compare(self) -> None:
        """C: the three cells side by side over the lab's input, from the lab's step."""
        if not self._lab_is_ready() or self._compare_screen() is not None:
            return

        def closed(_) -> None:
            self._cancel.set()  # a run to the end in the view stops at once

            def drop(lab) -> None:
                self.comparison = None

            self.submit_beside("Compare", drop, lambda result: None)

        self.push_screen(CompareScreen("cells"), closed)
        self._make_comparison("cells")

    def action_compare_kind(self, kind: str) -> None:
        """1, 2, 3 in the view: the cells, two seeds or two unit counts."""
        screen = self._compare_screen()
        if screen is not None:
            screen.choosing(kind)
            self._make_comparison(kind)

    def _make_comparison(self, kind: str) -> None:
        """A new comparison of this kind (core.compare.choice), at the step the one it
        replaces was at (the lab's step for the first)."""

        def make(lab):
            try:
                comparison = Comparison(lab, **choice(kind, lab.config))
            except LabError as error:  # (e.g. twice the units would not fit in memory)
                self.say(str(error), title="Compare: not done", severity="error", timeout=8)
                return None
            t = lab.t if self.comparison is None else self.comparison.t
            comparison.seek(min(t, comparison.timesteps))
            self.comparison = comparison
            return comparison.snapshot()

        self.submit_beside("Making the comparison", make, self._show_comparison)

    def action_compare(self, what: str) -> None:
        """Step, back, start or end: every compared cell at once."""
        if self._compare_screen() is None:
            return
        operation = OPERATIONS[what]
        if what == "end":
            self._cancel.clear()

        def run(lab):
            comparison = self.comparison
            if comparison is None:  # closed (or not made: its error was shown)
                return None
            operation(comparison, self._cancel.is_set)
            return comparison.snapshot()

        self.submit_beside(f"Compare: {what}", run, self._show_comparison)

    def action_compare_row(self, delta: int) -> None:
        """y / Y in the view: the next batch row, of the batch the comparison shows."""
        screen = self._compare_screen()
        if screen is not None and screen.comparison is not None:
            rows = screen.comparison.columns[0].snapshot.batch_size
            self._set_view(self._next_row(self.view, delta, rows))

    def _set_view(self, view) -> None:
        """Digits (> <) and the batch row (y Y) are the app's view: the open comparison is
        drawn again with them too, from the snapshot it shows (no Lab call)."""
        super()._set_view(view)
        screen = self._compare_screen()
        if screen is not None and screen.comparison is not None:
            screen.show(screen.comparison, self.view)

    def _show_comparison(self, snapshot) -> None:
        screen = self._compare_screen()
        if screen is None:
            return
        if snapshot is not None:
            screen.show(snapshot, self.view)
        elif screen.comparison is not None:  # a new one could not be made: the old one stays
            screen.choosing(screen.comparison.kind)
        else:
            screen.nothing()
