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
    for decimals in range(digits, -1, -1):
        text = f"{value:+.{decimals}f}"
        if len(text) <= width:
            return text.rjust(width)
    return f"{value:+.0e}".rjust(width)


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


def level(value: float) -> int:
    """Colour intensity 0..LEVELS on a square-root scale of |value| (1.0 and above: full)."""
    if value != value:
        return 0
    return min(LEVELS, round(math.sqrt(min(abs(value), 1.0)) * LEVELS))


@lru_cache(maxsize=512)
def _style(base: Color, sign: int, lvl: int, bold: bool) -> Style:
    target = POSITIVE if sign > 0 else NEGATIVE
    background = base.blend(target, 0.75 * lvl / LEVELS)
    return Style(bgcolor=background.rich_color, color=background.get_contrast_text(0.95).rich_color,
                 bold=bold)


def diverging(value: float, base: Color, bold: bool = False) -> Style:
    """A background tint for value: blue for negative, red for positive, stronger when bigger."""
    if value != value:
        return Style(dim=True, bold=bold)
    return _style(base, 1 if value >= 0 else -1, level(value), bold)


_GLYPHS = np.array(list(SPARKS))


def sparkline(series: np.ndarray, scale: float) -> list[tuple[str, bool]]:
    """A sparkline glyph per value in [-scale, scale] (zero at half height, NaN '·'), as runs
    of glyphs that share a sign: (text, value >= 0). A trajectory is redrawn whole on every
    step: numpy for all values at once, and a segment per run rather than per value."""
    values = np.asarray(series, dtype=np.float64)
    if not len(values):
        return []
    nan = values != values
    if scale <= 0:
        glyphs = np.full(len(values), SPARKS[3])
    else:
        fraction = (np.clip(values, -scale, scale) / scale + 1) / 2
        index = np.minimum(len(SPARKS) - 1, (np.nan_to_num(fraction) * len(SPARKS)).astype(int))
        glyphs = _GLYPHS[index]
    glyphs = np.where(nan, "·", glyphs)
    signs = values >= 0  # (NaN: False, as spark's callers styled it)
    cuts = [0, *(np.flatnonzero(signs[1:] != signs[:-1]) + 1).tolist(), len(values)]
    return [("".join(glyphs[a:b].tolist()), bool(signs[a])) for a, b in zip(cuts, cuts[1:])]


def shape(*dims: int) -> str:
    return "(" + ", ".join(str(d) for d in dims) + ")"
