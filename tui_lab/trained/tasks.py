"""The two memory tasks behind "why an LSTM remembers", written as lines of words a learner
can read and step, and the shipped models trained on them (assets/, made by experiment.py).

- memory: a line of value words (one .. eight) with one `mark` in its first half; the answer
  is the value right after the mark. The same words come before and after it as distractors,
  so a cell must write at one moment (after `mark`) and hold it while ignoring everything
  else: a gate's job. Measured: LSTM and GRU learn it, a SimpleRNN stays near chance.
- recall: a key word (red, green, blue, gold) then filler words; the answer is the first word.
  One word carried through fillers needs no gate: measured, a SimpleRNN can learn it (with
  some seeds: README) and the LSTM (whose forget gates start near 0.73, a memory of a few
  steps) did not, at the same budget. The honest other half of the story.

Each task's held-out lines (never trained on) ship as assets/<task>_task.tsv: the words, a
tab, the answer word. The models' names: `memory-lstm`, `recall-simple_rnn` ... (`--model`).
Pure Python and numpy: nothing here imports TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from tui_lab.config import CELLS
from tui_lab.core import checks, files
from tui_lab.core.text import assets_dir
from tui_lab.errors import LabError

VALUES = ("one", "two", "three", "four", "five", "six", "seven", "eight")
MARK = "mark"
KEYS = ("red", "green", "blue", "gold")
FILLERS = ("cat", "dog", "sun", "tree", "book", "lamp", "door", "fish", "hat", "cup", "road",
           "milk", "rain", "ship", "coin", "bell", "leaf", "rock", "star", "boat")
MAX_TASK_BYTES = 20 * 1024 * 1024


def memory_lines(count: int, rng: np.random.Generator, length: int = 20) -> list[tuple[str, str]]:
    """`count` lines of `length` value words with one `mark` in the first half; the answer is
    the word after it."""
    lines = []
    for _ in range(count):
        words = [VALUES[i] for i in rng.integers(0, len(VALUES), length)]
        at = int(rng.integers(0, length // 2))
        words[at] = MARK
        lines.append((" ".join(words), words[at + 1]))
    return lines


def recall_lines(count: int, rng: np.random.Generator, length: int = 40) -> list[tuple[str, str]]:
    """`count` lines: a key word, then `length - 1` fillers; the answer is the key word."""
    lines = []
    for _ in range(count):
        key = KEYS[int(rng.integers(0, len(KEYS)))]
        rest = [FILLERS[i] for i in rng.integers(0, len(FILLERS), length - 1)]
        lines.append((" ".join([key, *rest]), key))
    return lines


def after_mark(words: list[str]) -> int | None:
    """The position of the word to remember in a memory line: the one after `mark`."""
    return words.index(MARK) + 1 if MARK in words[:-1] else None


def first_word(words: list[str]) -> int | None:
    return 0 if words else None


@dataclass(frozen=True)
class Task:
    name: str  # memory, recall
    title: str  # what the answer is, in words
    length: int  # words per line
    make: Callable[[int, np.random.Generator, int], list[tuple[str, str]]]
    key_position: Callable[[list[str]], int | None]  # where the word to remember is
    chance: float  # the accuracy of guessing among the possible answers
    lesson: str  # what the measured accuracies show, in one sentence

    @property
    def tsv(self) -> Path:
        """The held-out lines shipped with the models."""
        return assets_dir() / f"{self.name}_task.tsv"

    def model_path(self, cell: str) -> Path:
        return assets_dir() / f"{self.name}_{cell}.keras"

    def model_name(self, cell: str) -> str:
        return f"{self.name}-{cell}"


TASKS = {
    "memory": Task(
        "memory", "the word after 'mark'", 20, memory_lines, after_mark, 1 / len(VALUES),
        "Every word rewrites a SimpleRNN's h: its state names the answer right after the word "
        "and less with each word that follows (kept). A gate lets a cell choose: the LSTM's "
        "carrying units clear c at 'mark' (forget 0), write the word (input 1), then hold it "
        "(forget 1, input near 0); the GRU's update gate is 0 at the word and 1 after it."),
    "recall": Task(
        "recall", "the first word", 40, recall_lines, first_word, 1 / len(KEYS),
        "One word carried through fillers needs no gate: this SimpleRNN's h carries it to the "
        "end (with this seed: README). This LSTM lost it within a word (kept) and answers at "
        "chance: its carrying units' input gates stay open on the fillers, so c fills with "
        "them; starting from forget gates near 0.73 it did not learn to hold the word."),
}
TASK_CELLS = CELLS  # simple_rnn, lstm, gru: the order the view shows them in


def task(name: str) -> Task:
    if not isinstance(name, str) or name not in TASKS:
        raise LabError(f"unknown task {checks.shown(name)}; the tasks are: {', '.join(TASKS)}")
    return TASKS[name]


def shipped_models() -> dict[str, Path]:
    """Every shipped model by its --model name: 'lyrics', 'memory-lstm' ..."""
    from tui_lab.trained.loading import shipped_model_path

    names = {"lyrics": shipped_model_path()}
    for item in TASKS.values():
        names.update({item.model_name(cell): item.model_path(cell) for cell in TASK_CELLS})
    return names


def task_of_model(path: str | Path) -> tuple[Task, str] | None:
    """(task, cell) when `path` is one of the shipped task models, else None."""
    path = Path(path)
    for item in TASKS.values():
        for cell in TASK_CELLS:
            shipped = item.model_path(cell)
            if path.name == shipped.name and path.exists() and shipped.exists() and \
                    path.resolve() == shipped.resolve():
                return item, cell
    return None


def read_task(path: str | Path) -> list[tuple[str, str]]:
    """A task file's lines: (words, answer) per line, split at the tab."""
    path = checks.path_argument(path, "the task file")
    text = files.read_bytes(path, "task file", MAX_TASK_BYTES).decode("utf-8", "replace")
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        words, tab, answer = line.partition("\t")
        if not tab or not words.strip() or not answer.strip():
            raise LabError(f"{path}, line {number}: expected the words, a tab, then the answer")
        rows.append((words.strip(), answer.strip()))
    if not rows:
        raise LabError(f"{path} has no task lines")
    return rows


def task_text(rows: list[tuple[str, str]]) -> str:
    """The .tsv text of (words, answer) rows."""
    return "".join(f"{words}\t{answer}\n" for words, answer in rows)
