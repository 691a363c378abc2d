"""Dialogs at 80x24 as a learner meets them: a path that cannot be written is refused before
any question (and what was typed stays); a path dialog opens with the last path typed; an
empty sentence is never silently nothing; Enter on the Generate switch starts with it as set."""

from __future__ import annotations

import os

import pytest

from tui_lab.tui.screens.confirm import ReplaceScreen
from tui_lab.tui.screens.lab import LabScreen
from tui_lab.tui.screens import prompt
from tui_lab.tui.screens.prompt import PromptScreen
from tui_lab.tui.screens.train import TrainScreen

from pilot import burst, errors, make_app, press, settle, warnings

pytestmark = pytest.mark.asyncio


async def type_path(pilot, text: str) -> None:
    """What the tester did: clear the field (End, ctrl+u), type the path."""
    await press(pilot, "end", "ctrl+u")
    await pilot.press(*text)
    await settle(pilot)


async def enter_twice(pilot) -> None:
    burst(pilot.app, "enter", "enter")  # as tmux delivers a fast double Enter
    await pilot.pause()
    await settle(pilot)


@pytest.mark.parametrize("where", ["device", "folder", "folder/", "link to a device",
                                   "link to a folder"])
async def test_export_refuses_a_device_or_a_folder_before_asking(tmp_path, monkeypatch, where):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dir.txt").mkdir()
    (tmp_path / "null.json").symlink_to(os.devnull)
    (tmp_path / "dir.json").symlink_to(tmp_path / "dir.txt")
    path, kind = {"device": (os.devnull, "a device"),
                  "folder": (str(tmp_path / "dir.txt"), "a folder"),
                  "folder/": ("dir.txt/", "a folder"),
                  "link to a device": ("null.json", "a device"),
                  "link to a folder": ("dir.json", "a folder")}[where]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "e")
        await type_path(pilot, path)
        await enter_twice(pilot)
        assert not any(isinstance(s, ReplaceScreen) for s in app.screen_stack)
        assert isinstance(app.screen, PromptScreen)  # still open, with what was typed
        assert app.screen.query_one("Input").value == path
        # said once: the second Enter of the pair is the same press, its reason on screen
        assert len(errors(app)) == 1 and f"is {kind}, not a trace file" in errors(app)[0]
        assert [n.title for n in app.notifications] == ["Export: not done"]
        await press(pilot, "escape")
        assert isinstance(app.screen, LabScreen)
    assert os.path.exists(os.devnull) and (tmp_path / "dir.txt").is_dir()


async def test_export_to_a_missing_folder_is_refused_in_the_dialog(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "e")
        await type_path(pilot, "nowhere/trace.json")
        await press(pilot, "enter")
        assert isinstance(app.screen, PromptScreen)
        assert any("does not exist" in e for e in errors(app))
        await type_path(pilot, "trace.json")  # corrected: written at once (new)
        await press(pilot, "enter")
        assert isinstance(app.screen, LabScreen) and (tmp_path / "trace.json").is_file()


async def test_export_through_a_link_to_a_file_still_asks(tmp_path, monkeypatch):
    """A link to a regular file is written through (the link stays, core/files.py): that is
    a replace of its target, so the question comes, as for the file itself."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "real.json").write_text("mine")
    (tmp_path / "link.json").symlink_to(tmp_path / "real.json")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "e")
        await type_path(pilot, "link.json")
        await press(pilot, "enter")
        assert isinstance(app.screen, ReplaceScreen) and not errors(app)
        await press(pilot, "y")
    assert (tmp_path / "link.json").is_symlink() and (tmp_path / "real.json").read_text() != "mine"


@pytest.mark.parametrize("name, kind", [("dir.keras", "a folder"), ("null.keras", "a device")])
async def test_train_refuses_a_folder_or_a_link_to_a_device_before_asking(tmp_path, monkeypatch,
                                                                          name, kind):
    from tui_lab.tui.screens.train import TrainScreen

    monkeypatch.chdir(tmp_path)
    (tmp_path / "dir.keras").mkdir()
    (tmp_path / "null.keras").symlink_to(os.devnull)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "T")
        app.screen.query_one("#train-output").value = name
        await settle(pilot)
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, TrainScreen) and not app.screen.running
        assert any(f"is {kind}, not a model file" in e for e in errors(app)), errors(app)


async def test_export_to_a_read_only_file_is_refused_in_the_dialog(tmp_path, monkeypatch):
    """As `cp` refuses it, whoever runs the app (root, whose writes the kernel never refuses,
    too): the file is kept and the dialog stays open with the reason."""
    monkeypatch.chdir(tmp_path)
    kept = tmp_path / "kept.json"
    kept.write_text("mine")
    kept.chmod(0o444)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "e")
        await type_path(pilot, "kept.json")
        await press(pilot, "enter")
        assert isinstance(app.screen, PromptScreen)
        assert not any(isinstance(s, ReplaceScreen) for s in app.screen_stack)
        assert errors(app) == ["cannot write kept.json: it is read-only (-r--r--r--), so it was "
                               "left as it is"]
        assert [n.title for n in app.notifications] == ["Export: not done"]
    assert kept.read_text() == "mine"


@pytest.mark.parametrize("read_only", ["mine.keras", "mine.word_index.json"])
async def test_train_to_a_read_only_model_or_word_index_is_refused_in_the_dialog(
        tmp_path, monkeypatch, read_only):
    monkeypatch.chdir(tmp_path)
    for name in ("mine.keras", "mine.word_index.json"):
        (tmp_path / name).write_text("mine")
    (tmp_path / read_only).chmod(0o444)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "T")
        app.screen.query_one("#train-output").value = "mine.keras"
        await settle(pilot)
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, TrainScreen) and not app.screen.running
        assert any(f"cannot write {read_only}: it is read-only (-r--r--r--)" in e
                   for e in errors(app)), errors(app)
    assert all((tmp_path / name).read_text() == "mine"
               for name in ("mine.keras", "mine.word_index.json"))


async def test_a_path_dialog_opens_with_the_last_path_typed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    typo = str(tmp_path / "nope.txt")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "o")
        assert app.screen.query_one("Input").value == ""  # the first time: the placeholder
        await pilot.press(*typo)
        await press(pilot, "enter")
        assert any(f"no such file: {typo}" in e for e in errors(app))
        await press(pilot, "o")
        assert app.screen.query_one("Input").value == typo  # fix the typo, not retype it
        await press(pilot, "escape", "e")
        assert app.screen.query_one("Input").value == "trace.json"  # its own memory
        await type_path(pilot, "mine.json")
        await press(pilot, "enter", "o")
        assert app.screen.query_one("Input").value == typo
        await press(pilot, "escape", "e")
        assert app.screen.query_one("Input").value == "mine.json"


async def test_the_train_dialog_opens_with_the_output_name_last_typed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "T")
        output = app.screen.query_one("#train-output")
        assert output.value == "lyrics_lstm.keras"  # the first time: named for the text
        output.focus()
        await type_path(pilot, "mine.keras")
        await press(pilot, "escape")
        assert not isinstance(app.screen, TrainScreen)
        await press(pilot, "T")
        assert app.screen.query_one("#train-output").value == "mine.keras"
    assert not list(tmp_path.iterdir())  # nothing was trained or written


async def test_the_fit_text_dialog_opens_with_the_last_text_typed(tmp_path, monkeypatch):
    import shutil

    from tui_lab.trained.loading import shipped_model_path
    from tui_lab.tui.screens.model_screens import VocabularyScreen

    monkeypatch.chdir(tmp_path)
    model = shutil.copy(shipped_model_path(), tmp_path / "bare.keras")  # no word_index beside
    typo = str(tmp_path / "lyrcs.txt")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "o")
        await pilot.press(*str(model))
        await press(pilot, "enter")
        assert isinstance(app.screen, VocabularyScreen)
        app.screen.query_one("#vocab-text").value = typo
        await press(pilot, "enter")
        assert any(f"no such file: {typo}" in e for e in errors(app)), errors(app)
        await press(pilot, "o")
        assert app.screen.query_one("Input").value == str(model)
        await press(pilot, "enter")
        assert isinstance(app.screen, VocabularyScreen)
        assert app.screen.query_one("#vocab-text").value == typo


@pytest.mark.parametrize("key, what", [("t", "type a sentence first"),
                                       ("o", "type the path of a file to open"),
                                       ("e", "type a .json or .npz path")])
async def test_enter_on_an_empty_field_says_what_to_type(tmp_path, monkeypatch, key, what):
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        sentence, source = app.snapshot.sentence, app.snapshot.source_name
        await press(pilot, key, "end", "ctrl+u")
        await enter_twice(pilot)
        assert isinstance(app.screen, PromptScreen)  # still open: nothing was silently done
        assert len(warnings(app)) == 1 and what in warnings(app)[0], warnings(app)
        monkeypatch.setattr(prompt, "SAME_PRESS_S", 0.0)  # a second later:
        await press(pilot, "enter")  # another press, not the double one: said again
        assert len(warnings(app)) == 2
        await press(pilot, "escape")
        assert isinstance(app.screen, LabScreen)
        assert (app.snapshot.sentence, app.snapshot.source_name) == (sentence, source)
    assert not list(tmp_path.iterdir())


async def test_enter_on_the_generate_switch_starts_with_it_as_set():
    from textual.widgets import Label, Static

    from tui_lab.trained.loading import shipped_model_path
    from tui_lab.tui.screens.model_screens import GenerateScreen

    from pilot import text_of

    app = make_app(model={"path": shipped_model_path()})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "w")
        screen = app.screen
        assert isinstance(screen, GenerateScreen)
        state, hint = screen.query_one("#gen-sample-state", Label), screen.query_one(
            "#gen-msg-sample", Static)
        assert text_of(state).strip() == "off" and "greedy" in text_of(hint)
        await press(pilot, "tab", "tab")
        assert app.focused.id == "gen-sample"
        await press(pilot, "space")
        assert text_of(state).strip() == "on" and "draw" in text_of(hint)
        await enter_twice(pilot)
        assert isinstance(app.screen, LabScreen) and not errors(app)
        generation = app.snapshot.model.generation
        assert generation is not None and not app._generation_settings.greedy
