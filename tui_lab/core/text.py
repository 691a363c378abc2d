"""Text in: reading a corpus file, fitting Keras' Tokenizer, encoding and padding.

Reading needs no TensorFlow (so the app can show lines at once); tokenizing and padding use
Keras' own Tokenizer and pad_sequences, exactly as the lesson does.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from tui_lab.core import files, tf_loader
from tui_lab.errors import LabError

OOV_TOKEN = "<OOV>"
LYRICS_NAME = "The Great Pretender (built-in lyrics)"  # the built-in text's source name
PAD_ID = 0
OOV_ID = 1
MAX_TEXT_BYTES = 200 * 1024 * 1024
FIT_CHUNK = 10_000  # lines fitted between progress reports when opening a big text


def assets_dir() -> Path:
    """Where the shipped data lives: inside the installed package, or the repo's assets/."""
    package = Path(__file__).resolve().parents[1]  # tui_lab/, where a wheel puts assets/
    for candidate in (package / "assets", package.parent / "assets"):
        if candidate.is_dir():
            return candidate
    raise LabError("the lab's assets folder is missing; reinstall tui-lab")


def lyrics_path() -> Path:
    return assets_dir() / "the_great_pretender.txt"


def read_lines(path: str | Path) -> Lines:
    """The lines of a UTF-8 text file (see Lines); LabError for anything that is not one
    (a folder, a device or a named pipe is refused at once, see files.read_bytes). In a .tsv
    file a line is its text before the first tab: the task files (assets/*_task.tsv) keep
    each line's answer after it, which the line must not show the model."""
    path = Path(path)
    lines = lines_from_bytes(files.read_bytes(path, "file", MAX_TEXT_BYTES), str(path))
    if path.suffix.lower() != ".tsv":
        return lines
    return Lines([line.split("\t", 1)[0].strip() for line in lines], lines.replaced,
                 lines.first_bad)


class Lines(tuple):
    """A text's lines, numbered as an editor numbers them: the text split at each newline
    (CRLF and a BOM are fine), each line without the spaces around it, blank lines kept as ""
    (they are shown but never stepped).

    `replaced` counts the byte sequences that were not UTF-8 and were read as U+FFFD (�);
    `first_bad` is the byte offset of the first of them (None for clean UTF-8). They travel
    with the lines (a tuple) so that whoever shows the lines can say so."""

    def __new__(cls, lines=(), replaced: int = 0, first_bad: int | None = None):
        self = super().__new__(cls, lines)
        self.replaced, self.first_bad = replaced, first_bad
        return self

    def is_blank(self, number: int) -> bool:
        """Line `number` (1-based) has nothing but spaces."""
        return not self[number - 1].strip()

    @property
    def first_line(self) -> int:
        """The number of the first line that is not blank (1 if all are)."""
        return next((n for n, line in enumerate(self, 1) if line.strip()), 1)

    def decode_notice(self, name: str) -> str | None:
        """What decoding replaced, for a notification or a warning line; None if nothing."""
        if not self.replaced:
            return None
        what = "byte sequence that is" if self.replaced == 1 else "byte sequences that are"
        return (f"{name}: {self.replaced:,} {what} not UTF-8, read as \ufffd (the first at byte "
                f"offset {self.first_bad:,})")


def _decode(data: bytes) -> tuple[str, int, int | None]:
    """The text, how many undecodable byte sequences became U+FFFD, and where the first was."""
    try:
        return data.decode("utf-8-sig"), 0, None
    except UnicodeDecodeError as error:
        bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0  # error offsets skip the BOM
        first_bad = error.start + bom
    text = data.decode("utf-8-sig", errors="replace")
    # Every U+FFFD in the text came from a bad sequence, except those the file itself holds.
    replaced = text.count("\ufffd") - data.count("\ufffd".encode())
    return text, replaced, first_bad


def lines_from_bytes(data: bytes, name: str) -> Lines:
    """The lines of a text file's bytes (see Lines). A few bytes that are not UTF-8 (a stray
    Latin-1 letter) are read as U+FFFD and counted; a file with NUL bytes, or one where more
    than a quarter of the characters would be U+FFFD (binary, or another encoding), is refused
    with a LabError."""
    if b"\x00" in data:
        raise LabError(f"{name} looks like a binary file, not text")
    text, replaced, first_bad = _decode(data)
    if replaced * 4 > len(text):
        raise LabError(f"{name} is not UTF-8 text (bad byte at offset {first_bad})")
    lines = [line.strip() for line in text.split("\n")]
    if lines[-1] == "":  # the newline that ends the last line does not start another one
        lines.pop()
    if not any(lines):
        raise LabError(f"{name} is empty: it needs at least one line of text")
    return Lines(lines, replaced, first_bad)


@dataclass(frozen=True)
class Encoded:
    """One batch row of text: its words, their ids, the padded ids and where each came from."""

    text: str
    tokens: tuple[str, ...]
    ids: tuple[int, ...]
    padded: np.ndarray  # (T,) int32
    pad_mask: np.ndarray  # (T,) bool, True at padding
    token_at: np.ndarray  # (T,) int32: index into tokens for each padded position, -1 at padding
    dropped: tuple[int, ...]  # indices into tokens removed by truncation

    @property
    def oov(self) -> tuple[bool, ...]:
        return tuple(i == OOV_ID for i in self.ids)


class Corpus:
    """The lines of a text and the Tokenizer fitted on them (Keras' own, lesson settings)."""

    def __init__(self, lines: list[str], name: str, num_words: int):
        """lines: every line of the text, blank ones included (see Lines)."""
        if not any(line.strip() for line in lines):
            raise LabError(f"{name} has no lines of text")
        self.lines = lines if isinstance(lines, Lines) else Lines(lines)
        self.name = name
        self.num_words = num_words

    @property
    def is_lyrics(self) -> bool:
        """The built-in lyrics (also when a trained model reads them with its word_index)."""
        return self.name == LYRICS_NAME

    @property
    def first_line(self) -> int:
        """The line a lab steps first: the first one that is not blank."""
        return self.lines.first_line

    def is_blank(self, number: int) -> bool:
        return self.lines.is_blank(number)

    @classmethod
    def from_file(cls, path: str | Path, num_words: int) -> Corpus:
        return cls(read_lines(path), str(path), num_words)

    @classmethod
    def lyrics(cls, num_words: int) -> Corpus:
        return cls(read_lines(lyrics_path()), LYRICS_NAME, num_words)

    @classmethod
    def from_word_index(cls, lines: list[str], name: str, word_index: dict[str, int],
                        num_words: int) -> Corpus:
        """A text encoded with a word_index saved beside a trained model (no fitting)."""
        corpus = cls(lines, name, num_words)
        text = tf_loader.tokenizer_module()
        # Without "<OOV>" in the index, an oov_token would make texts_to_sequences emit None.
        oov = OOV_TOKEN if OOV_TOKEN in word_index else None
        tokenizer = text.Tokenizer(num_words=num_words, oov_token=oov)
        tokenizer.word_index = dict(word_index)
        tokenizer.index_word = {i: w for w, i in word_index.items()}
        corpus.__dict__["tokenizer"] = tokenizer
        return corpus

    @cached_property
    def tokenizer(self):
        """Fitted on first use: this is where TensorFlow gets imported."""
        return self._fitted_tokenizer()

    def fit(self, progress=None, cancelled=None) -> None:
        """Fit the tokenizer now, in chunks: progress(done, total) after each; LabError if
        cancelled() turns true (the corpus is then left unfitted)."""
        if "tokenizer" not in self.__dict__:
            self.__dict__["tokenizer"] = self._fitted_tokenizer(progress, cancelled)

    def _fitted_tokenizer(self, progress=None, cancelled=None):
        text = tf_loader.tokenizer_module()
        tokenizer = text.Tokenizer(num_words=self.num_words, oov_token=OOV_TOKEN)
        # Blank lines hold no words; fitted, they would only count as empty documents.
        texts = [line for line in self.lines if line.strip()]
        # fit_on_texts accumulates counts across calls and re-ranks the words after each,
        # so fitting chunk by chunk gives exactly the word_index of one call.
        chunk = FIT_CHUNK if progress or cancelled else len(texts)
        for start in range(0, len(texts), chunk):
            if cancelled is not None and cancelled():
                raise LabError(f"opening {self.name} was cancelled")
            tokenizer.fit_on_texts(texts[start:start + chunk])
            if progress is not None:
                progress(min(start + chunk, len(texts)), len(texts))
        return tokenizer

    @property
    def word_index(self) -> dict[str, int]:
        return self.tokenizer.word_index

    def with_num_words(self, num_words: int) -> Corpus:
        """The same text with another num_words; the fitted word counts are reused."""
        if num_words == self.num_words:
            return self
        corpus = Corpus(self.lines, self.name, num_words)
        if "tokenizer" in self.__dict__:  # already fitted: num_words only limits encoding
            tokenizer = copy.copy(self.tokenizer)
            tokenizer.num_words = num_words
            corpus.__dict__["tokenizer"] = tokenizer
        return corpus

    def words(self, sentence: str) -> list[str]:
        """The sentence split the way the Tokenizer splits it (filters, lower-casing)."""
        tokenizer = self.tokenizer
        return tf_loader.tokenizer_module().text_to_word_sequence(
            sentence, filters=tokenizer.filters, lower=tokenizer.lower, split=tokenizer.split
        )

    def _kept_words(self, sentence: str) -> list[str]:
        """The words texts_to_sequences turns into ids, one per id.

        With "<OOV>" in the word_index every word yields an id; a word_index saved without
        it (some trained models) makes texts_to_sequences drop unknown words, so drop them
        here too."""
        words = self.words(sentence)
        index = self.tokenizer.word_index
        if OOV_TOKEN in index:
            return words
        limit = self.tokenizer.num_words
        return [w for w in words if w in index and not (limit and index[w] >= limit)]

    def encode(self, sentences: list[str], maxlen: int | None, padding: str,
               truncating: str) -> list[Encoded]:
        """Ids (texts_to_sequences) padded with keras.utils.pad_sequences, one per sentence."""
        keras = tf_loader.keras()
        id_rows = self.tokenizer.texts_to_sequences(sentences)
        if maxlen is None:
            maxlen = max(len(ids) for ids in id_rows) or 1
        padded = keras.utils.pad_sequences(id_rows, maxlen=maxlen, padding=padding,
                                           truncating=truncating).astype(np.int32)
        rows = []
        for sentence, ids, padded_row in zip(sentences, id_rows, padded):
            tokens = self._kept_words(sentence)
            token_at, dropped = placement(len(ids), maxlen, padding, truncating)
            rows.append(Encoded(sentence, tuple(tokens), tuple(ids), padded_row,
                                token_at < 0, token_at, dropped))
        return rows


def placement(n: int, maxlen: int, padding: str, truncating: str):
    """Which token sits at each padded position (-1 = padding), and which were truncated."""
    kept = min(n, maxlen)
    first = n - kept if truncating == "pre" else 0  # index of the first kept token
    dropped = tuple(i for i in range(n) if not first <= i < first + kept)
    start = maxlen - kept if padding == "pre" else 0  # position of the first kept token
    token_at = np.full(maxlen, -1, dtype=np.int32)
    token_at[start:start + kept] = np.arange(first, first + kept, dtype=np.int32)
    return token_at, dropped
