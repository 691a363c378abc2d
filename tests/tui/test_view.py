"""The view's two settings (issue 10, items 5 and 6): the batch row the panels focus on (y / Y)
and the digits every number is printed with (< / >, the settings screen, the session).

What the panels print is read back as text and compared with keras.layers.LSTM(...,
return_sequences=True, return_state=True) built here with the lab's weights, within 1e-5.
Eight-digit random-weight values are never compared as text: their last digits depend on the
machine's CPU and threads.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from tui_lab import Lab, LabConfig
from tui_lab.cli.main import app_from_args
from tui_lab.errors import LabError
from tui_lab.tui import session
from tui_lab.tui.screens.lab import LabScreen
from tui_lab.tui.screens.settings import SettingsScreen
from tui_lab.tui.widgets.embeddings import EmbeddingsPanel
from tui_lab.tui.widgets.gates import GatesPanel
from tui_lab.tui.widgets.grid import NumberGrid
from tui_lab.tui.widgets.header import InputHeader
from tui_lab.tui.widgets.layer import LayerPanel
from tui_lab.tui.widgets.states import StatesPanel, Trajectories
from tui_lab.tui.widgets.status import StatusBar
from tui_lab.tui.widgets.tokens import TokensPanel

from pilot import errors, look_at, make_app, press, settle, text_of, warnings

TOL = 1e-5


def printed(text: str, digits: int) -> list[float]:
    """The signed numbers with exactly `digits` decimals in a line of a panel."""
    return [float(n) for n in re.findall(rf"(?<![\d.])[+-]\d+\.\d{{{digits}}}(?![\d.])", text)]


def layer_outputs(keras, snapshot):
    """keras.layers.LSTM(units, return_sequences=True, return_state=True) with the lab's
    weights on the lab's input: (sequence (B, T, units), h (B, units), c (B, units))."""
    config = snapshot.config
    assert config.cell == "lstm" and not config.mask_padding
    layer = keras.layers.LSTM(config.units, return_sequences=True, return_state=True,
                              go_backwards=config.go_backwards)
    x = np.asarray(snapshot.batch.x, np.float32)
    layer.build((None, None, x.shape[2]))
    layer.set_weights(snapshot.weights.cell_weights())
    return [np.asarray(o) for o in layer(x)]


def grid_row(app, panel, row: int) -> str:
    """One row of a panel's NumberGrid as drawn on screen (-1: the header)."""
    return app.screen.query_one(panel).query_one(NumberGrid).draw_row(row).text


def layer_line(app, start: str) -> str:
    text = app.screen.query_one(LayerPanel).content.plain
    return next(line for line in text.splitlines() if line.lstrip().startswith(start))


def status(app) -> str:
    return text_of(app.screen.query_one(StatusBar))


# ----- digits ---------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_digits_by_key_print_the_layers_values_and_never_touch_the_lab(keras):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "space", "space", "space")
        before = app.snapshot
        assert printed(grid_row(app, StatesPanel, 2), 3)  # the default: 3 digits
        await press(pilot, *[">"] * 5)
        assert app.view.digits == 8 and not warnings(app)
        # A view change: no Lab call, so the same step, the same weights, the same history.
        assert app.snapshot is before and app.lab.t == 3
        assert app.lab.snapshot().history_id == before.history_id
        grid = app.screen.query_one(StatesPanel).query_one(NumberGrid)
        assert grid.cell == 12 and "h0" in grid.draw_row(-1).text
        sequence, h, c = layer_outputs(keras, app.snapshot)
        for k in range(3):  # step k's h (row k + 1: row 0 is the initial state): sequence[:, k]
            values = printed(grid.draw_row(k + 1).text, 8)
            assert len(values) >= 4
            np.testing.assert_allclose(values[:4], sequence[0, k], atol=TOL)
        trajectory = app.screen.query_one(Trajectories).render_line(0).text
        np.testing.assert_allclose(printed(trajectory, 8), sequence[0, 2, :1], atol=TOL)
        # The columns are as wide as the digits, and ] still scrolls sideways (here to the
        # end: 8 columns of 12 characters, 5 beside the labels), the last column whole.
        assert grid.draw_row(-1).text.split()[3:] == ["h0", "h1", "h2", "h3", "c0"]
        await press(pilot, "right_square_bracket")
        assert grid.scroll_x > 0
        assert grid.draw_row(-1).text.split()[3:] == ["h3", "c0", "c1", "c2", "c3"]
        await press(pilot, "end")
        sequence, h, c = layer_outputs(keras, app.snapshot)
        np.testing.assert_allclose(printed(grid.draw_row(7).text, 8)[-4:], c[0], atol=TOL)
        await look_at(pilot, "layer")
        np.testing.assert_allclose(printed(layer_line(app, "state h"), 8), h[0], atol=TOL)
        np.testing.assert_allclose(printed(layer_line(app, "state c"), 8), c[0], atol=TOL)
        await press(pilot, "tab")  # from Layer to Gates: h_t of the last step is its last column
        gates = app.screen.query_one(GatesPanel).query_one(NumberGrid)
        assert gates.cell == 12
        await press(pilot, *["right_square_bracket"] * 2)
        for unit in range(4):
            assert printed(gates.draw_row(unit).text, 8)[-1] == pytest.approx(h[0, unit], abs=TOL)
        await press(pilot, "tab", "tab", "tab")  # Embed
        embedded = printed(grid_row(app, EmbeddingsPanel, 0), 8)
        np.testing.assert_allclose(embedded, app.snapshot.batch.x[0, 0], atol=TOL)
        await press(pilot, ">")
        assert warnings(app) == ["8 digits is the most the panels show (3 to 8)"]
        await press(pilot, *["<"] * 6)
        assert app.view.digits == 3
        assert "3 digits is the fewest the panels show (3 to 8)" in warnings(app)
        await look_at(pilot, "layer")  # filled in again as it comes into view
        assert printed(layer_line(app, "state h"), 3)


@pytest.mark.asyncio
async def test_digits_in_the_settings_screen_refuse_bad_values_and_keep_the_step(keras):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "space", "space", "s")
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        digits = screen.query_one("#set-digits")
        assert digits.value == "3"
        for typed, message in (("9", "digits must be a whole number from 3 to 8, not 9"),
                               ("2", "digits must be a whole number from 3 to 8, not 2"),
                               ("many", "digits must be a whole number, not 'many'")):
            digits.value = typed
            await pilot.pause()
            assert message in text_of(screen.query_one("#msg-digits"))
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, SettingsScreen)  # refused: one clear message
        assert errors(app) == ["fix digits first: digits must be a whole number, not 'many'"]
        digits.value = "8"
        await pilot.pause()
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, LabScreen) and app.view.digits == 8
        assert app.lab.t == 2 and app.lab.config == LabConfig()  # nothing rebuilt
        sequence, h, c = layer_outputs(keras, app.snapshot)
        np.testing.assert_allclose(printed(grid_row(app, StatesPanel, 2), 8)[:4], sequence[0, 1],
                                   atol=TOL)
        # Digits and a LabConfig field at once: the view changes, the lab reconfigures.
        await press(pilot, "s")
        app.screen.query_one("#set-digits").value = "5"
        app.screen.query_one("#set-units").value = "6"
        await pilot.pause()
        await press(pilot, "ctrl+s")
        assert app.view.digits == 5 and app.lab.config.units == 6 and app.lab.t == 2
        assert len(printed(grid_row(app, StatesPanel, 1), 5)) >= 6


@pytest.mark.asyncio
async def test_digits_refused_from_python():
    with pytest.raises(LabError, match="digits must be a whole number from 3 to 8, not 12"):
        make_app(digits=12)
    app = make_app(digits=6)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        with pytest.raises(LabError, match="not True"):
            app.set_digits(True)
        assert app.view.digits == 6


# ----- the batch row in focus -----------------------------------------------------------------
@pytest.mark.asyncio
async def test_the_focused_batch_row_is_the_layers_row(keras):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # Typed ahead, as a terminal delivers them: y waits for the batch that m j m makes.
        for key in ("m", "j", "m", "y"):
            await pilot.press(key)
        await settle(pilot)
        assert app.snapshot.batch_size == 2 and app.view.row == 1
        assert " row 2/2 " in status(app)
        # The input header (narrow: above the tabs) shows the focused row's line and ids.
        second = app.snapshot.batch.rows[1]
        header = text_of(app.screen.query_one(InputHeader)).splitlines()
        assert header[0].startswith(f"batch of 2 · {app.snapshot.batch.labels[1]}  ")
        assert header[1].startswith("→ ids [" + " ".join(str(int(i)) for i in second.padded))
        await press(pilot, "end", *[">"] * 5)
        sequence, h, c = layer_outputs(keras, app.snapshot)
        assert not np.allclose(h[0], h[1], atol=1e-3)  # two rows that differ
        await look_at(pilot, "layer")
        assert layer_line(app, "final values") == (
            "final values (batch row 2 of 2), last step of the layer (y: next row):")
        np.testing.assert_allclose(printed(layer_line(app, "state h"), 8), h[1], atol=TOL)
        np.testing.assert_allclose(printed(layer_line(app, "state c"), 8), c[1], atol=TOL)
        np.testing.assert_allclose(printed(layer_line(app, "output = sequence[:, -1]"), 8),
                                   sequence[1, -1], atol=TOL)
        np.testing.assert_allclose(printed(layer_line(app, "k=2"), 8), sequence[1, 2], atol=TOL)
        # States: every row's columns, the focused row's scrolled into view and its tokens.
        await look_at(pilot, "states")
        states = app.screen.query_one(StatesPanel).query_one(NumberGrid)
        header = states.draw_row(-1).text.split()
        assert header[:4] == ["t", "pos", "2:token", "2:h0"]
        np.testing.assert_allclose(printed(states.draw_row(7).text, 8)[:4], h[1], atol=TOL)
        assert app.screen.query_one(Trajectories).render_line(0).text.split()[0] == "2:h0"
        await press(pilot, "y")  # round to row 1
        assert app.view.row == 0 and " row 1/2 " in status(app)
        assert states.draw_row(-1).text.split()[:4] == ["t", "pos", "1:token", "1:h0"]
        await look_at(pilot, "layer")
        np.testing.assert_allclose(printed(layer_line(app, "state h"), 8), h[0], atol=TOL)
        assert states.draw_row(-1).text.split()[:4] == ["t", "pos", "1:token", "1:h0"]
        await press(pilot, "Y")
        assert app.view.row == 1


@pytest.mark.asyncio
async def test_the_embed_labels_belong_to_the_row_they_stand_beside():
    """Line 1 'oh-oh ...' has no padding; line 2 is padded 'pre' with two zeros: beside row 2's
    padding vectors the labels say 2:id 0, pad (not line 1's '8 oh')."""
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:  # every panel on screen
        await settle(pilot)
        await press(pilot, "m", "j", "m")
        x = app.snapshot.batch.x
        assert grid_row(app, EmbeddingsPanel, -1).split() == ["pos", "1:id", "1:token", "1:x0",
                                                                "1:x1", "1:x2", "1:x3"]
        assert grid_row(app, EmbeddingsPanel, 0).split()[:3] == ["0", "8", "oh"]
        await press(pilot, "y")
        assert grid_row(app, EmbeddingsPanel, -1).split() == ["pos", "2:id", "2:token", "2:x0",
                                                                "2:x1", "2:x2", "2:x3"]
        for position, (ident, token) in enumerate([("0", "pad"), ("0", "pad"),
                                                   ("17", "pretending")]):
            row = grid_row(app, EmbeddingsPanel, position)
            assert row.split()[:3] == [str(position), ident, token]
            np.testing.assert_allclose(printed(row, 3), x[1, position], atol=5e-4)
        # Tokens and States show both rows and mark the focused one (reverse: no colour needed).
        tokens = app.screen.query_one(TokensPanel).content
        marked = [tokens.plain[s.start:s.end] for s in tokens.spans if s.style == "bold reverse"]
        assert marked == ["line 2", "2:id", "2:token"]
        header = app.screen.query_one(StatesPanel).query_one(NumberGrid).draw_row(-1)
        reversed_ = [seg.text.strip() for seg in header if seg.style and seg.style.reverse]
        assert reversed_ == [f"2:{s}{u}" for s in "hc" for u in range(4)]
        await press(pilot, "space")
        gates = text_of(app.screen.query_one("#gates-where"))
        assert "batch row 2 of 2, position 0 'pad'" in gates
        assert grid_row(app, GatesPanel, 0).split()[0] == "2:0"


@pytest.mark.asyncio
async def test_the_focus_clamps_when_the_batch_shrinks_and_needs_a_batch():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "y")
        assert app.view.row == 0
        assert warnings(app) == ["one row in this input: mark lines with m (then j, m) to step "
                                 "a batch"]
        await press(pilot, "m", "j", "m", "j", "m", "Y")  # lines 1, 2, 3: the last row
        assert app.view.row == 2 and " row 3/3 " in status(app)
        await press(pilot, "m")  # line 3 unmarked: two rows left
        assert app.snapshot.batch_size == 2 and app.view.row == 1
        assert " row 2/2 " in status(app)
        # The input header (narrow: above the tabs) shows the focused row's line and ids.
        second = app.snapshot.batch.rows[1]
        header = text_of(app.screen.query_one(InputHeader)).splitlines()
        assert header[0].startswith(f"batch of 2 · {app.snapshot.batch.labels[1]}  ")
        assert header[1].startswith("→ ids [" + " ".join(str(int(i)) for i in second.padded))
        await look_at(pilot, "layer")
        assert "sequence (batch row 2 of 2)" in app.screen.query_one(LayerPanel).content.plain
        await press(pilot, "enter")  # just the cursor line
        assert app.snapshot.batch_size == 1 and app.view.row == 0
        assert " line 3 " in status(app)


@pytest.mark.asyncio
async def test_raw_vectors_rows_are_focused_too(keras):
    """The lesson's tf.random.normal([2, 2, 2]) case, with three rows."""
    x = np.random.default_rng(3).normal(size=(3, 4, 2)).astype(np.float32)
    app = make_app(Lab(LabConfig(units=2), vectors=x))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await press(pilot, "end", "y", "y", *[">"] * 5)
        assert " row 3/3 " in status(app)
        sequence, h, c = layer_outputs(keras, app.snapshot)
        np.testing.assert_allclose(printed(layer_line(app, "state h"), 8), h[2], atol=TOL)
        np.testing.assert_allclose(printed(grid_row(app, EmbeddingsPanel, 1), 8), x[2, 1],
                                   atol=TOL)


@pytest.mark.asyncio
async def test_the_model_bar_prints_probabilities_with_the_digits():
    from tui_lab.trained.loading import shipped_model_path
    from tui_lab.tui.widgets.model_bar import ModelBar

    app = make_app(model={"path": shipped_model_path()})
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await press(pilot, "space", *[">"] * 5)
        bar = text_of(app.screen.query_one(ModelBar))
        word, p = re.search(r"next: (\S+) (0\.\d{7})\b", bar).groups()  # one digit fewer
        best = app.snapshot.model.next_words[0]
        assert word == best.word and float(p) == pytest.approx(best.probability, abs=1e-6)
        await press(pilot, "w")
        app.screen.query_one("#gen-seed").value = "too real"
        await pilot.pause()
        await press(pilot, "enter", "n")
        bar = text_of(app.screen.query_one(ModelBar))
        shown = [float(p) for p in re.findall(r"p=(\d\.\d{8}) ", bar)]
        top = [c.probability for c in app.snapshot.model.generation.top]
        assert len(shown) == len(top) > 1
        np.testing.assert_allclose(shown, top, atol=1e-7)


# ----- the session ----------------------------------------------------------------------------
def start(argv):
    app = app_from_args(argv)
    app.animation_level = "none"
    return app


@pytest.mark.asyncio
async def test_digits_and_the_focused_row_come_back_with_the_session():
    app = start([])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "m", "j", "m", "space", "y", ">", ">")
    saved = json.loads(session.session_path().read_text())
    assert saved["digits"] == 5 and saved["row"] == 1
    app = start([])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.view.digits == 5 and app.view.row == 1 and app.snapshot.batch_size == 2
        assert len(printed(grid_row(app, StatesPanel, 0), 5)) >= 4
    app = start(["--fresh"])  # a fresh start: the default view
    assert app.view.digits == 3


@pytest.mark.parametrize("view,reason", [
    ('"digits": 9', "the view is wrong: digits must be a whole number from 3 to 8, not 9"),
    ('"digits": "5"', "the view is wrong: digits must be a whole number, not '5'"),
    ('"row": -1', "the view is wrong: the batch row must be a whole number of at least 0"),
])
def test_a_bad_view_in_the_session_is_refused_with_one_message(tmp_path, view, reason):
    path = tmp_path / "session.json"
    path.write_text('{"version": 1, ' + view + "}")
    result, notice = session.load(path)
    assert result is None and reason in notice and "session.json.bad" in notice


def test_a_session_from_before_the_view_was_saved_has_the_default_view(tmp_path):
    path = tmp_path / "session.json"
    path.write_text('{"version": 1, "step": 2}')
    saved, notice = session.load(path)
    assert notice is None and (saved.digits, saved.row, saved.step) == (3, 0, 2)
