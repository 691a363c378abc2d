"""A yes/no question before the lab replaces a file that exists (export, a trained model)."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static

from tui_lab.tui.screens.dialog import Dialog


class ReplaceScreen(Dialog[bool]):
    """Dismissed with True only for an explicit yes (y, or the Replace button). "Keep" has the
    focus, so an Enter that was meant for the dialog before it (a burst of keys) keeps the file."""

    AUTO_FOCUS = "#keep"
    BINDINGS = [Binding("y", "answer(True)", "Replace", id="replace.yes"),
                Binding("n,escape", "answer(False)", "Keep", id="replace.no"),
                Binding("left", "app.focus_previous", show=False, id="replace.left"),
                Binding("right", "app.focus_next", show=False, id="replace.right")]

    def __init__(self, paths: list[Path]) -> None:
        super().__init__()
        self.paths = paths

    def compose(self) -> ComposeResult:
        names = " and ".join(p.name for p in self.paths)
        it, they, hold = ("them", "they", "hold") if len(self.paths) > 1 else ("it", "it", "holds")
        with Vertical(id="replace"):
            # Text, not markup: a file name may hold [brackets].
            yield Label(Text(f"Replace {names}?"), id="replace-title")
            yield Static(Text("\n".join(f"{p.absolute()} exists" for p in self.paths)),
                         id="replace-files")
            yield Static(Text(f"Replacing {it} loses what {they} {hold} now."))
            with Horizontal(id="replace-buttons"):
                yield Button(f"Replace {it} (y)", id="yes", variant="warning", compact=True)
                yield Button("Keep (n / esc)", id="keep", variant="primary", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_answer(event.button.id == "yes")

    def action_answer(self, replace: bool) -> None:
        self.dismiss(replace)


def existing(*paths: Path) -> list[Path]:
    """The paths that exist (as anything: a folder there is reported by the writer)."""
    return [p for p in paths if p.exists()]
