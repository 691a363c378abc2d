"""`tui-lab trace`: step the whole sequence and write every number of the run, as JSON or
.npz; with --model, one recurrent layer of a trained model (JSON, per direction)."""

from __future__ import annotations

import argparse
import json
import sys

from tui_lab.cli.options import PROG, USAGE_ERROR, Parser, add_lab_options, add_model_options, \
    file_name, given_options, line_numbers, make_lab, open_model, refuse_model_settings


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog=f"{PROG} trace",
                    description="Step the whole sequence and write the trace: config, word_index, "
                                "tokens, ids, padded ids, weights, every step's x, h, c and gates, "
                                "and the Keras layer's own output with the max |error|.")
    add_lab_options(parser)
    parser.add_argument("-o", "--output", metavar="FILE", type=file_name,
                        help="write here (default: stdout; - for stdout too)")
    parser.add_argument("--force", action="store_true",
                        help="replace FILE even if it is read-only (refused otherwise)")
    parser.add_argument("--format", choices=("json", "npz"),
                        help="json (default) or npz (npz needs -o; implied by a .npz file name)")
    parser.add_argument("--until", metavar="COND", action="append",
                        help="end the trace at the first step where COND holds (that step "
                             "included), e.g. 'forget[2] < 0.1', 'h[0] > 0.5', 'token == "
                             "pretender', 'step == 5', 'dh > 0.3'; repeat for several (the first "
                             "to hold wins); stderr says which held")
    parser.add_argument("--sensitivity", action="store_true",
                        help="add to each step k `sensitivity`: per batch row, the list of "
                             "||dh_k/dx_j||_F for j = 0..k in processing order (how far back the "
                             "state reaches; tf.GradientTape through the cell)")
    parser.add_argument("--next", type=line_numbers, action="append", metavar="N[,N...]",
                        help="with --stateful: after --line, step these lines (a batch of the "
                             "same size), each starting from the final state of the one before; "
                             "repeat for a longer chain; the trace is the last one's")
    add_model_options(parser, layer_help="with --model: the recurrent layer to step (default: last)")
    return parser


def decode_notice(lab, name) -> str | None:
    """What reading the lab's text replaced (bytes that are not UTF-8), if anything."""
    notice = getattr(lab.lines, "decode_notice", None)
    return notice(str(name)) if notice and name else None


def run(argv: list[str]) -> int:
    from tui_lab.core import files, trace

    args = build_parser().parse_args(argv)
    given = given_options(build_parser(), argv)
    fmt = trace.format_for(args.output, args.format)
    if fmt == "npz" and not args.output:
        sys.stderr.write(f"{PROG} trace: error: --format npz needs -o FILE (or -o - for stdout)\n")
        return USAGE_ERROR
    if args.model:
        return run_model_trace(args, given)
    model_only = sorted(given & {"layer", "word_index", "fit_text", "ids"})
    if model_only:
        from tui_lab.errors import LabError

        raise LabError(f"--{model_only[0].replace('_', '-')} goes with --model FILE.keras")
    lab = make_lab(args, fmt, given)
    chain_lines(lab, args)
    notice = decode_notice(lab, args.file)
    if notice:  # the trace is still right for the text as read: a warning, not an error
        sys.stderr.write(f"{PROG} trace: warning: {notice}\n")
    progress = Progress()
    try:
        if args.output and not files.is_stdout(args.output):
            _, stop = trace.write_trace_until(lab, args.output, fmt, args.until,
                                              args.sensitivity, args.force, progress)
        else:
            trace.check_size(lab, fmt, args.sensitivity)
            data, stop = trace.trace_bytes(lab, fmt, args.until, args.sensitivity, progress)
            progress.end()
            files.write_stdout(data + b"\n" if fmt == "json" else data)
    finally:
        progress.end()
    if stop is not None:
        sys.stderr.write(f"{PROG} trace: {trace.stop_message(stop)}\n")
    return 0


class Progress:
    """A progress line on stderr for the long parts of a trace: the steps (computed in
    chunks) and --sensitivity (one backward pass per step, so its work grows with the
    steps squared), one line per part. A part's line shows once SHOW_AFTER seconds have
    passed since its first update (after TensorFlow's import and the first, traced, call),
    and never for the update that ends it: a short trace prints nothing. Ctrl+C stops it
    between two updates. Writing the trace (the Keras layer's check, the JSON) has no line."""

    SHOW_AFTER = 2.0  # seconds

    def __init__(self):
        import time

        self.clock = time.monotonic
        self.started: dict[str, float] = {}  # each part's first update
        self.part: str | None = None  # the part whose line is on screen

    def __call__(self, what: str, done: int, total: int) -> None:
        started = self.started.setdefault(what, self.clock())
        if self.part != what and (done >= total or self.clock() - started < self.SHOW_AFTER):
            return
        if self.part is not None and self.part != what:
            sys.stderr.write("\n")  # the part before keeps its last line
        self.part = what
        sys.stderr.write(f"\r{PROG} trace: {what} {done:,}/{total:,} steps")
        sys.stderr.flush()

    def end(self) -> None:
        """End the line (before an error, the result or more output)."""
        if self.part is not None:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self.part = None


def chain_lines(lab, args) -> None:
    """--stateful --line A --next B --next C: step A, then B from A's final state, then C."""
    from tui_lab.errors import LabError

    if not args.next:
        return
    if not args.stateful:
        raise LabError("--next steps the next lines from the state the one before ended with: "
                       "it needs --stateful")
    if not args.line:
        raise LabError("--next follows --line: give the first line(s) of the chain with --line")
    # A state carries only from a line that was stepped: build first (make_lab leaves the
    # lab unbuilt, and an unbuilt lab has no state to carry).
    lab.build()
    for numbers in args.next:
        if len(numbers) != len(args.line):
            raise LabError(f"--next {','.join(map(str, numbers))} has {len(numbers)} line(s) but "
                           f"--line has {len(args.line)}: a stateful layer needs a fixed batch "
                           f"size")
        lab.select_lines(numbers)


def run_model_trace(args, given: set[str]) -> int:
    """The trace of one recurrent layer of a model: the lab's trace per direction, plus the
    model's checks. JSON only (to stdout or -o)."""
    from tui_lab.core import files, trace
    from tui_lab.cli.options import default_text
    from tui_lab.core.text import read_lines
    from tui_lab.errors import LabError

    if args.output and not files.is_stdout(args.output):
        # A bad -o is refused before TensorFlow.
        files.AtomicFile(args.output, "trace file", force=args.force)
    if args.until:
        raise LabError("--until steps the lab's own cell; with --model it is not supported yet")
    if args.inputs or args.weights or args.initial_state:
        raise LabError("--model brings its own inputs and weights: drop --inputs, --weights and "
                       "--initial-state")
    if args.stateful or args.next or args.training or args.dropout or args.recurrent_dropout:
        raise LabError("--model steps the model's own layer as it is: --stateful, --next, "
                       "--training, --dropout and --recurrent-dropout are for the lab's own "
                       "cell")
    if trace.format_for(args.output, args.format) != "json":
        raise LabError("a model's trace is written as JSON; give a .json file or no -o")
    refuse_model_settings(args, given, {"engine": "a model's trace steps with the keras engine"})
    if args.ids is not None:
        others = [name for name, dest in (("FILE", "file"), ("--text", "text"),
                                          ("--line", "line")) if dest in given]
        if others:
            raise LabError(f"give either --ids or {others[0]}, not both: --ids are the input")
    model = open_model(args)
    text = None
    if args.ids is not None:
        tokens, ids = [model.word(i) for i in args.ids], model.check_ids(args.ids)
    elif args.text is not None:
        text = args.text
    else:
        lines = read_lines(args.file or default_text(args.model))
        number = (args.line or [1])[0]
        if len(args.line or []) > 1 or not 1 <= number <= len(lines):
            raise LabError(f"give one line number from 1 to {len(lines)} with --model")
        text = lines[number - 1]
    if text is not None:
        tokens, ids = model.encode(text)
    if not ids:
        raise LabError("the input has no words the model knows, so there is nothing to step")
    # Text is stepped as text, so each direction's trace has its words, ids and padding.
    run = model.step(args.layer, texts=[text]) if text is not None else \
        model.step(args.layer, model.pad([ids]))
    for direction in run.directions:
        trace.check_size(direction.lab, "json", args.sensitivity)
    result = {
        "model": {"path": model.path, "layers": [layer.describe() for layer in model.layers],
                  "layer": run.layer.name, "bidirectional": run.layer.bidirectional,
                  "merge_mode": run.layer.merge_mode, "vocabulary": model.vocabulary_source},
        "tokens": tokens, "ids": ids, "padded": run.ids.tolist(), "start": run.start,
        "directions": {d.name: _direction_trace(d.lab, args.sensitivity) for d in run.directions},
        "output": _as_list(run.output), "model_output": _as_list(run.model_output),
        "max_abs_error": run.max_abs_error, "head_max_abs_error": run.head_error,
        "head_steps": _head_steps(model, run),
    }
    text = json.dumps(result, allow_nan=False)
    if args.output and not files.is_stdout(args.output):
        files.write_atomic(args.output, text, "trace file", args.force)
    else:
        files.write_stdout(text + "\n")
    return 0


def _head_steps(model, run):
    """The model's head on the state after each step, in processing order: one list per
    batch row at each step (its raw output: a logit stays a logit). None when the head does
    not read one step's output of this layer (a Bidirectional or not the last layer)."""
    from tui_lab.core import trace
    from tui_lab.errors import LabError
    from tui_lab.trained.head import head_steps

    outputs = trace.full_snapshot(run.directions[0].lab).output
    try:
        return head_steps(model, run.layer, outputs).tolist()
    except LabError:
        return None


def _direction_trace(lab, sensitivity: bool) -> dict:
    from tui_lab.core import trace

    snapshot = trace.full_snapshot(lab)
    table = trace.with_sensitivity(lab, snapshot) if sensitivity else None
    return trace.trace_dict(snapshot, sensitivity=table)


def _as_list(value):
    return [v.tolist() for v in value] if isinstance(value, list) else value.tolist()
