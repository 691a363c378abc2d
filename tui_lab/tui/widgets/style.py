"""Number formatting and the diverging colour scale shared by the panels (presentation only)."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from rich.style import Style
from textual.color import Color

NEGATIVE = Color.parse("#3f7fe0")  # blue: below zero
POSITIVE = Color.parse("#e0573f")  # red: above zero
LEVELS = 12
SPARKS = "▁▂▃▄▅▆▇█"
PLAIN = Style()  # never a None style: Textual's NO_COLOR filter needs one


def number(value: float, width: int | None = None, digits: int = 3) -> str:
    """Signed, fixed width, readable without colour: '+0.123', '-12.35', '  ·   ' for NaN.
    digits: decimals of a value below 10 in size (a larger one gives up decimals to keep the
    width); width: digits + 3 unless given."""
    width = digits + 3 if width is None else width
    if value is None or value != value:
        return "·".center(width)
    for spec in _specs(digits):  # (tables format a few hundred numbers a step)
        text = format(value, spec)
        if len(text) <= width:
            return text.rjust(width)
    return f"{value:+.0e}".rjust(width)


@lru_cache(maxsize=None)
def _specs(digits: int) -> tuple[str, ...]:
    """number's format specs for these digits, the most decimals first."""
    return tuple(f"+.{decimals}f" for decimals in range(digits, -1, -1))


# The lab's promise: every stepped number equals Keras to this tolerance.
TOLERANCE = 1e-5


def agreement(value: float | None, missing: str = "n/a") -> str:
    """A max |error| at a fixed resolution. The exact value (around 1e-7, its last digits
    depending on the machine's threads and CPU) stays in the trace and the Python API; on
    screen it is "< 1e-5 ✓", or the value and a warning past the tolerance."""
    if value is None:
        return missing
    if value < TOLERANCE:
        return "< 1e-5 ✓"
    return f"{value:.1e} ✗ above 1e-5"


def layer_agreement(value: float | None, missing: str = "n/a",
                    zero: str = "0 ✓ bit for bit") -> str:
    """The steps against the Keras layer. Both call the same float32 operations in the same
    order, so they usually agree to the last bit: then it says `zero` (an exact 0 does not
    depend on the machine); else agreement's fixed resolution."""
    if value == 0:
        return zero
    return agreement(value, missing)


def exact(value: float | None) -> str:
    """A max |error| as it is, for a note (never a snapshot: its last digits depend on the
    machine's threads and CPU): '0', '2.98e-08'."""
    if value is None:
        return "not measured yet"
    return "0" if value == 0 else f"{value:.3g}"


def level(value: float) -> int:
    """Colour intensity 0..LEVELS on a square-root scale of |value| (1.0 and above: full)."""
    if value != value:
        return 0
    return min(LEVELS, round(math.sqrt(min(abs(value), 1.0)) * LEVELS))


def _style(base: Color, sign: int, lvl: int, bold: bool) -> Style:
    """One tint of the scale (tints() makes each once per background)."""
    target = POSITIVE if sign > 0 else NEGATIVE
    background = base.blend(target, 0.75 * lvl / LEVELS)
    return Style(bgcolor=background.rich_color, color=background.get_contrast_text(0.95).rich_color,
                 bold=bold)


@lru_cache(maxsize=64)
def tints(base: Color, bold: bool = False) -> tuple[Style, tuple[Style, ...], tuple[Style, ...]]:
    """The tints of the diverging scale over one background, blue for negative, red for
    positive, stronger when bigger: (NaN, below zero by level(), above zero by level()).
    A table looks them up once per row, not once per number."""
    return (Style(dim=True, bold=bold),
            tuple(_style(base, -1, lvl, bold) for lvl in range(LEVELS + 1)),
            tuple(_style(base, 1, lvl, bold) for lvl in range(LEVELS + 1)))


_GLYPHS = np.array(list(SPARKS))


def sparklines(values: np.ndarray, scales: np.ndarray) -> list[list[tuple[str, bool]]]:
    """The sparkline of each column of values (steps, n), column j on scales[j]. Trajectories
    are redrawn whole on every step: numpy for all the columns on screen at once, and a
    segment per run rather than per value."""
    values = np.asarray(values, dtype=np.float64)
    steps, count = values.shape
    if not steps:
        return [[] for _ in range(count)]
    scales = np.asarray(scales, dtype=np.float64)
    flat = scales <= 0  # all zero: a flat line
    safe = np.where(flat, 1.0, scales)
    fraction = (np.clip(values, -safe, safe) / safe + 1) / 2
    index = np.minimum(len(SPARKS) - 1, (np.nan_to_num(fraction) * len(SPARKS)).astype(int))
    glyphs = np.where(values != values, "·", _GLYPHS[np.where(flat, 3, index)]).T.tolist()
    signs = values >= 0  # (NaN: False, as spark's callers styled it)
    changes = (signs[1:] != signs[:-1]).T
    runs = []
    for column, (text, positive) in enumerate(zip(glyphs, signs.T.tolist())):
        cuts = [0, *(np.flatnonzero(changes[column]) + 1).tolist(), steps]
        runs.append([("".join(text[a:b]), positive[a]) for a, b in zip(cuts, cuts[1:])])
    return runs


def shape(*dims: int) -> str:
    return "(" + ", ".join(str(d) for d in dims) + ")"
