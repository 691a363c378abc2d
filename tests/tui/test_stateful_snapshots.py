"""Snapshots of stateful lines: line 2 started from line 1's final state, at 80x24 (the
Layer tab: the stateful layer's calls and the check) and 160x48 (every panel)."""

from __future__ import annotations

import pytest

from tui_lab import Lab, LabConfig
from tui_lab.tui.app import LabApp

from pilot import keys

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


@pytest.mark.parametrize("size", SIZES)
def test_stateful_carried(snap_compare, size):
    app = LabApp(Lab(LabConfig(stateful=True)), theme="textual-dark")
    app.animation_level = "none"
    # Line 1 to its end, then line 2 (its h_0 carried), three steps; narrow: the Layer tab.
    assert snap_compare(app, run_before=keys("end", "j", "space", "space", "space", "tab"),
                        terminal_size=size)


def test_dropout_masks(snap_compare):
    from tui_lab import LabConfig

    config = LabConfig(units=6, dropout=0.25, recurrent_dropout=0.5, training=True)
    app = LabApp(Lab(config), theme="textual-dark")
    app.animation_level = "none"
    assert snap_compare(app, run_before=keys("space", "space", "D"), terminal_size=(80, 24))


def test_dropout_off(snap_compare):
    from tui_lab import LabConfig

    app = LabApp(Lab(LabConfig(dropout=0.25)), theme="textual-dark")
    app.animation_level = "none"
    assert snap_compare(app, run_before=keys("D"), terminal_size=(80, 24))
