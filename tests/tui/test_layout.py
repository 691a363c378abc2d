"""Nothing cut off without a way to reach it, the stepped line always in view, and the first
screen at 80x24 showing the flow (issue 10): checked on the rows the terminal would show."""

from __future__ import annotations

import numpy as np
import pytest

from tui_lab import Lab, LabConfig
from tui_lab.tui.widgets.header import CURRENT, InputHeader, window
from tui_lab.tui.widgets.layer import LayerPanel
from tui_lab.tui.widgets.tokens import TokensPanel

from pilot import look_at, make_app, press, screen_rows, settle, warnings


def seen(app) -> str:
    return "\n".join(screen_rows(app))


async def scroll_to_bottom(pilot, pane) -> None:
    for _ in range(20):
        if pane.scroll_y >= pane.max_scroll_y:
            return
        await press(pilot, "pagedown")


@pytest.mark.asyncio
async def test_layer_grown_while_hidden_scrolls_to_its_last_line():
    """Seen at 80x24: `end` on another tab, then Layer stopped at k=4 with no scrollbar."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "tab", "tab")  # Layer shown (short), then Gates
        await press(pilot, "end")  # Layer grows while hidden
        await press(pilot, "shift+tab")
        pane = app.screen.query_one("#layer")
        values = app.screen.query_one(LayerPanel)._values
        assert values.size.height == values.get_content_height(
            values.container_size, app.size, values.size.width)  # measured, not the old height
        assert pane.max_scroll_y > 0 and pane.show_vertical_scrollbar
        await scroll_to_bottom(pilot, pane)
        shown = seen(app)
        assert "k=6" in shown and "max |error| steps vs layer" in shown


@pytest.mark.asyncio
async def test_tokens_of_a_batch_show_every_row():
    """Seen at 80x24: Tokens of a batch stopped at `2:id`, no `2:token` nor `step` row."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.show_panel("tokens")
        await press(pilot, "space")
        app.screen.show_panel("states")
        await press(pilot, "m", "j", "m")  # a batch of two lines, made while Tokens is hidden
        app.screen.show_panel("tokens")
        await settle(pilot)
        panel = app.screen.query_one(TokensPanel)
        assert panel.size.height == len(panel.content.plain.splitlines())
        await scroll_to_bottom(pilot, app.screen.query_one("#tokens"))
        shown = seen(app)
        for row in ("2:id", "2:token", "step  ", "padding='pre'"):
            assert row in shown, row


@pytest.mark.parametrize("size", [(80, 24), (160, 48), (60, 20)])
@pytest.mark.asyncio
async def test_prompt_titles_are_whole_and_their_details_wrap(size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for key, title, detail in (
                ("o", "Open a file", "a trained model (.keras); lyrics: the built-in lyrics."),
                ("t", "Type a sentence", "unknown words become <OOV>."),
                ("e", "Export the trace", "(the suffix picks the format).")):
            await press(pilot, key)
            box = app.screen.query_one("#prompt").region  # at 160 columns, panels beside it
            rows = screen_rows(app)[box.y:box.bottom]
            words = " ".join(" ".join(row[box.x:box.right] for row in rows).replace("│", " ").split())
            assert title in words and detail in words, (key, words)
            await press(pilot, "escape")


@pytest.mark.parametrize("size", [(60, 20), (80, 24), (160, 48)])
@pytest.mark.asyncio
async def test_footer_keys_are_never_cut(size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        footer = app.screen.query_one("Footer")
        assert footer.max_scroll_x == 0
        row = screen_rows(app)[-1]
        for label in ("Step", "Back", "End", "Cell", "Settings", "Help", "Quit"):
            assert f" {label}" in row, (label, row)
        assert ("palette" in row) == (size[0] >= 80)  # ctrl+p still works, and is in help


@pytest.mark.parametrize("size", [(160, 48), (80, 24)])
@pytest.mark.asyncio
async def test_the_cursor_line_stays_in_view(size):
    """Seen at 160x48 with --line 21: lines 13-20 shown, the cursor line `▶●21` below them."""
    lab = Lab()
    lab.select_lines(21)
    app = make_app(lab)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        app.screen.show_panel("lines")
        await settle(pilot)
        assert "▶●21 Pretending that you're still around" in seen(app)
        for number in range(20, 0, -1):  # k walks up every line (none is blank)
            await press(pilot, "k")
            assert f"▶●{number:>2} " in seen(app), number
        for number in range(2, 22):
            await press(pilot, "j")
            assert f"▶●{number:>2} " in seen(app), number
        await press(pilot, "pagedown", "tab", "shift+tab")
        assert "▶●21 " in seen(app)


@pytest.mark.asyncio
async def test_a_long_cursor_line_wraps_without_hiding_its_neighbours(tmp_path):
    path = tmp_path / "long.txt"
    long_line = " ".join(f"word{i}" for i in range(60))
    path.write_text("\n".join(["first line", "the line before", long_line, "the line after",
                               "last line"]) + "\n")
    lab = Lab(text=path)
    lab.select_lines(3)
    app = make_app(lab)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        rows = seen(app)
        assert "2 the line before" in rows and "4 the line after" in rows
        assert "▶●3 word0 word1" in rows and "word20" in rows  # its second row
        await press(pilot, "k")
        rows = seen(app)
        assert "▶●2 the line before" in rows and "3 word0 word1" in rows
        assert "word20" not in rows  # not the cursor: one row, cut with …


@pytest.mark.asyncio
async def test_first_screen_at_80x24_shows_the_line_its_ids_and_the_initial_state():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        rows = screen_rows(app)
        assert app.screen.current_panel.id == "states"
        assert rows[1].strip() == "line 1  oh oh yes i'm the great pretender"
        assert rows[2].strip().startswith("→ ids [8 8 9 2 4 10 11]")
        shown = "\n".join(rows)
        assert "space steps" in shown
        initial = next(row for row in rows if "· initial " in row)
        assert initial.startswith("▶ 0") and initial.split()[-8:] == ["+0.000"] * 8  # h_0, c_0
        assert "h_0, c_0 (zeros)" in shown


@pytest.mark.asyncio
async def test_the_initial_state_row_is_the_labs_own():
    lab = Lab(LabConfig(cell="lstm", units=2))
    lab.set_initial_state(h=np.array([0.25, -0.5]), c=np.array([0.125, 0.75]))
    app = make_app(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        initial = next(row for row in screen_rows(app) if "· initial " in row)
        assert initial.split()[-4:] == ["+0.250", "-0.500", "+0.125", "+0.750"]
        assert "h_0, c_0 (as given)" in seen(app)
        await press(pilot, "space", "space")
        rows = screen_rows(app)
        assert any(row.startswith("  0") and "· initial " in row for row in rows)  # still row 0
        assert any(row.startswith("▶ 2") for row in rows)


def marked(header: InputHeader) -> list[str]:
    """The header's texts drawn as the current position (words row and ids row)."""
    content = header.content
    return [content.plain[span.start:span.end] for span in content.spans
            if str(span.style) == CURRENT]


@pytest.mark.asyncio
async def test_the_header_follows_steps_lines_batches_and_inputs():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        header = app.screen.query_one(InputHeader)
        assert marked(header) == []  # before the first step the next position is underlined
        await press(pilot, "space", "space", "space")
        assert marked(header) == ["yes", "9"]
        await press(pilot, "j", "space")
        rows = screen_rows(app)
        assert rows[1].strip() == "line 2  pretending that i'm doing well"
        assert rows[2].strip() == "→ ids [0 0 17 18 2 45 46]  step 1/7"
        assert marked(header) == ["0"]  # a padding position: no word is read
        await press(pilot, "m", "k", "m")
        assert screen_rows(app)[1].strip().startswith("batch of 2 · line 1  oh oh yes")
        app.submit("Type", lambda lab: lab.type_sentence("the great unknownword"))
        await settle(pilot)
        assert screen_rows(app)[1].strip().startswith("typed  the great unknownword")
        app.submit("Vectors", lambda lab: lab.set_vectors(np.zeros((2, 5, 3))))
        await settle(pilot)
        assert screen_rows(app)[1].strip().startswith("raw vectors 2 x 5 x 3")
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert not app.screen.query_one(InputHeader).display  # wide: the Tokens panel is there


@pytest.mark.asyncio
async def test_a_long_line_is_cut_around_the_current_position(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text(" ".join(f"w{i}" for i in range(300)) + "\n")
    app = make_app(Lab(LabConfig(num_words=1000, maxlen=None), text=path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.submit("Seek", lambda lab: lab.seek(150))
        await settle(pilot)
        words, ids = screen_rows(app)[1:3]
        assert words.strip().startswith("line 1  …") and words.rstrip().endswith("…")
        assert ids.strip().startswith("→ ids …") and "step 150/300" in ids
        assert marked(app.screen.query_one(InputHeader)) == ["w149", str(app.snapshot.batch.rows[0].ids[149])]
        # the current word is in the middle, give or take a word
        middle = words.index("w149")
        assert abs(middle - len(words.rstrip()) / 2) < 12


def test_window_keeps_the_focus_in_the_middle():
    assert window(0, lambda i: 2, 0, 10) == range(0)
    assert window(5, lambda i: 2, 2, 100) == range(0, 5)
    assert window(100, lambda i: 2, 50, 10) == range(48, 53)
    assert window(100, lambda i: 2, 0, 10) == range(0, 5)
    assert window(100, lambda i: 2, 99, 10) == range(95, 100)
    assert window(3, lambda i: 50, 1, 10) == range(1, 2)  # the focus even when too wide


@pytest.mark.asyncio
async def test_the_status_bar_keeps_what_matters_at_60_columns():
    """At 60 columns the status bar lets go of what other panels show too (the seed, the
    engine, forward, mask off) instead of cutting the line at its end."""
    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        await press(pilot, "b", "z", "m", "j", "m", "end")
        assert screen_rows(app)[0].strip() == "LSTM(4)  row 1/2 · step 7/7 (end) · backwards · mask on"
        await pilot.resize_terminal(80, 24)
        await press(pilot, "b")
        assert screen_rows(app)[0].strip() == ("LSTM(4)  Keras cell · row 1/2 · step 7/7 (end) · "
                                               "forward · mask on · seed 0")


# ----- a focused panel scrolls with the arrows; the step keys come back on esc -----------------
@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
@pytest.mark.asyncio
async def test_a_focused_panel_scrolls_with_the_arrows_and_esc_gives_them_back(size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await press(pilot, "end")
        app.screen.show_panel("layer")
        await settle(pilot)
        pane = app.screen.query_one("#layer")
        assert pane.max_scroll_y > 0 or size[1] > 24  # (tall enough at 160x48)
        await press(pilot, "F")
        assert app.screen.focused is pane
        assert "arrows scroll Layer (esc)" in screen_rows(app)[0]
        assert "esc Arrows step" in screen_rows(app)[-1]
        if pane.max_scroll_y:
            await press(pilot, "down", "down")
            assert pane.scroll_y == 2
            await press(pilot, "end")
            assert pane.scroll_y == pane.max_scroll_y
            assert "numpy equations vs cell" in seen(app)
            await press(pilot, "home")
            assert pane.scroll_y == 0
        assert app.snapshot.t == 7  # the arrows, home and end moved no step
        await press(pilot, "h", "space")  # the letters still step
        assert app.snapshot.t == 7
        await press(pilot, "escape")
        assert app.screen.focused is None
        assert "arrows scroll" not in screen_rows(app)[0]
        await press(pilot, "left")  # the arrows step again
        assert app.snapshot.t == 6
        await press(pilot, "up")  # and move the line (none above line 1: still line 1)
        assert app.line_cursor == 1


@pytest.mark.asyncio
async def test_a_focused_table_scrolls_down_and_sideways():
    """States of 32 units at 8 digits at 80x24: rows below and columns beside the screen."""
    app = make_app(Lab(LabConfig(units=32)), digits=8)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "end", "F")
        grid = app.screen.query_one("#states-grid")
        assert app.screen.focused is app.screen.query_one("#states")
        assert grid.max_scroll_x > 0
        await press(pilot, "right", "right")
        assert grid.scroll_x == 2 * grid.cell
        await press(pilot, "left")
        assert grid.scroll_x == grid.cell
        assert app.snapshot.t == 7


@pytest.mark.asyncio
async def test_tab_moves_the_focus_and_lines_gives_the_arrows_back():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "F", "tab")  # States, then Layer
        assert app.screen.focused is app.screen.query_one("#layer")
        await press(pilot, "tab", "tab")  # Gates, then Lines: it follows its cursor
        assert app.screen.focused is None
        await press(pilot, "F")
        assert app.screen.focused is None and "Lines follows its cursor" in warnings(app)[-1]
        await press(pilot, "down")  # the arrows move the line
        assert app.line_cursor == 2


@pytest.mark.asyncio
async def test_a_click_focuses_the_panel_it_lands_on():
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        layer = app.screen.query_one("#layer")
        await pilot.click(layer, offset=(10, 5))
        await settle(pilot)
        assert app.screen.focused is layer and app.screen.current_panel is layer
        assert "arrows scroll Layer" in screen_rows(app)[0]
        await press(pilot, "F")  # F gives the arrows back too
        assert app.screen.focused is None


@pytest.mark.parametrize("units", [4, 8])
@pytest.mark.asyncio
async def test_layer_lines_never_wrap_and_scroll_sideways(units):
    """At 80x24 with 8 digits and a batch of two lines, the Layer's rows are whole lines: the
    lesson's 4 units fit the width; with 8 the widest is reached by scrolling sideways, and
    none is broken onto the next row."""
    app = make_app(Lab(LabConfig(units=units)), digits=8)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "m", "j", "m", "end")
        app.screen.show_panel("layer")
        await press(pilot, "F")
        panel = app.screen.query_one(LayerPanel)
        lines = panel.content.plain.split("\n")
        for static in panel.query("Static"):  # one screen row per line of text
            assert static.size.height == len(static.content.plain.split("\n"))
        pane = app.screen.query_one("#layer")
        room = pane.scrollable_content_region.width
        widest = max(len(line) for line in lines)
        assert (widest > room) == (units == 8)
        assert pane.max_scroll_x == max(0, widest - room)
        for _ in range(40):
            await press(pilot, "right")
        assert pane.scroll_x == pane.max_scroll_x
        await press(pilot, "end")
        longest = max(lines, key=len)
        assert longest[-20:] in seen(app)  # the end of the widest line is on screen


# ----- the model bar and the status bar fit their width ----------------------------------------
def bar_rows(app) -> list[str]:
    """The model bar's rows as painted (between its top rule and the footer)."""
    bar = app.screen.query_one("#model-bar")
    region = bar.content_region
    return [row[region.x:region.right] for row in screen_rows(app)[region.y:region.bottom]]


@pytest.mark.parametrize("size", [(60, 20), (80, 24), (160, 48)])
@pytest.mark.asyncio
async def test_the_model_bar_is_never_cut(keras, size):
    """Seen at 80 columns: `layer 1/1 lstm: LSTM, 32 units, input 16, outputs last st…` and
    the next words cut; with generation, the text cut before the newest word."""
    from tui_lab.trained.loading import shipped_model_path

    app = make_app(model={"path": shipped_model_path()})
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        view = app.snapshot.model
        rows = bar_rows(app)
        assert not any("…" in row for row in rows), rows
        assert "lyrics_lstm.keras" in rows[0] and view.layer.name in rows[0]
        assert rows[1].count("< 1e-5 ✓") == 2  # the layer's output and the head, both whole
        if size[0] >= 80:  # the likeliest next word, whole
            assert f"next: {view.next_words[0].word} " in rows[1]
        if size[0] >= 120:
            assert view.layer.describe() in rows[0]
        for _ in range(12):
            await press(pilot, "n")
        generation = app.snapshot.model.generation
        rows = bar_rows(app)
        start = "text:" if size[0] >= 120 else "generate"  # (wide: a line of its own)
        text = next(row for row in rows if row.lstrip().startswith(start))
        newest = " ".join(generation.words[-3:])
        assert text.rstrip().endswith(newest), (text, newest)
        assert text.rstrip().endswith("…") is False


@pytest.mark.asyncio
async def test_the_status_bar_keeps_playing_busy_and_the_focus_at_60_columns():
    app = make_app(play_interval=60)  # playing, but no tick during the test
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        await press(pilot, "b", "z", "m", "j", "m", "y", "p")
        assert app.playing
        await press(pilot, "F")
        row = screen_rows(app)[0]
        assert "▶ playing" in row and "arrows scroll States (esc)" in row and "step 0/7" in row
        assert "…" not in row
        assert app.screen.query_one("Footer").max_scroll_x == 0  # the focused footer fits
        assert "esc Arrows step" in screen_rows(app)[-1]
        app.lab_screen.query_one("StatusBar").show(
            app.snapshot, busy="Run to end: running to the end 512/1000", playing=True,
            scrolling="States", row=1)
        await pilot.pause()
        row = screen_rows(app)[0]
        assert "▶ playing" in row and "step 0/7" in row and "Run to end" in row, row
        await pilot.resize_terminal(160, 48)  # room again: everything is back
        await pilot.pause()
        row = screen_rows(app)[0]
        for part in ("Keras cell", "row 2/2", "backwards", "mask on", "seed 0", "Run to end: "
                     "running to the end 512/1000"):
            assert part in row, (part, row)
        await pilot.resize_terminal(60, 20)  # and at 60 columns it fits again, on a resize
        await pilot.pause()
        assert "▶ playing" in screen_rows(app)[0]


@pytest.mark.asyncio
async def test_wide_tokens_of_three_lines_scroll_to_their_step_row():
    """At 160x48 the Tokens panel (11 rows of the grid) of a batch of three lines overflows:
    it has a scrollbar and pgdn reaches its `step` row."""
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await press(pilot, "m", "j", "m", "j", "m", "end")
        app.screen.show_panel("tokens")
        pane = app.screen.query_one("#tokens")
        assert pane.max_scroll_y > 0 and pane.show_vertical_scrollbar
        await scroll_to_bottom(pilot, pane)
        assert pane.scroll_y == pane.max_scroll_y
        box = pane.content_region
        shown = "\n".join(row[box.x:box.right] for row in screen_rows(app)[box.y:box.bottom])
        assert "3:token" in shown and "step " in shown and "padding='pre'" in shown


@pytest.mark.asyncio
async def test_a_panel_behind_a_tab_is_filled_in_when_it_comes_into_view(monkeypatch):
    """Narrow, a step fills in only the panel on screen (a key press renders one panel, not
    five); the others show the step on screen as soon as a tab or a wider terminal brings them
    into view, read here from the rows a learner sees."""
    from tui_lab.tui.widgets.gates import GatesPanel

    shown = []
    original = GatesPanel.show
    monkeypatch.setattr(GatesPanel, "show", lambda self, *a, **k: (shown.append(1),
                                                                   original(self, *a, **k)))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "space", "space", "space")  # States is the tab on screen
        assert not shown
        await press(pilot, "tab")  # Layer: steps 1 to 3 reached, 4 not yet
        assert not shown
        rows = seen(app)
        assert "k=2" in rows and "k=3" in rows
        assert next(r for r in rows.splitlines() if "k=3" in r).count("not reached yet") == 1
        assert "not reached yet" not in next(r for r in rows.splitlines() if "k=2" in r)
        await press(pilot, "tab")  # Gates: the third step's
        assert len(shown) == 1
        assert "step 3/7" in seen(app)
        await press(pilot, "shift+tab", "shift+tab", "space")  # States again, a step on
        assert len(shown) == 1  # Gates is behind its tab again
        await pilot.resize_terminal(160, 48)  # every panel on screen: all at step 4
        await settle(pilot)
        assert len(shown) == 2
        rows = seen(app)
        assert "step 4/7" in rows  # Gates
        assert "read position 3" in rows  # Tokens
        assert "not reached yet" not in next(r for r in rows.splitlines() if "k=3" in r)


@pytest.mark.asyncio
async def test_the_current_step_stays_in_view_when_the_terminal_resizes():
    """At the end of the line, a wider (and so shorter-paneled) terminal still shows ▶ 7."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "end")
        assert any("▶ 7" in row for row in screen_rows(app))
        await pilot.resize_terminal(160, 48)
        await settle(pilot)
        assert any("▶ 7" in row for row in screen_rows(app))


@pytest.mark.asyncio
async def test_esc_in_a_focused_panel_stops_playing_first():
    """The panel binds esc (give the arrows back), but while the lab plays the status bar says
    esc stops: the first esc stops, the next gives the arrows back."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "F")
        panel = app.lab_screen.focused_panel
        assert panel is not None
        await press(pilot, "p")
        assert app.playing
        await press(pilot, "escape")
        assert not app.playing and app.lab_screen.focused_panel is panel
        await press(pilot, "escape")
        assert app.lab_screen.focused_panel is None


@pytest.mark.asyncio
async def test_a_table_stepped_behind_its_tab_shows_every_row_when_it_comes_back():
    """Found by hand at 80x24: steps taken (forwards and back) while States or Embed was
    behind its tab left rows missing, stale or marked ▶ twice when the tab came back."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)

        async def rows(pid: str) -> list[str]:
            """The table's rows on screen: their first number, ▶ before the current one."""
            await look_at(pilot, pid)
            found = []
            for row in seen(app).splitlines()[5:]:  # below the status, header and tabs
                words = row.replace("▶", "▶ ").split()
                current = words[:1] == ["▶"]
                number = words[1 if current else 0] if len(words) > 1 else ""
                if number.isdigit():
                    found.append(("▶" if current else "") + number)
            return found

        await press(pilot, "space", "tab", "tab", "space", "space")  # to Gates; States behind
        assert await rows("states") == ["0", "1", "2", "▶3"]
        await press(pilot, "tab", "left", "left")  # back two steps behind the tab
        assert await rows("states") == ["0", "▶1"]
        await press(pilot, "tab", "home")
        assert await rows("states") == ["▶0"]
        assert (await rows("embeddings"))[:2] == ["0", "1"]  # nothing read yet: no ▶
        assert not any(r.startswith("▶") for r in await rows("embeddings"))
        await press(pilot, "space", "tab", "space", "space", "space")
        assert [r for r in await rows("embeddings") if r.startswith("▶")] == ["▶3"]


@pytest.mark.asyncio
async def test_a_table_shows_whole_numbers_only_at_its_right_edge():
    """Seen at 80x24 with 8 units: a column cut by the edge showed '+0.00' or '-0', which read
    as other values. The table shows whole columns; the scrollbar says there is more."""
    import re

    app = make_app(Lab(LabConfig(units=8)))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "space", "space")
        for digits, more in ((3, ()), (4, (">",)), (8, (">",) * 4)):
            await press(pilot, *more)
            number = rf"[+-]\d\.\d{{{digits}}}"
            for pid in ("states", "embeddings"):
                await look_at(pilot, pid)
                rows = [r for r in seen(app).splitlines() if re.search(number, r)]
                assert rows
                for row in rows:
                    cells = re.findall(r"[+-][\d.]*", row)
                    assert cells and all(re.fullmatch(number, n) for n in cells), (digits, row)
