"""A windowed table of numbers: rows x (blocks of) columns, rendered one visible line at a time.

Only the lines and columns on screen are formatted, so 10,000 timesteps x 256 units stay
smooth. The label column and the header line stay put while the numbers scroll.

A step should cost a line or two, not the whole table: rendered lines are kept per row, and
when the panel says the rows' values are unchanged (the same `key`), `set_data` repaints only
the rows whose marker moved or that were added or removed.

Columns are as wide as the digits the view asks for (3 to 8 decimals: view.py), so the
horizontal scroll steps by that width too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.filter import ANSIToTruecolor, LineFilter
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui_lab.tui.view import DEFAULT_DIGITS
from tui_lab.tui.widgets.style import PLAIN, level, number, tints

CELL = DEFAULT_DIGITS + 4  # characters per number column at the default digits: '+0.123 '
HEADER_STYLE = Style(bold=True)
COLUMN_STYLE = Style(bold=True, underline=True)
# The headers of the batch row in focus (y): reverse reads without colour too (NO_COLOR).
FOCUSED_COLUMN_STYLE = Style(bold=True, reverse=True)
CURRENT_STYLE = Style(reverse=True, bold=True)
LABEL_STYLES = {False: Style(dim=False), True: Style(dim=True)}  # by dim_row(row)
GAP = Segment(" ", PLAIN)
EDITED = Segment("✎", Style(bold=True))


@dataclass(frozen=True)
class Block:
    """Columns that come from one (rows, n) array, headed prefix0, prefix1, ..."""

    prefix: str
    values: np.ndarray  # (rows, n)
    name: str | None = None  # header of a one-column block (else prefix0, prefix1, ...)
    # A row shown above values (the initial state above the steps' states): given apart so
    # that a step does not copy the whole history into a new array.
    first: np.ndarray | None = None  # (n,)
    focused: bool = False  # the columns of the batch row in focus: their headers stand out
    # (row, column) cells whose value an edit set or a clamp holds: ✎ follows the number, in
    # its gap (so the columns stay where they are).
    marked: frozenset = frozenset()

    def header(self, unit: int) -> str:
        return self.name if self.name is not None else f"{self.prefix}{unit}"

    def row(self, row: int) -> np.ndarray:
        if self.first is None:
            return self.values[row]
        return self.first if row == 0 else self.values[row - 1]


class TruecolorLines:
    """For a widget whose every style is truecolor or has no colour (and no dim with a
    colour): Textual's ANSI-to-truecolor filter would give each of its lines back unchanged,
    and for the number tables and sparklines, which repaint at every step, that costs about a
    tenth of a step's frame at 160x48. The other filters (NO_COLOR, dimming) stay.
    tests/tui/test_truecolor_lines.py checks the filter is the identity on their lines."""

    def get_line_filters(self) -> Sequence[LineFilter]:
        return [f for f in super().get_line_filters() if not isinstance(f, ANSIToTruecolor)]


class NumberGrid(TruecolorLines, ScrollView, can_focus=False):
    def __init__(self, label_title: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.label_title = label_title
        self.rows = 0
        self.label: Callable[[int], str] = str
        self.blocks: list[Block] = []
        self._starts: list[int] = [0]
        self.columns = 0
        self.current: int | None = None
        self.dim_row: Callable[[int], bool] = lambda row: False
        self.label_width = len(label_title) + 2
        self.digits = DEFAULT_DIGITS
        self._column: int | None = None  # a column to scroll to once the table has a size
        self._key: object = None
        # Rendered lines by row (-1: the header), valid for one _view (scroll x, width, colours).
        self._lines: dict[int, Strip] = {}
        self._view: tuple | None = None
        self._slices: list[tuple[int, int, int]] = []  # visible columns: (block, first, stop)

    def set_data(self, rows: int, label: Callable[[int], str], blocks: list[Block],
                 current: int | None, label_width: int, dim_row=None, title: str | None = None,
                 key: object = None, capacity: int = 0, digits: int = DEFAULT_DIGITS) -> None:
        """Show rows x blocks. key: any object that stays the same (`is`) for as long as a
        row's label and values do not change (the lab's history, the embedded batch), or a
        tuple of such objects and ints (the batch row in focus); with key=None every row is
        drawn again. capacity: the rows the table will grow to (the scroll range is set for
        them at once, so a new row does not rescale the scrollbar). digits: decimals shown."""
        title = self.label_title if title is None else title
        label_width = max(label_width, len(title)) + 3
        columns = sum(b.values.shape[1] for b in blocks)
        same = (key is not None and same_key(key, self._key) and title == self.label_title
                and label_width == self.label_width and columns == self.columns
                and digits == self.digits)
        changed = {self.current, current} | set(range(min(rows, self.rows), max(rows, self.rows)))
        self.label_title, self.label_width, self.columns = title, label_width, columns
        self.rows, self.label, self.blocks, self.current = rows, label, blocks, current
        self.dim_row = dim_row or (lambda row: False)
        self._key = key
        if digits != self.digits:  # wider or narrower columns: keep the first one in view
            first = -(-int(self.scroll_x) // self.cell)
            self.digits = digits
            if first:
                self.scroll_to_column(first)
        self._starts = [0, *np.cumsum([b.values.shape[1] for b in blocks]).tolist()]
        self._set_virtual_size(Size(self.label_width + self.columns * self.cell,
                                    max(rows, capacity) + 1))
        if not same:
            self._lines.clear()
            self._view = None
            self.follow()
            self.refresh()
            return
        for row in changed:
            self._lines.pop(row, None)
        top = int(self.scroll_y)
        if self.follow() == top:  # (a scroll repaints every line, mostly from self._lines)
            for row in changed - {None}:
                self._refresh_row(row)

    def _set_virtual_size(self, size: Size) -> None:
        """Setting virtual_size lays the whole screen out again, and each step adds a row to
        the state table. The layout only matters to this widget's scrollbars, so when just
        the height changes, update them directly (as Textual's OptionList does); showing or
        hiding a scrollbar still lays out, through its own reactive."""
        if size.width != self.virtual_size.width or not self.is_mounted:
            self.virtual_size = size
        elif size != self.virtual_size:
            self.set_reactive(NumberGrid.virtual_size, size)
            self._scroll_update(size)

    @property
    def cell(self) -> int:
        """Characters per number column: sign, '0.', the digits and a space ('+0.123 ')."""
        return self.digits + 4

    def column_start(self, block: int) -> int:
        """The first column of blocks[block] (counting every block's columns)."""
        return self._starts[block]

    def scroll_to_column(self, column: int) -> None:
        """Scroll sideways so that column is the first one after the labels (or as near as
        the scroll goes). Done after the next refresh, once the new columns are laid out, or
        when a hidden table (another tab) is next shown with a size."""
        self._column = column
        self.call_after_refresh(self._scroll_to_wanted)

    def out_of_view(self) -> tuple[list[tuple[Block, list[int]]], list[tuple[Block, list[int]]]]:
        """The columns not on screen, left and right of those shown, as (block, its units)
        in order (a column is on screen only whole)."""
        self._check_view()
        shown = {self._starts[b] + unit for b, first, stop in self._slices
                 for unit in range(first, stop)}
        first = min(shown, default=self.columns)
        left, right = [], []
        for b, block in enumerate(self.blocks):
            start = self._starts[b]
            units = range(block.values.shape[1])
            before = [unit for unit in units if start + unit < first]
            after = [unit for unit in units if start + unit >= first and start + unit not in shown]
            if before:
                left.append((block, before))
            if after:
                right.append((block, after))
        return left, right

    def on_resize(self) -> None:
        self._scroll_to_wanted()
        if self.scrollable_content_region.height > 1:  # (hidden: no rows to keep in view)
            self.follow()  # a shorter table (a wider terminal) keeps the current row in view

    def _scroll_to_wanted(self) -> None:
        if self._column is not None and self.scrollable_content_region.width:
            column, self._column = self._column, None
            self.scroll_to(x=column * self.cell, animate=False, immediate=True)

    def _refresh_row(self, row: int) -> None:
        region = self.scrollable_content_region
        if not region.height:
            # Not laid out (behind a tab, or just brought into view): Textual still keeps the
            # lines it painted last, which may be several steps old, so repaint them all.
            self.refresh()
            return
        y = row - int(self.scroll_y) + 1
        if 1 <= y < region.height:
            self.refresh(Region(0, y, region.width, 1))

    def follow(self) -> int:
        """Scroll so the current row is on screen; returns the top row.

        When the current row leaves the view it comes back in the middle of it, not at its
        edge: a scroll repaints the whole table, so stepping on scrolls every half page
        instead of at every step (a step otherwise repaints two rows)."""
        top = int(self.scroll_y)
        if self.current is None:
            return top
        visible = max(1, self.scrollable_content_region.height - 1)
        if top <= self.current < top + visible:
            return top
        top = max(0, self.current - visible // 2)
        self.scroll_to(y=top, animate=False, immediate=True)
        return int(self.scroll_y)

    def render_lines(self, crop: Region) -> list[Strip]:
        self._check_view()  # once per paint, not once per line
        return super().render_lines(crop)

    def _check_view(self) -> None:
        """Forget rendered lines when what they depend on, besides the data, changed."""
        width = self.scrollable_content_region.width
        cell = self.cell
        view = (int(self.scroll_x), width, self.background_colors[1], self.label_width,
                self.columns, cell)
        if view == self._view:
            return
        self._view = view
        self._lines.clear()
        # Whole columns beside the labels (the last one's number whole, its gap may be cut).
        fit = max(0, (width - self.label_width + 1) // cell)
        # A column starts at every `cell` characters of scroll; rounding up, and never past
        # the column that shows the last one whole, makes the furthest scroll (which is rarely
        # a whole number of columns) show the last columns whole, not half of one.
        first = min(-(-int(self.scroll_x) // cell), max(0, self.columns - fit))
        # Whole columns only: a number cut at the edge ('-0' of -0.002) reads as another value.
        stop = min(self.columns, first + fit)
        self._slices = []
        for b, (start, end) in enumerate(zip(self._starts, self._starts[1:])):
            lo, hi = max(first, start), min(stop, end)
            if lo < hi:
                self._slices.append((b, lo - start, hi - start))

    def render_line(self, y: int) -> Strip:
        if self._view is None:
            self._check_view()
        row = -1 if y == 0 else int(self.scroll_y) + y - 1
        line = self._lines.get(row)
        if line is None:
            line = self._lines[row] = self.draw_row(row)
        return line

    def draw_row(self, row: int) -> Strip:
        """One row as a Strip (-1: the header); drawn again only when its row changed.
        (Public for tests: it draws a table that is not on screen too, at its last size.)"""
        if self._view is None:
            self._check_view()
        width, base, cell = self._view[1], self._view[2], self._view[5]
        if row >= self.rows:
            return Strip.blank(width, PLAIN)
        if row < 0:
            segments = [Segment((" " + self.label_title).ljust(self.label_width), HEADER_STYLE)]
            for b, first, stop in self._slices:
                block = self.blocks[b]
                style = FOCUSED_COLUMN_STYLE if block.focused else COLUMN_STYLE
                for unit in range(first, stop):
                    # Exactly a column wide: a name one longer than its numbers ('c_{t-1}'
                    # over '+0.123') fills its gap rather than push every header after it
                    # off its numbers.
                    header = (block.header(unit).rjust(cell - 1) + " ")[:cell]
                    segments.append(Segment(header, style))
            return Strip(segments).crop(0, width).extend_cell_length(width, PLAIN)
        is_current = row == self.current
        label = ("▶" if is_current else " ") + self.label(row)
        label_style = CURRENT_STYLE if is_current else LABEL_STYLES[bool(self.dim_row(row))]
        # Cells, not characters: a wide (CJK, emoji) token must not push the numbers right.
        segments = [Segment(set_cell_size(label, self.label_width - 1), label_style), GAP]
        used = self.label_width  # cells so far: a number is ASCII (or '·'), one cell a character
        digits = self.digits
        nan, negative, positive = tints(base, is_current)
        for b, first, stop in self._slices:
            marked = self.blocks[b].marked
            for column, value in enumerate(self.blocks[b].row(row)[first:stop].tolist(), first):
                text = number(value, cell - 1, digits)
                used += len(text) + 1
                style = nan if value != value else (positive if value >= 0 else negative)[level(value)]
                segments += (Segment(text, style),
                             EDITED if marked and (row, column) in marked else GAP)
        return fitted(segments, used, width)  # (a huge value's exponent may widen its cell)


def fitted(segments: list[Segment], used: int, width: int) -> Strip:
    """A line of `used` cells (every glyph one cell) made exactly `width` wide; its length
    is known, so the Strip does not measure it segment by segment."""
    if used > width:
        return Strip(segments).crop(0, width).extend_cell_length(width, PLAIN)
    if used < width:
        segments.append(Segment(" " * (width - used), PLAIN))
    return Strip(segments, width)


def same_key(a: object, b: object) -> bool:
    """Whether two set_data keys name the same rows: the same object, or tuples of the same
    objects (ints by value: a batch row number)."""
    if a is b:
        return True
    if not (isinstance(a, tuple) and isinstance(b, tuple)) or len(a) != len(b):
        return False
    return all(x is y or (type(x) is int and type(y) is int and x == y) for x, y in zip(a, b))
