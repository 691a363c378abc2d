"""Raw input vectors (the lesson's 4x6 test sequence, its random [2, 2, 2] tensor).

Loaded from .npy or JSON, shape (timesteps, features) or (batch, timesteps, features).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .errors import LabError

MAX_VECTOR_VALUES = 50_000_000


def as_vector_batch(values, name: str = "the vectors") -> np.ndarray:
    """A float32 (batch, timesteps, features) array; LabError for anything else."""
    try:
        array = np.asarray(values, dtype=np.float32)
    except (ValueError, TypeError):
        raise LabError(f"{name} must be a rectangular array of numbers "
                       f"(timesteps x features, or batch x timesteps x features)") from None
    if array.ndim == 2:
        array = array[np.newaxis]
    if array.ndim != 3:
        raise LabError(f"{name} have {array.ndim} dimensions; give (timesteps, features) or "
                       f"(batch, timesteps, features)")
    if 0 in array.shape:
        raise LabError(f"{name} are empty (shape {tuple(array.shape)})")
    if array.size > MAX_VECTOR_VALUES:
        raise LabError(f"{name} hold {array.size:,} numbers; the lab takes at most "
                       f"{MAX_VECTOR_VALUES:,}")
    if not np.all(np.isfinite(array)):
        raise LabError(f"{name} contain NaN or infinite values")
    return array


def read_vectors(path: str | Path) -> np.ndarray:
    """Vectors from a .npy or .json file."""
    path = Path(path)
    if not path.is_file():
        raise LabError(f"no such vectors file: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            values = np.load(path, allow_pickle=False)
        elif suffix == ".json":
            values = json.loads(path.read_text(encoding="utf-8"))
        else:
            raise LabError(f"{path}: vectors must be a .npy or .json file")
    except LabError:
        raise
    except PermissionError:
        raise LabError(f"cannot read {path}: permission denied") from None
    except UnicodeDecodeError:
        raise LabError(f"{path} is not UTF-8 JSON text") from None
    except json.JSONDecodeError as error:
        raise LabError(f"{path} is not valid JSON (line {error.lineno}: {error.msg})") from None
    except (ValueError, OSError, EOFError) as error:
        raise LabError(f"{path} is not a readable .npy file ({error})") from None
    return as_vector_batch(values, f"the vectors in {path.name}")
