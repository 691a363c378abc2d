"""Snapshots of the Conv1D view (K): 80x24 (it scrolls) and 160x48 (the token column). The
numbers are the lab's seeded weights at 3 decimals; the Keras check at a fixed resolution."""

from __future__ import annotations

import pytest

from tui_lab import Lab
from tui_lab.tui.app import LabApp

from pilot import keys

CASES = {
    # the lab at step 3, the view at output position 2: h beside outputs 0 (t3) and 1, 2 (not yet)
    "valid_three": ("space", "space", "space", "K", "space", "space", "space"),
    # 'same' with dilation 2: the layer's zeros (∅) at the edges, inside the window too
    "same_dilated": ("space", "K", "p", "d", "space"),
}


@pytest.mark.parametrize("case, size", [
    pytest.param("valid_three", (80, 24), id="valid_three-80x24"),
    pytest.param("valid_three", (160, 48), id="valid_three-160x48"),
    pytest.param("same_dilated", (80, 24), id="same_dilated-80x24"),
])
def test_conv_snapshot(snap_compare, case, size):
    app = LabApp(Lab(), theme="textual-dark")
    app.animation_level = "none"
    assert snap_compare(app, run_before=keys(*CASES[case]), terminal_size=size)
