"""Generating text with a next-word model, one word at a time, as the lesson does.

Each step pads the ids so far 'pre' to the model's input length, asks `model(ids)` for the
next word's probabilities (the truth, like the lesson's model.predict loop), lists the top-k,
and picks one: the most probable (greedy), or a draw among the top-k with a temperature from a
seeded numpy Generator. Optionally each step also steps a recurrent layer in the lab, so its
states are there to look at, and checks that the head on the stepped output gives the same
probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from tui_lab.core.checks import (boolean, finite_number, optional_text, shown, text_argument,
                                 whole_number)
from tui_lab.errors import LabError
from tui_lab.trained.layer_run import LayerRun
from tui_lab.trained.loading import TrainedModel, check_model
from tui_lab.core.text import OOV_TOKEN

MAX_WORDS = 1000
MAX_SAMPLE_SEED = 2**32 - 1  # numpy's default_rng takes any, but seeds are shown and typed
MAX_TOP_K = 20  # the lab's generation (the command line allows more)
MAX_TEMPERATURE = 100.0


@dataclass(frozen=True)
class Candidate:
    word: str
    id: int
    probability: float


@dataclass(frozen=True)
class GenerationStep:
    index: int  # 1 for the first generated word
    ids: np.ndarray  # (T,) the padded ids the model read
    probabilities: np.ndarray  # (vocabulary,) model(ids)[0]
    top: tuple[Candidate, ...]  # the top-k candidates, most probable first
    chosen: Candidate
    run: LayerRun | None  # the stepped layer on these ids (states, checks), if asked for

    @property
    def head_error(self) -> float | None:
        return None if self.run is None else self.run.head_error


def choosable_ids(model: TrainedModel, size: int) -> np.ndarray:
    """Ids that can be picked: words of the vocabulary, never padding (0) or the OOV token."""
    allowed = np.zeros(size, bool)
    for i, word in model.index_word.items():
        if 0 < i < size and word != OOV_TOKEN:
            allowed[i] = True
    if not model.index_word:  # raw ids without a vocabulary: any id but padding
        allowed[1:] = True
    allowed[model.vocab_size:] = False  # the next step feeds the id to the Embedding
    return allowed


def next_word_distribution(model: TrainedModel, predicted) -> np.ndarray:
    """Row 1 of model(ids) as the next word's probabilities, (vocabulary,) float64.

    A model whose output is not a softmax over its Embedding's ids (no head, a head without
    softmax, another size) gives numbers that are not probabilities: LabError, rather than
    ranking and sampling them as if they were. A head applied at every position (B, T, V)
    gives the next word at its last position."""
    out = np.asarray(predicted, np.float64)
    if out.ndim == 3:
        out = out[:, -1]
    if model.reads_characters and out.ndim == 2 and out.shape[1] == model.vocab_size - 1:
        # One probability per character; a character's id is its index + 1 (0: padding).
        out = np.concatenate([np.zeros((out.shape[0], 1)), out], axis=1)
    name = Path(model.path).name
    if out.ndim != 2 or out.shape[0] < 1 or out.shape[1] != model.vocab_size:
        raise LabError(f"{name} does not end in a next-word distribution: its output has shape "
                       f"{tuple(np.shape(predicted))}, not (batch, {model.vocab_size}), one "
                       f"probability per id of its Embedding, so it cannot generate text")
    row = out[0]
    if not np.all(np.isfinite(row)) or row.min() < -1e-6 or abs(row.sum() - 1) > 1e-3:
        raise LabError(f"{name} does not end in a next-word distribution (a softmax over its "
                       f"{model.vocab_size} ids): its output runs from {row.min():.3g} to "
                       f"{row.max():.3g} and sums to {row.sum():.3g}, so it cannot generate text")
    return np.clip(row, 0.0, None)


def sampling_weights(probabilities, temperature: float) -> np.ndarray:
    """The chance of drawing each candidate: softmax(log p / temperature) over the candidates.

    Computed from log-probabilities: p ** (1 / T) underflows to 0 for every candidate when T
    is small (below about 6e-4 for p near 0.6), which used to fall back to a uniform draw. As
    T -> 0 this tends to the greedy choice, which is what a temperature too small for floats
    gives (all weight on the most probable; ties share it)."""
    p = np.asarray(probabilities, np.float64)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        logits = np.log(p) / temperature
    top = logits.max() if len(logits) else -np.inf
    if not np.isfinite(top):  # every candidate has p = 0, or log p / T overflowed
        weights = (p == p.max()).astype(np.float64)
    else:
        with np.errstate(under="ignore"):
            weights = np.exp(logits - top)  # the largest is exp(0) = 1: no overflow
    return weights / weights.sum()


def generate(model: TrainedModel, seed_ids: list[int], words: int, *, top_k: int = 5,
             temperature: float | None = None, sample_seed: int | None = None,
             layer: str | None = None, step_states: bool = True) -> Iterator[GenerationStep]:
    """An iterator of one GenerationStep per generated word, continuing from seed_ids.

    Greedy unless temperature or sample_seed is given; sampling draws among the top-k with
    probabilities softmax(log p / temperature) (temperature defaults to 1; a tiny one is
    greedy). The arguments are checked here, at the call, not at the first word."""
    if not isinstance(model, TrainedModel):
        raise LabError(f"generate needs a TrainedModel (models.open_model), not {shown(model)}")
    words = whole_number(words, "the number of words", 1, MAX_WORDS)
    top_k = whole_number(top_k, "top-k", 1)
    if temperature is not None:
        temperature = finite_number(temperature, "the temperature", above=0)
    if sample_seed is not None:
        sample_seed = whole_number(sample_seed, "the sample seed", 0, MAX_SAMPLE_SEED)
    layer = optional_text(layer, "the layer")
    step_states = boolean(step_states, "step_states")
    ids = model.check_ids(seed_ids)
    if not ids:
        raise LabError("the seed text has no words the model knows; give at least one")
    name = model.layer(layer).name if step_states else None
    return _generate(model, ids, words, top_k, temperature, sample_seed, name)


def _generate(model: TrainedModel, ids: list[int], words: int, top_k: int,
              temperature: float | None, sample_seed: int | None,
              name: str | None) -> Iterator[GenerationStep]:
    sampling = temperature is not None or sample_seed is not None
    rng = np.random.default_rng(sample_seed) if sampling else None
    for index in range(1, words + 1):
        padded = model.pad([ids])
        probabilities = next_word_distribution(model, model.predict(padded))
        allowed = choosable_ids(model, len(probabilities))
        order = [int(i) for i in np.argsort(-probabilities, kind="stable") if allowed[i]][:top_k]
        if not order:
            raise LabError("the model's output has no word of its vocabulary to choose")
        top = tuple(Candidate(model.word(i), i, float(probabilities[i])) for i in order)
        choice = top[0]
        if sampling:
            weights = sampling_weights([c.probability for c in top],
                                       1.0 if temperature is None else temperature)
            choice = top[int(rng.choice(len(top), p=weights))]
        run = model.step(name, padded) if name is not None else None
        yield GenerationStep(index, padded[0], probabilities, top, choice, run)
        ids = ids + [choice.id]


# ----- the lab's generation: settings, one run, what it shows ---------------------------------------------------------------------------
@dataclass(frozen=True)
class GenerationSettings:
    """How the next word is chosen. Greedy: the most probable. Otherwise a draw among the
    top-k with probabilities softmax(log p / temperature), from numpy's Generator seeded
    with sample_seed (the same seed gives the same words, as `tui-lab generate` does)."""

    top_k: int = 5
    greedy: bool = True
    temperature: float = 1.0
    sample_seed: int = 0
    words: int = 10  # how many words one "run N words" adds

    def __post_init__(self) -> None:
        # Stored as plain Python values (numpy ints and bools are accepted and converted).
        for field, name, low, high in (("top_k", "top-k", 1, MAX_TOP_K),
                                       ("words", "words", 1, MAX_WORDS),
                                       ("sample_seed", "sampler seed", 0, MAX_SAMPLE_SEED)):
            object.__setattr__(self, field, whole_number(getattr(self, field), name, low, high))
        object.__setattr__(self, "greedy", boolean(self.greedy, "greedy"))
        object.__setattr__(self, "temperature",
                           finite_number(self.temperature, "the temperature", above=0,
                                         high=MAX_TEMPERATURE))

    def describe(self) -> str:
        how = "greedy" if self.greedy else f"sampling T={self.temperature:g} seed {self.sample_seed}"
        return f"{how} · top-{self.top_k}"


@dataclass(frozen=True)
class GenerationView:
    """What generation shows: the text so far, and the latest step's top-k and choice."""

    seed: str
    words: tuple[str, ...]  # chosen so far, in order
    settings: GenerationSettings
    context: str  # the text the model read for `top` (the lab's input)
    top: tuple[Candidate, ...]  # most probable first
    weights: tuple[float, ...] | None  # sampling: each candidate's chance to be drawn
    chosen: Candidate | None  # None before the first word: a preview of the distribution
    at_limit: bool = False


class Generation:
    """One generation run: a seed, the settings, and generation.generate's own iterator (so
    the words equal `tui-lab generate` with the same settings)."""

    def __init__(self, model: TrainedModel, seed: str, settings: GenerationSettings):
        check_model(model)
        text_argument(seed, "the seed text")
        if not isinstance(settings, GenerationSettings):
            raise LabError(f"settings must be GenerationSettings, not {shown(settings)}")
        tokens, ids = model.encode(seed)
        if not ids or all(model.word(i) == OOV_TOKEN for i in ids):
            raise LabError(f"the seed text {seed!r} has no words the model knows "
                           f"({model.vocabulary_source}); type other words")
        self.seed = model.joiner.join(tokens)
        self.joiner = model.joiner
        self.settings = settings
        self.words: list[str] = []
        self.steps: list[GenerationStep] = []
        sampling = not settings.greedy
        self._steps = generate(model, ids, MAX_WORDS, top_k=settings.top_k,
                               temperature=settings.temperature if sampling else None,
                               sample_seed=settings.sample_seed if sampling else None,
                               step_states=False)

    def text(self, words: int | None = None) -> str:
        if words is not None:
            words = whole_number(words, "words", 0)
        chosen = self.words if words is None else self.words[:words]
        return self.joiner.join([self.seed, *chosen])

    def next(self) -> GenerationStep:
        try:
            step = next(self._steps)
        except StopIteration:
            raise LabError(f"generation stops at {MAX_WORDS} words; start again with w") from None
        self.steps.append(step)
        self.words.append(step.chosen.word)
        return step

    def view(self, preview: tuple[Candidate, ...]) -> GenerationView:
        if not isinstance(preview, (tuple, list)) or \
                not all(isinstance(c, Candidate) for c in preview):
            raise LabError(f"the preview must be a tuple of Candidates, not {shown(preview)}")
        preview = tuple(preview)
        settings = self.settings
        if not self.steps:
            return GenerationView(self.seed, (), settings, self.seed, preview[:settings.top_k],
                                  self._weights(preview[:settings.top_k]), None)
        step = self.steps[-1]
        return GenerationView(self.seed, tuple(self.words), settings, self.text(len(self.words) - 1),
                              step.top, self._weights(step.top), step.chosen,
                              len(self.words) >= MAX_WORDS)

    def _weights(self, top) -> tuple[float, ...] | None:
        if self.settings.greedy or not top:
            return None
        weights = sampling_weights([c.probability for c in top], self.settings.temperature)
        return tuple(float(w) for w in weights)
