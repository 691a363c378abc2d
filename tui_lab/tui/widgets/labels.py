"""Row labels shared by the panels: which token sits at a padded position (pure formatting),
and text from a file made safe to put on a terminal."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size

from tui_lab.core.text import OOV_ID

TOKEN_CELLS = 24  # a longer token (a line with no spaces) is cut to this many cells, with …

# Text from a file goes straight to the terminal: an ESC in it would be a terminal command
# and a NUL or a line separator would break the panel's rows. Control characters are shown as
# their control pictures (␛), line separators and bidi overrides as �; a tab as a space.
_UNPRINTABLE = {c: chr(0x2400 + c) for c in range(0x20)} | {0x7F: "\u2421", 0x09: " "}
_UNPRINTABLE |= {c: "\ufffd" for c in [*range(0x80, 0xA0), 0x2028, 0x2029,
                                        *range(0x202A, 0x202F), *range(0x2066, 0x206A)]}


def printable(text: str) -> str:
    """text with every control character replaced by a visible one (same number of chars)."""
    return text.translate(_UNPRINTABLE)


def clip(text: str, cells: int) -> str:
    """text cut to at most `cells` terminal cells (wide characters count two), … if cut."""
    text = text[: cells * 4]  # no need to measure a megabyte to keep 24 cells of it
    if cell_len(text) <= cells:
        return text
    return set_cell_size(text, cells - 1) + "…"


def pad_left(text: str, cells: int) -> str:
    """text right-aligned in `cells` terminal cells (str.rjust counts characters)."""
    return " " * (cells - cell_len(text)) + text


def token_at(snapshot, position: int, row: int = 0, cells: int = TOKEN_CELLS,
             oov_mark: str = "?") -> str:
    """The word at a padded position of a batch row (cut to `cells`, `oov_mark` after an
    <OOV> one), 'pad' for padding, '' for raw vectors."""
    rows = snapshot.batch.rows
    if rows is None:
        return ""
    encoded = rows[row]
    index = int(encoded.token_at[position])
    if index < 0:
        return "pad"
    word = clip(printable(encoded.tokens[index]), cells)
    # ids[index], not oov[index]: `oov` is made for the whole row at each call.
    return word + (oov_mark if encoded.ids[index] == OOV_ID else "")


def _width(snapshot) -> int:
    return max(2, len(str(snapshot.timesteps)))


def row_prefix(snapshot, row: int) -> str:
    """'2:' before a column of batch row 2 (0-based 1) when there are several rows, else ''."""
    return f"{row + 1}:" if snapshot.batch_size > 1 else ""


def step_title(snapshot, row: int = 0) -> str:
    """'t pos token'; in a batch the token column is the focused row's ('t pos 2:token');
    raw vectors have no tokens: 't pos'."""
    width = _width(snapshot)
    title = f"{'t':>{width}} {'pos':>{width}}"
    return title if snapshot.batch.rows is None else f"{title} {row_prefix(snapshot, row)}token"


def step_label(snapshot, k: int, row: int = 0) -> str:
    """'t pos token' for step k (0-based, shown 1-based) in processing order, the token that
    batch row `row` reads there; a state edited after the step is marked ✎ (in the place of
    the space, so the columns stay)."""
    position = int(snapshot.order[k])
    width = _width(snapshot)
    mark = "✎" if any(edit.step == k + 1 for edit in snapshot.edits) else " "
    label = f"{k + 1:>{width}}{mark}{position:>{width}}"
    return label if snapshot.batch.rows is None else f"{label} {token_at(snapshot, position, row)}"
