"""The side-by-side view in the app: C opens it, its keys step every compared cell at once,
esc closes it, and the main lab's step and states are as they were."""

import numpy as np
import pytest
from pilot import burst, make_app, press, settle, text_of

from tui_lab.tui.screens.compare import CompareScreen
from tui_lab.tui.screens.lab import LabScreen

pytestmark = pytest.mark.asyncio


def header(screen) -> str:
    return screen.grid.draw_row(-1).text


async def test_open_step_and_close_leave_the_main_lab_as_it_was():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "space", "space")
        before = app.snapshot
        h, c = before.h.copy(), before.c.copy()
        await press(pilot, "C")
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        shown = screen.comparison
        assert shown.t == 2  # it starts at the lab's step
        assert [column.name for column in shown.columns] == ["SimpleRNN(4)", "LSTM(4)", "GRU(4)"]
        await press(pilot, "space")
        assert screen.comparison.t == 3 and screen.grid.current == 3
        columns = text_of(screen.query_one("#compare-columns"))
        for layer in ("SimpleRNN(4)", "LSTM(4)", "GRU(4)"):
            assert f"keras.layers.{layer}, seed 0 · max|err| 0 ✓" in columns  # bit for bit
        # The LSTM column shows the same numbers the main lab would: the same cell and seed.
        lstm = screen.comparison.columns[1].snapshot
        np.testing.assert_array_equal(lstm.h[:2], h)
        await press(pilot, "left", "left")
        assert screen.comparison.t == 1
        await press(pilot, "end")
        assert screen.comparison.at_end
        await press(pilot, "home")
        assert screen.comparison.t == 0
        await press(pilot, "escape")
        assert isinstance(app.screen, LabScreen)
        assert app.comparison is None  # dropped by the worker queue once closed
        after = app.snapshot
        assert after.t == 2 and app.lab.t == 2
        np.testing.assert_array_equal(after.h, h)
        np.testing.assert_array_equal(after.c, c)
        await press(pilot, "space")  # the lab's keys step the lab again
        assert app.snapshot.t == 3


async def test_fast_presses_step_in_order_and_open_one_view():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, "C", "C", "space", "space", "space")
        await pilot.pause()
        await settle(pilot)
        assert sum(isinstance(s, CompareScreen) for s in app.screen_stack) == 1
        screen = app.screen
        assert screen.comparison.t == 3
        assert {compared.t for compared in app.comparison.labs} == {3}
        burst(app, "2", "space")  # a new comparison, then a step of that one
        await pilot.pause()
        await settle(pilot)
        assert [c.name for c in screen.comparison.columns] == ["LSTM(4) seed 0", "LSTM(4) seed 1"]
        assert screen.comparison.t == 4  # the step the replaced comparison was at, and one more
        burst(app, "escape", "escape")
        await pilot.pause()
        await settle(pilot)
        assert isinstance(app.screen, LabScreen) and app.snapshot.t == 0


async def test_columns_scroll_sideways_at_80_and_fit_at_160():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "C")
        screen = app.screen
        assert "A.h0" in header(screen) and "C.h3" not in header(screen)
        await press(pilot, "right_square_bracket", "right_square_bracket",
                    "right_square_bracket")
        assert screen.grid.scroll_x > 0 and "C.h3" in header(screen)
        await press(pilot, "3")  # two unit counts: a new table starts at its first column
        assert [c.name for c in screen.comparison.columns] == ["LSTM(4)", "LSTM(8)"]
        await pilot.pause()
        assert screen.grid.scroll_x == 0 and "A.h0" in header(screen)
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await press(pilot, "C")
        assert "A.h0" in header(app.screen) and "C.h3" in header(app.screen)


async def test_digits_and_batch_row_redraw_the_view():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "m", "j", "m", "C", "space")
        screen = app.screen
        assert screen.grid.label_title.strip().endswith("1:token")
        await press(pilot, "greater_than_sign", "y")
        assert app.view.digits == 4 and app.view.row == 1
        assert screen.grid.digits == 4 and screen.grid.label_title.strip().endswith("2:token")
        line_two = screen.comparison.columns[0].snapshot.batch.rows[1]  # line 2's words
        index = int(line_two.token_at[0])  # the word at position 0, -1 for padding
        assert (line_two.tokens[index] if index >= 0 else "pad") in screen.grid.label(1)
        await press(pilot, "escape")
        assert app.view.row == 1  # the app's view, kept for the lab's panels


async def test_a_comparison_that_cannot_be_made_is_one_notification(monkeypatch):
    """Making one fails with a LabError (say, twice the units would not fit in memory): one
    error notification, no traceback; the comparison shown before, if any, stays."""
    from tui_lab import LabError
    from tui_lab.tui import compare_actions

    real = compare_actions.Comparison

    def refusing(lab, **compared):
        if "units" in compared:
            raise LabError("the compared cells would not fit in memory")
        return real(lab, **compared)

    monkeypatch.setattr(compare_actions, "Comparison", refusing)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "C", "space", "3")
        screen = app.screen
        assert isinstance(screen, CompareScreen) and app.crash is None
        assert [n.message for n in app.notifications if n.severity == "error"] == [
            "the compared cells would not fit in memory"]
        assert screen.kind == "cells" and screen.comparison.kind == "cells"
        await press(pilot, "space")  # the cells shown before still step
        assert screen.comparison.t == 2


async def test_going_backwards_the_compared_layers_say_so_and_step_backwards(keras):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "b", "C", "end")
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        lines = text_of(screen.query_one("#compare-columns")).splitlines()
        for line, cell in zip(lines, ["SimpleRNN", "LSTM", "GRU"]):
            assert f"keras.layers.{cell}(4, go_backwards=True)" in line, line
            assert line.rstrip().endswith("max|err| 0 ✓") and len(line.rstrip()) <= 76
        for column in screen.comparison.columns:  # what the title says is what runs
            snapshot = column.snapshot
            layer = getattr(keras.layers, snapshot.config.cell_title)(
                4, go_backwards=True, return_sequences=True)
            x = snapshot.batch.x
            layer.build(x.shape)
            layer.set_weights(snapshot.weights.cell_weights())
            np.testing.assert_allclose(snapshot.h[-1], np.asarray(layer(x))[:, -1], atol=1e-5)
