"""number(): signed, fixed width, readable without colour; a large value gives up decimals
to keep the width, a huge one becomes an exponent, NaN a centred dot."""

import pytest

from tui_lab.tui.widgets.style import number


@pytest.mark.parametrize("value, digits, width, shown", [
    (0.1234567, 3, None, "+0.123"),
    (-0.0004, 3, None, "-0.000"),
    (5, 3, None, "+5.000"),
    (-12.3456, 3, None, "-12.35"),
    (123.456, 3, None, "+123.5"),
    (123456.7, 3, None, "+1e+05"),
    (0.1234567, 6, 9, "+0.123457"),
    (-12.3456, 6, 9, "-12.34560"),
    (1e12, 6, 9, "   +1e+12"),
    (float("nan"), 3, None, "  ·   "),
    (None, 3, 7, "   ·   "),
])
def test_numbers_keep_their_width_and_sign(value, digits, width, shown):
    assert number(value, width, digits) == shown
