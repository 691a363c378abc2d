"""The input header: above the tabs at narrow sizes, the line being stepped, its words and its
padded ids, the current position marked, so that input and states are on screen together.

Two rows that never wrap: a long line is cut around the current position with … on the cut
side. Before the first snapshot (TensorFlow still loading, the tokenizer not fitted) it shows
the line's text, which the app already has.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from tui_lab.core.snapshot import Snapshot
from tui_lab.tui.view import View
from tui_lab.tui.widgets.labels import TOKEN_CELLS, clip, printable
from tui_lab.tui.widgets.static import show_text
from tui_lab.tui.widgets.text_lines import TextLines

CURRENT, NEXT = "reverse bold", "underline"


def window(count: int, width, focus: int, room: int) -> range:
    """The items 0..count-1 (item i takes width(i) cells, its space included) that fit in room
    cells around focus, as many before it as after it when both sides are cut. Only the items
    looked at are measured: a line may have 100,000 words."""
    if count <= 0:
        return range(0)
    focus = max(0, min(focus, count - 1))
    start, stop, used = focus, focus + 1, width(focus)
    grew = True
    while grew:
        grew = False
        for side in ("after", "before") if focus - start > stop - 1 - focus else ("before", "after"):
            if side == "before" and start > 0 and used + width(start - 1) <= room:
                start -= 1
                used += width(start)
                grew = True
            elif side == "after" and stop < count and used + width(stop) <= room:
                used += width(stop)
                stop += 1
                grew = True
    return range(start, stop)


def _row(text: Text, label: str, count: int, item, focus: int, room: int,
         brackets: bool = False) -> None:
    """label, then items item(i) -> (text, style) cut around focus to fit room cells."""
    text.append(label, "bold")
    room -= cell_len(label) + 2 + (2 if brackets else 0)  # the two … and the brackets
    cache: dict[int, tuple[str, str]] = {}

    def get(i: int) -> tuple[str, str]:
        if i not in cache:
            cache[i] = item(i)
        return cache[i]

    shown = window(count, lambda i: cell_len(get(i)[0]) + 1, focus, room)
    if shown.start > 0:
        text.append("…", "dim")
    elif brackets:
        text.append("[")
    for n, i in enumerate(shown):
        if n:
            text.append(" ")
        text.append(*get(i))
    if shown.stop < count:
        text.append("…", "dim")
    elif brackets:
        text.append("]")
    text.append("\n")


def header_text(snapshot, width: int, focus_row: int = 0) -> Text:
    """The header for a snapshot (pure formatting of what the snapshot holds), showing the
    batch row in focus (y)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    batch = snapshot.batch
    position = snapshot.position
    focus = position if position is not None else (snapshot.next_position or 0)
    mark = CURRENT if position is not None else NEXT
    where = (f"step {snapshot.t}/{snapshot.timesteps}" if snapshot.t
             else f"step 0/{snapshot.timesteps}: space steps")
    if batch.rows is None:
        x = batch.x
        text.append("raw vectors ", "bold")
        text.append(f"{x.shape[0]} x {x.shape[1]} x {x.shape[2]} (batch x timesteps x features) "
                    f"· {where}")
        return text
    index = min(focus_row, len(batch.rows) - 1)
    row = batch.rows[index]
    if snapshot.sentence is not None:
        label = "typed"
    elif snapshot.batch_size > 1:
        label = f"batch of {snapshot.batch_size} · {batch.labels[index]}"
    else:
        label = batch.labels[index]
    at = int(row.token_at[focus])  # the word read at the focus position (-1: padding)
    # Truncation keeps one run of words: those the padded positions hold (row.dropped, the
    # others, may be 100,000 long: not searched word by word).
    kept = row.token_at[row.token_at >= 0]
    low, high = (int(kept.min()), int(kept.max())) if len(kept) else (0, -1)

    def word(i: int) -> tuple[str, str]:
        style = mark if i == at else ("" if low <= i <= high else "strike dim")
        return clip(printable(row.tokens[i]), TOKEN_CELLS), style

    def ident(p: int) -> tuple[str, str]:
        style = mark if p == focus else ("dim" if row.pad_mask[p] else "")
        return str(int(row.padded[p])), style

    _row(text, f"{label}  ", len(row.tokens), word, max(at, 0), width)
    tail = f"  {where}"
    _row(text, "→ ids ", len(row.padded), ident, focus, width - cell_len(tail), brackets=True)
    text.rstrip()
    text.append(tail, "italic")
    return text


class InputHeader(TextLines):
    """Shown only when the panels are tabs (app.tcss); updated on every snapshot."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._shown = None  # what to paint: a snapshot, or (label, line) before the first one
        self._row = 0  # the batch row in focus

    def show(self, snapshot: Snapshot, view: View | None = None) -> None:
        self._shown = snapshot
        self._row = view.row if view is not None else 0
        self._paint()

    def show_line(self, label: str, line: str) -> None:
        """Before the first snapshot: the line's words (its ids need the fitted tokenizer)."""
        self._shown = (label, line)
        self._paint()

    def on_resize(self) -> None:
        self._paint()

    def _paint(self) -> None:
        shown = self._shown
        if shown is None or not self.display:
            return
        width = self.size.width or 80
        if isinstance(shown, tuple):
            label, line = shown
            text = Text(no_wrap=True, overflow="ellipsis")
            text.append(f"{label}  ", "bold")
            text.append(clip(printable(line), max(8, width - cell_len(label) - 2)) + "\n")
            text.append("→ ids after the tokenizer is fitted (loading TensorFlow…)", "italic dim")
        else:
            text = header_text(shown, width, self._row)
        show_text(self, text)
