"""Why an LSTM remembers (trained/why.py): the three shipped models of a task stepped together,
each one's answer so far against the model's own layers, and what each keeps of the word to
remember, measured."""

import numpy as np
import pytest

from tui_lab import LabError
from tui_lab.core.tf_loader import tensorflow
from tui_lab.trained import tasks
from tui_lab.trained.why import WhyComparison, between_share, told_apart


@pytest.fixture(scope="module")
def memory():
    return WhyComparison("memory", 3)


def own_answer(comparison, cell, t):
    """The model's own layers on the line's first t words: Embedding, its recurrent layer
    (return_sequences=False: h_t), its Dense head -> (top word, probability)."""
    tf = tensorflow()
    model = comparison._models[cell]
    words = comparison.rows[comparison.line - 1][0]
    ids = model.pad([model.encode(words)[1]])
    x = tf.constant(model.layer_input(model.layer().name, ids))[:, :t]
    probabilities = np.asarray(model.model.layers[-1](model.keras_layer(model.layer().name)(x)))[0]
    best = int(probabilities.argmax())
    return model.word(best), float(probabilities[best])


def test_stepping_moves_all_three_and_the_answers_are_the_models_own(memory):
    memory.reset()
    view = memory.view()
    assert view.t == 0 and all(c.answer is None and len(c.reach) == 0 for c in view.columns)
    assert [c.cell for c in view.columns] == list(tasks.TASK_CELLS)
    for t in (1, 2, 3, 4):
        memory.step()
        view = memory.view()
        assert view.t == t
        for column in view.columns:
            assert len(column.reach) == t and column.state.shape[0] == t
            word, probability = own_answer(memory, column.cell, t)
            assert column.answer == word
            assert column.probability == pytest.approx(probability, abs=1e-5)
            assert column.correct == (word == view.answer)
            assert column.max_abs_error < 1e-5
    memory.back()
    assert memory.view().t == 3 and {len(c.reach) for c in memory.view().columns} == {3}
    memory.run_to_end()
    view = memory.view()
    assert view.t == view.timesteps == 20
    for column in view.columns:  # at the end: the model's prediction for the whole line
        model = memory._models[column.cell]
        ids = model.pad([model.encode(" ".join(view.words))[1]])
        predicted = model.predict(ids)[0]
        assert column.answer == model.word(int(predicted.argmax()))


def test_the_line_its_word_to_remember_and_the_gates_shown(memory):
    memory.select_line(5)
    memory.seek(12)
    view = memory.view()
    words, answer = tasks.read_task(tasks.TASKS["memory"].tsv)[4]
    assert view.words == tuple(words.split()) and view.answer == answer and view.line == 5
    assert view.words[view.key] == answer and view.words[view.key - 1] == "mark"
    lstm = view.columns[1]
    snapshot = memory._labs["lstm"].snapshot(layer=False)
    units = list(lstm.keeping.units)
    np.testing.assert_array_equal(lstm.gate, snapshot.gates["forget"][:, 0, units])
    np.testing.assert_array_equal(lstm.state, snapshot.c[:, 0, units])
    np.testing.assert_allclose(lstm.h_norm, np.linalg.norm(snapshot.h[:, 0], axis=1))
    assert view.columns[0].gate is None and view.columns[2].gate_name == "update"
    with pytest.raises(LabError, match="lines 1 to"):
        memory.select_line(0)


def test_what_each_model_keeps_backs_the_lessons_sentence(memory):
    """The memory lesson (tasks.TASKS["memory"].lesson), measured on the shipped models: every
    word rewrites the SimpleRNN's h; the LSTM's carrying units clear c at 'mark', write the
    word and hold it; the GRU's update gate is 0 at the word and 1 after it."""
    simple, lstm, gru = (memory.keeping(cell) for cell in tasks.TASK_CELLS)
    told = {cell: dict(k.told) for cell, k in zip(tasks.TASK_CELLS, (simple, lstm, gru))}
    assert told["simple_rnn"][0] > 0.5  # right after the word its state names the answer ...
    assert told["simple_rnn"][1] < told["simple_rnn"][0]  # ... less with each word after it
    assert told["simple_rnn"][10] < told["simple_rnn"][3] < 0.5 * told["simple_rnn"][0]
    assert told["lstm"][10] > 0.9 and told["gru"][10] > 0.9
    (input_mark, input_word, input_after), = lstm.gates["input"][:1]
    (forget_mark, forget_word, forget_after), = lstm.gates["forget"][:1]
    assert forget_mark < 0.1 and input_word > 0.9 and forget_after > 0.9 and input_after < 0.3
    at_word, after = gru.gates["update"][0][1:]
    assert at_word < 0.1 and after > 0.9


def test_the_recall_lesson_measured():
    """The recall lesson: the SimpleRNN's h carries the first word to the end; the LSTM loses
    it within a word, its carrying units' input gates open on the fillers."""
    recall = WhyComparison("recall", 1)
    simple, lstm = recall.keeping("simple_rnn"), recall.keeping("lstm")
    assert dict(simple.told)[10] > 0.9
    assert dict(lstm.told)[1] < 0.6
    assert lstm.gates["input"][0][2] > 0.5  # on the fillers after the word
    recall.run_to_end()
    view = recall.view()
    simple_column, lstm_column = view.columns[0], view.columns[1]
    # At the end, h_40's reach back to the first word: the SimpleRNN's is the larger by far.
    assert simple_column.reach_to(0) > 1e3 * lstm_column.reach_to(0)


def test_between_share_and_told_apart_on_known_values():
    answers = np.array(["a", "a", "b", "b"])
    values = np.array([[1.0, 5.0], [1.0, 3.0], [-1.0, 5.0], [-1.0, 3.0]])
    np.testing.assert_allclose(between_share(values, answers), [1.0, 0.0])
    assert told_apart(values, answers, values, answers) == 1.0
    assert told_apart(values[:, 1:], answers, values[:, 1:], answers) == 0.5
