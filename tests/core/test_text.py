"""Text of every kind: line numbers as in an editor (blank lines kept, never stepped), bytes
that are not UTF-8, and odd text (tabs, CRLF, BOM, right-to-left scripts, combining marks,
emoji, a 1 MB line) tokenized exactly as Keras' Tokenizer does (the panels: tests/tui/test_text_panels.py)."""

from __future__ import annotations

import json

import pytest

from tui_lab import Lab, LabConfig, LabError
from tui_lab.cli.main import main
from tui_lab.core.text import OOV_TOKEN, Corpus, lines_from_bytes, lyrics_path

BLANKS = b"\n\n\tone\ttwo three\n\n   \nfour\n"  # the example


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
def test_odd_text_gets_the_tokenizers_own_tokens(odd_file, keras):
    path, long_line = odd_file
    ODD = odd_file.lines
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


# ----- a word_index without <OOV> (a trained model's may have none) ----------------------------
def test_without_oov_words_are_dropped_as_the_tokenizer_drops_them(keras):
    from no_oov import NO_OOV, NO_OOV_LINES, NUM_WORDS, kept_by_tokenizer, tokenizer_without_oov

    tokenizer = tokenizer_without_oov()
    corpus = Corpus.from_word_index(NO_OOV_LINES, "no oov", NO_OOV, NUM_WORDS)
    rows = corpus.encode(NO_OOV_LINES, None, "pre", "post")
    for line, row in zip(NO_OOV_LINES, rows):
        assert list(row.ids) == tokenizer.texts_to_sequences([line])[0], line
        assert list(row.tokens) == kept_by_tokenizer(tokenizer, line), line
        assert [NO_OOV[w] for w in row.tokens] == list(row.ids)  # each token shown is its id
    # The >= boundary: id num_words - 1 is kept, id num_words and beyond are dropped.
    assert rows[1].tokens == ("on", "the", "mat") and rows[1].ids == (4, 1, 5)
    assert rows[3].tokens == () and rows[3].ids == ()
