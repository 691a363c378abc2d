"""A trained model's vocabulary (ModelLab.vocabulary()): its saved word_index, with counts
taken from the open text (a saved word_index has none), and ids its Embedding cannot take
marked as encoded as <OOV>, exactly as the model's own encoding does."""

from __future__ import annotations

import json
from collections import Counter

from tui_lab.core.text import OOV_TOKEN, Corpus, lyrics_path, read_lines
from tui_lab.core.vocabulary import COUNTED
from tui_lab.trained.lab import ModelLab, open_model_lab
from tui_lab.trained.loading import open_model, shipped_model_path, word_index_path


def lyrics_counts() -> Counter:
    corpus = Corpus.lyrics(1000)
    return Counter(w for line in corpus.lines for w in corpus.words(line))


def test_the_shipped_models_word_index_counted_in_the_open_text(keras):
    saved = json.loads(word_index_path(shipped_model_path()).read_text(encoding="utf-8"))
    lab = open_model_lab(None)
    vocabulary = lab.vocabulary()
    assert vocabulary.word_index() == saved and len(vocabulary) == 70
    assert vocabulary.counted == COUNTED and vocabulary.num_words == 71  # the Embedding's ids
    counts = lyrics_counts()
    assert vocabulary.counts() == {**counts, OOV_TOKEN: 0}
    assert vocabulary.kept_count == 70
    assert vocabulary.describe().endswith(
        f"· word_index from {word_index_path(shipped_model_path())}")
    assert vocabulary.describe_counts() == ("count: occurrences in The Great Pretender (built-in "
                                            "lyrics), counted here (a saved word_index has no "
                                            "counts)")


def test_ids_beyond_the_embedding_and_unknown_words_count_as_oov(tmp_path, keras):
    fit = tmp_path / "fit.txt"
    fit.write_text(lyrics_path().read_text(encoding="utf-8") + "\nzebra yak\n", encoding="utf-8")
    model = open_model(None, fit_text=fit)  # 72 entries, but the Embedding takes ids 0-70
    text = tmp_path / "mine.txt"
    text.write_text("zebra zebra and a quokka\n", encoding="utf-8")
    lab = ModelLab(model, lines=read_lines(text), source=str(text))
    vocabulary = lab.vocabulary()
    assert len(vocabulary) == 72 and vocabulary.word_index()["yak"] == 72
    beyond = [e.word for e in vocabulary.entries if not e.kept]
    assert beyond == ["zebra", "yak"]
    assert vocabulary.mark(vocabulary.entry("zebra")) == "≥ num_words: encoded as <OOV>"
    counts = vocabulary.counts()
    assert (counts["zebra"], counts["and"], counts["a"], counts["i'm"]) == (2, 1, 1, 0)
    # zebra twice (beyond the Embedding) and quokka (unknown): what the model reads as id 1.
    _, ids = model.encode("zebra zebra and a quokka")
    assert counts[OOV_TOKEN] == ids.count(1) == 3
    assert vocabulary.text_name == str(text)
    assert vocabulary.source == f"the tokenizer fitted on {fit}"


def test_a_word_index_without_oov_drops_words_as_the_tokenizer_does(keras):
    """A model whose saved word_index has no <OOV>: its encode() and the corpus the lab steps
    drop a word that is not in it, or whose id is num_words (the Embedding's input_dim) or
    more, exactly as Keras' Tokenizer(num_words) with that word_index and no oov_token does."""
    from no_oov import NO_OOV, NO_OOV_LINES, NUM_WORDS, kept_by_tokenizer, tokenizer_without_oov
    from tui_lab.trained.loading import TrainedModel

    keras.utils.set_random_seed(0)
    inputs = keras.Input((5,), dtype="int32")
    x = keras.layers.Embedding(NUM_WORDS, 3)(inputs)
    x = keras.layers.LSTM(2)(x)
    model = TrainedModel(keras.Model(inputs, keras.layers.Dense(NUM_WORDS)(x)), "tiny.keras",
                         NO_OOV, "a word_index without <OOV>", num_words=NUM_WORDS)
    tokenizer = tokenizer_without_oov()
    corpus = model.corpus(NO_OOV_LINES, "no oov")
    rows = corpus.encode(list(corpus.lines), None, "pre", "post")
    for line, row in zip(NO_OOV_LINES, rows):
        expected = tokenizer.texts_to_sequences([line])[0]
        assert model.encode(line) == (kept_by_tokenizer(tokenizer, line), expected), line
        assert (list(row.tokens), list(row.ids)) == (kept_by_tokenizer(tokenizer, line),
                                                     expected), line
    assert model.encode("the dog ran on a mat") == (["the", "on", "mat"], [1, 4, 5])
