"""Why an LSTM remembers: a task's three shipped models (SimpleRNN, LSTM, GRU, trained alike:
experiment.py) stepped together on the same held-out line, and for each what the view shows:

- reach: ||dh_t/dx_k||_F from the current state back to every word read (Lab.sensitivity, the
  same tf.GradientTape as R), and in particular back to the word to remember;
- the answer so far: the model's own head (its Dense softmax) on the state after this step,
  its top word and probability, and whether that is the line's answer;
- the mechanism: the units that carry the answer, with the LSTM's forget gate and c, the
  GRU's update gate (its keep share) and h, and for every cell |h_t|.

"The units that carry the answer" is measured, once per model: over held-out lines, the units
whose final state (c for an LSTM, h otherwise) differs most between lines with different
answers (the share of the unit's variance that lies between the answers' means).

Each model is stepped in its own `Lab` with the model's weights (layer_run.direction_lab), so
every number is the Keras cell's, checked against the model's layer as everywhere else. No
Textual here: the app's view (tui/screens/why.py) renders the immutable `WhyView`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tui_lab.core import checks
from tui_lab.core.text import read_lines
from tui_lab.errors import LabError
from tui_lab.trained import tasks
from tui_lab.trained.experiment import accuracy
from tui_lab.trained.layer_run import direction_lab, next_word_head
from tui_lab.trained.loading import open_model

CARRIER_LINES = 400  # held-out lines measuring what each model keeps (half fit, half tell)
CARRIERS = 2  # units shown per model
AFTER = (0, 1, 3, 10)  # words after the one to remember at which its keeping is measured
GATES = {"lstm": "forget", "gru": "update"}  # the gate that keeps a unit's state


@dataclass(frozen=True)
class Keeping:
    """What a model keeps of the word to remember, measured once over held-out lines."""

    told: tuple[tuple[int, float], ...]  # (words after it, share of lines whose answer the
    #   state then tells: the nearest answer-mean of the state, means fitted on other lines)
    units: tuple[int, ...]  # the units that carry it, best first
    at_word: tuple[float, ...]  # per unit: share of its variance between answers, at the word
    at_end: tuple[float, ...]  # the same at the line's end
    gates: dict = field(default_factory=dict)  # gate name -> per unit, its mean at the step
    #   before the word, at the word and over the steps after: LSTM input, forget; GRU update


@dataclass(frozen=True)
class Column:
    """One model at the current step."""

    cell: str
    name: str  # its --model name, e.g. memory-lstm
    accuracy: float  # on the task's held-out lines
    answer: str | None  # its most probable word after the current step (None before step 1)
    probability: float
    correct: bool
    reach: np.ndarray  # (t,) ||dh_t/dx_k||_F for k = 0..t-1
    keeping: Keeping
    state_name: str  # "c" for the LSTM, "h" otherwise
    state: np.ndarray  # (t, len(units)) that state of those units after each step
    gate_name: str | None  # "forget", "update" (None: a SimpleRNN has no gate)
    gate: np.ndarray | None  # (t, len(units)) that gate of those units at each step
    h_norm: np.ndarray  # (t,) |h_t|, the 2-norm of the whole h after each step
    max_abs_error: float  # the stepped states against the Keras layer with the model's weights

    def reach_to(self, position: int | None) -> float | None:
        """||dh_t/dx_position||, once that word has been read."""
        if position is None or position >= len(self.reach):
            return None
        return float(self.reach[position])

    def shrink(self, back: int = 8) -> float | None:
        """How the reach shrinks per step going back from the newest word: the geometric
        mean of reach[k] / reach[k + 1] over the last `back` steps (None: too few)."""
        norms = self.reach[-(back + 1):]
        if len(norms) < 2 or not (norms > 0).all():
            return None
        return float(np.exp(np.mean(np.log(norms[:-1] / norms[1:]))))


@dataclass(frozen=True)
class WhyView:
    """The three models at step t of held-out line `line` of a task."""

    task: tasks.Task
    line: int  # 1-based
    lines: int
    words: tuple[str, ...]
    answer: str
    key: int | None  # the position of the word to remember
    t: int
    timesteps: int
    columns: tuple[Column, ...]
    accuracies: dict  # cell -> held-out accuracy, in the order shown


class WhyComparison:
    """A task's three models on one held-out line, stepped together."""

    def __init__(self, task: str = "memory", line: int = 1, engine: str = "keras",
                 progress=None):
        """progress(text): told what is being opened (it takes a few seconds: three models,
        their accuracies and the reach's compiled tape)."""
        checks.callable_or_none(progress, "progress")
        say = progress or (lambda text: None)
        self.task = tasks.task(task)
        self.rows = tasks.read_task(self.task.tsv)
        lines = read_lines(self.task.tsv)  # the words before each tab, as the lab reads them
        self._models = {}
        self._labs = {}
        self._heads = {}
        self._keeping: dict[str, Keeping] = {}
        self.accuracies = {}
        for cell in tasks.TASK_CELLS:
            say(f"opening {self.task.model_name(cell)}")
            model = open_model(self.task.model_path(cell))
            info = model.layer()
            corpus = model.corpus(list(lines), str(self.task.tsv))
            self._models[cell] = model
            self._labs[cell] = direction_lab(model, info.name, corpus=corpus, engine=engine)
            self._heads[cell] = next_word_head(model, info, "the answer so far needs to")
            self.accuracies[cell] = accuracy(model, self.rows)
            self.keeping(cell)
        self.select_line(line)
        for cell, lab in self._labs.items():
            say(f"tracing the reach of {self.task.model_name(cell)}")
            lab.sensitivity(1, compiled=True)  # traced now, not at the first step

    # ----- stepping: every model at once ---------------------------------------------------
    @property
    def t(self) -> int:
        return self._labs["lstm"].t

    @property
    def line(self) -> int:
        return self._line

    def select_line(self, line: int) -> None:
        line = checks.whole_number(line, "the line")
        if not 1 <= line <= len(self.rows):
            raise LabError(f"the {self.task.name} task has lines 1 to {len(self.rows)}")
        for lab in self._labs.values():
            lab.select_lines(line)
        self._line = line

    def step(self) -> bool:
        return all([lab.step() for lab in self._labs.values()])

    def back(self) -> bool:
        return all([lab.back() for lab in self._labs.values()])

    def reset(self) -> None:
        for lab in self._labs.values():
            lab.reset()

    def run_to_end(self) -> None:
        for lab in self._labs.values():
            lab.run_to_end()

    def seek(self, t: int) -> None:
        for lab in self._labs.values():
            lab.seek(t)

    # ----- what the view shows ---------------------------------------------------------------
    def keeping(self, cell: str) -> Keeping:
        """What model `cell` keeps of the word to remember (measure_keeping), once."""
        if cell not in self._keeping:
            self._keeping[cell] = measure_keeping(self._models[cell], self.task,
                                                  self.rows[:CARRIER_LINES])
        return self._keeping[cell]

    def view(self) -> WhyView:
        words, answer = self.rows[self._line - 1]
        columns = tuple(self._column(cell, answer) for cell in tasks.TASK_CELLS)
        word_list = tuple(words.split())
        first = self._labs["lstm"].snapshot(layer=False)
        return WhyView(self.task, self._line, len(self.rows), word_list, answer,
                       self.task.key_position(list(word_list)), first.t, first.timesteps,
                       columns, dict(self.accuracies))

    def _column(self, cell: str, answer: str) -> Column:
        lab, model = self._labs[cell], self._models[cell]
        snapshot = lab.snapshot()
        t = snapshot.t
        keeping = self.keeping(cell)
        units = list(keeping.units)
        word, probability = None, 0.0
        if t:
            probabilities = self._heads[cell](snapshot.output[t - 1:t])[0, 0]
            best = int(probabilities.argmax())
            word, probability = model.word(best), float(probabilities[best])
        reach = lab.sensitivity(t, compiled=True).norms[0] if t else np.zeros(0)
        states = snapshot.c if snapshot.c is not None else snapshot.h
        gate_name = GATES.get(cell)
        return Column(
            cell=cell, name=self.task.model_name(cell), accuracy=self.accuracies[cell],
            answer=word, probability=probability, correct=word == answer, reach=reach,
            keeping=keeping, state_name="c" if snapshot.c is not None else "h",
            state=states[:, 0, units],
            gate_name=gate_name,
            gate=snapshot.gates[gate_name][:, 0, units] if gate_name else None,
            h_norm=np.linalg.norm(snapshot.h[:, 0, :], axis=1),
            max_abs_error=float(snapshot.max_abs_error))


def between_share(values: np.ndarray, answers: np.ndarray) -> np.ndarray:
    """Per column of values (lines, units): the share of its variance that lies between the
    answers' means (1: the unit's value tells the answers apart; 0: it does not)."""
    values = np.asarray(values, np.float64)
    total = values.var(axis=0)
    between = np.zeros(values.shape[1])
    for label in np.unique(answers):
        group = values[answers == label]
        between += len(group) * (group.mean(axis=0) - values.mean(axis=0)) ** 2
    between /= len(values)
    return np.divide(between, total, out=np.zeros_like(total), where=total > 0)


def told_apart(fit: np.ndarray, fit_answers: np.ndarray, test: np.ndarray,
               test_answers: np.ndarray) -> float:
    """The share of `test` states whose nearest answer-mean (means of the `fit` states per
    answer) is their own answer: how well the state alone names the answer."""
    labels = np.unique(fit_answers)
    means = np.stack([fit[fit_answers == label].mean(axis=0) for label in labels])
    distances = ((test[:, None, :] - means[None]) ** 2).sum(axis=2)
    return float((labels[distances.argmin(axis=1)] == test_answers).mean())


def measure_keeping(model, task: tasks.Task, rows) -> Keeping:
    """Step the model's last recurrent layer over held-out lines (one batch) and measure, at
    the word to remember and at AFTER words later, how well its state ([h, c] for an LSTM)
    names the answer (half the lines fit the answer-means, the other half are told), and
    which units carry it: those whose value differs most between answers (the share of its
    variance between the answers' means), averaged over every step from the word to the end."""
    ids = model.pad([model.encode(words)[1] for words, _ in rows])
    lab = direction_lab(model, None, ids=ids)
    lab.run_to_end()
    snapshot = lab.snapshot(layer=False)
    state = snapshot.h if snapshot.c is None else np.concatenate([snapshot.h, snapshot.c], 2)
    carried = snapshot.h if snapshot.c is None else snapshot.c
    answers = np.array([answer for _, answer in rows])
    keys = [task.key_position(words.split()) for words, _ in rows]
    steps = ids.shape[1]
    half = len(rows) // 2
    told = []
    for after in AFTER:
        at = [(k + after, b) for b, k in enumerate(keys) if k is not None and k + after < steps]
        if len(at) < 4:
            continue
        values = np.stack([state[k, b] for k, b in at])
        labels = answers[[b for _, b in at]]
        split = min(half, len(at) // 2)
        told.append((after, told_apart(values[:split], labels[:split], values[split:],
                                       labels[split:])))
    shares = []  # per number of words after the word to remember: each unit's share
    for after in range(steps):
        at = [(k + after, b) for b, k in enumerate(keys) if k is not None and k + after < steps]
        if len(at) >= 2:
            shares.append(between_share(np.stack([carried[k, b] for k, b in at]),
                                        answers[[b for _, b in at]]))
    at_word, at_end = shares[0], between_share(carried[-1], answers)
    order = np.argsort(-np.mean(shares, axis=0), kind="stable")[:CARRIERS]
    relative = np.arange(steps)[:, None] - np.array([-steps if k is None else k
                                                     for k in keys])[None, :]
    gates = {}
    for name in ("input", "forget", "update"):
        if name in snapshot.gates:
            values = snapshot.gates[name]  # (steps, lines, units)
            gates[name] = tuple(tuple(float(values[where][:, u].mean()) if where.any()
                                      else float("nan") for where in
                                      (relative == -1, relative == 0, relative > 0))
                                for u in order)
    return Keeping(tuple(told), tuple(int(u) for u in order),
                   tuple(float(at_word[u]) for u in order), tuple(float(at_end[u]) for u in order),
                   gates)
