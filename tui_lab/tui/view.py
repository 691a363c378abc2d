"""What the panels show of a snapshot besides the snapshot itself: the batch row in focus and
how many decimals every number is printed with.

This is view state, owned by the app (one owner) and never the lab's: changing it repaints the
panels from the snapshot they already have, with no Lab call, so it can never rebuild weights
or reset the stepping. The trace keeps full precision whatever the digits.

No Textual here: the session (session.py) reads and checks the digits before the app exists.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tui_lab.core.checks import whole_number

# 3 reads at a glance and fits 80 columns; 8 matches the notebook's float32 prints
# (4.5328138e-06 has 8 significant digits).
MIN_DIGITS, MAX_DIGITS, DEFAULT_DIGITS = 3, 8, 3


def check_digits(value) -> int:
    """value as a number of digits; LabError ("digits must be a whole number from 3 to 8,
    not 9") otherwise."""
    return whole_number(value, "digits", MIN_DIGITS, MAX_DIGITS)


@dataclass(frozen=True)
class View:
    row: int = 0  # the batch row (0-based) that Embed, Gates and Layer show
    digits: int = DEFAULT_DIGITS

    def __post_init__(self) -> None:
        object.__setattr__(self, "digits", check_digits(self.digits))
        object.__setattr__(self, "row", whole_number(self.row, "the batch row", 0))

    def clamped(self, batch_size: int) -> View:
        """This view for a batch of batch_size rows: a focus past the last row (the batch
        shrank) moves to the last row."""
        row = min(self.row, max(0, batch_size - 1))
        return self if row == self.row else replace(self, row=row)

    def with_row(self, row: int) -> View:
        return replace(self, row=row)

    def with_digits(self, digits) -> View:
        return replace(self, digits=digits)

    @property
    def cell(self) -> int:
        """Characters per number column: sign, '0.', the digits and a space ('+0.123 ')."""
        return self.digits + 4
