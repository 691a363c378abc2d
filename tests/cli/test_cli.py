"""`tui-lab` on the command line: fast help, the trace, and one clear line for bad input."""

import json
import os
import stat
import subprocess
import sys
import time

import numpy as np
import pytest

from tui_lab.cli.main import main


def run(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "tui_lab", *args], capture_output=True,
                          text=True, timeout=timeout)


HEAVY = ("tensorflow", "keras", "textual", "rich", "tui_lab.tui")
NO_HEAVY_IMPORTS = """
import contextlib, io, json, pkgutil, sys
import importlib

import tui_lab.cli, tui_lab.core, tui_lab.trained
from tui_lab.cli.main import COMMANDS, main

heavy = json.loads(sys.argv[1])
loaded = lambda: sorted(name for name in heavy if name in sys.modules)
modules = []
for package in (tui_lab.core, tui_lab.trained, tui_lab.cli):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if module.name == "tui_lab.cli.classroom":  # the server: only `tui-lab serve` runs it
            continue
        importlib.import_module(module.name)
        modules.append(module.name)
after_imports = loaded()
codes = {}
for command in ["", *COMMANDS]:
    with contextlib.redirect_stdout(io.StringIO()) as out:
        codes[command] = main([command, "--help"] if command else ["--help"])
    assert "usage:" in out.getvalue(), command
print(json.dumps({"modules": modules, "after_imports": after_imports, "codes": codes,
                  "after_help": loaded()}))
"""


def test_help_is_fast_and_does_not_import_tensorflow():
    """In one process: every module of core, trained and cli imported, and every command's
    --help run, and still no TensorFlow, Keras, Textual, Rich or app in sys.modules."""
    child = subprocess.run([sys.executable, "-c", NO_HEAVY_IMPORTS, json.dumps(HEAVY)],
                           capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr
    found = json.loads(child.stdout)
    for module in ("tui_lab.core.lab", "tui_lab.trained.loading", "tui_lab.cli.options",
                   "tui_lab.cli.trace", "tui_lab.cli.launch", "tui_lab.cli.bench"):
        assert module in found["modules"]
    assert found["codes"] == {"": 0, "trace": 0, "train": 0, "generate": 0, "bench": 0,
                              "experiment": 0, "serve": 0}
    assert found["after_imports"] == [] and found["after_help"] == [], found
    start = time.perf_counter()
    result = run("--help")
    assert result.returncode == 0 and "trace" in result.stdout and "--go-backwards" in result.stdout
    assert time.perf_counter() - start < 10  # a sanity bound only; the bench measures speed
    assert run("trace", "--help").returncode == 0


def test_trace_to_stdout_end_to_end():
    """A real process: JSON on stdout and nothing at all on stderr (TF's noise is silenced)."""
    result = run("trace", "--line", "21", "--cell", "gru", "--units", "3")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    trace = json.loads(result.stdout)
    assert trace["padded"] == [[17, 18, 43, 21, 44, 21, 44]]
    assert trace["config"]["cell"] == "gru" and np.shape(trace["steps"][0]["h"]) == (1, 3)
    assert trace["max_abs_error"] < 1e-5


def test_trace_options(tmp_path, capsys):
    out = tmp_path / "t.npz"
    assert main(["trace", "--line", "2,5", "--cell", "simple_rnn", "--units", "6",
                 "--embedding-dim", "3", "--num-words", "40", "--maxlen", "9", "--padding", "post",
                 "--truncating", "pre", "--go-backwards", "--mask-padding", "--no-bias",
                 "--seed", "5", "-o", str(out)]) == 0
    arrays = np.load(out)
    config = json.loads(str(arrays["config"]))
    assert {k: config[k] for k in ("cell", "units", "embedding_dim", "num_words", "maxlen",
                                   "padding", "truncating", "go_backwards", "mask_padding",
                                   "use_bias", "seed")} == {
        "cell": "simple_rnn", "units": 6, "embedding_dim": 3, "num_words": 40, "maxlen": 9,
        "padding": "post", "truncating": "pre", "go_backwards": True, "mask_padding": True,
        "use_bias": False, "seed": 5}
    assert arrays["steps_h"].shape == (9, 2, 6) and "weights_bias" not in arrays
    assert main(["trace", "--cell", "gru", "--no-reset-after", "--text", "too real to feel",
                 "--engine", "keras"]) == 0
    trace = json.loads(capsys.readouterr().out)
    assert trace["config"]["engine"] == "keras" and trace["gate_max_abs_error"] < 1e-5
    assert trace["config"]["reset_after"] is False and trace["tokens"] == [["too", "real", "to", "feel"]]
    assert np.shape(trace["weights"]["bias"]) == (12,)


def test_trace_inputs_weights_and_initial_state(tmp_path, capsys):
    vectors = np.arange(24, dtype=np.float32).reshape(1, 4, 6)
    np.save(tmp_path / "v.npy", vectors)
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "w.npz", kernel=rng.normal(size=(6, 8)) * 0.1,
             recurrent_kernel=rng.normal(size=(2, 8)), bias=np.zeros(8))
    np.savez(tmp_path / "s.npz", h=[0.1, 0.2], c=[0.3, 0.4])
    assert main(["trace", "--inputs", str(tmp_path / "v.npy"), "--weights", str(tmp_path / "w.npz"),
                 "--initial-state", str(tmp_path / "s.npz")]) == 0
    trace = json.loads(capsys.readouterr().out)
    assert trace["config"]["units"] == 2 and trace["initial_state"]["c"] == [[pytest.approx(0.3),
                                                                             pytest.approx(0.4)]]
    assert len(trace["steps"]) == 4 and trace["max_abs_error"] < 1e-5


def bad_inputs(tmp):
    (tmp / "empty.txt").write_text("")
    (tmp / "binary.txt").write_bytes(b"\x00\x01\x02")
    (tmp / "latin1.txt").write_bytes(b"d\xe9j\xe0 vu")
    np.savez(tmp / "nokernel.npz", recurrent_kernel=np.zeros((4, 16)))
    np.savez(tmp / "badshape.npz", kernel=np.zeros((4, 12)), recurrent_kernel=np.zeros((4, 12)))
    np.save(tmp / "v1d.npy", np.zeros(5))
    return [
        (["trace", str(tmp / "missing.txt")], "no such file"),
        (["trace", str(tmp)], "is a folder"),
        (["trace", str(tmp / "empty.txt")], "is empty"),
        (["trace", str(tmp / "binary.txt")], "looks like a binary file"),
        (["trace", str(tmp / "latin1.txt")], "is not UTF-8 text"),
        (["trace", "--line", "0"], "line 0 is out of range"),
        (["trace", "--line", "22"], "line 22 is out of range"),
        (["trace", "--line", "x"], "expected line numbers"),
        (["trace", "--text", "?!"], "no words the tokenizer keeps"),
        (["trace", "--units", "0"], "units must be at least 1"),
        (["trace", "--units", "100000"], "units must be at most 1024"),
        (["trace", "--embedding-dim", "0"], "embedding_dim must be at least 1"),
        (["trace", "--embedding-dim", "5000"], "embedding_dim must be at most 1024"),
        (["trace", "--maxlen", "0"], "maxlen must be at least 1"),
        (["trace", "--cell", "rnn"], "unknown cell 'rnn'"),
        (["trace", "--padding", "both"], "padding must be 'pre' or 'post'"),
        (["trace", "--engine", "torch"], "engine must be 'keras' or 'numpy'"),
        (["trace", "--weights", str(tmp / "nokernel.npz")], "has no 'kernel' array"),
        (["trace", "--weights", str(tmp / "badshape.npz")], "recurrent_kernel has shape (4, 12)"),
        (["trace", "--initial-state", str(tmp / "nokernel.npz")], "has no 'h' array"),
        (["trace", "--inputs", str(tmp / "v1d.npy")], "have 1 dimensions"),
        (["trace", "--format", "npz"], "--format npz needs -o FILE"),
        (["trace", "-o", str(tmp / "no" / "t.json")], "does not exist"),
        (["--units", "0"], "units must be at least 1"),
        (["--cell", "rnn"], "unknown cell 'rnn'"),
    ]


def test_bad_input_is_one_line_and_exit_2(tmp_path, capfd):
    for args, message in bad_inputs(tmp_path):
        code = main(args)
        out, err = capfd.readouterr()
        assert code == 2, (args, err)
        assert err.count("\n") == 1 and message in err, (args, err)
        assert err.startswith("tui-lab") and "Traceback" not in err and out == ""


def test_bad_input_in_a_real_process(tmp_path):
    (tmp_path / "latin1.txt").write_bytes(b"d\xe9j\xe0 vu")
    result = run("trace", str(tmp_path / "latin1.txt"))
    assert result.returncode == 2
    assert result.stderr == f"tui-lab trace: error: {tmp_path / 'latin1.txt'} is not UTF-8 text " \
                            f"(bad byte at offset 1)\n"


# ----- the contract: a user mistake is exit 2 and one line, refused before TensorFlow --------
CHILD = """
import contextlib, io, json, sys
from tui_lab.cli.main import main
results = []
for argv in json.loads(sys.argv[1]):
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = main(argv)
    results.append([argv, code, err.getvalue(), out.getvalue()])
print(json.dumps({"results": results, "tensorflow": "tensorflow" in sys.modules}))
"""


def odd_inputs(tmp):
    """Odd files, all made here: a FIFO, a folder, 300-character names, odd JSON and .npy."""
    os.mkfifo(tmp / "pipe.txt")
    os.mkfifo(tmp / "pipe.npz")
    (tmp / "dir.keras").mkdir()
    long = str(tmp / ("a" * 300))
    (tmp / "bigint.json").write_text("[[1" + "0" * 400 + ", 2]]")
    (tmp / "nested.json").write_text("[" * 100_000 + "]" * 100_000)
    np.save(tmp / "complex.npy", np.array([[1 + 2j, 3 - 1j]]))
    np.save(tmp / "dates.npy", np.array([["2024-01-01"]], dtype="datetime64[D]"))
    with open(tmp / "huge.npy", "wb") as out:
        np.lib.format.write_array_header_1_0(
            out, {"descr": "<f4", "fortran_order": False, "shape": (10**12,)})
    # float64 beyond float32: numpy warns "overflow" while the lab converts it
    np.savez(tmp / "overflow.npz", kernel=np.full((4, 16), 1e39), recurrent_kernel=np.zeros((4, 16)))
    return [
        (["trace", "--weights", str(tmp / "overflow.npz")], "NaN or infinite"),  # no warning line
        (["trace", str(tmp / "pipe.txt")], "pipe.txt is a named pipe (FIFO), not a file"),
        (["trace", "/dev/zero"], "/dev/zero is a device, not a file"),
        (["trace", "/dev/urandom"], "/dev/urandom is a device, not a file"),
        (["train", str(tmp / "pipe.txt")], "is a named pipe (FIFO)"),
        (["generate", "--fit-text", "/dev/zero", "--seed-text", "a"], "is a device, not a file"),
        (["generate", "--word-index", str(tmp / "pipe.txt"), "--seed-text", "a"], "named pipe"),
        (["trace", "--inputs", str(tmp)], "is a folder, not a vectors file"),
        (["trace", "--inputs", "/dev/null"], "/dev/null is a device, not a vectors file"),
        (["trace", "--weights", str(tmp / "pipe.npz")], "is a named pipe (FIFO), not a weights"),
        (["trace", "--initial-state", str(tmp)], "is a folder, not a initial-state file"),
        (["trace", "--model", str(tmp / "dir.keras")], "is a folder, not a model file"),
        (["--model", "/dev/null"], "/dev/null is a device, not a model file"),
        (["trace", "--inputs", long + ".npy"], "the file name is too long"),
        (["trace", "--weights", long + ".npz"], "the file name is too long"),
        (["trace", "--initial-state", long + ".npz"], "the file name is too long"),
        (["trace", "--model", long + ".keras"], "the file name is too long"),
        (["trace", "-o", long + ".json"], "the file name is too long"),
        (["trace", "-o", str(tmp / "pipe.txt")], "is a named pipe (FIFO), not a trace file"),
        (["trace", "-o", "/dev/null"], "/dev/null is a device, not a trace file"),
        (["trace", "-o", str(tmp)], "is a folder, not a trace file"),
        (["train", "-o", str(tmp / "dir.keras")], "is a folder, not a model file"),
        (["trace", "--inputs", str(tmp / "bigint.json")], "a number too large for float32"),
        (["trace", "--inputs", str(tmp / "nested.json")], "nested too deeply"),
        (["trace", "--inputs", str(tmp / "complex.npy")], "real numbers, not complex128"),
        (["trace", "--inputs", str(tmp / "dates.npy")], "real numbers, not datetime64[D]"),
        (["trace", "--inputs", str(tmp / "huge.npy")], "holds 1,000,000,000,000 numbers"),
        (["trace", "--units", "1024", "--maxlen", "100000", "--line", ",".join(["1"] * 21)],
         "needs ~"),
        (["train", "--seed", "99999999999"], "--seed: expected a whole number from 0 to 4,294,967,295"),
        (["train", "--seed", "4294967296"], "--seed: expected a whole number from 0"),
        (["train", "--seed", "9" * 5000], "--seed: expected a whole number, not"),
        (["train", "--epochs", "1000000000"], "--epochs: expected a whole number from 1 to 100,000"),
        (["train", "--units", "1000000000"], "--units: expected a whole number from 1 to 1,024"),
        (["train", "--embedding-dim", "1000000000"], "--embedding-dim: expected a whole number"),
        (["train", "--learning-rate", "inf"], "--learning-rate: expected a number above 0"),
        (["train", "--learning-rate", "nan"], "--learning-rate: expected a number above 0"),
        (["train", "--learning-rate", "1e400"], "--learning-rate: expected a number above 0"),
        (["generate", "--sample-seed", "-5"], "--sample-seed: expected a whole number from 0"),
        (["generate", "--temperature=-inf"], "--temperature: expected a number above 0"),
        (["generate", "--temperature", "inf"], "--temperature: expected a number above 0"),
        (["generate", "--top-k", "0"], "--top-k: expected a whole number from 1 to 1,000"),
        (["generate", "--words", "1000000"], "--words: expected a whole number from 1 to 1,000"),
        (["trace", "--seed", "99999999999"], "seed must be at most 2147483647"),
        (["trace", "--maxlen", "1" + "0" * 30], "maxlen must be at most 100000"),
    ]


def test_refusals_are_one_line_exit_2_and_need_no_tensorflow(tmp_path):
    cases = odd_inputs(tmp_path)
    child = subprocess.run([sys.executable, "-c", CHILD, json.dumps([a for a, _ in cases])],
                           capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr
    report = json.loads(child.stdout)
    for (argv, code, err, out), (_, message) in zip(report["results"], cases):
        assert code == 2 and out == "", (argv, code, err)
        assert err.count("\n") == 1 and err.startswith("tui-lab") and message in err, (argv, err)
    assert report["tensorflow"] is False
    assert stat.S_ISFIFO(os.stat(tmp_path / "pipe.txt").st_mode)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_trace_to_stdout_a_full_disk_and_a_link_in_a_real_process(tmp_path):
    """The same trace through `-o -`, `-o /dev/stdout`, into a dangling symlink (created with
    the child's umask 027) and onto a full disk (one line, exit 2)."""
    first = run("trace", "--cell", "gru", "-o", "-")
    assert first.returncode == 0 and first.stderr == ""
    assert json.loads(first.stdout)["config"]["cell"] == "gru"
    (tmp_path / "link.json").symlink_to("made.json")
    script = ("import os, sys; os.umask(0o027); from tui_lab.cli.main import main; "
              "sys.exit(main(sys.argv[1:]))")
    linked = subprocess.run([sys.executable, "-c", script, "trace", "--cell", "gru", "-o",
                             str(tmp_path / "link.json")], capture_output=True, text=True,
                            timeout=120)
    assert linked.returncode == 0 and linked.stderr == ""
    assert (tmp_path / "link.json").is_symlink()
    assert stat.S_IMODE(os.stat(tmp_path / "made.json").st_mode) == 0o640
    assert json.loads((tmp_path / "made.json").read_text()) == json.loads(first.stdout)
    with open("/dev/full", "w") as full:  # writing to /dev/full changes nothing
        failed = subprocess.run([sys.executable, "-m", "tui_lab", "trace", "-o", "/dev/stdout"],
                                stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert failed.returncode == 2
    assert failed.stderr == "tui-lab trace: error: cannot write to standard output: No space " \
                            "left on device\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "made.json"]


def test_trace_keeps_the_mode_and_hard_links_of_an_existing_file(tmp_path, capfd):
    path = tmp_path / "t.json"
    path.write_text("old")
    os.chmod(path, 0o644)
    os.link(path, tmp_path / "same.json")
    saved = os.umask(0o077)
    try:
        assert main(["trace", "--line", "3", "-o", str(path)]) == 0
    finally:
        os.umask(saved)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644 and os.stat(path).st_nlink == 2
    assert json.loads((tmp_path / "same.json").read_text())["config"]["source"]["lines"] == [3]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same.json", "t.json"]
    assert capfd.readouterr().err == ""


def test_the_first_screen_loads_only_what_it_shows():
    """The app's first paint waits for every module imported before it: not for TensorFlow,
    the help's Markdown or the trained models' room (each loads when first used)."""
    code = ("import sys\nfrom tui_lab.cli.launch import app_from_args\n"
            "app_from_args(['--fresh'])\n"
            "print(sorted(m for m in ('tensorflow', 'keras', 'markdown_it', 'tui_lab.trained',"
            " 'tui_lab.tui.screens.help') if m in sys.modules))")
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           timeout=120, env={**os.environ, "XDG_CONFIG_HOME": "/nonexistent"})
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "[]"
    # ...and each is still there when asked for.
    import tui_lab

    assert callable(tui_lab.generate) and callable(tui_lab.open_model)


def test_model_lyrics_names_the_shipped_model_from_any_directory(tmp_path, monkeypatch, capsys):
    """`--model lyrics` works outside the checkout (the README's examples use it); a file of
    that name in the working directory wins, and is then read as the path it is."""
    from tui_lab.trained.loading import shipped_model_path

    monkeypatch.chdir(tmp_path)
    assert main(["trace", "--model", "lyrics", "--text", "too real"]) == 0
    trace = json.loads(capsys.readouterr().out)
    assert trace["model"]["path"] == str(shipped_model_path()) and trace["ids"] == [12, 7]
    (tmp_path / "lyrics").write_text("not a model")
    assert main(["trace", "--model", "lyrics", "--text", "too real"]) == 2
    assert "lyrics" in capsys.readouterr().err


def test_each_lab_options_range_is_in_its_help_and_is_the_one_checked():
    # The README says so; --units showed no range until a bad value gave it.
    import argparse

    from tui_lab import config
    from tui_lab.cli.options import add_lab_options

    parser = argparse.ArgumentParser()
    add_lab_options(parser)
    helps = {action.dest: action.help for action in parser._actions}
    for dest, top in (("units", config.MAX_UNITS), ("embedding_dim", config.MAX_EMBEDDING_DIM),
                      ("num_words", config.MAX_NUM_WORDS), ("maxlen", config.MAX_MAXLEN),
                      ("seed", config.MAX_SEED)):
        assert f"-{top:,}" in helps[dest] or f"-{top} " in helps[dest], dest
        flag = "--" + dest.replace("_", "-")
        result = run("trace", flag, str(top + 1))
        assert result.returncode == 2 and str(top) in result.stderr.replace(",", ""), dest
        assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("name, fmt", [("x.npz", "json"), ("y.JSON", "npz")])
def test_a_format_the_file_name_contradicts_is_refused(tmp_path, name, fmt):
    # It wrote JSON into x.npz (and an npz into y.json) without a word.
    result = run("trace", "-o", str(tmp_path / name), "--format", fmt)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert f"names a .{name.split('.')[1].lower()} file" in result.stderr
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("name", ["memory-lstm", "recall-simple_rnn"])
def test_task_models_open_by_name_on_their_held_out_lines(name, tmp_path, monkeypatch, capsys):
    """`--model memory-lstm` (and the five others) from any directory: trace steps the task's
    held-out line (its text before the tab) with every step's sensitivity; generate and the
    app open it too, the app on the task's lines."""
    from tui_lab.cli.main import app_from_args
    from tui_lab.trained import tasks

    task_name, cell = name.split("-")
    task = tasks.TASKS[task_name]
    words, _ = tasks.read_task(task.tsv)[1]
    monkeypatch.chdir(tmp_path)
    assert main(["trace", "--model", name, "--line", "2", "--sensitivity"]) == 0
    trace = json.loads(capsys.readouterr().out)
    assert trace["model"]["path"] == str(task.model_path(cell))
    assert trace["tokens"] == words.split() and trace["max_abs_error"] < 1e-5
    steps = trace["directions"]["forward"]["steps"]
    assert len(steps) == task.length
    assert [len(step["sensitivity"][0]) for step in steps] == list(range(1, task.length + 1))
    assert main(["generate", "--model", name, "--seed-text", words, "--words", "1"]) == 0
    assert "1. " in capsys.readouterr().out
    app = app_from_args(["--fresh", "--model", name])
    assert app.lab.lines[1] == words and app._model_request["path"] == task.model_path(cell)


# ----- a read-only file is refused (issue 23, item 2) -----------------------------------------
def test_a_read_only_trace_file_is_refused_unless_forced(tmp_path, capfd):
    """The lab judges the mode bits itself: as root (which the kernel lets write anything)
    the refusal is the same as for a user, and the file, its content and mode are kept."""
    path = tmp_path / "t.json"
    path.write_text("mine")
    path.chmod(0o444)
    (tmp_path / "link.json").symlink_to("t.json")  # a link to it: its target is judged
    for target in (path, tmp_path / "link.json"):
        assert main(["trace", "-o", str(target)]) == 2
        out, err = capfd.readouterr()
        assert out == "" and err == (f"tui-lab trace: error: cannot write {target}: it is "
                                     f"read-only (-r--r--r--), so it was left as it is "
                                     f"(--force replaces it)\n")
    assert path.read_text() == "mine"
    assert main(["trace", "--force", "-o", str(path)]) == 0
    assert json.loads(path.read_text())["config"]["cell"] == "lstm"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o444  # kept, as for any file replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "t.json"]


def test_a_file_the_group_or_others_may_write_is_judged_by_whose_it_is(tmp_path):
    from tui_lab.core.files import read_only

    def judged(mode, uid, gid):
        return read_only(os.stat_result((stat.S_IFREG | mode, 0, 0, 1, uid, gid, 0, 0, 0, 0)))

    me, group = os.geteuid(), os.getegid()
    stranger, other_group = me + 12345, group + 12345
    assert judged(0o644, me, group) is False and judged(0o444, me, group) is True
    assert judged(0o464, stranger, group) is False and judged(0o644, stranger, group) is True
    assert judged(0o446, stranger, other_group) is False
    assert judged(0o664, stranger, other_group) is True


SETPRIV = ["setpriv", "--inh-caps=-all", "--bounding-set=-all"]


def without_root_override():
    """Skip unless setpriv can drop every capability here (CAP_DAC_OVERRIDE among them)."""
    import shutil

    if shutil.which("setpriv") is None:
        pytest.skip("setpriv is not installed")
    probe = subprocess.run([*SETPRIV, sys.executable, "-c", "pass"], capture_output=True,
                           timeout=60)
    if probe.returncode != 0:
        pytest.skip(f"setpriv cannot drop capabilities here: {probe.stderr[:200]!r}")


def test_a_read_only_file_is_refused_by_a_process_without_roots_override(tmp_path):
    """Without CAP_DAC_OVERRIDE the kernel refuses opening the file for writing, but the
    atomic writer renames over it (the folder is writable), so only the lab's own check
    keeps it: `--force` shows that the rename itself is allowed."""
    without_root_override()
    path = tmp_path / "t.json"
    path.write_text("mine")
    path.chmod(0o444)
    command = [*SETPRIV, sys.executable, "-m", "tui_lab", "trace", "-o", str(path)]
    refused = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr == (f"tui-lab trace: error: cannot write {path}: it is read-only "
                              f"(-r--r--r--), so it was left as it is (--force replaces it)\n")
    assert path.read_text() == "mine"
    forced = subprocess.run(command + ["--force"], capture_output=True, text=True, timeout=120)
    assert forced.returncode == 0 and forced.stderr == ""
    assert json.loads(path.read_text())["config"]["cell"] == "lstm"


# ----- options the input contradicts are refused, not dropped (issue 23, item 6) -------------
def weights_file(tmp_path, name, units=4, gru_bias=None):
    """An .npz of LSTM weights (4 features), or GRU ones with bias shape (2, 3u) (made with
    reset_after) or (3u,) (without)."""
    rng = np.random.default_rng(0)
    blocks = 4 if gru_bias is None else 3
    arrays = {"kernel": rng.normal(size=(4, blocks * units)).astype(np.float32),
              "recurrent_kernel": rng.normal(size=(units, blocks * units)).astype(np.float32)}
    arrays["bias"] = np.zeros((2, 3 * units) if gru_bias == "reset_after" else blocks * units,
                              np.float32)
    path = tmp_path / name
    np.savez(path, **arrays)
    return str(path)


CONTRADICTIONS = [
    (["trace", "--weights", "{lstm}", "--units", "8"],
     "--units 8 contradicts {lstm}: its weights have 4 units"),
    (["trace", "--weights", "{lstm}", "--embedding-dim", "8"],
     "--embedding-dim 8 contradicts {lstm}: its kernel reads 4 features (embedding_dim 4)"),
    (["trace", "--weights", "{lstm}", "--no-bias"],
     "--no-bias contradicts {lstm}: its weights have a bias"),
    (["trace", "--cell", "gru", "--weights", "{gru}", "--reset-after"],
     "--reset-after contradicts {gru}: its GRU bias was made with reset_after=False"),
    (["trace", "--cell", "gru", "--weights", "{gru_ra}", "--no-reset-after"],
     "--no-reset-after contradicts {gru_ra}: its GRU bias was made with reset_after=True"),
    (["trace", "--model", "lyrics", "--cell", "gru"],
     "--cell gru does not go with --model: the model fixes its recurrent layer's cell"),
    (["trace", "--model", "lyrics", "--units", "8"],
     "--units 8 does not go with --model: the model fixes its recurrent layer's units"),
    (["trace", "--model", "lyrics", "--maxlen", "none"],
     "--maxlen none does not go with --model: the model fixes its input length"),
    (["trace", "--model", "lyrics", "--engine", "numpy"],
     "--engine numpy does not go with --model: a model's trace steps with the keras engine"),
    (["trace", "--model", "lyrics", "--ids", "1,2", "--text", "oh"],
     "give either --ids or --text, not both: --ids are the input"),
    (["trace", "--ids", "1,2"], "--ids goes with --model FILE.keras"),
    (["--model", "lyrics", "--units", "8"],
     "--units 8 does not go with --model: the model fixes its recurrent layer's units"),
    (["--model", "lyrics", "--cell", "gru"],
     "--cell gru does not go with --model: the model fixes its recurrent layer's cell"),
    (["--weights", "{lstm}", "--units", "8"], "--units 8 contradicts {lstm}: its weights have 4 units"),
]


@pytest.mark.parametrize("argv, message", CONTRADICTIONS)
def test_an_option_the_weights_or_model_contradict_is_refused(tmp_path, capfd, monkeypatch,
                                                              argv, message):
    from tui_lab.tui.app import LabApp

    monkeypatch.setattr(LabApp, "run", lambda app: None)  # (were one not refused)
    paths = {"lstm": weights_file(tmp_path, "lstm.npz"),
             "gru": weights_file(tmp_path, "gru.npz", gru_bias="plain"),
             "gru_ra": weights_file(tmp_path, "gru_ra.npz", gru_bias="reset_after")}
    argv = [arg.format(**paths) for arg in argv]
    assert main(argv) == 2
    out, err = capfd.readouterr()
    prog = "tui-lab trace" if argv[0] == "trace" else "tui-lab"
    assert out == "" and err.startswith(f"{prog}: error: {message.format(**paths)}")
    assert err.count("\n") == 1, err


def test_options_not_given_or_agreeing_with_the_file_are_no_contradiction(tmp_path, capfd):
    """Only options typed count: the defaults (--units 4, --reset-after, bias on) differ
    from these files without being refused, and a value the file has is fine."""
    weights = weights_file(tmp_path, "w.npz", units=6)
    gru = weights_file(tmp_path, "gru.npz", gru_bias="plain")
    for argv in (["trace", "--weights", weights], ["trace", "--weights", weights, "--units", "6"],
                 ["trace", "--cell", "gru", "--weights", gru],
                 ["trace", "--cell", "gru", "--weights", gru, "--no-reset-after"]):
        assert main(argv + ["-o", str(tmp_path / "t.json")]) == 0, capfd.readouterr().err
    trace = json.loads((tmp_path / "t.json").read_text())
    assert (trace["config"]["units"], trace["config"]["reset_after"]) == (4, False)
    assert capfd.readouterr().err == ""


# ----- small ones (issue 23, item 8) -----------------------------------------------------------
@pytest.mark.parametrize("argv, option", [
    (["trace", "-o", ""], "-o/--output"), (["trace", "-o", " "], "-o/--output"),
    (["train", "-o", ""], "-o/--output"), (["trace", ""], "FILE"),
    (["trace", "--weights", ""], "--weights"), (["trace", "--inputs", ""], "--inputs"),
    (["trace", "--initial-state", ""], "--initial-state"), (["trace", "--model", ""], "--model"),
    (["generate", "--model", ""], "--model"), (["generate", "--word-index", ""], "--word-index"),
    (["--fit-text", ""], "--fit-text"),
])
def test_an_empty_file_name_is_refused_not_read_as_none(capfd, monkeypatch, tmp_path, argv,
                                                        option):
    """`-o ''` wrote the trace to stdout with exit 0; an empty --weights was dropped."""
    from tui_lab.tui.app import LabApp

    monkeypatch.chdir(tmp_path)  # (`-o ' '` names a file here)
    monkeypatch.setattr(LabApp, "run", lambda app: None)  # (were one not refused)
    assert main(argv) == 2
    out, err = capfd.readouterr()
    prog = "tui-lab" if argv[0].startswith("-") else f"tui-lab {argv[0]}"
    assert out == "" and err == (f"{prog}: error: argument {option}: expected a file name, not "
                                 f"an empty one (see {prog} --help)\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["", "trace", "train", "generate", "bench"])
def test_help_that_cannot_be_written_is_said(command):
    """argparse ignored the failed write: `--help > /dev/full` exited 0, silently."""
    prog = f"tui-lab {command}".strip()
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "tui_lab", *([command] if command else []),
                               "--help"], stdout=full, stderr=subprocess.PIPE, text=True,
                              timeout=60)
    assert done.returncode == 2
    assert done.stderr == f"{prog}: error: cannot write the output: No space left on device\n"
