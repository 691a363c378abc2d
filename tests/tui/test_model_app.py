"""Pilot tests for trained models in the app: opening (shipped and built here), the layer
picker on a stacked and a Bidirectional model (the shown states against the model's own
outputs), generation equal to the model's own predictions, training from the app (progress,
the model opened after, cancel leaving no file), and every bad model as a notification that
keeps the lab as it was."""

from __future__ import annotations

import json
import threading
import zipfile

import numpy as np
import pytest

from tui_lab import Lab
from tui_lab.cli.main import main
from tui_lab.trained.generation import generate
from tui_lab.trained.lab import ModelLab
from tui_lab.trained.loading import shipped_model_path
from tui_lab.tui.screens.lab import LabScreen
from tui_lab.tui.screens.model_screens import GenerateScreen, LayerPickerScreen, VocabularyScreen
from tui_lab.tui.screens.train import TrainScreen, loss_plot
from tui_lab.core.text import Corpus
from tui_lab.tui.widgets.model_bar import ModelBar
from tui_lab.tui.widgets.tokens import TokensPanel

from pilot import errors, make_app, press, said, settle, text_of

pytestmark = pytest.mark.asyncio

TEXT = "the cat sat on the mat\nthe dog sat on the cat\na cat and a dog\n"
T = 6





async def type_into(pilot, text: str) -> None:
    """Put text in the focused Input (typing long paths key by key is slow)."""
    pilot.app.focused.value = text
    await pilot.pause()


@pytest.fixture(scope="module")
def models(keras, tmp_path_factory):
    """Tiny models built once: stacked SimpleRNN -> Bidirectional(LSTM) -> Dense, with a
    word_index; the same without one; and the bad files."""
    folder = tmp_path_factory.mktemp("models")
    text = folder / "tiny.txt"
    text.write_text(TEXT)
    corpus = Corpus(TEXT.splitlines(), "tiny", 100)
    vocab = len(corpus.word_index) + 1
    L = keras.layers
    keras.utils.set_random_seed(3)
    inputs = keras.Input((T,), dtype="int32")
    x = L.Embedding(vocab, 3, name="embedding")(inputs)
    x = L.SimpleRNN(4, return_sequences=True, name="first")(x)
    x = L.Bidirectional(L.LSTM(3), name="bi")(x)
    outputs = L.Dense(vocab, activation="softmax", name="head")(x)
    stacked = folder / "stacked.keras"
    keras.Model(inputs, outputs).save(stacked)
    stacked.with_suffix(".word_index.json").write_text(json.dumps(corpus.word_index))
    bare = folder / "bare.keras"
    keras.Model(inputs, outputs).save(bare)
    lam = keras.Sequential([keras.Input((T,)), L.Lambda(lambda v: v * 2), L.Dense(2)])
    no_embedding = keras.Sequential([keras.Input((T, 3)), L.LSTM(2), L.Dense(2)])
    no_recurrent = keras.Sequential([keras.Input((T,), dtype="int32"), L.Embedding(vocab, 3),
                                     L.GlobalAveragePooling1D(), L.Dense(2)])
    bad = {}
    for name, model in (("lambda", lam), ("no_embedding", no_embedding),
                        ("no_recurrent", no_recurrent)):
        bad[name] = folder / f"{name}.keras"
        model.save(bad[name])
    bad["text"] = folder / "text.keras"
    bad["text"].write_text("not a model\n")
    bad["zip"] = folder / "zip.keras"
    with zipfile.ZipFile(bad["zip"], "w") as z:
        z.writestr("hello.txt", "hi")
    bad["big_index"] = folder / "big_index.keras"
    keras.Model(inputs, outputs).save(bad["big_index"])
    bad["big_index"].with_suffix(".word_index.json").write_text(
        json.dumps({"<OOV>": 1, "cat": vocab + 5}))
    return {"text": text, "stacked": stacked, "bare": bare, "bad": bad, "corpus": corpus}


def own_output(keras, model, name, ids):
    """The model's own output of layer `name` on ids (a sub-model of the model)."""
    layer = model.model.get_layer(name)
    return np.asarray(keras.Model(model.model.inputs[0], layer.output)(ids))


# ----- opening ---------------------------------------------------------------------------------
async def test_model_option_opens_the_shipped_model_with_its_words(keras):
    app = make_app(model={"path": shipped_model_path()})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.lab, ModelLab)
        snapshot = app.snapshot
        assert snapshot.config.cell == "lstm" and snapshot.config.units == 32
        row = snapshot.batch.rows[0]
        assert row.tokens[:3] == ("oh", "oh", "yes")
        model = app.lab.model
        assert row.padded.tolist() == model.pad([model.encode(snapshot.lines[0])[1]])[0].tolist()
        await press(pilot, "shift+tab", "shift+tab", "shift+tab")  # narrow: the Tokens tab
        assert "oh:" in text_of(app.screen.query_one(TokensPanel))
        await press(pilot, "end")
        view = app.snapshot.model
        assert view.max_abs_error < 1e-5 and view.head_error < 1e-5
        ids = row.padded[None]
        np.testing.assert_allclose(app.snapshot.h[-1], own_output(keras, model, "lstm", ids),
                                   atol=1e-5)
        bar = text_of(app.screen.query_one(ModelBar))
        assert "lyrics_lstm.keras" in bar and "vs model" in bar and "next:" in bar
        await press(pilot, "c")  # the model fixes the cell: a notification, nothing changes
        assert any("the model fixes cell" in m for m in errors(app))
        assert app.snapshot.config.cell == "lstm" and app.snapshot.at_end
        await press(pilot, "x")  # close: back to the lesson's random weights
        assert not isinstance(app.lab, ModelLab) and app.snapshot.config.units == 4
        assert not app.screen.query_one(ModelBar).display


async def test_closing_a_model_goes_back_to_the_settings_before_it(keras):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "c", "b", "plus")  # GRU, backwards, 5 units
        before = app.snapshot.config
        assert (before.cell, before.go_backwards, before.units) == ("gru", True, 5)
        app.open_model_file(shipped_model_path())
        await settle(pilot)
        assert isinstance(app.lab, ModelLab) and app.snapshot.config.cell == "lstm"
        await press(pilot, "x")
        assert not isinstance(app.lab, ModelLab)
        assert app.snapshot.config == before
        assert any("settings before the model" in m for m in said(app))


async def test_layer_picker_and_directions_show_the_models_own_states(keras, models):
    app = make_app(Lab(text=models["text"]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "j", "o")
        await type_into(pilot, str(models["stacked"]))
        await press(pilot, "enter")
        assert isinstance(app.lab, ModelLab)
        model = app.lab.model
        view = app.snapshot.model
        assert view.layer.name == "bi" and view.direction == "forward"  # the last layer
        assert app.snapshot.selection == (2,)  # the line chosen before is kept
        ids = np.stack([r.padded for r in app.snapshot.batch.rows])
        assert ids.tolist() == model.pad([model.encode(TEXT.splitlines()[1])[1]]).tolist()
        merged = own_output(keras, model, "bi", ids)  # concat: forward 3 | backward 3
        await press(pilot, "end")
        np.testing.assert_allclose(app.snapshot.h[-1], merged[:, :3], atol=1e-5)
        np.testing.assert_allclose(app.snapshot.model.output, merged[0], atol=1e-5)
        assert app.snapshot.model.head_error < 1e-5
        assert "merged (concat) output" in text_of(app.screen.query_one(ModelBar))
        await press(pilot, "f")  # the backward cell: go_backwards, its last state is merged's
        assert app.snapshot.config.go_backwards and app.snapshot.model.direction == "backward"
        np.testing.assert_allclose(app.snapshot.h[-1], merged[:, 3:], atol=1e-5)
        await press(pilot, "L")
        assert isinstance(app.screen, LayerPickerScreen)
        assert len(app.screen.choices) == 3  # first; bi forward; bi backward
        await press(pilot, "up", "up", "enter")
        assert isinstance(app.screen, LabScreen)
        view = app.snapshot.model
        assert view.layer.name == "first" and view.head_error is None
        first = own_output(keras, model, "first", ids)  # (1, T, 4)
        await press(pilot, "end")
        np.testing.assert_allclose(np.swapaxes(app.snapshot.h, 0, 1), first, atol=1e-5)
        assert app.snapshot.model.max_abs_error < 1e-5
        await press(pilot, "f")
        assert any("not Bidirectional" in m for m in said(app))
        # Another line: every direction follows, the checks still hold.
        await press(pilot, "L", "down", "down", "enter", "j", "end")
        assert app.snapshot.model.direction == "backward" and app.snapshot.selection == (3,)
        assert app.snapshot.model.max_abs_error < 1e-5


async def test_a_model_without_word_index_offers_fitting_or_raw_ids(models):
    app = make_app(Lab(text=models["text"]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "o")
        await type_into(pilot, str(models["bare"]))
        await press(pilot, "enter")
        assert isinstance(app.screen, VocabularyScreen)
        assert any("no word_index" in m for m in errors(app))
        assert not isinstance(app.lab, ModelLab)
        await press(pilot, "ctrl+r")  # raw ids: each id is its own word
        assert isinstance(app.lab, ModelLab)
        row = app.snapshot.batch.rows[0]
        assert [int(t) for t in row.tokens] == list(row.ids)
        await press(pilot, "t")
        await pilot.press(*"3 5 7")
        await press(pilot, "enter")
        assert app.snapshot.batch.rows[0].padded.tolist()[-3:] == [3, 5, 7]
        await press(pilot, "o")
        await type_into(pilot, str(models["bare"]))
        await press(pilot, "enter")
        assert isinstance(app.screen, VocabularyScreen)
        await type_into(pilot, str(models["text"]))
        await press(pilot, "enter")  # fit the tokenizer on the text: words again
        assert "the tokenizer fitted on" in app.snapshot.model.vocabulary
        assert "cat" in app.snapshot.batch.rows[0].tokens


async def test_bad_models_are_notifications_and_the_lab_keeps_its_state(models, tmp_path):
    app = make_app(model={"path": models["stacked"]})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "space", "space")
        before = app.lab
        expected = {
            "lambda": "Lambda layer with Python code",
            "text": "is not a Keras model file",
            "zip": "is not a Keras model file",
            "no_embedding": "reads one-hot characters and has no character list",
            "no_recurrent": "no SimpleRNN, LSTM or GRU layer",
            "big_index": "belongs to another model",
        }
        paths = {**models["bad"], "missing": tmp_path / "missing.keras"}
        expected["missing"] = "no such model file"
        for name, message in expected.items():
            await press(pilot, "o")
            await type_into(pilot, str(paths[name]))
            await press(pilot, "enter")
            assert any(message in m for m in errors(app)), (name, errors(app))
            assert "Traceback" not in " ".join(errors(app))
            assert app.lab is before and app.snapshot.t == 2, name
            if name == "no_embedding":  # one-hot rows: the dialog asks for their text
                from tui_lab.tui.screens.model_screens import VocabularyScreen

                assert isinstance(app.screen, VocabularyScreen) and app.screen.characters
                assert not app.screen.query("#raw")  # raw ids mean nothing to one-hot rows
                await press(pilot, "escape")
            assert isinstance(app.screen, LabScreen)
        assert app.snapshot.model.layer.name == "bi"
        # A text opened while a model is open is read through the model's word_index.
        await press(pilot, "o")
        await type_into(pilot, str(models["text"]))
        await press(pilot, "enter")
        assert isinstance(app.lab, ModelLab) and app.snapshot.lines == tuple(TEXT.splitlines())
        assert app.snapshot.word_index == models["corpus"].word_index
        assert app.snapshot.model.max_abs_error < 1e-5


async def test_model_actions_are_in_the_palette_and_help():
    from tui_lab.tui.palette import lab_commands
    from tui_lab.tui.screens.help import HelpScreen

    actions = {action for _, action, _ in lab_commands()}
    assert {"pick_layer", "flip_direction", "generate", "generate_next", "generate_many",
            "train", "close_model"} <= actions
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        source = app.screen.query_one("Markdown").source
        for phrase in ("## Trained models", "what the model learned", "Is the Embedding trained?",
                       "| L | Layer: trained model", "| T | Train"):
            assert phrase in source, phrase


async def test_bad_model_on_the_command_line_is_one_line(models, capfd):
    assert main(["--model", str(models["bad"]["text"].with_name("nope.keras"))]) == 2
    assert main(["--model", str(models["text"])]) == 2
    assert main(["--layer", "bi"]) == 2
    err = capfd.readouterr().err.splitlines()
    assert len(err) == 3 and "no such model file" in err[0] and ".keras" in err[1]
    assert "go with --model" in err[2]


# ----- generation ------------------------------------------------------------------------------
def lessons_loop(keras, model, seed: str, words: int) -> list[str]:
    """The lesson's greedy loop: pad 'pre', model(ids), argmax (never padding or <OOV>)."""
    tokenizer = Corpus.lyrics(1000).tokenizer
    text, chosen = seed, []
    for _ in range(words):
        ids = tokenizer.texts_to_sequences([text])[0]
        padded = keras.utils.pad_sequences([ids], maxlen=model.maxlen, padding="pre")
        probabilities = np.array(model.model(padded))[0]
        probabilities[:2] = -1
        word = tokenizer.index_word[int(np.argmax(probabilities))]
        chosen.append(word)
        text += " " + word
    return chosen


async def start_generation(pilot, seed: str, *, words: int = 4, sample: bool = False,
                           temperature: str = "1", sampler_seed: str = "0") -> None:
    await press(pilot, "w")
    screen = pilot.app.screen
    assert isinstance(screen, GenerateScreen)
    screen.query_one("#gen-seed").value = seed
    screen.query_one("#gen-words").value = str(words)
    screen.query_one("#gen-temperature").value = temperature
    screen.query_one("#gen-sample_seed").value = sampler_seed
    screen.query_one("#gen-sample").value = sample
    await pilot.pause()
    await press(pilot, "ctrl+s")


async def test_generation_greedy_equals_the_models_predictions(keras):
    app = make_app()  # no model open: generation uses the shipped model
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await start_generation(pilot, "too real", words=4)
        assert isinstance(app.lab, ModelLab)
        model = app.lab.model
        assert model.path == str(shipped_model_path())
        view = app.snapshot.model.generation
        assert view.chosen is None and view.top[0].word == lessons_loop(keras, model, "too real", 1)[0]
        await press(pilot, "n")
        await press(pilot, "N")
        expected = lessons_loop(keras, model, "too real", 5)
        view = app.snapshot.model.generation
        assert list(view.words) == expected and view.chosen.word == expected[-1]
        # The lab shows the text the last word was chosen from, and its head gives model(ids).
        assert app.snapshot.sentence == " ".join(["too", "real", *expected[:-1]])
        assert app.snapshot.at_end and app.snapshot.model.head_error < 1e-5
        probabilities = model.predict(app.snapshot.model.ids)[0]
        assert view.top[0].probability == pytest.approx(float(probabilities.max()), abs=1e-6)
        bar = text_of(app.screen.query_one(ModelBar))
        assert "▶ " + expected[-1] in bar and "p=" in bar and "█" in bar


async def test_generation_sampling_is_seeded_and_equals_generate():
    app = make_app(model={"path": shipped_model_path()})
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        runs = []
        for _ in range(2):
            await start_generation(pilot, "oh yes", words=6, sample=True, temperature="1.5",
                                   sampler_seed="4")
            await press(pilot, "N")
            runs.append(list(app.snapshot.model.generation.words))
        model = app.lab.model
        same = [s.chosen.word for s in generate(model, model.encode("oh yes")[1], 6, top_k=5,
                                                temperature=1.5, sample_seed=4, step_states=False)]
        assert runs[0] == runs[1] == same
        assert app.snapshot.model.generation.weights is not None
        assert "draw" in text_of(app.screen.query_one(ModelBar))


async def test_generating_many_words_stops_with_escape():
    app = make_app(model={"path": shipped_model_path()})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await start_generation(pilot, "yes i'm", words=500)
        model = app.lab.model
        real, calls, pressed = model.predict, [], threading.Event()

        def predict(ids):  # the third word waits until escape has been pressed
            calls.append(1)
            if len(calls) == 3:
                pressed.wait(10)
            return real(ids)

        model.predict = predict
        await pilot.press("N")
        for _ in range(200):
            await pilot.pause(0.02)
            if len(calls) >= 3:
                break
        assert "generating" in app.busy_label  # progress in the status bar
        await pilot.press("escape")
        pressed.set()
        await settle(pilot)
        words = app.snapshot.model.generation.words
        assert len(words) == 3
        assert any("stopped after" in m for m in said(app))
        await press(pilot, "space")  # the app still answers
        assert isinstance(app.screen, LabScreen)


async def test_generation_settings_are_checked_beside_the_fields():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "w")
        screen = app.screen
        screen.query_one("#gen-top_k").value = "0"
        screen.query_one("#gen-temperature").value = "hot"
        await pilot.pause()
        assert "top-k must be a whole number from 1" in text_of(screen.query_one("#gen-msg-top_k"))
        assert "must be a number" in text_of(screen.query_one("#gen-msg-temperature"))
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, GenerateScreen)
        await press(pilot, "escape")
        assert not isinstance(app.lab, ModelLab)


# ----- training --------------------------------------------------------------------------------
async def fill_training_form(pilot, output, epochs: int) -> TrainScreen:
    await press(pilot, "T")
    screen = pilot.app.screen
    assert isinstance(screen, TrainScreen)
    for name, value in (("units", "4"), ("embedding_dim", "3"), ("epochs", str(epochs)),
                        ("output", str(output))):
        screen.query_one(f"#train-{name}").value = value
    await pilot.pause()
    return screen


async def test_training_in_the_app_opens_the_model_and_cancel_writes_nothing(models, tmp_path):
    text = tmp_path / "tiny.txt"
    text.write_text(TEXT)
    app = make_app(Lab(text=text))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "space")
        screen = await fill_training_form(pilot, tmp_path / "nowhere" / "m.keras", 3)
        assert "does not exist" in text_of(screen.query_one("#train-msg-output"))
        screen.query_one("#train-epochs").value = "zero"
        await pilot.pause()
        assert "whole number" in text_of(screen.query_one("#train-msg-epochs"))
        await press(pilot, "ctrl+s")
        assert not screen.running and any("fix this first" in n.title for n in app.notifications)
        screen.query_one("#train-epochs").value = "3"
        screen.query_one("#train-output").value = str(tmp_path / "m.keras")
        await pilot.pause()
        await press(pilot, "ctrl+s")
        await settle(pilot)
        assert screen.finished and (tmp_path / "m.keras").is_file()
        status = text_of(screen.query_one("#train-status"))
        assert "done: wrote m.keras" in status
        assert "epochs 1-3" in text_of(screen.query_one("#train-plot"))
        await press(pilot, "escape")
        assert isinstance(app.lab, ModelLab) and app.lab.model.path == str(tmp_path / "m.keras")
        assert app.snapshot.model.head_error < 1e-5
        assert app.snapshot.batch.rows[0].tokens == ("the", "cat", "sat", "on", "the", "mat")

        # Cancel: many epochs, escape after the first progress message.
        before = app.lab
        screen = await fill_training_form(pilot, tmp_path / "big.keras", 5000)
        await pilot.press("ctrl+s")
        for _ in range(400):
            await pilot.pause(0.05)
            if "epoch" in text_of(screen.query_one("#train-status")):
                break
        assert "epoch" in text_of(screen.query_one("#train-status"))
        await pilot.press("escape")
        await settle(pilot)
        assert not screen.running and "cancelled" in text_of(screen.query_one("#train-status"))
        assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras", "m.word_index.json",
                                                               "tiny.txt"]
        await press(pilot, "escape")
        assert app.lab is before and isinstance(app.screen, LabScreen)


async def test_loss_plot_falls_from_full_height():
    rows = loss_plot([4.5, 2.5, 1.0, 0.5], width=10, height=2)  # 16 eighths = full height
    assert rows == ["█   ", "██▃▁"]  # the highest full, the lowest an eighth high
    assert len(loss_plot(list(range(100, 0, -1)), width=10)[0]) == 10
    assert loss_plot([]) == []


async def test_a_model_without_a_next_word_head_cannot_generate(keras, models, tmp_path):
    L = keras.layers
    inputs = keras.Input((T,), dtype="int32")
    outputs = L.LSTM(4, name="rnn")(L.Embedding(20, 3)(inputs))
    path = tmp_path / "nohead.keras"
    keras.Model(inputs, outputs).save(path)
    path.with_suffix(".word_index.json").write_text(json.dumps(models["corpus"].word_index))
    app = make_app(Lab(text=models["text"]), model={"path": path})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.snapshot.model.head_error is None and app.snapshot.model.next_words == ()
        await press(pilot, "n")
        assert any("does not end in a next-word distribution" in m for m in errors(app))
        assert app.snapshot.model.generation is None and app.snapshot.t == 0
