"""Text of every kind in the app's panels: blank lines dim and skipped, bytes that are not
UTF-8 counted, odd text (wide characters, emoji, right-to-left scripts, control characters)
kept aligned, and a 1 MB line drawn only as far as it shows."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from tui_lab import Lab, LabConfig
from tui_lab.tui.widgets.lines import LinesPanel
from tui_lab.tui.widgets.tokens import TokensPanel

from pilot import BLANKS, errors, look_at, make_app, press, said, settle, text_of, warnings


@pytest.mark.asyncio
async def test_app_shows_blank_lines_dim_and_skips_them(tmp_path):
    path = tmp_path / "blanks.txt"
    path.write_bytes(BLANKS)
    app = make_app(Lab(text=path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.show_panel("lines")
        await settle(pilot)
        panel = app.screen.query_one(LinesPanel)
        assert app.line_cursor == 3 and app.snapshot.selection == (3,)
        shown = [row.rstrip() for row in text_of(panel).splitlines()[:6]]
        assert shown == ["  1", "  2", "▶●3 one two three", "  4", "  5", "  6 four"]
        content = panel.content
        dim_rows = {content.plain[:span.start].count("\n") for span in content.spans
                    if "dim" in str(span.style)}
        assert dim_rows == {0, 1, 3, 4}  # lines 1, 2, 4 and 5
        await press(pilot, "j")
        assert app.line_cursor == 6 and app.snapshot.selection == (6,)
        await press(pilot, "j")  # nothing below: stays
        assert app.line_cursor == 6
        await press(pilot, "k")
        assert app.line_cursor == 3 and app.snapshot.selection == (3,)
        await press(pilot, "k")  # only blank lines above: stays
        assert app.line_cursor == 3
        await pilot.click(panel, offset=(5, 3))  # a click on blank line 4 does nothing
        await settle(pilot)
        assert app.snapshot.selection == (3,) and app.line_cursor == 3
        assert not errors(app)


@pytest.mark.asyncio
async def test_app_says_how_many_bytes_were_replaced(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes(b"caf\xe9 au lait\nthe second line\n")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "o")
        app.focused.value = str(path)
        await press(pilot, "enter")
        assert app.snapshot.source_name == str(path)
        assert warnings(app) == [f"{path}: 1 byte sequence that is not UTF-8, read as \ufffd "
                            f"(the first at byte offset 3)"]
    app = make_app(Lab(text=path))  # given on the command line: said at once
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert any("1 byte sequence" in m for m in said(app))


@pytest.mark.asyncio
async def test_wide_and_odd_tokens_keep_the_panels_aligned(odd_file):
    path, _ = odd_file
    app = make_app(Lab(LabConfig(num_words=10_000, maxlen=None), text=path))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        for number in (6, 5, 2, 7):  # wide characters, emoji, Hebrew, control characters
            app.line_cursor = number
            await press(pilot, "enter")
            await press(pilot, "space", "space")
            tokens = text_of(app.screen.query_one(TokensPanel)).splitlines()
            table = [line.rstrip() for line in tokens[1:5]]  # under the words: pos, id, token, step
            assert [line.split()[0] for line in table] == ["pos", "id", "token", "step"]
            assert len({cell_len(line) for line in table}) == 1, table  # columns line up
            assert "\x1b" not in "".join(tokens) and "\x07" not in "".join(tokens)
            grid = app.screen.query_one("#states-grid")
            rows = [grid.render_line(y) for y in range(1, 3)]
            # the numbers start at the same cell on every row, whatever the token's width
            starts = [cell_len(strip.text.split("+")[0].split("-")[0]) for strip in rows]
            assert len(set(starts)) == 1, [s.text for s in rows]
        lines = text_of(app.screen.query_one(LinesPanel))
        assert "\x1b" not in lines and "␛[31m" in lines
        app.line_cursor = 9  # the 1 MB line: stepped, its first tokens shown, fast enough
        await press(pilot, "enter", "space")
        assert app.snapshot.batch.rows[0].ids[:2] == app.lab.snapshot(layer=False).batch.rows[0].ids[:2]
        assert "w0:" in text_of(app.screen.query_one(TokensPanel))


@pytest.mark.asyncio
async def test_a_megabyte_line_is_drawn_only_as_far_as_it_shows(odd_file):
    """Found by the key storm: a 1 MB line as the generation seed (or typed) was drawn word by
    word in the Lines panel and the model bar, holding the screen for seconds."""
    path, long_line = odd_file
    app = make_app(Lab(LabConfig(num_words=10_000), text=path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.line_cursor = len(app.snapshot.lines)  # the long line
        seed = app.default_seed()
        assert seed.split() == long_line.split()[-40:]  # what the model reads, and more
        app.submit("Type", lambda lab: lab.type_sentence(long_line))
        await settle(pilot)
        assert app.snapshot.sentence == long_line
        app.screen.show_panel("lines")
        await settle(pilot)
        typed_row = app.screen.query_one(LinesPanel).content.plain.split("\n")[0]
        assert typed_row.startswith("typed: w0 w1") and len(typed_row) < 200


@pytest.mark.asyncio
async def test_the_gates_line_wraps_whole_at_any_width_and_after_a_resize():
    # line 2 is padded 'pre': with z (mask_padding) its first steps are masked, and the line
    # above the gate equations says so at length
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "down", "enter", "z", "space")
        await look_at(pilot, "gates")
        where = app.screen.query_one("#gates-where")
        said_whole = "masked: state carried (padding, the cell was not called)"
        for size in ((80, 24), (60, 20), (160, 48)):
            await pilot.resize_terminal(*size)
            await settle(pilot)
            lines = text_of(where).rstrip("\n").split("\n")
            assert " ".join(line.strip() for line in lines).endswith(said_whole), lines
            assert all(cell_len(line) <= where.size.width for line in lines)
            assert where.size.height == len(lines) >= 2  # wrapped, not cut
