"""The debugger with a trained model open (mixed into ModelLab): breakpoints, state edits, gate
clamps, undo and the what-if, all on the Lab of the layer (direction) shown.

An edit changes the stepped layer's states; what the model makes of them downstream is the
model's head (its own Keras layers above the stepped one) applied to the EDITED output at
each step. So edits are allowed where that head reads one step's output of the stepped
layer alone: the last recurrent layer, and one direction (layer_run.check_one_step says why
otherwise, for next-word breakpoints as for edits). The what-if then also gives, per step
and batch row, how far the next-word distribution moved: the edited run's p against the
unedited run's q over the same input.

The model's checks (ModelView) and its next words and generation stay those of the unedited
run: model(ids) knows nothing of an edit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tui_lab.core.edits import Edit, WhatIf
from tui_lab.core.protocol import Cancelled, Progress
from tui_lab.errors import LabError
from tui_lab.trained.layer_run import check_one_step, next_word_head

EDIT_PURPOSE = "state edits and gate clamps with a model"


@dataclass(frozen=True)
class ModelWhatIf(WhatIf):
    """WhatIf (edited minus unedited h and c) plus, when the model ends in a next-word
    softmax, the next-word distributions compared: p (edited) against q (unedited), each
    (t, batch) for the steps taken. None where the model gives no next-word distribution."""

    total_variation: np.ndarray | None = None  # 0.5 * sum |p - q| over the vocabulary
    max_dp: np.ndarray | None = None  # max |p - q| over the vocabulary
    top_unedited: np.ndarray | None = None  # argmax q (ids), as `next == WORD` reads it
    top_edited: np.ndarray | None = None  # argmax p
    words: dict | None = None  # id -> word for the ids in top_unedited and top_edited

    @property
    def next_words(self) -> bool:
        return self.total_variation is not None


def edit_refusal(model, info) -> str | None:
    """Why state edits cannot be made on layer `info` of `model` (None: they can). A model
    whose head cannot be split off (or is no softmax) still takes edits: its what-if then
    has the states only."""
    try:
        check_one_step(model, info, EDIT_PURPOSE)
    except LabError as error:
        return str(error)
    return None


def compare_next_words(p: np.ndarray, q: np.ndarray):
    """(total variation, max |p - q|, argmax q, argmax p), each (t, batch), of p and q
    (t, batch, vocabulary), in float64."""
    p, q = np.asarray(p, np.float64), np.asarray(q, np.float64)
    difference = np.abs(p - q)
    return (0.5 * difference.sum(axis=2), difference.max(axis=2, initial=0.0),
            q.argmax(axis=2), p.argmax(axis=2))


class ModelDebugger:
    """Mixed into ModelLab; uses its model, info (the layer) and lab (the shown direction)."""

    def run_until(self, condition, progress: Progress | None = None,
                  cancelled: Cancelled | None = None, next_word=None):
        # `next == WORD` and `p(WORD) > x` read the model's head on each step's stepped output
        # (next_word: another mapping of the outputs to next-word probabilities, if given).
        model, info = self.model, self.info
        if next_word is None:
            def next_word(outputs):
                return next_word_head(model, info)(outputs)
        return self.lab.run_until(condition, progress, cancelled, next_word=next_word)

    def describe_miss(self, condition, since: int, next_word=None) -> str:
        """Lab.describe_miss on the layer stepped, `next` and `p(WORD)` read through the
        model's head as run_until reads them."""
        model, info = self.model, self.info
        if next_word is None:
            def next_word(outputs):
                return next_word_head(model, info)(outputs)
        return self.lab.describe_miss(condition, since, next_word=next_word)

    def _editable(self) -> None:
        refusal = edit_refusal(self.model, self.info)
        if refusal is not None:
            raise LabError(refusal)

    @property
    def edits(self) -> tuple[Edit, ...]:
        return self.lab.edits

    def edit_state(self, state: str = "h", unit: int = 0, value: float = 0.0,
                   row: int | None = None) -> Edit:
        """Lab.edit_state on the layer stepped (the last recurrent one, one direction)."""
        self._editable()
        return self.lab.edit_state(state, unit, value, row)

    def clamp_gate(self, gate: str, unit: int = 0, value: float = 0.0,
                   row: int | None = None) -> Edit:
        """Lab.clamp_gate on the layer stepped (the last recurrent one, one direction)."""
        self._editable()
        return self.lab.clamp_gate(gate, unit, value, row)

    def undo(self) -> bool:
        return self.lab.undo()

    def what_if(self) -> ModelWhatIf | None:
        """Lab.what_if, with the next-word distributions compared at each step taken."""
        return self._next_word_what_if(self.lab.snapshot(layer=False))

    def _next_word_what_if(self, snapshot) -> ModelWhatIf | None:
        """The what-if of `snapshot` (the shown lab's, taken just now) with the next words;
        kept while the run and step stay the same (the app asks at every snapshot)."""
        base = snapshot.what_if
        if base is None:
            return None
        key = (id(self.lab), snapshot.history_id, snapshot.t, snapshot.edits)
        cached = getattr(self, "_what_if_cache", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        found = ModelWhatIf(base.dh, base.dc)
        edited, unedited = self.lab.run_outputs(snapshot.t)
        try:
            head = next_word_head(self.model, self.info, "the next-word what-if")
            if len(edited):  # one call of the head for both runs, side by side in the batch
                both = head(np.concatenate([edited, unedited], axis=1))
                p, q = np.split(both, 2, axis=1)
            else:  # (an edit of the initial state, no step taken yet)
                p = q = np.zeros(edited.shape[:2] + (self.model.vocab_size,))
        except LabError:  # no next-word head: the states' what-if only
            p = None
        if p is not None:
            tv, largest, before, after = compare_next_words(p, q)
            ids = np.union1d(before, after).tolist()
            found = ModelWhatIf(base.dh, base.dc, tv, largest, before, after,
                                {int(i): self.model.word(int(i)) for i in ids})
        self._what_if_cache = (key, found)
        return found
