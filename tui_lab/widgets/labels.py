"""Row labels shared by the panels: which token sits at a padded position (pure formatting)."""

from __future__ import annotations


def token_at(snapshot, position: int, row: int = 0) -> str:
    """The word at a padded position of a batch row, 'pad' for padding, '' for raw vectors."""
    rows = snapshot.batch.rows
    if rows is None:
        return ""
    encoded = rows[row]
    index = int(encoded.token_at[position])
    if index < 0:
        return "pad"
    word = encoded.tokens[index]
    return word + ("?" if encoded.oov[index] else "")


def _width(snapshot) -> int:
    return max(2, len(str(snapshot.timesteps)))


def step_title(snapshot) -> str:
    width = _width(snapshot)
    return f"{'t':>{width}} {'pos':>{width}} token"


def step_label(snapshot, k: int) -> str:
    """'t pos token' for step k (0-based, shown 1-based) in processing order."""
    position = int(snapshot.order[k])
    width = _width(snapshot)
    return f"{k + 1:>{width}} {position:>{width}} {token_at(snapshot, position)}"
