"""Stateful lines (mixed into Lab): the final state of one line (or batch) carried into the
next one selected, as a Keras layer built with `stateful=True` carries it from one call to
the next; `reset_states()` zeroes it, as the layer's `reset_states()` does.

What is carried is the state after the WHOLE previous line (Keras carries the state after
the whole batch), whatever step the lab was showing: the line is run to its end first. It
becomes the next line's initial state (step 0 starts from it), with its origin recorded.
The carry holds while only the input changes (select_lines, type_sentence, set_vectors):
a change of setting, weights or initial state starts again from the configured initial
state, as a model built again would. Keras' stateful layers need a fixed batch size, so a
next input with another number of rows starts again too, and `stateful_notice` says so.

The check is Keras' own: a `keras.layers.<Cell>(stateful=True, return_sequences=True,
return_state=True)` with the lab's weights (KerasChain), called once on each line of the
chain in order; the Layer readout compares the stepped states with its outputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tui_lab.core import cells


@dataclass(frozen=True)
class Carry:
    """The state carried into the input being stepped: (batch, units) arrays."""

    h: np.ndarray
    c: np.ndarray | None
    source: str  # what it is the final state of: "line 3", "lines 2, 5", "the typed line"
    # The previous run had state edits, so Keras' chain (which runs unedited) restarts
    # from this state, given as its initial_state.
    restart: bool = False


class KerasChain:
    """Keras' stateful layer with the lab's weights, fixed to `rows` batch rows; each call
    starts from the state the call before ended with (unless an initial state is given)."""

    def __init__(self, runner, rows: int):
        self.rows = rows
        self.layer = cells.new_layer(runner.config, runner.weights.input_dim, stateful_batch=rows)
        self.layer.set_weights(runner.weights.cell_weights())
        self.calls: tuple[str, ...] = ()  # what each call read, in order

    def call(self, x: np.ndarray, mask, initial, label: str):
        """(sequence, [h] or [h, c]) of one call on x (rows, T, D); `initial` None: the
        layer's own carried state."""
        outputs = self.layer(x, initial_state=initial, mask=mask, training=False)
        self.calls += (label,)
        sequence, *states = (np.asarray(o) for o in outputs)
        return sequence, states


class StatefulLines:
    """Lab's stateful operations; Lab._commit keeps `_carry` and `_chain` (None: none)."""

    _carry: Carry | None = None
    _chain: KerasChain | None = None
    _stateful_notice: str | None = None

    @property
    def carried_from(self) -> str | None:
        """What the carried initial state is the final state of ("line 3"), if one is used."""
        return self._carry.source if self._carry is not None else None

    @property
    def stateful_notice(self) -> str | None:
        """What the last change of input did to the carried state, when it was not carried
        (the batch size changed); None otherwise."""
        return self._stateful_notice

    @property
    def initial_state_origin(self) -> str:
        """'zeros', 'given' (set_initial_state) or 'carried from line 3'."""
        if self._carry is not None:
            return f"carried from {self._carry.source}"
        return "given" if self._initial is not None else "zeros"

    def reset_states(self) -> None:
        """Zero the carried state, as a stateful Keras layer's reset_states() does: the input
        being stepped starts again from the configured initial state (zeros, or the one
        set with set_initial_state), and so does Keras' chain. The step is kept."""
        self._stateful_notice = None
        if self._carry is not None:
            self._commit(carry=None)

    def _input_label(self) -> str:
        if self._vectors is not None:
            return "the input vectors"
        if self._sentence is not None:
            return "the typed line"
        numbers = ", ".join(str(n) for n in self._selection)
        return f"line{'s' if len(self._selection) > 1 else ''} {numbers}"

    def _next_carry(self, rows: int) -> tuple[Carry | None, str | None]:
        """Before the input changes to one of `rows` rows: (the carry, a notice). With
        stateful off, or nothing built yet, there is nothing to carry."""
        if not self._config.stateful or not self.is_built:
            return None, None
        cursor = self._cursor
        self.seek(self._history.timesteps)  # the state after the whole line is what carries
        self._cursor = cursor
        self._layer_result()  # Keras' chain reads this line before the next one
        batch = self._batch.shape[0]
        if rows != batch:
            return None, (f"the batch size changed from {batch} to {rows} row"
                          f"{'s' if rows > 1 else ''}: a stateful layer's batch size is fixed, so "
                          f"no state was carried (the chain starts again here)")
        history = self._history
        c = history.c[-1].copy() if history.c is not None else None
        return Carry(history.h[-1].copy(), c, self._input_label(), bool(self._edits)), None

    def _carry_commit(self, rows: int, **changes) -> None:
        """_commit(**changes) for a new input of `rows` rows, carrying the state if stateful."""
        carry, notice = self._next_carry(rows)
        self._commit(carry=carry, **changes)
        self._stateful_notice = notice

    def _stateful_layer_result(self, mask):
        """The stateful Keras layer's call on this input: the chain's next call, or the first
        of a new chain (from the configured initial state, or a carried state it did not
        compute itself: after edits)."""
        rows = self._batch.shape[0]
        initial = None
        carry = self._carry
        if self._chain is None or self._chain.rows != rows or carry is None or carry.restart:
            self._chain = KerasChain(self._runner, rows)
            h0, c0 = self._initial_states(edited=False)
            initial = [h0, c0] if c0 is not None else [h0]
        return self._chain.call(self._batch.x, mask, initial, self._input_label())

    @property
    def stateful_calls(self) -> tuple[str, ...]:
        """What Keras' stateful layer has been called on since its last reset, in order (the
        input being stepped last, once the layer has run on it)."""
        return self._chain.calls if self._config.stateful and self._chain is not None else ()
