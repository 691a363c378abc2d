"""Random sequences of Lab operations keep the lab's invariants (hypothesis).

Written against the public API only (Lab methods, Snapshot fields), so it holds whatever
engine computes the steps:
- step then back gives the picture before the step, and stepping again the same states;
- seek(t) equals t single steps of a fresh lab with the same settings, input and state;
- the stepped outputs and final states equal a Keras layer built from snapshot.weights (the
  Embedding too, as test_equivalence.py does), to 1e-5, after any sequence;
- an operation refused with LabError leaves the snapshot exactly as it was; nothing else
  but LabError is ever raised.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui_lab import Lab, LabConfig, LabError

from keras_layers import keras_layer

TOL = 1e-5

operations = st.one_of(
    st.tuples(st.sampled_from(["step", "back", "reset", "run_to_end"])),
    st.tuples(st.just("seek"), st.one_of(st.integers(-1, 9), st.sampled_from([2.0, None, "3"]))),
    st.tuples(st.just("select_lines"), st.one_of(
        st.integers(0, 22), st.lists(st.integers(1, 21), min_size=1, max_size=3),
        st.sampled_from([None, 2.0, "2", [], [1, None]]))),
    st.tuples(st.just("configure"), st.fixed_dictionaries({}, optional={
        "cell": st.sampled_from(["simple_rnn", "lstm", "gru", "transformer"]),
        "units": st.sampled_from([2, 3, np.int64(3), 0, 5.0, "4"]),
        "go_backwards": st.sampled_from([True, False, 1]),
        "mask_padding": st.sampled_from([True, False, "no"]),
        "engine": st.sampled_from(["keras", "numpy"])})),
    st.tuples(st.just("reseed"), st.one_of(st.none(), st.integers(0, 5), st.sampled_from([-1, 1.5]))),
    st.tuples(st.just("type_sentence"), st.sampled_from(
        ["the great pretender", "oh yes i'm lonely", "zzz qqq", "?!", "", 3])),
    st.tuples(st.just("set_initial_state"), st.sampled_from(
        ["one row", "per row", "h only", "clear", "wrong units", "unlike rows", "too many rows",
         "nan", "text"]), st.integers(0, 2**16)),
)


def picture(snapshot):
    """Everything a refused operation must leave as it was."""
    arrays = [snapshot.h, snapshot.output, snapshot.h0, snapshot.batch.x]
    arrays += [snapshot.c, snapshot.c0] if snapshot.c is not None else []
    return (snapshot.config, snapshot.t, snapshot.selection, snapshot.sentence,
            snapshot.initial_state_given, [a.tolist() for a in arrays])


def initial_state(kind: str, seed: int, snapshot):
    """(h, c) arguments of set_initial_state: good ones and bad ones."""
    rng = np.random.default_rng(seed)
    rows, units = snapshot.batch_size, snapshot.units

    def state(n, u=units):
        return rng.uniform(-1, 1, size=(n, u)).astype(np.float32)

    return {
        "one row": (state(1), state(1)),
        "per row": (state(rows), state(rows)),
        "h only": (state(rows), None),
        "clear": (None, None),
        "wrong units": (state(1, units + 1), None),
        "unlike rows": (state(rows), state(rows + 1)),
        "too many rows": (state(rows + 1), state(rows + 1)),
        "nan": (np.full((1, units), np.nan), None),
        "text": ("h", None),
    }[kind]


def apply(lab, operation):
    """Do one operation; returns its result. Every invariant that needs the state just
    before or after the operation is checked here."""
    name, *args = operation
    before = picture(lab.snapshot())
    if name == "set_initial_state":
        args = initial_state(args[0], args[1], lab.snapshot())
    try:
        if name == "configure":
            result = lab.configure(**args[0])
        else:
            result = getattr(lab, name)(*args)
    except LabError:
        assert picture(lab.snapshot()) == before, operation
        return "refused"
    snapshot = lab.snapshot()
    assert snapshot.t == lab.t and snapshot.h.shape == (lab.t, snapshot.batch_size, snapshot.units)
    if name == "step" and result:
        after = picture(snapshot)
        assert snapshot.t == before[1] + 1
        assert lab.back() and picture(lab.snapshot()) == before  # back undoes step
        assert lab.step() and picture(lab.snapshot()) == after  # and the replay is the same
    elif name == "step":
        assert snapshot.at_end and picture(snapshot) == before
    elif name == "back" and not result:
        assert before[1] == 0 and picture(snapshot) == before
    elif name == "seek":
        assert snapshot.t == args[0]
        same_as_single_steps(snapshot)
    elif name == "reset":
        assert snapshot.t == 0
    return result


def same_as_single_steps(snapshot):
    """seek(t) equals t steps from the start of a new lab with the same settings and input."""
    twin = Lab(snapshot.config)
    if snapshot.sentence is not None:
        twin.type_sentence(snapshot.sentence)
    else:
        twin.select_lines(list(snapshot.selection))
    if snapshot.initial_state_given:
        twin.set_initial_state(np.array(snapshot.h0), None if snapshot.c0 is None else np.array(snapshot.c0))
    for _ in range(snapshot.t):
        assert twin.step()
    other = twin.snapshot()
    np.testing.assert_allclose(other.h, snapshot.h, atol=1e-6)
    np.testing.assert_allclose(other.output, snapshot.output, atol=1e-6)
    if snapshot.c is not None:
        np.testing.assert_allclose(other.c, snapshot.c, atol=1e-6)


def keras_layer_outputs(keras, snapshot):
    """Embedding -> <Cell>(return_sequences, return_state) with the lab's weights, its
    initial state and (for mask_padding) the padding mask, as Keras computes them."""
    config = snapshot.config
    layer = keras_layer(keras, config, snapshot.weights)
    padded = np.stack([row.padded for row in snapshot.batch.rows])
    embedding = keras.layers.Embedding(config.num_words, config.embedding_dim)
    embedding.build(padded.shape)
    embedding.set_weights([snapshot.weights.embedding])
    initial = [np.array(snapshot.h0)] + ([np.array(snapshot.c0)] if config.cell == "lstm" else [])
    mask = (padded != 0) if config.mask_padding else None
    outputs = layer(np.asarray(embedding(padded)), initial_state=initial, mask=mask)
    return [np.asarray(o) for o in outputs]


def check_against_keras(keras, lab):
    snapshot = lab.snapshot()
    sequence, *states = keras_layer_outputs(keras, snapshot)
    steps = np.swapaxes(sequence, 0, 1)  # processing order, (T, B, units)
    np.testing.assert_allclose(snapshot.output, steps[:snapshot.t], atol=TOL)
    lab.run_to_end()
    snapshot = lab.snapshot()
    np.testing.assert_allclose(snapshot.output, steps, atol=TOL)
    np.testing.assert_allclose(snapshot.h[-1], states[0], atol=TOL)
    if snapshot.config.cell == "lstm":
        np.testing.assert_allclose(snapshot.c[-1], states[1], atol=TOL)
    assert snapshot.max_abs_error < TOL


def run_operations(keras, sequence):
    lab = Lab(LabConfig(units=3))
    lab.build()
    for operation in sequence:
        apply(lab, operation)
    check_against_keras(keras, lab)


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(sequence=st.lists(operations, min_size=1, max_size=8))
def test_random_operations_keep_the_invariants(keras, sequence):
    """A fixed set of 40 examples (derandomized, so CI sees the same ones every run)."""
    run_operations(keras, sequence)


@pytest.mark.slow
@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(sequence=st.lists(operations, min_size=1, max_size=14))
def test_random_operations_keep_the_invariants_at_length(keras, sequence):
    """More and longer sequences, new ones every run: python -m pytest -m slow."""
    run_operations(keras, sequence)
