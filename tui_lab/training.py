"""Training the lesson's next-word model: n-gram prefixes of every line -> the next word.

Embedding -> recurrent layer (optionally Bidirectional) -> Dense softmax over the vocabulary,
exactly as the lesson builds it. The tokenizer is the lab's (Corpus: Keras' Tokenizer with
oov_token "<OOV>"); vocabulary = len(word_index) + 1, so every id the Tokenizer gives has a row
in the Embedding and a column in the Dense. The model and its word_index are written
atomically: an interrupted run leaves no file behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import tf_loader
from .config import CELL_TITLES, CELLS, MAX_NUM_WORDS
from .errors import LabError
from .models import word_index_path
from .text import Corpus, lyrics_path

MAX_VOCABULARY = 50_000


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
    keras = tf_loader.keras()
    corpus = Corpus(lines, name, MAX_NUM_WORDS)  # no num_words cut: every word keeps its id
    word_index = dict(corpus.word_index)
    vocab_size = len(word_index) + 1
    if vocab_size > MAX_VOCABULARY:
        raise LabError(f"{name} has {len(word_index):,} different words; the lab trains small "
                       f"models on at most {MAX_VOCABULARY - 1:,}")
    prefixes = []
    for ids in corpus.tokenizer.texts_to_sequences(lines):
        prefixes.extend(ids[:end] for end in range(2, len(ids) + 1))
    if not prefixes:
        raise LabError(f"{name} has no line with two words or more, so there is no next word to learn")
    longest = max(len(p) for p in prefixes)
    padded = keras.utils.pad_sequences(prefixes, maxlen=longest, padding="pre").astype(np.int32)
    return TrainingData(word_index, padded[:, :-1], padded[:, -1], vocab_size)


def build_model(vocab_size: int, maxlen: int, *, cell: str = "lstm", units: int = 32,
                embedding_dim: int = 16, bidirectional: bool = False):
    keras = tf_loader.keras()
    layers = keras.layers
    if cell not in CELLS:
        raise LabError(f"unknown cell {cell!r}; choose one of: {', '.join(CELLS)}")
    recurrent = getattr(layers, CELL_TITLES[cell])(units, name=cell)
    if bidirectional:
        recurrent = layers.Bidirectional(recurrent, name=f"bidirectional_{cell}")
    inputs = keras.Input((maxlen,), dtype="int32", name="ids")
    x = layers.Embedding(vocab_size, embedding_dim, name="embedding")(inputs)
    x = recurrent(x)
    outputs = layers.Dense(vocab_size, activation="softmax", name="next_word")(x)
    return keras.Model(inputs, outputs, name="next_word_model")


def progress_callback(epochs: int, stream):
    """A Keras Callback drawing one '\\r' line: epoch, a bar, loss and accuracy."""
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


def check_output(path: Path) -> Path:
    """The .keras path training will write, or LabError saying why it cannot."""
    path = path.expanduser()
    if path.suffix != ".keras":
        raise LabError(f"the model file must end in .keras, not {path.name!r}")
    if path.is_dir():
        raise LabError(f"{path} is a folder; give a file name for the model")
    if not path.parent.is_dir():
        raise LabError(f"cannot write {path}: the folder {path.parent} does not exist")
    return path


def _temp_beside(path: Path, suffix: str) -> Path:
    try:
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=suffix)
    except OSError as error:
        raise LabError(f"cannot write {path}: {error.strerror or error}") from None
    os.close(handle)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temp, 0o666 & ~umask)  # mkstemp makes 0600; the result should be a normal file
    return Path(temp)


def train(text: str | Path | None = None, output: str | Path = "model.keras", *,
          cell: str = "lstm", units: int = 32, embedding_dim: int = 16,
          bidirectional: bool = False, epochs: int = 150, seed: int = 0,
          learning_rate: float = 0.01, batch_size: int = 32, progress=None,
          callbacks=()) -> TrainResult:
    """Train on a text file (the lyrics if None); write output and its word_index beside it.

    Same seed, same machine: the same weights (keras.utils.set_random_seed is enough on CPU;
    checked by the tests). progress: a stream (e.g. sys.stderr) for the one-line progress
    bar; None draws none."""
    from .text import read_lines

    for name, value, low in (("units", units, 1), ("embedding_dim", embedding_dim, 1),
                             ("epochs", epochs, 1), ("seed", seed, 0), ("batch_size", batch_size, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise LabError(f"{name} must be a whole number of at least {low}, not {value!r}")
    if not learning_rate > 0:
        raise LabError(f"the learning rate must be positive, not {learning_rate!r}")
    output = check_output(Path(output))
    path = Path(text) if text is not None else lyrics_path()
    data = training_data(read_lines(path), str(path))

    keras = tf_loader.keras()
    keras.utils.set_random_seed(seed)
    model = build_model(data.vocab_size, data.xs.shape[1], cell=cell, units=units,
                        embedding_dim=embedding_dim, bidirectional=bidirectional)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    extra = [progress_callback(epochs, progress)] if progress is not None else []
    try:
        history = model.fit(data.xs, data.ys, epochs=epochs, batch_size=batch_size, verbose=0,
                            callbacks=extra + list(callbacks))
    except KeyboardInterrupt:
        if progress is not None:
            progress.write("\n")  # end the progress line; nothing has been written yet
        raise

    model_temp = _temp_beside(output, ".keras")
    index_path = word_index_path(output)
    index_temp = _temp_beside(index_path, ".json")
    try:
        model.save(model_temp)
        index_temp.write_text(json.dumps(data.word_index, ensure_ascii=False), encoding="utf-8")
        os.replace(index_temp, index_path)
        os.replace(model_temp, output)
    except OSError as error:
        raise LabError(f"cannot write {output}: {error.strerror or error}") from None
    finally:
        model_temp.unlink(missing_ok=True)
        index_temp.unlink(missing_ok=True)
    logs = {k: float(v[-1]) for k, v in history.history.items()}
    return TrainResult(output, index_path, epochs, logs.get("loss", float("nan")),
                       logs.get("accuracy", float("nan")))
