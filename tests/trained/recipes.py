"""The models today's Keras and TensorFlow text tutorials make, built small (a few sentences,
one or two epochs) and saved as .keras, for the tests of issue 24's readers.

Each builder returns the path of the saved model. Sizes are tiny: these check the lab reads
and steps the recipes exactly, not that they learn."""

from __future__ import annotations

import numpy as np

from tui_lab.core import tf_loader

SENTENCES = ["the movie was great", "I hated it, truly awful.", "what a film!",
             "great great fun", "awful plot and awful acting", "a truly great film"]
LABELS = np.array([1, 0, 1, 1, 0, 1], np.float32)
TEXT = "the quick brown fox\njumps over the lazy dog.\nThe dog sleeps.\n"


def _texts():
    """The sentences as a (batch, 1) string tensor (fit takes no numpy strings)."""
    return tf_loader.tensorflow().constant(SENTENCES)[:, None]


def _fit(model, x, y, loss):
    keras = tf_loader.keras()
    keras.utils.set_random_seed(0)
    model.compile(optimizer="adam", loss=loss)
    model.fit(x, y, epochs=1, verbose=0)


def _vectorizer(length=None, **settings):
    keras = tf_loader.keras()
    layer = keras.layers.TextVectorization(max_tokens=40, output_mode="int",
                                           output_sequence_length=length, **settings)
    layer.adapt(SENTENCES)
    return layer


def tf_text_classifier(path, stacked=False):
    """TensorFlow's "Text classification with an RNN": TextVectorization inside,
    Embedding(mask_zero=True), Bidirectional(LSTM), Dense(relu), Dense(1) logits."""
    keras = tf_loader.keras()
    keras.utils.set_random_seed(0)
    vectorizer = _vectorizer()
    inputs = keras.Input(shape=(1,), dtype="string")
    x = vectorizer(inputs)
    x = keras.layers.Embedding(len(vectorizer.get_vocabulary()), 8, mask_zero=True)(x)
    if stacked:
        x = keras.layers.Bidirectional(keras.layers.LSTM(4, return_sequences=True))(x)
    x = keras.layers.Bidirectional(keras.layers.LSTM(4))(x)
    x = keras.layers.Dense(8, activation="relu")(x)
    outputs = keras.layers.Dense(1)(x)
    model = keras.Model(inputs, outputs)
    _fit(model, _texts(), LABELS,
         keras.losses.BinaryCrossentropy(from_logits=True))
    model.save(path)
    return path


def keras_io_lstm_classifier(path, length=10, train=True):
    """keras.io's "Text classification from scratch" with an LSTM for the Conv1D:
    TextVectorization(output_sequence_length=...), padding after the text, no mask,
    Dense(1, sigmoid) (keras-io issue 2044)."""
    keras = tf_loader.keras()
    keras.utils.set_random_seed(0)
    vectorizer = _vectorizer(length)
    inputs = keras.Input(shape=(1,), dtype="string")
    x = vectorizer(inputs)
    # Named: Keras numbers unnamed layers per process (lstm_1 ...), which a snapshot shows.
    x = keras.layers.Embedding(40, 8, name="embedding")(x)
    x = keras.layers.LSTM(4, name="lstm")(x)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="head")(x)
    model = keras.Model(inputs, outputs)
    if train:  # (untrained: Keras' seeded initial weights, the same on any machine)
        _fit(model, _texts(), LABELS, "binary_crossentropy")
    model.save(path)
    return path


def gru_classifier(path):
    """TextVectorization -> Embedding(mask_zero=True) -> GRU -> Dense(1) logits."""
    keras = tf_loader.keras()
    keras.utils.set_random_seed(0)
    vectorizer = _vectorizer()
    inputs = keras.Input(shape=(1,), dtype="string")
    x = vectorizer(inputs)
    x = keras.layers.Embedding(40, 8, mask_zero=True)(x)
    x = keras.layers.GRU(4)(x)
    outputs = keras.layers.Dense(1)(x)
    model = keras.Model(inputs, outputs)
    _fit(model, _texts(), LABELS,
         keras.losses.BinaryCrossentropy(from_logits=True))
    model.save(path)
    return path


def char_generator(path, maxlen=8):
    """keras.io's "Character-level text generation with LSTM": one-hot characters
    (maxlen, len(chars)) straight into an LSTM, then Dense softmax."""
    keras = tf_loader.keras()
    keras.utils.set_random_seed(0)
    text = TEXT.lower().replace("\n", " ")
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    starts = range(0, len(text) - maxlen, 3)
    x = np.zeros((len(starts), maxlen, len(chars)), np.float32)
    y = np.zeros((len(starts), len(chars)), np.float32)
    for row, start in enumerate(starts):
        for t, char in enumerate(text[start:start + maxlen]):
            x[row, t, index[char]] = 1
        y[row, index[text[start + maxlen]]] = 1
    inputs = keras.Input((maxlen, len(chars)))
    h = keras.layers.LSTM(6)(inputs)
    outputs = keras.layers.Dense(len(chars), activation="softmax")(h)
    model = keras.Model(inputs, outputs)
    _fit(model, x, y, "categorical_crossentropy")
    model.save(path)
    return path, chars


def imdb_bidirectional(path, words=("good", "bad", "movie", "plot", "fun")):
    """keras.io's "Bidirectional LSTM on IMDB": int ids of any length (input shape (None,)),
    Embedding, two Bidirectional LSTMs, Dense(1, sigmoid); the word index kept outside the
    model (saved beside it here, as `tui-lab train` does)."""
    import json

    keras = tf_loader.keras()
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = keras.layers.Embedding(len(words) + 2, 8)(inputs)
    x = keras.layers.Bidirectional(keras.layers.LSTM(4, return_sequences=True))(x)
    x = keras.layers.Bidirectional(keras.layers.LSTM(4))(x)
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)
    _fit(model, np.array([[2, 3, 4], [3, 5, 6]], np.int32), np.array([1.0, 0.0]),
         "binary_crossentropy")
    model.save(path)
    index = {"<OOV>": 1, **{word: i + 2 for i, word in enumerate(words)}}
    path.with_suffix(".word_index.json").write_text(json.dumps(index), encoding="utf-8")
    return path


def next_word_gru(path):
    """The lesson's next-word recipe with Embedding(mask_zero=True) and a GRU."""
    from tui_lab.trained.training import training_data

    keras = tf_loader.keras()
    keras.utils.set_random_seed(0)
    data = training_data(TEXT.splitlines(), "text")
    inputs = keras.Input((data.xs.shape[1],), dtype="int32")
    x = keras.layers.Embedding(data.vocab_size, 8, mask_zero=True)(inputs)
    x = keras.layers.GRU(6)(x)
    outputs = keras.layers.Dense(data.vocab_size, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    _fit(model, data.xs, data.ys, "sparse_categorical_crossentropy")
    from tui_lab.trained.training import save

    save(model, data.word_index, path)
    return path
