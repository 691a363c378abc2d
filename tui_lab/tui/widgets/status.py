"""The one-line status bar: cell, input, step, direction, masking, seed, and what is running."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from tui_lab.core.snapshot import Snapshot
from tui_lab.tui.widgets.static import show_text


class StatusBar(Static):
    def show(self, snapshot: Snapshot | None = None, *, busy: str = "", playing: bool = False, source: str = "",
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
        # (text, style, how late it goes when the bar is too narrow: 0 never). What goes is
        # on screen elsewhere too: the engine in Layer, direction and mask in Tokens.
        parts = [(f" {config.cell_title}({config.units}) ", "bold reverse", 0),
                 # Which engine made the numbers, in view whenever it fits.
                 (" Keras cell ·" if config.engine == "keras" else " numpy equations ·", "bold", 2)]
        rows = snapshot.batch_size
        if snapshot.sentence is not None:
            what = "typed"
        elif snapshot.selection and rows == 1:
            what = f"line {snapshot.selection[0]}"
        elif rows > 1:  # which row Embed, Gates and Layer show (y cycles it)
            what = f"row {row + 1}/{rows}"  # short: "mask on" must still fit at 60 columns
        else:
            what = f"{rows} vector rows"
        parts += [(f" {what} · ", "", 0), (f"step {snapshot.t}/{snapshot.timesteps}", "bold", 0)]
        if snapshot.at_end:
            parts.append((" (end)", "bold", 0))
        if snapshot.edits:
            count = len(snapshot.edits)
            parts.append((f" · ✎ {count} edit{'s' if count > 1 else ''}", "bold", 0))
        if snapshot.initial_state_origin.startswith("carried"):  # stateful: h0 is not zeros
            parts.append((f" · stateful: {snapshot.initial_state_origin}", "bold", 0))
        elif config.stateful:
            parts.append((" · stateful", "bold", 0))
        if snapshot.dropout_masks is not None:
            parts.append((" · dropout (training)", "bold", 0))
        parts.append((" · backwards", "", 0) if config.go_backwards else (" · forward", "", 3))
        parts.append((" · mask on", "", 0) if config.mask_padding else (" · mask off", "", 4))
        parts.append((f" · {snapshot.weights_source}", "", 1))
        if playing:
            parts.append((" · ▶ playing", "bold", 0))
        if busy:
            parts.append((f" · {busy}", "italic", 0))
        room = self.size.width or 80
        for late in (1, 2, 3, 4):  # at 60 columns everything else still fits
            if sum(cell_len(part) for part, _, _ in parts) <= room:
                break
            parts = [part for part in parts if part[2] != late]
        for part, style, _ in parts:
            text.append(part, style)
        show_text(self, text)
