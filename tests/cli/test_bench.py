"""`tui-lab bench --quick` keeps working: every figure is measured (no timing is asserted)."""

import json
import subprocess
import sys

from tui_lab.cli.bench import TARGETS


def test_bench_quick_measures_every_figure():
    result = subprocess.run([sys.executable, "-m", "tui_lab", "bench", "--quick", "--json"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert not [key for key in figures if key.endswith("_error")], figures
    assert figures["engine"] == "keras"  # the default engine: the Keras cell API
    for key, _, _ in TARGETS:
        if key != "engine":
            assert isinstance(figures[key], float) and figures[key] > 0, key
    # Both engines are measured beside the same references.
    for cell in ("lstm", "gru", "simple_rnn"):
        assert figures[f"step_ms_numpy_{cell}"] > 0 and figures[f"step_ms_{cell}"] > 0
    assert figures["run_to_end_ratio_numpy"] > 0 and figures["run_to_end_ratio"] > 0
    # Every figure with a target was judged (met or not: these machines are noisy).
    assert set(figures["targets_met"]) == {key for key, _, check in TARGETS if check}
