"""The models today's Keras and TensorFlow text tutorials make (tests/trained/recipes.py),
built small, saved and reopened as .keras: each opens, reads text with the model's own
preprocessing, steps exactly as the model's own layers (1e-5), and says after every step what
its head makes of the state so far, checked against the head on a return_sequences copy of
the layer."""

import json

import numpy as np
import pytest

import recipes
from tui_lab import LabError
from tui_lab.cli.main import main
from tui_lab.core.tf_loader import keras as load_keras, tensorflow
from tui_lab.trained.lab import ModelLab
from tui_lab.trained.loading import open_model

LINES = ["the movie was great", "awful acting and a truly awful plot zebra"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("recipes")
    paths = {
        "tf": recipes.tf_text_classifier(folder / "tf.keras"),
        "stacked": recipes.tf_text_classifier(folder / "stacked.keras", stacked=True),
        "keras_io": recipes.keras_io_lstm_classifier(folder / "keras_io.keras"),
        "gru": recipes.gru_classifier(folder / "gru.keras"),
    }
    paths["char"], paths["chars"] = recipes.char_generator(folder / "char.keras")
    text = folder / "text.txt"
    text.write_text(recipes.TEXT, encoding="utf-8")
    paths["text"] = text
    return paths


def own_ids(model, texts):
    """The model's own TextVectorization on the texts."""
    tf = tensorflow()
    return np.asarray(model.reader.layer(tf.constant(texts)))


def sequence_copy(model, name):
    """The model's recurrent layer with return_sequences=True and the same weights."""
    keras = load_keras()
    layer = model.keras_layer(name)
    config = layer.get_config() | {"return_sequences": True, "name": "copy"}
    copy = type(layer).from_config(config)
    x = model.layer_input(name, model.pad([model.encode(LINES[0])[1]]))
    copy.build(x.shape)
    copy.set_weights(layer.get_weights())
    return copy, x, keras


def test_a_text_vectorization_inside_the_model_is_its_tokenizer(built):
    model = open_model(built["keras_io"])  # no word_index beside it
    assert model.reader.kind == "layer" and model.padding == "post" and model.maxlen == 10
    vocabulary = model.reader.layer.get_vocabulary()
    for text in LINES + ["The MOVIE, was great!!", "zebra"]:
        tokens, ids = model.encode(text)
        padded = model.pad([ids])[0]
        np.testing.assert_array_equal(padded, own_ids(model, [text])[0])
        assert [vocabulary[i] if vocabulary[i] != "[UNK]" else t for t, i in zip(tokens, ids)] \
            == tokens  # each token is its vocabulary entry, or [UNK] (id 1)
    assert model.encode("zebra")[1] == [1]
    lab = ModelLab(model, lines=LINES, source="reviews")
    entries = lab.vocabulary()
    assert [e.word for e in entries.entries] == vocabulary[1:]  # '' is the padding, id 0
    row = lab.snapshot(layer=False).batch.rows[0]
    assert row.padded.tolist()[4:] == [0] * 6 and row.pad_mask.tolist() == [False] * 4 + [True] * 6


@pytest.mark.parametrize("name", ["tf", "stacked", "keras_io", "gru"])
def test_each_classifier_steps_as_its_own_layers(built, name):
    model = open_model(built[name])
    for layer in model.layers:
        for direction in (["forward", "backward"] if layer.bidirectional else ["forward"]):
            lab = ModelLab(model, layer.name, direction, lines=LINES, source="reviews",
                           selection=(1, 2))
            lab.run_to_end()
            view = lab.snapshot().model
            assert view.max_abs_error < 1e-5, (name, layer.name, direction)
            if layer is model.layers[-1]:
                assert view.head_error < 1e-5
    tf = tensorflow()
    final = np.asarray(model.model(tf.constant(LINES[:1])[:, None]))[0]
    lab = ModelLab(model, lines=LINES, source="reviews")
    lab.run_to_end()
    view = lab.snapshot().model
    if model.layers[-1].bidirectional:  # no per-step reading, and it says why; the final only
        assert view.reading.refusal and "Bidirectional" in view.reading.refusal
        assert not lab.head_steps() is not None
    probability = final[0] if view.reading.kind.kind == "probability" else 1 / (1 + np.exp(-final[0]))
    assert view.final == (("P(1)", pytest.approx(float(probability), abs=1e-6)),)


@pytest.mark.parametrize("name", ["keras_io", "gru"])
def test_the_head_after_every_step_is_the_models_head_on_that_state(built, name):
    model = open_model(built[name])
    copy, x, keras = sequence_copy(model, model.layers[-1].name)
    mask = None if not model.mask_zero else (model.pad([model.encode(LINES[0])[1]]) != 0)
    sequence = np.asarray(copy(x, mask=mask))[0]  # (T, units)
    head = keras.Model(model.keras_layer(model.layers[-1].name).output, model.model.outputs[0])
    expected = np.asarray(head(sequence))  # the model's head on each step's state
    lab = ModelLab(model, lines=LINES, source="reviews")
    lab.run_to_end()
    steps = lab.head_steps()
    np.testing.assert_allclose(steps[:, 0, :], expected, atol=1e-5)
    reading = lab.snapshot().model.reading
    kind = reading.kind.kind
    assert kind == ("probability" if name == "keras_io" else "logit")
    values = expected[:, 0] if kind == "probability" else 1 / (1 + np.exp(-expected[:, 0]))
    np.testing.assert_allclose(reading.series, values, atol=1e-5)
    lab.seek(3)
    assert len(lab.snapshot().model.reading.series) == 3


def test_padding_after_the_text_is_stepped_and_measured(built):
    """keras-io 2044: TextVectorization pads after the text and nothing masks it, so the
    LSTM steps through the zeros after the last word: the lab shows how far they move h and
    what the head said at the last word against after them."""
    model = open_model(built["keras_io"])
    lab = ModelLab(model, lines=LINES, source="reviews")
    lab.seek(4)
    assert lab.snapshot().model.after_text is None  # the last word, no padding stepped yet
    lab.run_to_end()
    snapshot = lab.snapshot()
    step, pads, distance = snapshot.after_text(0)
    assert (step, pads) == (4, 6)
    assert distance == pytest.approx(float(np.linalg.norm(snapshot.h[-1, 0] - snapshot.h[3, 0])))
    word, steps, at_word, after = snapshot.model.after_text
    series = snapshot.model.reading.series
    assert (word, steps) == ("great", 6) and at_word == series[3] and after == series[-1]
    masked = ModelLab(open_model(built["gru"]), lines=LINES, source="r", selection=(1, 2))
    masked.run_to_end()
    assert masked.snapshot().after_text(0) is None  # mask_zero carries the state through


def test_one_hot_characters_open_with_their_character_list(built):
    model = open_model(built["char"], fit_text=built["text"])
    assert model.reads_characters and model.reader.characters == built["chars"]
    tokens, ids = model.encode("The Lazy\ndog")
    assert tokens == list("the lazy dog") and ids == [built["chars"].index(c) + 1 for c in tokens]
    lab = ModelLab(model, lines=["the lazy dog", "over"], source="text")
    lab.run_to_end()
    snapshot = lab.snapshot()
    assert snapshot.model.max_abs_error < 1e-5 and snapshot.model.head_error < 1e-5
    row = snapshot.batch.rows[0]
    x = snapshot.batch.x[0]  # Embed: the one-hot x_t, its 1 at the character's index
    for t, i in enumerate(row.padded):
        assert x[t].sum() == 1.0 and x[t].argmax() == i - 1
    reading = snapshot.model.reading
    assert reading.kind.kind == "tokens" and reading.top[0][0] in built["chars"]
    from tui_lab.trained.generation import generate

    steps = list(generate(model, ids, 3, top_k=4, temperature=0.5, sample_seed=1))
    assert all(len(step.top) == 4 and step.chosen.word in built["chars"] for step in steps)
    with pytest.raises(LabError, match="fit-text"):
        open_model(built["char"]).encode("the")


def test_the_trace_has_the_head_after_every_step(built, capsys):
    assert main(["trace", "--model", str(built["keras_io"]), "--text", LINES[0]]) == 0
    trace = json.loads(capsys.readouterr().out)
    model = open_model(built["keras_io"])
    lab = ModelLab(model, lines=LINES, source="reviews")
    np.testing.assert_allclose(trace["head_steps"], lab.head_steps(), atol=1e-6)
    assert len(trace["head_steps"]) == 10 and len(trace["head_steps"][0]) == 1
    assert main(["trace", "--model", str(built["tf"]), "--text", LINES[0]]) == 0
    assert json.loads(capsys.readouterr().out)["head_steps"] is None  # Bidirectional


def refusal(tmp_path, build) -> str:
    path = tmp_path / "m.keras"
    build().save(path)
    with pytest.raises(LabError) as error:
        open_model(path)
    return str(error.value)


@pytest.mark.parametrize("settings, named", [
    ({"output_mode": "multi_hot"}, "output_mode='multi_hot'"),
    ({"output_mode": "count"}, "output_mode='count'"),
    ({"output_mode": "tf_idf"}, "output_mode='tf_idf'"),
    ({"ngrams": 2}, "ngrams=2"),
])
def test_settings_that_give_no_ids_are_refused_by_name(tmp_path, settings, named):
    keras = load_keras()

    def build():
        layer = keras.layers.TextVectorization(max_tokens=20, **settings)
        layer.adapt(recipes.SENTENCES)
        inputs = keras.Input(shape=(1,), dtype="string")
        x = layer(inputs)
        if "ngrams" in settings:  # ids of word pairs, into an LSTM
            x = keras.layers.LSTM(2)(keras.layers.Embedding(20, 3)(x))
        return keras.Model(inputs, keras.layers.Dense(1)(x))

    assert named in refusal(tmp_path, build)


def test_two_inputs_are_refused_with_what_opens(tmp_path):
    keras = load_keras()

    def build():
        a, b = keras.Input((4,), dtype="int32"), keras.Input((4,), dtype="int32")
        x = keras.layers.Embedding(10, 3)(a)
        y = keras.layers.LSTM(2)(x)
        return keras.Model([a, b], keras.layers.Dense(1)(y) + keras.ops.cast(b[:, :1], "float32"))

    message = refusal(tmp_path, build)
    assert "2 inputs" in message and "one input" in message and "TextVectorization" in message


def test_ids_of_any_length_with_the_word_index_outside(tmp_path):
    """keras.io's Bidirectional LSTM on IMDB: input (None,), two Bidirectional layers."""
    model = open_model(recipes.imdb_bidirectional(tmp_path / "imdb.keras"))
    assert model.maxlen is None and model.reader.kind == "word_index"
    for layer in model.layers:
        for direction in ("forward", "backward"):
            lab = ModelLab(model, layer.name, direction, lines=["good movie", "bad plot fun"],
                           source="r", selection=(1, 2))
            lab.run_to_end()
            assert lab.snapshot().model.max_abs_error < 1e-5
    view = ModelLab(model, lines=["good movie"], source="r").snapshot().model
    assert view.reading.refusal and view.final[0][0] == "P(1)"


def test_the_lessons_next_word_recipe_with_a_masked_gru(tmp_path):
    model = open_model(recipes.next_word_gru(tmp_path / "words.keras"))
    lab = ModelLab(model, lines=["the quick brown fox"], source="r")
    lab.run_to_end()
    view = lab.snapshot().model
    assert view.max_abs_error < 1e-5 and view.head_error < 1e-5
    steps = lab.head_steps()
    assert view.reading.kind.kind == "tokens"
    top = int(steps[-1, 0].argmax())
    assert view.reading.top[0] == (model.word(top), pytest.approx(float(steps[-1, 0, top])))
    assert [c.word for c in view.next_words][0] == model.word(top)  # model(ids) agrees


def test_a_subclassed_model_is_refused_with_what_opens(tmp_path):
    keras = load_keras()

    class Classifier(keras.Model):  # not registered: its code is not in the file
        def __init__(self, **settings):
            super().__init__(**settings)
            self.embedding = keras.layers.Embedding(10, 3)
            self.rnn = keras.layers.LSTM(2)

        def call(self, ids):
            return self.rnn(self.embedding(ids))

    model = Classifier()
    model(np.zeros((1, 4), np.int32))
    model.save(tmp_path / "sub.keras")
    with pytest.raises(LabError, match=r"subclassed model \(Classifier\).*Functional and "
                                       r"Sequential"):
        open_model(tmp_path / "sub.keras")


def test_a_text_vectorization_with_python_code_is_refused(tmp_path):
    keras = load_keras()
    tf = tensorflow()

    @keras.saving.register_keras_serializable(package="test_recipes")
    def lower_only(text):
        return tf.strings.lower(text)

    vectorizer = keras.layers.TextVectorization(max_tokens=20, standardize=lower_only,
                                                output_sequence_length=5)
    vectorizer.adapt(recipes.SENTENCES)
    inputs = keras.Input((1,), dtype="string")
    x = keras.layers.LSTM(2)(keras.layers.Embedding(20, 3)(vectorizer(inputs)))
    keras.Model(inputs, keras.layers.Dense(1)(x)).save(tmp_path / "code.keras")
    with pytest.raises(LabError, match="standardize is Python code"):
        open_model(tmp_path / "code.keras")  # registered here: it loads, and is refused
    keras.saving.get_custom_objects().pop("test_recipes>lower_only")
    with pytest.raises(LabError, match=r"standardize is Python code \(test_recipes>lower_only\)"):
        open_model(tmp_path / "code.keras")  # as in another process: Keras cannot rebuild it
