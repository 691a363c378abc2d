"""The lab's one owner of state: text -> ids -> embeddings -> per-timestep states.

`Lab` holds the settings, the input (a text and the selected lines, a typed sentence, or raw
vectors), the weights, the history of steps and the cursor. Its methods are the lab's
operations; `snapshot()` gives an immutable picture that views read. No Textual here: the
app, `tui-lab trace`, the tests and notebooks all drive this class.

Every operation that changes settings or input builds the new state completely before
swapping it in, so a LabError leaves the lab exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from tui_lab.core import checks, inputs, resources, stepper, tf_loader
from tui_lab.core.cells import CellRunner, Weights, read_npz, seeded_weights, weights_from_npz
from tui_lab.config import GATE_BLOCKS, LabConfig
from tui_lab.errors import LabError
from tui_lab.core.history import History
from tui_lab.core.snapshot import Batch, Snapshot, readonly, vector_batch
from tui_lab.core.text import Corpus

MAX_BATCH = 1024
MAX_WHOLE = 2**63 - 1  # no step or line number is beyond this; a bigger one is only a typo
# Long runs are computed in chunks, with a progress report and a cancel check after each.
# A chunk holds about the same work whatever the size (units x batch rows), so esc answers
# within a fraction of a second: 1,024 steps of a 64-unit line, 16 of a 4,096-unit one.
CHUNK_WORK = 65_536
CHUNK_STEPS = (16, 1024)
Progress = Callable[[int, int], None]
Features = Callable[[np.ndarray], np.ndarray]  # padded ids (B, T) -> layer input (B, T, D)
# Settings that the weights depend on: changing one of them makes new weights.
WEIGHT_SETTINGS = ("cell", "units", "embedding_dim", "num_words", "use_bias", "reset_after", "seed")


class Lab:
    """The controller. Defaults reproduce the lesson: the lyrics, line 1, LSTM, 4 units.

    >>> lab = Lab()
    >>> lab.select_lines(21)     # line numbers are 1-based, as in an editor
    >>> lab.run_to_end()
    >>> lab.snapshot().h[-1]      # the final hidden state, shape (batch, units)
    """

    def __init__(self, config: LabConfig | None = None, *, text: str | Path | None = None,
                 vectors=None, pad_mask=None, corpus: Corpus | None = None,
                 features: Features | None = None):
        """Input: the lesson's lyrics by default; or a text file; or raw `vectors`
        (T, F) or (B, T, F) with an optional (B, T) `pad_mask` (True at padding); or a
        ready `corpus` (e.g. with a trained model's word_index) whose padded ids go through
        `features(padded) -> (B, T, D)` instead of the Embedding lookup (e.g. a trained
        model's layers below the one stepped)."""
        if config is not None and not isinstance(config, LabConfig):
            raise LabError(f"config must be a LabConfig (or None), not {checks.shown(config)}")
        if sum(value is not None for value in (text, vectors, corpus)) > 1:
            raise LabError("give one input: a text file, vectors or a corpus, not several")
        if text is not None:
            text = checks.path_argument(text, "the text file")
        if corpus is not None and not isinstance(corpus, Corpus):
            raise LabError(f"corpus must be a text.Corpus, not {checks.shown(corpus)}")
        if pad_mask is not None and vectors is None:
            raise LabError("a pad_mask marks padding in vectors: give the vectors too")
        checks.callable_or_none(features, "features")
        config = config or LabConfig()
        self._config = config
        self._corpus: Corpus | None = None
        self._vectors: Batch | None = None  # raw vectors, ready to step
        self._features = features
        if vectors is not None:
            self._vectors = vector_batch(vectors, pad_mask)
            self._config = config.replace(embedding_dim=self._vectors.x.shape[2])
        elif corpus is not None:
            self._corpus = corpus.with_num_words(config.num_words)
        elif text is not None:
            self._corpus = Corpus.from_file(text, config.num_words)
        else:
            self._corpus = Corpus.lyrics(config.num_words)
        self._selection: tuple[int, ...] = (self._corpus.first_line,) if self._corpus else ()
        self._sentence: str | None = None
        self._loaded: tuple[Weights, dict, str] | None = None  # weights from a file
        self._initial: tuple[np.ndarray, np.ndarray | None] | None = None
        # Built lazily (this is where TensorFlow is imported):
        self._runner: CellRunner | None = None
        self._batch: Batch | None = None
        self._history: History | None = None
        self._layer: tuple[np.ndarray, tuple[np.ndarray, ...]] | None = None
        self._cursor = 0

    # ----- reading --------------------------------------------------------------------------
    @property
    def config(self) -> LabConfig:
        return self._config

    @property
    def lines(self) -> tuple[str, ...]:
        """The text's lines; available at once, before TensorFlow is loaded."""
        return self._corpus.lines if self._corpus else ()

    @property
    def selection(self) -> tuple[int, ...]:
        """The selected line numbers (1-based); empty for a typed sentence or raw vectors."""
        return self._selection if self._sentence is None else ()

    @property
    def sentence(self) -> str | None:
        """The typed sentence being stepped, if that is the input."""
        return self._sentence

    @property
    def source_name(self) -> str:
        return self._corpus.name if self._corpus else "input vectors"

    @property
    def is_lyrics(self) -> bool:
        """The input text is the built-in lyrics (text.LYRICS_NAME)."""
        return self._corpus is not None and self._corpus.is_lyrics

    @property
    def is_built(self) -> bool:
        return self._history is not None

    @property
    def t(self) -> int:
        return self._cursor

    @property
    def timesteps(self) -> int:
        self.build()
        return self._history.timesteps

    def build(self) -> None:
        """Tokenize, make the weights and the cell (imports TensorFlow the first time).

        Before TensorFlow is imported, operations only record what was asked (so a command
        line or the app can set the lab up without waiting); this build then checks it all."""
        if self._history is None:
            self._commit(build=True)

    @property
    def keras_cell(self):
        """The Keras cell object this lab calls at every step (keras.layers.LSTMCell ...),
        holding the lab's weights."""
        self.build()
        return self._runner.keras.cell

    def warm_up(self) -> None:
        """Trace the compiled cell step now (a fraction of a second, once per cell shape) with
        one unrecorded call, so that the first step taken does not wait for it."""
        self.build()
        h0, c0 = self._initial_states()
        self._runner.keras.step(self._batch.x[:, self._history.order[0]], h0, c0)

    # ----- stepping -------------------------------------------------------------------------
    def step(self) -> bool:
        """One timestep forward; False if already at the end."""
        self.build()
        if self._cursor >= self._history.timesteps:
            return False
        self._compute_until(self._cursor + 1)
        self._cursor += 1
        return True

    def back(self) -> bool:
        """One timestep back; False if at the start."""
        if self._cursor == 0:
            return False
        self._cursor -= 1
        return True

    def seek(self, t: int, progress: Progress | None = None,
             cancelled: Callable[[], bool] | None = None) -> bool:
        """Move to after step t (0 = before the first step), computing what is needed.

        Long runs are computed in chunks: `progress(done, total)` is called after each, and
        when `cancelled()` turns true the lab stops at the last step computed and this
        returns False."""
        t = checks.whole_number(t, "the step")
        if abs(t) > MAX_WHOLE:  # absurd numbers are refused before they reach a message
            raise LabError(f"the step must be within the sequence, not {checks.shown(t)}")
        checks.callable_or_none(progress, "progress")
        checks.callable_or_none(cancelled, "cancelled")
        self.build()
        if isinstance(t, bool) or not isinstance(t, (int, np.integer)):
            raise LabError(f"the step must be a whole number, not {t!r}")
        if not 0 <= t <= self._history.timesteps:
            raise LabError(f"step {t} is outside 0..{self._history.timesteps}")
        history = self._history
        while history.computed < t:
            if cancelled is not None and cancelled():
                self._cursor = history.computed
                return False
            self._compute_until(min(t, history.computed + self.chunk_steps))
            if progress is not None:
                progress(history.computed, t)
        self._cursor = int(t)
        return True

    @property
    def chunk_steps(self) -> int:
        """Steps computed between progress reports and cancel checks in a long run."""
        self.build()
        low, high = CHUNK_STEPS
        return max(low, min(high, CHUNK_WORK // (self._config.units * self._batch.shape[0])))

    def reset(self) -> None:
        """Back to before the first step (the history is kept)."""
        self._cursor = 0

    def run_to_end(self, progress: Progress | None = None,
                   cancelled: Callable[[], bool] | None = None) -> bool:
        checks.callable_or_none(progress, "progress")
        checks.callable_or_none(cancelled, "cancelled")
        return self.seek(self.timesteps, progress, cancelled)

    def _compute_until(self, end: int) -> None:
        """Fill the history up to (not including) step `end` (stepper.py does the maths)."""
        history, batch = self._history, self._batch
        k0 = history.computed
        if end <= k0:
            return
        positions = history.order[k0:end]
        xs = np.swapaxes(batch.x[:, positions], 0, 1)  # (n, B, D) in processing order
        if self._config.mask_padding:
            keep = np.ascontiguousarray(batch.pad_mask[:, positions].T)  # masked: state carried
        else:
            keep = np.zeros(xs.shape[:2], bool)
        h0, c0 = self._state_before(k0)
        steps = stepper.compute(self._runner, self._config.engine, xs, keep, h0, c0)
        output = steps.h
        if keep.any():
            # As Keras does with a mask: a masked row repeats the previous output (zeros
            # before the first real step), while its state is carried.
            output = steps.h.copy()
            previous = history.output[k0 - 1] if k0 else np.zeros_like(h0)
            for k in range(len(output)):
                output[k] = np.where(keep[k][:, None], previous, output[k])
                previous = output[k]
        history.record(k0, steps.h, steps.c, output, steps.gates, keep, steps.check)

    def _state_before(self, k: int):
        """(h, c) that step k starts from."""
        if k == 0:
            return self._initial_states()
        history = self._history
        return history.h[k - 1], (history.c[k - 1] if history.c is not None else None)

    # ----- input ----------------------------------------------------------------------------
    def open_text(self, path: str | Path, progress: Progress | None = None,
                  cancelled: Callable[[], bool] | None = None) -> None:
        """Open a UTF-8 text file (one sequence per line); the tokenizer is fitted on it.

        A big file reports progress(lines fitted, lines) and can be cancelled (LabError,
        the lab keeps what it had)."""
        path = checks.path_argument(path, "the text file")
        checks.callable_or_none(progress, "progress")
        checks.callable_or_none(cancelled, "cancelled")
        corpus = Corpus.from_file(path, self._config.num_words)
        if progress is not None or cancelled is not None:
            corpus.fit(progress, cancelled)
        self._commit(corpus=corpus, vectors=None, features=None, selection=(corpus.first_line,),
                     sentence=None, keep_cursor=False)

    def use_lyrics(self) -> None:
        corpus = Corpus.lyrics(self._config.num_words)
        self._commit(corpus=corpus, vectors=None, features=None, selection=(1,), sentence=None,
                     keep_cursor=False)

    def select_lines(self, numbers) -> None:
        """Step these lines (1-based numbers) together as one batch; one number is fine."""
        if self._corpus is None:
            raise LabError("there are no text lines to select: the input is raw vectors")
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
        if len(numbers) > MAX_BATCH:
            raise LabError(f"a batch can hold at most {MAX_BATCH} lines, not {len(numbers)}")
        count = len(self._corpus.lines)
        for number in numbers:
            if isinstance(number, bool) or not isinstance(number, (int, np.integer)):
                raise LabError(f"line numbers must be whole numbers, not {number!r}")
            if not 1 <= number <= count:
                raise LabError(f"line {number} is out of range: the text has {count} lines (1-{count})")
            if self._corpus.is_blank(number):
                raise LabError(f"line {number} is blank: choose a line with words")
        selection = tuple(dict.fromkeys(int(n) for n in numbers))
        self._commit(selection=selection, sentence=None, keep_cursor=False)

    def type_sentence(self, sentence: str) -> None:
        """Step a sentence of your own, tokenized with the fitted tokenizer (unknown words: OOV)."""
        if self._corpus is None:
            raise LabError("typed sentences need a text to fit the tokenizer on; open one first")
        if not isinstance(sentence, str) or not sentence.strip():
            raise LabError("type a sentence with at least one word")
        self._commit(sentence=sentence.strip(), keep_cursor=False)

    def set_vectors(self, vectors, pad_mask=None) -> None:
        """Step raw input vectors, (T, features) or (B, T, features), instead of text.

        `pad_mask` (B, T), True at padding, marks steps that mask_padding skips."""
        if vectors is None:
            raise LabError("give the vectors: (timesteps, features) or (batch, timesteps, features)")
        batch = vector_batch(vectors, pad_mask)
        self._commit(vectors=batch, corpus=None, features=None, selection=(), sentence=None,
                     keep_cursor=False, config=self._config.replace(embedding_dim=batch.x.shape[2]))

    def open_vectors(self, path: str | Path) -> None:
        self.set_vectors(inputs.read_vectors(checks.path_argument(path, "the vectors file")))

    # ----- settings and weights -------------------------------------------------------------
    def configure(self, **changes) -> None:
        """Change settings by their Keras names, e.g. configure(cell="gru", units=8)."""
        config = self._config.replace(**changes)
        fixed = self._fixed_input_dim()
        if fixed is not None and config.embedding_dim != fixed:
            raise LabError(f"the input has {fixed} features, so the cell's input size is "
                           f"fixed at {fixed}")
        self._commit(config=config)

    def reseed(self, seed: int | None = None) -> None:
        """New initial weights from another seed (next seed if none is given)."""
        if seed is not None:
            seed = checks.whole_number(seed, "seed")  # its range is the config's to check
        self.configure(seed=self._config.seed + 1 if seed is None else seed)

    def load_weights(self, path: str | Path) -> None:
        """Use weights from an .npz (kernel, recurrent_kernel, optional bias and embedding).

        Units, input size, use_bias and GRU's reset_after are taken from the arrays."""
        path = checks.path_argument(path, "the weights file")
        weights, implied = weights_from_npz(path, self._config)
        self.use_weights(weights, implied, str(path))

    def use_weights(self, weights: Weights, implied: dict, origin: str) -> None:
        """Use these weights (e.g. a trained model's); `implied` are the settings they fix
        (units, use_bias ...), kept while the weights are in use."""
        if not isinstance(weights, Weights):
            raise LabError(f"weights must be cells.Weights, not {checks.shown(weights)}")
        if not isinstance(implied, dict):
            raise LabError(f"implied must be a dict of settings, not {checks.shown(implied)}")
        checks.text_argument(origin, "origin")
        # Shapes as Keras lays them out, so that a mismatch is a sentence, not Keras' ValueError.
        blocks = GATE_BLOCKS[self._config.cell]
        arrays = {name: getattr(weights, name) for name in ("kernel", "recurrent_kernel", "bias",
                                                             "embedding")}
        if not all(a is None or (isinstance(a, np.ndarray) and a.dtype.kind in "biuf")
                   for a in arrays.values()):
            raise LabError(f"{origin}: the weights must be numpy arrays of real numbers")
        if not all(a is None or np.all(np.isfinite(a)) for a in arrays.values()):
            raise LabError(f"{origin}: the weights hold NaN or infinite values")
        kernel, recurrent, bias = weights.kernel, weights.recurrent_kernel, weights.bias
        units = recurrent.shape[0] if recurrent is not None and recurrent.ndim == 2 else 0
        fits = (units >= 1 and recurrent.shape[1] == blocks * units and kernel is not None
                and kernel.ndim == 2 and kernel.shape[0] >= 1 and kernel.shape[1] == blocks * units
                and (bias is None or bias.shape == (blocks * units,)
                     or (self._config.cell == "gru" and bias.shape == (2, blocks * units)))
                and (weights.embedding is None or (weights.embedding.ndim == 2 and
                                                   weights.embedding.shape[1] == kernel.shape[0])))
        if not fits:
            shapes = ", ".join(f"{k} {None if a is None else a.shape}" for k, a in arrays.items())
            raise LabError(f"{origin}: the weights ({shapes}) do not fit a "
                           f"{self._config.cell_title} cell: kernel (input, {blocks}*units), "
                           f"recurrent_kernel (units, {blocks}*units), bias ({blocks}*units,)")
        implied = {**implied, "cell": self._config.cell}
        if weights.embedding is not None:
            implied["num_words"] = weights.embedding.shape[0]
        fixed = self._fixed_input_dim()
        if fixed is not None and weights.input_dim != fixed:
            raise LabError(f"{origin}: the kernel reads {weights.input_dim} features but the input "
                           f"has {fixed}")
        config = self._config.replace(**implied)
        self._commit(config=config, loaded=(weights, implied, origin))

    def set_initial_state(self, h=None, c=None) -> None:
        """Start from these states: h (and c for LSTM), shape (units,) or (batch, units).

        Call with no arguments to go back to zeros. h and c have the same number of rows:
        1 (every row of the batch starts from it) or the batch's."""
        if h is None and c is None:
            self._commit(initial=None)
            return
        if h is None:
            raise LabError("an initial state needs h (c alone is not a state); give h, or h and c")
        h = self._state_array(h, "h")
        # c is kept even for SimpleRNN and GRU (zeros if not given), so that a later switch to
        # LSTM starts from a real c, not from a missing one.
        c = np.zeros_like(h) if c is None else self._state_array(c, "c")
        if h.shape[0] != c.shape[0]:
            raise LabError(f"initial state 'h' has {h.shape[0]} row(s) but 'c' has {c.shape[0]}; "
                           f"give both the same rows: 1, or one per batch row")
        if self._vectors is not None:
            rows = self._vectors.x.shape[0]
        else:
            rows = 1 if self._sentence is not None else len(self._selection)
        if h.shape[0] not in (1, rows):
            raise LabError(f"the initial state has {h.shape[0]} rows but the batch has {rows}; "
                           f"give 1 row (for every batch row) or {rows}")
        self._commit(initial=(h, c))

    def load_initial_state(self, path: str | Path) -> None:
        """An initial state from an .npz with keys 'h' (and 'c' for LSTM)."""
        path = checks.path_argument(path, "the initial-state file")
        arrays = read_npz(path, "initial-state")
        if "h" not in arrays:
            raise LabError(f"{path} has no 'h' array (an initial state needs 'h', and 'c' for LSTM)")
        if self._config.cell == "lstm" and "c" not in arrays:
            raise LabError(f"{path} has no 'c' array: an LSTM's initial state needs 'h' and 'c'")
        self.set_initial_state(arrays["h"], arrays.get("c") if self._config.cell == "lstm" else None)

    def _state_array(self, value, name: str) -> np.ndarray:
        try:
            values = np.asarray(value)
            if values.dtype.kind not in "biufO":  # strings, dates, complex: not states
                raise TypeError
            with np.errstate(over="ignore"):  # beyond float32 becomes inf, refused below
                array = values.astype(np.float32)
        except OverflowError:  # a Python int beyond any float
            raise LabError(f"initial state '{name}' holds a number too large for float32") from None
        except (TypeError, ValueError):
            raise LabError(f"initial state '{name}' must be an array of numbers") from None
        if array.ndim == 1:
            array = array[np.newaxis]
        units = self._config.units
        if array.ndim != 2 or array.shape[1] != units:
            raise LabError(f"initial state '{name}' has shape {tuple(np.shape(value))}, but the cell "
                           f"has {units} units: give ({units},) or (batch, {units})")
        if not np.all(np.isfinite(array)):
            raise LabError(f"initial state '{name}' holds NaN or infinite values")
        return array

    # ----- building -------------------------------------------------------------------------
    _UNSET = object()

    def _fixed_input_dim(self) -> int | None:
        """The input size raw vectors or a features function impose (None: embedding_dim)."""
        if self._vectors is not None:
            return self._vectors.x.shape[2]
        if self._features is not None and self._runner is not None:
            return self._runner.weights.input_dim
        return None

    def _commit(self, *, config=None, corpus=_UNSET, vectors=_UNSET, features=_UNSET,
                selection=None, sentence=_UNSET, loaded=_UNSET, initial=_UNSET, keep_cursor=True,
                build=False) -> None:
        """Build the lab for these changes, then swap everything in at once."""
        unset = Lab._UNSET
        config = config or self._config
        corpus = self._corpus if corpus is unset else corpus
        vectors = self._vectors if vectors is unset else vectors
        features = self._features if features is unset else features
        selection = self._selection if selection is None else selection
        sentence = self._sentence if sentence is unset else sentence
        loaded = self._loaded if loaded is unset else loaded
        initial = self._initial if initial is unset else initial
        if corpus is not None:
            corpus = corpus.with_num_words(config.num_words)

        # Weights loaded from a file stay only while the settings they imply still hold.
        if loaded is not None and any(getattr(config, k) != v for k, v in loaded[1].items()):
            loaded = None
        if initial is not None and initial[0].shape[1] != config.units:
            raise LabError(f"the initial state has {initial[0].shape[1]} units but the cell would "
                           f"have {config.units}; clear the initial state first")

        if not (build or self.is_built or tf_loader.is_loaded()):
            # Nothing built yet and TensorFlow not even imported: record the request only,
            # so a command line can set the lab up without waiting; build() checks it all.
            (self._config, self._corpus, self._vectors, self._features, self._selection,
             self._sentence, self._loaded, self._initial) = (config, corpus, vectors, features,
                                                             selection, sentence, loaded, initial)
            return

        runner = self._runner
        if runner is None or self._weights_change(config, vectors, features, loaded):
            runner = CellRunner(config, self._make_weights(config, vectors, features, loaded))
        elif runner.config != config:
            runner = CellRunner(config, runner.weights)  # same weights, e.g. go_backwards
        batch = self._make_batch(config, corpus, vectors, features, selection, sentence,
                                 runner.weights)
        if initial is not None and initial[0].shape[0] not in (1, batch.shape[0]):
            raise LabError(f"the initial state has {initial[0].shape[0]} rows but the batch has "
                           f"{batch.shape[0]}")
        steps = batch.shape[1]
        # Refuse a history that would not fit in memory before allocating it.
        resources.check_lab(config, steps, batch.shape[0], runner.weights.input_dim,
                            text=vectors is None)
        order = np.arange(steps)[::-1].copy() if config.go_backwards else np.arange(steps)
        history = History(order, batch.shape[0], config.units, config.gate_names,
                          config.cell == "lstm")

        cursor = min(self._cursor, history.timesteps) if keep_cursor else 0
        (self._config, self._corpus, self._vectors, self._features, self._selection,
         self._sentence, self._loaded, self._initial, self._runner, self._batch, self._history,
         self._layer) = (config, corpus, vectors, features, selection, sentence, loaded,
                         initial, runner, batch, history, None)
        self._cursor = 0
        self.seek(cursor)

    def _weights_change(self, config, vectors, features, loaded) -> bool:
        old = self._runner.config
        if loaded is not self._loaded:
            return True
        if (vectors is None) != (self._vectors is None):
            return True
        if (features is None) != (self._features is None):
            return True
        if vectors is not None and vectors.x.shape[2] != self._runner.weights.input_dim:
            return True
        return any(getattr(old, name) != getattr(config, name) for name in WEIGHT_SETTINGS
                   if not (name == "reset_after" and config.cell != "gru"))

    @staticmethod
    def _make_weights(config, vectors, features, loaded) -> Weights:
        input_dim = None if vectors is None else vectors.x.shape[2]
        if loaded is None:
            if features is not None:
                raise LabError("a lab whose input goes through a features function needs the "
                               "weights that read those features (use_weights)")
            return seeded_weights(config, input_dim)
        weights = loaded[0]
        if vectors is None and features is None and weights.embedding is None:
            # A file with cell weights only: the Embedding table comes from the seed.
            table = seeded_weights(config, None).embedding
            weights = Weights(weights.kernel, weights.recurrent_kernel, weights.bias, table)
        if vectors is not None:
            weights = Weights(weights.kernel, weights.recurrent_kernel, weights.bias, None)
        return weights

    @staticmethod
    def _make_batch(config, corpus, vectors, features, selection, sentence, weights) -> Batch:
        if vectors is not None:
            return vectors
        if sentence is not None:
            texts, labels = [sentence], ("typed",)
        else:
            texts = [corpus.lines[n - 1] for n in selection]
            labels = tuple(f"line {n}" for n in selection)
        rows = corpus.encode(texts, config.maxlen, config.padding, config.truncating)
        if all(not row.ids for row in rows):
            which = "the typed sentence has" if sentence is not None else (
                f"{labels[0]} has" if len(labels) == 1 else "the selected lines have")
            raise LabError(f"{which} no words the tokenizer keeps, so there is nothing to step")
        padded = np.stack([row.padded for row in rows])
        if features is None:
            x = weights.embedding[padded]  # the Embedding layer is exactly this lookup
        else:
            x = np.asarray(features(padded), dtype=np.float32)
            expected = padded.shape + (weights.input_dim,)
            if x.shape != expected:
                raise LabError(f"the features function gave shape {x.shape}, not {expected}")
        return Batch(x, np.stack([row.pad_mask for row in rows]), labels, tuple(rows))

    def _initial_states(self):
        batch = self._batch.shape[0]
        units = self._config.units
        if self._initial is None:
            zeros = np.zeros((batch, units), np.float32)
            return zeros, (zeros if self._config.cell == "lstm" else None)
        h0, c0 = self._initial
        h0 = np.broadcast_to(h0, (batch, units)).astype(np.float32)
        c0 = None if self._config.cell != "lstm" else np.broadcast_to(c0, (batch, units)).astype(np.float32)
        return h0, c0

    def _layer_result(self):
        """The full Keras layer on this input, with the same weights, state and mask."""
        if self._layer is None:
            h0, c0 = self._initial_states()
            mask = ~self._batch.pad_mask if self._config.mask_padding else None
            sequence, states = self._runner.run_layer(self._batch.x, h0, c0, mask)
            self._layer = (sequence, tuple(states))
        return self._layer

    # ----- the picture ----------------------------------------------------------------------
    def snapshot(self, layer: bool = True) -> Snapshot:
        """The picture views read. layer=False skips running the Keras layer if it has not
        run on this input yet (its fields are then None), so a first paint need not wait."""
        layer = checks.boolean(layer, "layer")
        self.build()
        history, t = self._history, self._cursor
        sequence = states = None
        error = None
        if layer or self._layer is not None:
            sequence, states = self._layer_result()
            history.check_against(sequence, t)
            error = history.layer_error(t)
            if t == history.timesteps:
                stepped = (history.h[t - 1],) + ((history.c[t - 1],) if history.c is not None else ())
                error = max([error] + [float(np.abs(a - b).max()) for a, b in zip(stepped, states)])
        h0, c0 = self._initial_states()
        loaded = self._loaded
        return Snapshot(
            config=self._config,
            source_kind="text" if self._corpus else "vectors",
            source_name=self.source_name,
            lines=self.lines,
            selection=self.selection,
            sentence=self.sentence,
            batch=self._batch,
            word_index=self._corpus.word_index if self._corpus else None,
            weights=self._runner.weights,
            weights_source=f"file {loaded[2]}" if loaded else f"seed {self._config.seed}",
            order=history.order,
            t=t,
            h0=readonly(h0),
            c0=readonly(c0),
            h=readonly(history.h[:t]),
            c=readonly(history.c[:t]) if history.c is not None else None,
            output=readonly(history.output[:t]),
            gates={name: readonly(g[:t]) for name, g in history.gates.items()},
            masked=readonly(history.masked[:t]),
            layer_sequence=readonly(sequence),
            layer_states=None if states is None else tuple(readonly(s) for s in states),
            max_abs_error=error,
            gate_max_abs_error=history.gate_error(t),
            initial_state_given=self._initial is not None,
            history_id=history.id,
        )
