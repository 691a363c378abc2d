"""What M (why an LSTM remembers) looks like at 80x24 and 160x48: the memory task's three
models after eight steps, numbers at a fixed resolution (2 significant digits, 2 decimals)."""

import pytest

from test_snapshots import SIZES, keys, lab_app


@pytest.mark.parametrize("size", SIZES)
def test_why_after_eight_steps(snap_compare, size):
    assert snap_compare(lab_app(), run_before=keys("M", *["space"] * 8), terminal_size=size)


def test_why_recall_at_the_end(snap_compare):
    assert snap_compare(lab_app(), run_before=keys("M", "t", "end"), terminal_size=(160, 48))
