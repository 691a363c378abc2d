"""Horizontal bars drawn in characters (eighths of a cell), on a linear or a log scale.

Reach norms span many decades (1e-8 beside 5e-4 is usual): on a linear scale scaled to the
largest, everything but the largest draws as an empty bar. The log scale maps whole decades
to equal lengths and labels them on an axis line above the bars, so a learner reads both
"how much smaller" and "how many times smaller". Characters only: NO_COLOR reads the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EIGHTHS = " ▏▎▍▌▋▊▉"  # a bar's last cell, in eighths of a cell
MAX_DECADES = 24  # below the largest value's decade: smaller values draw as an empty bar


def cells_bar(fraction: float, cells: int) -> str:
    """fraction (0..1) of `cells` cells, in eighths of a cell."""
    if not fraction > 0:
        return ""
    eighths = round(cells * 8 * min(fraction, 1.0))
    return "█" * (eighths // 8) + EIGHTHS[eighths % 8].strip()


def bar(value: float, largest: float, cells: int) -> str:
    """A linear bar: value / largest of `cells` cells."""
    if largest <= 0 or value <= 0:
        return ""
    return cells_bar(value / largest, cells)


@dataclass(frozen=True)
class LogScale:
    """Whole decades 10**low .. 10**high (exponents), high > low: a value's bar is its
    log10's place between them."""

    low: int
    high: int

    @classmethod
    def of(cls, values) -> LogScale | None:
        """The decades around the positive, finite values (None: there are none)."""
        positive = [float(v) for v in values if math.isfinite(float(v)) and float(v) > 0]
        if not positive:
            return None
        # Strictly around them: the smallest value still draws a bar, the largest one ends
        # before the last decade's mark.
        high = math.floor(math.log10(max(positive))) + 1
        low = max(math.ceil(math.log10(min(positive))) - 1, high - MAX_DECADES)
        return cls(low, high)

    @property
    def decades(self) -> int:
        return self.high - self.low

    def fraction(self, value: float) -> float:
        if not value > 0:
            return 0.0
        return (math.log10(value) - self.low) / self.decades

    def bar(self, value: float, cells: int) -> str:
        return cells_bar(self.fraction(value), cells)

    def axis(self, cells: int) -> str:
        """A line of `cells` cells (and a label's width more) with the decades marked where
        their bars end: '|1e-8    |1e-6    |1e-4'. As many as fit with a space between; the
        first and the last are always there."""
        width = cells + 6
        step = 1
        while True:
            decades = list(range(self.low, self.high + 1, step))
            if decades[-1] != self.high:
                decades[-1] = self.high  # the largest decade is always labelled
            marks = [(f"|{decade_label(d)}", round(cells * (d - self.low) / self.decades))
                     for d in decades]
            if len(marks) <= 2 or all(at + len(label) < marks[i + 1][1]
                                      for i, (label, at) in enumerate(marks[:-1])):
                break
            step += 1
        line = [" "] * width
        for label, at in marks:
            at = max(0, min(at, width - len(label)))
            line[at:at + len(label)] = label
        return "".join(line).rstrip()


def decade_label(exponent: int) -> str:
    """10**exponent as a short label: 1e-8, 0.01 would be longer than 1e-2, so 1e-2; 1, 10."""
    if exponent == 0:
        return "1"
    if exponent == 1:
        return "10"
    return f"1e{exponent}"
