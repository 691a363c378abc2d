"""Keras cells and layers built with the lab's weights, and the weights themselves.

Weights are plain numpy in Keras layout ([kernel, recurrent_kernel, bias], see
../shared/notes/keras-cells.md): the cell stepped one timestep at a time, the full layer used
as the cross-check and the numpy gate equations all read the same arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from . import gates, tf_loader
from .config import CELL_TITLES, GATE_BLOCKS, LabConfig
from .errors import LabError

KERAS_CELLS = {"simple_rnn": "SimpleRNNCell", "lstm": "LSTMCell", "gru": "GRUCell"}


@dataclass(frozen=True)
class Weights:
    """A recurrent cell's weights in Keras layout, plus the Embedding table for text input."""

    kernel: np.ndarray  # (input_dim, blocks*units)
    recurrent_kernel: np.ndarray  # (units, blocks*units)
    bias: np.ndarray | None  # (blocks*units,), GRU reset_after (2, 3*units); None: no bias
    embedding: np.ndarray | None = None  # (num_words, input_dim); None for raw vectors

    @property
    def units(self) -> int:
        return self.recurrent_kernel.shape[0]

    @property
    def input_dim(self) -> int:
        return self.kernel.shape[0]

    def cell_weights(self) -> list[np.ndarray]:
        arrays = [self.kernel, self.recurrent_kernel]
        return arrays if self.bias is None else arrays + [self.bias]


def _cell_kwargs(config: LabConfig) -> dict:
    kwargs = {"units": config.units, "use_bias": config.use_bias}
    if config.cell == "gru":
        kwargs["reset_after"] = config.reset_after
    return kwargs


def new_cell(config: LabConfig):
    return getattr(tf_loader.keras().layers, KERAS_CELLS[config.cell])(**_cell_kwargs(config))


def new_layer(config: LabConfig, input_dim: int):
    """The full Keras layer (the cross-check), returning every output and the final state."""
    keras = tf_loader.keras()
    layer = getattr(keras.layers, CELL_TITLES[config.cell])(
        return_sequences=True, return_state=True, go_backwards=config.go_backwards,
        **_cell_kwargs(config))
    layer.build((None, None, input_dim))
    return layer


def seeded_weights(config: LabConfig, input_dim: int | None) -> Weights:
    """Keras' own initial weights, reproducible from config.seed.

    input_dim None means text input: an Embedding(num_words, embedding_dim) table is made too
    (Keras' default RandomUniform(-0.05, 0.05)) and the cell reads embedding_dim features.
    """
    keras = tf_loader.keras()
    init = keras.initializers
    seed = config.seed
    embedding = None
    if input_dim is None:
        input_dim = config.embedding_dim
        table = init.RandomUniform(-0.05, 0.05, seed=seed)((config.num_words, input_dim))
        embedding = np.asarray(table, dtype=np.float32)
    cell = getattr(keras.layers, KERAS_CELLS[config.cell])(
        kernel_initializer=init.GlorotUniform(seed=seed + 1),
        recurrent_initializer=init.Orthogonal(seed=seed + 2),
        **_cell_kwargs(config))
    cell.build((None, input_dim))
    arrays = [np.asarray(w, dtype=np.float32) for w in cell.get_weights()]
    return Weights(arrays[0], arrays[1], arrays[2] if config.use_bias else None, embedding)


def read_npz(path: str | Path, what: str) -> dict[str, np.ndarray]:
    """The arrays of an .npz file (a regular file, each array's header checked before its
    data is read); LabError if it cannot be read as one."""
    from . import files

    data = files.read_bytes(path, f"{what} file", files.MAX_NPZ_BYTES)
    return files.npz_from_bytes(data, str(path), files.MAX_NPZ_VALUES)


def _float_array(arrays: dict, key: str, path) -> np.ndarray:
    value = arrays[key]
    if not np.issubdtype(value.dtype, np.number) or np.issubdtype(value.dtype, np.complexfloating):
        raise LabError(f"{path}: '{key}' must hold real numbers, not {value.dtype}")
    value = value.astype(np.float32)
    if not np.all(np.isfinite(value)):
        raise LabError(f"{path}: '{key}' holds NaN or infinite values")
    return value


def weights_from_npz(path: str | Path, config: LabConfig) -> tuple[Weights, dict]:
    """Weights from an .npz in Keras layout, and the settings they imply.

    Units, input size, use_bias and GRU's reset_after follow from the shapes; a shape that
    fits no such cell raises LabError naming the array and the shape expected.
    """
    arrays = read_npz(path, "weights")
    missing = [key for key in ("kernel", "recurrent_kernel") if key not in arrays]
    if missing:
        raise LabError(f"{path} has no '{missing[0]}' array (it needs 'kernel', 'recurrent_kernel' "
                       f"and optionally 'bias' and 'embedding')")
    kernel = _float_array(arrays, "kernel", path)
    recurrent = _float_array(arrays, "recurrent_kernel", path)
    blocks = GATE_BLOCKS[config.cell]
    title = CELL_TITLES[config.cell]
    if recurrent.ndim != 2 or recurrent.shape[0] < 1 or recurrent.shape[1] != blocks * recurrent.shape[0]:
        raise LabError(f"{path}: recurrent_kernel has shape {recurrent.shape}, but a {title} cell "
                       f"needs (units, {blocks}*units)")
    units = recurrent.shape[0]
    if kernel.ndim != 2 or kernel.shape[1] != blocks * units or kernel.shape[0] < 1:
        raise LabError(f"{path}: kernel has shape {kernel.shape}, but a {title} cell with {units} "
                       f"units needs (input_dim, {blocks * units})")
    changes = {"units": units, "use_bias": "bias" in arrays}
    bias = None
    if "bias" in arrays:
        bias = _float_array(arrays, "bias", path)
        allowed = [(blocks * units,)]
        if config.cell == "gru":
            allowed.insert(0, (2, blocks * units))
        if bias.shape not in allowed:
            raise LabError(f"{path}: bias has shape {bias.shape}, but a {title} cell with {units} "
                           f"units needs {' or '.join(str(s) for s in allowed)}")
        if config.cell == "gru":
            changes["reset_after"] = bias.ndim == 2
    embedding = None
    if "embedding" in arrays:
        embedding = _float_array(arrays, "embedding", path)
        if embedding.ndim != 2 or embedding.shape[1] != kernel.shape[0] or embedding.shape[0] < 2:
            raise LabError(f"{path}: embedding has shape {embedding.shape}, but the kernel reads "
                           f"{kernel.shape[0]} features, so it needs (num_words, {kernel.shape[0]})")
    changes["embedding_dim"] = kernel.shape[0]
    return Weights(kernel, recurrent, bias, embedding), changes


def save_npz(path: str | Path, weights: Weights) -> None:
    arrays = {"kernel": weights.kernel, "recurrent_kernel": weights.recurrent_kernel}
    if weights.bias is not None:
        arrays["bias"] = weights.bias
    if weights.embedding is not None:
        arrays["embedding"] = weights.embedding
    np.savez(path, **arrays)


class CellRunner:
    """One recurrent cell with the lab's weights.

    Two engines step it: "keras" calls the Keras cell object (the cell API, cell(x, states))
    and checks the numpy gate equations against it; "numpy" runs those equations alone, with
    the input projection x @ kernel done for the whole sequence in one product (about a
    hundred times faster than an eager cell call). Either way the full Keras layer, owned
    here too and compiled with tf.function, is the cross-check for the whole sequence.
    """

    def __init__(self, config: LabConfig, weights: Weights):
        self.config = config
        self.weights = weights
        self._step = gates.STEPS[config.cell]
        self._recurrent_bias = gates.recurrent_bias(config.cell, weights.bias, config.reset_after)

    @property
    def has_cell_state(self) -> bool:
        return self.config.cell == "lstm"

    @cached_property
    def cell(self):
        cell = new_cell(self.config)
        cell.build((None, self.weights.input_dim))
        cell.set_weights(self.weights.cell_weights())
        return cell

    @cached_property
    def layer(self):
        layer = new_layer(self.config, self.weights.input_dim)
        layer.set_weights(self.weights.cell_weights())
        return layer

    def keras_step(self, x: np.ndarray, h: np.ndarray, c: np.ndarray | None):
        """One timestep through the Keras cell API: (h_t, c_t or None) as float32 numpy."""
        states = [h, c] if self.has_cell_state else [h]
        _, new_states = self.cell(x, states, training=False)
        h_new = np.asarray(new_states[0])
        c_new = np.asarray(new_states[1]) if self.has_cell_state else None
        return h_new, c_new

    def project(self, x: np.ndarray) -> np.ndarray:
        """x @ kernel + input bias for every timestep at once: (..., blocks*units)."""
        w = self.weights
        return gates.input_projection(self.config.cell, x, w.kernel, w.bias, self.config.reset_after)

    def numpy_step(self, xw: np.ndarray, h: np.ndarray, c: np.ndarray | None):
        """One timestep from the projected input: (gates, h_t, c_t or None)."""
        return self._step(xw, h, c, self.weights.recurrent_kernel, self._recurrent_bias,
                          self.config.reset_after)

    @cached_property
    def _compiled_layer(self):
        tf = tf_loader.tensorflow()
        layer = self.layer

        # One trace per (masked or not); reduce_retracing keeps new lengths from retracing.
        @tf.function(reduce_retracing=True)
        def run(x, initial, mask):
            return layer(x, initial_state=initial, mask=mask, training=False)

        return run

    def run_layer(self, x: np.ndarray, h0: np.ndarray, c0: np.ndarray | None,
                  mask: np.ndarray | None):
        """The full Keras layer on x (B, T, D): (sequence, [h] or [h, c]) as numpy."""
        initial = [h0, c0] if self.has_cell_state else [h0]
        outputs = self._compiled_layer(x, initial, mask)
        sequence, *states = (np.asarray(o) for o in outputs)
        return sequence, states
