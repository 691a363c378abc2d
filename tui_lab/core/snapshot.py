"""What the lab shows: the batch being stepped and the immutable Snapshot views read.

The controller (lab.py) builds these; the app, the trace and notebooks only read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tui_lab.core import inputs
from tui_lab.core.cells import Weights
from tui_lab.config import LabConfig
from tui_lab.errors import LabError
from tui_lab.core.text import Encoded


@dataclass(frozen=True)
class Batch:
    """The input being stepped: x (B, T, input_dim) and, for text, where each row came from."""

    x: np.ndarray
    pad_mask: np.ndarray  # (B, T) True at padding (all False for raw vectors)
    labels: tuple[str, ...]  # "line 3", "typed", "row 1" ...
    rows: tuple[Encoded, ...] | None = None  # text input only

    @property
    def shape(self) -> tuple[int, int]:
        return self.x.shape[0], self.x.shape[1]


@dataclass(frozen=True)
class Snapshot:
    """What the lab shows after an operation. Arrays are read-only views; do not keep one
    across operations that rebuild the lab if you need it to stay current."""

    config: LabConfig
    source_kind: str  # "text" or "vectors"
    source_name: str
    lines: tuple[str, ...]  # the text's lines (empty for vectors)
    selection: tuple[int, ...]  # selected line numbers, 1-based (empty for typed/vectors)
    sentence: str | None  # the typed sentence, if that is the input
    batch: Batch
    word_index: dict[str, int] | None
    weights: Weights
    weights_source: str
    order: np.ndarray  # (T,) padded position consumed at each step
    t: int  # steps taken, 0..T
    h0: np.ndarray  # (B, units) initial state
    c0: np.ndarray | None
    h: np.ndarray  # (t, B, units) states after each step taken
    c: np.ndarray | None
    output: np.ndarray  # (t, B, units) what the layer outputs at each step
    gates: dict[str, np.ndarray]  # name -> (t, B, units); NaN where a masked row skipped
    masked: np.ndarray  # (t, B)
    # keras.layers.<Cell>(return_sequences=True, return_state=True) on the same input;
    # None only in a snapshot(layer=False) taken before the layer has run.
    layer_sequence: np.ndarray | None  # (B, T, units)
    layer_states: tuple[np.ndarray, ...] | None  # (h,) or (h, c), each (B, units)
    max_abs_error: float | None  # stepped outputs (and final states at the end) vs the layer
    gate_max_abs_error: float | None  # numpy equations vs the Keras cell, every step so far
    initial_state_given: bool = False
    # Where h0 (and c0) come from: "zeros", "given" or "carried from line 3" (stateful).
    initial_state_origin: str = "zeros"
    # With stateful on: what Keras' stateful layer has read since its reset, this input last.
    stateful_calls: tuple[str, ...] = ()
    # Training with dropout: the masks applied at every step (core.dropout.Masks), else None.
    dropout_masks: Any = None
    notes: tuple[str, ...] = field(default=())
    # Which History the step arrays are views of: a new id whenever the lab makes a new
    # History (what a step computes changed); the same id means step k's rows are unchanged.
    history_id: int = 0
    # A trained model's view beside the stepped layer (trained.lab.ModelView), None for a
    # plain Lab. Typed loosely: core does not import trained.
    model: Any = None
    # State edits (core.edits.Edit) made in this run, in order; with any, max_abs_error
    # compares only the steps before the first (the layer runs unedited).
    edits: tuple = ()
    # With edits: edited minus unedited states for the steps taken (core.edits.WhatIf).
    what_if: Any = None

    @property
    def timesteps(self) -> int:
        return len(self.order)

    @property
    def batch_size(self) -> int:
        return self.batch.x.shape[0]

    @property
    def units(self) -> int:
        return self.config.units

    @property
    def at_end(self) -> bool:
        return self.t == self.timesteps

    @property
    def position(self) -> int | None:
        """The padded position consumed by the latest step (None before the first)."""
        return int(self.order[self.t - 1]) if self.t else None

    @property
    def next_position(self) -> int | None:
        return int(self.order[self.t]) if self.t < self.timesteps else None

    @property
    def previous_state(self) -> tuple[np.ndarray, np.ndarray | None]:
        """(h_{t-1}, c_{t-1}) that the latest step started from, each (B, units)."""
        if self.t <= 1:
            return self.h0, self.c0
        return self.h[self.t - 2], (self.c[self.t - 2] if self.c is not None else None)

    def after_text(self, row: int) -> tuple[int, int, float] | None:
        """Padding stepped after the text (as Keras steps the zeros TextVectorization pads
        with, when nothing masks them), for batch row `row`: (the step that read the last
        token, 1-based; the pad steps taken after it; ||h_t - h at that step||, how far the
        padding has moved the state). None when no pad step follows the text yet, or when
        mask_padding carries the state through them."""
        if self.config.mask_padding or not self.t:
            return None
        read = ~self.batch.pad_mask[row, self.order[:self.t]]
        if not read.any() or read[-1]:
            return None
        last = int(np.flatnonzero(read)[-1])
        distance = float(np.linalg.norm(self.h[self.t - 1, row] - self.h[last, row]))
        return last + 1, self.t - 1 - last, distance

    @property
    def step_terms(self) -> dict[str, np.ndarray]:
        """The parts of the latest step's update, each (B, units); {} before the first step.

        LSTM: kept = f*c_{t-1} (forget gate applied), learned = i*g (the lesson's learn gate),
        so c_t = kept + learned. GRU: kept = z*h_{t-1}, new = (1-z)*candidate, so
        h_t = kept + new. SimpleRNN: {}. NaN where a masked row skipped the cell."""
        if not self.t or self.config.cell == "simple_rnn":
            return {}
        k = self.t - 1
        g = self.gates
        h_prev, c_prev = self.previous_state
        if self.config.cell == "lstm":
            return {"kept": g["forget"][k] * c_prev, "learned": g["input"][k] * g["candidate"][k]}
        return {"kept": g["update"][k] * h_prev, "new": (1.0 - g["update"][k]) * g["candidate"][k]}


def vector_batch(vectors, pad_mask=None) -> Batch:
    x = inputs.as_vector_batch(vectors)
    if pad_mask is None:
        mask = np.zeros(x.shape[:2], bool)
    else:
        mask = np.asarray(pad_mask, dtype=bool)
        if mask.ndim == 1:
            mask = mask[np.newaxis]
        if mask.shape != x.shape[:2]:
            raise LabError(f"the pad mask has shape {mask.shape} but the vectors are "
                           f"(batch, timesteps) = {x.shape[:2]}")
    labels = tuple(f"row {i + 1}" for i in range(x.shape[0]))
    return Batch(x, mask, labels)


def readonly(array):
    if array is None:
        return None
    view = array.view()
    view.flags.writeable = False
    return view
