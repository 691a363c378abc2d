"""A keras.layers.Conv1D stepped one output position at a time over the lab's embeddings: the
lesson's other way to read a sequence, next to the recurrent cell.

A recurrent cell carries one state from the first token to the last; a Conv1D output at
position p sees only a fixed window of kernel_size inputs (dilation_rate apart) and nothing
before it. `Conv1DStepper` takes the lab's input x (batch, T, D), the same padded sequence
the cell steps, and computes each output position with numpy from the layer's weights:

    outputs[:, p] = activation( sum_j  x[:, window(p)[j]] @ kernel[j]  +  bias )

where a window tap outside 0..T-1 reads zeros ('same' and 'causal' pad the edges with zeros;
'valid' never leaves the sequence). The same weights go into a real keras.layers.Conv1D,
called once on the same input: `max_abs_error` is the largest difference between the
positions stepped so far and that layer's output.

Keras' Conv1D does not take a mask, so it reads the padding tokens' embeddings as they are
(pad_sequences' id 0 is a word like any other to it); that is what is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from tui_lab.core import checks, tf_loader
from tui_lab.core.snapshot import Snapshot, readonly
from tui_lab.errors import LabError

PADDINGS = ("valid", "same", "causal")
ACTIVATIONS = {  # numpy versions of Keras' activations of the same name
    "relu": lambda z: np.maximum(z, 0.0),
    "linear": lambda z: z,
    "tanh": np.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
}
MAX_FILTERS, MAX_KERNEL, MAX_DILATION = 64, 64, 64
SEED_OFFSET = 3  # the cell's weights use seed, seed+1 and seed+2
BLOCK = 4096  # output positions computed in one numpy call


@dataclass(frozen=True)
class ConvSettings:
    """Keras' Conv1D arguments (strides is always 1). The defaults are the lesson's Conv1D
    scaled to the lab: kernel_size 3 is a window of three words on a 7-word line (five
    'valid' positions), 4 filters sit beside the LSTM's 4 units in 80 columns, 'valid' is
    Keras' default padding and relu the lesson's activation (Conv1D(128, 5, activation='relu'))."""

    filters: int = 4
    kernel_size: int = 3
    padding: str = "valid"
    dilation_rate: int = 1
    activation: str = "relu"

    def checked(self, timesteps: int) -> ConvSettings:
        """These settings, with each one checked for a sequence of `timesteps`: LabError
        naming the one that is wrong."""
        filters = checks.whole_number(self.filters, "filters", 1, MAX_FILTERS)
        kernel = checks.whole_number(self.kernel_size, "kernel_size", 1, MAX_KERNEL)
        dilation = checks.whole_number(self.dilation_rate, "dilation_rate", 1, MAX_DILATION)
        if self.padding not in PADDINGS:
            raise LabError(f"padding must be one of {', '.join(PADDINGS)}, "
                           f"not {checks.shown(self.padding)}")
        if self.activation not in ACTIVATIONS:
            raise LabError(f"activation must be one of {', '.join(ACTIVATIONS)}, "
                           f"not {checks.shown(self.activation)}")
        checked = ConvSettings(filters, kernel, self.padding, dilation, self.activation)
        if self.padding == "valid" and checked.span > timesteps:
            how = f"kernel_size {kernel}"
            if dilation > 1:
                how += f" at dilation_rate {dilation}"
            raise LabError(f"{how} spans {checked.span} positions but the sequence has "
                           f"{timesteps}: padding 'valid' would give no output (make the "
                           f"kernel smaller, or pad with 'same' or 'causal')")
        return checked

    @property
    def span(self) -> int:
        """How many input positions one window covers, first tap to last."""
        return (self.kernel_size - 1) * self.dilation_rate + 1

    def left_padding(self) -> int:
        """Zeros before position 0 (TensorFlow's 'same' puts the odd one on the right)."""
        total = self.span - 1
        return {"valid": 0, "same": total // 2, "causal": total}[self.padding]

    def length(self, timesteps: int) -> int:
        """Output positions for a sequence of `timesteps`."""
        return timesteps - self.span + 1 if self.padding == "valid" else timesteps

    def describe(self) -> str:
        return (f"Conv1D(filters={self.filters}, kernel_size={self.kernel_size}, "
                f"padding='{self.padding}', dilation_rate={self.dilation_rate}, "
                f"activation='{self.activation}')")


@dataclass(frozen=True)
class Window:
    """The input positions output position `position` reads, one per kernel tap; a position
    outside 0..timesteps-1 is a zero of the layer's padding."""

    position: int
    taps: tuple[int, ...]
    timesteps: int

    @property
    def zero_padded(self) -> tuple[bool, ...]:
        return tuple(not 0 <= tap < self.timesteps for tap in self.taps)

    @property
    def inside(self) -> tuple[int, ...]:
        """The taps that read the sequence (not the zero padding)."""
        return tuple(tap for tap in self.taps if 0 <= tap < self.timesteps)

    @property
    def newest(self) -> int | None:
        """The last sequence position the window reads (None if it reads only zeros)."""
        return max(self.inside, default=None)

    def describe(self) -> str:
        """'2,3,4'; a tap on the layer's zero padding is '∅' ('∅,0,1')."""
        return ",".join("∅" if zero else str(tap)
                        for tap, zero in zip(self.taps, self.zero_padded))


def window_of(settings: ConvSettings, timesteps: int, position: int) -> Window:
    start = position - settings.left_padding()
    taps = tuple(start + j * settings.dilation_rate for j in range(settings.kernel_size))
    return Window(position, taps, timesteps)


def seeded_weights(settings: ConvSettings, input_dim: int, seed: int):
    """A fresh Conv1D's weights, as Keras makes them (GlorotUniform kernel, zero bias), the
    kernel reproducible from the lab's seed: kernel (kernel_size, input_dim, filters), bias."""
    init = tf_loader.keras().initializers
    shape = (settings.kernel_size, input_dim, settings.filters)
    kernel = np.asarray(init.GlorotUniform(seed=seed + SEED_OFFSET)(shape), dtype=np.float32)
    return kernel, np.zeros(settings.filters, np.float32)


def keras_conv1d(settings: ConvSettings, kernel: np.ndarray, bias: np.ndarray, x: np.ndarray):
    """keras.layers.Conv1D with these settings and weights, called on x: (B, length, filters)."""
    layer = tf_loader.keras().layers.Conv1D(
        settings.filters, settings.kernel_size, padding=settings.padding,
        dilation_rate=settings.dilation_rate, activation=settings.activation)
    layer.build((None,) + x.shape[1:])
    layer.set_weights([kernel, bias])
    return np.asarray(layer(x))


class Conv1DStepper:
    """A Conv1D over the lab's input, stepped one output position at a time.

    `source` is a Lab (or a trained ModelLab) or one of their Snapshots: its batch x
    (B, T, D) is read once; the stepper never changes the lab. Building it calls Keras
    (the weights, the layer's check); stepping is numpy only.

    >>> conv = Conv1DStepper(lab, kernel_size=3)
    >>> conv.step(); conv.window(0).taps, conv.outputs[:, 0]   # (0, 1, 2), (B, filters)
    >>> conv.run_to_end(); conv.max_abs_error                  # vs keras.layers.Conv1D
    """

    def __init__(self, source, filters: int = 4, kernel_size: int = 3, padding: str = "valid",
                 dilation_rate: int = 1, activation: str = "relu", *, weights=None):
        """weights: (kernel (kernel_size, D, filters), bias (filters,)) instead of the
        seeded ones."""
        snapshot = source if isinstance(source, Snapshot) else source.snapshot(layer=False)
        self.snapshot = snapshot  # the lab's picture when this was built (read only)
        x = snapshot.batch.x
        self.settings = ConvSettings(filters, kernel_size, padding, dilation_rate,
                                     activation).checked(x.shape[1])
        self.kernel, self.bias = self._weights(weights, x.shape[2], snapshot.config.seed)
        self.keras_output = readonly(keras_conv1d(self.settings, self.kernel, self.bias, x))
        self.length = self.settings.length(x.shape[1])
        rows, filters = x.shape[0], self.settings.filters
        self._pre = np.zeros((rows, self.length, filters))  # before the activation
        self._computed = 0  # positions computed (they stay when stepping back)
        self.stepped = 0  # positions stepped: 0..length

    def _weights(self, weights, input_dim: int, seed: int):
        if weights is None:
            return seeded_weights(self.settings, input_dim, seed)
        kernel, bias = (np.asarray(w, dtype=np.float32) for w in weights)
        wanted = (self.settings.kernel_size, input_dim, self.settings.filters)
        if kernel.shape != wanted or bias.shape != wanted[2:]:
            raise LabError(f"the Conv1D weights must be a kernel {wanted} and a bias "
                           f"({wanted[2]},), not {kernel.shape} and {bias.shape}")
        return kernel, bias

    def with_settings(self, **changes) -> Conv1DStepper:
        """A new stepper over the same input with some settings changed (Keras is called:
        run it where TensorFlow may run), at the same step or the last one there is."""
        settings = replace(self.settings, **changes)
        new = Conv1DStepper(self.snapshot, settings.filters, settings.kernel_size,
                            settings.padding, settings.dilation_rate, settings.activation)
        new.seek(min(self.stepped, new.length))
        return new

    # ----- reading ----------------------------------------------------------------------------
    @property
    def x(self) -> np.ndarray:
        return self.snapshot.batch.x

    @property
    def timesteps(self) -> int:
        return self.x.shape[1]

    @property
    def position(self) -> int | None:
        """The output position stepped last (None before the first)."""
        return self.stepped - 1 if self.stepped else None

    def window(self, position: int) -> Window:
        position = checks.whole_number(position, "the output position", 0, self.length - 1)
        return window_of(self.settings, self.timesteps, position)

    def window_inputs(self, position: int) -> np.ndarray:
        """(B, kernel_size, D): what each tap reads, zeros at the layer's padding."""
        window = self.window(position)
        x = self.x
        values = np.zeros((x.shape[0], len(window.taps), x.shape[2]), x.dtype)
        for j, tap in enumerate(window.taps):
            if not window.zero_padded[j]:
                values[:, j] = x[:, tap]
        return values

    def tap_terms(self, position: int) -> np.ndarray:
        """(B, kernel_size, filters): x at each tap @ that tap's kernel slice (their sum plus
        the bias is the pre-activation)."""
        inputs = self.window_inputs(position).astype(np.float64)
        return np.einsum("bjd,jdf->bjf", inputs, self.kernel.astype(np.float64))

    @property
    def pre_activations(self) -> np.ndarray:
        """(B, stepped, filters): sum over the window of x @ kernel slice, plus the bias."""
        return readonly(self._pre[:, :self.stepped])

    @property
    def outputs(self) -> np.ndarray:
        """(B, stepped, filters): activation(pre_activations), the layer's output so far."""
        return ACTIVATIONS[self.settings.activation](self.pre_activations)

    @property
    def max_abs_error(self) -> float | None:
        """Largest |stepped output - keras.layers.Conv1D output| over the positions stepped
        (None before the first step)."""
        if not self.stepped:
            return None
        return float(np.abs(self.outputs - self.keras_output[:, :self.stepped]).max())

    # ----- stepping ---------------------------------------------------------------------------
    def step(self) -> bool:
        """The next output position; False at the end."""
        if self.stepped >= self.length:
            return False
        self._compute_until(self.stepped + 1)
        self.stepped += 1
        return True

    def _compute_until(self, end: int) -> None:
        """Pre-activations of positions computed..end-1, a block of positions at a time (a
        long line run to its end is not a Python loop per position): the window's inputs
        gathered (zeros at the padding), times the kernel slices, summed, plus the bias."""
        settings, x = self.settings, self.x
        kernel = self.kernel.astype(np.float64)
        taps = np.arange(settings.kernel_size) * settings.dilation_rate - settings.left_padding()
        for start in range(self._computed, end, BLOCK):
            stop = min(end, start + BLOCK)
            where = np.arange(start, stop)[:, None] + taps  # (positions, kernel_size)
            inside = (where >= 0) & (where < self.timesteps)
            gathered = x[:, np.clip(where, 0, self.timesteps - 1)] * inside[..., None]
            self._pre[:, start:stop] = np.einsum("bpjd,jdf->bpf", gathered.astype(np.float64),
                                                 kernel) + self.bias
        self._computed = max(self._computed, end)

    def back(self) -> bool:
        if not self.stepped:
            return False
        self.stepped -= 1
        return True

    def seek(self, stepped: int) -> None:
        stepped = checks.whole_number(stepped, "the positions stepped", 0, self.length)
        self._compute_until(stepped)
        self.stepped = stepped

    def reset(self) -> None:
        self.stepped = 0

    def run_to_end(self) -> None:
        self.seek(self.length)


def recurrent_state_at(snapshot: Snapshot, position: int | None):
    """The lab's state after the step that read padded `position`: (step, h (B, units)), with
    h None when the lab has not stepped that far (step is 1-based; (None, None) for None)."""
    if position is None:
        return None, None
    steps = np.flatnonzero(np.asarray(snapshot.order) == position)
    if not len(steps):
        return None, None
    k = int(steps[0])
    return k + 1, (snapshot.h[k] if k < snapshot.t else None)
