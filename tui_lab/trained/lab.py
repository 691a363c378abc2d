"""A trained model in the lab: one recurrent layer (one direction of it) stepped in a `Lab`,
the model's checks beside it, and next-word generation. No Textual here.

`ModelLab` is a lab to the app (core.protocol.LabLike, each member written out here or, for the
debugger, in model_debugger.py: reading, stepping and edits go to the Lab of the direction shown), so the app's key -> operation -> snapshot
path works unchanged:

- the input (lines of a text, a typed sentence) is encoded with the model's word_index and
  goes through the model's layers below the stepped one (`Lab(corpus=..., features=...)`),
  so the Tokens and Embeddings panels show the model's words, ids, padding and vectors;
- input changes go to every direction's Lab (a Bidirectional layer has two);
- `snapshot()` is the shown Lab's snapshot with its `model` field set to a `ModelView` with the
  model's checks (stepped layer vs the model's own layer output, head vs `model(ids)`), the
  merged Bidirectional output, the model's next-word probabilities and the generation.

Settings the model fixes (cell, units, weights ...) cannot be changed: LabError says so.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tui_lab.config import LabConfig
from tui_lab.core.lab import Lab
from tui_lab.core.protocol import Cancelled, Progress
from tui_lab.core.snapshot import Snapshot
from tui_lab.core.vocabulary import Vocabulary
from tui_lab.errors import LabError
from tui_lab.core.checks import (boolean, callable_or_none, optional_text, path_argument,
                     shown, text_argument, text_lines, whole_number)
from tui_lab.trained.head import Reading, head_kind, probabilities, reading
from tui_lab.trained.generation import (MAX_WORDS, Candidate, Generation, GenerationSettings,
                                        GenerationView, choosable_ids, next_word_distribution)
from tui_lab.trained.layer_run import check_layer, direction_lab, directions_of, padded_ids
from tui_lab.trained.layers import RecurrentLayer
from tui_lab.trained.model_debugger import ModelDebugger, edit_refusal
from tui_lab.trained.loading import (RAW_IDS, TrainedModel, check_model, open_model,  # noqa: F401
                                     raw_id_lines, raw_ids_model)  # (raw_*: public here too)
from tui_lab.core.text import LYRICS_NAME, lyrics_path, read_lines


# ----- the model's picture --------------------------------------------------------------------
@dataclass(frozen=True)
class ModelView:
    """The model beside the shown Lab: which layer and direction, and the checks."""

    path: str
    layers: tuple[RecurrentLayer, ...]
    layer: RecurrentLayer
    direction: str
    directions: tuple[str, ...]
    vocabulary: str
    ids: np.ndarray  # (B, T) the padded ids the model reads
    max_abs_error: float  # the whole stepped layer vs the layer's own output inside the model
    head_error: float | None  # the model's head on the stepped output vs model(ids)
    output: np.ndarray | None  # row 1's layer output (merged for Bidirectional), last position
    next_words: tuple[Candidate, ...]  # model(ids) for row 1: the most probable next words
    generation: GenerationView | None = None
    edit_refusal: str | None = None  # why no state edits can be made here (None: they can)
    edited: bool = False  # the shown run has edits (the checks and next words are unedited)
    reading: Reading | None = None  # the head on the state after each step so far (row 1)
    final: tuple[tuple[str, float], ...] = ()  # model(ids) for row 1, read as the head means
    after_text: tuple[str, int, float, float] | None = None  # trailing padding stepped (row 1,
    #   no mask): (the last word, pad steps, the head's value at it, the value after them)
    reads: str = ""  # what x_t is for this layer, in words (Embed's legend)

    @property
    def name(self) -> str:
        return Path(self.path).name


class ModelLab(ModelDebugger):
    """Layer `layer` (the last recurrent one if None) of `model`, one direction shown."""

    def __init__(self, model: TrainedModel, layer: str | None = None, direction: str = "forward", *,
                 lines: list[str] | tuple[str, ...] | None = None, source: str | None = None,
                 selection=(1,), sentence: str | None = None, engine: str = "keras",
                 generation: Generation | None = None):
        check_model(model)
        layer = optional_text(layer, "the layer")
        text_argument(direction, "the direction")
        if lines is not None:
            lines = text_lines(lines, "the lines")
            if not lines:
                raise LabError("give at least one line of text")
        source = optional_text(source, "the source name")
        if isinstance(selection, (int, np.integer)):
            selection = (selection,)
        if not isinstance(selection, (list, tuple, range)):
            raise LabError(f"the selection must be a list of line numbers, not {shown(selection)}")
        selection = tuple(whole_number(n, "a line number") for n in selection)
        sentence = optional_text(sentence, "the sentence")
        if generation is not None and not isinstance(generation, Generation):
            raise LabError(f"generation must be a Generation or None, not {shown(generation)}")
        if lines is None:
            lines, source = read_lines(lyrics_path()), LYRICS_NAME
        self.model = model
        self.info = model.layer(layer)
        if direction not in directions_of(model, self.info.name):
            raise LabError(f"layer {self.info.name} has no {direction} direction")
        self.direction = direction
        corpus = model.corpus(list(lines), source or "text")
        labs = {d: direction_lab(model, self.info.name, d, corpus=corpus, engine=engine)
                for d in directions_of(model, self.info.name)}
        selection = tuple(n for n in selection if 1 <= n <= len(lines)) or (1,)
        for lab in labs.values():
            if sentence is not None:
                lab.type_sentence(sentence)
            else:
                lab.select_lines(selection)
        self.labs = labs
        self.generation = generation
        self._check: tuple[bytes, object, np.ndarray | None] | None = None
        self._what_if_cache = None  # (key, ModelWhatIf): model_debugger.py

    # ----- the Lab the app sees ---------------------------------------------------------------
    @property
    def lab(self) -> Lab:
        return self.labs[self.direction]

    # Reading, building and stepping: the shown direction's Lab (core.protocol.LabLike).
    @property
    def config(self) -> LabConfig:
        return self.lab.config

    @property
    def lines(self) -> tuple[str, ...]:
        return self.lab.lines

    @property
    def selection(self) -> tuple[int, ...]:
        return self.lab.selection

    @property
    def sentence(self) -> str | None:
        return self.lab.snapshot(layer=False).sentence

    @property
    def source_name(self) -> str:
        return self.lab.source_name

    @property
    def is_lyrics(self) -> bool:
        return self.lab.is_lyrics

    @property
    def is_built(self) -> bool:
        return self.lab.is_built

    @property
    def t(self) -> int:
        return self.lab.t

    @property
    def timesteps(self) -> int:
        return self.lab.timesteps

    def build(self) -> None:
        self.lab.build()

    def warm_up(self) -> None:
        self.lab.warm_up()

    def step(self) -> bool:
        return self.lab.step()

    def back(self) -> bool:
        return self.lab.back()

    def reset(self) -> None:
        self.lab.reset()

    def seek(self, t: int, progress: Progress | None = None,
             cancelled: Cancelled | None = None) -> bool:
        return self.lab.seek(t, progress, cancelled)

    def run_to_end(self, progress: Progress | None = None,
                   cancelled: Cancelled | None = None) -> bool:
        return self.lab.run_to_end(progress, cancelled)

    def sensitivity(self, t: int | None = None, compiled: bool | None = None):
        """The shown direction's Lab.sensitivity: w.r.t. what the stepped layer reads."""
        return self.lab.sensitivity(t, compiled)

    def snapshot(self, layer: bool = True) -> Snapshot:
        """The shown direction's snapshot, with the model's view in its `model` field (and,
        with edits, the next words in its what-if: model_debugger.py)."""
        snapshot = self.lab.snapshot(layer)
        return dataclasses.replace(snapshot, model=self.view(),
                                   what_if=self._next_word_what_if(snapshot))

    def vocabulary(self) -> Vocabulary:
        """The model's word_index, counted in the open text (a saved word_index has no
        counts); ids the model's Embedding cannot take are marked as not kept."""
        source = self.model.vocabulary_source or "the model's word_index"
        return dataclasses.replace(self.lab.vocabulary(), source=source)

    def view(self) -> ModelView:
        ids = padded_ids(self.lab)
        key = ids.tobytes() + bytes(str(ids.shape), "ascii")
        if self._check is None or self._check[0] != key:
            predicted = self.model.predict(ids)
            run = check_layer(self.model, self.info.name, self.labs, ids, predicted)
            self._check = (key, run, self._probabilities(predicted), predicted[0])
        _, run, probabilities, _ = self._check
        output = run.output[0] if isinstance(run.output, list) else run.output
        output = np.asarray(output)[0]
        if output.ndim == 2:  # return_sequences: the last position
            output = output[-1]
        top_k = self.generation.settings.top_k if self.generation else 5
        next_words = self._top(probabilities, top_k)
        generation = self.generation.view(next_words) if self.generation else None
        steps = self.lab.snapshot(layer=False)  # one snapshot for the reading and the padding
        step_reading = self._reading(steps)
        return ModelView(self.model.path, self.model.layers, self.info, self.direction,
                         directions_of(self.model, self.info.name),
                         self.model.vocabulary_source or "", ids, run.max_abs_error,
                         run.head_error, output, next_words, generation,
                         edit_refusal(self.model, self.info), bool(self.lab.edits),
                         step_reading, self._final(predicted_row=self._check[3]),
                         self._after_text(steps, step_reading), self._reads())

    def _reads(self) -> str:
        """What the shown layer reads at each step, in words."""
        model, info = self.model, self.info
        if info is not model.layers[0]:
            below = model.layers[model.layers.index(info) - 1]
            return f"x_t = the output of layer {below.name} at that position (the layers below)"
        if model.reads_characters:
            return ("one-hot characters: x_t is 1 at column id − 1 (the character's place in "
                    "sorted(set(text))), 0 elsewhere; padding is a row of zeros")
        embedding = model.embedding
        mask = ", mask_zero=True" if model.mask_zero else ""
        return (f"the model's Embedding(input_dim={embedding.input_dim}, output_dim="
                f"{embedding.output_dim}{mask}): x_t = row id of its table, trained with it")

    def _reading(self, snapshot: Snapshot) -> Reading:
        """The head on the state after each step so far (row 1), kept while the run and the
        step stay the same (the app asks at every snapshot)."""
        key = (id(self.lab), snapshot.history_id, snapshot.t, snapshot.edits)
        if getattr(self, "_reading_cache", (None,))[0] != key:
            self._reading_cache = (key, reading(self.model, self.info, snapshot.output))
        return self._reading_cache[1]

    def head_steps(self, t: int | None = None) -> np.ndarray | None:
        """The model's head on the state after each of the first t steps (all if None), in
        processing order: (t, batch, head width), its raw output; None when the head does not
        read one step of this layer (a Bidirectional last layer: its backward direction has
        read the whole text before the first step)."""
        from tui_lab.trained.head import head_steps

        t = self.lab.timesteps if t is None else whole_number(t, "the step", 0,
                                                              self.lab.timesteps)
        outputs = self.lab.run_outputs(t)[0]
        try:
            return head_steps(self.model, self.info, outputs)
        except LabError:
            return None

    def _final(self, predicted_row) -> tuple[tuple[str, float], ...]:
        """model(ids) for row 1, read as the head means it (P(1), top classes or tokens)."""
        from tui_lab.trained.head import TOP, label

        if predicted_row is None:
            return ()
        kind = head_kind(self.model)
        values = probabilities(kind, predicted_row)
        if values.ndim > 1:  # a head at every position: the last one's
            values = values[-1]
        if kind.kind in ("probability", "logit"):
            return (("P(1)", float(values[0])),)
        order = np.argsort(-values, kind="stable")[:TOP]
        return tuple((label(self.model, kind, int(i)), float(values[i])) for i in order)

    def _after_text(self, snapshot: Snapshot, step_reading: Reading):
        """Padding after the text that the layer steps (no mask): row 1's last word, the pad
        steps stepped after it so far, and the head's value at it and now (None otherwise)."""
        if snapshot.config.mask_padding or snapshot.batch.rows is None:
            return None
        row = snapshot.batch.rows[0]
        real = np.flatnonzero(~row.pad_mask[snapshot.order[:snapshot.t]])
        if not len(real) or real[-1] == snapshot.t - 1:
            return None  # nothing stepped after the last word yet
        last = int(real[-1])
        series = step_reading.series
        at_word = float(series[last]) if len(series) > last else float("nan")
        now = float(series[-1]) if len(series) else float("nan")
        word = row.tokens[row.token_at[snapshot.order[last]]]
        return word, snapshot.t - 1 - last, at_word, now

    def _probabilities(self, predicted: np.ndarray) -> np.ndarray | None:
        """model(ids) for row 1, when the model's output is a next-word distribution."""
        try:
            return next_word_distribution(self.model, predicted)
        except LabError:  # no next-word head: the model still steps, it just cannot generate
            return None

    def _top(self, probabilities, k: int) -> tuple[Candidate, ...]:
        if probabilities is None:
            return ()
        allowed = choosable_ids(self.model, len(probabilities))
        order = [int(i) for i in np.argsort(-probabilities, kind="stable") if allowed[i]][:k]
        return tuple(Candidate(self.model.word(i), i, float(probabilities[i])) for i in order)

    # ----- input: every direction reads the same ---------------------------------------------
    def select_lines(self, numbers) -> None:
        # The shown lab first: a refused selection stops there, and the generation is kept.
        for lab in self._shown_first():
            lab.select_lines(numbers)
        self.generation = None

    def type_sentence(self, sentence: str) -> None:
        self._type(sentence)
        self.generation = None

    def _type(self, sentence: str) -> None:
        for lab in self._shown_first():
            lab.type_sentence(sentence)

    def _shown_first(self) -> list[Lab]:
        return [self.lab] + [lab for d, lab in self.labs.items() if d != self.direction]

    def open_text(self, path: str | Path, progress: Progress | None = None,
                  cancelled: Cancelled | None = None) -> None:
        """A text encoded with the model's word_index (no tokenizer is fitted)."""
        path = path_argument(path, "the text file")
        callable_or_none(progress, "progress")
        callable_or_none(cancelled, "cancelled")
        lines = read_lines(path)
        other = ModelLab(self.model, self.info.name, self.direction, lines=lines,
                         source=str(path), engine=self.config.engine)
        self.labs, self._check, self.generation = other.labs, None, None

    def use_lyrics(self) -> None:
        other = ModelLab(self.model, self.info.name, self.direction, engine=self.config.engine)
        self.labs, self._check, self.generation = other.labs, None, None

    # ----- layer and direction -----------------------------------------------------------------
    def with_layer(self, layer: str, direction: str = "forward") -> ModelLab:
        """The same input, another layer (or direction) of the model, at the same step."""
        text_argument(layer, "the layer")
        text_argument(direction, "the direction")
        snapshot = self.lab.snapshot(layer=False)
        other = ModelLab(self.model, layer, direction, lines=snapshot.lines,
                         source=snapshot.source_name, selection=snapshot.selection or (1,),
                         sentence=snapshot.sentence, engine=snapshot.config.engine,
                         generation=self.generation)
        other.seek(min(self.lab.t, other.lab.timesteps))
        return other

    def show_direction(self, direction: str) -> None:
        text_argument(direction, "the direction")
        if direction not in self.labs:
            raise LabError(f"layer {self.info.name} is not Bidirectional: it has one direction")
        t = self.lab.t
        self.direction = direction
        self.lab.seek(min(t, self.lab.timesteps))

    def flip_direction(self) -> None:
        names = list(self.labs)
        self.show_direction(names[(names.index(self.direction) + 1) % len(names)])

    # ----- generation --------------------------------------------------------------------------
    def start_generation(self, seed: str, settings: GenerationSettings | None = None) -> None:
        """Start generating from `seed`; the lab steps the seed (the model's first context)."""
        if settings is not None and not isinstance(settings, GenerationSettings):
            raise LabError(f"settings must be GenerationSettings, not {shown(settings)}")
        generation = Generation(self.model, seed, settings or GenerationSettings())
        ids = self.model.pad([self.model.encode(generation.seed)[1]])
        next_word_distribution(self.model, self.model.predict(ids))  # LabError if it is none
        self._type(generation.seed)
        self.generation = generation
        self.lab.run_to_end()

    def generate_next(self, count: int = 1, progress: Progress | None = None,
                      cancelled: Cancelled | None = None) -> int:
        """Choose `count` next words; the lab then shows the context the last word was chosen
        from (the states that gave its probabilities). Returns the words added (fewer if
        cancelled)."""
        count = whole_number(count, "the number of words", 1, MAX_WORDS)
        callable_or_none(progress, "progress")
        callable_or_none(cancelled, "cancelled")
        if self.generation is None:
            raise LabError("generation has not started: press w (or n) first")
        generation = self.generation
        done = 0
        for _ in range(count):
            if cancelled is not None and cancelled():
                break
            generation.next()
            done += 1
            if progress is not None:
                progress(done, count)
        if done:
            self._type(generation.text(len(generation.words) - 1))
            ids = padded_ids(self.lab)[0]
            if ids.tolist() != generation.steps[-1].ids.tolist():  # never expected
                raise LabError("the lab's ids differ from the ids the model read")
            self.lab.run_to_end()
        return done

    def stop_generation(self) -> None:
        self.generation = None

    # ----- settings the model fixes -------------------------------------------------------------
    def configure(self, **changes) -> None:
        fixed = sorted(set(changes) - {"engine"})
        if fixed:
            raise LabError(f"the model fixes {fixed[0]}: layer {self.info.name} is "
                           f"{self.info.describe().split(': ', 1)[1]}; close the model (x) to "
                           f"change settings")
        for lab in self._shown_first():
            lab.configure(**changes)

    def _refuse(self, what: str):
        raise LabError(f"{what}: the lab is stepping {Path(self.model.path).name}'s own weights "
                       f"and input; close the model (x) first")

    def reseed(self, seed: int | None = None) -> None:
        self._refuse("new random weights")

    def load_weights(self, path) -> None:
        self._refuse("other weights")

    def use_weights(self, *args) -> None:
        self._refuse("other weights")

    def set_initial_state(self, h=None, c=None) -> None:
        self._refuse("an initial state")

    def load_initial_state(self, path) -> None:
        self._refuse("an initial state")

    def set_vectors(self, vectors, pad_mask=None) -> None:
        self._refuse("raw vectors (a model reads token ids)")

    def open_vectors(self, path: str | Path) -> None:
        self._refuse("raw vectors (a model reads token ids)")


def open_model_lab(path, *, layer: str | None = None, word_index=None, fit_text=None,
                   raw_ids: bool = False, lines=None, source: str | None = None,
                   selection=(1,), sentence: str | None = None,
                   engine: str = "keras") -> ModelLab:
    """Open a .keras model and make its ModelLab on these lines (the lyrics if None).

    Without any word_index, LabError unless raw_ids (each id is then its own word)."""
    raw_ids = boolean(raw_ids, "raw_ids")
    model = open_model(path, word_index=word_index, fit_text=fit_text)
    if model.word_index is None:
        if model.reads_characters:  # raw ids mean nothing to one-hot rows: its text does
            raise MissingWordIndex(str(path), characters=True)
        if not raw_ids:
            raise MissingWordIndex(str(path))
        model = raw_ids_model(model)
        lines, source, selection, sentence = raw_id_lines(model), RAW_IDS, (1,), None
    return ModelLab(model, layer, lines=lines, source=source, selection=selection,
                    sentence=sentence, engine=engine)


class MissingWordIndex(LabError):
    """The model has no word_index: its ids mean no words yet."""

    def __init__(self, path: str, characters: bool = False):
        if characters:
            super().__init__(f"{path} reads one-hot characters and has no character list: fit "
                             f"it on the text it was trained on (its characters are "
                             f"sorted(set(text)), lower-cased)")
        else:
            super().__init__(f"{path} has no word_index beside it "
                             f"({Path(path).with_suffix('').name}.word_index.json), so its ids "
                             f"mean no words: fit the tokenizer on a text, or step raw ids")
        self.path = path
        self.characters = characters
