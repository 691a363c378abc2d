"""The Conv1D view (K) in the app: opened over the lab's input, stepped, its settings changed
(bad ones refused with a notification), closed with the main lab as it was. Its numbers are
checked here against keras.layers.Conv1D itself, with the view's weights."""

import numpy as np
import pytest

from pilot import burst, make_app, press, settle, text_of, warnings
from tui_lab import Lab, LabConfig
from tui_lab.core.conv import Conv1DStepper
from tui_lab.tui import conv_actions
from tui_lab.tui.screens.conv import ConvScreen
from tui_lab.tui.screens.lab import LabScreen
from tui_lab.tui.widgets.style import number


def keras_conv(conv, x):
    from tui_lab.core import tf_loader

    s = conv.settings
    layer = tf_loader.keras().layers.Conv1D(s.filters, s.kernel_size, padding=s.padding,
                                            dilation_rate=s.dilation_rate,
                                            activation=s.activation)
    layer.build((None,) + x.shape[1:])
    layer.set_weights([conv.kernel, conv.bias])
    return np.asarray(layer(x))


def shown(app, widget_id: str) -> str:
    return text_of(app.screen.query_one(widget_id))


@pytest.mark.asyncio
async def test_open_step_change_kernel_and_close_leaves_the_lab_unchanged():
    app = make_app(Lab(LabConfig(seed=3)))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "m", "j", "m", "space", "space", "space")  # lines 1 and 2, t=3
        before = app.snapshot
        await press(pilot, "K")
        screen = app.screen
        assert isinstance(screen, ConvScreen)
        assert "[oh] [oh] [yes]" in shown(app, "#conv-tokens")  # the next window, bracketed
        x_shape = tuple(before.batch.x.shape)
        assert shown(app, "#conv-check").splitlines()[0].rstrip() == (
            "Keras check: step once to compare with")
        await press(pilot, "space", "space", "right")
        conv = screen.stepper
        assert conv.stepped == 3 and conv.x is before.batch.x
        expected = keras_conv(conv, before.batch.x)
        np.testing.assert_allclose(conv.outputs, expected[:, :3], atol=1e-5, rtol=0)
        check = shown(app, "#conv-check").splitlines()
        assert check[0].startswith("Keras check: max |error| < 1e-5 ✓ (positions 0..2")
        assert check[1].strip().startswith(f"vs keras.layers.Conv1D, x {x_shape} → ")
        table = shown(app, "#conv-table").splitlines()
        assert table[1].split()[:2] == ["0", "0,1,2"]
        assert table[3].startswith("▶   2 2,3,4")
        # Beside output 0 (window 0..2): the lab's h after step 3, which read position 2.
        h = " ".join(number(float(v), 6, 3) for v in before.h[2][0])
        assert f"t3 {h}" in table[1]
        assert "t4: not stepped (lab at t3)" in table[2]
        assert "[yes] [i'm] [the]" in shown(app, "#conv-tokens")  # the window of position 2

        await press(pilot, "y")  # batch row 2: its outputs and its h
        table = shown(app, "#conv-table").splitlines()
        values = " ".join(number(float(v), 6, 3) for v in conv.outputs[1, 0])
        h = " ".join(number(float(v), 6, 3) for v in before.h[2][1])
        assert f"{values} │ t3 {h}" in table[1]
        assert "(row 2 of 2)" in shown(app, "#conv-about")
        await press(pilot, "plus")  # kernel_size 4: the Keras layer is built again
        conv = screen.stepper
        assert conv.settings.kernel_size == 4 and conv.stepped == 3 and conv.length == 4
        np.testing.assert_allclose(conv.outputs, keras_conv(conv, before.batch.x)[:, :3],
                                   atol=1e-5, rtol=0)
        await press(pilot, "left", "home", "end")
        assert conv.stepped == conv.length
        await press(pilot, "escape")
        assert isinstance(app.screen, LabScreen)
        assert app.conv_settings.kernel_size == 4  # kept for the next K
        after = app.snapshot
        assert after.t == before.t and after.config == before.config
        assert after.batch is before.batch and np.array_equal(after.h, before.h)


@pytest.mark.asyncio
async def test_bad_settings_are_refused_and_nothing_is_lost():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "K", "space", "space")
        screen = app.screen
        await press(pilot, "minus", "minus")  # kernel_size 1
        assert screen.stepper.settings.kernel_size == 1 and screen.stepper.stepped == 2
        await press(pilot, "minus")  # 0: refused
        assert any("kernel_size must be a whole number from 1 to 64, not 0" in w
                   for w in warnings(app))
        await press(pilot, "D")  # dilation 0: refused
        assert any("dilation_rate must be a whole number from 1 to 64, not 0" in w
                   for w in warnings(app))
        for _ in range(6):
            await press(pilot, "plus")  # 2..7 fit the 7 positions; 8 does not
        await press(pilot, "plus")
        assert any("kernel_size 8 spans 8 positions but the sequence has 7" in w
                   for w in warnings(app))
        assert screen.stepper.settings.kernel_size == 7 and screen.stepper.length == 1
        await press(pilot, "p")  # 'same': any kernel size fits
        await press(pilot, "plus")
        assert screen.stepper.settings.padding == "same"
        assert screen.stepper.settings.kernel_size == 8
        assert "∅" in shown(app, "#conv-tokens")  # the layer's zero padding is on screen
        assert isinstance(app.screen, ConvScreen)


@pytest.mark.asyncio
async def test_fast_double_presses(monkeypatch):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        built = []
        monkeypatch.setattr(conv_actions, "Conv1DStepper", lambda lab, **settings: (
            built.append(1) or Conv1DStepper(lab, **settings)))
        burst(app, "K", "K")  # twice before the first answer: one view, built once
        await pilot.pause()
        await settle(pilot)
        assert sum(isinstance(s, ConvScreen) for s in app.screen_stack) == 1
        assert len(built) == 1
        screen = app.screen
        # Each key builds on the one before, though no answer has come yet: dilation 2, then
        # kernel 4 (a span of 7), then kernel 5 (a span of 9 > 7) is refused.
        burst(app, "d", "plus", "plus")
        await pilot.pause()
        await settle(pilot)
        settings = screen.stepper.settings
        assert (settings.kernel_size, settings.dilation_rate) == (4, 2)
        assert any("kernel_size 5 at dilation_rate 2 spans 9" in w for w in warnings(app))
        burst(app, "escape", "escape")  # the second escape reaches the lab screen: it stays
        await pilot.pause()
        await settle(pilot)
        assert isinstance(app.screen, LabScreen)


@pytest.mark.asyncio
async def test_raw_vectors_and_wide():
    vectors = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    app = make_app(Lab(vectors=vectors))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await press(pilot, "K", "end")
        conv = app.screen.stepper
        np.testing.assert_allclose(conv.outputs, keras_conv(conv, vectors[None]), atol=1e-5)
        assert "[x[2]] [x[3]] [x[4]]" in shown(app, "#conv-tokens")
        assert "newest" in shown(app, "#conv-table")  # the wide table names the token too


@pytest.mark.asyncio
async def test_help_lists_the_key():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "question_mark")
        source = app.screen.query_one("Markdown").source
        assert "| K | Conv1D" in source and "**Conv1D** (*K*)" in source


@pytest.mark.asyncio
async def test_a_long_input_shows_the_latest_rows():
    from tui_lab.tui.widgets.conv_text import MAX_ROWS

    vectors = np.random.default_rng(1).normal(size=(MAX_ROWS + 100, 2)).astype(np.float32)
    app = make_app(Lab(vectors=vectors))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "K", "end")
        conv = app.screen.stepper
        assert conv.stepped == conv.length == MAX_ROWS + 98
        np.testing.assert_allclose(conv.outputs, keras_conv(conv, vectors[None]), atol=1e-5)
        table = shown(app, "#conv-table").splitlines()
        assert table[1].strip() == "… positions 0..97 above (home goes back)"
        assert len(table) == 2 + MAX_ROWS and table[-1].startswith(f"▶ {conv.length - 1} ")
        scroll = app.screen.query_one("#conv-scroll")
        assert scroll.scroll_y > 0  # the current row is in sight
        await press(pilot, "home")
        assert conv.stepped == 0 and scroll.scroll_y == 0
