"""Raw input vectors (the lesson's 4x6 test sequence, its random [2, 2, 2] tensor).

Loaded from .npy or JSON, shape (timesteps, features) or (batch, timesteps, features).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tui_lab.core import checks, files
from tui_lab.errors import LabError

MAX_VECTOR_VALUES = 50_000_000
MAX_WHOLE = 2**63 - 1  # no step or line number is beyond this; a bigger one is only a typo
MAX_VECTOR_BYTES = 1 << 30  # a .npy of float64 at MAX_VECTOR_VALUES is 400 MB; JSON is wordier


def as_vector_batch(values, name: str = "the vectors") -> np.ndarray:
    """A float32 (batch, timesteps, features) array; LabError for anything else."""
    rectangular = LabError(f"{name} must be a rectangular array of numbers "
                           f"(timesteps x features, or batch x timesteps x features)")
    try:
        values = np.asarray(values)  # its own dtype first: strings and dates show as such
        if values.dtype.kind not in files.REAL_KINDS + "O":
            # Complex numbers would lose their imaginary part, dates become day counts.
            raise LabError(f"{name} must be real numbers, not {values.dtype}")
        with np.errstate(all="ignore"):  # beyond float32 becomes inf, refused below
            array = values.astype(np.float32)
    except OverflowError:  # a JSON integer beyond any float
        raise LabError(f"{name} hold a number too large for float32") from None
    except (ValueError, TypeError):
        raise rectangular from None
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
    """Vectors from a .npy or .json file (a regular file; the .npy header is checked before
    its data is read, so a header claiming 10^12 values costs nothing)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".npy", ".json"):
        files.regular_file(path, "vectors file")  # a missing file or a folder says so first
        raise LabError(f"{path}: vectors must be a .npy or .json file")
    data = files.read_bytes(path, "vectors file", MAX_VECTOR_BYTES)
    if suffix == ".npy":
        values = files.npy_from_bytes(data, str(path), MAX_VECTOR_VALUES)
    else:
        values = files.json_from_bytes(data, str(path))
    return as_vector_batch(values, f"the vectors in {path.name}")


def line_numbers(numbers, lines, max_batch: int) -> tuple[int, ...]:
    """The selected 1-based line numbers of `lines` (a text.Lines), checked, duplicates
    dropped in order; one number is fine."""
    if isinstance(numbers, np.ndarray) and numbers.ndim == 1:
        numbers = numbers.tolist()
    if isinstance(numbers, (bool, np.bool_)) or not isinstance(
            numbers, (int, np.integer, list, tuple, range)):
        raise LabError(f"give a line number or a list of line numbers, not "
                       f"{checks.shown(numbers)}")
    numbers = [numbers] if isinstance(numbers, (int, np.integer)) else list(numbers)
    for number in numbers:  # absurd numbers are refused before they reach a message
        if isinstance(number, (int, np.integer)) and abs(number) > MAX_WHOLE:
            raise LabError(f"line numbers must be within the text, not {checks.shown(number)}")
    if not numbers:
        raise LabError("select at least one line")
    if len(numbers) > max_batch:
        raise LabError(f"a batch can hold at most {max_batch} lines, not {len(numbers)}")
    count = len(lines)
    for number in numbers:
        if isinstance(number, bool) or not isinstance(number, (int, np.integer)):
            raise LabError(f"line numbers must be whole numbers, not {number!r}")
        if not 1 <= number <= count:
            raise LabError(f"line {number} is out of range: the text has {count} lines (1-{count})")
        if lines.is_blank(number):
            raise LabError(f"line {number} is blank: choose a line with words")
    return tuple(dict.fromkeys(int(n) for n in numbers))
