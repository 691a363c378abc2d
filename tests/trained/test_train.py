"""`tui-lab train`: the lesson's n-gram data, files written atomically, reproducible weights."""

import io
import json
import re

import numpy as np
import pytest

from tui_lab import LabError
from tui_lab.cli.main import main
from tui_lab.trained.loading import open_model
from tui_lab.core.text import Corpus
from tui_lab.trained.training import train, training_data

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


# ----- files and signals --------------------------------------------------------------------
import os  # noqa: E402
import signal  # noqa: E402
import stat  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

from tui_lab.trained import training  # noqa: E402


def test_model_files_follow_the_umask(keras, text, tmp_path):
    saved = os.umask(0o027)
    try:
        result = train(text, tmp_path / "m.keras", units=2, embedding_dim=2, epochs=1,
                       progress=None)
    finally:
        os.umask(saved)
    for path in (result.model_path, result.word_index_path):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras", "m.word_index.json", "tiny.txt"]


def test_outputs_that_are_not_files_are_refused_before_training(text, tmp_path):
    os.mkfifo(tmp_path / "p.keras")
    os.mkfifo(tmp_path / "q.word_index.json")
    (tmp_path / "d.keras").mkdir()
    for name, message in (("p.keras", r"p.keras is a named pipe \(FIFO\), not a model file"),
                          ("q.keras", r"is a named pipe \(FIFO\), not a word_index file"),
                          ("d.keras", "is a folder, not a model file"),
                          ("a" * 300 + ".keras", "the file name is too long")):
        with pytest.raises(LabError, match=message):
            train(text, tmp_path / name, progress=None)
    assert stat.S_ISFIFO(os.stat(tmp_path / "p.keras").st_mode)


@pytest.mark.parametrize("read_only", ["m.keras", "m.word_index.json"])
def test_a_read_only_model_or_word_index_is_refused_before_training(keras, text, tmp_path,
                                                                    capfd, read_only):
    for name in ("m.keras", "m.word_index.json"):
        (tmp_path / name).write_text("mine")
    (tmp_path / read_only).chmod(0o444)
    argv = ["train", str(text), "--units", "2", "--embedding-dim", "2", "--epochs", "1", "-o",
            str(tmp_path / "m.keras")]
    assert main(argv) == 2
    out, err = capfd.readouterr()
    assert out == "" and err == (f"tui-lab train: error: cannot write {tmp_path / read_only}: "
                                 f"it is read-only (-r--r--r--), so it was left as it is "
                                 f"(--force replaces it)\n")  # before any epoch
    assert all((tmp_path / name).read_text() == "mine" for name in ("m.keras", "m.word_index.json"))
    assert main(argv + ["--force"]) == 0
    assert "cat" in json.loads((tmp_path / "m.word_index.json").read_text())
    assert open_model(tmp_path / "m.keras").layers[0].units == 2
    assert stat.S_IMODE(os.stat(tmp_path / read_only).st_mode) == 0o444


def test_training_settings_are_bounded(text, tmp_path):
    for kwargs, message in (({"units": 10**9}, "units must be a whole number from 1 to 1,024"),
                            ({"embedding_dim": 10**9}, "embedding_dim .* from 1 to 1,024"),
                            ({"epochs": 10**9}, "epochs .* from 1 to 100,000"),
                            ({"seed": 2**32}, "seed .* from 0 to 4,294,967,295"),
                            ({"learning_rate": float("inf")}, "learning rate must be above 0"),
                            ({"learning_rate": float("nan")}, "learning rate must be above 0")):
        with pytest.raises(LabError, match=message):
            train(text, tmp_path / "m.keras", progress=None, **kwargs)


def test_a_huge_single_line_is_refused_before_its_ngrams_exist(keras):
    line = "oh yes i am the great pretender " * 70_000  # 1.2 MB, 490,000 words
    with pytest.raises(LabError, match=r"training on one line \(489,999 prefixes padded to "
                                       r"489,999 words\) needs ~.* TiB of memory"):
        training_data([line], "one line")


def kill_self_when(monkeypatch, keras, signum, where):
    """Send signum to this process at `where`: the end of training (a callback), inside a
    finalizer there (Python swallows what it raises), or while Keras saves the model."""

    class Finalizer:
        def __del__(self):
            os.kill(os.getpid(), signum)
            for _ in range(10_000):  # the handler runs here, inside __del__
                pass

    original = training.progress_callback

    def progress(epochs, stream):
        callback = original(epochs, stream)
        end = callback.on_train_end

        def on_train_end(logs=None):
            end(logs)
            if where == "end of training":
                os.kill(os.getpid(), signum)
            elif where == "finalizer":
                Finalizer()

        callback.on_train_end = on_train_end
        return callback

    save = keras.Model.save

    def saving(model, path, *args, **kwargs):
        save(model, path, *args, **kwargs)
        if where == "saving":
            os.kill(os.getpid(), signum)

    monkeypatch.setattr(training, "progress_callback", progress)
    monkeypatch.setattr(keras.Model, "save", saving)


@pytest.mark.parametrize("where", ["end of training", "finalizer", "saving"])
@pytest.mark.parametrize("signum,code,word", [(signal.SIGTERM, 143, "terminated"),
                                              (signal.SIGINT, 130, "interrupted")])
def test_a_signal_after_the_last_epoch_writes_nothing(keras, text, tmp_path, capfd, monkeypatch,
                                                      where, signum, code, word):
    kill_self_when(monkeypatch, keras, signum, where)
    out = tmp_path / "out"
    out.mkdir()
    assert main(["train", str(text), "--units", "2", "--embedding-dim", "2", "--epochs", "1",
                 "-o", str(out / "m.keras")]) == code
    err = capfd.readouterr().err
    assert err.endswith(f"]\ntui-lab train: {word}\n") or err.endswith(f"\ntui-lab train: {word}\n")
    assert "Exception ignored" not in err and "Traceback" not in err
    assert list(out.iterdir()) == []  # no model, no word_index, no temporary file


@pytest.mark.parametrize("signum,code,word", [(signal.SIGTERM, 143, "terminated"),
                                              (signal.SIGINT, 130, "interrupted")])
def test_a_signal_while_training_in_a_real_process(text, tmp_path, signum, code, word):
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "tui_lab", "train", str(text), "--units", "2",
                             "--embedding-dim", "2", "--epochs", "100000", "-o",
                             str(out / "m.keras")], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        seen = b""
        while b"epoch 2/" not in seen:  # training has started
            byte = proc.stderr.read(1)
            assert byte, seen
            seen += byte
        proc.send_signal(signum)
        rest = proc.communicate(timeout=60)[1]
    finally:
        proc.kill()
    assert proc.returncode == code
    assert rest.decode().endswith(f"\ntui-lab train: {word}\n") and b"Traceback" not in rest
    assert list(out.iterdir()) == []


SIGNAL_AT = """
import atexit, os, sys
from tui_lab.cli.main import main
from tui_lab.core import files, tf_loader

where, signum = sys.argv.pop(1), int(sys.argv.pop(1))
if where == "at exit":  # after main returned, while the interpreter and TensorFlow shut down
    atexit.register(os.kill, os.getpid(), signum)  # (registered first: runs last)
elif where == "after the commit":  # the files are in place, the command not yet ended
    commit_all = files.commit_all

    def committed(*written):
        commit_all(*written)
        os.kill(os.getpid(), signum)

    files.commit_all = committed
else:  # "while saving": the model is being written, nothing is in place yet
    Model = tf_loader.keras().Model  # (imported quietly, as the lab does)
    save = Model.save

    def saving(model, *args, **kwargs):
        save(model, *args, **kwargs)
        os.kill(os.getpid(), signum)

    Model.save = saving
sys.exit(main())
"""


@pytest.mark.parametrize("where", ["while saving", "after the commit", "at exit"])
@pytest.mark.parametrize("signum,code,word", [(signal.SIGTERM, 143, "terminated"),
                                              (signal.SIGINT, 130, "interrupted")])
def test_a_signal_before_the_files_are_in_place_keeps_the_old_ones_and_after_is_success(
        text, tmp_path, where, signum, code, word):
    """Deterministic: the signal comes from the process itself at a known point. Before the
    commit point the old files stay and the command says it was interrupted; once the files
    are in place the command has succeeded (exit 0, its normal output), whenever the signal
    comes, the interpreter's teardown included."""
    model, index = tmp_path / "m.keras", tmp_path / "m.word_index.json"
    model.write_text("old model")
    index.write_text("old index")
    done = subprocess.run([sys.executable, "-c", SIGNAL_AT, where, str(int(signum)), "train",
                           str(text), "--units", "2", "--embedding-dim", "2", "--epochs", "1",
                           "-o", str(model)], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
    if where == "while saving":
        assert done.returncode == code and done.stdout == ""
        assert done.stderr.endswith(f"\ntui-lab train: {word}\n")
        assert (model.read_text(), index.read_text()) == ("old model", "old index")
    else:
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(f"wrote {model} and {index} (loss ")
        # (text mode reads the progress line's \r as \n)
        assert re.fullmatch(r"\nepoch 1/1 \[#{20}\] loss \S+ accuracy \S+\n", done.stderr)
        assert "cat" in json.loads(index.read_text()) and open_model(model).layers[0].units == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras", "m.word_index.json",
                                                          "tiny.txt"]


# ----- numerics: a non-finite loss writes nothing --------------------------------------------
def poison_at(keras, batch_number):
    """A callback that turns the Embedding's weights into NaN before a batch, as a diverging
    run does: the loss of that batch is NaN."""

    class Poison(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if batch == batch_number:
                layer = self.model.get_layer("embedding")
                layer.set_weights([np.full_like(w, np.nan) for w in layer.get_weights()])

    return Poison()


def test_a_non_finite_loss_stops_training_and_writes_nothing(keras, text, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    stream = io.StringIO()
    with pytest.raises(LabError, match=r"training stopped after epoch 1: the loss became "
                                       r"nan.*nothing was written"):
        train(text, out / "m.keras", units=2, embedding_dim=2, epochs=50, batch_size=2,
              progress=stream, callbacks=[poison_at(keras, 1)])
    assert list(out.iterdir()) == []
    # It stopped there: the progress line shows one epoch, not fifty, and is ended.
    assert "epoch 1/50" in stream.getvalue() and "epoch 2/50" not in stream.getvalue()
    assert stream.getvalue().endswith("\n")


def test_the_guard_stops_keras_at_the_first_bad_epoch(keras):
    from tui_lab.trained.training import finite_loss_guard

    guard = finite_loss_guard()
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    guard.set_model(model)
    model.stop_training = False  # as fit() sets it
    guard.on_epoch_end(0, {"loss": 0.5})
    assert guard.stopped is None and not model.stop_training
    guard.on_epoch_end(2, {"loss": float("inf")})
    guard.on_epoch_end(3, {"loss": float("nan")})
    assert guard.stopped == (3, float("inf")) and model.stop_training  # the first one kept


@pytest.mark.parametrize("learning_rate", [float("inf"), float("nan"), -float("inf"), 10**400,
                                           np.float64("inf"), 0, 11.0, "0.1", None, True])
def test_non_finite_and_impossible_learning_rates_are_refused(text, tmp_path, learning_rate):
    with pytest.raises(LabError, match="the learning rate must"):
        train(text, tmp_path / "m.keras", learning_rate=learning_rate, progress=None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.txt"]


def test_numpy_numbers_are_settings_too(keras, text, tmp_path):
    result = train(text, tmp_path / "m.keras", units=np.int64(2), embedding_dim=np.int32(2),
                   epochs=np.int64(1), seed=np.uint8(3), batch_size=np.int16(4),
                   learning_rate=np.float32(0.01), bidirectional=np.bool_(False), progress=None)
    assert result.epochs == 1 and type(result.epochs) is int
    assert open_model(result.model_path).layers[0].units == 2
