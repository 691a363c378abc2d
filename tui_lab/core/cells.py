"""Keras cells and layers built with the lab's weights, and the weights themselves (their
files: weight_files.py).

Weights are plain numpy in Keras layout ([kernel, recurrent_kernel, bias]; LSTM columns
[i|f|g|o], GRU [z|r|h~], as Keras' LSTMCell and GRUCell lay them out): the cell
stepped one timestep at a time, the full layer used as the cross-check and the numpy gate
equations all read the same arrays.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from tui_lab.core import equations as gates, tf_loader
from tui_lab.config import CELL_TITLES, LabConfig

KERAS_CELLS = {"simple_rnn": "SimpleRNNCell", "lstm": "LSTMCell", "gru": "GRUCell"}


@dataclass(frozen=True)
class Weights:
    """A recurrent cell's weights in Keras layout, plus the Embedding table for text input."""

    kernel: np.ndarray  # (input_dim, blocks*units)
    recurrent_kernel: np.ndarray  # (units, blocks*units)
    bias: np.ndarray | None  # (blocks*units,), GRU reset_after (2, 3*units); None: no bias
    embedding: np.ndarray | None = None  # (num_words, input_dim); None for raw vectors

    @property
    def units(self) -> int:
        return self.recurrent_kernel.shape[0]

    @property
    def input_dim(self) -> int:
        return self.kernel.shape[0]

    def cell_weights(self) -> list[np.ndarray]:
        arrays = [self.kernel, self.recurrent_kernel]
        return arrays if self.bias is None else arrays + [self.bias]


def _cell_kwargs(config: LabConfig) -> dict:
    kwargs = {"units": config.units, "use_bias": config.use_bias}
    if config.cell == "gru":
        kwargs["reset_after"] = config.reset_after
    return kwargs


def new_cell(config: LabConfig):
    return getattr(tf_loader.keras().layers, KERAS_CELLS[config.cell])(**_cell_kwargs(config))


def new_layer(config: LabConfig, input_dim: int, stateful_batch: int | None = None):
    """The full Keras layer (the cross-check), returning every output and the final state.
    With stateful_batch, a layer built with stateful=True for that fixed batch size (Keras'
    stateful layers need one): each call starts from the state the one before ended with."""
    keras = tf_loader.keras()
    layer = getattr(keras.layers, CELL_TITLES[config.cell])(
        return_sequences=True, return_state=True, go_backwards=config.go_backwards,
        stateful=stateful_batch is not None, zero_output_for_mask=config.zero_output_for_mask,
        **_cell_kwargs(config))
    layer.build((stateful_batch, None, input_dim))
    return layer


def seeded_weights(config: LabConfig, input_dim: int | None) -> Weights:
    """Keras' own initial weights, reproducible from config.seed.

    input_dim None means text input: an Embedding(num_words, embedding_dim) table is made too
    (Keras' default RandomUniform(-0.05, 0.05)) and the cell reads embedding_dim features.
    """
    keras = tf_loader.keras()
    init = keras.initializers
    seed = config.seed
    embedding = None
    if input_dim is None:
        input_dim = config.embedding_dim
        table = init.RandomUniform(-0.05, 0.05, seed=seed)((config.num_words, input_dim))
        embedding = np.asarray(table, dtype=np.float32)
    cell = getattr(keras.layers, KERAS_CELLS[config.cell])(
        kernel_initializer=init.GlorotUniform(seed=seed + 1),
        recurrent_initializer=init.Orthogonal(seed=seed + 2),
        **_cell_kwargs(config))
    cell.build((None, input_dim))
    arrays = [np.asarray(w, dtype=np.float32) for w in cell.get_weights()]
    return Weights(arrays[0], arrays[1], arrays[2] if config.use_bias else None, embedding)


class CellRunner:
    """One recurrent cell with the lab's weights: the Keras cell (compiled, shared by every
    lab whose cell has the same shape, see KerasCell) and the numpy equations on the same
    arrays. stepper.py decides which of the two produces the states."""

    def __init__(self, config: LabConfig, weights: Weights):
        self.config = config
        self.weights = weights
        self._step = gates.STEPS[config.cell]
        self._recurrent_bias = gates.recurrent_bias(config.cell, weights.bias, config.reset_after)

    @property
    def has_cell_state(self) -> bool:
        return self.config.cell == "lstm"

    @cached_property
    def keras(self) -> BoundCell:
        """The Keras cell and layer, holding these weights whenever they are called."""
        shape = CellShape(self.config.cell, self.weights.units, self.weights.input_dim,
                          self.weights.bias is not None,
                          self.config.reset_after if self.config.cell == "gru" else True)
        return BoundCell(keras_cell(shape), self.weights, self.config.go_backwards)

    def project(self, x: np.ndarray) -> np.ndarray:
        """x @ kernel + input bias for every timestep at once: (..., blocks*units)."""
        w = self.weights
        rows = x.reshape(-1, x.shape[-1])  # one matrix product, not one per leading index
        projected = gates.input_projection(self.config.cell, rows, w.kernel, w.bias,
                                           self.config.reset_after)
        return projected.reshape(x.shape[:-1] + projected.shape[-1:])

    def equations(self, xw: np.ndarray, h: np.ndarray, c: np.ndarray | None):
        """The numpy equations from the projected input, for any leading shape:
        (gates, h_t, c_t or None)."""
        lead = h.shape[:-1]
        flat = lambda a: None if a is None else a.reshape(-1, a.shape[-1])  # noqa: E731
        found, h_new, c_new = self._step(flat(xw), flat(h), flat(c),
                                         self.weights.recurrent_kernel, self._recurrent_bias,
                                         self.config.reset_after)
        back = lambda a: None if a is None else a.reshape(lead + a.shape[-1:])  # noqa: E731
        return {name: back(g) for name, g in found.items()}, back(h_new), back(c_new)

    def run_layer(self, x: np.ndarray, h0: np.ndarray, c0: np.ndarray | None,
                  mask: np.ndarray | None):
        """The full Keras layer on x (B, T, D): (sequence, [h] or [h, c]) as numpy."""
        return self.keras.run_layer(x, h0, c0, mask)


@dataclass(frozen=True)
class CellShape:
    """What a Keras cell's structure depends on (its weights' values aside)."""

    cell: str
    units: int
    input_dim: int
    use_bias: bool
    reset_after: bool

    def config(self) -> LabConfig:
        return LabConfig(cell=self.cell, units=self.units, use_bias=self.use_bias,
                         reset_after=self.reset_after)


class KerasCell:
    """A Keras cell object with its compiled functions, and the matching Keras layers.

    - step(x, states): one call `cell(x, states, training=False)` in a tf.function with a
      fixed input signature (batch None: any line or batch, one trace);
    - run(xs, keep, states): a compiled loop of the same call over the timesteps of xs,
      every state written to a TensorArray; where `keep` is True (a masked row) the state is
      carried, as Keras' masking does;
    - the layer (`keras.layers.LSTM(..., return_sequences=True, return_state=True)`),
      compiled, for the cross-check.
    Tracing costs a few hundred ms, so one KerasCell serves every lab with this shape:
    each call first assigns the caller's weights if another lab's are loaded (a few small
    variable assignments)."""

    def __init__(self, shape: CellShape):
        tf = tf_loader.tensorflow()
        self.shape = shape
        self.lock = threading.RLock()
        self.weights: Weights | None = None  # the weights the variables hold now
        self.cell = new_cell(shape.config())
        self.cell.build((None, shape.input_dim))
        count = 2 if shape.cell == "lstm" else 1
        x_spec = tf.TensorSpec([None, shape.input_dim], tf.float32)
        state_specs = [tf.TensorSpec([None, shape.units], tf.float32)] * count
        xs_spec = tf.TensorSpec([None, None, shape.input_dim], tf.float32)
        self.compiled_step = tf.function(self._step, input_signature=[x_spec, state_specs])
        self.compiled_run = tf.function(self._run, input_signature=[xs_spec, state_specs])
        self.compiled_masked_run = tf.function(self._masked_run, input_signature=[
            xs_spec, tf.TensorSpec([None, None], tf.bool), state_specs])
        self._layers: dict[bool, tuple] = {}  # go_backwards -> (layer, compiled call)
        self._constant = tf.constant

    @cached_property
    def _step_function(self):
        return graph_call(self.compiled_step.get_concrete_function())

    @cached_property
    def _run_function(self):
        return self.compiled_run.get_concrete_function()

    @cached_property
    def _masked_run_function(self):
        return self.compiled_masked_run.get_concrete_function()

    def step(self, x, states):
        """One compiled cell call on numpy arrays (float32)."""
        constant = self._constant
        return self._step_function(constant(x), [constant(s) for s in states])

    def run(self, xs, keep, states):
        """The compiled loop on numpy arrays (float32 inputs and states, bool keep)."""
        constant = self._constant
        states = [constant(s) for s in states]
        if keep.any():
            return self._masked_run_function(constant(xs), constant(keep), states)
        return self._run_function(constant(xs), states)

    def _step(self, x, states):
        _, new_states = self.cell(x, states, training=False)
        return list(new_states)

    def _run(self, xs, states):
        tf = tf_loader.tensorflow()
        count = tf.shape(xs)[0]
        # Read through a TensorArray, as Keras' own layer loop does (faster than xs[t]).
        inputs = tf.TensorArray(tf.float32, size=count).unstack(xs)
        written = [tf.TensorArray(tf.float32, size=count) for _ in states]
        for t in tf.range(count):
            _, states = self.cell(inputs.read(t), states, training=False)
            written = [array.write(t, state) for array, state in zip(written, states)]
        return [array.stack() for array in written]

    def _masked_run(self, xs, keep, states):
        tf = tf_loader.tensorflow()
        count = tf.shape(xs)[0]
        inputs = tf.TensorArray(tf.float32, size=count).unstack(xs)
        kept = tf.TensorArray(tf.bool, size=count).unstack(keep)
        written = [tf.TensorArray(tf.float32, size=count) for _ in states]
        for t in tf.range(count):
            _, new_states = self.cell(inputs.read(t), states, training=False)
            carry = kept.read(t)[:, tf.newaxis]
            states = [tf.where(carry, old, new) for old, new in zip(states, new_states)]
            written = [array.write(t, state) for array, state in zip(written, states)]
        return [array.stack() for array in written]

    def layer(self, go_backwards: bool):
        """(layer, compiled call) for this direction, made on first use."""
        if go_backwards not in self._layers:
            tf = tf_loader.tensorflow()
            config = self.shape.config().replace(go_backwards=go_backwards)
            layer = new_layer(config, self.shape.input_dim)

            # One trace per (masked or not); reduce_retracing keeps new lengths from retracing.
            @tf.function(reduce_retracing=True)
            def run(x, initial, mask):
                return layer(x, initial_state=initial, mask=mask, training=False)

            self._layers[go_backwards] = (layer, run)
            if self.weights is not None:
                layer.set_weights(self.weights.cell_weights())
        return self._layers[go_backwards]

    def hold(self, weights: Weights) -> None:
        """Load these weights into the cell and the layers unless they hold them already."""
        if self.weights is not weights:
            arrays = weights.cell_weights()
            self.cell.set_weights(arrays)
            for layer, _ in self._layers.values():
                layer.set_weights(arrays)
            self.weights = weights


def graph_call(concrete):
    """call(x, states) of a traced step: its graph, called with the flat list of tensors.

    Calling the tf.function matches the arguments against its traces, and calling the
    concrete function binds them to its signature again: together more than a third of a
    step's cost at the lab's sizes. `_call_flat(tensors, captured)` is the call both end in
    (TensorFlow's own, private); where a TensorFlow lacks it, the public call."""
    call_flat = getattr(concrete, "_call_flat", None)
    if call_flat is None:
        return concrete
    captured = concrete.captured_inputs  # the cell's variables: assigned, never replaced
    return lambda x, states: call_flat([x, *states], captured)


_CACHE: OrderedDict[CellShape, KerasCell] = OrderedDict()
_CACHE_SIZE = 8  # cell shapes kept compiled (a few MiB each)
_CACHE_LOCK = threading.Lock()


def keras_cell(shape: CellShape) -> KerasCell:
    """The compiled Keras cell for this shape (made, and traced on first call, once)."""
    with _CACHE_LOCK:
        if shape in _CACHE:
            _CACHE.move_to_end(shape)
        else:
            _CACHE[shape] = KerasCell(shape)
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
        return _CACHE[shape]


class BoundCell:
    """A KerasCell used with one lab's weights: every call holds the lock and those weights.
    Inputs and results are float32 numpy arrays."""

    def __init__(self, keras: KerasCell, weights: Weights, go_backwards: bool):
        self._keras, self._weights, self._go_backwards = keras, weights, go_backwards

    @property
    def cell(self):
        """The Keras cell object itself, holding these weights (until another lab with a cell
        of the same shape calls it)."""
        with self._keras.lock:
            self._keras.hold(self._weights)
        return self._keras.cell

    @contextmanager
    def held(self):
        """The Keras cell object holding these weights for as long as the block runs (the
        lock is held: no other lab's weights are loaded into it meanwhile)."""
        with self._keras.lock:
            self._keras.hold(self._weights)
            yield self._keras.cell

    def _states(self, h, c) -> list:
        return [h, c] if self._keras.shape.cell == "lstm" else [h]

    @staticmethod
    def _split(states):
        h = np.asarray(states[0])
        return h, (np.asarray(states[1]) if len(states) > 1 else None)

    def step(self, x: np.ndarray, h: np.ndarray, c: np.ndarray | None):
        """One compiled cell call: (h_t, c_t or None), each (B, units)."""
        with self._keras.lock:
            self._keras.hold(self._weights)
            return self._split(self._keras.step(x, self._states(h, c)))

    def run(self, xs: np.ndarray, keep: np.ndarray, h: np.ndarray, c: np.ndarray | None):
        """The compiled loop over xs (T, B, D): the states after each step, (T, B, units)."""
        with self._keras.lock:
            self._keras.hold(self._weights)
            return self._split(self._keras.run(xs, keep, self._states(h, c)))

    def step_many(self, xs: np.ndarray, h: np.ndarray, c: np.ndarray | None):
        """The cell on n steps at once, each from its own given state: (n, B, D) inputs and
        (n, B, units) states go in as one batch of n*B rows (one compiled call)."""
        n, batch = xs.shape[:2]
        rows = lambda a: None if a is None else a.reshape(n * batch, a.shape[-1])  # noqa: E731
        h_new, c_new = self.step(rows(xs), rows(h), rows(c))
        back = lambda a: None if a is None else a.reshape(n, batch, -1)  # noqa: E731
        return back(h_new), back(c_new)

    def run_layer(self, x: np.ndarray, h0: np.ndarray, c0: np.ndarray | None,
                  mask: np.ndarray | None):
        """The full Keras layer on x (B, T, D): (sequence, [h] or [h, c]) as numpy."""
        with self._keras.lock:
            _, run = self._keras.layer(self._go_backwards)
            self._keras.hold(self._weights)
            outputs = run(x, self._states(h0, c0), mask)
        sequence, *states = (np.asarray(o) for o in outputs)
        return sequence, states
