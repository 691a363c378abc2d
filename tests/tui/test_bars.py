"""Bars in characters: a log scale whose decades are labelled where their bars end, so 1e-8
and 5e-4 are both visible (a linear bar scaled to the largest draws 1e-8 as nothing)."""

import math

import pytest

from tui_lab.tui.widgets.bars import LogScale, bar, cells_bar, decade_label


def length(drawn: str) -> float:
    """A bar's length in cells (eighths count)."""
    return drawn.count("█") + (" ▏▎▍▌▋▊▉".index(drawn[-1]) / 8 if drawn and drawn[-1] != "█"
                               else 0)


def test_a_linear_bar_hides_what_the_log_scale_shows():
    values = [1e-8, 5e-4]
    assert bar(1e-8, 5e-4, 36) == ""  # linear: 2e-5 of a bar is no character at all
    scale = LogScale.of(values)
    assert (scale.low, scale.high) == (-9, -3)  # strictly around both values
    short, long = (length(scale.bar(v, 36)) for v in values)
    assert 0 < short < long < 36
    # Equal ratios draw as equal lengths: each decade is 36 / 6 cells.
    assert short == pytest.approx(36 * (math.log10(1e-8) + 9) / 6, abs=1 / 8)
    assert long == pytest.approx(36 * (math.log10(5e-4) + 9) / 6, abs=1 / 8)


def test_the_axis_labels_decades_at_their_places():
    scale = LogScale(-9, -3)
    axis = scale.axis(36)
    for exponent in range(-9, -2):  # every decade fits at 6 cells a decade
        at = round(36 * (exponent + 9) / 6)
        assert axis[at:].startswith(f"|{decade_label(exponent)}")
    wide = LogScale(-18, 0).axis(36)  # 18 decades in 36 cells: every few, the ends kept
    assert wide.startswith("|1e-18") and wide.rstrip().endswith("|1")
    marks = wide.split()
    assert 2 < len(marks) < 19
    assert all(len(axis_part) <= 6 for axis_part in marks)


def test_values_with_nothing_to_draw():
    assert LogScale.of([0.0, float("nan"), -1.0]) is None  # no positive, finite value
    scale = LogScale.of([0.0, 2.0])  # a skipped pad's 0 beside a value
    assert scale.bar(0.0, 36) == "" and scale.bar(2.0, 36)
    tiny = LogScale.of([1e-40, 1.0])  # at most 24 decades below the largest
    assert tiny.high - tiny.low == 24 and tiny.bar(1e-40, 36) == ""
    assert cells_bar(1.5, 4) == "████" and cells_bar(-1, 4) == ""
    assert [decade_label(e) for e in (-2, 0, 1, 3)] == ["1e-2", "1", "10", "1e3"]
