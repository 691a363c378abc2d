"""`tui-lab bench --serve --quick` keeps working: Chromium measures every serve figure beside
the TensorFlow import of the same run (no timing is asserted: the bench reports them)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tui_lab.cli.bench import SERVE_TARGETS

pytestmark = pytest.mark.browser


def test_bench_serve_quick_measures_every_figure():
    result = subprocess.run([sys.executable, "-m", "tui_lab", "bench", "--serve", "--quick",
                             "--json"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert not [key for key in figures if key.endswith("_error")], figures
    quick = {"serve_key_ms_p95_8_tabs", "serve_parsed_ms_p95_8_tabs"}  # --quick: 2 tabs, not 8
    for key, _, _ in SERVE_TARGETS:
        if key not in quick:
            assert isinstance(figures[key], float) and figures[key] > 0, key
    assert figures["tf_import_s"] > 0 and figures["serve_rss_mib"] > 100  # TensorFlow's in it
    assert set(figures["targets_met"]) == {"serve_first_states_s", "serve_key_ms_median",
                                           "serve_key_ms_p95"}
