"""The app's view actions (mixed into LabApp): which batch row the panels focus on, and how
many digits they print.

Both are view state (view.py), owned here by the app alone: the panels are handed the View
with each snapshot. A change repaints the panels from the snapshot already shown, with no Lab
call, so it never waits behind a running job, never rebuilds the weights and never moves the
step. (The UI thread still reads only the snapshot.)
"""

from __future__ import annotations

from tui_lab.errors import LabError
from tui_lab.tui.view import MAX_DIGITS, MIN_DIGITS, View
from tui_lab.tui.widgets.embeddings import EmbeddingsPanel
from tui_lab.tui.widgets.gates import GatesPanel
from tui_lab.tui.widgets.header import InputHeader
from tui_lab.tui.widgets.layer import LayerPanel
from tui_lab.tui.widgets.states import StatesPanel
from tui_lab.tui.widgets.tokens import TokensPanel

PANEL_WIDGETS = {"tokens": TokensPanel, "embeddings": EmbeddingsPanel, "states": StatesPanel,
                 "gates": GatesPanel, "layer": LayerPanel}


class ViewActions:
    """Mixed into LabApp; uses its snapshot, lab_screen, _status, _show_model, _save_soon and
    notify."""

    view: View = View()
    _panels_behind: set[str]  # panels not in view, not filled in since the last snapshot
    _rows_asked: tuple[int, ...] = ()  # y / Y pressed while lab work was pending

    def _show_panels(self, snapshot) -> None:
        """Every number panel, from snapshot, as the view asks (the focus kept within the
        batch: when the batch shrinks it moves to the last row)."""
        view = self.view.clamped(snapshot.batch_size)
        if self._rows_asked and not self.busy:  # the batch they were meant for is here
            asked, self._rows_asked = self._rows_asked, ()
            for delta in asked:
                view = self._next_row(view, delta, snapshot.batch_size)
        self.view = view
        screen = self.lab_screen
        screen.query_one(InputHeader).show(snapshot, self.view)
        for pid, panel in PANEL_WIDGETS.items():
            # Narrow, one panel is on screen: the others are filled in when they come into
            # view (show_panels_in_view). A step then renders one panel, not five.
            if screen.in_view(pid):
                screen.query_one(panel).show(snapshot, self.view)
                self._panels_behind.discard(pid)
            else:
                self._panels_behind.add(pid)
        self._show_model(snapshot)

    def show_panels_in_view(self) -> None:
        """The panels that came into view (a tab switch, a wider terminal) since they were
        last filled in, from the snapshot on screen. Called by the lab screen."""
        if self.snapshot is None:
            return
        screen = self.lab_screen
        for pid in [pid for pid in self._panels_behind if screen.in_view(pid)]:
            self._panels_behind.discard(pid)
            screen.query_one(PANEL_WIDGETS[pid]).show(self.snapshot, self.view)

    def _set_view(self, view: View) -> None:
        if view == self.view:
            return
        self.view = view
        if self.snapshot is not None:
            self._show_panels(self.snapshot)
            self._status()
        self._save_soon()

    # ----- the batch row in focus -------------------------------------------------------------
    def action_batch_row(self, delta: int) -> None:
        """Focus the next (delta 1) or previous (-1) row of the batch, round the end."""
        if self.busy or self.snapshot is None:
            # Keys typed ahead (m j m y) meet a batch that is still being made: the row is
            # chosen once the lab's pending work is on screen, in the batch it makes.
            self._rows_asked += (delta,)
            return
        self._set_view(self._next_row(self.view, delta, self.snapshot.batch_size))

    def _next_row(self, view: View, delta: int, rows: int) -> View:
        if rows < 2:
            self.notify("one row in this input: mark lines with m (then j, m) to step a batch",
                        title="Batch row", severity="warning")
            return view
        return view.with_row((view.row + delta) % rows)

    # ----- digits -------------------------------------------------------------------------------
    def set_digits(self, digits) -> None:
        """Print every number with `digits` decimals (3 to 8); LabError otherwise."""
        self._set_view(self.view.with_digits(digits))

    def action_digits(self, delta: int) -> None:
        """One digit more (delta 1) or fewer (-1); at the end of the range, say so."""
        digits = self.view.digits + delta
        try:
            self.set_digits(digits)
        except LabError:
            limit = "most" if delta > 0 else "fewest"
            self.notify(f"{self.view.digits} digits is the {limit} the panels show "
                        f"({MIN_DIGITS} to {MAX_DIGITS})", title="Digits", severity="warning")
