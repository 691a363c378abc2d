"""`tui-lab train`: the lesson's n-gram data, files written atomically, reproducible weights."""

import io
import json

import numpy as np
import pytest

from tui_lab import LabError
from tui_lab.cli import main
from tui_lab.models import open_model
from tui_lab.text import Corpus
from tui_lab.training import train, training_data

TEXT = "the cat sat on the mat\nthe dog sat\na cat\n"


@pytest.fixture
def text(tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text(TEXT)
    return path


def test_training_data_is_the_lessons_ngrams(keras):
    data = training_data(TEXT.splitlines(), "tiny")
    wi = data.word_index
    assert wi == Corpus(TEXT.splitlines(), "x", 1000).word_index and wi["<OOV>"] == 1
    the, cat, sat, on, mat = (wi[w] for w in ("the", "cat", "sat", "on", "mat"))
    assert data.vocab_size == len(wi) + 1
    assert data.xs.shape == (5 + 2 + 1, 5)  # prefixes of lengths 2..6 padded 'pre' to 6, minus label
    assert data.xs[0].tolist() == [0, 0, 0, 0, the] and data.ys[0] == cat
    assert data.xs[4].tolist() == [the, cat, sat, on, the] and data.ys[4] == mat
    with pytest.raises(LabError, match="no line with two words"):
        training_data(["one", "two"], "short")


def test_train_writes_model_and_word_index_reproducibly(keras, text, tmp_path):
    stream = io.StringIO()
    first = train(text, tmp_path / "a.keras", units=4, embedding_dim=3, epochs=3, seed=7,
                  progress=stream)
    assert first.model_path.is_file() and first.word_index_path == tmp_path / "a.word_index.json"
    assert stream.getvalue().startswith("\repoch 1/3 [") and stream.getvalue().endswith("\n")
    assert "loss" in stream.getvalue() and "accuracy" in stream.getvalue()
    word_index = json.loads(first.word_index_path.read_text())
    assert word_index == training_data(TEXT.splitlines()).word_index
    model = open_model(first.model_path)
    assert model.word_index == word_index and model.maxlen == 5
    vocab = len(word_index) + 1
    assert model.vocab_size == vocab and model.model.output_shape == (None, vocab)
    second = train(text, tmp_path / "b.keras", units=4, embedding_dim=3, epochs=3, seed=7,
                   progress=None)
    other = train(text, tmp_path / "c.keras", units=4, embedding_dim=3, epochs=3, seed=8,
                  progress=None)
    same = [np.array_equal(a, b) for a, b in zip(model.model.get_weights(),
                                                  open_model(second.model_path).model.get_weights())]
    assert all(same) and first.loss == second.loss
    different = open_model(other.model_path).model.get_weights()
    assert not np.array_equal(model.model.get_weights()[0], different[0])
    # The trained model steps in the lab like any other.
    run = model.step(None, model.pad([model.encode("the cat sat")[1]]))
    assert run.max_abs_error < 1e-5 and run.head_error < 1e-5


def test_bidirectional_gru(keras, text, tmp_path):
    result = train(text, tmp_path / "bi.keras", cell="gru", bidirectional=True, units=3,
                   embedding_dim=2, epochs=1, progress=None)
    model = open_model(result.model_path)
    (layer,) = model.layers
    assert layer.bidirectional and layer.cell == "gru" and layer.units == 3
    assert model.step(None, model.pad([[2, 3]])).head_error < 1e-5


def test_interrupt_leaves_no_file(keras, text, tmp_path):
    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            raise KeyboardInterrupt

    out = tmp_path / "out"
    out.mkdir()
    (out / "kept.keras").write_text("an older model")
    with pytest.raises(KeyboardInterrupt):
        train(text, out / "kept.keras", units=2, embedding_dim=2, epochs=5, progress=None,
              callbacks=[Interrupt()])
    with pytest.raises(KeyboardInterrupt):
        train(text, out / "new.keras", units=2, embedding_dim=2, epochs=5, progress=None,
              callbacks=[Interrupt()])
    assert sorted(p.name for p in out.iterdir()) == ["kept.keras"]
    assert (out / "kept.keras").read_text() == "an older model"


def test_bad_settings(keras, text, tmp_path):
    for kwargs, message in (({"cell": "rnn"}, "unknown cell"), ({"units": 0}, "units"),
                            ({"epochs": 0}, "epochs"), ({"learning_rate": -1}, "learning rate")):
        with pytest.raises(LabError, match=message):
            train(text, tmp_path / "m.keras", progress=None, **kwargs)
    for output, message in (("m.h5", "must end in .keras"), ("no/such/m.keras", "does not exist")):
        with pytest.raises(LabError, match=message):
            train(text, tmp_path / output, progress=None)
    assert list(tmp_path.glob("*.keras")) == []


def test_train_command(keras, text, tmp_path, capfd):
    out = tmp_path / "m.keras"
    assert main(["train", str(text), "--cell", "simple_rnn", "--units", "3", "--embedding-dim",
                 "2", "--epochs", "2", "--seed", "1", "-o", str(out)]) == 0
    stdout, stderr = capfd.readouterr()
    assert stdout.startswith(f"wrote {out} and {tmp_path / 'm.word_index.json'}")
    assert "epoch 2/2 [####################]" in stderr
    assert open_model(out).layers[0].cell == "simple_rnn"
    for argv in (["train", str(text), "--cell", "nope", "-o", str(out)],
                 ["train", str(tmp_path / "missing.txt"), "-o", str(out)],
                 ["train", str(text), "--epochs", "x"],
                 ["train", str(text), "-o", str(tmp_path / "m.txt")]):
        assert main(argv) == 2
        stdout, stderr = capfd.readouterr()
        assert stderr.count("\n") == 1 and stderr.startswith("tui-lab train: error:"), stderr
