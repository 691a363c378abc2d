"""Nothing lost, no surprises: the session (text or typed sentence, lines, settings, step,
model, theme) is saved in the user's config directory and restored at the next start,
command-line options win over it, --fresh skips it, a broken session file is set aside with a
notice; the app asks before replacing a file, opens no network port, and Keras leaves the
user's home alone."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tui_lab import LabError
from tui_lab.tui import session
from tui_lab.cli.main import app_from_args
from tui_lab.trained.lab import ModelLab
from tui_lab.trained.loading import shipped_model_path
from tui_lab.tui.screens.lab import LabScreen

from pilot import press, settle, warnings

TEXT = "the cat sat on the mat\n\nthe dog ran far away\na bird sang\n"


@pytest.fixture
def text(tmp_path) -> Path:
    path = tmp_path / "song.txt"
    path.write_text(TEXT)
    return path


def start(argv):
    app = app_from_args(argv)
    app.animation_level = "none"
    return app


def saved() -> dict:
    return json.loads(session.session_path().read_text())


# ----- where ---------------------------------------------------------------------------------
def test_the_session_lives_in_the_xdg_config_dir(own_config_dirs, monkeypatch, tmp_path):
    assert session.session_path() == own_config_dirs / "config" / "tui-lab" / "session.json"
    monkeypatch.setenv("HOME", str(tmp_path))
    for unset in ("", "relative/dir"):  # the XDG spec: ignored, the default applies
        monkeypatch.setenv("XDG_CONFIG_HOME", unset)
        assert session.session_path() == tmp_path / ".config" / "tui-lab" / "session.json"


def test_saved_for_the_user_only_and_read_back(tmp_path):
    path = tmp_path / "deep" / "tui-lab" / "session.json"
    mine = session.Session(text="/a/b.txt", selection=(2, 4), settings={"units": 8},
                           step=3, theme="textual-light", marks=(2, 4), cursor=4)
    session.save(mine, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert session.load(path) == (mine, None)
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


@pytest.mark.parametrize("content,reason", [
    ("{not json", "Expecting property name"),
    ('{"version": 0, "text": null}', "it is version 0, this lab reads version 1"),
    ('[1, 2]', "the session has the wrong type"),
    ('{"version": 1, "settings": {"units": 0}}', "units must be at least 1"),
    ('{"version": 1, "selection": "3"}', "selection has the wrong type"),
    (b"\xff\xfe", "codec can't decode"),
])
def test_a_broken_session_is_set_aside_never_fatal(tmp_path, content, reason):
    path = tmp_path / "session.json"
    (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    result, notice = session.load(path)
    assert result is None and reason in notice and "session.json.bad" in notice
    assert not path.exists() and (tmp_path / "session.json.bad").exists()
    assert session.load(path) == (None, None)


@pytest.mark.parametrize("content", ["{" + "x" * 50_000_000,
                                     json.dumps({"version": 1, "sentence": "oh yes " * 7_500_000})],
                         ids=["not JSON", "a 50 MB sentence"])
def test_a_50_mb_session_is_set_aside_unread(tmp_path, content):
    """Not read whole and restored (a 50 MB sentence, or 16 million selected lines, held
    the start up for seconds): refused by its size, kept aside, with a notice."""
    path = tmp_path / "session.json"
    path.write_text(content)
    result, notice = session.load(path)
    assert result is None and "session.json.bad" in notice
    assert f"is {len(content) / 2**20:.3g} MiB; the lab reads a session file of at most 4 MiB" \
        in notice
    assert not path.exists() and (tmp_path / "session.json.bad").stat().st_size == len(content)


@pytest.mark.parametrize("read_only", ["config", "tui-lab", "session.json"])
def test_a_read_only_config_folder_or_session_is_left_alone(own_config_dirs, read_only):
    """Judged by the mode bits, so as root too (whom the kernel lets write anyway): the
    session is not written, and the app says so once and runs on."""
    folder = session.session_path().parent
    folder.parent.mkdir(parents=True)
    if read_only != "config":
        folder.mkdir()
    kept = session.Session(step=3).to_json()
    if read_only == "session.json":
        session.session_path().write_text(kept)
    target = {"config": folder.parent, "tui-lab": folder,
              "session.json": session.session_path()}[read_only]
    target.chmod(0o555 if target.is_dir() else 0o444)
    try:
        with pytest.raises(PermissionError, match=f"{target} is read-only"):
            session.save(session.Session(step=1))
        app = start([])
        app.snapshot = type("S", (), {})()  # any snapshot: session_now is replaced below
        app.session_now = lambda: session.Session(step=1)
        notes = []
        app.notify = lambda message, **kw: notes.append(message)
        app.save_session()
        app.save_session()
        assert notes == [f"the session cannot be saved in {folder}: {target} is read-only"]
        assert not folder.exists() or not list(folder.glob(".session.*"))
        assert read_only != "session.json" or session.session_path().read_text() == kept
    finally:
        target.chmod(0o755 if target.is_dir() else 0o644)


def test_unknown_settings_from_a_newer_lab_are_ignored(tmp_path):
    path = tmp_path / "session.json"
    path.write_text('{"version": 1, "settings": {"units": 6, "warp_speed": 9}}')
    assert session.load(path)[0].settings == {"units": 6}


# ----- in the app -----------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_a_session_comes_back_as_it_was(text):
    app = start([str(text)])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "j", "plus", "space", "space", "space", "d")
        assert app.snapshot.selection == (3,) and app.snapshot.t == 3
        theme = app.theme
    data = saved()
    assert data["text"] == str(text.resolve()) and data["selection"] == [3]
    assert data["step"] == 3 and data["settings"]["units"] == 5 and data["theme"] == theme
    app = start([])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        snapshot = app.snapshot
        assert snapshot.source_name == str(text.resolve()) and snapshot.selection == (3,)
        assert snapshot.t == 3 and snapshot.config.units == 5 and app.theme == theme
        assert app.line_cursor == 3 and not warnings(app)
        await press(pilot, "t")
        await pilot.press(*"a cat")
        await press(pilot, "enter")
        await press(pilot, "space")
    app = start([])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.snapshot.sentence == "a cat" and app.snapshot.t == 1


@pytest.mark.asyncio
async def test_a_marked_batch_and_an_open_model_come_back(text):
    app = start([str(text)])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "m", "j", "m", "space")
        assert app.snapshot.selection == (1, 3)
    app = start([])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.snapshot.selection == (1, 3) and app.marks == {1, 3} and app.snapshot.t == 1
        await press(pilot, "o")
        app.focused.value = str(shipped_model_path())
        await press(pilot, "enter")
        await press(pilot, "space", "space")
        assert isinstance(app.lab, ModelLab)
    assert saved()["model"]["path"] == str(shipped_model_path().resolve())
    app = start([])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.lab, ModelLab) and app.snapshot.model.layer.name == "lstm"
        assert app.snapshot.t == 2 and app.snapshot.source_name == str(text.resolve())


@pytest.mark.asyncio
async def test_fresh_skips_the_session_and_given_options_win(text, tmp_path):
    other = tmp_path / "other.txt"
    other.write_text("one two three\nfour five\n")
    session.save(session.Session(text=str(text), selection=(3,), step=2,
                                 settings={"cell": "gru", "units": 8}, theme="textual-light"))
    app = start(["--fresh"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.snapshot.source_name.startswith("The Great Pretender")
        assert app.snapshot.config.cell == "lstm" and app.snapshot.t == 0
    session.save(session.Session(text=str(text), selection=(3,), step=2,
                                 settings={"cell": "gru", "units": 8}, theme="textual-light"))
    app = start(["--units", "3"])  # a setting given: that one wins, the rest comes back
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        config = app.snapshot.config
        assert (config.cell, config.units) == ("gru", 3)
        assert app.snapshot.source_name == str(text) and app.snapshot.t == 2
    app = start([str(other)])  # a text given: the session's input is not restored
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.snapshot.source_name == str(other) and app.snapshot.t == 0
        assert app.snapshot.config.cell == "gru" and app.snapshot.selection == (1,)


def test_a_sessions_settings_never_contradict_weights_given(text, tmp_path):
    """The session's units are not typed: weights given with other units win, with no
    refusal; typed units that the weights contradict are refused (tests/cli)."""
    import numpy as np

    rng = np.random.default_rng(0)
    weights = tmp_path / "w.npz"
    np.savez(weights, kernel=rng.normal(size=(4, 24)).astype(np.float32),
             recurrent_kernel=rng.normal(size=(6, 24)).astype(np.float32))
    session.save(session.Session(text=str(text), selection=(3,), settings={"units": 8}))
    assert start(["--weights", str(weights)]).lab.config.units == 6
    with pytest.raises(LabError, match="--units 8 contradicts .*w.npz: its weights have 6 units"):
        start(["--weights", str(weights), "--units", "8"])


@pytest.mark.asyncio
async def test_a_corrupt_session_is_a_notice_and_the_lab_starts_fresh():
    path = session.session_path()
    path.parent.mkdir(parents=True)
    path.write_text('{"version": 1, "step": "three"')
    app = start([])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert any("could not be used" in m and "session.json.bad" in m for m in warnings(app))
        assert isinstance(app.screen, LabScreen) and app.snapshot.t == 0
        await press(pilot, "space")
        assert app.snapshot.t == 1
    assert path.with_name("session.json.bad").read_text() == '{"version": 1, "step": "three"'
    assert saved()["step"] == 1  # a good session replaces it


@pytest.mark.asyncio
async def test_a_session_whose_text_is_gone_or_changed(text):
    session.save(session.Session(text=str(text), selection=(3,), step=2))
    text.write_text("just one line now\n")
    app = start([])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.snapshot.source_name == str(text) and app.snapshot.selection == (1,)
        assert any("lines could not be restored" in m for m in warnings(app))
    session.save(session.Session(text=str(text), selection=(1,), step=2))
    text.unlink()
    app = start([])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.snapshot.source_name.startswith("The Great Pretender")
        assert any("no such file" in m for m in warnings(app))


def test_restoring_does_not_import_tensorflow_before_the_first_paint(text):
    session.save(session.Session(text=str(text), selection=(3,), step=2,
                                 model={"path": str(shipped_model_path()), "layer": "lstm"}))
    code = ("import sys\nfrom tui_lab.cli.main import app_from_args\n"
            "app = app_from_args([])\n"
            "print('tensorflow' in sys.modules, app.lab.is_built, app.lab.selection)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.split() == ["False", "False", "(3,)"]


def test_the_session_cannot_be_saved_is_a_notice_not_a_crash(monkeypatch):
    app = start([])
    app.snapshot = type("S", (), {})()  # any snapshot: session_now is replaced below
    monkeypatch.setattr(app, "session_now", lambda: session.Session(step=1))
    notes = []
    monkeypatch.setattr(app, "notify", lambda message, **kw: notes.append(message))

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(session, "save", refuse)
    app.save_session()
    app.save_session()
    assert len(notes) == 1 and "cannot be saved" in notes[0] and "Permission denied" in notes[0]


# ----- shared machines ------------------------------------------------------------------------
def listening_socket_inodes() -> set[str]:
    """Inodes of every listening TCP socket and bound UDP socket on this machine."""
    inodes = set()
    for name, listening in (("tcp", "0A"), ("tcp6", "0A"), ("udp", "07"), ("udp6", "07")):
        table = Path("/proc/net", name)
        if table.exists():
            for row in table.read_text().splitlines()[1:]:
                fields = row.split()
                if fields[3] == listening:
                    inodes.add(fields[9])
    return inodes


def own_socket_inodes() -> set[str]:
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc")
@pytest.mark.asyncio
async def test_the_app_opens_no_network_port(text):
    app = start([str(text), "--model", str(shipped_model_path())])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "space", "n")
        assert isinstance(app.lab, ModelLab)
        assert not own_socket_inodes() & listening_socket_inodes()


def test_keras_leaves_a_home_without_dot_keras_alone(tmp_path):
    home, cache = tmp_path / "home", tmp_path / "cache"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(cache)}
    env.pop("KERAS_HOME", None)
    subprocess.run([sys.executable, "-c", "from tui_lab.core import tf_loader; tf_loader.keras()"],
                   env=env, check=True, timeout=300)
    assert list(home.iterdir()) == []
    assert (cache / "tui-lab" / "keras" / "keras.json").is_file()
