"""Every gate the lab shows is the gate Keras itself computes.

The h and c the lab shows are the Keras cell's own outputs, but Keras does not return its
gates: the lab computes them with numpy from the same weights. Checking those against the
lab's own equations cannot catch a gate that is computed right and shown under the wrong name
(input and forget swapped with dropout on) or transformed (1 - r shown as the reset gate).
Here Keras records them: a Keras cell of the lab's class, with the lab's weights, dropout and
seed, has its `activation` and `recurrent_activation` wrapped, so each call records the very
tensors its own call() computes, in the order keras/src/layers/rnn/lstm.py and gru.py apply
them:

    LSTMCell.call: recurrent_activation(i), recurrent_activation(f), activation(candidate),
                   recurrent_activation(o), then activation(c) for h = o * tanh(c)
    GRUCell.call:  recurrent_activation(z), recurrent_activation(r), activation(hh)

(the same order in implementation 1, which LSTMCell and GRUCell use with recurrent_dropout,
and in implementation 2). The cell runs inside `keras.layers.RNN(cell, unroll=True)` on the
lab's x: the layer draws the dropout masks as every Keras recurrent layer does (input, then
recurrent, before its loop: core/dropout.py), and unrolled, each step is an eager call whose
tensors can be read. Every gate the lab shows (snapshot.gates, in processing order) must equal
the record of its step to 1e-5.
"""

import numpy as np
import pytest

from tui_lab import Lab, LabConfig
from tui_lab.core.cells import KERAS_CELLS

TOL = 1e-5
# The lab's gate names in the order the Keras cell applies each activation in one call.
RECORD_ORDER = {
    "lstm": (("recurrent", "input"), ("recurrent", "forget"), ("activation", "candidate"),
             ("recurrent", "output"), ("activation", None)),  # None: tanh(c), not a gate
    "gru": (("recurrent", "update"), ("recurrent", "reset"), ("activation", "candidate")),
}


class Recorded:
    """Wraps a cell's activation and recurrent_activation: each call's output is kept, in
    call order, with which of the two made it."""

    def __init__(self, cell):
        self.calls: list[tuple[str, np.ndarray]] = []
        for attribute, kind in (("activation", "activation"),
                                ("recurrent_activation", "recurrent")):
            setattr(cell, attribute, self._wrapped(getattr(cell, attribute), kind))

    def _wrapped(self, function, kind):
        def recording(x):
            y = function(x)
            self.calls.append((kind, np.asarray(y)))
            return y

        return recording

    def gates(self, cell: str, steps: int) -> dict[str, np.ndarray]:
        """(steps, batch, units) per gate name, from the calls of `steps` cell calls."""
        order = RECORD_ORDER[cell]
        assert len(self.calls) == steps * len(order), (len(self.calls), steps)
        found: dict[str, list] = {name: [] for _, name in order if name}
        for k, (kind, value) in enumerate(self.calls):
            expected_kind, name = order[k % len(order)]
            assert kind == expected_kind, (k, kind)
            if name:
                found[name].append(value)
        return {name: np.stack(values) for name, values in found.items()}


def keras_gates(keras, lab: Lab):
    """The gates Keras computes on the lab's input, and its h (steps, batch, units) in
    processing order, from a Keras cell like the lab's, inside keras.layers.RNN."""
    snapshot = lab.snapshot()
    config = snapshot.config
    kwargs = {"reset_after": config.reset_after} if config.cell == "gru" else {}
    cell = getattr(keras.layers, KERAS_CELLS[config.cell])(
        config.units, use_bias=config.use_bias, dropout=config.dropout,
        recurrent_dropout=config.recurrent_dropout, seed=config.seed, **kwargs)
    x = snapshot.batch.x
    layer = keras.layers.RNN(cell, return_sequences=True, go_backwards=config.go_backwards,
                             unroll=True)
    layer.build((None, x.shape[1], x.shape[2]))
    cell.set_weights(snapshot.weights.cell_weights())
    recorded = Recorded(cell)  # after building: only the real call is recorded
    sequence = np.asarray(layer(x, training=config.training))
    return recorded.gates(config.cell, x.shape[1]), np.swapaxes(sequence, 0, 1)


CASES = [
    # cell, settings: dropout on (training, both rates, seed) and off, go_backwards
    ("lstm", {}),
    ("lstm", {"go_backwards": True}),
    ("lstm", {"training": True, "dropout": 0.3, "recurrent_dropout": 0.4, "seed": 3}),
    ("lstm", {"training": True, "dropout": 0.5, "seed": 1, "go_backwards": True}),
    ("lstm", {"training": True, "recurrent_dropout": 0.25, "seed": 2, "use_bias": False}),
    ("gru", {}),
    ("gru", {"reset_after": False}),
    ("gru", {"go_backwards": True, "reset_after": False}),
    ("gru", {"training": True, "dropout": 0.3, "recurrent_dropout": 0.4, "seed": 3}),
    ("gru", {"training": True, "dropout": 0.2, "recurrent_dropout": 0.5, "seed": 5,
             "reset_after": False, "go_backwards": True}),
    ("gru", {"training": True, "dropout": 0.4, "seed": 4, "use_bias": False}),
]


@pytest.mark.parametrize("engine", ["keras", "numpy"])
@pytest.mark.parametrize("cell, settings", CASES)
def test_every_gate_shown_is_the_one_keras_computes(keras, cell, settings, engine):
    lab = Lab(LabConfig(cell=cell, units=5, embedding_dim=3, maxlen=6, engine=engine,
                        **settings))
    lab.select_lines([1, 7, 21])  # a batch: each row has its own dropout masks
    lab.run_to_end()
    snapshot = lab.snapshot()
    gates, h = keras_gates(keras, lab)
    assert np.abs(snapshot.h - h).max() < TOL  # the same run (and the same masks)
    assert set(snapshot.gates) == set(gates)
    for name, expected in gates.items():
        shown = snapshot.gates[name]
        assert shown.shape == expected.shape, name
        assert np.abs(shown - expected).max() < TOL, (name, np.abs(shown - expected).max())
    if settings.get("training"):  # masks were drawn and applied
        assert lab.dropout_masks is not None

