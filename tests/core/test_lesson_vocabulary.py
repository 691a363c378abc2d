"""The vocabulary (Lab.vocabulary(), core/vocabulary.py) is the lesson's tokenizer: the same
70 word_index entries as the notebook printed, and counts that are the lyrics' own word
counts, counted here independently of Keras; num_words marks what texts_to_sequences drops."""

from __future__ import annotations

from collections import Counter

import pytest

from tui_lab import Lab, LabConfig, LabError
from tui_lab.core.text import OOV_TOKEN, lyrics_path

# The notebook's cell In[2], as written: the missing comma after "...still around" makes
# Python join two lyrics into one string (hence 'aroundtoo').
NOTEBOOK_LYRICS = ["Oh-oh, yes, I'm the great pretender",
                   "Pretending that I'm doing well",
                   "My need is such I pretend too much",
                   "I'm lonely, but no one can tell",
                   "Oh-oh, yes, I'm the great pretender",
                   "Adrift in a world of my own",
                   "I've played the game but to my real shame",
                   "You've left me to grieve all alone",
                   "Too real is this feeling of make-believe",
                   "Too real when I feel what my heart can't conceal",
                   "Yes, I'm the great pretender",
                   "Just laughin' and gay like a clown",
                   "I seem to be what I'm not, you see",
                   "I'm wearing my heart like a crown",
                   "Pretending that you're still around"
                   "Too real is this feeling of make-believe",
                   "Too real when I feel what my heart can't conceal",
                   "Yes, I'm the great pretender",
                   "Just laughin' and gay like a clown",
                   "I seem to be what I'm not, you see",
                   "I'm wearing my heart like a crown",
                   "Pretending that you're still around (still around)"]

# Keras' Tokenizer default filters, written out: each becomes a space before splitting.
FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def words_of(lines) -> list[str]:
    """Lower-cased, filtered, split on spaces: the Tokenizer's rule, without Keras."""
    table = str.maketrans({c: " " for c in FILTERS})
    return [w for line in lines for w in line.lower().translate(table).split(" ") if w]


def lesson_tokenizer(num_words=150):
    """The lesson's own: `tensorflow.keras.preprocessing.text.Tokenizer`, fitted on its list."""
    from tensorflow.keras.preprocessing.text import Tokenizer

    tokenizer = Tokenizer(num_words=num_words, oov_token="<OOV>")
    tokenizer.fit_on_texts(NOTEBOOK_LYRICS)
    return tokenizer


def test_the_lessons_70_entries_and_their_counts(keras):
    vocabulary = Lab().vocabulary()
    lesson = lesson_tokenizer()
    assert len(vocabulary) == 70 == len(lesson.word_index)
    assert vocabulary.word_index() == lesson.word_index
    assert [e.id for e in vocabulary.entries] == list(range(1, 71))  # in id order
    assert vocabulary.word_index()["aroundtoo"] == 70 and vocabulary.word_index()[OOV_TOKEN] == 1
    oov, *words = vocabulary.entries
    assert (oov.word, oov.oov, oov.count, oov.kept) == (OOV_TOKEN, True, 0, True)
    # Counted here, without Keras, over the lines of the lyrics file and the notebook's list.
    counted = Counter(words_of(lyrics_path().read_text(encoding="utf-8").splitlines()))
    assert counted == Counter(words_of(NOTEBOOK_LYRICS))
    assert {e.word: e.count for e in words} == counted == dict(lesson.word_counts)
    assert vocabulary.entry("aroundtoo").count == 1 and vocabulary.entry("i'm").count == 10
    assert all(e.kept and not e.oov for e in words)
    assert vocabulary.describe() == ("70 entries (69 words + <OOV>) · fitted on The Great "
                                     "Pretender (built-in lyrics)")
    assert vocabulary.describe_limit() == "num_words=150 keeps ids < 150: all 70 entries are kept"
    assert "Tokenizer's word_counts" in vocabulary.describe_counts()


def test_num_words_marks_what_texts_to_sequences_encodes_as_oov(keras):
    lab = Lab(LabConfig(num_words=10))
    vocabulary = lab.vocabulary()
    assert len(vocabulary) == 70  # num_words never shrinks word_index
    assert [e.id for e in vocabulary.entries if e.kept] == list(range(1, 10))
    assert vocabulary.kept_count == 9
    assert vocabulary.mark(vocabulary.entry("aroundtoo")) == "≥ num_words: encoded as <OOV>"
    assert vocabulary.mark(vocabulary.entry("real")) == ""
    assert vocabulary.mark(vocabulary.entries[0]) == "OOV: unknown words get this id"
    # <OOV>'s count is what Keras' own encoding turns into id 1, in the lesson's tokenizer too.
    sequences = lesson_tokenizer(num_words=10).texts_to_sequences(NOTEBOOK_LYRICS)
    ones = sum(ids.count(1) for ids in sequences)
    assert vocabulary.entries[0].count == ones == sum(
        e.count for e in vocabulary.entries if not e.kept) > 0
    assert vocabulary.describe_limit() == ("num_words=10 keeps ids < 10; 61 entries (ids ≥ 10) "
                                           "are encoded as <OOV>")
    # A setting changed later gives the new marks (the fitted counts are reused).
    lab.configure(num_words=150)
    assert lab.vocabulary().kept_count == 70 and lab.vocabulary().entries[0].count == 0


@pytest.mark.parametrize("query, words", [
    ("around", ["around", "aroundtoo"]),
    ("  AROUND ", ["around", "aroundtoo"]),
    ("70", ["aroundtoo"]),
    ("1", ["<OOV>"]),  # an id; no word holds a digit
    ("oov", ["<OOV>"]),
    ("'", ["i'm", "can't", "laughin'", "you're", "i've", "you've"]),
    ("zzz", []),
    ("7" * 5000, []),  # no id, and no error
])
def test_search_by_word_or_id(keras, query, words):
    assert [e.word for e in Lab().vocabulary().search(query)] == words


def test_search_with_nothing_typed_lists_every_entry(keras):
    vocabulary = Lab().vocabulary()
    assert vocabulary.search("") == vocabulary.search("  ") == vocabulary.entries


def test_a_text_of_my_own(tmp_path, keras):
    path = tmp_path / "mine.txt"
    path.write_bytes(b"\n\nThe cat, the DOG.\n\n  the end\n")
    lab = Lab(text=path)
    vocabulary = lab.vocabulary()
    assert vocabulary.word_index() == {OOV_TOKEN: 1, "the": 2, "cat": 3, "dog": 4, "end": 5}
    assert vocabulary.counts() == {OOV_TOKEN: 0, "the": 3, "cat": 1, "dog": 1, "end": 1}
    assert vocabulary.text_name == str(path)
    lab.type_sentence("a zebra and the cat")  # typed words are encoded, never added
    assert lab.vocabulary() == vocabulary


def test_raw_vectors_have_no_vocabulary():
    lab = Lab(vectors=[[0.5, 1.0], [1.5, 2.0]])
    with pytest.raises(LabError, match="raw vectors: there is no vocabulary"):
        lab.vocabulary()
