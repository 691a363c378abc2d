"""Every wrong call of the Python API raises LabError with a sentence, never a TypeError,
ValueError or OverflowError from numpy, pathlib or Keras; a refused call leaves the lab as it
was; numpy integers are whole numbers wherever Python ints are."""

import sys

import numpy as np
import pytest

from tui_lab import Lab, LabConfig, LabError
from tui_lab.core.cells import Weights

U = 4  # the default lab: LSTM(4), maxlen 7, line 1


@pytest.fixture(scope="module")
def model(keras):
    from tui_lab.trained.loading import open_model

    return open_model()  # the shipped lyrics model: LSTM(32), word_index beside it


@pytest.fixture(scope="module")
def model_lab(model):
    from tui_lab.trained.lab import ModelLab

    return ModelLab(model, lines=["too real when i feel", "oh yes i'm the great pretender"])


@pytest.fixture
def lab(keras):
    lab = Lab()
    lab.seek(2)
    return lab


def picture(snapshot):
    """What a refused call must leave as it was."""
    arrays = [snapshot.h, snapshot.output, snapshot.h0, snapshot.batch.x]
    arrays += [snapshot.c, snapshot.c0] if snapshot.c is not None else []
    return (snapshot.config, snapshot.t, snapshot.selection, snapshot.sentence,
            snapshot.source_name, [a.tolist() for a in arrays])


# Each string is a call; `lab` is a Lab at step 2 of line 1, `model` the shipped TrainedModel.
LAB_CALLS = [
    "Lab(config='lstm')", "Lab(config={'units': 4})", "Lab(text=42)", "Lab(text=b'song.txt')",
    "Lab(text='a\\0b')", "Lab(text='')", "Lab(text='x.txt', vectors=np.ones((2, 3)))",
    "Lab(corpus='the lines')", "Lab(features=3)", "Lab(pad_mask=np.ones((1, 2), bool))",
    "Lab(vectors='abc')", "Lab(vectors=[[1e400, 1.0]])", "Lab(vectors=[[10**400, 1]])",
    "lab.seek(None)", "lab.seek(2.0)", "lab.seek('2')", "lab.seek(-1)", "lab.seek(True)",
    "lab.seek(10**400)", "lab.seek(10**5000)", "lab.seek(-10**5000)", "lab.seek(8)", "lab.seek(1, progress=3)", "lab.seek(1, cancelled='no')",
    "lab.run_to_end(progress=1)", "lab.run_to_end(cancelled=object())",
    "lab.open_text(None)", "lab.open_text(42)", "lab.open_text(b'/etc/hostname')",
    "lab.open_text('a\\0b')", "lab.open_text('')", "lab.open_text(tmp / 'missing.txt')",
    "lab.open_text(tmp, progress='x')", "lab.open_text(text_file, cancelled=5)",
    "lab.select_lines(None)", "lab.select_lines(2.0)", "lab.select_lines('2')",
    "lab.select_lines([1, None])", "lab.select_lines(True)", "lab.select_lines([[1]])",
    "lab.select_lines(np.ones((2, 2), int))", "lab.select_lines({1: 2})", "lab.select_lines(0)",
    "lab.select_lines(10**400)", "lab.select_lines([2, -10**5000])", "lab.select_lines([])", "lab.select_lines(np.float64(2))",
    "lab.type_sentence(None)", "lab.type_sentence(3)", "lab.type_sentence(b'oh yes')",
    "lab.type_sentence('?!')",
    "lab.set_vectors(None)", "lab.set_vectors('abc')", "lab.set_vectors([[1, 2], [3]])",
    "lab.set_vectors(np.ones((2, 3)), pad_mask='x')", "lab.set_vectors(np.ones((2, 3), complex))",
    "lab.open_vectors(None)", "lab.open_vectors(3)", "lab.open_vectors(b'x.npy')",
    "lab.open_vectors('a\\0.npy')",
    "lab.configure(units=None)", "lab.configure(units=5.0)", "lab.configure(units='5')",
    "lab.configure(units=10**400)", "lab.configure(units=10**5000)", "lab.configure(units=np.float32(5))", "lab.configure(cell=None)",
    "lab.configure(cell=np.array(['lstm']))", "lab.configure(cell=['gru'])",
    "lab.configure(go_backwards=1)", "lab.configure(go_backwards='yes')",
    "lab.configure(go_backwards=None)", "lab.configure(maxlen=1.5)", "lab.configure(nope=1)",
    "lab.configure(seed=-1)", "lab.configure(engine=3)", "lab.configure(padding=np.array(['pre']))",
    "lab.reseed(1.5)", "lab.reseed('1')", "lab.reseed(-1)", "lab.reseed(2**40)", "lab.reseed(True)",
    "lab.load_weights(None)", "lab.load_weights(42)", "lab.load_weights(b'w.npz')",
    "lab.load_weights('a\\0.npz')", "lab.load_weights(tmp / 'missing.npz')",
    "lab.use_weights(None, {}, 'x')", "lab.use_weights(weights, None, 'x')",
    "lab.use_weights(weights, {}, None)", "lab.use_weights(weights, {'units': 'many'}, 'x')",
    "lab.use_weights(Weights(np.zeros((4, 16)), np.zeros((3, 16)), None), {'units': 4}, 'x')",
    "lab.use_weights(Weights(np.zeros((4, 16)), np.zeros((4, 16)), np.zeros((2, 16))), {}, 'x')",
    "lab.use_weights(Weights(np.zeros((4, 16)), np.full((4, 16), np.nan), None), {}, 'x')",
    "lab.use_weights(Weights([[0.0] * 16] * 4, np.zeros((4, 16)), None), {}, 'x')",
    "lab.use_weights(Weights(np.zeros((4, 16)), np.zeros((4, 16)), None, np.zeros((9, 5))), {}, 'x')",
    "lab.set_initial_state('abc')", "lab.set_initial_state([10**400] * 4)",
    "lab.set_initial_state(np.full(4, np.inf))", "lab.set_initial_state(np.zeros(3))",
    "lab.set_initial_state(c=np.zeros(4))", "lab.set_initial_state(np.zeros((3, 4)), np.zeros((1, 4)))",
    "lab.set_initial_state(np.zeros((1, 4)), np.zeros((3, 4)))",
    "lab.set_initial_state(np.zeros((2, 4)), np.zeros((2, 4)))",
    "lab.set_initial_state(np.array(['a'] * 4))", "lab.set_initial_state(np.zeros(4, complex))",
    "lab.set_initial_state(np.zeros((1, 1, 4)))", "lab.set_initial_state([[1, 2], [3]])",
    "lab.load_initial_state(None)", "lab.load_initial_state(42)", "lab.load_initial_state(b's.npz')",
    "lab.load_initial_state('a\\0')",
    "lab.snapshot(layer='no')", "lab.snapshot(layer=None)", "lab.snapshot(layer=1)",
    "LabConfig(dropout=10**400)", "LabConfig(recurrent_dropout=-10**400)",
    "lab.edit_state('h', 0, 10**400)", "lab.edit_state('c', 0, 3.4028236e38)",
    "lab.clamp_gate('forget', 0, 10**400)", "lab.edit_state('forget', 0, -10**400)",
    "lab.edit_state(np.array([1, 2]), 0, 0)", "lab.clamp_gate(np.array([1, 2]), 0, 0)",
    "lab.edit_state(['h'], 0, 0)",
]


@pytest.mark.parametrize("call", LAB_CALLS)
def test_wrong_lab_calls_raise_lab_error_and_keep_the_lab(lab, call, tmp_path):
    text_file = tmp_path / "song.txt"
    text_file.write_text("one two three\n")
    env = {"Lab": Lab, "LabConfig": LabConfig, "np": np, "lab": lab, "tmp": tmp_path,
           "text_file": text_file,
           "Weights": Weights,
           "weights": Weights(np.zeros((4, 16), np.float32), np.zeros((4, 16), np.float32), None)}
    before = picture(lab.snapshot())
    with pytest.raises(LabError) as refused:
        eval(call, env)
    message = str(refused.value)
    assert message and "\n" not in message and len(message) < 400, message
    assert picture(lab.snapshot()) == before


MODEL_CALLS = [
    "open_model(42)", "open_model(b'm.keras')", "open_model('a\\0.keras')", "open_model('')",
    "open_model(word_index=42)", "open_model(word_index={'a': 'x'})", "open_model(word_index={'a': 0})",
    "open_model(word_index={})", "open_model(word_index={3: 2})", "open_model(word_index={'a': 1.5})",
    "open_model(fit_text=3)", "open_model(fit_text=b'song.txt')",
    "read_word_index(None)", "read_word_index(3)", "word_index_path(None)", "word_index_path('/')",
    "load_keras_model(None)", "load_keras_model(b'x.keras')",
    "TrainedModel(None, 'x.keras', None, None)", "TrainedModel('m', 'x.keras', None, None)",
    "TrainedModel(model.model, None, None, None)", "TrainedModel(model.model, 'x', {'a': 1.5}, None)",
    "TrainedModel(model.model, 'x', None, 3)", "TrainedModel(model.model, 'x', None, None, 1.5)",
    "TrainedModel(model.model, 'x', ['a'], None)",
    "model.layer(3)", "model.layer('nope')", "model.keras_layer(3)", "model.keras_layer('nope')",
    "model.encode(None)", "model.encode(3)", "model.encode(b'too real')",
    "model.corpus('abc', 'x')", "model.corpus(['a'], 3)", "model.corpus([3], 'x')",
    "model.check_ids(None)", "model.check_ids('123')", "model.check_ids([1.5])",
    "model.check_ids([10**400])", "model.check_ids([10**5000])", "model.check_ids([-1])", "model.check_ids([999])",
    "model.check_ids(np.ones((2, 2), int))", "model.check_ids(['2'])", "model.check_ids([True])",
    "model.word(None)", "model.word('3')", "model.word(1.5)",
    "model.pad(None)", "model.pad([])", "model.pad([[1.5]])", "model.pad('abc')", "model.pad([[999]])",
    "model.predict(None)", "model.predict([[1.5] * T])", "model.predict('abc')",
    "model.predict([[999] * T])", "model.predict([[1, 2]])", "model.predict([[1, 2], [3]])",
    "model.predict(np.zeros((0, T), int))",
    "model.layer_input('nope', ids)", "model.layer_input('lstm', 'x')", "model.layer_input(3, ids)",
    "model.layer_output(3, ids)", "model.layer_output('lstm', [[-1] * T])", "model.head(3)",
    "model.head('nope')",
    "model.step(None)", "model.step(None, ids, texts=['a'])", "model.step('nope', ids)",
    "model.step(None, texts='abc')", "model.step(None, texts=[3])", "model.step(None, texts=[])",
    "model.step(None, [[1.5] * T])", "model.step(3, ids)",
]


@pytest.mark.parametrize("call", MODEL_CALLS)
def test_wrong_model_calls_raise_lab_error(model, call):
    from tui_lab.trained.loading import (TrainedModel, load_keras_model, open_model, read_word_index,
                                word_index_path)

    env = {"np": np, "model": model, "T": model.maxlen, "ids": model.pad([[2, 3]]),
           "TrainedModel": TrainedModel, "open_model": open_model,
           "read_word_index": read_word_index, "word_index_path": word_index_path,
           "load_keras_model": load_keras_model}
    with pytest.raises(LabError) as refused:
        eval(call, env)
    assert str(refused.value) and "\n" not in str(refused.value)


GENERATION_CALLS = [
    "generate(None, [2], 1)", "generate(model, None, 1)", "generate(model, [2], None)",
    "generate(model, [2], 1.0)", "generate(model, [2], 0)", "generate(model, [2], 10**400)",
    "generate(model, [2], 10**5000)", "generate(model, [2], 1, temperature=10**5000)",
    "generate(model, [2], 1, top_k=None)", "generate(model, [2], 1, top_k=1.5)",
    "generate(model, [2], 1, temperature='hot')", "generate(model, [2], 1, temperature=float('inf'))",
    "generate(model, [2], 1, temperature=float('nan'))", "generate(model, [2], 1, temperature=0)",
    "generate(model, [2], 1, temperature=-1)", "generate(model, [2], 1, temperature=10**400)",
    "generate(model, [2], 1, temperature=True)", "generate(model, [2], 1, sample_seed=-1)",
    "generate(model, [2], 1, sample_seed=1.5)", "generate(model, [2], 1, sample_seed=2**40)",
    "generate(model, [2], 1, layer=3)", "generate(model, [2], 1, layer='nope')",
    "generate(model, [2], 1, step_states='yes')", "generate(model, ['a'], 1)",
    "generate(model, [2.5], 1)", "generate(model, [], 1)", "generate(model, [999], 1)",
]


@pytest.mark.parametrize("call", GENERATION_CALLS)
def test_wrong_generation_calls_raise_lab_error_at_the_call(model, call):
    """Refused when generate is called, not later at the first word."""
    from tui_lab.trained.generation import generate

    with pytest.raises(LabError):
        eval(call, {"generate": generate, "model": model})


TRAINING_CALLS = [
    "train(text=42)", "train(text=b'song.txt')", "train(text='a\\0b')", "train(output=None)",
    "train(output=3)", "train(output='a\\0.keras')", "train(output=b'm.keras')", "train(cell=None)",
    "train(cell=3)", "train(units=None)", "train(units=1.5)", "train(units=0)", "train(units=10**400)",
    "train(embedding_dim='3')", "train(epochs=0)", "train(epochs=None)", "train(seed=-1)",
    "train(seed=1.5)", "train(epochs=10**5000)", "train(learning_rate=-10**5000)", "train(batch_size=0)", "train(bidirectional='yes')", "train(bidirectional=1)",
    "train(progress='stderr')", "train(progress=3)", "train(callbacks=None)", "train(callbacks='x')",
    "train(callbacks=[3])", "train(learning_rate='x')",
    "training_data(None)", "training_data('abc')", "training_data([1, 2])",
    "training_data(['a b'], name=3)",
    "build_model(None, 3)", "build_model(10, 0)", "build_model(10, 3, cell='x')",
    "build_model(10, 3, units=0)", "build_model(10**9, 3)", "build_model(10, 3, bidirectional=None)",
    "progress_callback(0, sys.stderr)", "progress_callback(3, None)", "progress_callback(3, 'x')",
    "check_output(None)", "check_output(3)", "check_output('a\\0.keras')", "check_output('m.h5')",
]


@pytest.mark.parametrize("call", TRAINING_CALLS)
def test_wrong_training_calls_raise_lab_error(keras, call, tmp_path, monkeypatch):
    from tui_lab.trained import training

    monkeypatch.chdir(tmp_path)  # train()'s default output is model.keras here
    env = {name: getattr(training, name) for name in
           ("train", "training_data", "build_model", "progress_callback", "check_output")}
    with pytest.raises(LabError):
        eval(call, {**env, "sys": sys})
    assert list(tmp_path.iterdir()) == []  # nothing was trained or written


MODEL_LAB_CALLS = [
    "GenerationSettings(top_k=None)", "GenerationSettings(top_k=0)", "GenerationSettings(top_k=1.5)",
    "GenerationSettings(top_k=21)", "GenerationSettings(words=10**5000)", "GenerationSettings(temperature=None)",
    "GenerationSettings(temperature='x')", "GenerationSettings(temperature=float('inf'))",
    "GenerationSettings(temperature=float('nan'))", "GenerationSettings(temperature=0)",
    "GenerationSettings(temperature=101)", "GenerationSettings(temperature=10**400)",
    "GenerationSettings(sample_seed=-1)", "GenerationSettings(sample_seed=1.5)",
    "GenerationSettings(words=0)", "GenerationSettings(greedy='yes')", "GenerationSettings(greedy=None)",
    "Generation(None, 'too real', GenerationSettings())", "Generation(model, None, GenerationSettings())",
    "Generation(model, 'too real', None)", "Generation(model, 'too real', {})",
    "Generation(model, 'zzz qqq', GenerationSettings())",
    "Generation(model, 'too real', GenerationSettings()).view(None)",
    "Generation(model, 'too real', GenerationSettings()).view(['when'])",
    "Generation(model, 'too real', GenerationSettings()).text(1.5)",
    "raw_ids_model(None)", "raw_id_lines(None)", "raw_id_lines(model, 0)", "raw_id_lines(model, 1.5)",
    "ModelLab(None)", "ModelLab(model, layer=3)", "ModelLab(model, direction=None)",
    "ModelLab(model, lines='abc')", "ModelLab(model, lines=[1])", "ModelLab(model, lines=[])",
    "ModelLab(model, selection=None)", "ModelLab(model, selection=['1'])", "ModelLab(model, sentence=3)",
    "ModelLab(model, generation='x')", "ModelLab(model, layer='nope')",
    "ModelLab(model, direction='backward')", "ModelLab(model, lines=['a b'], engine='x')",
    "model_lab.select_lines(None)", "model_lab.select_lines(3)", "model_lab.type_sentence(3)",
    "model_lab.open_text(None)", "model_lab.open_text(b'x.txt')", "model_lab.open_text('x', progress=3)",
    "model_lab.with_layer(3)", "model_lab.with_layer('nope')", "model_lab.show_direction(None)",
    "model_lab.show_direction('backward')", "model_lab.start_generation(None)",
    "model_lab.start_generation('too real', settings={})", "model_lab.start_generation('zzz qqq')",
    "model_lab.generate_next()", "model_lab.generate_next(0)", "model_lab.generate_next(1.5)",
    "model_lab.generate_next(None)", "model_lab.generate_next(1, progress=3)",
    "model_lab.configure(units=5)", "model_lab.configure(engine='x')", "model_lab.reseed()",
    "model_lab.load_weights('w.npz')", "model_lab.set_initial_state(np.zeros(32))",
    "model_lab.snapshot(layer='no')", "model_lab.seek(None)", "model_lab.seek(99)",
    "open_model_lab(42)", "open_model_lab(None, raw_ids='yes')", "open_model_lab(None, layer=3)",
    "open_model_lab(None, word_index=3)",
    "model_lab.edit_state('h', 0, 10**400)", "model_lab.clamp_gate('forget', 0, 10**400)",
    "model_lab.edit_state(np.array([1, 2]), 0, 0)", "model_lab.clamp_gate(np.array([1, 2]), 0, 0)",
]


@pytest.mark.parametrize("call", MODEL_LAB_CALLS)
def test_wrong_model_lab_calls_raise_lab_error(model, model_lab, call):
    from tui_lab.trained import generation, lab as module

    env = {name: getattr(module, name) for name in
           ("ModelLab", "raw_ids_model", "raw_id_lines", "open_model_lab")}
    env.update(Generation=generation.Generation, GenerationSettings=generation.GenerationSettings)
    before = picture(model_lab.snapshot())
    with pytest.raises(LabError):
        eval(call, {**env, "np": np, "model": model, "model_lab": model_lab})
    assert picture(model_lab.snapshot()) == before and model_lab.generation is None
    assert model_lab.edits == ()


# ----- numpy integers are whole numbers ------------------------------------------------------
def test_numpy_integers_are_accepted_by_the_lab(lab):
    lab.configure(units=np.int64(5), maxlen=np.int32(6), go_backwards=np.bool_(True))
    config = lab.config
    assert (config.units, config.maxlen, config.go_backwards) == (5, 6, True)
    assert type(config.units) is int and type(config.maxlen) is int and type(config.go_backwards) is bool
    lab.reseed(np.int64(3))
    assert lab.config.seed == 3 and type(lab.config.seed) is int
    lab.select_lines(np.int64(2))
    assert lab.selection == (2,)
    lab.select_lines(np.array([3, 4]))
    assert lab.selection == (3, 4)
    assert lab.seek(np.int64(2)) and lab.t == 2
    assert LabConfig(seed=np.uint16(7), units=np.int8(3)) == LabConfig(seed=7, units=3)
    assert lab.snapshot(layer=np.bool_(True)).max_abs_error < 1e-5


def test_numpy_numbers_are_accepted_by_models_and_generation(model):
    from tui_lab.trained.generation import generate
    from tui_lab.trained.generation import GenerationSettings

    ids = np.array(model.encode("too real")[1], np.int64)
    assert model.check_ids(ids) == ids.tolist() and model.word(np.int64(ids[0])) == "too"
    plain = [s.chosen for s in generate(model, ids.tolist(), 2, top_k=3, temperature=0.5,
                                        sample_seed=4, step_states=False)]
    numpy = [s.chosen for s in generate(model, ids, np.int64(2), top_k=np.int32(3),
                                        temperature=np.float32(0.5), sample_seed=np.int64(4),
                                        step_states=np.bool_(False))]
    assert numpy == plain
    settings = GenerationSettings(top_k=np.int64(3), words=np.int16(4), sample_seed=np.uint32(1),
                                  temperature=np.float64(0.5), greedy=np.bool_(False))
    assert settings == GenerationSettings(top_k=3, words=4, sample_seed=1, temperature=0.5,
                                          greedy=False)
    assert type(settings.top_k) is int and type(settings.greedy) is bool


def test_messages_do_not_print_huge_numbers(lab):
    with pytest.raises(LabError) as refused:
        lab.configure(units=10**400)
    assert str(refused.value) == "units must be at most 1024, not a 401-digit number"
    with pytest.raises(LabError) as refused:  # past Python's 4,300-digit limit for str(int)
        lab.seek(-10**5000)
    assert str(refused.value) == ("the step must be within the sequence, not a negative "
                                  "5,001-digit number")


def test_paths_may_be_path_like(lab, tmp_path):
    import os

    class Name(os.PathLike):
        def __fspath__(self):
            return str(tmp_path / "song.txt")

    (tmp_path / "song.txt").write_text("one two three\nfour five\n")
    lab.open_text(Name())
    assert lab.lines == ("one two three", "four five")
