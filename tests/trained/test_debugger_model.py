"""Next-word breakpoints with a trained model open: `next == WORD` and `p(WORD) > x` stop
where the model's own Keras layers (its LSTM returning every step, then its Dense head) say
they first hold; at the last step those layers give model(ids)."""

import numpy as np
import pytest

from tui_lab import Lab, LabError
from tui_lab.trained.lab import ModelLab
from tui_lab.trained.layer_run import padded_ids
from tui_lab.trained.loading import open_model


@pytest.fixture(scope="module")
def model(keras):
    return open_model()  # the shipped lyrics model: Embedding, LSTM(32), Dense softmax


def keras_next_words(keras, model, ids):
    """(T, B, vocabulary): the model's Dense head on its LSTM's output at every step, all
    Keras layers with the model's weights."""
    embedded = model.model.get_layer("embedding")(ids)
    trained = model.model.get_layer("lstm")
    every_step = keras.layers.LSTM(trained.units, return_sequences=True)
    every_step.build(embedded.shape)
    every_step.set_weights(trained.get_weights())
    probabilities = np.asarray(model.model.get_layer("next_word")(every_step(embedded)))
    final = np.asarray(model.model(ids))
    np.testing.assert_allclose(probabilities[:, -1], final, atol=1e-5)  # the last step: model(ids)
    return np.swapaxes(probabilities, 0, 1)


def model_lab(model):
    return ModelLab(model, selection=(1, 2))


def test_next_word_condition_stops_where_the_keras_head_says(keras, model):
    lab = model_lab(model)
    probabilities = keras_next_words(keras, model, padded_ids(lab.lab))
    best = probabilities.argmax(axis=2)  # (T, B)
    index_word = {i: w for w, i in model.word_index.items()}
    # A word that becomes the prediction only after a few steps (so the stop is not trivial).
    candidates = [int(w) for w in np.unique(best) if w in index_word]
    firsts = {w: int(np.flatnonzero((best == w).any(axis=1))[0]) + 1 for w in candidates}
    word = max(firsts, key=firsts.get)
    assert firsts[word] > 1
    hit = lab.run_until(f"next == {index_word[word]}")
    assert hit is not None and hit.step == firsts[word] and lab.t == hit.step
    assert best[hit.step - 1, hit.row] == word and hit.value == word


def test_probability_condition_stops_where_the_keras_head_says(keras, model):
    lab = model_lab(model)
    probabilities = keras_next_words(keras, model, padded_ids(lab.lab))
    index_word = {i: w for w, i in model.word_index.items()}
    word = int(probabilities[-1, 0].argmax())  # the last step's favourite, row 1
    series = probabilities[:, :, word]
    ordered = np.unique(series)
    gaps = np.diff(ordered)
    i = int(np.argmax(gaps[len(gaps) // 2:])) + len(gaps) // 2  # a wide gap in the upper half
    threshold = float((ordered[i] + ordered[i + 1]) / 2)
    expected = int(np.flatnonzero((series > threshold).any(axis=1))[0]) + 1
    hit = lab.run_until(f"p({index_word[word]}) > {threshold}")
    assert hit is not None and hit.step == expected
    assert abs(hit.value - series[expected - 1, hit.row]) < 1e-5


@pytest.mark.parametrize("condition, column, token", [
    ("next == love", 1, "next"), ("p(love) > 0.5", 1, "p")])
def test_without_a_model_a_next_word_condition_names_its_token(condition, column, token):
    lab = Lab()
    with pytest.raises(LabError, match=rf"at column {column} \('{token}'\): the next word needs "
                                       r"a trained model open"):
        lab.run_until(condition)
    assert lab.t == 0


@pytest.mark.parametrize("condition, message", [
    ("p(nosuchword) > 0.5", r"\('nosuchword'\): not a word of the word_index"),
    ("next > love", r"\('>'\): the next word is compared with == or !="),
    ("p > 0.5", "p needs a word"),
    ("next[2] == love", "next has no units"),
    ("p(1) > 1.5", r"\('1.5'\): p is a probability, so its values are 0..1"),
])
def test_a_bad_next_word_condition_is_a_clear_error(model, condition, message):
    lab = model_lab(model)
    with pytest.raises(LabError, match=message):
        lab.run_until(condition)
    assert lab.t == 0
