"""Tokens: words with their ids, then the padded ids with padding, truncation and the step order.

The column of the current timestep is highlighted; `order` tells which step consumes each
position, so go_backwards reads right to left. In a batch every row is shown and the labels
of the row in focus (y) are reversed.
"""

from __future__ import annotations

from functools import cache

from rich.cells import cell_len
from rich.text import Text

from tui_lab.core.snapshot import Snapshot
from tui_lab.tui.view import View
from tui_lab.tui.widgets.labels import TOKEN_CELLS, clip, pad_left, printable, token_at
from tui_lab.tui.widgets.static import show_text
from tui_lab.tui.widgets.text_lines import TextLines

FOCUSED = "bold reverse"  # the labels of the batch row in focus (reverse reads without colour)


def focused_label(text: Text, label: str, focused: bool) -> None:
    """A row label, bold; reversed (its trailing blank not) for the batch row in focus."""
    if focused:
        text.append(label.rstrip(), FOCUSED)
        text.append(label[len(label.rstrip()):])
    else:
        text.append(label, "bold")


def unshown(words: int) -> str:
    """What stands for the words of a row there is no room for."""
    return f"+{words} not shown "


class TokensPanel(TextLines):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._snapshot = None
        self._row = 0  # the batch row in focus

    def show(self, snapshot: Snapshot, view: View = View()) -> None:
        self._snapshot, self._row = snapshot, view.row
        self._paint()

    def on_resize(self) -> None:
        self._paint()

    def _window(self, snapshot, widths_for, avail: int) -> range:
        """Positions that fit in avail columns, keeping the current one in view."""
        total = snapshot.timesteps
        focus = snapshot.position if snapshot.position is not None else (snapshot.next_position or 0)
        start, used = focus, widths_for(focus)
        while start > 0 and used + widths_for(start - 1) <= avail // 2:
            start -= 1
            used += widths_for(start)
        stop = focus + 1
        while stop < total and used + widths_for(stop) <= avail:
            used += widths_for(stop)
            stop += 1
        while start > 0 and used + widths_for(start - 1) <= avail:
            start -= 1
            used += widths_for(start)
        return range(start, stop)

    def _paint(self) -> None:
        snapshot = self._snapshot
        if snapshot is None:
            return
        rows = snapshot.batch.rows
        text = Text(no_wrap=True, overflow="ellipsis")
        many = snapshot.batch_size > 1
        focus = self._row if many else None
        room = self.size.width or 80
        if rows is not None:
            for b, row in enumerate(rows):
                label = f"{snapshot.batch.labels[b]:<8}" if many else "words   "
                focused_label(text, label, b == focus)
                dropped = set(row.dropped)
                note = f"✂ {len(row.dropped)} truncated" if row.dropped else ""
                used = 8 + cell_len(note)  # the note stays in view: the words give way
                count = len(row.tokens)
                for i, (word, ident, oov) in enumerate(zip(row.tokens, row.ids, row.oov)):
                    shown = f"{clip(printable(word), TOKEN_CELLS)}:{ident}"
                    # Words there is no room for are counted, in words, so that they do not
                    # read as truncated ones (✂: pad_sequences cut those).
                    after = count - i - 1
                    room_after = cell_len(unshown(after)) if after else 0
                    if used + cell_len(shown) + 1 + room_after > room:
                        text.append(unshown(count - i), "dim")
                        break
                    style = "red bold" if oov else ""
                    if i in dropped:
                        style = "strike dim"
                    text.append(shown, style)
                    text.append("(OOV) " if oov else " ", "red" if oov else "")
                    used += cell_len(shown) + (6 if oov else 1)
                if note:
                    text.append(note, "italic")
                text.append("\n")
        else:
            text.append(f"raw vectors: {snapshot.batch_size} x {snapshot.timesteps} x "
                        f"{snapshot.batch.x.shape[2]}\n")
        steps = {int(p): k + 1 for k, p in enumerate(snapshot.order)}

        @cache  # (the window's search asks for a position's width several times)
        def cells(position: int) -> list[str]:
            values = [str(position)]
            if rows is not None:
                for b in range(len(rows)):
                    values += [str(int(rows[b].padded[position])), token_at(snapshot, position, b)]
            values.append(str(steps[position]))
            return values

        @cache
        def widths_for(position: int) -> int:
            return max(cell_len(v) for v in cells(position)) + 1  # cells: CJK, emoji are 2

        names, focused_names = ["pos"], set()
        if rows is not None:
            for b in range(len(rows)):
                prefix = f"{b + 1}:" if many else ""
                names += [prefix + "id", prefix + "token"]
                if b == focus:
                    focused_names |= {prefix + "id", prefix + "token"}
        names.append("step")
        label_width = max(len(n) for n in names) + 2
        window = self._window(snapshot, widths_for, max(10, (self.size.width or 80) - label_width - 2))
        table = [[] for _ in names]
        for position in window:
            width = widths_for(position)
            is_pad = rows is not None and bool(rows[focus or 0].pad_mask[position])
            if position == snapshot.position:
                style = "reverse bold"
            elif position == snapshot.next_position:
                style = "underline"
            else:
                style = "dim" if is_pad else ""
            for line, value in zip(table, cells(position)):
                line.append((pad_left(value, width - 1) + " ", style))
        more_left = "…" if window.start > 0 else " "
        for name, line in zip(names, table):
            focused_label(text, f"{name:<{label_width - 1}}", name in focused_names)
            text.append(more_left, "dim")
            for value, style in line:
                text.append(value, style)
            if window.stop < snapshot.timesteps:
                text.append("…", "dim")
            text.append("\n")
        direction = "go_backwards: last position first" if snapshot.config.go_backwards else "forward"
        where = (f"step {snapshot.t}/{snapshot.timesteps} read position {snapshot.position}"
                 if snapshot.position is not None else f"before step 1 of {snapshot.timesteps}")
        if rows is not None:
            settings = (f"padding={snapshot.config.padding!r} truncating="
                        f"{snapshot.config.truncating!r} maxlen={snapshot.config.maxlen}")
        else:  # (raw vectors are stepped as given: no tokenizer, no padding)
            settings = f"raw vectors, {snapshot.timesteps} timesteps, not padded"
        # One row when it fits, else two (the panel does not wrap: app.tcss).
        joint = " · " if cell_len(f"{where} · {direction} · {settings}") <= room else "\n"
        text.append(f"{where} · {direction}{joint}{settings}", "italic")
        show_text(self, text)
