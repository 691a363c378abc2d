"""Pilot tests of what a learner meets (issue 23): each drives the real app at 80x24 or
160x48 and reads what is on screen (screen_rows) or what the app does."""

from __future__ import annotations

import pytest

from tui_lab.tui.widgets.gates import GatesPanel
from tui_lab.tui.widgets.grid import NumberGrid
from tui_lab.tui.widgets.layer import LayerPanel

from pilot import look_at, make_app, press, screen_rows, settle

pytestmark = pytest.mark.asyncio


def on_screen(app) -> str:
    return "\n".join(screen_rows(app))


# ----- 10: small ones ---------------------------------------------------------------------------
async def test_the_footer_says_settings_as_everything_else_does():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        footer = screen_rows(app)[-1]
        assert "s Settings" in footer and "Setup" not in footer
        assert app.screen.query_one("Footer").max_scroll_x == 0  # and it still fits


async def test_embed_says_where_its_rows_come_from_and_whether_the_pad_row_is_read():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "j")  # line 2: two pad positions
        await look_at(pilot, "embeddings")
        shown = " ".join(on_screen(app).split())
        assert "random from seed 0 (the notebook's was random too, from its own seed" in shown
        assert "pad id 0: a random row too, read by pad steps while mask is off" in shown
        await press(pilot, "z")
        shown = " ".join(on_screen(app).split())
        assert "pad id 0: a random row too, never read while mask is on" in shown
        await press(pilot, "k")  # line 1 has no padding: nothing to say about it
        assert "pad id 0" not in on_screen(app)


# ----- 5: "row" is a batch row ------------------------------------------------------------------
async def test_states_first_line_is_t_0_and_a_row_is_always_a_batch_row():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "t = 0: initial h_0, c_0 (zeros)" in on_screen(app)
        assert "row 0" not in on_screen(app)
        await press(pilot, "m", "j", "m", "space", "y")
        assert "row 2/2" in screen_rows(app)[0]  # the status bar: batch row 2 of 2
        await look_at(pilot, "gates")
        rows = screen_rows(app)
        header = next(row for row in rows if "unit" in row and "h_t" in row)
        assert header.split()[:4] == ["batch", "row:unit", "i", "f"]  # every gate in view
        assert any(row.split()[:1] == ["2:0"] for row in rows)  # batch row 2, unit 0


async def test_gates_says_row_unit_where_the_longer_title_would_hide_a_column():
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await press(pilot, "m", "j", "m", "space")
        header = next(row for row in screen_rows(app) if "row:unit" in row)
        assert "batch row:unit" not in header and header.rstrip(" │").endswith("h_t")


# ----- 4: go_backwards in Layer -----------------------------------------------------------------
async def test_the_go_backwards_explanation_shows_whole_at_80_columns():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "b", "space")
        await look_at(pilot, "layer")
        assert any("sequence[:, k] is the state after position T-1-k (read last to first)"
                   in row for row in screen_rows(app))


# ----- 9: the max |error| itself ---------------------------------------------------------------
async def test_layer_says_bit_for_bit_and_a_gives_the_exact_values():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "end")
        await look_at(pilot, "layer")
        shown = app.screen.query_one(LayerPanel).content.plain  # (its last lines scroll at 80x24)
        snapshot = app.snapshot
        assert snapshot.max_abs_error == 0  # the same float32 operations, in the same order
        assert "max |error| steps vs layer: 0 ✓ bit for bit" in shown
        assert "numpy equations vs cell: < 1e-5 ✓ (a: the exact values)" in shown
        await press(pilot, "a")
        note = next(n for n in app.notifications if n.title == "Max |error|, exactly")
        assert note.message.startswith(
            f"the steps vs the Keras layer: 0 · the numpy equations vs the cell: "
            f"{snapshot.gate_max_abs_error:.3g} (float32")


# ----- 8: edits and clamps marked where their values are ----------------------------------------
def typed(text: str) -> tuple[str, ...]:
    return tuple("space" if char == " " else char for char in text)


async def test_a_clamped_gate_is_marked_in_gates():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "space", "space", "E", *typed("forget[2] = 1"), "enter", "space")
        await look_at(pilot, "gates")
        rows = screen_rows(app)
        assert "✎ a value an edit set or a clamp holds" in rows[5]
        grid = app.screen.query_one(GatesPanel).query_one(NumberGrid)
        assert "+1.000✎" in grid.draw_row(2).text  # forget[2] held at 1, unit 2's row
        assert "✎" not in grid.draw_row(1).text
        assert grid.draw_row(2).text in "\n".join(rows)  # (as on screen)


async def test_an_edited_state_is_marked_in_states_and_gates_and_layer_shows_both_runs():
    from tui_lab.tui.widgets.style import number

    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await press(pilot, "space", "space", "E", *typed("h[1] = 0.5"), "enter")
        shown = on_screen(app)
        assert "+0.500✎" in shown  # States: h1 after step 2
        assert " 2✎" in shown  # and its step
        gates = app.screen.query_one(GatesPanel).query_one(NumberGrid)
        assert gates.draw_row(1).text.rstrip().endswith("✎")  # h_t of unit 1, the last column
        assert "✎" not in gates.draw_row(0).text
        await press(pilot, "end")
        layer = app.screen.query_one(LayerPanel).content.plain
        assert "final values, last step of the Keras layer, unedited:" in layer
        edited = app.snapshot.h[-1, 0]
        assert ("the edited run's final state (States, ✎):\n  h ✎                      "
                + " ".join(number(float(v)) for v in edited)) in layer
        assert list(edited) != list(app.snapshot.layer_states[0][0])  # they do differ


# ----- 6: words not shown for want of room are not truncated ones -------------------------------
async def test_tokens_count_the_words_with_no_room_apart_from_the_truncated_ones():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, *["j"] * 14)  # line 15: 12 words, maxlen 7 cuts 5
        await look_at(pilot, "tokens")
        words = next(row for row in screen_rows(app) if row.startswith("words"))
        assert words.split()[1:5] == ["pretending:17", "that:18", "you're:43", "still:21"]
        assert words.rstrip().endswith("still:21 +8 not shown ✂ 5 truncated")
        assert "…" not in words


async def test_a_row_cut_for_room_only_says_so_without_truncation():
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await press(pilot, *["j"] * 20)  # line 21: 7 words, nothing truncated
        words = next(row for row in screen_rows(app) if "words   pretending" in row)
        assert "+2 not shown" in words and "✂" not in words and "…" not in words


# ----- 7: notes over the numbers ----------------------------------------------------------------
async def test_a_note_of_what_was_done_is_short_and_brief(tmp_path, monkeypatch):
    """'opened seq46.npy' sat over Layer's lines for 5 s, in a box of 4 rows: now 2 rows (its
    title and its words) for 2.5 s. A warning keeps Textual's time: it asks for something."""
    import numpy as np

    monkeypatch.chdir(tmp_path)
    path = "seq46.npy"
    np.save(path, np.zeros((6, 4), np.float32))
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:  # toasts drawn
        await settle(pilot)
        await press(pilot, "o", "ctrl+u", *path, "enter")
        note = next(n for n in app.notifications if n.message == f"opened {path}")
        assert note.severity == "information" and note.timeout == 2.5
        await pilot.pause(0.3)  # (the toast is mounted, then styled)
        from textual.widgets._toast import Toast

        assert [toast.outer_size.height for toast in app.screen.query(Toast)] == [2]
        await press(pilot, "y")  # one row: y says how to make a batch
        warning = next(n for n in app.notifications if n.severity == "warning")
        assert warning.timeout == app.NOTIFICATION_TIMEOUT == 5


# ----- 3: side by side at 80 columns ------------------------------------------------------------
async def test_side_by_side_says_which_cells_are_past_the_edge_and_the_key_to_them():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "C", "space")
        more = "\n".join(row for row in screen_rows(app) if "scrolls" in row)
        assert "→ B.c (LSTM), C.h (GRU): ] scrolls right" in more and "←" not in more
        await press(pilot, "right_square_bracket")
        more = "\n".join(row for row in screen_rows(app) if "scrolls" in row)
        assert "← A.h (SimpleRNN): [ scrolls left · → C.h (GRU): ] scrolls right" in more
        await press(pilot, "right_square_bracket", "right_square_bracket")
        more = "\n".join(row for row in screen_rows(app) if "scrolls" in row)
        assert "← A.h (SimpleRNN), B.h (LSTM): [ scrolls left" in more and "→" not in more


async def test_side_by_side_says_nothing_when_every_column_fits():
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await press(pilot, "C", "space")
        assert not any("scrolls" in row for row in screen_rows(app))
        assert "C.h3" in on_screen(app)


# ----- 2: jump to a line ------------------------------------------------------------------------
async def test_colon_steps_the_line_typed_and_refuses_others_in_the_dialog():
    from tui_lab.tui.screens.prompt import LineScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for typed_keys, refusal in [((), "type a line number, 1..21"),
                                    (("3", "0"), "the text has 21 lines: 1..21, not 30"),
                                    (("0",), "the text has 21 lines: 1..21, not 0")]:
            await press(pilot, "colon", *typed_keys, "enter")
            assert isinstance(app.screen, LineScreen)  # it stays open, saying why in one row
            assert [row.strip(" │") for row in screen_rows(app) if refusal in row] == [refusal]
            await press(pilot, "escape")
        assert app.snapshot.selection == (1,)
        await press(pilot, "colon", "2", "1", "enter")
        assert not isinstance(app.screen, LineScreen)
        assert app.snapshot.selection == (21,) and app.line_cursor == 21
        assert "line 21" in screen_rows(app)[0]


async def test_a_pasted_line_number_that_is_no_number_is_refused_not_a_crash():
    """The field takes digit keys only, but a value set otherwise (a paste, the key storm)
    can be anything: 'hello' or an Arabic-Indic digit is refused in the dialog."""
    from textual.widgets import Input

    from tui_lab.tui.screens.prompt import LineScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for pasted in ("hello", "\u0663", " 2 1 "):
            await press(pilot, "colon")
            app.screen.query_one(Input).value = pasted
            await press(pilot, "enter")
            assert isinstance(app.screen, LineScreen) and app.crash is None
            assert any("type a line number, 1..21" in row for row in screen_rows(app))
            await press(pilot, "escape")
        assert app.snapshot.selection == (1,)


async def test_a_blank_line_is_refused_and_the_palette_finds_go_to_line(tmp_path):
    from tui_lab import Lab
    from tui_lab.tui.palette import lab_commands
    from tui_lab.tui.screens.prompt import LineScreen

    from pilot import BLANKS

    path = tmp_path / "blanks.txt"
    path.write_bytes(BLANKS)  # 6 lines: 3 and 6 have words
    app = make_app(Lab(text=path))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await press(pilot, "colon", "5", "enter")
        assert isinstance(app.screen, LineScreen)
        assert "line 5 is blank: there is nothing to step" in on_screen(app)
        await press(pilot, "backspace", "6", "enter")
        assert app.snapshot.selection == (6,)
    assert ("Go to line (type a line's number and step it)", "go_to_line", ":") in lab_commands()


# ----- 1: back to the built-in lyrics -----------------------------------------------------------
async def test_o_lyrics_after_vectors_brings_the_lyrics_back_with_the_settings(tmp_path,
                                                                                 monkeypatch):
    import numpy as np

    from tui_lab.core.text import LYRICS_NAME

    monkeypatch.chdir(tmp_path)
    np.save("seq46.npy", np.zeros((6, 4), np.float32))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "plus", "o", "ctrl+u", *"seq46.npy", "enter")
        assert app.snapshot.source_kind == "vectors"
        await press(pilot, "t")  # a sentence needs a text: it says how to get one
        assert any("o lyrics the built-in lyrics" in n.message for n in app.notifications)
        await press(pilot, "o", "ctrl+u", *"lyrics", "enter")
        snapshot = app.snapshot
        assert snapshot.source_name == LYRICS_NAME and len(snapshot.lines) == 21
        assert snapshot.selection == (1,) and snapshot.config.units == 5  # settings kept
        assert "line 1  oh oh yes i'm the great pretender" in screen_rows(app)[1]


async def test_a_file_named_lyrics_in_the_working_directory_wins(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lyrics").write_text("my own words\n")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "o", "ctrl+u", *"lyrics", "enter")
        assert app.snapshot.lines == ("my own words",)


async def test_the_palettes_built_in_lyrics_close_a_model_and_keep_the_settings(keras):
    from tui_lab.core.text import LYRICS_NAME
    from tui_lab.trained.loading import shipped_model_path

    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await press(pilot, "c")  # GRU: the settings before the model
        app.open_model_file(shipped_model_path())
        await settle(pilot)
        assert app.snapshot.model is not None and app.snapshot.config.units == 32
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"built-in lyrics")
        from textual.widgets import OptionList

        for _ in range(50):  # the palette searches in the background: wait for its answer
            await pilot.pause(0.1)
            options = app.screen.query_one(OptionList)
            if options.option_count:
                break
        assert str(options.get_option_at_index(0).prompt).startswith("The built-in lyrics")
        await pilot.press("enter")
        await pilot.pause(0.2)
        await settle(pilot)
        snapshot = app.snapshot
        assert snapshot.model is None and snapshot.source_name == LYRICS_NAME
        assert (snapshot.config.cell, snapshot.config.units) == ("gru", 4)
        assert snapshot.weights_source == "seed 0"
