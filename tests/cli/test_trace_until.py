"""`tui-lab trace --until COND`: the trace ends at the first step where COND holds, that step
included, and stderr says which condition held (or that none did)."""

import json

import numpy as np

from tui_lab import Lab, LabConfig
from tui_lab.cli.main import main
from tui_lab.core.trace import load_trace, write_trace


def forget_threshold() -> tuple[float, int]:
    """A forget-gate value that unit 1 first goes below after a few steps of lines 1 and 7,
    and that step (from the lab's own full run, which the core tests check against Keras)."""
    lab = Lab(LabConfig(units=4))
    lab.select_lines([1, 7])
    lab.run_to_end()
    forget = lab.snapshot().gates["forget"][:, :, 1]
    value = float(np.sort(forget.min(axis=1))[2]) + 1e-4  # the third-lowest step's minimum
    first = int(np.flatnonzero((forget < value).any(axis=1))[0]) + 1
    return value, first


def test_until_ends_the_trace_at_the_step_that_holds(tmp_path, capfd):
    value, first = forget_threshold()
    out = tmp_path / "t.json"
    assert main(["trace", "--units", "4", "--line", "1,7", "--until", f"forget[1] < {value}",
                 "-o", str(out)]) == 0
    err = capfd.readouterr().err
    assert err.count("\n") == 1
    assert f"stopped: 'forget[1] < {value}' holds after step {first}" in err
    trace = load_trace(out)
    assert len(trace["steps"]) == first
    gates = [np.array(step["gates"]["forget"], dtype=float)[:, 1] for step in trace["steps"]]
    assert (gates[-1] < value).any() and not any((g < value).any() for g in gates[:-1])
    assert trace["until"] == {"conditions": [f"forget[1] < {value}"],
                              "fired": f"forget[1] < {value}", "step": first,
                              "row": int(np.flatnonzero(gates[-1] < value)[0])}


def test_several_conditions_and_npz(tmp_path, capfd):
    out = tmp_path / "t.npz"
    assert main(["trace", "--units", "3", "--until", "h[0] > 99", "--until", "step == 4",
                 "-o", str(out)]) == 0
    assert "'step == 4' holds after step 4" in capfd.readouterr().err
    arrays = np.load(out)
    assert arrays["steps_h"].shape == (4, 1, 3) and arrays["steps_x"].shape[0] == 4
    assert json.loads(str(arrays["until"]))["fired"] == "step == 4"


def test_no_condition_holds_the_trace_runs_to_the_end(capfd):
    assert main(["trace", "--units", "3", "--until", "h[0] > 99"]) == 0
    out, err = capfd.readouterr()
    trace = json.loads(out)
    assert len(trace["steps"]) == 7
    h0 = [step["h"][0][0] for step in trace["steps"]]
    values = f"h[0] stayed between {min(h0):.3f} and {max(h0):.3f} over 7 steps."
    assert trace["until"]["values"] == values
    assert err == f"tui-lab trace: no condition held: the trace runs to the end (step 7); {values}\n"


def test_a_bad_condition_is_one_line_and_writes_nothing(tmp_path, capfd):
    out = tmp_path / "t.json"
    assert main(["trace", "--units", "4", "--until", "forget[9] < 0.1", "-o", str(out)]) == 2
    err = capfd.readouterr().err
    assert err == ("tui-lab trace: error: bad condition 'forget[9] < 0.1' at column 8 ('9'): "
                   "the cell has 4 units, so a unit is 0..3\n")
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_the_exported_trace_carries_the_edits(tmp_path):
    lab = Lab(LabConfig(units=3))
    lab.seek(2)
    lab.edit_state("c", 1, 0.5)
    trace = load_trace(write_trace(lab, tmp_path / "t.json"))
    assert trace["edits"] == [{"kind": "set", "step": 2, "state": "c", "unit": 1, "value": 0.5, "row": None}]
    assert trace["steps"][1]["c"][0][1] == 0.5 and len(trace["steps"]) == 7
    assert lab.t == 2  # the export leaves the lab where it was


def test_until_with_a_model_is_refused_in_one_line(capfd):
    from tui_lab.core.text import assets_dir

    assert main(["trace", "--model", str(assets_dir() / "lyrics_lstm.keras"),
                 "--until", "step == 1"]) == 2
    assert capfd.readouterr().err == ("tui-lab trace: error: --until steps the lab's own cell; "
                                      "with --model it is not supported yet\n")


def test_a_long_bad_condition_is_not_echoed_whole(capfd):
    """A 10 KB condition was echoed twice in the one-line error (20 KB): now its start and
    end, its length, and the column of the bad token."""
    condition = "h[0] < 0.5 " + " " * 10_000 + "zz"
    assert main(["trace", "--until", condition]) == 2
    out, err = capfd.readouterr()
    assert out == "" and err.count("\n") == 1 and len(err) < 400, len(err)
    assert err.startswith("tui-lab trace: error: bad condition 'h[0] < 0.5 ")
    assert "...       zz' (10,013 characters) at column 8 " in err
    assert err.endswith("expected a number such as 0.1 or -2.5e-3\n")
