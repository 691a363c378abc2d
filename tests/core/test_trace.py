"""The trace written by `tui-lab trace` (and the app's export) holds every number, exactly."""

import json

import numpy as np
import pytest

from tui_lab import Lab, LabConfig, LabError
from tui_lab.core.trace import load_trace, write_trace


def lab_at_step(config=None, lines=(1,), t=2):
    lab = Lab(config or LabConfig())
    lab.select_lines(list(lines))
    lab.seek(t)
    return lab


def test_json_round_trip(tmp_path):
    lab = lab_at_step(LabConfig(cell="lstm", units=3), lines=(2, 5), t=2)
    path = write_trace(lab, tmp_path / "trace.json")
    assert lab.t == 2  # writing the whole trace leaves the cursor where it was
    trace = load_trace(path)
    lab.run_to_end()
    s = lab.snapshot()
    assert trace["config"]["cell"] == "lstm" and trace["config"]["units"] == 3
    assert trace["config"]["source"]["lines"] == [2, 5]
    assert trace["word_index"] == s.word_index
    assert trace["tokens"][0] == list(s.batch.rows[0].tokens)
    assert trace["ids"] == [list(row.ids) for row in s.batch.rows]
    assert trace["padded"] == [row.padded.tolist() for row in s.batch.rows]
    assert trace["pad_mask"] == s.batch.pad_mask.tolist()
    for name in ("embedding", "kernel", "recurrent_kernel", "bias"):
        np.testing.assert_array_equal(np.array(trace["weights"][name], np.float32),
                                      getattr(s.weights, name))
    assert len(trace["steps"]) == 7
    for k, step in enumerate(trace["steps"]):
        assert step["t"] == k and step["position"] == k
        np.testing.assert_array_equal(np.array(step["h"], np.float32), s.h[k])
        np.testing.assert_array_equal(np.array(step["c"], np.float32), s.c[k])
        np.testing.assert_array_equal(np.array(step["x"], np.float32), s.batch.x[:, k])
        assert list(step["gates"]) == ["input", "forget", "candidate", "output"]
        for name, values in step["gates"].items():
            np.testing.assert_array_equal(np.array(values, np.float32), s.gates[name][k])
    np.testing.assert_array_equal(np.array(trace["layer"]["sequence"], np.float32),
                                  s.layer_sequence)
    assert len(trace["layer"]["states"]) == 2
    assert trace["max_abs_error"] < 1e-5


def test_batch_axis_kept_for_one_row_and_no_bias(tmp_path):
    lab = lab_at_step(LabConfig(cell="simple_rnn", use_bias=False, go_backwards=True), t=0)
    trace = load_trace(write_trace(lab, tmp_path / "t.json"))
    step = trace["steps"][0]
    assert step["position"] == 6  # go_backwards: the last position first
    assert np.shape(step["h"]) == (1, 4) and np.shape(step["x"]) == (1, 4)
    assert list(step["gates"]) == ["preactivation"] and "c" not in step
    assert "bias" not in trace["weights"]
    assert np.shape(trace["layer"]["sequence"]) == (1, 7, 4)
    assert len(trace["layer"]["states"]) == 1


def test_masked_steps_are_null_in_json(tmp_path):
    lab = lab_at_step(LabConfig(cell="gru", mask_padding=True), lines=(2,), t=0)
    trace = load_trace(write_trace(lab, tmp_path / "t.json"))
    first = trace["steps"][0]
    assert first["masked"] == [True]
    assert first["gates"]["update"] == [[None] * 4]
    assert first["output"] == [[0.0] * 4]
    assert trace["steps"][-1]["masked"] == [False]


def test_npz_round_trip_equals_json(tmp_path):
    lab = lab_at_step(LabConfig(cell="gru", units=2), lines=(3, 4), t=0)
    as_json = load_trace(write_trace(lab, tmp_path / "t.json"))
    arrays = load_trace(write_trace(lab, tmp_path / "t.npz"))
    assert json.loads(str(arrays["config"])) == as_json["config"]
    assert json.loads(str(arrays["word_index"])) == as_json["word_index"]
    assert json.loads(str(arrays["ids"])) == as_json["ids"]
    np.testing.assert_array_equal(arrays["padded"], as_json["padded"])
    np.testing.assert_array_equal(arrays["steps_position"], [s["position"] for s in as_json["steps"]])
    np.testing.assert_array_equal(arrays["steps_h"], np.array([s["h"] for s in as_json["steps"]],
                                                               np.float32))
    np.testing.assert_array_equal(arrays["steps_x"], np.array([s["x"] for s in as_json["steps"]],
                                                               np.float32))
    np.testing.assert_array_equal(arrays["steps_gates_reset"],
                                  np.array([s["gates"]["reset"] for s in as_json["steps"]], np.float32))
    np.testing.assert_array_equal(arrays["layer_sequence"], np.array(as_json["layer"]["sequence"],
                                                                      np.float32))
    np.testing.assert_array_equal(arrays["weights_bias"], np.array(as_json["weights"]["bias"],
                                                                    np.float32))
    assert float(arrays["max_abs_error"]) == as_json["max_abs_error"]


def test_vector_trace_has_no_text_keys(tmp_path):
    lab = Lab(vectors=np.ones((2, 3, 2), np.float32))
    trace = load_trace(write_trace(lab, tmp_path / "t.json"))
    assert "word_index" not in trace and "tokens" not in trace and "embedding" not in trace["weights"]
    assert trace["config"]["source"]["kind"] == "vectors"
    assert np.shape(trace["steps"][0]["x"]) == (2, 2)


def test_bad_trace_paths_leave_nothing(tmp_path):
    lab = Lab()
    with pytest.raises(LabError, match="the folder .* does not exist"):
        write_trace(lab, tmp_path / "missing" / "t.json")
    with pytest.raises(LabError, match="is a folder"):
        write_trace(lab, tmp_path)
    with pytest.raises(LabError, match="unknown trace format 'csv'"):
        write_trace(lab, tmp_path / "t.csv", "csv")
    assert list(tmp_path.iterdir()) == []


def test_export_goes_through_the_atomic_writer(tmp_path, monkeypatch):
    """The app's export is write_trace: a FIFO is refused (and stays one), a symlink is
    written through, and a trace too big for memory is refused before it is made."""
    import os
    import stat

    from tui_lab.core import resources

    lab = lab_at_step(t=0)
    os.mkfifo(tmp_path / "pipe.json")
    with pytest.raises(LabError, match=r"pipe.json is a named pipe \(FIFO\), not a trace file"):
        write_trace(lab, tmp_path / "pipe.json")
    assert stat.S_ISFIFO(os.stat(tmp_path / "pipe.json").st_mode)
    with pytest.raises(LabError, match="the file name is too long"):
        write_trace(lab, tmp_path / ("a" * 300 + ".json"))
    (tmp_path / "link.npz").symlink_to("real.npz")
    write_trace(lab, tmp_path / "link.npz")
    assert (tmp_path / "link.npz").is_symlink()
    assert load_trace(tmp_path / "real.npz")["steps_h"].shape == (7, 1, 4)
    monkeypatch.setattr(resources, "total_memory", lambda: 2**17)
    with pytest.raises(LabError, match=r"the trace of LSTM\(4\) .* as JSON .* needs ~.* of memory; "
                                       r"this machine has 128 KiB"):
        write_trace(lab, tmp_path / "t.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.npz", "pipe.json", "real.npz"]
