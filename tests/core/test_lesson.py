"""The lab's defaults reproduce the lesson notebook: the Tokenizer (OOV "<OOV>") fitted on the
lyrics of The Great Pretender, its word_index and padded sequences (maxlen 7, pre padding)
as the notebook printed them, stepped by an LSTM of 4 units."""

import numpy as np
import pytest

from tui_lab import Lab
from tui_lab.core.text import lyrics_path, read_lines

# Printed by the notebook's `print(word_index)` (cell In[4]).
NOTEBOOK_WORD_INDEX = {
    '<OOV>': 1, "i'm": 2, 'my': 3, 'the': 4, 'i': 5, 'a': 6, 'real': 7, 'oh': 8, 'yes': 9,
    'great': 10, 'pretender': 11, 'too': 12, 'to': 13, 'what': 14, 'heart': 15, 'like': 16,
    'pretending': 17, 'that': 18, 'is': 19, 'of': 20, 'still': 21, 'but': 22, 'this': 23,
    'feeling': 24, 'make': 25, 'believe': 26, 'when': 27, 'feel': 28, "can't": 29,
    'conceal': 30, 'just': 31, "laughin'": 32, 'and': 33, 'gay': 34, 'clown': 35, 'seem': 36,
    'be': 37, 'not': 38, 'you': 39, 'see': 40, 'wearing': 41, 'crown': 42, "you're": 43,
    'around': 44, 'doing': 45, 'well': 46, 'need': 47, 'such': 48, 'pretend': 49, 'much': 50,
    'lonely': 51, 'no': 52, 'one': 53, 'can': 54, 'tell': 55, 'adrift': 56, 'in': 57,
    'world': 58, 'own': 59, "i've": 60, 'played': 61, 'game': 62, 'shame': 63, "you've": 64,
    'left': 65, 'me': 66, 'grieve': 67, 'all': 68, 'alone': 69, 'aroundtoo': 70}


def test_lyrics_asset_is_the_notebooks_list():
    lines = read_lines(lyrics_path())
    assert len(lines) == 21
    assert lines[0] == "Oh-oh, yes, I'm the great pretender"
    # The notebook's missing comma joined two lyrics into one string.
    assert lines[14] == "Pretending that you're still aroundToo real is this feeling of make-believe"
    assert lines[-1] == "Pretending that you're still around (still around)"


def test_word_index_matches_the_notebook():
    snapshot = Lab().snapshot()
    assert snapshot.word_index == NOTEBOOK_WORD_INDEX
    assert list(snapshot.word_index) == list(NOTEBOOK_WORD_INDEX)  # same order of ids too


def test_first_line_ids_and_padding():
    row = Lab().snapshot().batch.rows[0]
    assert list(row.ids) == [8, 8, 9, 2, 4, 10, 11]
    assert row.tokens == ("oh", "oh", "yes", "i'm", "the", "great", "pretender")
    assert row.padded.tolist() == [8, 8, 9, 2, 4, 10, 11]


def test_average_sequence_length():
    lab = Lab()
    lab.select_lines(range(1, 22))
    rows = lab.snapshot().batch.rows
    assert sum(len(row.ids) for row in rows) / len(rows) == 7.619047619047619


def test_last_line_padded_pre_truncated_post():
    lab = Lab()
    lab.select_lines(21)
    row = lab.snapshot().batch.rows[0]
    assert row.padded.tolist() == [17, 18, 43, 21, 44, 21, 44]
    # A longer line loses its tail ('post' truncation), marked as dropped.
    lab.select_lines(15)
    row = lab.snapshot().batch.rows[0]
    assert len(row.ids) == 12
    assert row.padded.tolist() == list(row.ids[:7])
    assert row.dropped == tuple(range(7, 12))


def test_embedding_lookup_equals_keras_embedding(keras):
    snapshot = Lab().snapshot()
    embedding = keras.layers.Embedding(input_dim=150, output_dim=4)
    embedding.build((None, 7))
    embedding.set_weights([snapshot.weights.embedding])
    expected = np.asarray(embedding(snapshot.batch.rows[0].padded[None]))
    np.testing.assert_array_equal(snapshot.batch.x, expected)


def test_lstm_output_is_the_last_hidden_state(keras):
    """The notebook's LSTM(units=4) on the last line: output == h_T, and (output, h, c)."""
    lab = Lab()
    lab.select_lines(21)
    lab.run_to_end()
    snapshot = lab.snapshot()
    layer = keras.layers.LSTM(4)
    layer.build((None, 7, 4))
    layer.set_weights(snapshot.weights.cell_weights())
    output = np.asarray(layer(snapshot.batch.x))
    np.testing.assert_allclose(snapshot.h[-1], output, atol=1e-6)
    assert snapshot.layer_sequence.shape == (1, 7, 4)
    assert [s.shape for s in snapshot.layer_states] == [(1, 4), (1, 4)]


@pytest.mark.parametrize("go_backwards", [False, True])
def test_notebook_test_sequence_4x6(keras, go_backwards):
    """In[13]-In[16]: a (1, 4, 6) sequence of raw numbers through LSTM(2)."""
    test_sequence = np.arange(1, 25, dtype=np.float32).reshape(1, 4, 6)
    lab = Lab(vectors=test_sequence)
    lab.configure(units=2, go_backwards=go_backwards)
    lab.run_to_end()
    snapshot = lab.snapshot()
    layer = keras.layers.LSTM(2, go_backwards=go_backwards, return_state=True)
    layer.build((None, 4, 6))
    layer.set_weights(snapshot.weights.cell_weights())
    output, h, c = (np.asarray(a) for a in layer(test_sequence))
    np.testing.assert_allclose(snapshot.h[-1], output, atol=1e-5)
    np.testing.assert_allclose(snapshot.h[-1], h, atol=1e-5)
    np.testing.assert_allclose(snapshot.c[-1], c, atol=1e-5)


def test_notebook_random_2x2x2_tensor(keras):
    """In[12]: two sequences of two 2-d vectors, return_sequences and return_state."""
    tensor = np.random.default_rng(0).normal(size=(2, 2, 2)).astype(np.float32)
    lab = Lab(vectors=tensor)
    lab.run_to_end()
    snapshot = lab.snapshot()
    assert snapshot.h.shape == (2, 2, 4)  # (steps, batch, units)
    assert snapshot.layer_sequence.shape == (2, 2, 4)  # (batch, timesteps, units)
    # "the final hidden state is just the last hidden state for each sentence"
    np.testing.assert_array_equal(snapshot.layer_states[0], snapshot.layer_sequence[:, -1])
    assert snapshot.max_abs_error < 1e-5
