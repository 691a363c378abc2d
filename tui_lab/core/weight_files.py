"""Weight and state files: the arrays of an .npz read safely, a cell's weights read from one
(with the settings they imply) and written to one atomically.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from tui_lab.config import CELL_TITLES, GATE_BLOCKS, LabConfig
from tui_lab.core import files
from tui_lab.core.cells import Weights
from tui_lab.errors import LabError


def read_npz(path: str | Path, what: str) -> dict[str, np.ndarray]:
    """The arrays of an .npz file (a regular file, each array's header checked before its
    data is read); LabError if it cannot be read as one."""
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


def save_npz(path: str | Path, weights: Weights) -> Path:
    """Write the weights as an .npz (".npz" is added to a name without it, as numpy does),
    atomically (files.AtomicFile); the path written is returned."""
    arrays = {"kernel": weights.kernel, "recurrent_kernel": weights.recurrent_kernel}
    if weights.bias is not None:
        arrays["bias"] = weights.bias
    if weights.embedding is not None:
        arrays["embedding"] = weights.embedding
    path = Path(path)
    if not path.name.endswith(".npz"):
        path = path.with_name(path.name + ".npz")
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return files.write_atomic(path, buffer.getvalue(), "weights file")
