"""A served lab's files (core/confine.py): typed paths resolve inside the class folder, and
with the guard set the lab reads nothing outside it and writes nothing but its scratch."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tui_lab.core import files
from tui_lab.core.confine import Confinement
from tui_lab.core.text import assets_dir, lyrics_path
from tui_lab.errors import LabError


@pytest.fixture
def classroom(tmp_path):
    root, scratch, outside = tmp_path / "class", tmp_path / "scratch", tmp_path / "home"
    for folder in (root / "week1", scratch, outside):
        folder.mkdir(parents=True)
    (root / "song.txt").write_text("one two\n")
    (root / "week1" / "notes.txt").write_text("three\n")
    (outside / "secret.txt").write_text("private\n")
    (root / "out.txt").symlink_to(outside / "secret.txt")
    (root / "away").symlink_to(outside)
    (root / "in.txt").symlink_to(root / "song.txt")
    return Confinement(root, scratch, assets_dir()), root, outside


def test_typed_paths_inside_the_root_resolve_there(classroom):
    confinement, root, _ = classroom
    assert confinement.resolve("song.txt") == root / "song.txt"
    assert confinement.resolve("week1/../song.txt") == root / "song.txt"
    assert confinement.resolve(f"{root}/week1/notes.txt") == root / "week1" / "notes.txt"
    assert confinement.resolve("in.txt") == root / "song.txt"  # a link that stays inside
    assert confinement.resolve(str(lyrics_path())) == lyrics_path().resolve()  # shipped


@pytest.mark.parametrize("typed, why", [
    ("../../etc/passwd", "climbs out of the class folder"),
    ("week1/../../home/secret.txt", "climbs out of the class folder"),
    ("/etc/passwd", "is outside the class folder"),
    ("~/secret.txt", "is outside the class folder"),
    ("out.txt", "is a link that leads out of the class folder"),
    ("away/secret.txt", "is a link that leads out of the class folder"),
])
def test_paths_leading_out_are_refused_in_one_line(classroom, typed, why):
    confinement, _, outside = classroom
    with pytest.raises(LabError) as refused:
        confinement.resolve(typed)
    message = str(refused.value)
    assert message.startswith("refused: ") and why in message and "\n" not in message


def test_without_a_root_no_path_opens(tmp_path):
    confinement = Confinement(None, tmp_path, assets_dir())
    with pytest.raises(LabError, match="this class has no folder"):
        confinement.resolve("song.txt")


def test_the_guard_keeps_every_read_and_write_inside(classroom, monkeypatch):
    confinement, root, outside = classroom
    monkeypatch.setattr(files, "_guard", None)
    files.guard(confinement)
    try:
        assert files.read_bytes(root / "song.txt") == b"one two\n"
        assert files.read_bytes(lyrics_path())  # the lab's own lyrics
        for path in (outside / "secret.txt", root / "out.txt"):
            with pytest.raises(LabError, match="outside the class folder"):
                files.read_bytes(path)
        for path in (root / "new.json", outside / "new.json", root / "song.txt"):
            with pytest.raises(LabError, match="writes no file on the server"):
                files.write_atomic(path, "{}")
        written = files.write_atomic(Path(confinement.scratch) / "model.json", "{}")
        assert written.read_text() == "{}"
    finally:
        files.guard(None)
    assert sorted(os.listdir(root)) == ["away", "in.txt", "out.txt", "song.txt", "week1"]
    assert os.listdir(outside) == ["secret.txt"]
