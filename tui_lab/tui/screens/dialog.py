"""The base of every dialog: a modal screen that dismisses only itself, and only once.

Keys come in bursts (tmux, a paste, a held key): two Enters can both reach a dialog's Input
before the first one has closed it. Textual's `Screen.dismiss` pops whatever screen is on top,
so the second Enter used to pop the lab screen under the dialog and leave a blank terminal.
Here a dismiss is ignored unless this dialog is the active screen and is not already closing.
"""

from __future__ import annotations

from textual import on
from textual.await_complete import AwaitComplete
from textual.command import CommandPalette
from textual.screen import ModalScreen, ScreenResultType
from textual.widgets import Button, Input, OptionList


class Dialog(ModalScreen[ScreenResultType]):
    _dismissed = False

    def dismiss(self, result: ScreenResultType | None = None) -> AwaitComplete:
        if self._dismissed or not self.is_attached or self.app.screen is not self:
            return AwaitComplete.nothing()
        self._dismissed = True
        return super().dismiss(result)


class Palette(CommandPalette):
    """Textual's command palette, but a burst of Enters runs the chosen command once: what the
    Enters after the first cause reaches a palette that has already closed, and stops here."""

    @on(Input.Submitted)
    @on(Button.Pressed)
    @on(OptionList.OptionSelected)
    def _only_while_open(self, event) -> None:
        if not self.is_attached or self.app.screen is not self:
            event.stop()
            event.prevent_default()  # the palette's own handler (a subclass's runs first)

    def dismiss(self, result=None) -> AwaitComplete:
        if not self.is_attached or self.app.screen is not self:
            return AwaitComplete.nothing()
        return super().dismiss(result)
