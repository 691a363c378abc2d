"""Stateful lines in the app: S turns stateful on and off, the next line starts from the
final state of the one before (named in the status bar and Layer), ctrl+r resets it, and a
batch of another size says it starts again. The numbers are the lab's, checked against
Keras' stateful layer in tests/core/test_stateful_lines.py."""

import numpy as np
import pytest

from pilot import burst, errors, make_app, press, said, settle, text_of, warnings
from tui_lab import Lab, LabConfig
from tui_lab.tui.widgets.layer import LayerPanel
from tui_lab.tui.widgets.status import StatusBar


def status(app) -> str:
    return text_of(app.screen.query_one(StatusBar))


@pytest.mark.asyncio
async def test_S_carries_the_final_state_into_the_next_line_and_ctrl_r_resets_it():
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await press(pilot, "S")
        assert app.snapshot.config.stateful
        assert any("stateful on" in message for message in said(app))
        await press(pilot, "space")  # one step only: the whole line's final state carries
        await press(pilot, "end")
        final = app.snapshot.h[-1].copy(), app.snapshot.c[-1].copy()
        await press(pilot, "j")
        snapshot = app.snapshot
        assert snapshot.selection == (2,) and snapshot.initial_state_origin == "carried from line 1"
        np.testing.assert_array_equal(snapshot.h0, final[0])
        np.testing.assert_array_equal(snapshot.c0, final[1])
        assert "stateful: carried from line 1" in status(app)
        await press(pilot, "end")
        layer = text_of(app.screen.query_one(LayerPanel))
        assert "stateful=True" in layer
        assert ("called on line 1 → line 2 (2 calls since reset)\n"
                "  its outputs vs the steps: 0 ✓ bit for bit") in layer
        assert "max |error| steps vs stateful layer: 0 ✓ bit for bit" in layer
        await press(pilot, "ctrl+r")
        assert app.snapshot.initial_state_origin == "zeros" and not app.snapshot.h0.any()
        assert app.snapshot.t == app.snapshot.timesteps  # the step is kept
        assert "the state carried from line 1 is reset" in " ".join(said(app))
        assert "carried" not in status(app) and "stateful" in status(app)
        await press(pilot, "ctrl+r")  # nothing carried now
        assert any("nothing to reset" in message for message in said(app))
        await press(pilot, "S")
        assert not app.snapshot.config.stateful and "stateful" not in status(app)
        assert not errors(app)


@pytest.mark.asyncio
async def test_ctrl_r_with_stateful_off_says_so():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "ctrl+r")
        assert "stateful is off: no state is carried (S turns it on)" in warnings(app)


@pytest.mark.asyncio
async def test_a_batch_of_another_size_starts_again_with_a_notice():
    app = make_app(Lab(LabConfig(stateful=True)))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "m", "j", "m")  # line 1, then lines 1 and 2 as a batch
        assert app.snapshot.batch_size == 2
        assert app.snapshot.initial_state_origin == "zeros"
        assert any("batch size changed from 1 to 2 rows" in message for message in warnings(app))
        await press(pilot, "m")  # back to one line: starts again too
        assert any("from 2 to 1 row" in message for message in warnings(app))
        assert not errors(app)


@pytest.mark.asyncio
async def test_fast_presses_of_S_and_j_end_where_the_keys_say():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, "S", "j", "j", "ctrl+r", "S", "S")
        await pilot.pause()
        await settle(pilot)
        assert app.snapshot.config.stateful and app.snapshot.selection == (3,)
        assert not errors(app)


@pytest.mark.asyncio
async def test_D_shows_the_masks_and_a_reseed_draws_new_ones():
    from tui_lab.tui.screens.dropout import DropoutScreen
    from tui_lab.tui.screens.lab import LabScreen

    config = LabConfig(cell="gru", units=6, dropout=0.3, recurrent_dropout=0.5, training=True)
    app = make_app(Lab(config))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "space", "D")
        assert isinstance(app.screen, DropoutScreen)
        table = text_of(app.screen.query_one("#dropout-masks"))
        masks = app.snapshot.dropout_masks
        first = " ".join("".join("■" if v > 0 else "·" for v in m[0]) for m in masks.input)
        assert table.count(first) == app.snapshot.timesteps  # the same mask at every step
        intro = text_of(app.screen.query_one("#dropout-intro"))
        assert "recurrent_dropout=0.5: kept × 2.000" in intro and "(z r h~)" in intro
        await press(pilot, "escape")
        assert isinstance(app.screen, LabScreen)
        await press(pilot, "r", "D")
        assert first not in text_of(app.screen.query_one("#dropout-masks"))
        burst(app, "escape", "D", "D")  # fast presses: one screen at a time, no crash
        await pilot.pause()
        await settle(pilot)
        assert not errors(app)


@pytest.mark.asyncio
async def test_D_with_training_off_says_no_mask_and_settings_turn_it_on():
    from tui_lab.tui.screens.dropout import DropoutScreen
    from tui_lab.tui.screens.settings import SettingsScreen

    app = make_app(Lab(LabConfig(dropout=0.5)))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "D")
        assert "training is off: Keras applies no dropout mask" in text_of(
            app.screen.query_one("#dropout-intro"))
        await press(pilot, "escape", "s")
        assert isinstance(app.screen, SettingsScreen)
        app.screen.query_one("#set-recurrent_dropout").value = "x"
        await settle(pilot)
        assert "recurrent_dropout must be a number such as 0.2" in app.screen.errors["recurrent_dropout"]
        app.screen.query_one("#set-recurrent_dropout").value = "0.25"
        app.screen.query_one("#set-training").value = True
        await settle(pilot)
        await press(pilot, "ctrl+s")
        assert app.snapshot.config.training and app.snapshot.config.recurrent_dropout == 0.25
        assert app.snapshot.dropout_masks is not None
        assert "dropout (training)" in status(app)
        await press(pilot, "D")
        assert isinstance(app.screen, DropoutScreen)
        assert "h_(t-1) units (i f g o)" in text_of(app.screen.query_one("#dropout-masks"))
