"""Stepping one recurrent layer of a trained model in the lab, with the model's own weights.

Each direction (forward, and backward for Bidirectional) is a `Lab` using the cell's weights.
Its input comes from the model: the padded ids go through the model's layers below the
stepped one (`features`), either from text encoded with the model's word_index (so the lab
shows words, ids and padding: `direction_lab(..., corpus=...)`) or from raw padded ids
(`direction_lab(..., ids=...)`). With a masking model (`mask_zero=True`) the lab's pad mask
makes padded steps carry the state, as Keras does.

The stepped outputs are checked three ways: against the Keras sub-layer on the same input,
against the layer's output inside the model (merged for Bidirectional), and, for the last
recurrent layer, the model's head on the stepped output against `model(ids)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tui_lab.core.cells import Weights
from tui_lab.config import LabConfig
from tui_lab.core.lab import Lab
from tui_lab.errors import LabError
from tui_lab.trained.layers import RecurrentLayer, output_only
from tui_lab.core.text import Corpus

if TYPE_CHECKING:
    from tui_lab.trained.loading import TrainedModel


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
    start: int  # always 0: every position is stepped (padding carried by the mask if masked)
    inputs: np.ndarray  # (B, T, D) what the layer reads
    directions: tuple[Direction, ...]
    output: np.ndarray | list  # the layer's output rebuilt from the stepped states
    model_output: np.ndarray | list  # the layer's output inside the model
    max_abs_error: float  # everything stepped vs the model (directions and merged output)
    head_output: np.ndarray | None  # the model's head applied to `output`
    head_error: float | None  # |head_output - model(ids)|, when the head follows this layer


def _max_error(a, b) -> float:
    if isinstance(a, list):
        return max(_max_error(x, y) for x, y in zip(a, b))
    return float(np.abs(np.asarray(a) - np.asarray(b)).max()) if np.size(a) else 0.0


def merge(mode: str | None, forward: np.ndarray, backward: np.ndarray):
    """Bidirectional's merge of the forward and (input-ordered) backward outputs."""
    if mode == "concat":
        return np.concatenate([forward, backward], axis=-1)
    if mode == "sum":
        return forward + backward
    if mode == "mul":
        return forward * backward
    if mode == "ave":
        return (forward + backward) / 2
    return [forward, backward]


_merge = merge  # the old private name


def directions_of(model: TrainedModel, name: str) -> tuple[str, ...]:
    return ("forward", "backward") if model.layer(name).bidirectional else ("forward",)


def _sub_layer(model: TrainedModel, info: RecurrentLayer, direction: str):
    layer = model.keras_layer(info.name)
    if not info.bidirectional:
        if direction != "forward":
            raise LabError(f"layer {info.name} is not Bidirectional: it has one direction")
        return layer
    if direction not in ("forward", "backward"):
        raise LabError(f"a direction is 'forward' or 'backward', not {direction!r}")
    return layer.forward_layer if direction == "forward" else layer.backward_layer


def features(model: TrainedModel, name: str):
    """padded ids (B, T) -> what layer `name` reads (B, T, D): the model's layers below it."""
    return lambda padded: model.layer_input(name, np.asarray(padded, np.int32))


def _cell_setup(model: TrainedModel, info: RecurrentLayer, sub):
    cell = sub.cell
    settings = cell.get_config()
    if settings.get("activation") != "tanh" or settings.get("recurrent_activation",
                                                            "sigmoid") != "sigmoid":
        raise LabError(f"layer {info.name} uses activation {settings.get('activation')!r} / "
                       f"{settings.get('recurrent_activation')!r}; the lab steps the standard "
                       f"tanh / sigmoid cells only")
    arrays = [np.asarray(w, np.float32) for w in cell.get_weights()]
    bias = arrays[2] if cell.use_bias else None
    implied = {"units": info.units, "use_bias": bool(cell.use_bias),
               "embedding_dim": info.input_dim}
    if info.cell == "gru":
        implied["reset_after"] = bool(getattr(cell, "reset_after", True))
    return Weights(arrays[0], arrays[1], bias), implied


def direction_lab(model: TrainedModel, name: str | None, direction: str = "forward", *,
                  corpus: Corpus | None = None, ids=None, engine: str = "keras") -> Lab:
    """A Lab stepping one direction of layer `name` with the model's weights.

    Give either `corpus` (text with the model's word_index: `model.corpus(lines, name)`; the
    caller then selects lines or types a sentence) or `ids` (padded, (B, T))."""
    info = model.layer(name)
    sub = _sub_layer(model, info, direction)
    weights, implied = _cell_setup(model, info, sub)
    settings = dict(cell=info.cell, go_backwards=bool(sub.go_backwards),
                    mask_padding=model.mask_zero, engine=engine,
                    zero_output_for_mask=bool(getattr(sub, "zero_output_for_mask", False)),
                    **implied)
    origin = f"{Path(model.path).name}:{info.name}" + (f"/{direction}" if info.bidirectional else "")
    if corpus is not None:
        config = LabConfig(num_words=model.vocab_size, maxlen=model.maxlen,
                           padding=model.padding, truncating=model.padding, **settings)
        lab = Lab(config, corpus=corpus, features=features(model, info.name))
    else:
        ids = np.atleast_2d(np.asarray(ids, np.int32))
        _check_padding(model, ids)
        x = model.layer_input(info.name, ids)
        mask = ids == 0 if model.mask_zero else None
        lab = Lab(LabConfig(**settings), vectors=x, pad_mask=mask)
    lab.use_weights(weights, implied, origin)
    return lab


def _check_padding(model: TrainedModel, ids: np.ndarray) -> None:
    if model.mask_zero and (ids == 0).all(axis=1).any():
        raise LabError("the input is all padding; give at least one word")


def padded_ids(lab: Lab) -> np.ndarray:
    """The padded ids (B, T) a text lab reads."""
    rows = lab.snapshot(layer=False).batch.rows
    if rows is None:
        raise LabError("this lab reads raw vectors, not ids")
    return np.stack([row.padded for row in rows]).astype(np.int32)


def check_layer(model: TrainedModel, name: str | None, labs: dict[str, Lab],
                ids: np.ndarray, predicted: np.ndarray | None = None) -> LayerRun:
    """Step each direction's lab to the end (unedited; its cursor stays) and check the
    stepped outputs against the model on `ids`, the padded ids those labs read (`predicted`:
    model.predict(ids), if already known)."""
    info = model.layer(name)
    ids = np.atleast_2d(np.asarray(ids, np.int32))
    _check_padding(model, ids)
    directions = []
    sequences = []  # per direction (B, T, u), processing order
    for label in directions_of(model, info.name):
        lab = labs[label]
        snapshot = lab.snapshot(layer=False)
        x = snapshot.batch.x
        sub = _sub_layer(model, info, label)
        mask = ~snapshot.batch.pad_mask if model.mask_zero else None
        keras_output = np.asarray(output_only(sub(x, mask=mask, training=False)))
        # The unedited run (state edits change what follows them, not the model's check).
        stepped = np.swapaxes(lab.run_outputs(lab.timesteps)[1], 0, 1)
        sequences.append(stepped)
        if not sub.return_sequences:
            stepped = stepped[:, -1]
        directions.append(Direction(label, lab, keras_output, _max_error(stepped, keras_output)))
    x = directions[0].lab.snapshot(layer=False).batch.x
    if info.bidirectional:
        forward, backward = sequences[0], sequences[1][:, ::-1]  # backward back in input order
        if not info.return_sequences:
            forward, backward = sequences[0][:, -1], sequences[1][:, -1]
        output = merge(info.merge_mode, forward, backward)
    else:
        output = sequences[0] if info.return_sequences else sequences[0][:, -1]
    model_output = model.layer_output(info.name, ids)
    error = max([_max_error(output, model_output)] + [d.max_abs_error for d in directions])
    head_output = head_error = None
    head = model.head(info.name)
    if head is not None:
        head_output = head(output)
        head_error = _max_error(head_output, model.predict(ids) if predicted is None else predicted)
    return LayerRun(info, ids, 0, x, tuple(directions), output, model_output, error,
                    head_output, head_error)


def step_layer(model: TrainedModel, name: str | None, ids=None, *,
               texts: list[str] | None = None) -> LayerRun:
    """Step layer `name` (the last if None) with the model's weights on padded ids (B, T),
    or on `texts` encoded with the model's word_index (the labs then show the words)."""
    info = model.layer(name)
    if texts is not None:
        corpus = model.corpus(texts, "input")
        labs = {}
        for label in directions_of(model, info.name):
            lab = direction_lab(model, info.name, label, corpus=corpus)
            lab.select_lines(range(1, len(texts) + 1))
            labs[label] = lab
        ids = padded_ids(labs["forward"])
    else:
        ids = np.atleast_2d(np.asarray(model.check_ids(np.ravel(ids)), np.int32)
                            .reshape(np.shape(ids)))
        labs = {label: direction_lab(model, info.name, label, ids=ids)
                for label in directions_of(model, info.name)}
    for lab in labs.values():
        lab.run_to_end()  # the labs of a run are left at the end
    return check_layer(model, info.name, labs, ids)


def check_one_step(model: TrainedModel, info: RecurrentLayer, purpose: str) -> None:
    """LabError, its message starting with `purpose`, unless what the model makes of layer
    `info`'s output at one step is its head on that output alone: the layer must be the last
    recurrent one (the layers above would have to run on the stepped sequence) and have one
    direction (a Bidirectional output at a step merges in the other direction, which reads
    the words after it). Next-word breakpoints and state edits with a model need this."""
    name = Path(model.path).name
    if info.bidirectional:
        raise LabError(f"{purpose} read one direction's output at each step; layer {info.name} "
                       f"of {name} is Bidirectional (the model reads both directions merged, "
                       f"the backward one from the words after the step)")
    if info.name != model.layers[-1].name:
        raise LabError(f"{purpose} apply the model's head to the stepped output: layer "
                       f"{info.name} is not the last recurrent layer of {name}, and the layers "
                       f"above it are not stepped (open the last one)")


def next_word_head(model: TrainedModel, info: RecurrentLayer, purpose: str = "next-word "
                   "breakpoints"):
    """outputs (n, B, units) of layer `info` stepped -> the model's head on each step's output,
    (n, B, vocabulary) next-word probabilities (breakpoints `next == WORD`, `p(WORD)`; state
    edits' next-word what-if). LabError, its message starting with `purpose`, when the head
    cannot be applied to one step's output (check_one_step, or the head reads other tensors
    too); applying it raises LabError when the model does not end in a softmax over its ids."""
    check_one_step(model, info, purpose)
    name = Path(model.path).name
    head = model.head(info.name)
    if head is None:
        raise LabError(f"{purpose} apply the model's head to the stepped output: the layers "
                       f"after {info.name} in {name} also read other tensors")

    def apply(outputs: np.ndarray) -> np.ndarray:
        n, batch, units = outputs.shape
        rows = outputs.reshape(n * batch, units)
        # A layer returning sequences: each step's output as a sequence of one step.
        found = head(rows[:, None] if info.return_sequences else rows)
        found = np.asarray(found, np.float64)
        found = found[:, -1] if found.ndim == 3 else found
        if found.ndim != 2 or found.shape[1] != model.vocab_size or not np.allclose(
                found.sum(axis=1), 1, atol=1e-3):
            raise LabError(f"{name} does not end in a next-word distribution (a softmax over its "
                           f"{model.vocab_size} ids), so there is no next word to stop at")
        return found.reshape(n, batch, -1)

    return apply
