"""Breakpoint conditions: a small language, parsed once, evaluated on whole runs of steps.

    step >= 5            steps taken (1..T); `t` is the same
    pos == 3             the padded input position the step read
    token == pretender   the word read (or `token == 11`, its id; `word`/`id` are the same)
    h[2] > 0.5           unit 2 of the state after the step (c[2] for an LSTM's cell state)
    forget[2] < 0.1      a gate of a unit at that step (the cell's gate names: input, forget,
                         candidate, output; update, reset, candidate; preactivation)
    dh > 0.3             the largest |h_t - h_{t-1}| over the units
    next == love         (a trained model open) the predicted next word: the argmax over every
                         id of the model's head applied to the stepped output at that step
    p(love) > 0.5        (a trained model open) that word's probability there

The operators are < <= > >= == !=. In a batch a condition holds at a step when it holds for
any row; the hit says which. Conditions read the lab's History (numpy arrays), so a run of
1,000 steps is checked with a few array comparisons, not 1,000 Python calls.
"""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass

import numpy as np

from tui_lab.config import CELL_TITLES
from tui_lab.errors import LabError

OPERATORS = {"<=": operator.le, ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
             "<": operator.lt, ">": operator.gt}
ALIASES = {"t": "step", "word": "token", "id": "token"}
WHOLE_NAMES = ("step", "pos")
# name [unit]? op value, with the spans kept so an error can point at the bad token.
PATTERN = re.compile(r"\s*(?P<name>[A-Za-z_]\w*)\s*(?:\[\s*(?P<unit>[^\]]*?)\s*\]|"
                     r"\(\s*(?P<arg>[^)]*?)\s*\))?\s*(?P<op><=|>=|==|!=|<|>|=)\s*(?P<value>\S(?:.*\S)?)\s*$")


@dataclass(frozen=True)
class Condition:
    text: str  # as typed
    name: str  # step, pos, token, h, c, dh or a gate name
    unit: int | None
    op: str
    value: float  # a token or next condition holds the word's id
    word: int | None = None  # p(WORD): the word's id

    def holds(self, view: StepsView, k0: int, k1: int) -> np.ndarray:
        """(k1 - k0, batch) booleans: where the condition holds at steps k0..k1-1."""
        compare = OPERATORS[self.op]
        with np.errstate(invalid="ignore"):  # NaN gates (masked rows) compare False
            return compare(view.values(self.name, self.unit, k0, k1, self.word), self.value)

    @property
    def label(self) -> str:
        """What a value of this condition is, as a hit shows it: 'token id' 11, 'h[2] =' 0.5."""
        if self.name in ("token", "next"):
            return f"{'next word' if self.name == 'next' else 'token'} id"
        if self.name in WHOLE_NAMES:
            return self.name
        if self.name == "p":  # p(WORD) as typed
            return f"{self.text[:PATTERN.match(self.text).start('op')].strip()} ="
        return f"{self.name}{'' if self.unit is None else f'[{self.unit}]'} ="


@dataclass(frozen=True)
class Hit:
    """Where running stopped: after `step` steps (1-based), at batch `row` (0-based)."""

    condition: str
    step: int
    row: int
    value: float
    label: str = ""  # what the value is: 'forget[2] =', 'token id', ... (Condition.label)

    def describe(self) -> str:
        shown = f"{self.value:g}" if isinstance(self.value, float) else str(self.value)
        label = f"{self.label} " if self.label else ""
        return (f"{self.condition!r} holds after step {self.step} "
                f"(batch row {self.row + 1}: {label}{shown})")


def _value(value: float) -> str:
    """A value in a miss report: 3 decimals (gates, h and c), fewer digits for large ones."""
    return f"{value:.3f}" if abs(value) < 1000 else f"{value:.4g}"


def describe_miss(condition: Condition, view: StepsView, k0: int, k1: int,
                  words: dict[int, str] | None = None) -> str:
    """What the value of `condition` did over steps k0..k1-1 (0-based), where it never held:
    'forget[2] stayed between 0.725 and 0.736 over 7 steps'. words: id -> word, for token and
    next conditions, which say which words came instead."""
    values = np.asarray(view.values(condition.name, condition.unit, k0, k1, condition.word),
                        np.float64)
    count = k1 - k0
    over = f"over {count} step{'s' if count != 1 else ''}"
    if condition.name in ("token", "next"):
        seen = list(dict.fromkeys(int(v) for v in values.ravel()))
        named = ", ".join(repr(words.get(i, str(i))) if words else str(i) for i in seen[:4])
        more = f" and {len(seen) - 4} more" if len(seen) > 4 else ""
        what = "the token read" if condition.name == "token" else "the predicted next word"
        return f"{what} was {named}{more} {over}"
    finite = values[np.isfinite(values)]
    name = condition.label.removesuffix(" =")
    if not finite.size:  # every row masked at every step: no gate was computed
        return f"{name} had no value {over} (every step was a skipped pad)"
    low, high = float(finite.min()), float(finite.max())
    if condition.name in WHOLE_NAMES:
        return f"{name} ran {int(low)}..{int(high)} {over}"
    if low == high:
        return f"{name} stayed at {_value(low)} {over}"
    return f"{name} stayed between {_value(low)} and {_value(high)} {over}"


# Why a gate of untrained weights stays where it is: its bias as Keras initializes it.
UNTRAINED_GATES = {
    "forget": "On untrained weights Keras' unit_forget_bias starts the forget bias at 1, so "
              "with small random weights forget stays near sigmoid(1) = 0.73 until training "
              "moves it.",
}
UNTRAINED_SIGMOID = ("On untrained weights the gate's bias starts at 0, so with small random "
                     "weights it stays near sigmoid(0) = 0.5 until training moves it.")


def untrained_note(condition: Condition) -> str | None:
    """Why a gate on untrained (seeded Keras initial) weights never reaches a value."""
    if condition.name in UNTRAINED_GATES:
        return UNTRAINED_GATES[condition.name]
    if RANGES.get(condition.name) == "a sigmoid":
        return UNTRAINED_SIGMOID
    return None


class StepsView:
    """What conditions read of a run: the history, the batch and the state before step 0."""

    def __init__(self, history, batch, h0: np.ndarray, next_word=None):
        self.history, self.batch, self.h0 = history, batch, h0
        rows = batch.rows
        self.ids = np.stack([row.padded for row in rows]) if rows is not None else None
        # outputs (n, B, units) -> next-word probabilities (n, B, vocabulary): a model's head
        self.next_word = next_word
        self._probabilities: tuple[int, int, np.ndarray] | None = None

    def probabilities(self, k0: int, k1: int) -> np.ndarray:
        if self._probabilities is None or self._probabilities[:2] != (k0, k1):
            self._probabilities = (k0, k1, self.next_word(self.history.output[k0:k1]))
        return self._probabilities[2]

    def values(self, name: str, unit: int | None, k0: int, k1: int,
               word: int | None = None) -> np.ndarray:
        history, rows = self.history, self.batch.shape[0]
        if name == "next":
            return self.probabilities(k0, k1).argmax(axis=2)
        if name == "p":
            return self.probabilities(k0, k1)[:, :, word]
        if name == "step":
            return np.broadcast_to(np.arange(k0 + 1, k1 + 1)[:, None], (k1 - k0, rows))
        positions = history.order[k0:k1]
        if name == "pos":
            return np.broadcast_to(positions[:, None], (k1 - k0, rows))
        if name == "token":
            return self.ids[:, positions].T
        if name == "dh":
            before = history.h[k0 - 1:k1 - 1] if k0 else np.concatenate(
                [self.h0[None], history.h[:k1 - 1]])
            return np.abs(history.h[k0:k1] - before).max(axis=2)
        if name == "h":
            return history.h[k0:k1, :, unit]
        if name == "c":
            return history.c[k0:k1, :, unit]
        return history.gates[name][k0:k1, :, unit]


def _cut(text: str) -> str:
    """repr(text), cut short: a message never echoes a 10 KB condition whole (the column
    still says where the bad token is)."""
    quoted = repr(text)
    if len(quoted) <= 60:
        return quoted
    return f"{quoted[:40]}...{quoted[-10:]} ({len(text):,} characters)"


def _error(text: str, column: int, token: str, why: str) -> LabError:
    return LabError(f"bad condition {_cut(text)} at column {column + 1} ({_cut(token)}): {why}")


def parse(text, *, cell: str, units: int, gate_names: tuple[str, ...],
          word_index: dict[str, int] | None, next_words: bool = False,
          timesteps: int | None = None, num_words: int | None = None) -> Condition:
    """A Condition, or a LabError that names the bad token and its column. next_words: a
    trained model is open, so `next` and `p(WORD)` can be read. A constant no value can
    reach (step == -1, forget[0] > 2; steps and positions: given timesteps; a word or id the
    Tokenizer encodes as <OOV>: given num_words) is refused."""
    if not isinstance(text, str) or not text.strip():
        raise LabError("a condition is text such as 'forget[2] < 0.1' or 'step >= 5'")
    match = PATTERN.match(text)
    if match is None:
        head = re.match(r"\s*[A-Za-z_]\w*", text)
        column = head.end() if head else len(text) - len(text.lstrip())
        rest = text[column:].strip()[:12] or "end of text"
        raise _error(text, column, rest, "expected NAME[unit] OP VALUE, e.g. 'forget[2] < 0.1' "
                                         "(OP is one of < <= > >= == !=)")
    name = ALIASES.get(match["name"].lower(), match["name"].lower())
    op = "==" if match["op"] == "=" else match["op"]
    known = ("step", "pos", "token", "h", "dh") + (("c",) if cell == "lstm" else ()) + gate_names
    if name in MODEL_NAMES and not next_words:
        raise _error(text, match.start("name"), match["name"],
                     "the next word needs a trained model open (tui-lab --model FILE, or o "
                     "in the app); without one there is no next-word distribution")
    if name in MODEL_NAMES:
        return _model_condition(text, match, name, op, word_index, num_words)
    if match["arg"] is not None:
        raise _error(text, match.start("arg") - 1, f"({match['arg']})",
                     f"{name} takes no (...): only p(WORD) does")
    if name not in known:
        raise _error(text, match.start("name"), match["name"],
                     f"not something {CELL_TITLES.get(cell, cell)} steps have; use one of "
                     f"{', '.join(known)}")
    has_unit = name in ("h", "c") + gate_names
    unit = None
    if has_unit:
        if match["unit"] is None:
            raise _error(text, match.end("name"), match["name"],
                         f"{name} needs a unit: {name}[0] .. {name}[{units - 1}]")
        unit = _whole(match["unit"], text, match.start("unit"))
        if not 0 <= unit < units:
            raise _error(text, match.start("unit"), match["unit"],
                         f"the cell has {units} units, so a unit is 0..{units - 1}")
    elif match["unit"] is not None:
        raise _error(text, match.start("unit") - 1, f"[{match['unit']}]",
                     f"{name} has no units: write it without [...]")
    raw = match["value"]
    if name == "token":
        if op not in ("==", "!="):
            raise _error(text, match.start("op"), op, "a token is compared with == or !=")
        value = _token_id(raw, text, match.start("value"), word_index, num_words)
    elif name in WHOLE_NAMES:
        value = _whole(raw, text, match.start("value"))
    else:
        value = _number(raw, text, match.start("value"))
    why = _out_of_range(name, value, timesteps)
    if why:
        raise _error(text, match.start("value"), raw, why)
    return Condition(text.strip(), name, unit, op, value)


# The values a gate (or p) takes: its activation's range; h, c and the preactivation have none
# (an edit or an initial state can put h anywhere).
RANGES = {"input": "a sigmoid", "forget": "a sigmoid", "output": "a sigmoid",
          "update": "a sigmoid", "reset": "a sigmoid", "candidate": "a tanh",
          "p": "a probability"}


def _out_of_range(name: str, value: float, timesteps: int | None) -> str | None:
    """Why `value` is beyond every value `name` can take (None: it is not)."""
    if name == "step" and timesteps is not None and not 0 <= value <= timesteps:
        return f"steps run 1..{timesteps} (0: before the first), so a step is 0..{timesteps}"
    if name == "pos" and timesteps is not None and not 0 <= value < timesteps:
        return f"the input has {timesteps} positions, so a position is 0..{timesteps - 1}"
    if name == "dh" and value < 0:
        return "dh is a largest |difference|, so it is 0 or more"
    if name in RANGES:
        low = -1.0 if RANGES[name] == "a tanh" else 0.0
        if not low <= value <= 1.0:
            what = "p" if name == "p" else f"the {name} gate"
            return f"{what} is {RANGES[name]}, so its values are {low:g}..1"
    return None


MODEL_NAMES = ("next", "p")


def _model_condition(text: str, match, name: str, op: str, word_index,
                     num_words: int | None) -> Condition:
    if match["unit"] is not None:
        raise _error(text, match.start("unit") - 1, f"[{match['unit']}]",
                     f"{name} has no units: write {'p(WORD)' if name == 'p' else 'next == WORD'}")
    if name == "next":
        if match["arg"] is not None:
            raise _error(text, match.start("arg") - 1, f"({match['arg']})",
                         "write next == WORD (p(WORD) is its probability)")
        if op not in ("==", "!="):
            raise _error(text, match.start("op"), op, "the next word is compared with == or !=")
        return Condition(text.strip(), name, None, op,
                         _token_id(match["value"], text, match.start("value"), word_index,
                                   num_words))
    if match["arg"] is None or not match["arg"]:
        raise _error(text, match.end("name"), match["name"], "p needs a word: p(love) > 0.5")
    word = _token_id(match["arg"], text, match.start("arg"), word_index, num_words)
    value = _number(match["value"], text, match.start("value"))
    if _out_of_range(name, value, None):
        raise _error(text, match.start("value"), match["value"], _out_of_range(name, value, None))
    return Condition(text.strip(), name, None, op, value, word)


def _whole(raw: str, text: str, column: int) -> int:
    if not re.fullmatch(r"[+-]?\d{1,9}", raw.strip()):
        raise _error(text, column, raw, "expected a whole number")
    return int(raw)


def _number(raw: str, text: str, column: int) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise _error(text, column, raw, "expected a number such as 0.1 or -2.5e-3") from None
    if not math.isfinite(value):
        raise _error(text, column, raw, "the value must be a finite number")
    return value


def _token_id(raw: str, text: str, column: int, word_index: dict[str, int] | None,
              num_words: int | None) -> int:
    """A token's id, given as a word or an id; one that never comes is refused: beyond the
    word_index, or (num_words) one the Tokenizer encodes as <OOV> instead."""
    if word_index is None:
        raise _error(text, column, raw, "the input is raw vectors: there are no tokens")
    word = raw.strip().strip("'\"")
    if re.fullmatch(r"\d{1,9}", word):
        top = max(word_index.values(), default=0)
        if num_words is not None and int(word) >= num_words and top >= num_words:
            raise _error(text, column, raw, f"num_words={num_words} keeps ids 1..{num_words - 1}"
                                            f" (0: padding), so a token id is 0..{num_words - 1}")
        if int(word) > top:
            ids = f"'s ids are 1..{top}" if top else " is empty"
            raise _error(text, column, raw, f"the word_index{ids} (0: padding), "
                                            f"so a token id is 0..{top}")
        return int(word)
    if word.lower() not in word_index:
        raise _error(text, column, raw,
                     f"not a word of the word_index ({len(word_index):,} words)")
    ident = int(word_index[word.lower()])
    if num_words is not None and ident >= num_words:
        raise _error(text, column, raw, f"its id {ident} is not below num_words={num_words}, "
                                        f"so the Tokenizer encodes it as <OOV>: it never comes")
    return ident


def first_hit(conditions: list[Condition], view: StepsView, k0: int, k1: int) -> Hit | None:
    """The earliest (step, condition in the order given, row) among steps k0..k1-1."""
    best = None
    for condition in conditions:
        where = condition.holds(view, k0, k1)
        steps = np.flatnonzero(where.any(axis=1))
        if len(steps) and (best is None or steps[0] < best[0]):
            k = int(steps[0])
            row = int(np.flatnonzero(where[k])[0])
            best = (k, condition, row)
    if best is None:
        return None
    k, condition, row = best
    value = view.values(condition.name, condition.unit, k0 + k, k0 + k + 1,
                        condition.word)[0, row]
    value = value.item() if hasattr(value, "item") else value
    return Hit(condition.text, k0 + k + 1, row, value, condition.label)
