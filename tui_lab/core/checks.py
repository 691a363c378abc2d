"""Argument checks shared by the public Python API (Lab, models, generation, training).

A wrong argument from Python code should end as one LabError with a sentence, like a wrong
option on the command line, never as a TypeError from deep inside numpy or pathlib. Each
check returns the value in the one form the code below it expects (a Path, an int, a float,
a bool), so numpy scalars (np.int64 from an array, np.float32, np.bool_) are accepted
wherever a Python number or bool is. No TensorFlow here.
"""

from __future__ import annotations

import math
import numbers
import os
from pathlib import Path

import numpy as np

from tui_lab.errors import LabError


def shown(value) -> str:
    """repr(value) on one line, cut short: a message never prints a 400-digit number, a huge
    list or an array's line breaks."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) \
            and abs(int(value)) > 10**30:
        # repr of an int past 4,300 digits even raises ValueError (Python's int limit).
        digits = int(abs(int(value)).bit_length() * 0.30103) + 1
        return f"a {'negative ' if value < 0 else ''}{digits:,}-digit number"
    try:
        text = " ".join(repr(value).split())
    except Exception:  # a repr that fails is no reason to lose the message
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 60 else f"{text[:40]}...{text[-10:]}"


def path_argument(value, what: str) -> Path:
    """A file name given as str or os.PathLike (bytes, None, numbers are refused)."""
    if isinstance(value, os.PathLike):
        try:
            value = os.fspath(value)
        except Exception:  # a PathLike whose __fspath__ fails
            raise LabError(f"{what} must be a file name, not {shown(value)}") from None
    if not isinstance(value, str):
        raise LabError(f"{what} must be a file name (text), not {shown(value)}")
    if not value.strip():
        raise LabError(f"{what} is an empty file name")
    if "\0" in value:  # the OS cannot open such a name; pathlib would raise ValueError
        raise LabError(f"{what} holds a NUL character, which no file name can")
    return Path(value)


def callable_or_none(value, what: str):
    if value is not None and not callable(value):
        raise LabError(f"{what} must be a function (or None), not {shown(value)}")
    return value


def whole_number(value, what: str, low: int | None = None, high: int | None = None) -> int:
    """An int (Python or numpy, not bool) within [low, high], as a Python int."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise LabError(f"{what} must be a whole number, not {shown(value)}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        if high is None:
            wanted = f"of at least {low:,}"
        elif low is None:
            wanted = f"of at most {high:,}"
        else:
            wanted = f"from {low:,} to {high:,}"
        raise LabError(f"{what} must be a whole number {wanted}, not {shown(value)}")
    return value


def finite_number(value, what: str, low: float | None = None, high: float | None = None, *,
                  above: float | None = None) -> float:
    """A real number (int, float or numpy scalar, not bool), finite, as a Python float:
    more than `above`, at least `low`, at most `high` (each if given)."""
    bounds = ([f"above {above:g}"] if above is not None else []) + \
        ([f"at least {low:g}"] if low is not None else []) + \
        ([f"at most {high:g}"] if high is not None else [])
    wanted = " and ".join(bounds) if bounds else "a finite number"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise LabError(f"{what} must be a number, not {shown(value)}")
    try:
        number = float(value)
    except OverflowError:  # an int beyond any float
        number = math.inf
    if not math.isfinite(number) or (above is not None and not number > above) \
            or (low is not None and number < low) or (high is not None and number > high):
        raise LabError(f"{what} must be {wanted}, not {shown(value)}")
    return number


def boolean(value, what: str) -> bool:
    """True or False (a numpy bool too); 0, 1, 'yes' or None are refused, not guessed."""
    if not isinstance(value, (bool, np.bool_)):
        raise LabError(f"{what} must be True or False, not {shown(value)}")
    return bool(value)


def text_argument(value, what: str) -> str:
    if not isinstance(value, str):
        raise LabError(f"{what} must be text (a str), not {shown(value)}")
    return value


def optional_text(value, what: str) -> str | None:
    return None if value is None else text_argument(value, what)


def text_lines(value, what: str) -> list[str]:
    """A list or tuple of str (a single str is refused: it is not a list of lines)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise LabError(f"{what} must be a list of text lines, not {shown(value)}")
    for line in value:
        text_argument(line, f"each of {what}")
    return list(value)
