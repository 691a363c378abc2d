"""State edits, gate clamps, undo and the what-if with a trained model open (ModelLab): an
edit followed by steps equals the model's own Keras LSTM cell stepped by hand from the edited
state, its own Dense head on that gives the next-word distribution, and the what-if's
next-word columns are those distributions (edited vs unedited) compared. Edits where the
head cannot read the stepped output (a Bidirectional layer, a layer below another recurrent
one) are clear LabErrors."""

import numpy as np
import pytest

from tui_lab import LabError
from tui_lab.core.trace import full_snapshot, trace_dict
from tui_lab.trained.lab import ModelLab, open_model_lab
from tui_lab.trained.layer_run import padded_ids
from tui_lab.trained.loading import open_model


@pytest.fixture(scope="module")
def model(keras):
    return open_model()  # the shipped lyrics model: Embedding, LSTM(32), Dense softmax


def keras_run(model, ids, edit=None):
    """h, c (T, B, units) and the next-word probabilities (T, B, vocabulary): the model's own
    LSTM cell called step by step, cell(x_t, [h, c]), then its own Dense head. edit:
    (step, state, unit, value), written into the state after that step (0: the initial)."""
    keras_model = model.model
    x = np.asarray(keras_model.get_layer("embedding")(ids))
    cell = keras_model.get_layer("lstm").cell
    dense = keras_model.get_layer("next_word")
    batch, units = ids.shape[0], cell.units
    h, c = np.zeros((batch, units), np.float32), np.zeros((batch, units), np.float32)

    def edited(step, h, c):
        if edit is not None and edit[0] == step:
            (h if edit[1] == "h" else c)[:, edit[2]] = edit[3]
        return h, c

    h, c = edited(0, h, c)
    hs, cs = [], []
    for k in range(ids.shape[1]):
        _, (h, c) = cell(x[:, k], [h, c])
        h, c = edited(k + 1, np.array(h), np.array(c))
        hs.append(h)
        cs.append(c)
    hs, cs = np.stack(hs), np.stack(cs)
    p = np.asarray(dense(hs.reshape(-1, units))).reshape(len(hs), batch, -1)
    return hs, cs, p


def compared(p, q):
    """What the what-if should say, from Keras' p (edited) and q (unedited)."""
    p, q = p.astype(np.float64), q.astype(np.float64)
    return 0.5 * np.abs(p - q).sum(axis=2), np.abs(p - q).max(axis=2), q.argmax(2), p.argmax(2)


@pytest.mark.parametrize("edit", [(3, "h", 5, 0.9), (4, "c", 1, -2.0), (0, "h", 0, 1.0)])
def test_an_edit_then_steps_equal_the_models_keras_cell_and_head(model, edit):
    lab = ModelLab(model, selection=(1, 2))
    ids = padded_ids(lab.lab)
    lab.seek(edit[0])
    made = lab.edit_state(*edit[1:])
    assert lab.edits == (made,)
    lab.run_to_end()
    snapshot = lab.snapshot()
    h, c, p = keras_run(model, ids, edit)
    _, _, q = keras_run(model, ids)
    np.testing.assert_allclose(snapshot.h, h, atol=1e-5)
    np.testing.assert_allclose(snapshot.c, c, atol=1e-5)
    diff = snapshot.what_if
    assert diff.next_words
    tv, largest, before, after = compared(p, q)
    assert tv.max() > 1e-3  # the edit moves the next word somewhere
    np.testing.assert_allclose(diff.total_variation, tv, atol=1e-5)
    np.testing.assert_allclose(diff.max_dp, largest, atol=1e-5)
    sure = np.sort(q, axis=2)[..., -1] - np.sort(q, axis=2)[..., -2] > 1e-4  # no near-tie
    np.testing.assert_array_equal(diff.top_unedited[sure], before[sure])
    sure = np.sort(p, axis=2)[..., -1] - np.sort(p, axis=2)[..., -2] > 1e-4
    np.testing.assert_array_equal(diff.top_edited[sure], after[sure])
    assert {diff.words[int(i)] for i in diff.top_edited.ravel()} <= set(model.word_index)
    # The steps before the edited state are untouched, in states and next words.
    assert not diff.total_variation[:max(edit[0] - 1, 0)].any()
    # The model's checks read the unedited run: still the model.
    assert snapshot.model.max_abs_error < 1e-5 and snapshot.model.head_error < 1e-5
    assert snapshot.model.edited and snapshot.model.edit_refusal is None
    # Exported like any edit.
    assert trace_dict(full_snapshot(lab))["edits"] == [made.as_dict()]


def test_the_what_if_at_the_step_shown_and_before_any_step(model):
    lab = ModelLab(model)
    lab.edit_state("h", 2, 0.5)  # the initial state, no step taken
    diff = lab.what_if()
    assert diff.total_variation.shape == (0, 1) and diff.dh.shape == (0, 1, 32)
    lab.seek(4)
    diff = lab.what_if()
    assert diff.total_variation.shape == (4, 1)
    assert lab.snapshot().what_if.total_variation.shape == (4, 1)


def test_undo_restores_exactly(model):
    plain = ModelLab(model, selection=(1, 2))
    plain.run_to_end()
    lab = ModelLab(model, selection=(1, 2))
    lab.seek(2)
    lab.edit_state("c", 3, 1.5, row=1)
    lab.clamp_gate("forget", 1, 0.0)
    lab.run_to_end()
    assert len(lab.edits) == 2
    assert lab.undo() and lab.undo() and not lab.undo()
    snapshot, expected = lab.snapshot(), plain.snapshot()
    np.testing.assert_array_equal(snapshot.h, expected.h)
    np.testing.assert_array_equal(snapshot.c, expected.c)
    assert snapshot.edits == () and snapshot.what_if is None and lab.what_if() is None
    assert not snapshot.model.edited


def test_a_gate_clamp_with_a_model_reaches_the_next_word(model):
    lab = ModelLab(model)
    ids = padded_ids(lab.lab)
    lab.seek(5)
    clamp = lab.clamp_gate("forget", 4, 0.0)
    assert clamp.as_dict()["kind"] == "clamp" and lab.edits == (clamp,)
    lab.run_to_end()
    snapshot = lab.snapshot()
    assert np.all(snapshot.gates["forget"][5:, :, 4] == 0.0)
    # The next words: the model's own Dense head on the edited outputs, against Keras'
    # unedited run.
    dense = model.model.get_layer("next_word")
    p = np.asarray(dense(snapshot.output.reshape(-1, 32))).reshape(len(snapshot.output), 1, -1)
    _, _, q = keras_run(model, ids)
    tv, largest, _, _ = compared(p, q)
    np.testing.assert_allclose(snapshot.what_if.total_variation, tv, atol=1e-5)
    np.testing.assert_allclose(snapshot.what_if.max_dp, largest, atol=1e-5)
    assert not tv[:5].any() and tv[5:].max() > 0


def test_bad_edits_with_a_model_are_clear_and_change_nothing(model):
    lab = ModelLab(model)
    lab.seek(3)
    with pytest.raises(LabError, match="the cell has 32 units, so the unit is 0..31, not 40"):
        lab.edit_state("h", 40, 1.0)
    with pytest.raises(LabError, match="not 'update'"):
        lab.clamp_gate("update", 1, 0.0)
    # Values no float holds, and states given as arrays: LabError, not OverflowError or
    # numpy's "truth value of an array is ambiguous".
    with pytest.raises(LabError, match="not a 401-digit number"):
        lab.edit_state("h", 0, 10**400)
    with pytest.raises(LabError, match="not a 401-digit number"):
        lab.clamp_gate("forget", 0, 10**400)
    with pytest.raises(LabError, match=r"the state to edit is 'h' or 'c'"):
        lab.edit_state(np.array([1, 2]), 0, 0.0)
    with pytest.raises(LabError, match=r"the gates an LSTM clamp can hold are"):
        lab.clamp_gate(np.array([1, 2]), 0, 0.0)
    assert lab.edits == () and lab.what_if() is None and lab.t == 3


def functional(keras, *recurrent, head=True):
    keras.utils.set_random_seed(1)
    inputs = keras.Input((6,), dtype="int32")
    x = keras.layers.Embedding(12, 3)(inputs)
    for layer in recurrent:
        x = layer(x)
    if head:
        x = keras.layers.Dense(12, activation="softmax", name="head")(x)
    return keras.Model(inputs, x)


def saved(keras, tmp_path, name, *recurrent, head=True):
    path = tmp_path / f"{name}.keras"
    functional(keras, *recurrent, head=head).save(path)
    return path


def test_edits_where_the_head_cannot_read_the_stepped_output_are_refused(keras, tmp_path):
    L = keras.layers
    path = saved(keras, tmp_path, "bi", L.Bidirectional(L.LSTM(3), name="rnn"))
    lab = open_model_lab(path, raw_ids=True)
    lab.seek(2)
    with pytest.raises(LabError, match=r"state edits and gate clamps with a model read one "
                                       r"direction's output at each step; layer rnn of bi.keras "
                                       r"is Bidirectional"):
        lab.edit_state("h", 0, 1.0)
    with pytest.raises(LabError, match="is Bidirectional"):
        lab.clamp_gate("forget", 0, 0.0)
    assert lab.snapshot().model.edit_refusal.endswith(
        "(the model reads both directions merged, the backward one from the words after "
        "the step)")
    path = saved(keras, tmp_path, "stacked", L.LSTM(4, return_sequences=True, name="first"),
                 L.GRU(3, name="rnn"))
    lab = open_model_lab(path, layer="first", raw_ids=True)
    with pytest.raises(LabError, match="layer first is not the last recurrent layer of "
                                       r"stacked.keras, and the layers above it are not stepped"):
        lab.edit_state("c", 1, 0.0)
    assert lab.edits == () and lab.undo() is False
    # The last layer of the same model takes edits (a GRU: no c).
    last = open_model_lab(path, layer="rnn", raw_ids=True)
    last.seek(3)
    last.edit_state("h", 1, 0.5)
    last.run_to_end()
    assert last.what_if().next_words


def test_without_a_next_word_head_the_what_if_has_the_states_only(keras, tmp_path):
    path = saved(keras, tmp_path, "bare", keras.layers.SimpleRNN(4, name="rnn"), head=False)
    lab = open_model_lab(path, raw_ids=True)
    lab.seek(2)
    lab.edit_state("h", 3, -1.0)
    lab.run_to_end()
    diff = lab.what_if()
    assert not diff.next_words and np.abs(diff.dh[2:]).max() > 0


def test_the_head_is_made_once_for_the_what_if_at_every_step(model):
    # Building the head's Keras sub-model took longer than calling it, at every step of an
    # edited run; it is now made once per model and layer.
    lab = ModelLab(model, selection=(1,))
    lab.build()
    lab.step()
    lab.edit_state("h", 0, 0.5)
    head = model.head("lstm")
    lab.step()
    assert lab.snapshot().what_if.next_words
    assert model.head("lstm") is head
