"""R in the app: the reach of the current step's h_t, one bar per input read, the numbers the
lab's Lab.sensitivity (checked against the Keras layers in tests/core/test_sensitivity.py),
following the steps taken while it is open."""

import numpy as np
import pytest

from pilot import burst, errors, make_app, press, settle, text_of
from tui_lab import Lab, LabConfig
from tui_lab.tui.screens.lab import LabScreen
from tui_lab.tui.screens.reach import BAR_CELLS, UNTRAINED, ReachScreen
from tui_lab.tui.widgets.bars import LogScale, bar


def table(app) -> str:
    return text_of(app.screen.query_one("#reach-table"))


@pytest.mark.asyncio
async def test_reach_shows_the_labs_norms_and_follows_the_steps():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "R")
        assert isinstance(app.screen, ReachScreen)
        assert "Before the first step" in table(app)
        await press(pilot, "escape", "space", "space", "space", "R")
        reference = Lab()
        reference.seek(3)
        expected = reference.sensitivity().norms[0]
        np.testing.assert_array_equal(app.screen.result.norms[0], expected)
        lines = table(app).splitlines()
        rows = [line for line in lines if line.strip()[:1].isdigit()]
        assert [line.split()[:3] for line in rows] == [["1", "0", "oh"], ["2", "1", "oh"],
                                                       ["3", "2", "yes"]]
        scale = LogScale.of(expected)  # log by default: decades labelled above the bars
        assert scale.axis(BAR_CELLS) in table(app)
        for line, value in zip(rows, expected):
            assert f"{value:.2e}" in line and line.endswith(" " + scale.bar(value, BAR_CELLS))
        await press(pilot, "s")  # linear, to the largest
        assert "linear, to the largest" in table(app) and scale.axis(BAR_CELLS) not in table(app)
        rows = [line for line in table(app).splitlines() if line.strip()[:1].isdigit()]
        for line, value in zip(rows, expected):
            assert line.endswith(" " + bar(value, expected.max(), BAR_CELLS))
        await press(pilot, "s")
        assert f"bars log, {scale.decades} decade" in table(app)
        await press(pilot, "space")  # steps the lab; the bars follow
        assert app.snapshot.t == 4 and app.screen.result.t == 4
        await press(pilot, "left", "left")
        assert app.snapshot.t == 2 and app.screen.result.t == 2
        assert isinstance(app.screen, ReachScreen)
        await press(pilot, "escape")
        assert isinstance(app.screen, LabScreen)
        assert not errors(app)


@pytest.mark.asyncio
async def test_batch_row_masked_pads_and_a_burst_of_keys():
    app = make_app(Lab(LabConfig(maxlen=None, mask_padding=True)))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "j", "m", "j", "m", "end", "R")  # lines 2 and 3 as one batch
        assert app.screen.result.norms.shape == (2, 8)
        assert "(line 2)" in table(app) and "skipped pad (mask_padding)" in table(app)
        assert table(app).count("skipped pad") == 3  # line 2: 5 words, padded 'pre' to 8
        await press(pilot, "y")
        assert app.view.row == 1 and "(line 3)" in table(app)
        assert "skipped pad" not in table(app)
        burst(app, "R", "R", "space", "R", "escape")
        await pilot.pause()
        await settle(pilot)
        assert len([s for s in app.screen_stack if isinstance(s, ReachScreen)]) <= 1
        assert not errors(app) and app.crash is None


@pytest.mark.asyncio
async def test_a_long_line_scrolls_at_80x24():
    lab = Lab(LabConfig(maxlen=None))
    lab.type_sentence(" ".join(["oh yes i'm the great pretender"] * 6))  # 36 words
    app = make_app(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "end", "R")
        scroll = app.screen.query_one("#reach-scroll")
        assert app.screen.result.t == lab.timesteps == 36
        assert scroll.max_scroll_y > 0
        await press(pilot, "end")
        assert scroll.scroll_y == scroll.max_scroll_y


@pytest.mark.asyncio
async def test_a_reach_the_lab_refuses_says_why_in_the_view_once():
    app = make_app(Lab(LabConfig(dropout=0.5, training=True)))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "space", "space", "R")
        assert isinstance(app.screen, ReachScreen)
        assert "turn training off" in table(app)  # not "computing …" for ever
        assert len(errors(app)) == 1
        await press(pilot, "space")  # the view no longer asks at every step
        assert app.snapshot.t == 3 and len(errors(app)) == 1
        assert "turn training off" in table(app)


@pytest.mark.asyncio
async def test_a_fetch_while_stepping_does_not_paint_the_panels_again():
    # The reach is work beside the lab: it changes nothing there, so it takes no snapshot of
    # its own (each fetch used to paint every panel a second time).
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "R")
        shown = []
        show = app._show
        app._show = lambda snapshot, *rest: shown.append(snapshot.t) or show(snapshot, *rest)
        await press(pilot, "space", "space")
        assert app.screen.result.t == 2
        assert shown == [1, 2]
        assert not errors(app)


@pytest.mark.asyncio
async def test_untrained_weights_say_why_and_c_switches_the_cell():
    app = make_app(Lab(LabConfig(cell="simple_rnn")))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "space", "space", "R")
        assert " ".join(UNTRAINED.split()[:6]) in table(app)  # wrapped at the dialog's width
        assert "M: what trained models remember." in " ".join(table(app).split())
        assert app.screen.result.cell == "simple_rnn"
        await press(pilot, "c")  # the lab's cell: SimpleRNN -> LSTM, and the bars follow
        assert app.snapshot.config.cell == "lstm" and app.screen.result.cell == "lstm"
        assert app.snapshot.t == 2 and app.screen.result.t == 2  # a cell change keeps the step
        assert "LSTM · batch row 1" in table(app)
        assert not errors(app)
