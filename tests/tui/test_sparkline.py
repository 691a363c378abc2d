"""The trajectories' sparklines: one glyph per value, zero at half height, runs by sign."""

import numpy as np

from tui_lab.tui.widgets.style import SPARKS, sparklines


def sparkline(series, scale):
    """The runs of one series: its column of sparklines."""
    return sparklines(np.asarray(series, dtype=float)[:, np.newaxis], [scale])[0]


def glyphs(series, scale):
    return "".join(text for text, _ in sparkline(np.array(series, dtype=float), scale))


def test_the_scale_maps_onto_the_eight_glyphs_with_zero_at_half_height():
    assert glyphs([-1.0, -0.5, 0.0, 0.5, 1.0], 1.0) == "▁▃▅▇█"
    assert glyphs([-9.0, 9.0], 1.0) == SPARKS[0] + SPARKS[-1]  # beyond the scale: clipped
    assert glyphs([0.3, -0.3], 0.0) == SPARKS[3] * 2  # all zero: a flat line


def test_nan_is_a_dot_and_every_value_keeps_its_place():
    assert glyphs([0.5, float("nan"), -0.5], 1.0) == "▇·▃"
    series = np.random.default_rng(0).normal(size=300)
    assert len(glyphs(series, float(abs(series).max()))) == 300


def test_runs_split_where_the_sign_changes():
    runs = sparkline(np.array([0.1, 0.2, -0.1, -0.2, -0.3, 0.0]), 0.3)
    assert [(len(text), positive) for text, positive in runs] == [(2, True), (3, False), (1, True)]
    assert sparkline(np.array([]), 1.0) == []


def test_every_trajectory_line_is_exactly_as_wide_as_the_panel():
    from tui_lab.tui.widgets.grid import Block
    from tui_lab.tui.widgets.states import Trajectories

    trajectories = Trajectories()
    for steps in (0, 3, 200):  # before any step, a few, more than the line holds
        block = Block("h", np.random.default_rng(0).normal(size=(steps, 12)).astype(np.float32))
        trajectories.rows = [(block, unit) for unit in range(12)]
        for width in (4, 8, 30, 76):  # narrower than a label, too, as a panel can be
            lines = trajectories._draw(0, width, 12)
            assert [line.cell_length for line in lines] == [width] * 12
            assert all(sum(len(s.text) for s in line) == width for line in lines)
