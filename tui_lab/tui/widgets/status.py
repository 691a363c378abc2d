"""The one-line status bar: cell, input, step, direction, masking, seed, and what is running."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from tui_lab.core.snapshot import Snapshot
from tui_lab.tui.widgets.static import show_text
from tui_lab.tui.widgets.text_lines import TextLines


class StatusBar(TextLines):
    _shown: tuple = ()  # show's arguments, to fit the bar again when the terminal resizes

    def on_resize(self) -> None:
        if self._shown:
            args, kwargs = self._shown
            self.show(*args, **kwargs)

    def show(self, snapshot: Snapshot | None = None, *, busy: str = "", playing: bool = False, source: str = "",
             row: int = 0, scrolling: str = "") -> None:
        """row: the batch row in focus (0-based), named when the batch has several.
        scrolling: the panel the arrows scroll (focused), "" while they step."""
        self._shown = ((snapshot,), dict(busy=busy, playing=playing, source=source, row=row,
                                         scrolling=scrolling))
        text = Text(no_wrap=True, overflow="ellipsis")
        if snapshot is None:
            text.append(" tui-lab ", "bold reverse")
            text.append(f" {source} · ")
            text.append(busy or "Loading TensorFlow…", "italic")
            show_text(self, text)
            return
        config = snapshot.config
        # (text, style, how late it goes when the bar is too narrow: 0 never). What goes is
        # on screen elsewhere too: the seed and the engine in Layer, direction and mask in
        # Tokens, the line in the header. What the learner must see stays: the cell, the
        # step, edits, and whether it plays, is busy, or the arrows scroll a panel.
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
            what = f"{rows} vector row{'s' if rows > 1 else ''}"
        parts += [(f" {what} · ", "", 6), (f"step {snapshot.t}/{snapshot.timesteps}", "bold", 0)]
        if snapshot.at_end:
            parts.append((" (end)", "bold", 0))
        if snapshot.edits:
            count = len(snapshot.edits)
            parts.append((f" · ✎ {count} edit{'s' if count > 1 else ''}", "bold", 0))
        if snapshot.initial_state_origin.startswith("carried"):  # stateful: h0 is not zeros
            parts.append((f" · stateful: {snapshot.initial_state_origin}", "bold", 5))
        if config.stateful:  # (the short form, once the origin does not fit)
            parts.append((" · stateful", "bold", -5 if parts[-1][2] == 5 else 0))
        if snapshot.dropout_masks is not None:
            parts.append((" · dropout (training)", "bold", 5))
            parts.append((" · dropout", "bold", -5))
        parts.append((" · backwards", "", 5) if config.go_backwards else (" · forward", "", 3))
        parts.append((" · mask on", "", 5) if config.mask_padding else (" · mask off", "", 4))
        parts.append((f" · {snapshot.weights_source}", "", 1))
        if playing:
            parts.append((" · ▶ playing", "bold", 0))
        if scrolling:  # (its short form when space is short: ↕ says the arrows scroll)
            parts.append((f" · arrows scroll {scrolling} (esc)", "bold", 7))
            parts.append((f" · ↕ {scrolling} (esc)", "bold", -7))
        if busy:  # last: if even it does not fit, its end is cut (…), never the rest
            parts.append((f" · {busy}", "italic", 0))
        room = self.size.width or 80
        for late in range(1, 8):  # at 60 columns everything else still fits
            # (-late: the short form of what goes at `late`, shown from then on)
            if sum(cell_len(part) for part, _, level in parts if level >= 0) <= room:
                break
            parts = [(part, style, 0 if level == -late else level)
                     for part, style, level in parts if level != late]
        parts = [part for part in parts if part[2] >= 0]
        for part, style, _ in parts:
            text.append(part, style)
        show_text(self, text)
