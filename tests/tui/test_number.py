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


@pytest.mark.parametrize("value, shown", [
    (0.0, "0 ✓ bit for bit"),         # the steps and the layer usually agree to the last bit
    (2.98e-8, "< 1e-5 ✓"),            # a difference this small: its digits are the machine's
    (3e-5, "3.0e-05 ✗ above 1e-5"),
    (None, "layer not run yet"),
])
def test_the_layer_check_says_bit_for_bit_only_when_it_is(value, shown):
    from tui_lab.tui.widgets.style import layer_agreement

    assert layer_agreement(value, "layer not run yet") == shown


def test_the_exact_value_for_the_note():
    from tui_lab.tui.widgets.style import exact

    assert [exact(v) for v in (0.0, 2.9802322387695312e-08, None)] == [
        "0", "2.98e-08", "not measured yet"]
