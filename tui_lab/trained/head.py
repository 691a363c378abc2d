"""What the model says, step by step: the model's head (its layers after the last recurrent
layer) applied to the state after each step, read as the head's last layer means it.

- a Dense(1) with a sigmoid: the probability;
- a Dense(1) with no activation (TensorFlow's tutorial: logits, from_logits=True): the
  probability sigmoid(logit), and the reading says so;
- a softmax over the model's tokens (a next-word or next-character model): the top-k tokens;
- a softmax over anything else: the top classes ("class 3");
- anything else: the raw values.

The head reads one step's output only when it follows the last recurrent layer in one
direction (layer_run.check_one_step). A Bidirectional last layer gives no per-step reading
that is the model's: its backward direction has read the whole text before the first step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tui_lab.core import tf_loader
from tui_lab.errors import LabError
from tui_lab.trained.layer_run import check_one_step

TOP = 3  # classes or tokens shown per step


@dataclass(frozen=True)
class HeadKind:
    kind: str  # probability, logit, tokens, classes, values
    note: str  # what the value is, in words
    width: int  # the head's output size


def head_kind(model) -> HeadKind:
    """How to read the model's output (its last layer's units and activation)."""
    keras = tf_loader.keras()
    last = model.model.layers[-1]
    width = int(model.model.outputs[0].shape[-1])
    activation = getattr(last, "activation", None)
    name = getattr(activation, "__name__", str(activation)) if activation is not None else ""
    if isinstance(last, keras.layers.Activation):
        name = last.get_config().get("activation", name)
    if width == 1 and name == "sigmoid":
        return HeadKind("probability", "P(1): the head's sigmoid", 1)
    if width == 1 and name == "linear":
        return HeadKind("logit", "P(1) = sigmoid(logit): the head has no activation "
                                 "(trained with from_logits=True)", 1)
    if name == "softmax":
        tokens = width == model.vocab_size or (model.reads_characters and
                                               width == model.vocab_size - 1)
        if tokens:
            return HeadKind("tokens", f"the next {'character' if model.reads_characters else 'word'}"
                                      f" (the head's softmax)", width)
        return HeadKind("classes", f"the class (a softmax over {width})", width)
    return HeadKind("values", f"the head's output ({width} values, activation {name})", width)


@dataclass(frozen=True)
class Reading:
    """The head at each step so far, for batch row 0."""

    kind: HeadKind
    values: np.ndarray  # (t, width) the head's output on the state after each step, row 0
    top: tuple[tuple[str, float], ...]  # at the last step: (label, value) best first
    series: np.ndarray  # (t,) the value a learner follows: P(1), or the final top's share
    refusal: str | None = None  # why there is no per-step reading (Bidirectional ...)


def probabilities(kind: HeadKind, raw: np.ndarray) -> np.ndarray:
    """The head's output as probabilities (a logit through the sigmoid)."""
    raw = np.asarray(raw, np.float64)
    return 1 / (1 + np.exp(-raw)) if kind.kind == "logit" else raw


def head_steps(model, info, outputs: np.ndarray) -> np.ndarray:
    """outputs (t, B, units) of the last recurrent layer stepped -> the model's head on each,
    (t, B, width), its raw output (logits stay logits). LabError when the head does not read
    one step's output of this layer alone (Bidirectional, not the last layer ...)."""
    check_one_step(model, info, "a per-step reading of the head has to")
    head = model.head(info.name)
    if head is None:
        raise LabError("a per-step reading of the head needs the layers after the last "
                       "recurrent layer to read its output alone")
    n, batch, units = outputs.shape
    if n == 0:
        return np.zeros((0, batch, int(model.model.outputs[0].shape[-1])))
    rows = outputs.reshape(n * batch, units)
    # A layer returning sequences: each step's output as a sequence of one step.
    found = np.asarray(head(rows[:, None] if info.return_sequences else rows), np.float64)
    if found.ndim == 3:  # a head at every position, given one: its last
        found = found[:, -1]
    return found.reshape(n, batch, -1)


def label(model, kind: HeadKind, index: int) -> str:
    if kind.kind == "tokens":
        token_id = index + 1 if model.reads_characters else index
        return model.word(token_id)
    return f"class {index}"


def reading(model, info, outputs: np.ndarray) -> Reading:
    """The head at each step of row 0 (outputs: (t, B, units), the steps so far)."""
    kind = head_kind(model)
    try:
        raw = head_steps(model, info, outputs)[:, 0, :]
    except LabError as error:
        return Reading(kind, np.zeros((0, kind.width)), (), np.zeros(0), str(error))
    values = probabilities(kind, raw)
    if not len(values):
        return Reading(kind, values, (), np.zeros(0))
    last = values[-1]
    if kind.kind in ("probability", "logit"):
        return Reading(kind, values, (("P(1)", float(last[0])),), values[:, 0])
    order = np.argsort(-last, kind="stable")[:TOP]
    top = tuple((label(model, kind, int(i)), float(last[i])) for i in order)
    return Reading(kind, values, top, values[:, int(order[0])])
