"""The vocabulary of a lab's text: every entry of the tokenizer's word_index with its id, how
often it occurs and whether `num_words` keeps it. No Textual here (the app's word_index screen
and the Python API both read `Vocabulary`).

Counts: a tokenizer fitted on the text (the lab's own) knows them, `tokenizer.word_counts`;
a word_index saved beside a trained model comes without counts, so the words of the open
text are counted with the tokenizer's own splitting (lower-casing, filters) instead, and the
vocabulary says which it did (`counted`).

Keras' `Tokenizer(num_words=n)` never shrinks word_index: `texts_to_sequences` turns an id
>= n into the `<OOV>` id (or drops the word when there is no `<OOV>` entry). So every entry is
listed, and `kept` says whether its id survives encoding.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cached_property

from tui_lab.core.text import OOV_TOKEN, Corpus

FITTED = "fitted"  # counts: the tokenizer's word_counts (fitted on this text)
COUNTED = "counted"  # counts: the words of the open text, counted here (a saved word_index)


@dataclass(frozen=True)
class Entry:
    """One word_index entry. count: occurrences in the text; for `<OOV>` the words of the
    text that encoding turns into its id (not in the index, or id >= num_words)."""

    word: str
    id: int
    count: int
    kept: bool  # texts_to_sequences keeps this id: id < num_words (or no num_words)
    oov: bool  # the `<OOV>` entry itself


@dataclass(frozen=True)
class Vocabulary:
    """A tokenizer's word_index in id order (frequency order for a fitted Tokenizer)."""

    entries: tuple[Entry, ...]
    num_words: int | None  # Tokenizer(num_words=...): ids >= it are not kept
    text_name: str  # the text the counts come from
    counted: str  # FITTED or COUNTED
    source: str = ""  # where the word_index comes from ("" : fitted on text_name)

    def __len__(self) -> int:
        return len(self.entries)

    # Cached: the screen asks for every row it draws, and a big text has 100,000 entries.
    @cached_property
    def kept_count(self) -> int:
        """Entries whose ids texts_to_sequences keeps (the <OOV> entry included)."""
        return sum(e.kept for e in self.entries)

    @cached_property
    def has_oov(self) -> bool:
        return any(e.oov for e in self.entries)

    def word_index(self) -> dict[str, int]:
        return {e.word: e.id for e in self.entries}

    def counts(self) -> dict[str, int]:
        return {e.word: e.count for e in self.entries}

    def entry(self, word: str) -> Entry | None:
        return next((e for e in self.entries if e.word == word), None)

    def search(self, query: str) -> tuple[Entry, ...]:
        """Entries whose word contains `query` (ignoring case and the spaces around it); a
        number also finds the entry with that id, first. An empty query finds them all."""
        query = str(query).strip().casefold()
        if not query:
            return self.entries
        # Only a number that can be an id (a pasted 5,000-digit one is no id, and int() of it
        # would raise).
        number = int(query) if query.isdigit() and query.isascii() and len(query) < 19 else None
        by_id = tuple(e for e in self.entries if e.id == number)
        return by_id + tuple(e for e in self.entries
                             if query in e.word.casefold() and e.id != number)

    def mark(self, entry: Entry) -> str:
        """What a reader should know about an entry, in a few words ('' for a kept word)."""
        if entry.oov:
            return "OOV: unknown words get this id"
        if entry.kept:
            return ""
        return "≥ num_words: " + ("encoded as <OOV>" if self.has_oov else "dropped")

    def describe(self) -> str:
        """How many entries, and where they come from."""
        words = len(self) - self.has_oov
        size = f"{len(self):,} entries ({words:,} words" + (" + <OOV>)" if self.has_oov else ")")
        where = f"word_index from {self.source}" if self.source else f"fitted on {self.text_name}"
        return f"{size} · {where}"

    def describe_limit(self) -> str:
        """What num_words does to these ids (Keras' texts_to_sequences)."""
        if not self.num_words:
            return "no num_words: every id is kept"
        n = f"{self.num_words:,}"
        beyond = len(self) - self.kept_count
        if not beyond:
            return f"num_words={n} keeps ids < {n}: all {len(self):,} entries are kept"
        fate = "encoded as <OOV>" if self.has_oov else "dropped when encoding"
        return (f"num_words={n} keeps ids < {n}; {beyond:,} "
                f"{'entry' if beyond == 1 else 'entries'} (ids ≥ {n}) are {fate}")

    def describe_counts(self) -> str:
        """Where the counts come from."""
        if self.counted == FITTED:
            where = "in the text, from the Tokenizer's word_counts"
        else:
            where = f"in {self.text_name}, counted here (a saved word_index has no counts)"
        return f"count: occurrences {where}"


def vocabulary_of(corpus: Corpus) -> Vocabulary:
    """The vocabulary of a corpus's tokenizer (fitting it if needed: imports TensorFlow)."""
    tokenizer = corpus.tokenizer
    index: dict[str, int] = tokenizer.word_index
    num_words = tokenizer.num_words
    fitted = bool(tokenizer.word_counts)
    if fitted:
        counts: Counter | dict = tokenizer.word_counts
        unknown = 0  # fitted on this very text: every word of it is in the index
    else:
        counts = Counter(word for line in corpus.lines if line.strip()
                         for word in corpus.words(line))
        unknown = sum(n for word, n in counts.items() if word not in index)

    def kept(i: int) -> bool:
        return not num_words or i < num_words

    # Words whose id num_words drops are encoded as <OOV> too: they add to its count.
    dropped = sum(counts.get(w, 0) for w, i in index.items() if w != OOV_TOKEN and not kept(i))
    entries = tuple(
        Entry(word, int(i), (unknown + dropped) if word == OOV_TOKEN else int(counts.get(word, 0)),
              kept(int(i)), word == OOV_TOKEN)
        for word, i in sorted(index.items(), key=lambda item: item[1]))
    return Vocabulary(entries, num_words, corpus.name, FITTED if fitted else COUNTED)

