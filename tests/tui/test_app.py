"""Pilot tests for the Textual app: every binding, settings validation and error notifications.

Each test drives the real app at 80x24 and checks the controller's snapshot and what the
panels show. TensorFlow is imported once per session (tf_loader caches it).
"""

from __future__ import annotations

import threading

import pytest

from tui_lab import Lab
from tui_lab.tui.app import LabApp
from tui_lab.tui.screens.help import HelpScreen
from tui_lab.tui.screens.lab import LAB_BINDINGS, LabScreen
from tui_lab.tui.screens.prompt import PromptScreen
from tui_lab.tui.screens.settings import SettingsScreen
from tui_lab.tui.widgets.gates import GatesPanel
from tui_lab.tui.widgets.grid import NumberGrid
from tui_lab.tui.widgets.layer import LayerPanel
from tui_lab.tui.widgets.lines import LinesPanel
from tui_lab.tui.widgets.tokens import TokensPanel

from pilot import errors, look_at, make_app, press, said, screen_rows, settle, text_of

pytestmark = pytest.mark.asyncio


def grid_text(grid: NumberGrid) -> str:
    return "\n".join(grid.render_line(y).text for y in range(grid.size.height))





async def test_every_binding_has_an_id_and_the_footer_keys_fit_80_columns():
    ids = [b.id for b in LAB_BINDINGS]
    assert all(ids) and len(ids) == len(set(ids))
    shown = [b for b in LAB_BINDINGS if b.show]
    assert {b.action for b in shown} >= {"app.step", "app.back", "app.settings", "app.help", "app.quit"}
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        footer = app.screen.query_one("Footer")
        assert footer.max_scroll_x == 0  # nothing shown in the Footer is cut off at 80 columns


async def test_lines_paint_before_tensorflow_and_numbers_follow():
    lab = Lab()
    release = threading.Event()
    real_build = lab.build

    def slow_build():
        release.wait(10)
        real_build()

    lab.build = slow_build
    app = LabApp(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LabScreen)
        assert "Oh-oh, yes, I'm the great pretender" in text_of(screen.query_one(LinesPanel))
        assert screen.query_one("#states").loading
        assert app.snapshot is None
        release.set()
        await settle(pilot)
        assert not screen.query_one("#states").loading
        assert app.snapshot.t == 0 and app.lab.is_built


async def test_the_status_bar_names_a_job_still_running_after_the_delay():
    """A job that takes longer than BUSY_DELAY is named in the status bar, until it is done;
    each job's timer asks about that job (job_running), not about whatever runs then."""
    from tui_lab.tui.jobs import BUSY_DELAY
    from tui_lab.tui.widgets.status import StatusBar

    app = make_app()
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        status = app.screen.query_one(StatusBar)
        release = threading.Event()
        quick = app.submit("Quick job", lambda lab: None)
        slow = app.submit("Slow job", lambda lab: release.wait(10))
        await pilot.pause(BUSY_DELAY * 3)
        assert app.job_running(slow) and not app.job_running(quick)
        assert "Slow job" in str(status.content) and "Quick job" not in str(status.content)
        release.set()
        await settle(pilot)
        assert "Slow job" not in str(status.content)


async def test_step_back_start_end_with_arrows_and_vim_keys():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "space", "space", "space")
        assert app.lab.snapshot().t == 3
        grid = app.screen.query_one("#states-grid", NumberGrid)
        assert "▶ 3  2 yes" in grid_text(grid)
        await press(pilot, "left")
        assert app.lab.t == 2
        await press(pilot, "h")
        assert app.lab.t == 1
        await press(pilot, "right", "l")
        assert app.lab.t == 3
        await press(pilot, "end")
        assert app.lab.snapshot().at_end
        await press(pilot, "home")
        assert app.lab.t == 0
        await press(pilot, "G")
        assert app.lab.t == 7
        await press(pilot, "g")
        assert app.lab.t == 0


async def test_play_steps_to_the_end_and_stops():
    app = make_app(play_interval=0.1)  # 0.05: 7 steps could end within one press and settle
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "p")
        assert app.playing
        for _ in range(100):
            await pilot.pause(0.05)
            await settle(pilot)
            if not app.playing:
                break
        assert not app.playing and app.lab.snapshot().at_end
        await pilot.press("p")  # from the end, play starts over
        assert app.playing
        await pilot.press("p")
        assert not app.playing
        await settle(pilot)
        assert app.lab.t < 7


async def test_lines_next_previous_and_a_marked_batch():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "down")
        assert app.lab.snapshot().selection == (2,)
        await press(pilot, "j", "j")
        assert app.lab.snapshot().selection == (4,)
        await press(pilot, "k", "up")
        assert app.lab.snapshot().selection == (2,)
        await press(pilot, "m", "j", "j", "m")  # mark lines 2 and 4: one batch of two
        snapshot = app.lab.snapshot()
        assert snapshot.selection == (2, 4) and snapshot.batch_size == 2
        await press(pilot, "space")
        assert app.lab.snapshot().h.shape == (1, 2, 4)
        lines = text_of(app.screen.query_one(LinesPanel))
        assert "▶● 4 I'm lonely" in lines and " ● 2 Pretending" in lines
        await press(pilot, "enter")
        assert app.lab.snapshot().selection == (4,)


async def test_cell_units_backwards_mask_and_reseed():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "space", "c")
        snapshot = app.lab.snapshot()
        assert snapshot.config.cell == "gru" and snapshot.t == 1  # the cursor is kept
        await look_at(pilot, "gates")
        assert "h_t = z*h_{t-1} + (1-z)*h~" in text_of(app.screen.query_one("#gates-equations"))
        await press(pilot, "c")
        assert app.lab.config.cell == "simple_rnn"
        await press(pilot, "c")
        assert app.lab.config.cell == "lstm"
        await press(pilot, "plus")
        assert app.lab.config.units == 5
        assert app.snapshot.t == 1  # new weights, the same step (as with a new cell)
        await press(pilot, "minus", "minus", "minus", "minus", "minus")
        assert app.lab.config.units == 1
        assert any("units must be at least 1" in m for m in errors(app))
        await press(pilot, "b")
        assert app.lab.snapshot().config.go_backwards
        assert list(app.lab.snapshot().order) == [6, 5, 4, 3, 2, 1, 0]
        await press(pilot, "z")
        assert app.lab.config.mask_padding
        await press(pilot, "r")
        assert app.lab.snapshot().weights_source == "seed 1"


async def test_type_a_sentence_marks_oov_words():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "t")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"I'm the zebra")
        await press(pilot, "enter")
        snapshot = app.lab.snapshot()
        assert snapshot.sentence == "I'm the zebra"
        assert snapshot.batch.rows[0].oov == (False, False, True)
        assert "zebra(OOV)" in text_of(app.screen.query_one(LinesPanel))
        await look_at(pilot, "tokens")
        assert "zebra:1(OOV)" in text_of(app.screen.query_one(TokensPanel))


async def test_open_a_missing_file_notifies_and_keeps_the_state(tmp_path):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "space", "space")
        await press(pilot, "o")
        await pilot.press(*str(tmp_path / "missing.txt"))
        await press(pilot, "enter")
        assert any("no such file" in m for m in errors(app))
        snapshot = app.lab.snapshot()
        assert snapshot.t == 2 and snapshot.source_name.startswith("The Great Pretender")
        good = tmp_path / "mine.txt"
        good.write_text("the cat sat\nthe dog ran far away\n")
        await press(pilot, "o")
        await pilot.press(*str(good))
        await press(pilot, "enter")
        assert app.lab.snapshot().lines == ("the cat sat", "the dog ran far away")
        assert "the dog ran far away" in text_of(app.screen.query_one(LinesPanel))


async def test_opening_a_big_text_shows_progress_and_esc_stops_it(tmp_path):
    from tui_lab.cli.bench import write_big_file

    big = tmp_path / "big.txt"
    write_big_file(big, 800_000)  # about 20,000 lines: fitted in chunks of 10,000
    app = make_app()
    reports = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.on_progress_shown = lambda m: reports.append((m.what, m.done, m.total))
        await press(pilot, "o")
        await pilot.press(*str(big))
        await press(pilot, "enter")
        assert app.lab.snapshot().source_name == str(big)
        assert reports[0][0] == "reading big.txt" and reports[-1][1] == reports[-1][2] > 10_000

        # Stopped as if esc came before the first chunk: nothing changes but a notice.
        await press(pilot, "o")
        await pilot.press(*str(big))
        original = app.lab.open_text

        def open_then_stop(path, progress=None, cancelled=None):
            app.action_cancel()
            return original(path, progress=progress, cancelled=cancelled)

        app.lab.open_text = open_then_stop
        app.lab.select_lines(3)
        await press(pilot, "enter")
        assert any("was cancelled" in m for m in errors(app))
        assert app.lab.snapshot().selection == (3,)


async def test_clicking_a_line_steps_it():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.show_panel("lines")
        await settle(pilot)
        panel = app.screen.query_one(LinesPanel)
        await pilot.click(panel, offset=(5, 3))  # the fourth row: line 4
        await settle(pilot)
        assert app.lab.snapshot().selection == (4,) and app.line_cursor == 4


async def test_export_to_a_missing_folder_notifies_and_a_good_path_writes(tmp_path):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "space")
        await press(pilot, "e")
        await pilot.press(*["backspace"] * 20)
        await pilot.press(*str(tmp_path / "nowhere" / "trace.json"))
        await press(pilot, "enter")
        assert any("does not exist" in m for m in errors(app))
        assert isinstance(app.screen, PromptScreen)  # refused in the dialog: the path stays
        await press(pilot, "escape")
        assert app.lab.t == 1
        for name in ("trace.json", "trace.npz"):
            await press(pilot, "e", "end", "ctrl+u")  # it opens with the last path typed
            await pilot.press(*str(tmp_path / name))
            await press(pilot, "enter")
            assert (tmp_path / name).stat().st_size > 0
        assert app.lab.t == 1


async def test_settings_validate_beside_the_field_and_never_lose_state():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "space", "space", "s")
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        units = screen.query_one("#set-units")
        units.value = "0"
        await pilot.pause()
        assert "units must be at least 1" in text_of(screen.query_one("#msg-units"))
        units.value = "many"
        await pilot.pause()
        assert "whole number" in text_of(screen.query_one("#msg-units"))
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, SettingsScreen)  # not applied, still open
        assert any("fix units first" in m for m in errors(app))
        units.value = "8"
        screen.query_one("#set-maxlen").value = ""
        screen.query_one("#set-cell").value = "gru"
        await pilot.pause()
        await press(pilot, "ctrl+s")
        snapshot = app.lab.snapshot()
        assert isinstance(app.screen, LabScreen)
        assert (snapshot.config.units, snapshot.config.cell, snapshot.config.maxlen) == (8, "gru", None)
        assert snapshot.t == 2


async def test_a_setting_the_lab_refuses_is_a_notification():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "space")
        app.submit("Settings", lambda lab: lab.configure(units=0))
        await settle(pilot)
        assert any("units must be at least 1" in m for m in errors(app))
        assert app.lab.config.units == 4 and app.lab.t == 1


async def test_help_explains_the_lesson_and_closes():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        markdown = app.screen.query_one("Markdown")
        source = markdown.source
        for phrase in ("What are h and c?", "final state equal its output", "units",
                       "go_backwards", "is* trained", "| ␣ right l |"):
            assert phrase in source
        await press(pilot, "escape")
        assert isinstance(app.screen, LabScreen)
        await press(pilot, "f1")
        assert isinstance(app.screen, HelpScreen)


async def test_help_jumps_to_its_keys_table_and_back_to_the_top():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "question_mark")
        view = app.screen.query_one("#help")
        assert view.scroll_y == 0 and "K Keys table" in " ".join(screen_rows(app)[-1].split())
        await press(pilot, "K")
        assert view.scroll_y > 0
        top = [row.strip("│ ") for row in screen_rows(app)[:6]]
        assert any(row.startswith("Keys (also in the command palette") for row in top), top
        await press(pilot, "g")
        assert view.scroll_y == 0


async def test_help_shows_every_key_and_its_whole_description():
    # The table as the help screen renders it: a | in a description (Reach's ||dh/dx||) had
    # ended its cell, and '=' showed as its key name, equals_sign.
    from textual.widgets._markdown import MarkdownTableContent

    from tui_lab.tui.screens.lab import LAB_BINDINGS

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "question_mark")
        table = list(app.screen.query(MarkdownTableContent))[-1]
        rows = {str(action): [str(keys), str(action)] for keys, action in table.rows}
        reach = next(cells for action, cells in rows.items() if action.startswith("Reach"))
        assert reach[1].endswith("||dh_t/dx_k|| for every input read so far")
        assert any(keys.split() == ["+", "="] for keys, _ in rows.values())
        assert len(rows) == len({b.action for b in LAB_BINDINGS})
        assert "equals_sign" not in str(table.rows)


async def test_textuals_palette_commands_as_a_learner_needs_them(tmp_path, monkeypatch):
    # One "Theme" (Textual's picker; d is "Dark / light"), no key panel that esc cannot close
    # (? is the help), and a screenshot saved where the learner is, saying where.
    from tui_lab.tui.palette import lab_commands

    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        commands = list(app.get_system_commands(app.screen))
        titles = [command.title for command in commands]
        assert titles.count("Theme") == 1 and "Keys" not in titles and "Quit" in titles
        assert not [name for name, _, _ in lab_commands() if name.startswith("Theme")]
        screenshot = next(command for command in commands if command.title == "Screenshot")
        screenshot.callback()
        await pilot.pause(0.3)
        saved = list(tmp_path.glob("*.svg"))
        assert len(saved) == 1 and said(app)[-1] == str(saved[0])
        gone = tmp_path / "gone"
        gone.mkdir()
        monkeypatch.chdir(gone)
        gone.rmdir()
        screenshot.callback()
        await pilot.pause(0.3)
        assert "No such file or directory" in errors(app)[-1]
        assert app.crash is None


async def test_panels_tabs_theme_scroll_and_quit():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.has_class("-narrow")
        assert screen.current_panel.id == "states"
        await press(pilot, "tab")
        assert screen.current_panel.id == "layer"
        await press(pilot, "shift+tab", "shift+tab")
        assert screen.current_panel.id == "embeddings"
        await press(pilot, "pagedown", "pageup", "right_square_bracket", "left_square_bracket")
        dark = app.current_theme.dark
        await press(pilot, "d")
        assert app.current_theme.dark != dark
        await press(pilot, "end")
        await press(pilot, "tab", "tab")
        assert "state c" in text_of(screen.query_one(LayerPanel))
        await press(pilot, "tab")
        assert "c_t = f*c_{t-1} + i*g" in text_of(screen.query_one("#gates-equations"))
        assert "learned" in grid_text(screen.query_one(GatesPanel).query_one(NumberGrid))
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_a_step_redraws_only_what_it_changed(monkeypatch):
    """A step moves the ▶ markers: the embeddings and state tables draw two rows again (the
    old and the new marked row), not the whole table; the lines panel is not even updated."""
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await press(pilot, "space")
        lines = app.screen.query_one(LinesPanel).content
        drawn = []
        draw_row = NumberGrid.draw_row

        def spy(grid, row):
            drawn.append((grid.id, row))
            return draw_row(grid, row)

        monkeypatch.setattr(NumberGrid, "draw_row", spy)
        await press(pilot, "space")
        assert app.lab.t == 2
        assert sorted(row for grid, row in drawn if grid == "embeddings-grid") == [0, 1]
        # (the state table's row 0 is the initial state: steps 1 and 2 are rows 1 and 2)
        assert sorted(row for grid, row in drawn if grid == "states-grid") == [1, 2]
        assert app.screen.query_one(LinesPanel).content is lines


async def test_wide_terminal_shows_every_panel_and_small_one_a_notice():
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert app.screen.has_class("-wide")
        assert all(panel.display for panel in app.screen.query(".panel"))
    app = make_app()
    async with app.run_test(size=(50, 15)) as pilot:
        await settle(pilot)
        assert app.screen.has_class("-too-small")
        assert app.screen.query_one("#too-small").display


async def test_command_palette_runs_lab_actions():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Reseed")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.2)
        await settle(pilot)
        assert app.lab.config.seed == 1


async def test_no_color_still_shows_signed_numbers(monkeypatch):
    colour = make_app()
    async with colour.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "space")
        assert "blue < 0 < red" in text_of(colour.screen.query_one("#states-legend"))
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    assert app.no_color
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "space", "space")
        svg = app.export_screenshot()
        assert "+0.005" in svg and "-0.009" in svg  # numbers carry their sign without colour
        legend = text_of(app.screen.query_one("#states-legend"))
        assert "blue" not in legend and "sign: − below 0, + above" in legend  # no colour named


@pytest.mark.parametrize("engine,status,layer,check", [
    # The Keras cell's steps and the Keras layer run the same float32 operations: exactly
    # equal. numpy's equations round differently.
    ("keras", "Keras cell", "engine: Keras cell API (compiled): cell(x_t, [h, c]) each step",
     "0 ✓ bit for bit"),
    ("numpy", "numpy equations", "engine: numpy equations, checked against the cell\n",
     "< 1e-5 ✓"),
])
async def test_the_engine_that_made_the_numbers_is_named(engine, status, layer, check):
    from tui_lab import LabConfig
    from tui_lab.tui.widgets.status import StatusBar

    app = make_app(Lab(LabConfig(engine=engine)))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "space", "end")
        assert f" LSTM(4)  {status} · line 1 · step 7/7" in text_of(app.screen.query_one(StatusBar))
        await look_at(pilot, "layer")
        readout = app.screen.query_one(LayerPanel).content.plain
        assert layer in readout
        # Float errors on screen at a fixed resolution (the exact value is in the snapshot).
        assert (f"max |error| steps vs layer: {check}\nnumpy equations vs cell: < 1e-5 ✓"
                in readout)


async def test_settings_switches_say_on_or_off_in_words(monkeypatch):
    """Under NO_COLOR a Switch draws no visible slider: each switch has its state as a word."""
    from textual.widgets import Label, Switch

    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        word = lambda: str(screen.query_one("#state-go_backwards", Label).content)
        assert word() == "off" and str(screen.query_one("#state-use_bias", Label).content) == "on"
        screen.query_one("#set-go_backwards", Switch).toggle()
        await pilot.pause()
        assert word() == "on"
