"""Opening trained Keras models and stepping their recurrent layers through the lab.

A model the lab can open takes token ids, runs them through an Embedding into recurrent
layers (SimpleRNN, LSTM, GRU, Bidirectional of these, stacked with return_sequences=True),
and usually ends in a Dense head. `open_model` loads it with safe_mode on; `TrainedModel.step`
feeds one recurrent layer its own input (computed by the model's preceding layers) and steps
its cells with the model's weights in a `Lab`, then checks the stepped states against the
model's own layer and the head against `model(ids)`.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import tf_loader
from .cells import Weights
from .config import LabConfig
from .controller import Lab
from .errors import LabError
from .text import OOV_TOKEN, assets_dir

RECURRENT = {"SimpleRNN": "simple_rnn", "LSTM": "lstm", "GRU": "gru"}
SHIPPED_MODEL = "lyrics_lstm.keras"
MAX_WORD_INDEX_BYTES = 50 * 1024 * 1024


def shipped_model_path() -> Path:
    """The small next-word model trained on the built-in lyrics (see README)."""
    return assets_dir() / SHIPPED_MODEL


def word_index_path(model_path: str | Path) -> Path:
    """Where the word_index of a model is kept: model.keras -> model.word_index.json."""
    return Path(model_path).with_suffix(".word_index.json")


def read_word_index(path: str | Path) -> dict[str, int]:
    path = Path(path)
    try:
        if path.stat().st_size > MAX_WORD_INDEX_BYTES:
            raise LabError(f"{path} is too large to be a word_index")
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LabError(f"no such word_index file: {path}") from None
    except (OSError, UnicodeDecodeError, ValueError):
        raise LabError(f"{path} is not a word_index: expected a JSON object of word -> id") from None
    valid = isinstance(data, dict) and data and all(
        isinstance(w, str) and isinstance(i, int) and not isinstance(i, bool) and i >= 1
        for w, i in data.items())
    if not valid:
        raise LabError(f"{path} is not a word_index: expected a JSON object of word -> id (ids >= 1)")
    return data


def load_keras_model(path: str | Path):
    """keras.saving.load_model with safe_mode on; every failure becomes one LabError."""
    path = Path(path)
    if not path.is_file():
        raise LabError(f"no such model file: {path}")
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
        raise LabError(f"{path} is not a Keras model file the lab can read") from None


@dataclass(frozen=True)
class RecurrentLayer:
    """One recurrent layer of a model, as the lab sees it."""

    name: str
    cell: str  # simple_rnn, lstm or gru
    units: int  # per direction
    input_dim: int
    bidirectional: bool
    merge_mode: str | None  # Bidirectional only
    return_sequences: bool
    go_backwards: bool  # of the (forward) layer
    depth: int  # 1 reads the embeddings, 2 reads layer 1's sequence ...

    def describe(self) -> str:
        from .config import CELL_TITLES

        kind = CELL_TITLES[self.cell]
        if self.bidirectional:
            kind = f"Bidirectional({kind}), merge {self.merge_mode}"
        what = "every step" if self.return_sequences else "last step"
        return f"{self.name}: {kind}, {self.units} units, input {self.input_dim}, outputs {what}"


@dataclass(frozen=True)
class Direction:
    """One cell of a layer stepped in a Lab: 'forward' (or the only one) or 'backward'."""

    name: str
    lab: Lab
    keras_output: np.ndarray  # the model's sub-layer on the same input (processing order)
    max_abs_error: float  # stepped outputs vs keras_output


@dataclass(frozen=True)
class LayerRun:
    """A recurrent layer of a model stepped on some ids, with its checks."""

    layer: RecurrentLayer
    ids: np.ndarray  # (B, T) the padded ids given to the model
    start: int  # first position stepped: leading padding is skipped when the model masks it
    inputs: np.ndarray  # (B, T - start, D) what the layer reads
    directions: tuple[Direction, ...]
    output: np.ndarray | list  # the layer's output rebuilt from the stepped states
    model_output: np.ndarray | list  # the layer's output inside the model
    max_abs_error: float  # everything stepped vs the model (directions and merged output)
    head_output: np.ndarray | None  # the model's head applied to `output`
    head_error: float | None  # |head_output - model(ids)|, when the head follows this layer


def _numpy(value):
    if isinstance(value, (list, tuple)):
        return [np.asarray(v) for v in value]
    return np.asarray(value)


def _first(value):
    """A layer called with return_state=True gives [output, *states]; keep the output."""
    return value[0] if isinstance(value, (list, tuple)) else value


def _max_error(a, b) -> float:
    if isinstance(a, list):
        return max(_max_error(x, y) for x, y in zip(a, b))
    return float(np.abs(np.asarray(a) - np.asarray(b)).max()) if np.size(a) else 0.0


def _merge(mode: str | None, forward: np.ndarray, backward: np.ndarray):
    if mode == "concat":
        return np.concatenate([forward, backward], axis=-1)
    if mode == "sum":
        return forward + backward
    if mode == "mul":
        return forward * backward
    if mode == "ave":
        return (forward + backward) / 2
    return [forward, backward]


class TrainedModel:
    """A loaded model, its recurrent layers and (if known) the words its ids stand for."""

    def __init__(self, model, path: str, word_index: dict[str, int] | None,
                 vocabulary_source: str | None, num_words: int | None = None):
        self.model = model
        self.path = path
        keras = tf_loader.keras()
        layers = model.layers
        embeddings = [i for i, layer in enumerate(layers) if isinstance(layer, keras.layers.Embedding)]
        if not embeddings:
            raise LabError(f"{path} has no Embedding layer: the lab opens models that read token ids")
        if len(model.inputs) != 1 or len(model.inputs[0].shape) != 2:
            raise LabError(f"{path}: the lab opens models with one input of token ids (batch, time)")
        self.embedding = layers[embeddings[0]]
        self.vocab_size = int(self.embedding.input_dim)
        self.mask_zero = bool(self.embedding.mask_zero)
        self._keras_layers: dict[str, object] = {}
        found = []
        for layer in layers[embeddings[0] + 1:]:
            info = self._describe(layer, len(found) + 1)
            if info is not None:
                found.append(info)
                self._keras_layers[info.name] = layer
        if not found:
            raise LabError(f"{path} has no SimpleRNN, LSTM, GRU or Bidirectional layer after its "
                           f"Embedding, so there is nothing to step")
        self.layers: tuple[RecurrentLayer, ...] = tuple(found)
        self.maxlen = model.inputs[0].shape[1]  # None: any length
        self.num_words = num_words
        self.vocabulary_source = vocabulary_source
        self.word_index = None
        if word_index is not None:
            if num_words is None:  # a saved word_index must fit the Embedding exactly
                word, top = max(word_index.items(), key=lambda item: item[1])
                if top >= self.vocab_size:
                    raise LabError(f"{vocabulary_source} maps {word!r} to id {top}, but the model's "
                                   f"Embedding only takes ids 0-{self.vocab_size - 1}: it belongs "
                                   f"to another model")
            self.word_index = dict(word_index)
        self.index_word = {i: w for w, i in (self.word_index or {}).items()}
        self._head = None

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
        for layer in self.layers:
            if layer.name == name:
                return layer
        names = ", ".join(layer.name for layer in self.layers)
        raise LabError(f"the model has no recurrent layer {name!r}; its recurrent layers are: {names}")

    def encode(self, text: str) -> tuple[list[str], list[int]]:
        """Tokens and ids exactly as Tokenizer.texts_to_sequences gives them with this word_index."""
        if self.word_index is None:
            raise LabError(f"{self.path} has no word_index beside it, so its ids mean no words; "
                           f"give --word-index FILE, --fit-text FILE, or raw ids with --ids 1,2,3")
        words = tf_loader.tokenizer_module().text_to_word_sequence(text)
        oov = self.word_index.get(OOV_TOKEN)
        tokens, ids = [], []
        for word in words:
            i = self.word_index.get(word)
            if i is None or (self.num_words is not None and i >= self.num_words):
                i = oov
            if i is not None:
                tokens.append(word)
                ids.append(int(i))
        return tokens, ids

    def check_ids(self, ids) -> list[int]:
        ids = [int(i) for i in ids]
        bad = [i for i in ids if not 0 <= i < self.vocab_size]
        if bad:
            raise LabError(f"id {bad[0]} is outside the model's Embedding (ids 0-{self.vocab_size - 1})")
        return ids

    def word(self, i: int) -> str:
        return self.index_word.get(int(i), f"<id {int(i)}>")

    def pad(self, id_rows: list[list[int]]) -> np.ndarray:
        """Pad 'pre' (and keep the latest ids) to the model's input length, as the lesson does."""
        keras = tf_loader.keras()
        maxlen = self.maxlen or max(1, max(len(row) for row in id_rows))
        return keras.utils.pad_sequences(id_rows, maxlen=maxlen, padding="pre",
                                         truncating="pre").astype(np.int32)

    # ----- running the model ----------------------------------------------------------------
    def predict(self, ids: np.ndarray) -> np.ndarray:
        """model(ids): for a next-word model, (B, vocabulary) probabilities."""
        return np.asarray(self.model(np.asarray(ids), training=False))

    def _submodel(self, tensor):
        keras = tf_loader.keras()
        return keras.Model(self.model.inputs[0], tensor)

    def layer_input(self, name: str, ids: np.ndarray) -> np.ndarray:
        """What the layer reads: the model's layers before it run on ids, (B, T, D)."""
        layer = self._keras_layers[name]
        tensor = layer.input[0] if isinstance(layer.input, (list, tuple)) else layer.input
        return np.asarray(self._submodel(tensor)(np.asarray(ids), training=False))

    def layer_output(self, name: str, ids: np.ndarray):
        """The layer's own output inside the model (with the model's masking)."""
        layer = self._keras_layers[name]
        output = layer.output
        if self.layer(name).bidirectional and layer.merge_mode is None:
            output = list(output)[:2]
        else:
            output = _first(output)
        return _numpy(self._submodel(output)(np.asarray(ids), training=False))

    def head(self, name: str):
        """The layers after the last recurrent layer, as a callable; None if not separable."""
        if name != self.layers[-1].name:
            return None
        keras = tf_loader.keras()
        layer = self._keras_layers[name]
        if isinstance(self.model, keras.Sequential):
            rest = self.model.layers[self.model.layers.index(layer) + 1:]

            def apply(y):
                for later in rest:
                    y = later(y, training=False)
                return np.asarray(y)
            return apply
        try:
            model = keras.Model(layer.output, self.model.outputs[0])
        except Exception:  # the head also reads other tensors: it cannot be split off
            return None
        return lambda y: np.asarray(model(y, training=False))

    def step(self, name: str | None, ids) -> LayerRun:
        """Step layer `name` (the last if None) on padded ids (B, T) with the model's weights."""
        info = self.layer(name)
        ids = np.atleast_2d(np.asarray(self.check_ids(np.ravel(ids)), np.int32).reshape(np.shape(ids)))
        start = self._start(ids)
        x = self.layer_input(info.name, ids)[:, start:]
        layer = self._keras_layers[info.name]
        subs = [("forward", layer.forward_layer), ("backward", layer.backward_layer)] \
            if info.bidirectional else [("forward", layer)]
        directions = tuple(self._run_direction(info, label, sub, x) for label, sub in subs)
        sequences = [np.swapaxes(d.lab.snapshot().output, 0, 1) for d in directions]  # (B, T', u)
        if info.bidirectional:
            forward, backward = sequences[0], sequences[1][:, ::-1]  # backward back in input order
            if not info.return_sequences:
                forward, backward = sequences[0][:, -1], sequences[1][:, -1]
            output = _merge(info.merge_mode, forward, backward)
        else:
            output = sequences[0] if info.return_sequences else sequences[0][:, -1]
        model_output = self.layer_output(info.name, ids)
        steps = x.shape[1]
        if info.return_sequences:  # the model's output at the positions that were stepped
            if info.go_backwards and not info.bidirectional:
                model_output = model_output[:, :steps]
            else:
                cut = slice(start, None)
                model_output = [m[:, cut] for m in model_output] if isinstance(model_output, list) \
                    else model_output[:, cut]
        error = max([_max_error(output, model_output)] + [d.max_abs_error for d in directions])
        head_output = head_error = None
        head = self.head(info.name)
        if head is not None and (start == 0 or not info.return_sequences):
            head_output = head(output)
            head_error = _max_error(head_output, self.predict(ids))
        return LayerRun(info, ids, start, x, directions, output, model_output, error,
                        head_output, head_error)

    def _start(self, ids: np.ndarray) -> int:
        """Leading padding a masking model skips; the lab then steps only the real tokens."""
        if not self.mask_zero:
            return 0
        real = (ids != 0).any(axis=0)
        if not real.any():
            raise LabError("the input is all padding; give at least one word")
        start = int(np.argmax(real))
        if (ids[:, start:] == 0).any():
            # Hook wanted: Lab(vectors=..., pad_mask=...) so masked steps inside a batch carry.
            raise LabError("this model masks padding (mask_zero=True); step one line at a time "
                           "or lines of equal length")
        return start

    def _run_direction(self, info: RecurrentLayer, label: str, sub, x: np.ndarray) -> Direction:
        cell = sub.cell
        settings = cell.get_config()
        if settings.get("activation") != "tanh" or settings.get("recurrent_activation",
                                                                "sigmoid") != "sigmoid":
            raise LabError(f"layer {info.name} uses activation {settings.get('activation')!r} / "
                           f"{settings.get('recurrent_activation')!r}; the lab steps the standard "
                           f"tanh / sigmoid cells only")
        arrays = [np.asarray(w, np.float32) for w in cell.get_weights()]
        bias = arrays[2] if cell.use_bias else None
        reset_after = bool(getattr(cell, "reset_after", True))
        implied = {"units": info.units, "use_bias": bool(cell.use_bias),
                   "embedding_dim": x.shape[2]}
        if info.cell == "gru":
            implied["reset_after"] = reset_after
        config = LabConfig(cell=info.cell, go_backwards=bool(sub.go_backwards),
                           mask_padding=self.mask_zero, **implied)
        lab = Lab(config, vectors=x)
        lab.use_weights(Weights(arrays[0], arrays[1], bias), implied,
                        f"{self.path}:{info.name}" + (f"/{label}" if info.bidirectional else ""))
        lab.run_to_end()
        keras_output = np.asarray(_first(sub(x, training=False)))
        stepped = np.swapaxes(lab.snapshot().output, 0, 1)
        if not sub.return_sequences:
            stepped = stepped[:, -1]
        return Direction(label, lab, keras_output, _max_error(stepped, keras_output))


def open_model(path: str | Path | None = None, *, word_index: str | Path | dict | None = None,
               fit_text: str | Path | None = None) -> TrainedModel:
    """Open a .keras model (the shipped lyrics model if path is None) and its vocabulary.

    The vocabulary is, in order: `word_index` (a dict or a JSON file), a tokenizer fitted on
    `fit_text` (ids beyond the Embedding become OOV, as Tokenizer(num_words=...) does), or
    the `<model>.word_index.json` saved beside the model by `tui-lab train`. Without any,
    the model opens but text cannot be encoded (raw ids still work)."""
    from .text import Corpus

    path = Path(path) if path is not None else shipped_model_path()
    if word_index is not None and fit_text is not None:
        raise LabError("give either a word_index or a text to fit the tokenizer on, not both")
    model = load_keras_model(path)
    num_words = source = None
    if isinstance(word_index, dict):
        index, source = word_index, "the word_index"
    elif word_index is not None:
        index, source = read_word_index(word_index), str(word_index)
    elif fit_text is not None:
        num_words = _embedding_size(model) or 2
        corpus = Corpus.from_file(fit_text, num_words)
        index, source = dict(corpus.word_index), f"the tokenizer fitted on {fit_text}"
    elif word_index_path(path).is_file():
        index, source = read_word_index(word_index_path(path)), str(word_index_path(path))
    else:
        index = None
    return TrainedModel(model, str(path), index, source, num_words)


def _embedding_size(model) -> int | None:
    keras = tf_loader.keras()
    for layer in model.layers:
        if isinstance(layer, keras.layers.Embedding):
            return int(layer.input_dim)
    return None
