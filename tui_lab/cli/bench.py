"""`tui-lab bench`: how fast the lab is, each figure measured beside its reference in one run.

Timings on a shared 2-core machine are noisy, so every figure that has a target is a ratio
to a Keras reference measured in the same run, or an absolute figure whose target the issue
states. Nothing here is asserted in tests; `tui-lab bench --quick` only proves it still runs.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Sizes:
    repeats: int  # samples for medians
    units: int
    long_steps: int  # T of the run-to-end figure
    late_steps: int  # T of the step-late figure
    big_file_bytes: int
    processes: int  # fresh-process samples (import, first paint, ready)


FULL = Sizes(repeats=200, units=64, long_steps=1000, late_steps=10_000,
             big_file_bytes=5_000_000, processes=3)
QUICK = Sizes(repeats=20, units=8, long_steps=50, late_steps=200, big_file_bytes=20_000,
              processes=1)

CELLS = ("lstm", "gru", "simple_rnn")
ENGINES = ("keras", "numpy")  # the default engine first; figures of the other carry its name

# (key, target description, check(figures) -> bool | None)
TARGETS = [
    ("engine", "the default engine", None),
    ("tf_import_s", "reference", None),
    ("first_paint_s", "<= 0.25 x tf_import_s",
     lambda f: f["first_paint_s"] <= 0.25 * f["tf_import_s"]),
    ("ready_s", "<= tf_import_s + 0.7 s", lambda f: f["ready_s"] <= f["tf_import_s"] + 0.7),
    *[(f"step_ms_{cell}", f"<= 0.5 x eager_cell_ms_{cell}",
       (lambda c: lambda f: f[f"step_ms_{c}"] <= 0.5 * f[f"eager_cell_ms_{c}"])(cell))
      for cell in CELLS],
    *[(f"step_ms_numpy_{cell}", "numpy engine, for comparison", None) for cell in CELLS],
    *[(f"eager_cell_ms_{cell}", "reference", None) for cell in CELLS],
    *[(f"keypress_ms_{figure}{suffix}", f"<= {limit}{note}",
       (lambda key, limit: lambda f: f[key] <= limit)(f"keypress_ms_{figure}{suffix}", limit))
      for suffix, note in (("", " (80x24)"), ("_160x48", " (160x48, every panel)"))
      for figure, limit in (("median", 16), ("p95", 33))],
    ("run_to_end_ratio", "<= 1.5", lambda f: f["run_to_end_ratio"] <= 1.5),
    ("run_to_end_ms", "the lab's run to end", None),
    ("run_to_end_ratio_numpy", "numpy engine, for comparison", None),
    ("run_to_end_ms_numpy", "numpy engine, for comparison", None),
    ("tf_function_layer_ms", "reference", None),
    ("step_late_ratio", "<= 1.2", lambda f: f["step_late_ratio"] <= 1.2),
    ("big_file_open_s", "<= 3 s", lambda f: f["big_file_open_s"] <= 3),
    ("big_file_line_ms", "<= 50", lambda f: f["big_file_line_ms"] <= 50),
    ("peak_rss_mib", "<= 800", lambda f: f["peak_rss_mib"] <= 800),
]
SERVE_TARGETS = [  # --serve (cli/bench_serve.py): tui-lab serve in Chromium
    ("serve_first_states_s", "<= tf_import_s + 1.5 s",
     lambda f: f["serve_first_states_s"] <= f["tf_import_s"] + 1.5),
    ("serve_key_ms_median", "<= 50 (one tab)", lambda f: f["serve_key_ms_median"] <= 50),
    ("serve_key_ms_p95", "<= 100 (one tab)", lambda f: f["serve_key_ms_p95"] <= 100),
    ("serve_key_ms_p95_8_tabs", "<= 250 (8 tabs stepping at once)",
     lambda f: f["serve_key_ms_p95_8_tabs"] <= 250),
    ("serve_key_ms_p95_2_tabs", "2 tabs (--quick)", None),
    ("serve_parsed_ms_median", "key to the new screen read by the page, not drawn yet", None),
    ("serve_parsed_ms_p95_8_tabs", "the same, p95 with 8 tabs", None),
    ("serve_parsed_ms_p95_2_tabs", "the same, p95 with 2 tabs (--quick)", None),
    ("serve_rss_mib", "one lab's memory", None),
]


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1e3


def _python(code: str, timeout: float = 300) -> tuple[float, str]:
    """Run code in a fresh interpreter: (wall seconds from spawn to exit, stdout)."""
    start = time.time()
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=timeout, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    elapsed = time.time() - start
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"benchmark child failed: {last}")
    return elapsed, result.stdout


def tf_import_s(sizes: Sizes) -> dict:
    samples = [_python("import tensorflow")[0] for _ in range(sizes.processes)]
    return {"tf_import_s": statistics.median(samples)}


def _when_states_shown(app, callback) -> None:
    """Have app call callback once each new snapshot is on screen and painted.

    LabApp calls its public on_states_shown() hook after every snapshot it shows (a hook for
    the benchmark and tests); it is set on this one app object: the benchmark drives the app as
    it ships, with no subclass of its own."""
    app.on_states_shown = lambda: app.call_after_refresh(callback)


def _say_time(what: str) -> None:
    os.write(1, f"{what} {time.time()}\n".encode())  # os.write: Textual captures print()


def _app_start_child() -> None:
    """In a fresh process: the app headless; print wall-clock times of its first paint and of
    the first states on screen."""
    from tui_lab.core.lab import Lab
    from tui_lab.tui.app import LabApp

    app = LabApp(Lab())

    def ready() -> None:
        _say_time("ready")
        app.exit()

    async def mounted(pilot) -> None:
        # Textual runs this once the app is mounted (LabApp.on_mount has pushed the lab
        # screen): report when that screen has painted.
        app.screen.call_after_refresh(lambda: _say_time("paint"))

    _when_states_shown(app, ready)
    app.run(headless=True, size=(160, 48), auto_pilot=mounted)


def app_start(sizes: Sizes) -> dict:
    paints, readies = [], []
    for _ in range(sizes.processes):
        start = time.time()
        _, out = _python("from tui_lab.cli.bench import _app_start_child; _app_start_child()")
        times = dict(line.split() for line in out.splitlines() if line[:5] in ("paint", "ready"))
        paints.append(float(times["paint"]) - start)
        readies.append(float(times["ready"]) - start)
    return {"first_paint_s": statistics.median(paints), "ready_s": statistics.median(readies)}


def _timed_steps(lab, count: int) -> list[float]:
    steps = []
    for _ in range(count):
        start = time.perf_counter()
        lab.step()
        steps.append(time.perf_counter() - start)
    return steps


def step_and_eager_cell(sizes: Sizes) -> dict:
    """One controller step (default engine: the compiled Keras cell call, the numpy gates and
    their check, the record) vs one eager call of the same Keras cell object; the numpy
    engine's step beside them."""
    from tui_lab.core import tf_loader
    from tui_lab.config import LabConfig
    from tui_lab.core.lab import Lab

    tf_loader.keras()  # imported before timing anything
    rng = np.random.default_rng(0)
    figures = {}
    for cell in CELLS:
        vectors = rng.normal(size=(1, sizes.repeats + 2, sizes.units)).astype(np.float32)
        for engine in ENGINES:
            lab = Lab(LabConfig(cell=cell, units=sizes.units, engine=engine), vectors=vectors)
            lab.step()  # the first step traces the compiled cell call
            suffix = "" if engine == ENGINES[0] else f"_{engine}"
            figures[f"step_ms{suffix}_{cell}"] = _median_ms(_timed_steps(lab, sizes.repeats))
        keras_cell = lab.keras_cell  # the Keras cell object the lab calls, here eagerly
        x = vectors[:, 0]
        h = np.zeros((1, sizes.units), np.float32)
        states = [h, h] if cell == "lstm" else [h]
        keras_cell(x, states)
        calls = []
        for _ in range(sizes.repeats):
            start = time.perf_counter()
            keras_cell(x, states)
            calls.append(time.perf_counter() - start)
        figures[f"eager_cell_ms_{cell}"] = _median_ms(calls)
    return figures


def _long_line(words: int) -> str:
    from tui_lab.core.text import lyrics_path

    vocabulary = lyrics_path().read_text(encoding="utf-8").split()
    return " ".join(vocabulary[i % len(vocabulary)] for i in range(words))


def run_to_end(sizes: Sizes) -> dict:
    """Run to end of a T-token line, all states and gates recorded and checked, on each
    engine, vs tf.function(LSTM) on the same input."""
    from tui_lab.core import tf_loader
    from tui_lab.config import LabConfig
    from tui_lab.core.lab import Lab

    keras = tf_loader.keras()
    tf = tf_loader.tensorflow()
    repeats = max(3, sizes.repeats // 20)
    ours = {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "long.txt"
        path.write_text(_long_line(sizes.long_steps) + "\n", encoding="utf-8")
        for engine in ENGINES:
            lab = Lab(LabConfig(units=sizes.units, embedding_dim=sizes.units, maxlen=None,
                                engine=engine), text=path)
            lab.run_to_end()  # traces the compiled loop
            ours[engine] = []
            for _ in range(repeats):
                lab.select_lines(1)  # a fresh, empty history
                start = time.perf_counter()
                lab.run_to_end()
                ours[engine].append(time.perf_counter() - start)
    x = lab.snapshot(layer=False).batch.x
    layer = keras.layers.LSTM(sizes.units, return_sequences=True, return_state=True)
    layer.build(x.shape)
    compiled = tf.function(layer)
    compiled(x)  # trace
    reference = []
    for _ in range(repeats):
        start = time.perf_counter()
        compiled(x)
        reference.append(time.perf_counter() - start)
    figures = {"tf_function_layer_ms": _median_ms(reference)}
    for engine, samples in ours.items():
        suffix = "" if engine == ENGINES[0] else f"_{engine}"
        figures[f"run_to_end_ms{suffix}"] = _median_ms(samples)
        figures[f"run_to_end_ratio{suffix}"] = statistics.median(samples) / statistics.median(reference)
    return figures


def step_late(sizes: Sizes) -> dict:
    """Step time near the end of a long sequence over step time near its start."""
    from tui_lab.config import LabConfig
    from tui_lab.core.lab import Lab

    steps = sizes.late_steps
    window = min(100, steps // 4)
    vectors = np.random.default_rng(1).normal(size=(1, steps, sizes.units)).astype(np.float32)
    lab = Lab(LabConfig(units=sizes.units), vectors=vectors)

    def timed_steps(count: int) -> list[float]:
        samples = []
        for _ in range(count):
            start = time.perf_counter()
            lab.step()
            lab.snapshot()  # what a key press reads after the step
            samples.append(time.perf_counter() - start)
        return samples

    lab.seek(10)
    early = timed_steps(window)
    lab.seek(steps - window)
    late = timed_steps(window)
    return {"step_late_ratio": statistics.median(late) / statistics.median(early)}


def _big_file_child(path: str, samples: int) -> None:
    """In a fresh process (so peak RSS is this run's): open a big file, change lines."""
    import random

    from tui_lab.core import tf_loader
    from tui_lab.core.lab import Lab

    tf_loader.keras()
    lab = Lab()
    lab.build()
    start = time.perf_counter()
    lab.open_text(path)
    lab.step()
    lab.snapshot()
    opened = time.perf_counter() - start
    rng = random.Random(0)
    count = len(lab.lines)
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        lab.select_lines(rng.randint(1, count))
        lab.step()
        lab.snapshot()
        times.append(time.perf_counter() - start)
    print(json.dumps({"big_file_open_s": opened, "big_file_line_ms": _median_ms(times),
                      "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "big_file_lines": count}))


def write_big_file(path: Path, size: int, seed: int = 0) -> None:
    """About `size` bytes of lines of words with a Zipf-like frequency, like real text."""
    rng = np.random.default_rng(seed)
    vocabulary = np.array([f"w{i}" for i in range(20_000)])
    weights = 1.0 / np.arange(1, len(vocabulary) + 1)
    weights /= weights.sum()
    lines, written = [], 0
    while written < size:
        line = " ".join(rng.choice(vocabulary, rng.integers(3, 15), p=weights))
        lines.append(line)
        written += len(line) + 1
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def big_file(sizes: Sizes) -> dict:
    """Open a big text file and change lines in it, in a fresh process (for its peak RSS)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.txt"
        write_big_file(path, sizes.big_file_bytes)
        _, out = _python(f"from tui_lab.cli.bench import _big_file_child; "
                         f"_big_file_child({str(path)!r}, {min(sizes.repeats, 50)})", timeout=600)
    return json.loads(out)


def _keypress_child(count: int, width: int, height: int) -> None:
    """In a fresh process: step key to repainted screen, headless at width x height.

    The key is posted as the terminal driver posts it (App.simulate_key; pilot.press would add
    its own waits for idleness), and the time is taken when the refresh after the new states
    is done."""
    import asyncio

    from tui_lab.tui.app import LabApp  # first: it sets Textual's frame rate before Textual loads
    from tui_lab.config import LabConfig
    from tui_lab.core.lab import Lab

    async def run() -> None:
        vectors = np.random.default_rng(0).normal(size=(1, count + 10, 64)).astype(np.float32)
        app = LabApp(Lab(LabConfig(units=64), vectors=vectors))
        shown = asyncio.Event()
        _when_states_shown(app, shown.set)
        samples = []
        async with app.run_test(size=(width, height)) as pilot:
            await shown.wait()  # built, first states painted
            await app.workers.wait_for_complete()
            await pilot.pause()
            for _ in range(count):
                shown.clear()
                start = time.perf_counter()
                app.simulate_key("l")
                await shown.wait()
                samples.append(time.perf_counter() - start)
                await asyncio.sleep(0.005)  # a person does not press keys back to back
        samples.sort()
        print(json.dumps({"keypress_ms_median": statistics.median(samples) * 1e3,
                          "keypress_ms_p95": samples[int(0.95 * (len(samples) - 1))] * 1e3}))

    asyncio.run(run())


def keypress(sizes: Sizes) -> dict:
    """At 80x24, the terminal the lab is made for (one panel on screen, tabs choose it), and
    at 160x48, where all five number panels are on screen and repainted at every step."""
    figures = {}
    for (width, height), suffix in (((80, 24), ""), ((160, 48), "_160x48")):
        _, out = _python(f"from tui_lab.cli.bench import _keypress_child; "
                         f"_keypress_child({sizes.repeats}, {width}, {height})")
        figures.update({f"{key}{suffix}": value for key, value in json.loads(out).items()})
    return figures


def serve(sizes: Sizes) -> dict:
    """tui-lab serve in Chromium (cli/bench_serve.py): 50 steps, 8 tabs (--quick: 10, 2)."""
    from tui_lab.cli import bench_serve

    quick = sizes is QUICK
    return bench_serve.serve(steps=10 if quick else 50, tabs=2 if quick else 8)


MEASURES = [tf_import_s, app_start, step_and_eager_cell, keypress, run_to_end, step_late, big_file]
SERVE_MEASURES = [tf_import_s, serve]  # --serve: beside the TensorFlow import of the same run


def measure(sizes: Sizes, progress=None, measures=MEASURES) -> dict:
    figures: dict = {}
    for measure_one in measures:
        if progress:
            progress(measure_one.__name__)
        try:
            figures.update(measure_one(sizes))
        except Exception as error:  # one broken figure should not hide the others
            figures[f"{measure_one.__name__}_error"] = f"{type(error).__name__}: {error}"
    return figures


def table(figures: dict) -> str:
    rows = [("figure", "value", "target", "met")]
    for key, target, check in TARGETS + SERVE_TARGETS:
        if key not in figures:
            continue
        met = "" if check is None else ("yes" if check(figures) else "NO")
        value = figures[key]
        rows.append((key, value if isinstance(value, str) else f"{value:.4g}", target, met))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
             for row in rows]
    lines += [f"{key}: {value}" for key, value in figures.items() if key.endswith("_error")]
    return "\n".join(lines)


def met(figures: dict) -> dict:
    return {key: bool(check(figures)) for key, _, check in TARGETS + SERVE_TARGETS
            if check is not None and all(k in figures for k in _keys_of(key))}


def _keys_of(key: str) -> list[str]:
    if key.startswith("step_ms_"):
        return [key, key.replace("step_ms_", "eager_cell_ms_")]
    if key in ("first_paint_s", "ready_s", "serve_first_states_s"):
        return [key, "tf_import_s"]
    return [key]


def main(argv: list[str]) -> int:
    from tui_lab.cli.options import Parser  # one-line errors; a failed --help is said

    parser = Parser(prog="tui-lab bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a few seconds")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--serve", action="store_true",
                        help="only tui-lab serve in Chromium (first states, key to repaint with "
                             "1 and 8 tabs, memory per lab) beside the TensorFlow import")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    say = (lambda name: sys.stderr.write(f"measuring {name} ...\n")) if not args.json else None
    from tui_lab.config import LabConfig

    measures = SERVE_MEASURES if args.serve else MEASURES
    figures = {"engine": LabConfig().engine, **measure(sizes, say, measures)}
    figures["targets_met"] = met(figures)
    if args.json:
        print(json.dumps(figures))
    else:
        print(table(figures))
    return 0
