"""A lab served to a browser tab (tui/served.py, `tui-lab --served` as `tui-lab serve` starts
it): paths typed in the dialogs stay in the class folder, refused in one line in the dialog;
exports and trained models are downloads; no session; a scratch folder removed at exit."""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile

import pytest

from tui_lab.cli import launch
from tui_lab.core import files
from tui_lab.core.confine import Confinement
from tui_lab.core.text import assets_dir
from tui_lab.errors import LabError
from tui_lab.tui.screens.lab import LabScreen
from tui_lab.tui.screens.prompt import PromptScreen
from tui_lab.tui.screens.train import check_output
from tui_lab.tui.served import Served

from pilot import make_app, press, settle, text_of

@pytest.fixture
def classroom(tmp_path, monkeypatch):
    """A class folder with a text and a link out of it; the served lab's guard set (and
    unset after the test)."""
    root, scratch, outside = tmp_path / "class", tmp_path / "scratch", tmp_path / "home"
    for folder in (root, scratch, outside):
        folder.mkdir()
    (root / "song.txt").write_text("the cat sat\nthe dog ran far away\n")
    (outside / "secret.txt").write_text("private words\n")
    (root / "out.txt").symlink_to(outside / "secret.txt")
    monkeypatch.chdir(root)
    monkeypatch.setattr(files, "_guard", None)
    confinement = Confinement(root, scratch, assets_dir())
    files.guard(confinement)
    return Served(confinement), root, outside


async def type_in(pilot, text: str) -> None:
    await press(pilot, "end", "ctrl+u")
    await pilot.press(*text)
    await press(pilot, "enter")


@pytest.mark.asyncio
async def test_open_refuses_paths_out_of_the_class_folder_in_one_line(classroom):
    served, root, outside = classroom
    app = make_app(served=served)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "o")
        for typed, why in (("../../etc/passwd", "climbs out of the class folder"),
                           (str(outside / "secret.txt"), "is outside the class folder"),
                           ("out.txt", "is a link that leads out of the class folder")):
            await type_in(pilot, typed)
            assert isinstance(app.screen, PromptScreen)  # still open, what was typed kept
            line = app.screen.query_one("#prompt-error")
            assert line.display and why in text_of(line) and "refused" in text_of(line)
            assert app.screen.query_one("Input").value == typed
        assert app.lab.snapshot().source_name.startswith("The Great Pretender")
        await type_in(pilot, "song.txt")  # inside: it opens
        assert isinstance(app.screen, LabScreen)
        assert app.lab.snapshot().lines == ("the cat sat", "the dog ran far away")


@pytest.mark.asyncio
async def test_without_a_class_folder_only_shipped_models_open(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "_guard", None)
    served = Served(Confinement(None, tmp_path, assets_dir()))
    (tmp_path / "song.txt").write_text("one two\n")
    with pytest.raises(LabError, match="no folder of files"):
        served.open_path(str(tmp_path / "song.txt"))
    assert served.open_path("memory-lstm").name == "memory_lstm.keras"
    app = make_app(served=served)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "o")
        await type_in(pilot, "song.txt")
        assert "no folder of files" in text_of(app.screen.query_one("#prompt-error"))


@pytest.mark.asyncio
async def test_export_is_a_download_and_writes_no_file(classroom, monkeypatch):
    served, root, _ = classroom
    delivered = []
    app = make_app(served=served)
    monkeypatch.setattr(app, "deliver_binary",
                        lambda data, **kw: delivered.append((data.read(), kw)))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "space", "space", "e")
        await type_in(pilot, "../trace.json")  # a download has a name, no folder
        assert "without folders" in text_of(app.screen.query_one("#prompt-error"))
        await type_in(pilot, "mine.json")
        await settle(pilot)
        assert app.lab.snapshot().t == 2  # the export runs to the end and comes back
    [(data, options)] = delivered
    assert options["save_filename"] == "mine.json"
    trace = json.loads(data)
    assert len(trace["steps"]) == 7 and trace["config"]["cell"] == "lstm"
    assert sorted(os.listdir(root)) == ["out.txt", "song.txt"]
    assert os.listdir(served.scratch) == []


def test_a_trained_model_goes_to_the_scratch_and_downloads_as_one_zip(classroom):
    served, root, _ = classroom
    placed = check_output("song_lstm.keras", served.train_output)
    assert placed == served.scratch / "song_lstm.keras"
    for typed in ("../song_lstm.keras", "/tmp/song_lstm.keras"):
        with pytest.raises(LabError, match="without folders"):
            check_output(typed, served.train_output)
    model, index = served.scratch / "m.keras", served.scratch / "m.word_index.json"
    model.write_bytes(b"model")
    index.write_text("{}")
    with zipfile.ZipFile(io.BytesIO(served.zipped(model, index))) as archive:
        assert archive.namelist() == ["m.keras", "m.word_index.json"]
        assert archive.read("m.keras") == b"model"


def test_served_lab_is_fresh_confined_and_leaves_no_scratch(tmp_path, monkeypatch):
    """What `tui-lab serve` starts: no session read (one is there), Keras' and the lab's own
    files in a scratch folder, the command line's file options in the class folder, and the
    scratch gone when the lab ends."""
    from tui_lab.tui import session
    from tui_lab.tui.app import LabApp

    root = tmp_path / "class"
    root.mkdir()
    (root / "song.txt").write_text("one two three\n")
    session.save(session.Session(sentence="i am the saved session"))
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    seen = {}
    # Not the test process: it does not end with its parent, nor at once after the lab.
    monkeypatch.setattr(launch, "_end_with_parent", lambda: None)
    monkeypatch.setattr(launch, "leave_now", lambda: seen.update(left=True))
    monkeypatch.setattr(files, "_guard", None)
    for variable in ("KERAS_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "TMPDIR"):
        monkeypatch.setenv(variable, "unchanged")
    monkeypatch.chdir(tmp_path)

    def run(app):
        seen.update(app=app, scratch=list(temp.iterdir()), keras=os.environ["KERAS_HOME"],
                    cwd=os.getcwd(), temp=tempfile.gettempdir())

    monkeypatch.setattr(LabApp, "run", run)
    assert launch.run(["song.txt", "--served", "--served-root", str(root)]) == 0
    app, [scratch] = seen["app"], seen["scratch"]
    assert app.lab.lines == ("one two three",) and app._save_session is False
    assert seen["keras"].startswith(str(scratch)) and seen["cwd"] == str(root)
    assert seen["temp"].startswith(str(scratch))
    assert list(temp.iterdir()) == [] and seen["left"]  # the scratch is removed at exit
    monkeypatch.setattr(tempfile, "tempdir", str(temp))  # (the lab pointed it at its scratch)
    with pytest.raises(LabError, match="climbs out of the class folder"):
        launch.app_from_args(["../secret.txt", "--served", "--served-root", str(root)])
    assert list(temp.iterdir()) == []


@pytest.mark.asyncio
async def test_a_screenshot_is_a_download(classroom, monkeypatch):
    served, root, _ = classroom
    delivered = []
    app = make_app(served=served)
    monkeypatch.setattr(app, "deliver_text",
                        lambda text, **kw: delivered.append((text.read(), kw)))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        [command] = [c for c in app.get_system_commands(app.screen) if c.title == "Screenshot"]
        command.callback()
        await pilot.pause(0.3)
    [(svg, options)] = delivered
    assert svg.startswith("<svg") and options["open_method"] == "download"
    assert options["save_filename"].endswith(".svg")
    assert sorted(os.listdir(root)) == ["out.txt", "song.txt"]


@pytest.mark.asyncio
async def test_a_trained_model_is_downloaded_as_a_zip_and_opens_from_the_scratch(
        classroom, monkeypatch, keras):
    served, root, _ = classroom
    delivered = []
    app = make_app(served=served)
    monkeypatch.setattr(app, "deliver_binary",
                        lambda data, **kw: delivered.append((data.read(), kw)))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "o")
        await type_in(pilot, "song.txt")
        await press(pilot, "T")
        screen = app.screen
        for name, value in (("units", "4"), ("embedding_dim", "3"), ("epochs", "2"),
                            ("output", "../m.keras")):
            screen.query_one(f"#train-{name}").value = value
        await pilot.pause()
        assert "without folders" in text_of(screen.query_one("#train-msg-output"))
        screen.query_one("#train-output").value = "m.keras"
        await pilot.pause()
        await press(pilot, "ctrl+s")
        await settle(pilot)
        assert screen.finished
        await press(pilot, "escape")
        assert app.lab.model.path == str(served.scratch / "m.keras")  # stepped from there
    [(data, options)] = delivered
    assert options["save_filename"] == "m.zip"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["m.keras", "m.word_index.json"]
        assert {"the", "dog", "away"} <= set(json.loads(archive.read("m.word_index.json")))
    assert sorted(os.listdir(root)) == ["out.txt", "song.txt"]  # nothing in the class folder


@pytest.mark.asyncio
async def test_a_models_fit_text_stays_in_the_class_folder(classroom, keras):
    from tui_lab.trained.training import train
    from tui_lab.tui.screens.model_screens import VocabularyScreen

    served, root, _ = classroom
    files.guard(None)  # the teacher put a model without its word_index in the class folder
    train(root / "song.txt", root / "m.keras", units=4, embedding_dim=3, epochs=1)
    (root / "m.word_index.json").unlink()
    files.guard(served.confinement)
    app = make_app(served=served)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "o")
        await type_in(pilot, "m.keras")
        await settle(pilot)
        assert isinstance(app.screen, VocabularyScreen)
        field = app.screen.query_one("#vocab-text")
        field.value = "../home/secret.txt"
        await press(pilot, "enter")
        line = app.screen.query_one("#vocab-error")
        assert line.display and "climbs out of the class folder" in text_of(line)
        field.value = "song.txt"
        await press(pilot, "enter")
        await settle(pilot)
        assert app.snapshot.model is not None and app.lab.lines[1] == "the dog ran far away"
