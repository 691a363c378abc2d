"""Every dialog dismisses only itself, once: two Enters (or Escapes) written at once, as tmux
or a paste delivers them, used to dismiss the lab screen under a prompt and leave a blank
terminal. After each burst the lab screen is still there, alone, and still steps."""

from __future__ import annotations

import pytest

from tui_lab.trained.lab import ModelLab
from tui_lab.trained.loading import shipped_model_path
from tui_lab.tui.screens.confirm import ReplaceScreen
from tui_lab.tui.screens.help import HelpScreen
from tui_lab.tui.screens.lab import LabScreen
from tui_lab.tui.screens.model_screens import GenerateScreen, LayerPickerScreen, VocabularyScreen
from tui_lab.tui.screens.prompt import PromptScreen
from tui_lab.tui.screens.settings import SettingsScreen
from tui_lab.tui.screens.train import TrainScreen

from pilot import burst, make_app, press, settle

pytestmark = pytest.mark.asyncio


def spy_submits(app) -> list[str]:
    """The labels of the lab operations the app submits, in order."""
    labels, submit = [], app.submit

    def spy(label, operation, done=None):
        labels.append(label)
        submit(label, operation, done)

    app.submit = spy
    return labels


async def burst_and_settle(pilot, *keys: str) -> None:
    burst(pilot.app, *keys)
    await pilot.pause()
    await settle(pilot)


async def still_stepping(pilot) -> None:
    """The lab screen is on top, the only one of its kind, and space still steps."""
    app = pilot.app
    assert isinstance(app.screen, LabScreen), app.screen_stack
    assert sum(isinstance(s, LabScreen) for s in app.screen_stack) == 1
    await press(pilot, "home")
    t = app.lab.t
    await press(pilot, "space")
    assert app.lab.t == t + 1 and app.snapshot.t == t + 1


async def test_a_typed_sentence_with_two_enters(tmp_path):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        labels = spy_submits(app)
        await press(pilot, "t")
        await pilot.press(*"hello world")
        await burst_and_settle(pilot, "enter", "enter")
        assert labels == ["Type a sentence"] and app.snapshot.sentence == "hello world"
        await still_stepping(pilot)
        await press(pilot, "t")
        await burst_and_settle(pilot, "escape", "escape")
        assert labels.count("Type a sentence") == 1
        await still_stepping(pilot)


async def test_open_with_two_enters_and_two_escapes(tmp_path):
    text = tmp_path / "mine.txt"
    text.write_text("the cat sat\nthe dog ran\n")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        labels = spy_submits(app)
        await press(pilot, "o")
        app.focused.value = str(text)
        await burst_and_settle(pilot, "enter", "enter")
        assert labels == ["Open"] and app.snapshot.source_name == str(text)
        await still_stepping(pilot)
        await press(pilot, "o")
        await burst_and_settle(pilot, "escape", "escape")
        assert labels.count("Open") == 1
        await still_stepping(pilot)


async def test_export_asks_before_replacing_and_a_burst_never_says_yes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        labels = spy_submits(app)
        await press(pilot, "e")
        await burst_and_settle(pilot, "enter", "enter")  # trace.json, new: written at once
        assert labels == ["Export"] and (tmp_path / "trace.json").is_file()
        await still_stepping(pilot)
        (tmp_path / "trace.json").write_text("mine")
        await press(pilot, "e")
        await burst_and_settle(pilot, "enter", "enter")  # exists: the question, "keep" focused
        assert isinstance(app.screen, ReplaceScreen) and labels.count("Export") == 1
        await burst_and_settle(pilot, "enter", "enter")
        assert (tmp_path / "trace.json").read_text() == "mine" and labels.count("Export") == 1
        assert any("nothing was written" in n.message for n in app.notifications)
        await still_stepping(pilot)
        await press(pilot, "e")
        await burst_and_settle(pilot, "enter")
        await burst_and_settle(pilot, "escape", "escape")  # escape is no, too
        assert (tmp_path / "trace.json").read_text() == "mine"
        await still_stepping(pilot)
        await press(pilot, "e")
        await burst_and_settle(pilot, "enter")
        assert isinstance(app.screen, ReplaceScreen)
        await burst_and_settle(pilot, "y", "y")  # yes, once
        assert labels.count("Export") == 2 and (tmp_path / "trace.json").read_text() != "mine"
        await still_stepping(pilot)


async def test_settings_and_help_with_two_escapes(tmp_path):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        labels = spy_submits(app)
        await press(pilot, "s")
        assert isinstance(app.screen, SettingsScreen)
        await burst_and_settle(pilot, "escape", "escape")
        await still_stepping(pilot)
        await press(pilot, "s")
        app.screen.query_one("#set-units").value = "6"
        await pilot.pause()
        await burst_and_settle(pilot, "ctrl+s", "ctrl+s")
        assert labels.count("Settings") == 1 and app.lab.config.units == 6
        await still_stepping(pilot)
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        await burst_and_settle(pilot, "escape", "escape")
        await still_stepping(pilot)


async def test_generate_and_the_layer_picker_with_two_enters():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        labels = spy_submits(app)
        await press(pilot, "w")
        assert isinstance(app.screen, GenerateScreen)
        await burst_and_settle(pilot, "enter", "enter")
        assert labels.count("Generate") == 1 and isinstance(app.lab, ModelLab)
        await still_stepping(pilot)
        await press(pilot, "w")
        await burst_and_settle(pilot, "escape", "escape")
        await still_stepping(pilot)
        await press(pilot, "L")
        assert isinstance(app.screen, LayerPickerScreen)
        await burst_and_settle(pilot, "enter", "enter")
        assert labels.count("Layer") == 1
        await still_stepping(pilot)
        await press(pilot, "L")
        await burst_and_settle(pilot, "escape", "escape")
        await still_stepping(pilot)


async def test_the_vocabulary_question_with_two_enters():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        answers = []
        for keys in (("enter", "enter"), ("escape", "escape"), ("ctrl+r", "ctrl+r")):
            app.push_screen(VocabularyScreen(str(shipped_model_path()), "lyrics.txt"),
                            answers.append)
            await pilot.pause()
            await burst_and_settle(pilot, *keys)
            await still_stepping(pilot)
        assert answers == [("fit", "lyrics.txt"), None, ("raw", None)]


async def test_train_form_with_two_escapes_and_two_enters(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lyrics_lstm.keras").write_text("a model I keep")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "T")
        assert isinstance(app.screen, TrainScreen)
        await burst_and_settle(pilot, "escape", "escape")
        await still_stepping(pilot)
        await press(pilot, "T")
        train = app.screen
        await burst_and_settle(pilot, "enter", "enter")  # the output exists: one question
        assert isinstance(app.screen, ReplaceScreen) and not train.running
        assert sum(isinstance(s, ReplaceScreen) for s in app.screen_stack) == 1
        await burst_and_settle(pilot, "n", "n")
        assert app.screen is train and not train.running
        assert (tmp_path / "lyrics_lstm.keras").read_text() == "a model I keep"
        assert "nothing was replaced" in str(train.query_one("#train-status").content)
        await burst_and_settle(pilot, "escape", "escape")
        await still_stepping(pilot)


async def test_the_command_palette_with_two_enters():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Reseed")
        await pilot.pause(0.3)
        await burst_and_settle(pilot, "enter", "enter")
        await pilot.pause(0.2)
        await settle(pilot)
        assert app.lab.config.seed == 1
        await still_stepping(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await burst_and_settle(pilot, "escape", "escape")
        await still_stepping(pilot)


async def test_the_lab_screen_cannot_be_popped():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lab_screen = app.screen
        await app.pop_screen()
        app.pop_screen()
        await pilot.pause()
        assert app.screen is lab_screen
        prompt = PromptScreen("a question")
        await app.push_screen(prompt)
        prompt.dismiss("first")
        prompt.dismiss("second")  # a second dismiss of a closed dialog does nothing
        await pilot.pause()
        assert app.screen is lab_screen
        await still_stepping(pilot)


async def test_typed_text_and_file_names_are_never_markup(tmp_path):
    """What is typed (or a file's name) may hold [brackets]: shown as typed, never parsed."""
    odd = "[/b] not [bold]markup"
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "s", "tab")
        app.focused.value = odd  # units
        await settle(pilot)
        assert odd in str(app.screen.query_one("#msg-units").content)
        await press(pilot, "escape", "w")
        app.screen.query_one("#gen-top_k").value = odd
        await settle(pilot)
        assert odd in str(app.screen.query_one("#gen-msg-top_k").content)
        await press(pilot, "escape", "T")
        app.screen.query_one("#train-output").value = f"{odd}.txt"
        await settle(pilot)
        assert "b] not [bold]markup.txt" in str(app.screen.query_one("#train-msg-output").content)
        await press(pilot, "escape", "o")
        app.focused.value = str(tmp_path / odd)
        await press(pilot, "enter")
        assert any(odd in n.message for n in app.notifications if n.severity == "error")
        await still_stepping(pilot)
