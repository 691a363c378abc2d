"""A one-line question (a sentence to type, a file to open, a path to export to), and the
line number to step (:)."""

from __future__ import annotations

import time
from typing import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from rich.text import Text
from textual.widgets import Input, Label, Static

from tui_lab.tui.screens.dialog import Dialog


# A second enter on the same refused text this soon is one press delivered twice (a terminal
# writes a fast double Enter at once): the reason is on screen already, not said again.
SAME_PRESS_S = 1.0


class PromptScreen(Dialog[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(self, question: str, detail: str = "", *, placeholder: str = "",
                 value: str = "", check: Callable[[str], bool] | None = None,
                 empty: str = "type something first") -> None:
        """question: a short title (one row at 60 columns); detail: what to give, wrapped
        under it at any width (a long title would be cut). check: called with the typed
        value on enter; False (it has said why) keeps the dialog open with the value.
        empty: what enter on an empty field says (the dialog stays: escape cancels)."""
        super().__init__()
        self.question, self.detail = question, detail
        self.placeholder, self.value = placeholder, value
        self.check, self.empty = check, empty
        self._refused: tuple[str, float] | None = None  # (value, when) of the last refusal

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt"):
            yield Label(self.question, id="prompt-question")
            if self.detail:
                yield Static(self.detail, id="prompt-detail", classes="legend")
            yield Input(value=self.value, placeholder=self.placeholder, id="prompt-input")
            yield Static("", id="prompt-error")
            yield Static("enter: OK · escape: cancel", classes="legend")

    def refuse(self, message: str) -> None:
        """Say in the dialog, in one line, why the value was refused (a check calls it)."""
        line = self.query_one("#prompt-error", Static)
        line.update(Text(f"✗ {message}"))  # Text: a typed path is not markup
        line.display = True

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#prompt-error").display = False  # the refusal was about the old value

    def on_input_submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        now = time.monotonic()
        if self._refused is not None and self._refused[0] == value \
                and now - self._refused[1] < SAME_PRESS_S:
            return
        if not value:  # a placeholder looks typed: never close silently on nothing
            self.notify(f"{self.empty} (escape cancels)", title=self.question,
                        severity="warning")
        elif self.check is not None and not self.check(value):
            pass  # refused (check said why): what was typed stays, to be corrected
        else:
            self.dismiss(value)
            return
        self._refused = (value, now)

    def action_cancel(self) -> None:
        self.dismiss(None)


class LineScreen(Dialog[int | None]):
    """Which line to step: its number, as the Lines panel shows it. A number that is not a
    line with words is refused on one line in the dialog, which stays open to correct it."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="line.cancel")]

    def __init__(self, lines, current: int) -> None:
        super().__init__()
        self.lines, self.current = lines, current

    def compose(self) -> ComposeResult:
        last = len(self.lines)
        with Vertical(id="prompt"):
            yield Label("Step a line", id="prompt-question")
            yield Static(f"Its number, 1..{last} (the Lines panel's); now line {self.current}.",
                         classes="legend")
            yield Input(placeholder=f"1..{last}", id="line-input", restrict=r"\d*",
                        max_length=len(str(last)))
            yield Static("", id="line-error", classes="form-error")
            yield Static("enter: step it · escape: cancel", classes="legend")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        refusal = self.refusal(text)
        self.query_one("#line-error", Static).update(Text(refusal or ""))
        if refusal is None:
            self.dismiss(int(text))

    def refusal(self, text: str) -> str | None:
        """Why `text` is not a line to step (None: it is)."""
        last = len(self.lines)
        # Typed keys are only digits, but a paste or another script's digit ('٣') is not.
        if not (text.isascii() and text.isdigit()):
            return f"type a line number, 1..{last}"
        number = int(text)
        if not 1 <= number <= last:
            return f"the text has {last} line{'s' if last > 1 else ''}: 1..{last}, not {number}"
        if not self.lines[number - 1].strip():
            return f"line {number} is blank: there is nothing to step"
        return None

    def action_cancel(self) -> None:
        self.dismiss(None)
