"""What R (the reach of h_t) looks like at 80x24 and 160x48: norms at 3 significant digits and
bars in eighths of a cell (fixed resolution: thread counts do not change them)."""

import pytest

from test_snapshots import SIZES, keys, lab_app
from tui_lab import Lab, LabConfig
from tui_lab.tui.app import LabApp


@pytest.mark.parametrize("size", SIZES)
def test_reach_after_three_steps(snap_compare, size):
    assert snap_compare(lab_app(), run_before=keys("space", "space", "space", "R"),
                        terminal_size=size)


def test_reach_of_a_masked_batch_row(snap_compare):
    """Lines 2 and 15 padded 'pre' to 12 with mask_padding, at the end, row 1 in focus: 7
    skipped pads (norm 0, no bar). (Scrolling a long line: tests/tui/test_sensitivity_app.py.)"""
    lab = Lab(LabConfig(maxlen=None, mask_padding=True))
    lab.select_lines([2, 15])
    app = LabApp(lab, theme="textual-dark")
    app.animation_level = "none"
    assert snap_compare(app, run_before=keys("end", "R"), terminal_size=(80, 24))
