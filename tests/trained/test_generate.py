"""Generation: word by word, equal to the model's own predictions, deterministic with a seed;
the shipped lyrics model works offline."""

import numpy as np
import pytest

from tui_lab import LabError
from tui_lab.cli.main import main
from tui_lab.trained.generation import generate
from tui_lab.trained.loading import open_model, shipped_model_path
from tui_lab.core.text import Corpus, lyrics_path, read_lines


@pytest.fixture(scope="module")
def lyrics_model(keras):
    return open_model()  # the shipped model


def test_shipped_model(lyrics_model):
    assert lyrics_model.path == str(shipped_model_path())
    assert shipped_model_path().stat().st_size < 1_000_000
    corpus = Corpus.lyrics(1000)
    assert lyrics_model.word_index == corpus.word_index  # trained on the built-in lyrics
    assert lyrics_model.vocab_size == len(corpus.word_index) + 1
    (layer,) = lyrics_model.layers
    assert (layer.cell, layer.units) == ("lstm", 32)


def test_greedy_equals_the_lessons_predict_loop(keras, lyrics_model):
    """The lesson's loop: texts_to_sequences, pad 'pre', model.predict, argmax, append."""
    tokenizer = Corpus.lyrics(1000).tokenizer
    maxlen = lyrics_model.maxlen
    seed = "yes i'm the"
    text = seed
    expected = []
    for _ in range(6):
        ids = tokenizer.texts_to_sequences([text])[0]
        padded = keras.utils.pad_sequences([ids], maxlen=maxlen, padding="pre")
        probabilities = np.array(lyrics_model.model(padded))[0]
        probabilities[:2] = -1  # never padding or <OOV>, as the lab chooses
        word = tokenizer.index_word[int(np.argmax(probabilities))]
        expected.append(word)
        text += " " + word
    steps = list(generate(lyrics_model, lyrics_model.encode(seed)[1], 6, top_k=3))
    assert [s.chosen.word for s in steps] == expected
    for step in steps:
        assert step.chosen == step.top[0] and len(step.top) == 3
        assert step.top[0].probability >= step.top[1].probability >= step.top[2].probability
        # The states of every step are there, and the head on them gives model(ids).
        snapshot = step.run.directions[0].lab.snapshot()
        assert snapshot.h.shape == (maxlen, 1, 32) and snapshot.c is not None
        assert step.head_error < 1e-5
    assert steps[0].ids.tolist()[-3:] == lyrics_model.encode(seed)[1]


def test_sampling_is_deterministic_with_a_seed(lyrics_model):
    ids = lyrics_model.encode("too real")[1]

    def words(**kwargs):
        return [s.chosen.word for s in generate(lyrics_model, ids, 8, step_states=False, **kwargs)]

    first = words(temperature=2.0, sample_seed=5)
    assert first == words(temperature=2.0, sample_seed=5)
    runs = {tuple(words(temperature=5.0, sample_seed=seed)) for seed in range(6)}
    assert len(runs) > 1  # sampling does sample
    for step in generate(lyrics_model, ids, 4, top_k=2, temperature=3.0, sample_seed=1,
                         step_states=False):
        assert step.chosen in step.top and step.run is None


def test_bad_generation_settings(lyrics_model):
    for kwargs, message in (({"words": 0}, "number of words"), ({"top_k": 0}, "top-k"),
                            ({"temperature": 0.0}, "temperature")):
        with pytest.raises(LabError, match=message):
            next(generate(lyrics_model, [2, 3], **{"words": 2, **kwargs}))
    with pytest.raises(LabError, match="no words the model knows"):
        next(generate(lyrics_model, [], 2))


def test_generate_command(lyrics_model, capfd):
    assert main(["generate", "--seed-text", "yes I'm the", "--words", "3", "--top-k", "2"]) == 0
    out, err = capfd.readouterr()
    lines = out.splitlines()
    assert err == "" and lines[0] == "seed: yes i'm the  (ids 9 2 4)"
    assert len(lines) == 1 + 3 + 2 and lines[1].startswith("  1. great") and "top-2:" in lines[1]
    assert lines[4].startswith("text: yes i'm the great")
    assert float(lines[5].rsplit(" ", 1)[1]) < 1e-5
    sampled = ["generate", "--seed-text", "too real", "--words", "4", "--temperature", "2",
               "--sample-seed", "3", "--layer", "lstm"]
    assert main(sampled) == 0 and main(sampled) == 0
    out = capfd.readouterr().out.split("seed:")
    assert out[1] == out[2]
    assert main(["generate", "--ids", "9,2", "--words", "1", "--greedy", "--temperature", "9"]) == 0
    assert capfd.readouterr().out.startswith("seed: yes i'm  (ids 9 2)\n  1. the")


def test_generate_command_errors(keras, tmp_path, capfd):
    model_copy = tmp_path / "copy.keras"
    model_copy.write_bytes(shipped_model_path().read_bytes())
    cases = [
        (["--model", str(model_copy), "--seed-text", "yes"], "--word-index FILE"),
        (["--seed-text", "zzz qqq"], "no words the model knows"),
        (["--seed-text", "yes", "--words", "0"], "--words: expected a whole number from 1 to 1,000"),
        (["--seed-text", "yes", "--ids", "2"], "not both"),
        (["--ids", "999"], "outside the model's Embedding"),
        ([], "--seed-text"),
        (["--seed-text", "yes", "--layer", "nope"], "no recurrent layer"),
        (["--seed-text", "yes", "--words", "many"], "expected a whole number, not 'many'"),
    ]
    for argv, message in cases:
        assert main(["generate", *argv]) == 2, argv
        out, err = capfd.readouterr()
        assert err.count("\n") == 1 and message in err, (argv, err)
    # With the vocabulary given explicitly, the copy works.
    lines = read_lines(lyrics_path())
    assert main(["generate", "--model", str(model_copy), "--fit-text", str(lyrics_path()),
                 "--seed-text", lines[0], "--words", "1"]) == 0
    assert capfd.readouterr().out.startswith("seed: oh oh yes i'm the great pretender")


def test_readme_model_example_runs(lyrics_model, capsys):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    block = [b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "open_model" in b][0]
    exec(compile(block, "README.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("when [('when', ")
    assert float(out[-1].split()[-2]) < 1e-5 and float(out[-1].split()[-1]) < 1e-5


# ----- temperature: log-probabilities, tiny temperatures are greedy -----------------------------
def reference_weights(probabilities, temperature):
    """p ** (1/T) renormalised, in exact decimal arithmetic: no float underflow at any T."""
    from decimal import Decimal, getcontext

    getcontext().prec = 50
    powers = [Decimal(float(p)) ** (Decimal(1) / Decimal(repr(temperature))) for p in probabilities]
    total = sum(powers)
    return np.array([float(p / total) for p in powers])


def test_tiny_temperature_picks_the_most_probable(lyrics_model):
    """The issue's case: 'too real' continues with 'when' (p 0.649); T = 1e-4 used to draw
    uniformly among the top-5 (p ** 10000 underflows) and picked 'real' (p 0.007)."""
    ids = lyrics_model.encode("too real")[1]
    greedy = [s.chosen.word for s in generate(lyrics_model, ids, 4, step_states=False)]
    assert greedy[0] == "when"
    for temperature in (1e-4, 1e-30, 1e-300):
        for seed in range(5):
            steps = list(generate(lyrics_model, ids, 4, temperature=temperature, sample_seed=seed,
                                  step_states=False))
            assert [s.chosen.word for s in steps] == greedy, (temperature, seed)
            assert all(s.chosen == s.top[0] for s in steps)


def test_sampling_weights_match_an_exact_reference():
    from tui_lab.trained.generation import sampling_weights

    p = [0.649, 0.2, 0.1, 0.044, 0.007]
    for temperature in (100.0, 2.0, 1.0, 0.5, 0.05, 0.01, 1e-3, 6e-4, 1e-4):
        np.testing.assert_allclose(sampling_weights(p, temperature),
                                   reference_weights(p, temperature), rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(sampling_weights(p, 1e-4), [1, 0, 0, 0, 0])
    # Ties share the weight (also when every candidate has p = 0); a zero probability gets none.
    np.testing.assert_allclose(sampling_weights([0.4, 0.4, 0.2], 1e-6), [0.5, 0.5, 0])
    np.testing.assert_allclose(sampling_weights([0.5, 0.0, 0.5], 1.0), [0.5, 0, 0.5])
    assert sampling_weights([0.0, 0.0], 1.0).tolist() == [0.5, 0.5]


@pytest.mark.parametrize("temperature", [0.3, 1e-3])
def test_sampled_words_follow_the_reference_draws(lyrics_model, temperature):
    """Each word is numpy's Generator(seed).choice over the top-k with the exact weights."""
    ids = lyrics_model.encode("oh yes")[1]
    rng = np.random.default_rng(11)
    for step in generate(lyrics_model, ids, 6, top_k=4, temperature=temperature, sample_seed=11,
                         step_states=False):
        weights = reference_weights([c.probability for c in step.top], temperature)
        assert step.chosen == step.top[int(rng.choice(len(step.top), p=weights))]


def test_app_generation_uses_the_same_weights(lyrics_model):
    from tui_lab.trained.generation import sampling_weights
    from tui_lab.trained.generation import Generation, GenerationSettings

    settings = GenerationSettings(greedy=False, temperature=1e-4, sample_seed=0, top_k=5)
    generation = Generation(lyrics_model, "too real", settings)
    step = generation.next()
    assert step.chosen.word == "when"
    weights = generation.view(step.top).weights
    assert weights[0] == 1.0 and sum(weights[1:]) == 0.0
    settings = GenerationSettings(greedy=False, temperature=0.7, sample_seed=0, top_k=5)
    view = Generation(lyrics_model, "too real", settings)
    step = view.next()
    np.testing.assert_allclose(view.view(step.top).weights,
                               sampling_weights([c.probability for c in step.top], 0.7))
    np.testing.assert_allclose(view.view(step.top).weights,
                               reference_weights([c.probability for c in step.top], 0.7),
                               rtol=1e-9)


def test_tiny_temperature_on_the_command_line(lyrics_model, capfd):
    assert main(["generate", "--seed-text", "too real", "--words", "1", "--temperature", "0.0001",
                 "--sample-seed", "0"]) == 0
    assert capfd.readouterr().out.splitlines()[1].startswith("  1. when ")


# ----- models whose output is not a next-word distribution ---------------------------------------
def not_a_distribution(keras, tmp_path):
    """Models that open and step, but whose output is no softmax over the vocabulary."""
    L = keras.layers
    vocab, T = 12, 5

    def build(name, *layers):
        keras.utils.set_random_seed(3)
        inputs = keras.Input((T,), dtype="int32")
        x = L.Embedding(vocab, 3)(inputs)
        for layer in layers:
            x = layer(x)
        path = tmp_path / f"{name}.keras"
        keras.Model(inputs, x).save(path)
        return path

    return {
        "lstm_sequences": build("lstm_sequences", L.LSTM(vocab, return_sequences=True, name="rnn")),
        "linear_head": build("linear_head", L.LSTM(4, name="rnn"), L.Dense(vocab, name="head")),
        "wrong_size": build("wrong_size", L.GRU(4, name="rnn"),
                            L.Dense(vocab - 2, activation="softmax", name="head")),
    }


def test_an_output_that_is_not_a_distribution_cannot_generate(keras, tmp_path, capfd):
    from tui_lab.trained.lab import ModelLab, raw_id_lines, raw_ids_model

    for name, path in not_a_distribution(keras, tmp_path).items():
        model = open_model(path)
        assert model.step("rnn", model.pad([[2, 3, 4]])).max_abs_error < 1e-5  # it steps
        with pytest.raises(LabError, match="does not end in a next-word distribution"):
            next(generate(model, [2, 3], 2, step_states=False))
        with pytest.raises(LabError, match="does not end in a next-word distribution"):
            next(generate(model, [2, 3], 2, temperature=0.5, sample_seed=1))
        # The app: the model opens in the lab but generation is refused with the sentence.
        raw = raw_ids_model(model)
        lab = ModelLab(raw, lines=raw_id_lines(raw, 2))
        assert lab.snapshot().model.next_words == ()
        with pytest.raises(LabError, match="does not end in a next-word distribution"):
            lab.start_generation("2 3")
        assert lab.generation is None
        capfd.readouterr()
        assert main(["generate", "--model", str(path), "--ids", "2,3", "--words", "1"]) == 2, name
        out, err = capfd.readouterr()
        assert err.count("\n") == 1 and "does not end in a next-word distribution" in err, err
        assert "-0." not in out  # no negative "probabilities" printed
