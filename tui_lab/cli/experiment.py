"""`tui-lab experiment`: the memory tasks' experiment (trained/experiment.py) on the command
line. With --evaluate it trains nothing: it measures the shipped models on their held-out
lines, the six accuracies the README quotes.
"""

from __future__ import annotations

import argparse
import sys
import time

from tui_lab.cli.options import COMMANDS, PROG, Parser, int_in


def build_parser() -> argparse.ArgumentParser:
    from tui_lab.trained import experiment, tasks

    parser = Parser(prog=f"{PROG} experiment", description=COMMANDS["experiment"])
    parser.add_argument("--evaluate", action="store_true",
                        help="train nothing: the held-out accuracy of the shipped models")
    parser.add_argument("--task", choices=sorted(tasks.TASKS), action="append",
                        help="the task to train (repeatable; default: both)")
    parser.add_argument("--out", metavar="DIR", default=".",
                        help="the folder the models and task files go to (default: here; "
                             "'--out assets' remakes the shipped ones)")
    parser.add_argument("--lines", type=int_in(1, experiment.MAX_LINES),
                        default=experiment.TRAIN_LINES,
                        help=f"training lines per task (default {experiment.TRAIN_LINES:,})")
    parser.add_argument("--heldout", type=int_in(1, experiment.MAX_LINES),
                        default=experiment.HELDOUT_LINES,
                        help=f"held-out lines per task (default {experiment.HELDOUT_LINES})")
    parser.add_argument("--epochs", type=int_in(1, 10_000), default=experiment.EPOCHS,
                        help=f"epochs, the same for every cell (default {experiment.EPOCHS})")
    parser.add_argument("--seed", type=int_in(0, 2**32 - 1), default=experiment.SEED,
                        help=f"the weights' seed (default {experiment.SEED}: the shipped models')")
    return parser


def run(argv: list[str]) -> int:
    from tui_lab.trained import experiment, tasks

    args = build_parser().parse_args(argv)
    if args.evaluate:
        found = experiment.shipped_accuracies()
        for (task, cell), value in found.items():
            rows = len(tasks.read_task(tasks.TASKS[task].tsv))
            print(f"{tasks.TASKS[task].model_name(cell):<18} {value:7.1%} of {rows} held-out "
                  f"lines ({tasks.TASKS[task].title})")
        print("\nWhat each keeps of the word to remember (its state's nearest answer-mean, "
              "on held-out lines; the units that carry it and their gates):")
        for task, cell in found:
            print(describe_keeping(tasks.TASKS[task], cell))
        return 0
    for name in args.task or list(tasks.TASKS):
        started = time.monotonic()
        results = experiment.train_task(name, args.out, train_lines=args.lines,
                                        heldout_lines=args.heldout, epochs=args.epochs,
                                        seed=args.seed, progress=sys.stderr)
        for result in results:
            print(f"{tasks.TASKS[name].model_name(result.cell):<18} {result.accuracy:7.1%} "
                  f"held-out (loss {result.loss:.4f}) -> {result.path}")
        print(f"{name}: {time.monotonic() - started:.0f} s for {len(results)} models")
    return 0


def describe_keeping(task, cell: str) -> str:
    """The why view's measurement of one shipped model, in a few lines."""
    from tui_lab.trained import tasks
    from tui_lab.trained.loading import open_model
    from tui_lab.trained.why import CARRIER_LINES, measure_keeping

    keeping = measure_keeping(open_model(task.model_path(cell)), task,
                              tasks.read_task(task.tsv)[:CARRIER_LINES])
    told = " → ".join(f"{share:.0%}" for _, share in keeping.told)
    after = "·".join(str(words) for words, _ in keeping.told)
    lines = [f"{task.model_name(cell):<18} told apart {told} at {after} words after it"]
    state = "c" if cell == "lstm" else "h"
    for index, unit in enumerate(keeping.units):
        gates = "; ".join(f"{name} {' / '.join(f'{v:.2f}' for v in values[index])}"
                          for name, values in keeping.gates.items())
        lines.append(f"{'':<18} {state}[{unit}]: share between answers {keeping.at_word[index]:.2f}"
                     f" at the word, {keeping.at_end[index]:.2f} at the end"
                     + (f"; {gates} (before / at / after the word)" if gates else ""))
    return "\n".join(lines)
