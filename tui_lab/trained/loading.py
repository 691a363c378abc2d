"""Opening trained Keras models and stepping their recurrent layers through the lab.

A model the lab can open reads text one of three ways (readers.py: token ids with a
word_index beside it, its own TextVectorization / StringLookup / IntegerLookup, or one-hot
characters), runs it through its layers into recurrent layers (SimpleRNN, LSTM, GRU,
Bidirectional of these, stacked with return_sequences=True), and usually ends in a head. `open_model` loads it with safe_mode on; `TrainedModel.step`
feeds one recurrent layer its own input (computed by the model's preceding layers) and steps
its cells with the model's weights in a `Lab` (see layer_run.py), then checks the stepped
states against the model's own layer and the head against `model(ids)`.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from tui_lab.core import checks, files, tf_loader
from tui_lab.errors import LabError
from tui_lab.core.text import OOV_TOKEN, assets_dir
from tui_lab.trained.layers import RecurrentLayer, output_only
from tui_lab.trained.model_checks import (check_one_output, check_recurrent, check_word_index,
                                          state_readers)

RECURRENT = {"SimpleRNN": "simple_rnn", "LSTM": "lstm", "GRU": "gru"}
SHIPPED_MODEL = "lyrics_lstm.keras"
MAX_WORD_INDEX_BYTES = 50 * 1024 * 1024
MAX_MODEL_BYTES = 2 << 30


def shipped_model_path() -> Path:
    """The small next-word model trained on the built-in lyrics (see README)."""
    return assets_dir() / SHIPPED_MODEL


def check_model(model) -> None:
    """LabError unless `model` is a TrainedModel."""
    if not isinstance(model, TrainedModel):
        raise LabError(f"expected a TrainedModel (models.open_model), not {checks.shown(model)}")


def word_index_path(model_path: str | Path) -> Path:
    """Where the word_index of a model is kept: model.keras -> model.word_index.json."""
    path = checks.path_argument(model_path, "the model file")
    if not path.name or path.name in (".", ".."):  # with_suffix would raise ValueError
        raise LabError(f"{files.shown(path)} is not a model file name")
    return path.with_suffix(".word_index.json")


def read_word_index(path: str | Path) -> dict[str, int]:
    path = checks.path_argument(path, "the word_index file")
    data = files.json_from_bytes(files.read_bytes(path, "word_index file", MAX_WORD_INDEX_BYTES),
                                 str(path), "a word_index: expected a JSON object of word -> id")
    valid = isinstance(data, dict) and data and all(
        isinstance(w, str) and isinstance(i, int) and not isinstance(i, bool) and i >= 1
        for w, i in data.items())
    if not valid:
        raise LabError(f"{path} is not a word_index: expected a JSON object of word -> id (ids >= 1)")
    return data


def load_keras_model(path: str | Path):
    """keras.saving.load_model with safe_mode on; every failure becomes one LabError."""
    path = files.regular_file(checks.path_argument(path, "the model file"), "model file",
                              MAX_MODEL_BYTES)
    if path.suffix != ".keras":
        raise LabError(f"{path} is not a .keras model file (the lab opens Keras 3 '.keras' files)")
    keras = tf_loader.keras()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return keras.saving.load_model(path, compile=False, safe_mode=True)
    except ValueError as error:
        if "lambda" in str(error).lower() and "safe_mode" in str(error):
            raise LabError(f"{path} holds a Lambda layer with Python code, which the lab refuses "
                           f"to load (Keras safe_mode)") from None
        raise LabError(f"{path} is not a Keras model file the lab can read") from None
    except Exception:  # a zip without config.json, a broken archive, unknown classes ...
        raise LabError(why_unreadable(path)) from None


OPENS = ("the lab opens Functional and Sequential models (keras.Input -> layers -> keras.Model) "
         "whose layers are Keras' own")


def why_unreadable(path: Path) -> str:
    """Why Keras could not rebuild the model in `path`, read from its config.json: a
    subclassed model (its class is Python code outside the file), a layer or a
    TextVectorization setting that is custom Python code; else that it is no model file."""
    import json
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
    except Exception:
        return f"{path} is not a Keras model file the lab can read"
    name = config.get("class_name") if isinstance(config, dict) else None
    if name not in ("Functional", "Sequential", "Model"):
        return (f"{path} is a subclassed model ({name}): Keras rebuilds it only with its Python "
                f"class, which the file does not hold; {OPENS}")
    layers = (config.get("config") or {}).get("layers") or []
    for layer in layers:
        kind = layer.get("class_name") if isinstance(layer, dict) else None
        settings = layer.get("config") or {} if isinstance(layer, dict) else {}
        for setting in ("standardize", "split"):
            if isinstance(settings.get(setting), dict):
                code = settings[setting].get("config", "a function")
                return (f"{path}: its {kind}'s {setting} is Python code ({code}), which the "
                        f"file does not hold; the lab opens a TextVectorization with the "
                        f"built-in standardize and split")
        if isinstance(layer, dict) and layer.get("module") not in (None, "") and \
                not str(layer.get("module", "")).startswith("keras"):
            return (f"{path}: its layer {settings.get('name', kind)} is a custom class "
                    f"({kind}), Python code the file does not hold; {OPENS}")
    return f"{path} is not a Keras model file the lab can read"


def reader_layer(model):
    """The model's TextVectorization, StringLookup or IntegerLookup when it reads the model's
    input (its vocabulary is inside the model), else None."""
    from tui_lab.trained.readers import VECTORIZERS

    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "InputLayer":
            continue
        return layer if kind in VECTORIZERS else None
    return None


def check_inputs(model, path: str) -> None:
    """One input, of a shape the lab reads: ids (batch, time), text for a TextVectorization
    (batch,) or (batch, 1), or one-hot rows (batch, time, features)."""
    inputs = model.inputs
    if len(inputs) != 1:
        raise LabError(f"{path} has {len(inputs)} inputs; the lab opens models with one input: "
                       f"token ids (Embedding first), text (a TextVectorization first) or "
                       f"one-hot characters (batch, time, characters)")
    shape = inputs[0].shape
    if reader_layer(model) is None and len(shape) not in (2, 3):
        raise LabError(f"{path}: its input has shape {tuple(shape)}; the lab opens token ids "
                       f"(batch, time) or one-hot characters (batch, time, characters)")


def _numpy(value):
    if isinstance(value, (list, tuple)):
        return [np.asarray(v) for v in value]
    return np.asarray(value)


class TrainedModel:
    """A loaded model, its recurrent layers and (if known) the tokens its ids stand for.

    How the model reads text is its reader (readers.py), chosen here once: token ids with a
    word_index beside the model, the model's own TextVectorization / StringLookup /
    IntegerLookup, or one-hot characters. From then on every input is padded ids (B, T),
    which `_entry` (the tensor where they enter the model's graph) and reader.model_input
    (ids -> what enters there) feed to the model's layers."""

    def __init__(self, model, path: str, word_index: dict[str, int] | None,
                 vocabulary_source: str | None, num_words: int | None = None,
                 characters: list[str] | None = None):
        keras = tf_loader.keras()
        if not isinstance(model, keras.Model):
            raise LabError(f"a TrainedModel needs a Keras model, not {checks.shown(model)}")
        path = str(checks.path_argument(path, "the model's path"))
        vocabulary_source = checks.optional_text(vocabulary_source, "the vocabulary source")
        if num_words is not None:
            num_words = checks.whole_number(num_words, "num_words", 2)
        if word_index is not None:
            check_word_index(word_index, vocabulary_source or "the word_index")
        self.model = model
        self.path = path
        check_inputs(model, path)
        check_one_output(model, path)
        layers = model.layers
        first = reader_layer(model)
        if first is not None:  # a setting that gives no ids is named before anything else
            from tui_lab.trained.readers import check_reader_layer

            check_reader_layer(first, path)
        start = layers.index(first) + 1 if first is not None else 0
        embeddings = [i for i, layer in enumerate(layers)
                      if i >= start and isinstance(layer, keras.layers.Embedding)]
        self.embedding = layers[embeddings[0]] if embeddings else None
        self._keras_layers: dict[str, object] = {}
        found = []
        readers = state_readers(model)
        for layer in layers[embeddings[0] + 1 if embeddings else start:]:
            info = self._describe(layer, len(found) + 1)
            if info is not None:
                check_recurrent(layer, path, readers.get(layer.name))
                found.append(info)
                self._keras_layers[info.name] = layer
        if not found:
            raise LabError(f"{path} has no SimpleRNN, LSTM or GRU layer (alone or in "
                           f"Bidirectional), so there is nothing to step")
        self.layers: tuple[RecurrentLayer, ...] = tuple(found)
        self.mask_zero = bool(self.embedding.mask_zero) if self.embedding is not None else False
        self.num_words = num_words
        self.reader = self._reader(first, word_index, vocabulary_source, num_words, characters)
        self.vocabulary_source = self.reader.vocabulary_source if self.reader else \
            vocabulary_source
        self.word_index = dict(self.reader.word_index) if self.reader else None
        self.index_word = {i: w for w, i in (self.word_index or {}).items()}
        # Sub-models, made once: layer name -> its input, ("output", name) -> its output,
        # ("head", name) -> the layers after it (a what-if applies them at every step).
        self._inputs: dict = {}

    def _reader(self, first, word_index, source, num_words, characters):
        """The model's reader (readers.py); None: ids without a vocabulary yet."""
        from tui_lab.trained.readers import CharacterReader, LayerReader, WordIndexReader

        if first is not None:
            if word_index is not None or characters is not None:
                raise LabError(f"{self.path} has its own vocabulary (its {type(first).__name__}): "
                               f"drop --word-index and --fit-text")
            reader = LayerReader(first, self.path)
            self.vocab_size = len(reader.vocabulary)
            self.maxlen, self._entry = reader.maxlen, first.output
            return reader
        self._entry = self.model.inputs[0]
        self.maxlen = self.model.inputs[0].shape[1]  # None: any length
        if self.embedding is None:  # one-hot characters straight into the recurrent layer
            size = int(self.model.inputs[0].shape[-1])
            self.vocab_size = size + 1  # id 0: padding, a row of zeros
            if characters is None:
                return None
            return CharacterReader(list(characters), source or "the characters", size)
        self.vocab_size = int(self.embedding.input_dim)
        if word_index is None:
            return None
        if num_words is None:  # a saved word_index must fit the Embedding exactly
            word, top = max(word_index.items(), key=lambda item: item[1])
            if top >= self.vocab_size:
                raise LabError(f"{source} maps {word!r} to id {top}, but the model's "
                               f"Embedding only takes ids 0-{self.vocab_size - 1}: it belongs "
                               f"to another model")
        return WordIndexReader(dict(word_index), source, num_words)

    @property
    def reads_characters(self) -> bool:
        """The model reads one-hot characters (no Embedding)."""
        return self.embedding is None

    @property
    def _ids_name(self) -> str:
        return "Embedding" if self.embedding is not None else "characters"

    @property
    def joiner(self) -> str:
        """What goes between two tokens written out: nothing between characters."""
        return "" if self.reader is not None and self.reader.token_name == "character" else " "

    @property
    def padding(self) -> str:
        """Where the model's text is padded: 'post' for its own TextVectorization."""
        return self.reader.padding if self.reader is not None else "pre"

    @staticmethod
    def _describe(layer, depth: int) -> RecurrentLayer | None:
        keras = tf_loader.keras()
        inner = layer.forward_layer if isinstance(layer, keras.layers.Bidirectional) else layer
        cell = RECURRENT.get(type(inner).__name__)
        if cell is None:
            return None
        return RecurrentLayer(
            name=layer.name, cell=cell, units=int(inner.units),
            input_dim=int(inner.cell.kernel.shape[0]),
            bidirectional=inner is not layer, merge_mode=getattr(layer, "merge_mode", None),
            return_sequences=bool(layer.return_sequences), go_backwards=bool(inner.go_backwards),
            depth=depth)

    # ----- words and ids --------------------------------------------------------------------
    def layer(self, name: str | None = None) -> RecurrentLayer:
        """The recurrent layer called name (the last one if None)."""
        if name is None:
            return self.layers[-1]
        checks.text_argument(name, "a layer name")
        for layer in self.layers:
            if layer.name == name:
                return layer
        names = ", ".join(layer.name for layer in self.layers)
        raise LabError(f"the model has no recurrent layer {name!r}; its recurrent layers are: {names}")

    def keras_layer(self, name: str):
        """The Keras layer object of a recurrent layer (Bidirectional: the wrapper)."""
        return self._keras_layers[self.layer(name).name]

    def _need_reader(self):
        if self.reader is None:
            if self.reads_characters:
                raise LabError(f"{self.path} reads one-hot characters and has no character "
                               f"list: give --fit-text FILE (its characters are "
                               f"sorted(set(text)), lower-cased, as the recipe builds them)")
            raise LabError(f"{self.path} has no word_index beside it, so its ids mean no "
                           f"words; give --word-index FILE, --fit-text FILE, or raw ids with "
                           f"--ids 1,2,3")
        return self.reader

    def encode(self, text: str) -> tuple[list[str], list[int]]:
        """Tokens and ids as the model's reader gives them (for a word_index: exactly as
        Tokenizer.texts_to_sequences does)."""
        reader = self._need_reader()
        checks.text_argument(text, "the text to encode")
        return reader.tokens_and_ids(text)

    def corpus(self, lines: list[str], name: str):
        """Text read by the model's reader (no fitting): the lab's Corpus, every id it gives
        fitting the model."""
        lines = checks.text_lines(lines, "the lines")
        name = checks.text_argument(name, "the text's name")
        return self._need_reader().corpus(list(lines), name, self.vocab_size)

    def check_ids(self, ids) -> list[int]:
        """A sequence of ids (whole numbers, numpy ints too) that fit the Embedding, as ints."""
        if isinstance(ids, np.ndarray):
            ids = ids.tolist() if ids.ndim == 1 else None
        if not isinstance(ids, (list, tuple)):
            raise LabError(f"ids must be a list of whole numbers, not {checks.shown(ids)}")
        ids = [checks.whole_number(i, "an id") for i in ids]
        bad = [i for i in ids if not 0 <= i < self.vocab_size]
        if bad:
            raise LabError(f"id {checks.shown(bad[0])} is outside the model's {self._ids_name} "
                           f"(ids 0-{self.vocab_size - 1})")
        return ids

    def id_array(self, ids) -> np.ndarray:
        """Padded ids (B, T) that fit the Embedding, as int32; LabError for anything else."""
        try:
            array = np.asarray(ids)
        except (TypeError, ValueError):  # a ragged list
            array = None
        if array is None or array.ndim != 2 or 0 in array.shape or \
                array.dtype.kind not in "iu":
            raise LabError(f"padded ids must be a (batch, time) array of whole numbers, not "
                           f"{checks.shown(ids)}")
        if array.min() < 0 or array.max() >= self.vocab_size:
            bad = array.min() if array.min() < 0 else array.max()
            raise LabError(f"id {bad} is outside the model's {self._ids_name} "
                           f"(ids 0-{self.vocab_size - 1})")
        if self.maxlen is not None and array.shape[1] != self.maxlen:
            raise LabError(f"padded ids must have {self.maxlen} positions (the model's input), "
                           f"not {array.shape[1]}")
        return array.astype(np.int32)

    def word(self, i: int) -> str:
        i = checks.whole_number(i, "an id")
        return self.index_word.get(i, f"<id {i}>")

    def pad(self, id_rows: list[list[int]]) -> np.ndarray:
        """Pad to the model's input length as its reader does: 'pre', keeping the latest ids,
        as the lesson does (a TextVectorization: after the text, cut at its length)."""
        if not isinstance(id_rows, (list, tuple)) or not id_rows:
            raise LabError(f"give a list of id rows to pad, not {checks.shown(id_rows)}")
        id_rows = [self.check_ids(row) for row in id_rows]
        if self.reader is not None and hasattr(self.reader, "pad"):
            return self.reader.pad(id_rows, self.maxlen)
        keras = tf_loader.keras()
        maxlen = self.maxlen or max(1, max(len(row) for row in id_rows))
        return keras.utils.pad_sequences(id_rows, maxlen=maxlen, padding="pre",
                                         truncating="pre").astype(np.int32)

    # ----- running the model ----------------------------------------------------------------
    def predict(self, ids: np.ndarray) -> np.ndarray:
        """model(ids): for a next-word model, (B, vocabulary) probabilities.

        Through Keras' compiled predict function (predict_on_batch): the same numbers as the
        eager call, about 1 ms instead of 20-40 ms once traced."""
        key = ("model",)
        if key not in self._inputs:
            self._inputs[key] = self.model if self._entry is self.model.inputs[0] else \
                self._submodel(self.model.outputs[0])
        return np.asarray(self._inputs[key].predict_on_batch(self._model_input(ids)))

    def _model_input(self, ids) -> np.ndarray:
        """Checked padded ids as they enter the model's graph at _entry."""
        ids = self.id_array(ids)
        return self.reader.model_input(ids) if self.reader is not None else ids

    def _submodel(self, tensor):
        keras = tf_loader.keras()
        return keras.Model(self._entry, tensor)

    def layer_input(self, name: str, ids: np.ndarray) -> np.ndarray:
        """What the layer reads: the model's layers before it run on ids, (B, T, D)."""
        name, ids = self.layer(name).name, self.id_array(ids)
        if name not in self._inputs:
            layer = self._keras_layers[name]
            tensor = layer.input[0] if isinstance(layer.input, (list, tuple)) else layer.input
            # A layer reading the model's input itself (one-hot characters) needs no sub-model.
            self._inputs[name] = None if tensor is self._entry else self._submodel(tensor)
        if self._inputs[name] is None:
            return np.asarray(self._model_input(ids), np.float32)
        return np.asarray(self._inputs[name].predict_on_batch(self._model_input(ids)))

    def layer_output(self, name: str, ids: np.ndarray):
        """The layer's own output inside the model (with the model's masking)."""
        name, ids = self.layer(name).name, self.id_array(ids)
        key = ("output", name)
        if key not in self._inputs:
            layer = self._keras_layers[name]
            output = layer.output
            if self.layer(name).bidirectional and layer.merge_mode is None:
                output = list(output)[:2]
            else:
                output = output_only(output)
            self._inputs[key] = self._submodel(output)
        return _numpy(self._inputs[key].predict_on_batch(self._model_input(ids)))

    def head(self, name: str):
        """The layers after the last recurrent layer, as a callable (made once: building the
        sub-model takes longer than calling it); None if not separable."""
        name = self.layer(name).name
        if name != self.layers[-1].name:
            return None
        key = ("head", name)
        if key not in self._inputs:
            self._inputs[key] = self._make_head(self._keras_layers[name])
        return self._inputs[key]

    def _make_head(self, layer):
        keras = tf_loader.keras()
        if isinstance(self.model, keras.Sequential):
            rest = self.model.layers[self.model.layers.index(layer) + 1:]

            def apply(y):
                for later in rest:
                    y = later(y, training=False)
                return np.asarray(y)
            return apply
        try:  # the output only: states a layer returns but nothing reads are left out
            model = keras.Model(output_only(layer.output), self.model.outputs[0])
        except Exception:  # the head also reads other tensors: it cannot be split off
            return None
        return lambda y: np.asarray(model(y, training=False))

    def step(self, name: str | None, ids=None, *, texts: list[str] | None = None):
        """Step layer `name` (the last if None) on padded ids (B, T), or on texts encoded with
        the word_index, with the model's weights: a layer_run.LayerRun with the Lab of each
        direction and the checks."""
        from tui_lab.trained.layer_run import step_layer

        if (ids is None) == (texts is None):
            raise LabError("give either padded ids or texts to step, one of them")
        self.layer(name)  # an unknown layer is named before anything runs
        if texts is not None:
            texts = checks.text_lines(texts, "the texts")
            if not texts:
                raise LabError("give at least one text to step")
        else:
            ids = self.id_array(ids)
        return step_layer(self, name, ids, texts=texts)


def open_model(path: str | Path | None = None, *, word_index: str | Path | dict | None = None,
               fit_text: str | Path | None = None) -> TrainedModel:
    """Open a .keras model (the shipped lyrics model if path is None) and its vocabulary.

    The vocabulary is, in order: `word_index` (a dict or a JSON file), a tokenizer fitted on
    `fit_text` (ids beyond the Embedding become OOV, as Tokenizer(num_words=...) does), or
    the `<model>.word_index.json` saved beside the model by `tui-lab train`. Without any,
    the model opens but text cannot be encoded (raw ids still work)."""
    from tui_lab.core.text import Corpus

    path = checks.path_argument(path, "the model file") if path is not None else shipped_model_path()
    if isinstance(word_index, dict):
        word_index = check_word_index(word_index, "the word_index")
    elif word_index is not None:
        word_index = checks.path_argument(word_index, "the word_index file")
    if fit_text is not None:
        fit_text = checks.path_argument(fit_text, "the text to fit the tokenizer on")
    if word_index is not None and fit_text is not None:
        raise LabError("give either a word_index or a text to fit the tokenizer on, not both")
    # A bad vocabulary file is refused before the model (and TensorFlow) is loaded.
    if word_index is not None and not isinstance(word_index, dict):
        files.regular_file(word_index, "word_index file", MAX_WORD_INDEX_BYTES)
    if fit_text is not None:
        files.regular_file(fit_text, "file")
    model = load_keras_model(path)
    num_words = source = None
    if fit_text is not None and _reads_one_hot(model):  # the character list, as the recipe
        from tui_lab.core.text import MAX_TEXT_BYTES
        from tui_lab.trained.readers import CharacterReader

        text = files.read_bytes(fit_text, "file", MAX_TEXT_BYTES).decode("utf-8", "replace")
        return TrainedModel(model, str(path), None, f"the characters of {fit_text}",
                            characters=CharacterReader.characters_of(text))
    if isinstance(word_index, dict):
        index, source = word_index, "the word_index"
    elif word_index is not None:
        index, source = read_word_index(word_index), str(word_index)
    elif fit_text is not None:
        num_words = _embedding_size(model) or 2
        corpus = Corpus.from_file(fit_text, num_words)
        index, source = dict(corpus.word_index), f"the tokenizer fitted on {fit_text}"
    elif word_index_path(path).exists():  # a folder or a device there is refused by name
        index, source = read_word_index(word_index_path(path)), str(word_index_path(path))
    else:
        index = None
    return TrainedModel(model, str(path), index, source, num_words)


def _reads_one_hot(model) -> bool:
    """The model's input is (batch, time, features) floats: one-hot rows, no Embedding."""
    return len(model.inputs) == 1 and len(model.inputs[0].shape) == 3


def _embedding_size(model) -> int | None:
    keras = tf_loader.keras()
    for layer in model.layers:
        if isinstance(layer, keras.layers.Embedding):
            return int(layer.input_dim)
    return None


RAW_IDS = "raw ids (no word_index): each id is written as its number"


def raw_ids_model(model: TrainedModel) -> TrainedModel:
    """The model with a word_index where each id stands for itself ("7" -> 7), so raw ids
    can be typed as a sentence and shown as tokens."""
    check_model(model)
    index = {OOV_TOKEN: 1, **{str(i): i for i in range(2, model.vocab_size)}}
    return TrainedModel(model.model, model.path, index, RAW_IDS)


def raw_id_lines(model: TrainedModel, count: int = 12) -> list[str]:
    """Some lines of ids to step when the model has no word_index."""
    check_model(model)
    count = checks.whole_number(count, "the number of lines", 1, 10_000)
    width = max(2, min(model.maxlen or 8, 12))
    ids = list(range(2, model.vocab_size)) or [1]
    return [" ".join(str(ids[(start + k) % len(ids)]) for k in range(width))
            for start in range(0, count * width, width)]
