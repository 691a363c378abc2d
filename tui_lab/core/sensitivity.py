"""How far back a state reaches: ||dh_t/dx_k||_F, the Frobenius norm of the Jacobian of the
state after step t with respect to each input read before it (`Lab.sensitivity`).

The derivative is taken with tf.GradientTape through the Keras cell object the lab steps,
called through its cell API, `cell(x_k, states, training=False)`, from the lab's initial state
over the lab's inputs in processing order (go_backwards: the last position first), as the lab's
run computes the states:

- mask_padding: at a skipped pad step the state is carried (tf.where, as the lab's compiled
  loop does), so that step's x has no influence on any later state: its norm is exactly 0;
- state edits: an edit sets a unit to a constant after its step, as the lab's run does, so
  the edited recurrence is what is differentiated: that unit's dependence on every earlier
  input is cut there (an edit of every unit of h, and c, cuts all of it).
The h_t of this recomputation is compared with the lab's own (`state_error`, about 1e-7).

Rows of a batch are independent sequences, so row b's h_t depends on row b's inputs only. To
get every row of the Jacobian from one backward pass, each batch row is repeated once per unit
of h, and the backward pass starts from unit u in copy u: the gradient of copy u with respect
to its own inputs is row u of that Jacobian. Units are split into several passes when the tape
would otherwise keep too much (about t x rows x gate width numbers, TAPE_BYTES).

Short runs are eager calls; longer ones the same function compiled with tf.function (traced
once per cell, about a second), as stepper.py does for the steps themselves.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from tui_lab.config import GATE_BLOCKS
from tui_lab.core import checks, dropout, resources, tf_loader
from tui_lab.errors import LabError

COMPILED_MIN_STEPS = 48  # below this, eager calls cost less than tracing the compiled loop
TAPE_BYTES = 256 << 20  # what one pass's tape may keep; more units take more passes
TAPE_BYTES_PER_NUMBER = 16  # measured: ~4 float32 kept per gate column, row and step
_compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # cell -> tf.function


@dataclass(frozen=True)
class Sensitivity:
    """||dh_t/dx_k||_F for the state after step t (1-based, as the lab counts steps) and
    every input read up to it, k = 0..t-1 in processing order (k: the (k+1)-th step's input).
    Every array is read-only."""

    t: int
    norms: np.ndarray  # (batch, t) float64: row b's ||d h_t[b] / d x_k[b]||_F
    positions: np.ndarray  # (t,) the padded position the (k+1)-th step read
    words: tuple[tuple[str | None, ...], ...] | None  # (batch, t) the word read; None at padding
    ids: np.ndarray | None  # (batch, t) the padded id read (None: raw vectors)
    skipped: np.ndarray  # (batch, t) True where mask_padding skipped the step (its norm is 0)
    edits: tuple  # the lab's state edits (core.edits.Edit); after step s they cut earlier k
    state_error: float  # max |h_t recomputed under the tape - the lab's h_t|
    cell: str
    go_backwards: bool
    history_id: int  # the lab's History these numbers belong to (see Snapshot.history_id)

    @property
    def batch_size(self) -> int:
        return self.norms.shape[0]

    def edited_after(self, k: int) -> bool:
        """Some state was edited right after the (k+1)-th step."""
        return any(edit.step == k + 1 for edit in self.edits)


def tape_rows(t: int, batch: int, units: int, cell: str) -> int:
    """Units differentiated per backward pass (each is a copy of the batch on the tape)."""
    per_row = max(1, t) * GATE_BLOCKS[cell] * units * TAPE_BYTES_PER_NUMBER
    return max(1, min(units, TAPE_BYTES // (per_row * batch)))


def check_memory(t: int, batch: int, units: int, cell: str) -> None:
    """LabError if even one unit per pass would need more than half this machine's memory."""
    needed = max(1, t) * batch * GATE_BLOCKS[cell] * units * TAPE_BYTES_PER_NUMBER
    resources.check(needed, f"the sensitivity of h_{t} ({t:,} steps x batch {batch})")


def edit_arrays(edits, t: int, batch: int, units: int, lstm: bool):
    """(mask, value), each (t, batch, units * states): where the edits made after steps 1..t
    set a unit of [h | c], applied in the order made (a later edit of the same unit wins, as
    core.edits.apply does). Edits after step 0 are in the initial state already."""
    width = units * (2 if lstm else 1)
    mask = np.zeros((t, batch, width), bool)
    value = np.zeros((t, batch, width), np.float32)
    for edit in edits:
        if 1 <= edit.step <= t:
            column = edit.unit + (units if edit.state == "c" else 0)
            rows = slice(None) if edit.row is None else edit.row
            mask[edit.step - 1, rows, column] = True
            value[edit.step - 1, rows, column] = edit.value
    return mask, value


def _backprop(cell, xs, states, seed, keep=None, edit=None):
    """d sum(h_t * seed) / d xs, and h_t: the cell stepped over xs (t, R, D) from `states`
    (a list of (R, units)); seed (R, units) picks the unit each row's backward pass starts
    from. keep (t, R): true where a row's step is skipped (its state carried); edit: (mask,
    value), each (t, R, units * states), the units of [h | c] set after each step."""
    tf = tf_loader.tensorflow()
    with tf.GradientTape() as tape:
        tape.watch(xs)
        count = tf.shape(xs)[0]
        inputs = tf.TensorArray(tf.float32, size=count).unstack(xs)
        if keep is not None:
            kept = tf.TensorArray(tf.bool, size=count).unstack(keep)
        if edit is not None:
            masks = tf.TensorArray(tf.bool, size=count).unstack(edit[0])
            values = tf.TensorArray(tf.float32, size=count).unstack(edit[1])
        n = len(states)
        for k in tf.range(count):
            _, new = cell(inputs.read(k), states, training=False)
            if keep is not None:
                carry = kept.read(k)[:, tf.newaxis]
                new = [tf.where(carry, old, s) for old, s in zip(states, new)]
            if edit is not None:
                joined = tf.where(masks.read(k), values.read(k), tf.concat(new, 1))
                new = tf.split(joined, n, axis=1)
            states = list(new)
        loss = tf.reduce_sum(states[0] * seed)
    return tape.gradient(loss, xs), states[0]


def _compiled_backprop(cell, input_dim: int, units: int, n_states: int, masked: bool,
                       edited: bool):
    """_backprop for this cell in a tf.function (traced once per cell object and variant)."""
    key = (input_dim, units, n_states, masked, edited)
    functions = _compiled.setdefault(cell, {})
    if key not in functions:
        tf = tf_loader.tensorflow()
        spec = tf.TensorSpec
        width = units * n_states
        signature = ([spec([None, None, input_dim], tf.float32),
                      [spec([None, units], tf.float32)] * n_states, spec([None, units], tf.float32)]
                     + [spec([None, None], tf.bool)] * masked
                     + [spec([None, None, width], tf.bool), spec([None, None, width], tf.float32)]
                     * edited)
        cell_ref = weakref.ref(cell)  # (a strong one would keep the cache's key alive)

        def run(xs, states, seed, *rest):
            keep = rest[0] if masked else None
            edit = tuple(rest[-2:]) if edited else None
            return _backprop(cell_ref(), xs, states, seed, keep, edit)

        functions[key] = tf.function(run, input_signature=signature)
    return functions[key]


def jacobian_norms(cell, xs: np.ndarray, keep: np.ndarray, h0: np.ndarray,
                   c0: np.ndarray | None, edit_mask: np.ndarray, edit_value: np.ndarray,
                   cell_kind: str, compiled: bool | None = None):
    """(norms (B, t) float64, h_t (B, units)) for xs (t, B, D) in processing order, keep
    (t, B) true where a row's step is skipped, from (h0, c0) with the edits' arrays.
    compiled: through tf.function (None: for runs of COMPILED_MIN_STEPS or more)."""
    tf = tf_loader.tensorflow()
    t, batch, input_dim = xs.shape
    units = h0.shape[1]
    states0 = [h0] if c0 is None else [h0, c0]
    masked, edited = bool(keep.any()), bool(edit_mask.any())
    squares = np.zeros((t, batch), np.float64)
    h_t = None
    group = tape_rows(t, batch, units, cell_kind)
    if compiled or (compiled is None and t >= COMPILED_MIN_STEPS):
        backprop = _compiled_backprop(cell, input_dim, units, len(states0), masked, edited)
    else:
        def backprop(xs, states, seed, *rest):
            return _backprop(cell, xs, states, seed, rest[0] if masked else None,
                             tuple(rest[-2:]) if edited else None)
    for first in range(0, units, group):
        g = min(group, units - first)
        # Copy j of row b is row b * g + j: it starts the backward pass from unit first + j.
        seed = np.zeros((batch * g, units), np.float32)
        seed[np.arange(batch * g), first + np.tile(np.arange(g), batch)] = 1.0
        repeat = lambda a, axis: tf.constant(np.repeat(a, g, axis=axis))  # noqa: E731
        extra = ([repeat(keep, 1)] if masked else []) + \
            ([repeat(edit_mask, 1), repeat(edit_value, 1)] if edited else [])
        grad, h = backprop(repeat(xs, 1), [repeat(s, 0) for s in states0], tf.constant(seed),
                           *extra)
        grad = np.asarray(grad, np.float64).reshape(t, batch, g, input_dim)
        squares += (grad ** 2).sum(axis=(2, 3))
        if h_t is None:
            h_t = np.asarray(h)[::g]
    return np.sqrt(squares).T, h_t


def _readonly(array):
    if array is not None:
        array.flags.writeable = False
    return array


class Reach:
    """Lab.sensitivity, mixed into Lab: it reads the Lab's history, batch, edits and cell."""

    def sensitivity(self, t: int | None = None, compiled: bool | None = None) -> Sensitivity:
        """||dh_t/dx_k||_F for the state after step t (the current step if None; 0..the
        sequence's length; steps not taken yet are computed, the cursor stays) and every
        k = 0..t-1 in processing order, for every batch row (see Sensitivity). t = 0: no
        input read yet, so the norms are empty (shape (batch, 0)). compiled: True runs the
        tape in a tf.function (traced once per cell, about a second; then a few ms a call,
        worth it when many calls follow); None: only for runs of COMPILED_MIN_STEPS or more."""
        self.build()
        t = self._cursor if t is None else checks.whole_number(t, "the step")
        if compiled is not None:
            compiled = checks.boolean(compiled, "compiled")
        history, batch, config = self._history, self._batch, self._config
        if not 0 <= t <= history.timesteps:
            raise LabError(f"step {t} is outside 0..{history.timesteps}")
        # The tape runs the lab's plain cell: the steps a clamp or dropout's masks made are
        # another cell's, whose gradients it would not give.
        if any(edit.kind == "clamp" and edit.step < t for edit in self._edits):
            raise LabError("a gate clamp steps a cell with other weights, which the reach does "
                           "not differentiate: undo the clamp (U) to see how far back h reaches")
        if dropout.active(config):
            raise LabError("with dropout in training the steps use masks the reach does not "
                           "apply: turn training off to see how far back h reaches")
        rows = batch.shape[0]
        check_memory(t, rows, config.units, config.cell)
        if history.computed < t:
            self._compute_until(t)
        order = history.order[:t]
        keep = (batch.pad_mask[:, order].T if config.mask_padding
                else np.zeros((t, rows), bool))
        norms, error = np.zeros((rows, 0)), 0.0
        if t:
            xs = np.ascontiguousarray(np.swapaxes(batch.x[:, order], 0, 1))
            h0, c0 = self._initial_states()
            mask, value = edit_arrays(self._edits, t, rows, config.units, c0 is not None)
            with self._runner.keras.held() as cell:
                norms, h_t = jacobian_norms(cell, xs, np.ascontiguousarray(keep), h0, c0,
                                            mask, value, config.cell, compiled)
            error = float(np.abs(h_t - history.h[t - 1]).max())
        words = ids = None
        if batch.rows is not None:
            words = tuple(tuple(row.tokens[i] if i >= 0 else None
                                for i in row.token_at[order].tolist()) for row in batch.rows)
            ids = np.stack([row.padded[order] for row in batch.rows])
        return Sensitivity(t, _readonly(norms), _readonly(order.copy()), words,
                           _readonly(ids), _readonly(np.ascontiguousarray(keep.T)),
                           self._edits, error, config.cell, config.go_backwards, history.id)


def every_step(lab, t: int, progress=None) -> np.ndarray:
    """(t, batch, t) float64: [k, b, j] = ||dh_(k+1)[b] / dx_j[b]||_F for steps k, j = 0..t-1
    in processing order (the trace's `sensitivity`); 0 where j > k: a state cannot depend on
    an input read after it. One backward pass per step, each as long as the steps before
    it, so the work grows with t squared: progress(done, t) after each step."""
    rows = lab.snapshot(layer=False).batch_size
    table = np.zeros((t, rows, t), np.float64)
    for k in range(t):
        table[k, :, :k + 1] = lab.sensitivity(k + 1).norms
        if progress is not None:
            progress(k + 1, t)
    return table
