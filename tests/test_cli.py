"""`tui-lab` on the command line: fast help, the trace, and one clear line for bad input."""

import json
import subprocess
import sys
import time

import numpy as np
import pytest

from tui_lab.cli import main


def run(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "tui_lab", *args], capture_output=True,
                          text=True, timeout=timeout)


def test_help_is_fast_and_does_not_import_tensorflow():
    code = ("import sys, contextlib, io\n"
            "from tui_lab.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try: main(['--help'])\n"
            "    except SystemExit: pass\n"
            "print('tensorflow' in sys.modules, 'textual' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
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
        (["trace", "--units", "100000"], "units must be at most 4096"),
        (["trace", "--embedding-dim", "0"], "embedding_dim must be at least 1"),
        (["trace", "--embedding-dim", "5000"], "embedding_dim must be at most 4096"),
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
