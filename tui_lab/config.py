"""Every setting of the lab, with Keras' names, validated in one place (no TensorFlow)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from tui_lab.core.checks import shown
from tui_lab.errors import LabError

CELLS = ("simple_rnn", "lstm", "gru")
CELL_TITLES = {"simple_rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}
GATE_NAMES = {
    "simple_rnn": ("preactivation",),
    "lstm": ("input", "forget", "candidate", "output"),
    "gru": ("update", "reset", "candidate"),
}
# Columns of the kernel per unit: [h] for SimpleRNN, [i|f|g|o] for LSTM, [z|r|h~] for GRU.
GATE_BLOCKS = {"simple_rnn": 1, "lstm": 4, "gru": 3}
# The ranges are what a trace or one epoch of training finishes in well under a minute on
# 2 cores (measured with each at its limit: units and embedding_dim 1,024: a trace 14-16 s,
# an epoch 13-14 s; at 4,096 both ran past 2 minutes with nothing to show). A run of many
# steps shows its progress on stderr (cli/trace.py) and stops with ctrl+c.
MAX_UNITS = 1024
MAX_EMBEDDING_DIM = 1024
MAX_NUM_WORDS = 1_000_000
MAX_MAXLEN = 100_000  # a trace of 100,000 steps: 16-31 s (1,000,000: ~5 minutes)
# num_words x output_dim: 16,000,000 weights trace in 16 s (64,000,000 took 65 s and 6 GiB).
MAX_EMBEDDING_PARAMS = 16_000_000
MAX_SEED = 2**31 - 1
PADDING_CHOICES = ("pre", "post")
# How a step is computed (stepper.py): "keras" calls the Keras cell object through its cell
# API, compiled (the default); "numpy" runs the cell's equations on the same weights, checked
# against the cell. Both are checked against the full Keras layer.
ENGINES = ("keras", "numpy")
ENGINE_TITLES = {"keras": "Keras cell API (compiled)",
                 "numpy": "numpy equations, checked against the cell"}


@dataclass(frozen=True)
class LabConfig:
    """The lab's settings. Defaults reproduce the lesson (The Great Pretender, LSTM, 4 units)."""

    cell: str = "lstm"
    units: int = 4
    embedding_dim: int = 4  # Embedding(output_dim=...)
    num_words: int = 150  # Tokenizer(num_words=...) and Embedding(input_dim=...)
    maxlen: int | None = 7  # pad_sequences(maxlen=...); None pads to the longest row
    padding: str = "pre"
    truncating: str = "post"
    go_backwards: bool = False
    mask_padding: bool = False  # Embedding(mask_zero=True): pad steps carry the state
    # Keras' zero_output_for_mask: a masked step outputs zeros instead of repeating the last
    # output (the state is carried either way). Bidirectional sets it on its layers when they
    # return sequences, so the padding after a text reads as zeros there.
    zero_output_for_mask: bool = False
    use_bias: bool = True
    reset_after: bool = True  # GRU only
    seed: int = 0
    engine: str = "keras"
    # Keras' stateful=True: selecting the next line (or batch) starts it from the final
    # state of the one before (core/stateful.py); Lab.reset_states() zeroes it.
    stateful: bool = False
    # Keras' cell arguments: the fraction of x (dropout) and of h_{t-1} (recurrent_dropout)
    # dropped, with masks drawn from the seed; applied only with training on (core/dropout.py).
    dropout: float = 0.0
    recurrent_dropout: float = 0.0
    training: bool = False

    def __post_init__(self) -> None:
        # numpy scalars (np.int64 read from an array, np.bool_) are taken as the Python int or
        # bool they stand for, so the settings stay plain values (JSON, ==, hashing).
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.bool_):
                object.__setattr__(self, f.name, bool(value))
            elif isinstance(value, np.integer):
                object.__setattr__(self, f.name, int(value))
            elif isinstance(value, np.floating):
                object.__setattr__(self, f.name, float(value))
        for name in ("dropout", "recurrent_dropout"):  # 0 and 0.0 are the same setting
            value = getattr(self, name)
            # An int beyond any float (10**400) stays an int: validate() refuses it by name.
            if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**1000:
                object.__setattr__(self, name, float(value))
        validate(self)

    def replace(self, **changes) -> LabConfig:
        """A new validated config; unknown names raise LabError rather than TypeError."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise LabError(f"unknown setting {unknown[0]!r}; settings are: {', '.join(sorted(known))}")
        return dataclasses.replace(self, **changes)

    @property
    def cell_title(self) -> str:
        return CELL_TITLES[self.cell]

    @property
    def engine_title(self) -> str:
        """What produces the numbers, in words (shown in the status bar and Layer panel)."""
        return ENGINE_TITLES[self.engine]

    @property
    def gate_names(self) -> tuple[str, ...]:
        return GATE_NAMES[self.cell]

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def _check_int(name: str, value, low: int, high: int) -> None:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise LabError(f"{name} must be a whole number, not {shown(value)}")
    if value < low:
        raise LabError(f"{name} must be at least {low}, not {shown(value)}")
    if value > high:
        raise LabError(f"{name} must be at most {high}, not {shown(value)}")


def validate(config: LabConfig) -> None:
    """Raise LabError naming the first setting that is out of range."""
    # isinstance first: `array in CELLS` would compare elementwise and raise ValueError.
    if not isinstance(config.cell, str) or config.cell not in CELLS:
        raise LabError(f"unknown cell {shown(config.cell)}; choose one of: {', '.join(CELLS)}")
    _check_int("units", config.units, 1, MAX_UNITS)
    _check_int("embedding_dim", config.embedding_dim, 1, MAX_EMBEDDING_DIM)
    _check_int("num_words", config.num_words, 2, MAX_NUM_WORDS)
    if config.maxlen is not None:
        _check_int("maxlen", config.maxlen, 1, MAX_MAXLEN)
    for name in ("padding", "truncating"):
        value = getattr(config, name)
        if not isinstance(value, str) or value not in PADDING_CHOICES:
            raise LabError(f"{name} must be 'pre' or 'post', not {shown(value)}")
    for name in ("go_backwards", "mask_padding", "zero_output_for_mask", "use_bias",
                 "reset_after", "stateful", "training"):
        if not isinstance(getattr(config, name), bool):
            raise LabError(f"{name} must be true or false, not {shown(getattr(config, name))}")
    _check_int("seed", config.seed, 0, MAX_SEED)
    for name in ("dropout", "recurrent_dropout"):
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, float) or not 0.0 <= value < 1.0:
            raise LabError(f"{name} must be a fraction from 0 up to (not including) 1, "
                           f"not {shown(value)}")
    if config.stateful and config.training and (config.dropout or config.recurrent_dropout):
        raise LabError("stateful lines with dropout in training are not supported: a stateful "
                       "layer draws new masks at every call; turn training or stateful off")
    if not isinstance(config.engine, str) or config.engine not in ENGINES:
        raise LabError(f"engine must be 'keras' or 'numpy', not {shown(config.engine)}")
    if config.num_words * config.embedding_dim > MAX_EMBEDDING_PARAMS:
        raise LabError(
            f"num_words x embedding_dim = {config.num_words * config.embedding_dim:,} weights is too "
            f"large (at most {MAX_EMBEDDING_PARAMS:,}); lower num_words or embedding_dim"
        )
