"""Snapshot tests of the side-by-side view at 80x24 (the columns scroll sideways) and 160x48
(every column of the three 4-unit cells fits). The numbers are shown at 3 decimals and the
checks at a fixed resolution ("0 ✓" when the steps equal the layer to the last bit, else
"< 1e-5 ✓"), so nothing depends on the CPU's last digits."""

from __future__ import annotations

import pytest

from tui_lab import Lab
from tui_lab.tui.app import LabApp

from pilot import keys

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


@pytest.mark.parametrize("size", SIZES)
def test_three_cells_side_by_side(snap_compare, size):
    """Line 1 stepped once in the lab, then C and three steps of all three cells."""
    app = LabApp(Lab(), theme="textual-dark")
    app.animation_level = "none"
    assert snap_compare(app, run_before=keys("space", "C", "space", "space", "space"),
                        terminal_size=size)


def test_two_unit_counts_scrolled(snap_compare):
    app = LabApp(Lab(), theme="textual-dark")
    app.animation_level = "none"
    assert snap_compare(app, run_before=keys("C", "3", "space", "space", "right_square_bracket"),
                        terminal_size=(80, 24))
