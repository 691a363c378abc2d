"""Text of every kind: line numbers as in an editor (blank lines kept, never stepped), bytes
that are not UTF-8, and odd text (tabs, CRLF, BOM, right-to-left scripts, combining marks,
emoji, a 1 MB line) tokenized exactly as Keras' Tokenizer does, with the panels aligned."""

from __future__ import annotations

import json

import pytest
from rich.cells import cell_len
from rich.console import Console

from tui_lab import Lab, LabConfig, LabError
from tui_lab.cli.main import main
from tui_lab.core.text import OOV_TOKEN, Corpus, lines_from_bytes, lyrics_path
from tui_lab.tui.widgets.lines import LinesPanel
from tui_lab.tui.widgets.tokens import TokensPanel

from pilot import make_app, press, settle

BLANKS = b"\n\n\tone\ttwo three\n\n   \nfour\n"  # the example


def text_of(widget) -> str:
    console = Console(width=400, record=True, color_system=None, file=open("/dev/null", "w"))
    console.print(widget.content)
    return console.export_text()


def fitted(keras, lines, num_words=150):
    """Keras' own Tokenizer, as the lesson makes it, fitted on the lines that have text."""
    from tensorflow.keras.preprocessing.text import Tokenizer

    tokenizer = Tokenizer(num_words=num_words, oov_token=OOV_TOKEN)
    tokenizer.fit_on_texts([line for line in lines if line.strip()])
    return tokenizer


# ----- line numbers ----------------------------------------------------------------------------
def test_blank_lines_keep_the_files_numbers():
    lines = lines_from_bytes(BLANKS, "blanks.txt")
    assert lines == ("", "", "one\ttwo three", "", "", "four")
    assert [lines.is_blank(n) for n in range(1, 7)] == [True, True, False, True, True, False]
    assert lines.first_line == 3 and lines.replaced == 0


def test_crlf_bom_and_a_missing_last_newline():
    assert lines_from_bytes(b"\xef\xbb\xbfone two\r\n\r\nthree", "x") == ("one two", "", "three")
    assert lines_from_bytes(b"a\n\n", "x") == ("a", "")  # as an editor shows it: 2 lines
    for empty in (b"", b"\n", b"  \n\t\n\r\n"):
        with pytest.raises(LabError, match="is empty"):
            lines_from_bytes(empty, "x")


def test_a_blank_line_is_numbered_but_not_stepped(tmp_path, keras):
    path = tmp_path / "blanks.txt"
    path.write_bytes(BLANKS)
    lab = Lab(text=path)
    assert lab.selection == (3,)  # the first line with words, not line 1
    lab.select_lines(3)
    lab.run_to_end()
    assert lab.snapshot().batch.rows[0].tokens == ("one", "two", "three")
    lab.select_lines([3, 6])
    assert lab.snapshot().batch_size == 2
    for blank in (1, 4, 5):
        with pytest.raises(LabError, match=f"line {blank} is blank"):
            lab.select_lines(blank)
    with pytest.raises(LabError, match="line 7 is out of range: the text has 6 lines"):
        lab.select_lines(7)
    assert lab.selection == (3, 6)
    other = Lab()
    other.build()
    other.open_text(path)  # opening it starts on its first line with words
    assert other.snapshot().selection == (3,)


def test_the_trace_takes_the_files_line_numbers(tmp_path, capsys):
    path = tmp_path / "blanks.txt"
    path.write_bytes(BLANKS)
    assert main(["trace", str(path), "--line", "3"]) == 0
    out, err = capsys.readouterr()
    trace = json.loads(out)
    assert trace["tokens"] == [["one", "two", "three"]] and trace["config"]["source"]["lines"] == [3]
    assert err == ""
    assert main(["trace", str(path), "--line", "4"]) == 2
    assert "line 4 is blank" in capsys.readouterr().err


def test_fitting_skips_blank_lines_and_the_lyrics_index_is_unchanged(tmp_path, keras):
    lyrics = Corpus.lyrics(150)
    old_reading = [l.strip() for l in lyrics_path().read_text().splitlines() if l.strip()]
    assert list(lyrics.lines) == old_reading  # the lyrics have no blank lines
    assert lyrics.word_index == fitted(keras, old_reading).word_index
    corpus = Corpus(lines_from_bytes(BLANKS * 3, "x"), "x", 150)
    reference = fitted(keras, corpus.lines)
    assert corpus.word_index == reference.word_index
    assert corpus.tokenizer.document_count == reference.document_count == 6  # blanks not fitted


# ----- bytes that are not UTF-8 ----------------------------------------------------------------
def test_a_few_bad_bytes_are_replaced_and_counted():
    lines = lines_from_bytes(b"caf\xe9 au lait\nna\xefve \xff\xfe end\n", "latin.txt")
    assert lines == ("caf\ufffd au lait", "na\ufffdve \ufffd\ufffd end")
    assert (lines.replaced, lines.first_bad) == (4, 3)
    assert lines.decode_notice("latin.txt") == ("latin.txt: 4 byte sequences that are not UTF-8, "
                                                "read as \ufffd (the first at byte offset 3)")
    with_bom = lines_from_bytes(b"\xef\xbb\xbfab\xffc and more words here", "x")
    assert (with_bom.replaced, with_bom.first_bad) == (1, 5)  # offsets count the BOM's 3 bytes
    # A U+FFFD the file really holds is not a replacement.
    honest = lines_from_bytes("ok \ufffd fine".encode(), "x")
    assert honest.replaced == 0 and honest.decode_notice("x") is None


@pytest.mark.parametrize("data,message", [
    (b"text\x00more", "looks like a binary file"),
    ("привет, как дела".encode("cp1251"), "is not UTF-8 text"),  # mostly undecodable
    (bytes(range(128, 256)) * 4, "is not UTF-8 text"),
])
def test_binary_or_mostly_undecodable_is_refused(data, message):
    with pytest.raises(LabError, match=message):
        lines_from_bytes(data, "x")


def test_the_trace_warns_once_about_replaced_bytes(tmp_path, capsys):
    path = tmp_path / "latin.txt"
    path.write_bytes(b"caf\xe9 au lait\nthe second line\n")
    assert main(["trace", str(path), "--line", "1"]) == 0
    out, err = capsys.readouterr()
    assert err == (f"tui-lab trace: warning: {path}: 1 byte sequence that is not UTF-8, read as "
                   f"\ufffd (the first at byte offset 3)\n")
    assert out.startswith("{")


# ----- odd text --------------------------------------------------------------------------------
ODD = [
    "tabs\tbetween\twords",
    "שלום עולם, hello",                          # Hebrew, right to left
    "مرحبا بالعالم",                              # Arabic
    "cafe\u0301 e\u0301te\u0301 na\u0308ive",       # combining accents
    "I ❤️ 🐍 and 👩‍💻 code",                        # emoji, a ZWJ sequence
    "日本語 の テキスト 日本語",                   # wide characters
    "escape \x1b[31m red \x07 bell",               # control characters
]


@pytest.fixture
def odd_file(tmp_path):
    long_line = " ".join(f"w{i % 5000}" for i in range(190_000))  # about 1 MB
    assert len(long_line) > 1_000_000
    text = "\ufeff" + "\r\n".join(ODD + ["", long_line]) + "\r\n"
    path = tmp_path / "odd.txt"
    path.write_bytes(text.encode())
    return path, long_line


def test_odd_text_gets_the_tokenizers_own_tokens(odd_file, keras):
    path, long_line = odd_file
    lab = Lab(LabConfig(num_words=10_000), text=path)
    lines = lab.lines
    assert lines[: len(ODD)] == tuple(ODD) and lines[-1] == long_line and lines.is_blank(len(ODD) + 1)
    tokenizer = fitted(keras, lines, 10_000)
    assert lab.snapshot(layer=False).word_index == tokenizer.word_index
    for number, line in enumerate(lines, 1):
        if not line:
            continue
        lab.select_lines(number)
        row = lab.snapshot(layer=False).batch.rows[0]
        assert list(row.ids) == tokenizer.texts_to_sequences([line])[0], line[:40]
        assert len(row.tokens) == len(row.ids)


# ----- in the app ------------------------------------------------------------------------------
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
        assert not [n for n in app._notifications if n.severity == "error"]


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
        warnings = [n.message for n in app._notifications if n.severity == "warning"]
        assert warnings == [f"{path}: 1 byte sequence that is not UTF-8, read as \ufffd "
                            f"(the first at byte offset 3)"]
    app = make_app(Lab(text=path))  # given on the command line: said at once
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert any("1 byte sequence" in n.message for n in app._notifications)


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
        seed = app._default_seed()
        assert seed.split() == long_line.split()[-40:]  # what the model reads, and more
        app.submit("Type", lambda lab: lab.type_sentence(long_line))
        await settle(pilot)
        assert app.snapshot.sentence == long_line
        app.screen.show_panel("lines")
        await settle(pilot)
        typed_row = app.screen.query_one(LinesPanel).content.plain.split("\n")[0]
        assert typed_row.startswith("typed: w0 w1") and len(typed_row) < 200
