"""The lab's operations on its input and settings (mixed into Lab): open a text, choose lines,
type a sentence, step raw vectors; change settings, weights and the initial state.

Each one checks its arguments and hands the change to Lab._commit, which builds the new
state completely before swapping it in: a LabError leaves the lab exactly as it was.
"""

from __future__ import annotations

from pathlib import Path

from tui_lab.core import checks, building, initial_state, inputs
from tui_lab.core.cells import Weights
from tui_lab.core.protocol import Cancelled, Progress
from tui_lab.core.snapshot import vector_batch
from tui_lab.core.text import Corpus
from tui_lab.core.weight_files import weights_from_npz
from tui_lab.errors import LabError

MAX_BATCH = 1024  # lines stepped together at most


class InputOperations:
    # ----- input ----------------------------------------------------------------------------
    def open_text(self, path: str | Path, progress: Progress | None = None,
                  cancelled: Cancelled | None = None) -> None:
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
        selection = inputs.line_numbers(numbers, self._corpus.lines, MAX_BATCH)
        self._carry_commit(len(selection), selection=selection, sentence=None, keep_cursor=False)

    def type_sentence(self, sentence: str) -> None:
        """Step a sentence of your own, tokenized with the fitted tokenizer (unknown words: OOV)."""
        if self._corpus is None:
            raise LabError("typed sentences need a text to fit the tokenizer on; open one first")
        if not isinstance(sentence, str) or not sentence.strip():
            raise LabError("type a sentence with at least one word")
        self._carry_commit(1, sentence=sentence.strip(), keep_cursor=False)

    def set_vectors(self, vectors, pad_mask=None) -> None:
        """Step raw input vectors, (T, features) or (B, T, features), instead of text.

        `pad_mask` (B, T), True at padding, marks steps that mask_padding skips."""
        if vectors is None:
            raise LabError("give the vectors: (timesteps, features) or (batch, timesteps, features)")
        batch = vector_batch(vectors, pad_mask)
        config = self._config.replace(embedding_dim=batch.x.shape[2])
        if config == self._config and self._vectors is not None:  # vectors after vectors: carry
            self._carry_commit(batch.x.shape[0], vectors=batch, corpus=None, features=None,
                               selection=(), sentence=None, keep_cursor=False)
        else:
            self._commit(vectors=batch, corpus=None, features=None, selection=(), sentence=None,
                         keep_cursor=False, config=config)

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
        building.check_weights(weights, self._config, origin)
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
        if self._vectors is not None:
            rows = self._vectors.x.shape[0]
        else:
            rows = 1 if self._sentence is not None else len(self._selection)
        h, c = initial_state.given(h, c, self._config.units, rows)
        self._commit(initial=(h, c))

    def load_initial_state(self, path: str | Path) -> None:
        """An initial state from an .npz with keys 'h' (and 'c' for LSTM)."""
        path = checks.path_argument(path, "the initial-state file")
        self.set_initial_state(*initial_state.read(path, self._config.cell))
