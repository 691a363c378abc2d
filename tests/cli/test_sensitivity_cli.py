"""`tui-lab trace --sensitivity`: each step's ||dh/dx_j||_F, one list per batch row, equal to
Lab.sensitivity (itself checked against the Keras layers in tests/core/test_sensitivity.py)."""

import json

import numpy as np

from tui_lab import Lab, LabConfig
from tui_lab.cli.main import main
from tui_lab.core.trace import load_trace


def lab_for(**settings) -> Lab:
    lab = Lab(LabConfig(units=3, maxlen=None, **settings))
    lab.select_lines([2, 10])
    return lab


def test_json_has_one_list_per_row_per_step_equal_to_the_lab(capfd):
    assert main(["trace", "--units", "3", "--maxlen", "none", "--line", "2,10", "--cell", "gru",
                 "--go-backwards", "--mask-padding", "--sensitivity"]) == 0
    out = capfd.readouterr()
    assert out.err == ""
    steps = json.loads(out.out)["steps"]
    lab = lab_for(cell="gru", go_backwards=True, mask_padding=True)
    assert len(steps) == lab.timesteps == 10
    for k, step in enumerate(steps):
        rows = step["sensitivity"]
        assert len(rows) == 2 and all(len(row) == k + 1 for row in rows)  # j = 0..k
        np.testing.assert_allclose(rows, lab.sensitivity(k + 1).norms, rtol=1e-6, atol=1e-9)
    # go_backwards reads row 1's five 'pre' pads last, and skips them: zeros in its lists
    assert steps[-1]["sensitivity"][0][5:] == [0.0] * 5


def test_npz_is_padded_with_zeros_after_each_step(tmp_path):
    out = tmp_path / "trace.npz"
    assert main(["trace", "--units", "3", "--maxlen", "none", "--line", "2,10",
                 "--sensitivity", "-o", str(out)]) == 0
    table = load_trace(out)["steps_sensitivity"]
    lab = lab_for()
    assert table.shape == (10, 2, 10)
    for k in range(10):
        np.testing.assert_allclose(table[k, :, :k + 1], lab.sensitivity(k + 1).norms,
                                   rtol=1e-6, atol=1e-9)
        assert (table[k, :, k + 1:] == 0).all()


def test_without_the_flag_there_is_none_and_until_stops_it_too(capfd):
    assert main(["trace", "--line", "21"]) == 0
    assert "sensitivity" not in json.loads(capfd.readouterr().out)["steps"][0]
    assert main(["trace", "--line", "21", "--until", "step == 3", "--sensitivity"]) == 0
    steps = json.loads(capfd.readouterr().out)["steps"]
    assert [len(step["sensitivity"][0]) for step in steps] == [1, 2, 3]


def test_a_long_trace_shows_its_progress_on_stderr(tmp_path, capfd, monkeypatch):
    """A trace of many steps (computed in chunks), and --sensitivity (one backward pass per
    step), say how far they are on one line per part, on stderr; a short one (as above)
    says nothing. Here 'long' starts at once: a part's line shows from its first update
    on, unless that one already ends it (a part of one chunk: a short part).""" 
    from tui_lab.cli.trace import Progress

    monkeypatch.setattr(Progress, "SHOW_AFTER", 0.0)
    out = tmp_path / "t.json"
    assert main(["trace", "--maxlen", "3000", "-o", str(out)]) == 0
    lines = capfd.readouterr().err.split("\n")
    assert len(lines) == 2 and lines[1] == "", lines[:3]
    updates = lines[0].split("\r")
    assert updates[0] == "" and len(updates) > 2  # more than one chunk of steps
    assert all(u.startswith("tui-lab trace: stepping ") for u in updates[1:])
    assert updates[-1] == "tui-lab trace: stepping 3,000/3,000 steps"
    assert main(["trace", "--maxlen", "40", "--sensitivity", "-o", str(out)]) == 0
    lines = capfd.readouterr().err.split("\n")
    assert len(lines) == 2 and lines[1] == "", lines[:3]  # 40 steps: one chunk, no line
    assert lines[0].split("\r")[1:] == [f"tui-lab trace: sensitivity {k}/40 steps"
                                        for k in range(1, 41)]
    assert len(json.loads(out.read_text())["steps"]) == 40
