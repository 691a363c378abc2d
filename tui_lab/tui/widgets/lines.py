"""Lines: the text's lines (available before TensorFlow loads), the selection and typed input."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import Static

from tui_lab.tui.widgets.labels import TOKEN_CELLS, clip, printable
from tui_lab.tui.widgets.static import show_text


class LinesPanel(Static):
    """▶ marks the line cursor (j/k), ● the lines being stepped (m marks several as a batch).
    Lines keep the file's numbers; blank ones are dim and cannot be chosen."""

    class Chosen(Message):
        """A line was clicked: step it (number is 1-based)."""

        def __init__(self, number: int) -> None:
            super().__init__()
            self.number = number

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._args = None
        self._rows: list[int] = []  # the line number painted on each row (0: not a line)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and 0 <= offset.y < len(self._rows) and self._rows[offset.y]:
            self.post_message(self.Chosen(self._rows[offset.y]))

    def show(self, lines, selection, cursor: int, typed=None, source: str = "") -> None:
        """cursor is 1-based; typed is the Encoded row of a typed sentence, if that is the input."""
        self._args = (lines, selection, cursor, typed, source)
        self._paint()

    def on_resize(self) -> None:
        self._paint()

    def _paint(self) -> None:
        if self._args is None:
            return
        lines, selection, cursor, typed, source = self._args
        text = Text(no_wrap=True, overflow="ellipsis")
        height = max(3, self.size.height or 10)
        self._rows = []
        if typed is not None:
            self._rows.append(0)
            text.append("typed: ", "bold")
            used, room = 7, self.size.width or 80
            for word, oov in zip(typed.tokens, typed.oov):
                if used > room:  # a long sentence has more words than fit: stop here
                    break
                shown = clip(printable(word), TOKEN_CELLS)
                text.append(shown, "bold red underline" if oov else "")
                text.append("(OOV) " if oov else " ", "red" if oov else "")
                used += cell_len(shown) + (6 if oov else 1)
            text.append("\n")
            height -= 1
        if not lines:
            text.append(f"{printable(source)}: raw vectors, no text lines")
            show_text(self, text)
            return
        chosen = set(selection)
        width = len(str(len(lines)))
        # Only what fits is drawn (a line may be a megabyte long), and nothing is left for
        # Textual to wrap (app.tcss: nowrap), so the rows counted here are the rows shown:
        # the cursor line wraps onto up to CURSOR_ROWS rows, every other line takes one.
        room = max(8, (self.size.width or 80) - width - 3)
        cursor_rows = wrap(printable(lines[cursor - 1][: room * 4 * CURSOR_ROWS]), room,
                           CURSOR_ROWS) if 1 <= cursor <= len(lines) else [""]
        count = max(1, height - len(cursor_rows) + 1)  # lines in view, the cursor's included
        start = max(0, min(cursor - 1 - (count - 1) // 2, len(lines) - count))
        for n in range(start + 1, min(len(lines), start + count) + 1):
            line = lines[n - 1]
            blank = not line.strip()
            mark = "▶" if n == cursor else " "
            dot = "●" if n in chosen else " "
            if blank:  # numbered as in an editor, never stepped (j/k skip it)
                style = "dim"
            else:
                style = "bold reverse" if n == cursor else ("bold" if n in chosen else "")
            rows = cursor_rows if n == cursor else [clip(printable(line[: room * 4]), room)]
            for r, part in enumerate(rows):
                self._rows.append(0 if blank else n)
                text.append(f"{mark}{dot}{n:>{width}} " if r == 0 else " " * (width + 3), style)
                text.append(part + "\n", style)
        show_text(self, text)


CURSOR_ROWS = 3  # the most rows the cursor line wraps onto (then it is cut with …)


def wrap(line: str, cells: int, most: int) -> list[str]:
    """line in rows of at most `cells` terminal cells, broken at spaces where it can be, at
    most `most` rows (the last ends with … when cut)."""
    rows: list[str] = []
    rest = line
    while rest and len(rows) < most:
        if cell_len(rest) <= cells:
            rows.append(rest)
            rest = ""
            break
        head = set_cell_size(rest, cells)
        cut = head.rfind(" ")
        if cut > 0:
            head = head[:cut]
        rows.append(head)
        rest = rest[len(head):].lstrip(" ")
    if rest and rows:
        rows[-1] = clip(rows[-1] + " " + rest[: cells * 4], cells)
    return rows or [""]
