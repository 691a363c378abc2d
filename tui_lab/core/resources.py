"""How much memory a setting implies, checked before anything is allocated (no TensorFlow).

The figures are estimates meant to refuse the absurd (a 100 GiB history, a 4 TiB n-gram
dataset) with a clear message instead of a MemoryError half way; they are generous, not
exact. The lab lets one setting use at most half of the machine's memory.
"""

from __future__ import annotations

import os

from tui_lab.config import GATE_BLOCKS, GATE_NAMES, LabConfig
from tui_lab.errors import LabError
from tui_lab.core.files import size_text

FLOAT = 4  # bytes of a float32
# Weights exist as numpy arrays, as the Keras cell's and the Keras layer's variables, and as
# the initializers' temporaries (the orthogonal recurrent kernel is made by a QR).
WEIGHT_COPIES = 4
# Peak bytes per number while a trace becomes JSON: the Python list slot and float, and
# its text twice (str, then bytes). Measured at about 75; rounded up.
JSON_BYTES_PER_NUMBER = 100
# Training: per n-gram cell the prefix lists, the padded int32 array and Keras' copy of it;
# per parameter the weights, their gradients and Adam's two moments.
DATASET_BYTES_PER_ID = 16
TRAINING_COPIES = 4


def total_memory() -> int | None:
    """This machine's physical memory in bytes (None where the OS does not say)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check(needed: int, what: str, total: int | None = None) -> None:
    """LabError if needed bytes is more than half of total (this machine's memory)."""
    total = total_memory() if total is None else total
    if total and needed > total // 2:
        raise LabError(f"{what} needs ~{size_text(needed)} of memory; this machine has "
                       f"{size_text(total)} and the lab uses at most half")


def _per_step(config: LabConfig, input_dim: int) -> int:
    """Numbers the lab keeps per timestep and batch row: x, h, output, c (LSTM), each gate,
    x @ kernel (numpy engine) and the Keras layer's sequence."""
    blocks = GATE_BLOCKS[config.cell]
    arrays = 3 + (config.cell == "lstm") + len(GATE_NAMES[config.cell]) + blocks
    return input_dim + arrays * config.units


def weight_numbers(config: LabConfig, input_dim: int, text: bool = True) -> int:
    cells = GATE_BLOCKS[config.cell] * config.units
    table = config.num_words * config.embedding_dim if text else 0
    return (input_dim + config.units + 2) * cells + table


def _shape_text(config: LabConfig, timesteps: int, batch: int) -> str:
    return (f"{config.cell_title}({config.units:,}) over {timesteps:,} timesteps x batch "
            f"{batch:,}")


def check_lab(config: LabConfig, timesteps: int, batch: int, input_dim: int | None = None,
              text: bool = True, total: int | None = None) -> None:
    """The weights and the history of every step (T x B x units float32 for h, c, output
    and each gate) must fit."""
    input_dim = config.embedding_dim if input_dim is None else input_dim
    needed = (weight_numbers(config, input_dim, text) * WEIGHT_COPIES
              + timesteps * batch * _per_step(config, input_dim)) * FLOAT
    check(needed, f"{_shape_text(config, timesteps, batch)} with input size {input_dim:,}", total)


def trace_numbers(config: LabConfig, timesteps: int, batch: int, input_dim: int | None = None,
                  text: bool = True) -> int:
    """How many numbers a trace of this run holds (weights, every step, the layer's)."""
    input_dim = config.embedding_dim if input_dim is None else input_dim
    # x, then h, output and the layer's sequence, c (LSTM) and each gate
    per_step = input_dim + config.units * (3 + (config.cell == "lstm")
                                           + len(GATE_NAMES[config.cell]))
    return weight_numbers(config, input_dim, text) + timesteps * batch * per_step


def check_trace(config: LabConfig, timesteps: int, batch: int, fmt: str,
                input_dim: int | None = None, text: bool = True, total: int | None = None) -> None:
    numbers = trace_numbers(config, timesteps, batch, input_dim, text)
    per_number = JSON_BYTES_PER_NUMBER if fmt == "json" else 2 * FLOAT
    check(numbers * per_number, f"the trace of {_shape_text(config, timesteps, batch)} as "
                                f"{fmt.upper()} ({numbers:,} numbers)", total)


def check_dataset(samples: int, maxlen: int, name: str, total: int | None = None) -> None:
    """The n-gram dataset: every prefix padded to the longest."""
    check(samples * (maxlen + 1) * DATASET_BYTES_PER_ID,
          f"training on {name} ({samples:,} prefixes padded to {maxlen:,} words)", total)


def check_training(samples: int, maxlen: int, vocab_size: int, *, cell: str, units: int,
                   embedding_dim: int, bidirectional: bool, batch_size: int,
                   total: int | None = None) -> None:
    """Dataset, parameters (with gradients and Adam's moments) and one batch's activations."""
    blocks = GATE_BLOCKS[cell]
    directions = 2 if bidirectional else 1
    recurrent = directions * (embedding_dim + units + 2) * blocks * units
    params = vocab_size * embedding_dim + recurrent + (directions * units + 1) * vocab_size
    activations = 2 * batch_size * maxlen * directions * (embedding_dim + units * (blocks + 3))
    needed = (samples * (maxlen + 1) * DATASET_BYTES_PER_ID
              + (params * TRAINING_COPIES + activations) * FLOAT)
    check(needed, f"a {cell} model with {units:,} units, embedding {embedding_dim:,} and "
                  f"{vocab_size:,} words ({params:,} weights)", total)
