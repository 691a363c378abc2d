"""Training the lesson's next-word model: n-gram prefixes of every line -> the next word.

Embedding -> recurrent layer (optionally Bidirectional) -> Dense softmax over the vocabulary,
exactly as the lesson builds it. The tokenizer is the lab's (Corpus: Keras' Tokenizer with
oov_token "<OOV>"); vocabulary = len(word_index) + 1, so every id the Tokenizer gives has a row
in the Embedding and a column in the Dense. The model and its word_index are written
atomically (files.AtomicFile): an interrupted run leaves no file behind, not even a
temporary one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tui_lab.core import checks, files, interrupts, resources, tf_loader
from tui_lab.config import (CELL_TITLES, CELLS, MAX_EMBEDDING_DIM, MAX_MAXLEN, MAX_NUM_WORDS,
                     MAX_UNITS)
from tui_lab.errors import LabError
from tui_lab.trained.loading import word_index_path
from tui_lab.core.text import Corpus, lyrics_path

MAX_VOCABULARY = 50_000
MAX_EPOCHS = 100_000
MAX_SEED = 2**32 - 1  # what keras.utils.set_random_seed takes
MAX_LEARNING_RATE = 10.0
MAX_BATCH_SIZE = 65_536


@dataclass(frozen=True)
class TrainingData:
    word_index: dict[str, int]
    xs: np.ndarray  # (samples, maxlen) prefixes padded 'pre'
    ys: np.ndarray  # (samples,) the next word's id
    vocab_size: int  # len(word_index) + 1


@dataclass(frozen=True)
class TrainResult:
    model_path: Path
    word_index_path: Path
    epochs: int
    loss: float
    accuracy: float


def training_data(lines: list[str], name: str = "text") -> TrainingData:
    """The lesson's data: for each line with ids [a, b, c, d], the prefixes [a, b], [a, b, c],
    [a, b, c, d], padded 'pre' to the longest; the last id of each is the label."""
    lines = checks.text_lines(lines, "the lines to train on")
    name = checks.text_argument(name, "the text's name")
    keras = tf_loader.keras()
    corpus = Corpus(lines, name, MAX_NUM_WORDS)  # no num_words cut: every word keeps its id
    word_index = dict(corpus.word_index)
    vocab_size = len(word_index) + 1
    if vocab_size > MAX_VOCABULARY:
        raise LabError(f"{name} has {len(word_index):,} different words; the lab trains small "
                       f"models on at most {MAX_VOCABULARY - 1:,}")
    rows = corpus.tokenizer.texts_to_sequences(lines)
    samples = sum(max(len(ids) - 1, 0) for ids in rows)
    if not samples:
        raise LabError(f"{name} has no line with two words or more, so there is no next word to learn")
    longest = max(len(ids) for ids in rows)
    resources.check_dataset(samples, longest - 1, name)  # before the prefixes are made
    prefixes = []
    for ids in rows:
        prefixes.extend(ids[:end] for end in range(2, len(ids) + 1))
    padded = keras.utils.pad_sequences(prefixes, maxlen=longest, padding="pre").astype(np.int32)
    return TrainingData(word_index, padded[:, :-1], padded[:, -1], vocab_size)


def build_model(vocab_size: int, maxlen: int, *, cell: str = "lstm", units: int = 32,
                embedding_dim: int = 16, bidirectional: bool = False):
    vocab_size = checks.whole_number(vocab_size, "vocab_size", 2, MAX_VOCABULARY)
    maxlen = checks.whole_number(maxlen, "maxlen", 1, MAX_MAXLEN)
    cell, units, embedding_dim, bidirectional = _model_settings(cell, units, embedding_dim,
                                                                bidirectional)
    keras = tf_loader.keras()
    layers = keras.layers
    recurrent = getattr(layers, CELL_TITLES[cell])(units, name=cell)
    if bidirectional:
        recurrent = layers.Bidirectional(recurrent, name=f"bidirectional_{cell}")
    inputs = keras.Input((maxlen,), dtype="int32", name="ids")
    x = layers.Embedding(vocab_size, embedding_dim, name="embedding")(inputs)
    x = recurrent(x)
    outputs = layers.Dense(vocab_size, activation="softmax", name="next_word")(x)
    return keras.Model(inputs, outputs, name="next_word_model")


def _model_settings(cell, units, embedding_dim, bidirectional) -> tuple[str, int, int, bool]:
    """The model's settings checked (numpy ints accepted), in the order given."""
    if not isinstance(cell, str) or cell not in CELLS:
        raise LabError(f"unknown cell {checks.shown(cell)}; choose one of: {', '.join(CELLS)}")
    return (cell, checks.whole_number(units, "units", 1, MAX_UNITS),
            checks.whole_number(embedding_dim, "embedding_dim", 1, MAX_EMBEDDING_DIM),
            checks.boolean(bidirectional, "bidirectional"))


def _stream(stream, what: str):
    if stream is not None and not callable(getattr(stream, "write", None)):
        raise LabError(f"{what} must be a stream with write() (e.g. sys.stderr) or None, not "
                       f"{checks.shown(stream)}")
    return stream


def progress_callback(epochs: int, stream):
    """A Keras Callback drawing one '\\r' line: epoch, a bar, loss and accuracy."""
    epochs = checks.whole_number(epochs, "epochs", 1, MAX_EPOCHS)
    if _stream(stream, "the progress stream") is None:
        raise LabError("the progress stream must be a stream with write(), e.g. sys.stderr")
    keras = tf_loader.keras()

    class Progress(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            done = (epoch + 1) / epochs
            bar = "#" * int(done * 20)
            stream.write(f"\repoch {epoch + 1}/{epochs} [{bar:<20}] loss {logs.get('loss', 0):.4f} "
                         f"accuracy {logs.get('accuracy', 0):.4f}")
            stream.flush()

        def on_train_end(self, logs=None):
            stream.write("\n")
            stream.flush()

    return Progress()


def finite_loss_guard():
    """A Keras Callback that stops training after the first epoch whose loss is NaN or
    infinite and remembers it (`stopped`: epoch, loss), so `train` can refuse to save a model
    whose weights are no longer numbers (Keras itself would carry on and save it).

    Checked per epoch, not per batch: a batch hook would make Keras run every batch's
    callbacks synchronously, converting the logs each time; a loss that turns NaN stays NaN
    in the epoch's mean, and the weights stay NaN, so the epoch's loss shows it."""
    keras = tf_loader.keras()

    class FiniteLoss(keras.callbacks.Callback):
        stopped: tuple[int, float] | None = None

        def on_epoch_end(self, epoch, logs=None):
            loss = (logs or {}).get("loss")
            if loss is not None and not np.isfinite(float(loss)) and self.stopped is None:
                self.stopped = (epoch + 1, float(loss))
                self.model.stop_training = True

    return FiniteLoss()


def check_output(path: Path, force: bool = False) -> Path:
    """The .keras path training will write, or LabError saying why it cannot (force: a
    read-only model or word_index file may be replaced)."""
    path = checks.path_argument(path, "the model file").expanduser()
    force = checks.boolean(force, "force")
    if path.suffix != ".keras":
        raise LabError(f"the model file must end in .keras, not {files.shown(path.name)!r}")
    # A folder, a device, a missing folder, a read-only file: refused now, before training.
    files.AtomicFile(path, "model file", force=force)
    files.AtomicFile(word_index_path(path), "word_index file", force=force)
    return path


def save(model, word_index: dict[str, int], output: Path, force: bool = False) -> Path:
    """Write the model and its word_index (returns the word_index's path): both or neither.

    Keras writes under interrupts.deferred(): a ctrl+c or SIGTERM raised inside its zip and
    h5py code could be swallowed by a finalizer and leave a model written after all; noted
    instead, it cancels both files at the commit point (files.commit_all)."""
    index_path = word_index_path(output)
    with files.AtomicFile(output, "model file", ".keras", force) as model_file, \
            files.AtomicFile(index_path, "word_index file", ".json", force) as index_file:
        with interrupts.deferred():
            try:
                model.save(model_file.temp)
            except OSError as error:
                raise model_file.error(error) from None
            index_file.write(json.dumps(word_index, ensure_ascii=False).encode())
            files.commit_all(index_file, model_file)
    return index_path


def _callbacks(callbacks) -> list:
    if not isinstance(callbacks, (list, tuple)):
        raise LabError(f"callbacks must be a list of keras.callbacks.Callback, not "
                       f"{checks.shown(callbacks)}")
    # Keras is imported only to check callbacks that were given (then it is loaded anyway).
    if callbacks and not all(isinstance(c, tf_loader.keras().callbacks.Callback)
                             for c in callbacks):
        raise LabError(f"callbacks must be a list of keras.callbacks.Callback, not "
                       f"{checks.shown(callbacks)}")
    return list(callbacks)


def train(text: str | Path | None = None, output: str | Path = "model.keras", *,
          cell: str = "lstm", units: int = 32, embedding_dim: int = 16,
          bidirectional: bool = False, epochs: int = 150, seed: int = 0,
          learning_rate: float = 0.01, batch_size: int = 32, progress=None,
          callbacks=(), force: bool = False) -> TrainResult:
    """Train on a text file (the lyrics if None); write output and its word_index beside it.

    Same seed, same machine: the same weights (keras.utils.set_random_seed is enough on CPU;
    checked by the tests). progress: a stream (e.g. sys.stderr) for the one-line progress
    bar; None draws none. force: replace a model or word_index file that is read-only."""
    from tui_lab.core.text import read_lines

    cell, units, embedding_dim, bidirectional = _model_settings(cell, units, embedding_dim,
                                                                bidirectional)
    epochs = checks.whole_number(epochs, "epochs", 1, MAX_EPOCHS)
    seed = checks.whole_number(seed, "seed", 0, MAX_SEED)
    batch_size = checks.whole_number(batch_size, "batch_size", 1, MAX_BATCH_SIZE)
    # inf or nan would train to a model of NaN weights and still write it.
    learning_rate = checks.finite_number(learning_rate, "the learning rate", above=0,
                                         high=MAX_LEARNING_RATE)
    progress = _stream(progress, "progress")
    keras_callbacks = _callbacks(callbacks)
    force = checks.boolean(force, "force")
    output = check_output(output, force)
    path = checks.path_argument(text, "the text to train on") if text is not None else lyrics_path()
    data = training_data(read_lines(path), str(path))
    resources.check_training(len(data.xs), data.xs.shape[1], data.vocab_size, cell=cell,
                             units=units, embedding_dim=embedding_dim,
                             bidirectional=bidirectional, batch_size=batch_size)

    keras = tf_loader.keras()
    keras.utils.set_random_seed(seed)
    model = build_model(data.vocab_size, data.xs.shape[1], cell=cell, units=units,
                        embedding_dim=embedding_dim, bidirectional=bidirectional)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    guard = finite_loss_guard()
    extra = [progress_callback(epochs, progress)] if progress is not None else []
    try:
        history = model.fit(data.xs, data.ys, epochs=epochs, batch_size=batch_size, verbose=0,
                            callbacks=[guard] + extra + keras_callbacks)
    except KeyboardInterrupt:
        if progress is not None:
            progress.write("\n")  # end the progress line; nothing has been written yet
        raise
    if guard.stopped is not None:
        epoch, loss = guard.stopped
        raise LabError(f"training stopped after epoch {epoch}: the loss became "
                       f"{loss}, so the weights are no longer numbers and nothing was written "
                       f"(a smaller learning rate than {learning_rate:g} may keep it finite)")

    index_path = save(model, data.word_index, output, force)
    logs = {k: float(v[-1]) for k, v in history.history.items()}
    return TrainResult(output, index_path, epochs, logs.get("loss", float("nan")),
                       logs.get("accuracy", float("nan")))
