"""Stepping one recurrent layer of a trained model in the lab, with the model's own weights.

The layer's input comes from the model (its preceding layers run on the ids); each direction
(forward, and backward for Bidirectional) is a `Lab` on those vectors using the cell's weights.
The stepped outputs are checked three ways: against the Keras sub-layer on the same input,
against the layer's output inside the model (merged for Bidirectional), and, for the last
recurrent layer, the model's head on the stepped output against `model(ids)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .cells import Weights
from .config import LabConfig
from .controller import Lab
from .errors import LabError
from .models import RecurrentLayer, _first

if TYPE_CHECKING:
    from .models import TrainedModel


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


def step_layer(model: TrainedModel, name: str | None, ids) -> LayerRun:
    """Step layer `name` (the last if None) on padded ids (B, T) with the model's weights."""
    info = model.layer(name)
    ids = np.atleast_2d(np.asarray(model.check_ids(np.ravel(ids)), np.int32).reshape(np.shape(ids)))
    start = _start(model, ids)
    x = model.layer_input(info.name, ids)[:, start:]
    layer = model.keras_layer(info.name)
    subs = [("forward", layer.forward_layer), ("backward", layer.backward_layer)] \
        if info.bidirectional else [("forward", layer)]
    directions = tuple(_run_direction(model, info, label, sub, x) for label, sub in subs)
    sequences = [np.swapaxes(d.lab.snapshot().output, 0, 1) for d in directions]  # (B, T', u)
    if info.bidirectional:
        forward, backward = sequences[0], sequences[1][:, ::-1]  # backward back in input order
        if not info.return_sequences:
            forward, backward = sequences[0][:, -1], sequences[1][:, -1]
        output = _merge(info.merge_mode, forward, backward)
    else:
        output = sequences[0] if info.return_sequences else sequences[0][:, -1]
    model_output = model.layer_output(info.name, ids)
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
    head = model.head(info.name)
    if head is not None and (start == 0 or not info.return_sequences):
        head_output = head(output)
        head_error = _max_error(head_output, model.predict(ids))
    return LayerRun(info, ids, start, x, directions, output, model_output, error,
                    head_output, head_error)


def _start(model: TrainedModel, ids: np.ndarray) -> int:
    """Leading padding a masking model skips; the lab then steps only the real tokens."""
    if not model.mask_zero:
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


def _run_direction(model: TrainedModel, info: RecurrentLayer, label: str, sub,
                   x: np.ndarray) -> Direction:
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
                       mask_padding=model.mask_zero, **implied)
    lab = Lab(config, vectors=x)
    lab.use_weights(Weights(arrays[0], arrays[1], bias), implied,
                    f"{model.path}:{info.name}" + (f"/{label}" if info.bidirectional else ""))
    lab.run_to_end()
    keras_output = np.asarray(_first(sub(x, training=False)))
    stepped = np.swapaxes(lab.snapshot().output, 0, 1)
    if not sub.return_sequences:
        stepped = stepped[:, -1]
    return Direction(label, lab, keras_output, _max_error(stepped, keras_output))
