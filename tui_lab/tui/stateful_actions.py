"""Stateful lines and dropout in the app (mixed into LabApp): S turns Keras' stateful=True
on and off, ctrl+r zeroes the carried state (reset_states), and choosing a line goes through
`choose_lines` so that what the carry did (a batch size that changed) is said once; D shows
the dropout masks (screens/dropout.py) from the snapshot.

The lab decides and keeps the carry (core/stateful.py); the status bar and the Layer panel
show it from the snapshot.
"""

from __future__ import annotations

from tui_lab.tui.screens.dropout import DropoutScreen


class StatefulActions:
    """Mixed into LabApp; uses its snapshot, submit, say and notify."""

    def choose_lines(self, lab, numbers) -> None:
        """In a worker: step these lines; with stateful on they start from the final state of
        the input before, and a notice says when that could not be carried."""
        lab.select_lines(numbers)
        self.say_stateful_notice(lab)

    def say_stateful_notice(self, lab) -> None:
        """In a worker, after a new input: the carry's notice, if any (a ModelLab has none)."""
        notice = getattr(lab, "stateful_notice", None)
        if notice:
            self.say(notice, title="Stateful", severity="warning", timeout=10)

    def action_toggle_stateful(self) -> None:
        def toggle(lab) -> None:
            stateful = not lab.config.stateful
            lab.configure(stateful=stateful)
            self.say("stateful on: the next line chosen starts from this line's final state "
                     "(ctrl+r resets it)" if stateful else "stateful off: every line starts "
                     "from the initial state", title="Stateful")

        self.submit("Stateful", toggle)

    def action_reset_states(self) -> None:
        def reset(lab) -> None:  # decided in the worker: an S pressed just before counts
            if not lab.config.stateful:
                self.say("stateful is off: no state is carried (S turns it on)",
                         title="Reset states", severity="warning")
                return
            carried = lab.carried_from
            lab.reset_states()
            self.say(f"the state carried from {carried} is reset: this line starts from the "
                     f"initial state" if carried else "no state was carried into this line: "
                     "nothing to reset", title="Reset states")

        self.submit("Reset states", reset)

    def action_dropout_masks(self) -> None:
        """The masks of the input on screen, for the batch row in focus (no Lab call)."""
        if self.snapshot is None:
            self.notify("wait a moment: the lab is still loading", severity="warning")
        elif not any(isinstance(s, DropoutScreen) for s in self.screen_stack):
            self.push_screen(DropoutScreen(self.snapshot, self.view.row))
