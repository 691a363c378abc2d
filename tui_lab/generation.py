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
from typing import Iterator

import numpy as np

from .errors import LabError
from .model_steps import LayerRun
from .models import TrainedModel
from .text import OOV_TOKEN

MAX_WORDS = 1000


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


def _choosable(model: TrainedModel, size: int) -> np.ndarray:
    """Ids that can be picked: words of the vocabulary, never padding (0) or the OOV token."""
    allowed = np.zeros(size, bool)
    for i, word in model.index_word.items():
        if 0 < i < size and word != OOV_TOKEN:
            allowed[i] = True
    if not model.index_word:  # raw ids without a vocabulary: any id but padding
        allowed[1:] = True
    allowed[model.vocab_size:] = False  # the next step feeds the id to the Embedding
    return allowed


def generate(model: TrainedModel, seed_ids: list[int], words: int, *, top_k: int = 5,
             temperature: float | None = None, sample_seed: int | None = None,
             layer: str | None = None, step_states: bool = True) -> Iterator[GenerationStep]:
    """Yield one GenerationStep per generated word, continuing from seed_ids.

    Greedy unless temperature or sample_seed is given; sampling draws among the top-k with
    probabilities p**(1/temperature), renormalised (temperature defaults to 1)."""
    if isinstance(words, bool) or not isinstance(words, int) or not 1 <= words <= MAX_WORDS:
        raise LabError(f"the number of words must be 1-{MAX_WORDS}, not {words!r}")
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise LabError(f"top-k must be a whole number of at least 1, not {top_k!r}")
    if temperature is not None and not (np.isfinite(temperature) and temperature > 0):
        raise LabError(f"the temperature must be a positive number, not {temperature!r}")
    ids = model.check_ids(seed_ids)
    if not ids:
        raise LabError("the seed text has no words the model knows; give at least one")
    sampling = temperature is not None or sample_seed is not None
    rng = np.random.default_rng(sample_seed) if sampling else None
    name = model.layer(layer).name if step_states else None
    for index in range(1, words + 1):
        padded = model.pad([ids])
        probabilities = model.predict(padded)
        probabilities = probabilities[0, -1] if probabilities.ndim == 3 else probabilities[0]
        allowed = _choosable(model, len(probabilities))
        order = [int(i) for i in np.argsort(-probabilities, kind="stable") if allowed[i]][:top_k]
        if not order:
            raise LabError("the model's output has no word of its vocabulary to choose")
        top = tuple(Candidate(model.word(i), i, float(probabilities[i])) for i in order)
        choice = top[0]
        if sampling:
            weights = np.array([c.probability for c in top], np.float64) ** (1.0 / (temperature or 1.0))
            total = weights.sum()
            weights = weights / total if total > 0 else np.full(len(top), 1 / len(top))
            choice = top[int(rng.choice(len(top), p=weights))]
        run = model.step(name, padded) if name is not None else None
        yield GenerationStep(index, padded[0], probabilities, top, choice, run)
        ids = ids + [choice.id]
