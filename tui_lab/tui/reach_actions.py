"""The reach view's actions (mixed into LabApp): R opens how far back the current state
reaches (screens/reach.py), and the bars follow the lab while it is open.

The numbers are the lab's (`lab.sensitivity()`, a tf.GradientTape through the lab's Keras
cell), fetched in the app's worker queue like every Lab call (beside the lab: a fetch changes
nothing in it, so no new snapshot is taken and the panels are not painted again). Whenever a
snapshot at another step (or of another run) is shown while the view is open, one fetch is
queued behind the work already waiting, so stepping (in the view or by play) and changing the
batch row keep it current.
"""

from __future__ import annotations

from tui_lab.tui.jobs import failure
from tui_lab.tui.screens.reach import ReachFetched, ReachScreen


class ReachActions:
    """Mixed into LabApp; uses its snapshot, view, submit_beside, screen_stack and
    _lab_is_ready."""

    _reach_asked = False  # a fetch is queued and has not come back yet

    def _reach_screen(self) -> ReachScreen | None:
        return next((s for s in self.screen_stack if isinstance(s, ReachScreen)), None)

    def action_reach(self) -> None:
        if not self._lab_is_ready() or self._reach_screen() is not None:
            return
        self.push_screen(ReachScreen())
        self._fetch_reach()

    def _fetch_reach(self) -> None:
        self._reach_asked = True

        def fetch(lab) -> None:
            try:
                result = lab.sensitivity()
            except Exception as error:  # said in the view too, in place of "computing …"
                self.post_message(ReachFetched(None, failure(error)))
                raise  # (the worker reports it as well: a notification)
            self.post_message(ReachFetched(result))

        self.submit_beside("Reach", fetch)

    def on_reach_fetched(self, message: ReachFetched) -> None:
        self._reach_asked = False
        screen = self._reach_screen()
        if screen is not None and message.result is not None:
            self._show_reach(screen, message.result)
        elif screen is not None:
            screen.show_error(message.error)

    def _show_reach(self, screen: ReachScreen, result) -> None:
        row = min(self.view.row, result.batch_size - 1)
        labels = self.snapshot.batch.labels if self.snapshot is not None else ()
        source = labels[row] if len(labels) == result.batch_size else ""
        untrained = self.snapshot is not None and self.snapshot.weights_source.startswith("seed")
        screen.show(result, row, source, untrained)

    def _follow_reach(self, snapshot) -> None:
        """After a snapshot is shown: fetch again if the open view shows another step."""
        screen = self._reach_screen()
        if screen is None or self._reach_asked or screen.failed:
            return
        result = screen.result
        if result is None or (result.t, result.history_id) != (snapshot.t, snapshot.history_id):
            self._fetch_reach()
        else:  # the same numbers; the batch row in focus may have changed (y typed ahead)
            self._show_reach(screen, result)

    def action_reach_row(self, delta: int) -> None:
        """y / Y in the view: the next or previous batch row, in the view and the panels."""
        self.action_batch_row(delta)
        screen = self._reach_screen()
        if screen is not None and screen.result is not None:
            self._show_reach(screen, screen.result)
