"""The app's Conv1D view (mixed into LabApp): K opens it over the lab's current input.

The stepper is made in the worker queue (Keras makes its weights and runs the layer check),
beside the lab (it changes nothing there: no new snapshot), and handed to the screen, which
owns it from then on. A second K before the view is up builds nothing more. The settings last
shown are the app's view state, kept for the next K; settings that do not fit a new input
fall back to the defaults, with a notice.
"""

from __future__ import annotations

from tui_lab.core.conv import Conv1DStepper, ConvSettings
from tui_lab.errors import LabError
from tui_lab.tui.jobs import failure
from tui_lab.tui.screens.conv import ConvBuilt, ConvScreen


class ConvActions:
    """Mixed into LabApp; uses its snapshot, view, playing, submit_beside, say and
    push_screen."""

    conv_settings: ConvSettings = ConvSettings()
    _conv_asked = False  # a view is being built and has not come back yet

    def action_conv1d(self) -> None:
        if self.snapshot is None:
            self.notify("wait a moment: the lab is still loading", severity="warning")
            return
        if self._conv_asked or any(isinstance(s, ConvScreen) for s in self.screen_stack):
            return  # K again before the view came: one view, built once
        if self.playing:  # the view shows the lab's states as they are: keep them still
            self._set_playing(False)
        settings = self.conv_settings
        self._conv_asked = True

        def build(lab) -> None:
            try:
                stepper = self._conv_stepper(lab, settings)
            except Exception as error:
                self.post_message(ConvBuilt(error=failure(error)))  # K works again
                raise  # (the worker reports it: a notification)
            self.post_message(ConvBuilt(stepper))

        self.submit_beside("Conv1D", build)

    def _conv_stepper(self, lab, settings: ConvSettings) -> Conv1DStepper:
        """(In a worker.) The stepper with settings, or with the defaults when they do not
        fit this input (e.g. a kernel longer than it), saying so."""
        try:
            return Conv1DStepper(lab, **vars(settings))
        except LabError as error:
            self.say(f"{error}; opened with the defaults", title="Conv1D", severity="warning")
            return Conv1DStepper(lab, **vars(ConvSettings()))

    def on_conv_built(self, message: ConvBuilt) -> None:
        self._conv_asked = False
        if message.stepper is None or any(isinstance(s, ConvScreen) for s in self.screen_stack):
            return
        self.push_screen(ConvScreen(message.stepper, self.view.row), self._conv_closed)

    def _conv_closed(self, settings: ConvSettings | None) -> None:
        if settings is not None:
            self.conv_settings = settings
