"""The lab's one owner of state: text -> ids -> embeddings -> per-timestep states.

`Lab` holds the settings, the input (a text and the selected lines, a typed sentence, or raw
vectors), the weights, the history of steps and the cursor. Its methods are the lab's
operations; `snapshot()` gives an immutable picture that views read. No Textual here: the
app, `tui-lab trace`, the tests and notebooks all drive this class. Two groups of its
methods live beside it: the operations on input and settings (lab_inputs.py), the
debugger's (debugger.py: breakpoints, state edits, what-if) and sensitivity (sensitivity.py:
how far back a state reaches).

Every operation that changes settings or input builds the new state completely before
swapping it in, so a LabError leaves the lab exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from tui_lab.core import building, checks, clamps, edits, initial_state, inputs, tf_loader
from tui_lab.core.debugger import Debugger
from tui_lab.core.dropout import DropoutOperations
from tui_lab.core.lab_inputs import InputOperations
from tui_lab.core.sensitivity import Reach
from tui_lab.core.stateful import StatefulLines
from tui_lab.core.cells import CellRunner, Weights
from tui_lab.config import LabConfig
from tui_lab.errors import LabError
from tui_lab.core.history import History
from tui_lab.core.protocol import Cancelled, Progress
from tui_lab.core.snapshot import Batch, Snapshot, readonly
from tui_lab.core.text import Corpus
from tui_lab.core.vocabulary import Vocabulary, vocabulary_of

# Long runs are computed in chunks, with a progress report and a cancel check after each.
# A chunk holds about the same work whatever the size (units x batch rows), so esc answers
# within a fraction of a second: 1,024 steps of a 64-unit line, 16 of a 4,096-unit one.
CHUNK_WORK = 65_536
CHUNK_STEPS = (16, 1024)
Features = Callable[[np.ndarray], np.ndarray]  # padded ids (B, T) -> layer input (B, T, D)


class Lab(InputOperations, StatefulLines, DropoutOperations, Debugger, Reach):
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
        self._config, corpus, vectors = building.first_input(config, text, vectors, pad_mask,
                                                             corpus, features)
        self._corpus: Corpus | None = corpus
        self._vectors: Batch | None = vectors  # raw vectors, ready to step
        self._features = features
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
        self._edits: tuple[edits.Edit, ...] = ()  # state edits, in the order made
        self._original: History | None = None  # the unedited run, while there are edits
        self._clamped = clamps.ClampedRunners()  # the cells that step under gate clamps

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

    def vocabulary(self) -> Vocabulary:
        """The tokenizer's word_index: each entry's id, count and whether num_words keeps it
        (core/vocabulary.py). Raw vectors have no words: LabError."""
        if self._corpus is None:
            raise LabError("the input is raw vectors: there is no vocabulary (open a text, and "
                           "the tokenizer fitted on it gives one)")
        return vocabulary_of(self._corpus)

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
            self._commit(build=True, carry=self._carry)

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
             cancelled: Cancelled | None = None) -> bool:
        """Move to after step t (0 = before the first step), computing what is needed.

        Long runs are computed in chunks: `progress(done, total)` is called after each, and
        when `cancelled()` turns true the lab stops at the last step computed and this
        returns False."""
        t = checks.whole_number(t, "the step")
        if abs(t) > inputs.MAX_WHOLE:  # absurd numbers are refused before they reach a message
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
                   cancelled: Cancelled | None = None) -> bool:
        checks.callable_or_none(progress, "progress")
        checks.callable_or_none(cancelled, "cancelled")
        return self.seek(self.timesteps, progress, cancelled)

    def _compute_until(self, end: int) -> None:
        """Fill the history up to (not including) step `end` (stepper.py does the maths),
        writing each edit into the states once the run reaches its step; the steps after a
        gate clamp are stepped by the clamped cell (Debugger._advance, clamps.py)."""
        history = self._history
        for step in sorted({e.step for e in self._edits if history.computed <= e.step <= end}):
            if step:
                self._advance(step)
                c = history.c[step - 1] if history.c is not None else None
                edits.apply(self._edits, step, history.h[step - 1], c)
                edits.apply(self._edits, step, history.output[step - 1], None)
        self._advance(end)

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
                build=False, carry=None) -> None:
        """Build the lab for these changes, then swap everything in at once. `carry`: the
        state carried into the new input (stateful.py); any other change starts without."""
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
            self._carry, self._chain, self._stateful_notice = carry, None, None
            return

        runner, batch, history = building.build(
            config, corpus, vectors, features, selection, sentence, loaded, initial,
            self._runner, (self._loaded, self._vectors, self._features))

        cursor = min(self._cursor, history.timesteps) if keep_cursor else 0
        (self._config, self._corpus, self._vectors, self._features, self._selection,
         self._sentence, self._loaded, self._initial, self._runner, self._batch, self._history,
         self._layer) = (config, corpus, vectors, features, selection, sentence, loaded,
                         initial, runner, batch, history, None)
        self._edits, self._original = (), None  # edits belong to the run they were made in
        self._carry, self._stateful_notice = carry, None
        if carry is None:  # Keras' stateful layer starts again with the next call
            self._chain = None
        self._cursor = 0
        self.seek(cursor)

    def _initial_states(self, edited: bool = True):
        """(h0, c0) step 0 starts from: a carried state (stateful), the given initial state
        or zeros, with the edits made before the first step unless edited=False (the
        unedited run, the layer)."""
        start = (self._carry.h, self._carry.c) if self._carry is not None else self._initial
        h0, c0 = initial_state.starting(start, self._batch.shape[0], self._config.units,
                                        self._config.cell)
        if edited and any(edit.step == 0 for edit in self._edits):
            h0, c0 = h0.copy(), (c0.copy() if c0 is not None else None)
            edits.apply(self._edits, 0, h0, c0)
        return h0, c0

    def _layer_result(self):
        """The full Keras layer on this input, with the same weights, state and mask."""
        if self._layer is None:
            h0, c0 = self._initial_states(edited=False)
            mask = ~self._batch.pad_mask if self._config.mask_padding else None
            if self._config.stateful:
                sequence, states = self._stateful_layer_result(mask)
            elif self._dropout_cell() is not None:  # a fresh layer, same seed: same masks
                sequence, states = self._dropout_cell().run_layer(self._batch.x, h0, c0, mask)
            else:
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
            if self._edits:  # the layer runs unedited: compare the steps before the first
                # edited state (an edit after step s changes the state of step s itself)
                same = min(t, min(edit.step for edit in self._edits) - 1)
                history.check_against(sequence, max(same, 0))
                error = history.layer_error(same) if same > 0 else None
            else:
                error = history.error_against(sequence, states, t)
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
            initial_state_origin=self.initial_state_origin,
            stateful_calls=self.stateful_calls,
            dropout_masks=self.dropout_masks,
            history_id=history.id,
            edits=self._edits,
            what_if=self.what_if(),
        )
