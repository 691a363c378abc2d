"""Opening trained .keras models: every supported recurrent layer stepped in the lab equals the
model's own layer output and head, and every unusable file is one clear LabError."""

import json
import zipfile

import numpy as np
import pytest

from tui_lab import LabError
from tui_lab.cli.main import main
from tui_lab.trained.loading import open_model

VOCAB, T = 12, 6
IDS = np.array([[0, 0, 3, 5, 1, 7], [2, 4, 6, 8, 10, 11]], np.int32)


def save(model, tmp_path, name="m.keras", word_index=None):
    path = tmp_path / name
    model.save(path)
    if word_index is not None:
        path.with_suffix(".word_index.json").write_text(json.dumps(word_index))
    return path


def functional(keras, *recurrent, mask_zero=False, head=True):
    keras.utils.set_random_seed(1)
    inputs = keras.Input((T,), dtype="int32")
    x = keras.layers.Embedding(VOCAB, 3, mask_zero=mask_zero)(inputs)
    for layer in recurrent:
        x = layer(x)
    if head:
        x = keras.layers.Dense(VOCAB, activation="softmax", name="head")(x)
    return keras.Model(inputs, x)


def layer_cases(keras):
    L = keras.layers
    return {
        "simple_rnn": [L.SimpleRNN(4, name="rnn")],
        "lstm": [L.LSTM(4, name="rnn")],
        "gru": [L.GRU(4, name="rnn")],
        "gru_reset_before_no_bias": [L.GRU(3, reset_after=False, use_bias=False, name="rnn")],
        "lstm_go_backwards_sequences": [L.LSTM(3, go_backwards=True, return_sequences=True,
                                              name="rnn")],
        "bidirectional_concat": [L.Bidirectional(L.LSTM(3), name="rnn")],
        "bidirectional_sum_sequences": [L.Bidirectional(L.GRU(3, return_sequences=True),
                                                        merge_mode="sum", name="rnn")],
        "bidirectional_ave": [L.Bidirectional(L.SimpleRNN(2), merge_mode="ave", name="rnn")],
        "bidirectional_mul": [L.Bidirectional(L.LSTM(2), merge_mode="mul", name="rnn")],
        "stacked": [L.SimpleRNN(5, return_sequences=True, name="first"),
                    L.Bidirectional(L.LSTM(3, return_sequences=True), name="middle"),
                    L.GRU(4, name="rnn")],
    }


CASES = ["simple_rnn", "lstm", "gru", "gru_reset_before_no_bias", "lstm_go_backwards_sequences",
         "bidirectional_concat", "bidirectional_sum_sequences", "bidirectional_ave",
         "bidirectional_mul", "stacked"]


@pytest.mark.parametrize("case", CASES)
def test_stepped_layers_equal_the_model(keras, tmp_path, case):
    model = open_model(save(functional(keras, *layer_cases(keras)[case]), tmp_path))
    assert model.layers[-1].name == "rnn"
    for info in model.layers:
        run = model.step(info.name, IDS)
        assert run.max_abs_error < 1e-5, info
        for direction in run.directions:
            assert direction.max_abs_error < 1e-5
            snapshot = direction.lab.snapshot()
            assert snapshot.at_end and snapshot.max_abs_error < 1e-5  # the lab's own check
        # Independently of the engine: the model's own layer output.
        layer = model.model.get_layer(info.name)
        own = np.asarray(keras.Model(model.model.inputs[0], layer.output)(IDS))
        np.testing.assert_allclose(run.output, own, atol=1e-5)
    # The Dense head on the last stepped output equals model(ids).
    assert run.head_error is not None and run.head_error < 1e-5
    if not model.layers[-1].return_sequences:
        dense = model.model.get_layer("head")
        kernel, bias = dense.get_weights()
        logits = run.output @ kernel + bias
        probabilities = np.exp(logits - logits.max(-1, keepdims=True))
        probabilities /= probabilities.sum(-1, keepdims=True)
        np.testing.assert_allclose(probabilities, model.predict(IDS), atol=1e-5)


def test_lstm_states_are_the_models_h_and_c(keras, tmp_path):
    """h and c of every step, against the model's LSTM with return_state."""
    L = keras.layers
    model = open_model(save(functional(keras, L.LSTM(4, return_sequences=True, name="rnn"),
                                       head=False), tmp_path))
    run = model.step("rnn", IDS[1:])
    snapshot = run.directions[0].lab.snapshot()
    x = model.layer_input("rnn", IDS[1:])
    twin = L.LSTM(4, return_sequences=True, return_state=True)
    twin.build((None, T, 3))
    twin.set_weights(model.model.get_layer("rnn").get_weights())
    sequence, h, c = (np.asarray(a) for a in twin(x))
    np.testing.assert_allclose(np.swapaxes(snapshot.h, 0, 1), sequence, atol=1e-6)
    np.testing.assert_allclose(snapshot.c[-1], c, atol=1e-6)
    assert run.head_error is None  # no head to check


def test_layers_are_listed_with_their_shape(keras, tmp_path):
    model = open_model(save(functional(keras, *layer_cases(keras)["stacked"]), tmp_path))
    first, middle, last = model.layers
    assert (first.name, first.cell, first.units, first.input_dim, first.depth) == ("first", "simple_rnn", 5, 3, 1)
    assert middle.bidirectional and middle.merge_mode == "concat" and middle.input_dim == 5
    assert (last.cell, last.input_dim, last.return_sequences, last.depth) == ("gru", 6, False, 3)
    assert "Bidirectional(LSTM)" in middle.describe()
    assert model.layer() is last
    with pytest.raises(LabError, match="no recurrent layer 'nope'.*first, middle, rnn"):
        model.layer("nope")


def test_sequential_model(keras, tmp_path):
    L = keras.layers
    keras.utils.set_random_seed(2)
    sequential = keras.Sequential([keras.Input((T,), dtype="int32"), L.Embedding(VOCAB, 3),
                                   L.GRU(4, return_sequences=True), L.LSTM(2),
                                   L.Dense(VOCAB, activation="softmax")])
    model = open_model(save(sequential, tmp_path))
    assert [layer.cell for layer in model.layers] == ["gru", "lstm"]
    for info in model.layers:
        assert model.step(info.name, IDS).max_abs_error < 1e-5
    assert model.step(None, IDS).head_error < 1e-5


def test_masking_model_carries_the_state_over_padding(keras, tmp_path):
    """mask_zero=True: padded steps carry the state (the lab's pad mask), also in a batch of
    rows with different amounts of padding."""
    L = keras.layers
    model = open_model(save(functional(keras, L.LSTM(3, return_sequences=True, name="a"),
                                       L.Bidirectional(L.GRU(2), name="rnn"), mask_zero=True),
                            tmp_path))
    for ids in (IDS[:1], IDS):  # two pads then four words; and a batch with unequal padding
        for info in model.layers:
            run = model.step(info.name, ids)
            assert run.start == 0 and run.inputs.shape[1] == T and run.max_abs_error < 1e-5
            snapshot = run.directions[0].lab.snapshot()
            assert snapshot.config.mask_padding and snapshot.masked[:2, 0].all()  # row 1: two pads
            if len(ids) == 2:
                assert not snapshot.masked[:, 1].any()  # row 2 has no padding
        assert run.head_error < 1e-5
    with pytest.raises(LabError, match="all padding"):
        model.step("rnn", [[0] * T])


def test_text_input_shows_words_ids_and_padding(keras, tmp_path):
    """Stepping text encoded with the model's word_index: the lab has the words, the padded
    ids equal model.pad(model.encode(...)), and the checks hold."""
    from tui_lab.core.text import Corpus

    L = keras.layers
    corpus = Corpus(["the cat sat on the mat", "a dog ran"], "tiny", 100)
    path = save(functional(keras, L.SimpleRNN(3, return_sequences=True, name="first"),
                           L.Bidirectional(L.LSTM(2), name="rnn"), mask_zero=True), tmp_path,
                word_index=corpus.word_index)
    model = open_model(path)
    texts = ["the cat sat", "a dog ran on the mat, far"]
    run = model.step("rnn", texts=texts)
    expected = model.pad([model.encode(t)[1] for t in texts])
    assert run.ids.tolist() == expected.tolist()
    assert run.max_abs_error < 1e-5 and run.head_error < 1e-5
    snapshot = run.directions[1].lab.snapshot()
    assert snapshot.batch.rows[0].tokens == ("the", "cat", "sat")
    assert snapshot.batch.rows[0].pad_mask.tolist() == [True] * 3 + [False] * 3
    assert snapshot.batch.rows[1].tokens[-1] == "far" and snapshot.batch.rows[1].oov[-1]
    assert snapshot.config.go_backwards and snapshot.word_index == corpus.word_index
    # the same numbers as the raw ids
    np.testing.assert_allclose(run.output, model.step("rnn", expected).output, atol=1e-6)


def test_unsupported_activation_is_refused(keras, tmp_path):
    layer = keras.layers.SimpleRNN(3, activation="relu", name="rnn")
    model = open_model(save(functional(keras, layer), tmp_path))
    with pytest.raises(LabError, match="activation 'relu'"):
        model.step("rnn", IDS)


def test_words_and_ids(keras, tmp_path):
    from tui_lab.core.text import Corpus

    corpus = Corpus(["the cat sat on the mat", "a dog"], "tiny", 100)
    model = open_model(save(functional(keras, keras.layers.LSTM(2)), tmp_path,
                            word_index=corpus.word_index))
    text = "The cat, a bird, sat!"
    tokens, ids = model.encode(text)
    assert ids == corpus.tokenizer.texts_to_sequences([text])[0]
    assert tokens == ["the", "cat", "a", "bird", "sat"] and ids[3] == 1  # bird: OOV
    assert model.pad([ids]).tolist() == [[0] + ids]
    assert model.pad([ids + ids]).tolist() == [(ids + ids)[-T:]]  # keep the latest words
    assert model.word(ids[1]) == "cat" and model.word(11) == "<id 11>"


def test_fit_text_limits_ids_to_the_embedding(keras, tmp_path):
    text = tmp_path / "words.txt"
    text.write_text(" ".join(f"w{i}" for i in range(30)) + "\n")
    model = open_model(save(functional(keras, keras.layers.GRU(2)), tmp_path), fit_text=text)
    tokens, ids = model.encode("w0 w29")
    assert ids[0] == 2 and ids[1] == 1  # w29 has id 31 >= 12: OOV, as Tokenizer(num_words) does
    assert model.vocabulary_source.startswith("the tokenizer fitted on")


# ----- models and vocabularies the lab cannot use -------------------------------------------
def bad_files(keras, tmp_path):
    L = keras.layers
    lam = keras.Sequential([keras.Input((T,)), L.Lambda(lambda x: x * 2), L.Dense(2)])
    dense_only = keras.Sequential([keras.Input((T,)), L.Dense(2)])
    no_recurrent = keras.Sequential([keras.Input((T,), dtype="int32"), L.Embedding(VOCAB, 3),
                                     L.GlobalAveragePooling1D(), L.Dense(2)])
    text = tmp_path / "text.keras"
    text.write_text("not a model\n")
    archive = tmp_path / "archive.keras"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("hello.txt", "hi")
    return {
        "Lambda layer with Python code.*safe_mode": save(lam, tmp_path, "lambda.keras"),
        "is not a Keras model file": text,
        "is not a Keras model file the lab": archive,
        "no SimpleRNN, LSTM or GRU layer": save(dense_only, tmp_path, "dense.keras"),
        "no SimpleRNN, LSTM or GRU layer .alone or in Bidirectional.": save(no_recurrent,
                                                                           tmp_path, "pool.keras"),
        "no such model file": tmp_path / "missing.keras",
        "not a .keras model file": tmp_path / "text.keras.txt",
    }


def test_bad_models_are_clear_errors(keras, tmp_path, capfd):
    (tmp_path / "text.keras.txt").write_text("x")
    for message, path in bad_files(keras, tmp_path).items():
        with pytest.raises(LabError, match=message):
            open_model(path)
        capfd.readouterr()
        assert main(["generate", "--model", str(path), "--seed-text", "a"]) == 2
        out, err = capfd.readouterr()
        assert err.count("\n") == 1 and err.startswith("tui-lab generate: error: "), err
        assert "Traceback" not in err and out == ""
    # No Embedding: one-hot rows (batch, time, 3) read as characters, which need their list.
    one_hot = save(keras.Sequential([keras.Input((T, 3)), keras.layers.LSTM(2),
                                     keras.layers.Dense(2)]), tmp_path, "one_hot.keras")
    assert open_model(one_hot).reads_characters
    assert main(["generate", "--model", str(one_hot), "--seed-text", "a"]) == 2
    assert "reads one-hot characters and has no character list: give --fit-text FILE" in \
        capfd.readouterr().err


def test_bad_word_index(keras, tmp_path, capfd):
    path = save(functional(keras, keras.layers.LSTM(2)), tmp_path)
    with pytest.raises(LabError, match="no word_index beside it.*--word-index FILE.*--fit-text"):
        open_model(path).encode("a b")
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"<OOV>": 1, "a": 2, "b": VOCAB}))
    with pytest.raises(LabError, match=f"maps 'b' to id {VOCAB}.*ids 0-{VOCAB - 1}"):
        open_model(path, word_index=big)
    for content in ("[1, 2]", "{\"a\": \"x\"}", "{\"a\": 0}", "not json", "{}"):
        big.write_text(content)
        with pytest.raises(LabError, match="is not a word_index"):
            open_model(path, word_index=big)
    with pytest.raises(LabError, match="either a word_index or a text"):
        open_model(path, word_index=big, fit_text=big)
    with pytest.raises(LabError, match="outside the model's Embedding"):
        open_model(path).step(None, [[1, 2, VOCAB]])
    capfd.readouterr()
    assert main(["trace", "--model", str(path), "--text", "a b"]) == 2
    err = capfd.readouterr().err
    assert err.count("\n") == 1 and "--word-index FILE" in err and "--ids 1,2,3" in err


def test_trace_command_with_a_model(keras, tmp_path, capfd):
    L = keras.layers
    path = save(functional(keras, L.LSTM(3, return_sequences=True, name="first"),
                           L.Bidirectional(L.GRU(2), merge_mode="sum", name="rnn")), tmp_path)
    capfd.readouterr()
    assert main(["trace", "--model", str(path), "--layer", "rnn", "--ids", "3,5,1"]) == 0
    trace = json.loads(capfd.readouterr().out)
    assert trace["padded"] == [[0, 0, 0, 3, 5, 1]] and trace["model"]["merge_mode"] == "sum"
    assert set(trace["directions"]) == {"forward", "backward"}
    assert trace["directions"]["backward"]["config"]["go_backwards"] is True
    assert trace["max_abs_error"] < 1e-5 and trace["head_max_abs_error"] < 1e-5
    out = tmp_path / "t.json"
    assert main(["trace", "--model", str(path), "--layer", "first", "--ids", "3", "-o", str(out)]) == 0
    trace = json.loads(out.read_text())
    assert trace["head_max_abs_error"] is None and len(trace["directions"]["forward"]["steps"]) == T
    assert main(["trace", "--model", str(path), "--ids", "3", "-o", str(tmp_path / "t.npz")]) == 2
    assert main(["trace", "--model", str(path), "--layer", "nope", "--ids", "3"]) == 2
    err = capfd.readouterr().err.splitlines()
    assert len(err) == 2 and "JSON" in err[0] and "no recurrent layer 'nope'" in err[1]


# ----- models the lab does not understand: refused at open, naming the layer -------------------
@pytest.fixture(scope="module")
def odd_models(keras, tmp_path_factory):
    """Tiny models whose recurrent layers or outputs the lab cannot step faithfully, saved once:
    name -> (path, what the refusal must say)."""
    L = keras.layers
    folder = tmp_path_factory.mktemp("odd_models")
    keras.utils.set_random_seed(4)

    def ids():
        return keras.Input((T,), dtype="int32")

    def embedded(inputs, **kwargs):
        return L.Embedding(VOCAB, 3, **kwargs)(inputs)

    def softmax(x):
        return L.Dense(VOCAB, activation="softmax", name="head")(x)

    built = {}
    inputs = ids()
    x = L.Bidirectional(L.LSTM(5), backward_layer=L.GRU(7, go_backwards=True), name="mixed")(
        embedded(inputs))
    built["unlike_directions"] = (keras.Model(inputs, softmax(x)),
                                  r"layer mixed is Bidirectional with a forward LSTM\(5\) and a "
                                  r"backward GRU\(7\).*same cell with the same units")
    inputs = ids()
    x = L.Bidirectional(L.GRU(3), backward_layer=L.GRU(4, go_backwards=True), name="sizes")(
        embedded(inputs))
    built["unlike_units"] = (keras.Model(inputs, softmax(x)),
                             r"layer sizes .* forward GRU\(3\) and a backward GRU\(4\)")
    inputs = ids()
    sequence, h, c = L.LSTM(4, return_state=True, name="rnn")(embedded(inputs))
    x = L.Concatenate(name="reads_c")([sequence, h, c])
    built["head_reads_c"] = (keras.Model(inputs, softmax(x)),
                             r"layer rnn passes its states \(return_state=True\) to layer reads_c;"
                             r".*read only a recurrent layer's output")
    inputs = ids()
    sequence, h = L.GRU(4, return_state=True, name="rnn")(embedded(inputs))
    built["state_is_the_output"] = (keras.Model(inputs, h),
                                    r"layer rnn passes its states .* to the model's output")
    inputs = ids()
    x = L.LSTM(4, name="rnn")(embedded(inputs))
    built["two_outputs"] = (keras.Model(inputs, [softmax(x), L.Dense(2, name="extra")(x)]),
                            r"has 2 outputs \(from layers head, extra\); the lab opens models "
                            r"with one output")
    inputs = keras.Input((T,), dtype="int32", batch_size=1)
    x = L.LSTM(4, stateful=True, name="carry")(embedded(inputs))
    built["stateful"] = (keras.Model(inputs, softmax(x)),
                         r"layer carry is stateful \(stateful=True\).*stateless layers only")
    inputs = keras.Input((T,), dtype="int32", batch_size=2)
    x = L.Bidirectional(L.GRU(3, stateful=True), name="bi_carry")(embedded(inputs))
    built["stateful_bidirectional"] = (keras.Model(inputs, softmax(x)),
                                       r"layer bi_carry is stateful")
    paths = {}
    for name, (model, message) in built.items():
        path = folder / f"{name}.keras"
        model.save(path)
        paths[name] = (path, message)
    return paths


ODD = ["unlike_directions", "unlike_units", "head_reads_c", "state_is_the_output", "two_outputs",
       "stateful", "stateful_bidirectional"]


@pytest.mark.parametrize("name", ODD)
def test_models_the_lab_does_not_understand_are_refused_at_open(odd_models, name, capfd):
    from tui_lab.trained.lab import open_model_lab

    path, message = odd_models[name]
    with pytest.raises(LabError, match=message):
        open_model(path)
    with pytest.raises(LabError, match=message):
        open_model_lab(path, raw_ids=True)  # the app's way in
    capfd.readouterr()
    assert main(["generate", "--model", str(path), "--ids", "2,3"]) == 2
    out, err = capfd.readouterr()
    assert err.count("\n") == 1 and err.startswith("tui-lab generate: error: ") and out == ""
    assert main(["trace", "--model", str(path), "--ids", "2,3"]) == 2
    out, err = capfd.readouterr()
    assert err.count("\n") == 1 and "Traceback" not in err and out == ""


def test_returned_states_nothing_reads_are_fine(keras, tmp_path):
    """return_state=True whose states no layer reads: the lab steps the output as usual (the
    head is split off the layer's output alone)."""
    L = keras.layers
    keras.utils.set_random_seed(5)
    inputs = keras.Input((T,), dtype="int32")
    sequence, _h, _c = L.LSTM(4, return_state=True, name="rnn")(L.Embedding(VOCAB, 3)(inputs))
    model = open_model(save(keras.Model(inputs, L.Dense(VOCAB, activation="softmax")(sequence)),
                            tmp_path))
    run = model.step("rnn", IDS)
    assert run.max_abs_error < 1e-5 and run.head_error is not None and run.head_error < 1e-5


def test_a_bidirectional_layer_with_like_directions_given_explicitly_opens(keras, tmp_path):
    L = keras.layers
    layer = L.Bidirectional(L.GRU(3), backward_layer=L.GRU(3, go_backwards=True), name="rnn")
    model = open_model(save(functional(keras, layer), tmp_path))
    run = model.step("rnn", IDS)
    assert run.max_abs_error < 1e-5 and run.head_error < 1e-5
