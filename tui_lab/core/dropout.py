"""Dropout in training (LabConfig.training with dropout or recurrent_dropout > 0).

How Keras 3 does it (keras/src/layers/rnn/dropout_rnn_cell.py and the cells): a cell made
with `dropout=p, recurrent_dropout=q, seed=s` draws its masks from its SeedGenerator(s) the
first time it is asked for them, ONE mask per sequence (one row per batch row), reused at
every timestep until the layer's call ends (reset_dropout_mask). A layer draws them before
its loop: first the input mask (from x_0's shape), then the recurrent one (from h_0's). A
mask holds 0 (dropped) or 1/(1-p) (kept, scaled so the expected sum is unchanged). LSTMCell
and GRUCell with recurrent_dropout > 0 switch to implementation 1 and draw one mask per gate
(4 or 3) for the input and for h; otherwise the input has one mask for all gates. With
training off Keras applies no mask at all, whatever p is.

The lab does the same with a fresh Keras cell per input (DropoutCell): its masks are those
a fresh `keras.layers.<Cell>(dropout=p, recurrent_dropout=q, seed=s)` draws on its first
call with training=True, and that layer is the cross-check. The compiled cell of the
default path is never used here (it is traced with training=False): this path calls the
cell object eagerly, which is slower, and only runs when dropout is on in training. The
numpy equations below apply the same masks, gate by gate, and are checked against the cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tui_lab.config import CELL_TITLES, GATE_NAMES, LabConfig
from tui_lab.core import equations, stepper, tf_loader
from tui_lab.core.cells import KERAS_CELLS

GATE_LETTERS = {"simple_rnn": ("h",), "lstm": ("i", "f", "g", "o"), "gru": ("z", "r", "h~")}


def active(config: LabConfig) -> bool:
    """Whether Keras would apply masks: training on and some dropout."""
    return config.training and (config.dropout > 0 or config.recurrent_dropout > 0)


def _keras_kwargs(config: LabConfig) -> dict:
    kwargs = {"units": config.units, "use_bias": config.use_bias, "dropout": config.dropout,
              "recurrent_dropout": config.recurrent_dropout, "seed": config.seed}
    if config.cell == "gru":
        kwargs["reset_after"] = config.reset_after
    return kwargs


@dataclass(frozen=True)
class Masks:
    """The masks of one input, as Keras drew them: (gates, batch, size) arrays of 0 and
    1/(1-p); one gate row when the cell uses a single mask for all of its gates."""

    input: np.ndarray | None  # (1 or blocks, B, features); None without dropout
    recurrent: np.ndarray | None  # (1 or blocks, B, units); None without recurrent_dropout
    dropout: float
    recurrent_dropout: float
    seed: int
    gates: tuple[str, ...]  # the letters of the gates the rows belong to

    @staticmethod
    def rows_of(mask) -> np.ndarray | None:
        if mask is None:
            return None
        masks = mask if isinstance(mask, (list, tuple)) else [mask]
        return np.stack([np.asarray(m, np.float32) for m in masks])


class DropoutCell:
    """A fresh Keras cell with the lab's weights, dropout and seed, called with training=True;
    its masks are drawn once for a batch of `rows` rows, as a layer draws them."""

    def __init__(self, config: LabConfig, weights, rows: int):
        tf = tf_loader.tensorflow()
        self.config, self.weights, self.rows = config, weights, rows
        self.cell = getattr(tf_loader.keras().layers, KERAS_CELLS[config.cell])(
            **_keras_kwargs(config))
        self.cell.build((None, weights.input_dim))
        self.cell.set_weights(weights.cell_weights())
        # In the layer's order: the input mask first, then the recurrent one.
        x0 = tf.zeros((rows, weights.input_dim), tf.float32)
        h0 = tf.zeros((rows, config.units), tf.float32)
        letters = GATE_LETTERS[config.cell]
        self.masks = Masks(Masks.rows_of(self.cell.get_dropout_mask(x0)),
                           Masks.rows_of(self.cell.get_recurrent_dropout_mask(h0)),
                           config.dropout, config.recurrent_dropout, config.seed, letters)
        self._constant = tf.constant

    def step(self, x, h, c):
        """One eager call cell(x, states, training=True), the cached masks applied."""
        constant = self._constant
        states = [constant(h)] + ([constant(c)] if c is not None else [])
        _, new = self.cell(constant(x), states, training=True)
        return np.asarray(new[0]), (np.asarray(new[1]) if c is not None else None)

    def run_layer(self, x, h0, c0, mask):
        """A fresh keras.layers.<Cell>(dropout, recurrent_dropout, seed, return_sequences,
        return_state) with these weights on x (B, T, D), training=True: its own masks."""
        config = self.config
        layer = getattr(tf_loader.keras().layers, CELL_TITLES[config.cell])(
            return_sequences=True, return_state=True, go_backwards=config.go_backwards,
            **_keras_kwargs(config))
        layer.build((None, None, self.weights.input_dim))
        layer.set_weights(self.weights.cell_weights())
        initial = [h0, c0] if c0 is not None else [h0]
        outputs = layer(x, initial_state=initial, mask=mask, training=True)
        sequence, *states = (np.asarray(o) for o in outputs)
        return sequence, states

    # ----- the numpy equations with the masks -------------------------------------------------
    def equations(self, x, h, c):
        """One step of the cell's equations, each gate from its own masked x and h, as the
        Keras cell computes them: (gates, h_t, c_t or None)."""
        config, w = self.config, self.weights
        units = config.units
        gru_after = config.cell == "gru" and config.reset_after
        bias = w.bias
        input_bias = None if bias is None else (bias[0] if gru_after else bias)
        recurrent_bias = equations.recurrent_bias(config.cell, bias, config.reset_after)

        def block(g):
            return slice(g * units, (g + 1) * units)

        def x_part(g):  # (x * input mask of gate g) @ kernel_g + input bias_g
            mask = self.masks.input
            xg = x if mask is None else x * mask[g if len(mask) > 1 else 0]
            part = xg @ w.kernel[:, block(g)]
            return part if input_bias is None else part + input_bias[block(g)]

        def h_masked(g):  # h * recurrent mask of gate g
            mask = self.masks.recurrent
            return h if mask is None else h * mask[g if len(mask) > 1 else 0]

        def h_part(g):
            part = h_masked(g) @ w.recurrent_kernel[:, block(g)]
            return part if recurrent_bias is None else part + recurrent_bias[block(g)]

        sigmoid = equations.sigmoid
        if config.cell == "simple_rnn":
            pre = x_part(0) + h_part(0)
            return {"preactivation": pre}, np.tanh(pre), None
        if config.cell == "lstm":
            i = sigmoid(x_part(0) + h_part(0))  # input gate
            f = sigmoid(x_part(1) + h_part(1))  # forget gate
            g = np.tanh(x_part(2) + h_part(2))  # candidate
            o = sigmoid(x_part(3) + h_part(3))  # output gate
            c_new = f * c + i * g  # c_{t-1} itself is never masked
            return {"input": i, "forget": f, "candidate": g, "output": o}, o * np.tanh(c_new), c_new
        z = sigmoid(x_part(0) + h_part(0))  # update gate
        r = sigmoid(x_part(1) + h_part(1))  # reset gate
        if config.reset_after:
            candidate = np.tanh(x_part(2) + r * h_part(2))
        else:
            candidate = np.tanh(x_part(2) + (r * h_masked(2)) @ w.recurrent_kernel[:, block(2)])
        # the kept part of the state is the unmasked h_{t-1}, as in Keras
        return {"update": z, "reset": r, "candidate": candidate}, z * h + (1 - z) * candidate, None

    def compute(self, engine: str, xs, keep, h, c) -> stepper.Steps:
        """stepper.compute with the masks: the cell (engine keras) or the equations (numpy)
        make the states, the other one checks them step by step from the same states."""
        names = GATE_NAMES[self.config.cell]
        hs, cs, checks, gate_steps = [], [], [], []
        for x, kept in zip(xs, keep):
            gates, h_eq, c_eq = self.equations(x, h, c)
            h_cell, c_cell = self.step(x, h, c)
            error = np.abs(h_eq - h_cell)
            if c is not None:
                error = np.maximum(error, np.abs(c_eq - c_cell))
            checks.append(float(np.where(kept[:, None], 0, error).max()))
            h_new, c_new = (h_cell, c_cell) if engine == "keras" else (h_eq, c_eq)
            if kept.any():  # masked rows carry their state, as Keras' mask does
                h_new = np.where(kept[:, None], h, h_new)
                c_new = np.where(kept[:, None], c, c_new) if c is not None else None
                gates = {n: np.where(kept[:, None], np.float32(np.nan), g) for n, g in gates.items()}
            h, c = h_new.astype(np.float32), (c_new.astype(np.float32) if c is not None else None)
            hs.append(h)
            cs.append(c)
            gate_steps.append(gates)
        gates = {n: np.stack([g[n] for g in gate_steps]).astype(np.float32) for n in names}
        return stepper.Steps(np.stack(hs), np.stack(cs) if c is not None else None, gates,
                             np.asarray(checks, np.float32))


class DropoutOperations:
    """Lab's dropout (mixed into Lab): the DropoutCell of the input being stepped, made
    when first needed and kept while the weights, settings and batch stay the same (an
    edit of a state keeps the masks: it is the same sequence)."""

    _dropout: DropoutCell | None = None

    def _dropout_cell(self) -> DropoutCell | None:
        if not active(self._config):
            return None
        cell = self._dropout
        if cell is None or cell.config != self._config or cell.weights is not self._runner.weights \
                or cell.rows != self._batch.shape[0]:  # same rows: the masks a fresh cell draws
            cell = self._dropout = DropoutCell(self._config, self._runner.weights,
                                               self._batch.shape[0])
        return cell

    @property
    def dropout_masks(self) -> Masks | None:
        """The masks applied at every step of this input (None with training off or no
        dropout: Keras then applies none)."""
        self.build()
        cell = self._dropout_cell()
        return cell.masks if cell is not None else None
