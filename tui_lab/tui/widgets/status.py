"""The one-line status bar: cell, input, step, direction, masking, seed, and what is running."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui_lab.tui.widgets.static import show_text


class StatusBar(Static):
    def show(self, snapshot=None, *, busy: str = "", playing: bool = False, source: str = "",
             row: int = 0) -> None:
        """row: the batch row in focus (0-based), named when the batch has several."""
        text = Text(no_wrap=True, overflow="ellipsis")
        if snapshot is None:
            text.append(" tui-lab ", "bold reverse")
            text.append(f" {source} · ")
            text.append(busy or "Loading TensorFlow…", "italic")
            show_text(self, text)
            return
        config = snapshot.config
        text.append(f" {config.cell_title}({config.units}) ", "bold reverse")
        # Which engine made the numbers, always in view.
        text.append(" Keras cell ·" if config.engine == "keras" else " numpy equations ·", "bold")
        rows = snapshot.batch_size
        if snapshot.sentence is not None:
            what = "typed"
        elif snapshot.selection and rows == 1:
            what = f"line {snapshot.selection[0]}"
        elif rows > 1:  # which row Embed, Gates and Layer show (y cycles it)
            what = f"{'batch' if snapshot.selection else 'vector'} row {row + 1} of {rows}"
        else:
            what = f"{rows} vector rows"
        text.append(f" {what} · ")
        text.append(f"step {snapshot.t}/{snapshot.timesteps}", "bold")
        if snapshot.at_end:
            text.append(" (end)", "bold")
        text.append(" · backwards" if config.go_backwards else " · forward")
        text.append(" · mask on" if config.mask_padding else " · mask off")
        text.append(f" · {snapshot.weights_source}")
        if playing:
            text.append(" · ▶ playing", "bold")
        if busy:
            text.append(f" · {busy}", "italic")
        show_text(self, text)
