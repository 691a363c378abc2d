"""`tui-lab serve` on the command line: every mistake is one line on stderr and exit 2, before
a port is opened; without textual-serve it says how to install it; the labs it starts run
this Python and this tui_lab; --max-sessions' default follows the memory."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from tui_lab.cli import browser, serve
from tui_lab.cli.main import main


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_without_textual_serve_it_says_how_to_install_it(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "textual_serve", None)  # import textual_serve fails
    monkeypatch.delitem(sys.modules, "tui_lab.cli.classroom", raising=False)
    monkeypatch.delitem(sys.modules, "textual_serve.server", raising=False)
    assert main(["serve"]) == 2
    assert one_line(capsys) == ('tui-lab serve: error: textual-serve is not installed: '
                                'pip install "tui-lab[serve]"\n')


@pytest.mark.parametrize("argv, said", [
    (["--root", "/no/such/folder"], "--root /no/such/folder: no such folder"),
    (["--port", "99999"], "expected a whole number from 1 to 65,535"),
    (["--max-sessions", "0"], "expected a whole number from 1 to 1,024"),
    (["--cell", "bogus"], "unknown cell 'bogus'"),
    (["--units", "x"], "expected a whole number"),
    (["--root", "ROOT", "../secret.txt"], "climbs out of the class folder"),
    (["--root", "ROOT", "/etc/passwd"], "is outside the class folder"),
    (["song.txt"], "this class has no folder of files"),
    (["--root", "ROOT", "--model", "ROOT"], "is a folder, not a model file"),
    (["--layer", "lstm"], "go with --model"),
    (["--root", "ROOT", "--served-root", "/"], "are for the labs tui-lab serve starts"),
])
def test_mistakes_are_one_line_before_any_port(tmp_path, capsys, argv, said):
    (tmp_path / "song.txt").write_text("one two\n")
    argv = [str(tmp_path) if arg == "ROOT" else arg for arg in argv]
    assert main(["serve", *argv]) == 2
    err = one_line(capsys)
    assert err.startswith("tui-lab serve: error: ") and said in err, err


def test_a_port_in_use_is_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "tui_lab", "serve", "--port", str(port)],
                                capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""  # no URL: nothing listens there
    assert result.stderr == (f"tui-lab serve: error: cannot listen on 127.0.0.1:{port}: "
                             f"Address already in use\n")


def test_the_labs_run_this_python_and_this_tui_lab_in_the_class_folder(tmp_path):
    (tmp_path / "song.txt").write_text("one two\n")
    command = serve.lab_command(tmp_path, ["song.txt", "--cell", "gru", "--help"])
    assert command.split(" exec ")[1].startswith(f"{sys.executable} -m tui_lab --served "
                                                 f"--served-root {tmp_path} song.txt")
    result = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=60,
                            cwd="/", env={"PATH": "/usr/bin:/bin"})  # no PYTHONPATH of ours
    assert result.returncode == 0 and "usage: tui-lab" in result.stdout, result.stderr


def test_max_sessions_default_is_what_the_memory_holds():
    lab = serve.LAB_RSS_MIB
    assert serve.default_sessions(2048 + 10 * lab + lab // 2) == 10  # 2 GiB left free
    assert serve.default_sessions(2048 + 1000 * lab) == 64
    assert serve.default_sessions(1024) == 1
    assert 1 <= serve.default_sessions() <= 64


def test_lab_processes_are_found_by_their_parent():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        import os

        assert child.pid in browser.children(os.getpid()) and browser.alive(child.pid)
    finally:
        child.kill()
        child.wait()
    assert not browser.alive(child.pid)
