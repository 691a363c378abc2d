"""A windowed table of numbers: rows x (blocks of) columns, rendered one visible line at a time.

Only the lines and columns on screen are formatted, so 10,000 timesteps x 256 units stay
smooth. The label column and the header line stay put while the numbers scroll.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from .style import PLAIN, diverging, number

CELL = 7  # characters per number column: '+0.123 '


@dataclass(frozen=True)
class Block:
    """Columns that come from one (rows, n) array, headed prefix0, prefix1, ..."""

    prefix: str
    values: np.ndarray  # (rows, n)
    name: str | None = None  # header of a one-column block (else prefix0, prefix1, ...)

    def header(self, unit: int) -> str:
        return self.name if self.name is not None else f"{self.prefix}{unit}"


class NumberGrid(ScrollView, can_focus=False):
    DEFAULT_CSS = """
    NumberGrid { scrollbar-size: 1 1; }
    """

    def __init__(self, label_title: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.label_title = label_title
        self.rows = 0
        self.label: Callable[[int], str] = str
        self.blocks: list[Block] = []
        self._starts: list[int] = []
        self.columns = 0
        self.current: int | None = None
        self.dim_row: Callable[[int], bool] = lambda row: False
        self.label_width = len(label_title) + 2

    def set_data(self, rows: int, label: Callable[[int], str], blocks: list[Block],
                 current: int | None, label_width: int, dim_row=None, title: str | None = None) -> None:
        if title is not None:
            self.label_title = title
        self.rows, self.label, self.blocks, self.current = rows, label, blocks, current
        self.dim_row = dim_row or (lambda row: False)
        self.label_width = max(label_width, len(self.label_title)) + 3
        self._starts = list(np.cumsum([0] + [b.values.shape[1] for b in blocks]))
        self.columns = int(self._starts[-1])
        self.virtual_size = Size(self.label_width + self.columns * CELL, rows + 1)
        self.follow()
        self.refresh()

    def follow(self) -> None:
        """Scroll so the current row is on screen."""
        if self.current is None:
            return
        visible = max(1, self.scrollable_content_region.height - 1)
        top = int(self.scroll_y)
        if self.current < top:
            self.scroll_to(y=self.current, animate=False, immediate=True)
        elif self.current >= top + visible:
            self.scroll_to(y=self.current - visible + 1, animate=False, immediate=True)

    def _column(self, j: int) -> tuple[Block, int]:
        b = int(np.searchsorted(self._starts, j, side="right")) - 1
        return self.blocks[b], j - self._starts[b]

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        first = int(self.scroll_x) // CELL
        count = max(0, (width - self.label_width) // CELL + 1)
        cols = range(first, min(self.columns, first + count))
        base = self.background_colors[1]
        if y == 0:
            segments = [Segment((" " + self.label_title).ljust(self.label_width), Style(bold=True))]
            for j in cols:
                block, unit = self._column(j)
                segments.append(Segment(block.header(unit).rjust(CELL - 1) + " ", Style(bold=True, underline=True)))
            return Strip(segments).crop(0, width).extend_cell_length(width, PLAIN)
        row = int(self.scroll_y) + y - 1
        if row >= self.rows:
            return Strip.blank(width, PLAIN)
        is_current = row == self.current
        label = ("▶" if is_current else " ") + self.label(row)
        label_style = Style(reverse=True, bold=True) if is_current else Style(dim=self.dim_row(row))
        segments = [Segment(label.ljust(self.label_width - 1)[: self.label_width - 1], label_style),
                    Segment(" ", PLAIN)]
        for j in cols:
            block, unit = self._column(j)
            value = float(block.values[row, unit])
            segments.append(Segment(number(value, CELL - 1), diverging(value, base, is_current)))
            segments.append(Segment(" ", PLAIN))
        return Strip(segments).crop(0, width).extend_cell_length(width, PLAIN)
