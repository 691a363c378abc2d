"""The `tui-lab` command: the app by default, `tui-lab trace` for the headless trace.

Nothing heavy is imported at module level, so `tui-lab --help` answers at once.
Every user mistake ends as one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
import warnings

PROG = "tui-lab"
COMMANDS = {
    "trace": "write every number of a run (ids, embeddings, h, c, gates, layer) as JSON or .npz",
    "train": "train the lesson's next-word model on a text and save it (.keras + word_index)",
    "generate": "continue a text word by word with a trained model, showing the top-k",
    "bench": "measure the lab's speed beside Keras (--quick: a few seconds; --json)",
}
USAGE_ERROR = 2  # a user mistake, a file that cannot be read or written: one line on stderr
INTERRUPTED = 130  # ctrl+c (128 + SIGINT)
TERMINATED = 143  # SIGTERM (128 + SIGTERM)
# Errors of writing to stdout or stderr that come from where they lead, not from a bug.
OUTPUT_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line on stderr (argparse prints the usage too)."""

    def error(self, message: str):
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        raise SystemExit(USAGE_ERROR)


def _positive_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # also an integer of more than 4,300 digits
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text[:40]!r}") from None


def int_in(low: int, high: int):
    """An argparse type: a whole number from low to high (the range is in the message)."""

    def parse(text: str) -> int:
        value = _positive_int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected a whole number from {low:,} to "
                                             f"{high:,}, not {text[:40]}")
        return value

    return parse


def float_in(low: float, high: float):
    """An argparse type: a finite number above low and at most high (no inf, no nan)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, not {text[:40]!r}") from None
        if not low < value <= high:  # false for nan too
            raise argparse.ArgumentTypeError(f"expected a number above {low:g} and at most "
                                             f"{high:g}, not {text[:40]}")
        return value

    return parse


def _maxlen(text: str) -> int | None:
    return None if text.lower() == "none" else _positive_int(text)


def comma_numbers(what: str, example: str):
    """An argparse type for whole numbers separated by commas ("2,5")."""

    def parse(text: str) -> list[int]:
        try:
            numbers = [int(part) for part in text.split(",") if part.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what} like {example}, not {text!r}") from None
        if not numbers:
            raise argparse.ArgumentTypeError(f"expected at least one of the {what}")
        return numbers

    return parse


_line_numbers = comma_numbers("line numbers", "2 or 2,5")


def _add_lab_options(parser: argparse.ArgumentParser) -> None:
    """The settings shared by the app and the trace, with Keras' names."""
    parser.add_argument("file", nargs="?", metavar="FILE",
                        help="a UTF-8 text file, one sequence per line (default: the lesson's lyrics)")
    source = parser.add_argument_group("input")
    source.add_argument("--line", type=_line_numbers, metavar="N[,N...]",
                        help="1-based line number to step; several (2,5) step as one batch")
    source.add_argument("--text", metavar="SENTENCE",
                        help="step this sentence, tokenized with the tokenizer fitted on FILE")
    source.add_argument("--inputs", metavar="FILE.npy|.json",
                        help="step raw input vectors, shape (T, features) or (B, T, features)")
    model = parser.add_argument_group("cell and weights (Keras names)")
    model.add_argument("--cell", default="lstm", help="simple_rnn, lstm or gru (default lstm)")
    model.add_argument("--units", type=_positive_int, default=4, help="recurrent units (default 4)")
    model.add_argument("--embedding-dim", type=_positive_int, default=4,
                       help="Embedding output_dim (default 4)")
    model.add_argument("--num-words", type=_positive_int, default=150,
                       help="Tokenizer num_words and Embedding input_dim (default 150)")
    model.add_argument("--maxlen", type=_maxlen, default=7,
                       help="pad_sequences maxlen, or 'none' for the longest line (default 7)")
    model.add_argument("--padding", default="pre", help="pre or post (default pre)")
    model.add_argument("--truncating", default="post", help="pre or post (default post)")
    model.add_argument("--go-backwards", action="store_true", help="process the sequence backwards")
    model.add_argument("--mask-padding", action="store_true",
                       help="skip padded steps, carrying the state (Embedding mask_zero=True)")
    model.add_argument("--no-bias", dest="use_bias", action="store_false", help="use_bias=False")
    model.add_argument("--reset-after", action=argparse.BooleanOptionalAction, default=True,
                       help="GRU reset_after (default on)")
    model.add_argument("--seed", type=_positive_int, default=0,
                       help="seed for every initial weight (default 0)")
    model.add_argument("--engine", default="keras",
                       help="keras: call the Keras cell object at every step through its cell "
                            "API, compiled (default); numpy: the cell's equations on the same "
                            "weights, checked against the cell")
    model.add_argument("--weights", metavar="FILE.npz",
                       help="kernel, recurrent_kernel, optional bias and embedding (Keras layout)")
    model.add_argument("--initial-state", metavar="FILE.npz", help="initial state: keys h (and c)")


def build_parser() -> argparse.ArgumentParser:
    commands = "\n".join(f"  {name:<8} {text}" for name, text in COMMANDS.items())
    parser = _Parser(
        prog=PROG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="A terminal lab for stepping through sequences with recurrent neural networks:\n"
                    "text -> tokens -> ids -> embeddings -> h and c at every timestep.\n"
                    "With no command, opens the lab (keys are in its footer; ? for help).",
        epilog=f"commands:\n{commands}\n\nRun '{PROG} COMMAND --help' for a command's options.",
    )
    _add_lab_options(parser)
    group = parser.add_argument_group("trained model (the app steps one of its recurrent layers)")
    group.add_argument("--model", metavar="FILE.keras",
                       help="open this Keras model: Embedding -> SimpleRNN/LSTM/GRU/Bidirectional")
    group.add_argument("--layer", help="the recurrent layer to step (default: the last; L in the app)")
    group.add_argument("--word-index", metavar="FILE.json",
                       help="word -> id for the model (default: MODEL.word_index.json beside it)")
    group.add_argument("--fit-text", metavar="FILE",
                       help="fit the tokenizer on this text instead of a saved word_index")
    parser.add_argument("--fresh", action="store_true",
                        help="do not restore the last session (what was open, the settings, the "
                             "step, the theme); options given here always win over it")
    return parser


def build_trace_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=f"{PROG} trace",
                     description="Step the whole sequence and write the trace: config, word_index, "
                                 "tokens, ids, padded ids, weights, every step's x, h, c and gates, "
                                 "and the Keras layer's own output with the max |error|.")
    _add_lab_options(parser)
    parser.add_argument("-o", "--output", metavar="FILE", help="write here (default: stdout)")
    parser.add_argument("--format", choices=("json", "npz"),
                        help="json (default) or npz (npz needs -o; implied by a .npz file name)")
    from tui_lab.cli.models import add_model_options

    add_model_options(parser, default_model=False)
    parser.add_argument("--layer", help="with --model: the recurrent layer to step (default: last)")
    return parser


def build_model_parser(command: str) -> argparse.ArgumentParser:
    from tui_lab.cli import models as model_commands

    parser = _Parser(prog=f"{PROG} {command}", description=COMMANDS[command])
    if command == "train":
        model_commands.add_train_arguments(parser)
    else:
        model_commands.add_generate_arguments(parser)
    return parser


def make_lab(args, fmt: str | None = None):
    """A Lab set up from the shared options; nothing is built (no TensorFlow) yet, and the
    memory it (and its trace in fmt) would take is checked."""
    from tui_lab.core import inputs
    from tui_lab.config import LabConfig
    from tui_lab.core.lab import Lab
    from tui_lab.errors import LabError

    if args.inputs and (args.file or args.text or args.line):
        raise LabError("--inputs replaces the text: do not combine it with FILE, --text or --line")
    if args.text is not None and args.line:
        raise LabError("give either --text or --line, not both")
    config = LabConfig(cell=args.cell, units=args.units, embedding_dim=args.embedding_dim,
                       num_words=args.num_words, maxlen=args.maxlen, padding=args.padding,
                       truncating=args.truncating, go_backwards=args.go_backwards,
                       mask_padding=args.mask_padding, use_bias=args.use_bias,
                       reset_after=args.reset_after, seed=args.seed, engine=args.engine)
    vectors = inputs.read_vectors(args.inputs) if args.inputs else None
    if vectors is not None:
        lab = Lab(config, vectors=vectors)
    else:
        lab = Lab(config, text=args.file)
    if args.weights:
        lab.load_weights(args.weights)
    if args.initial_state:
        lab.load_initial_state(args.initial_state)
    _check_memory(lab, args, vectors, fmt)
    if args.text is not None:
        lab.type_sentence(args.text)
    elif args.line:
        lab.select_lines(args.line)
    return lab


def _words(line: str) -> int:
    """How many words Keras' Tokenizer makes of a line, at most (its filters split too)."""
    import re

    return len(re.findall(r"[^\s!\"#$%&()*+,\-./:;<=>?@\[\\\]^_`{|}~]+", line))


def _check_memory(lab, args, vectors, fmt: str | None) -> None:
    """Refuse a run (and its trace) too big for this machine before anything is allocated."""
    from tui_lab.core import resources

    config = lab.config
    if vectors is not None:
        batch, timesteps, features = vectors.shape
        dims = {"input_dim": features, "text": False}
    else:
        lines = lab.lines
        rows = [args.text] if args.text is not None else \
            [lines[n - 1] for n in (args.line or [1]) if 1 <= n <= len(lines)]
        batch = max(1, len(rows))
        timesteps = config.maxlen or max([_words(row) for row in rows] + [1])
        dims = {}
    resources.check_lab(config, timesteps, batch, **dims)
    if fmt is not None:
        resources.check_trace(config, timesteps, batch, fmt, **dims)


def decode_notice(lab, name) -> str | None:
    """What reading the lab's text replaced (bytes that are not UTF-8), if anything."""
    notice = getattr(lab.lines, "decode_notice", None)
    return notice(str(name)) if notice and name else None


def run_trace(argv: list[str]) -> int:
    from tui_lab.core import files, trace

    args = build_trace_parser().parse_args(argv)
    fmt = trace.format_for(args.output, args.format)
    if fmt == "npz" and not args.output:
        sys.stderr.write(f"{PROG} trace: error: --format npz needs -o FILE (or -o - for stdout)\n")
        return USAGE_ERROR
    if args.model:
        from tui_lab.cli.models import run_model_trace

        return run_model_trace(args)
    lab = make_lab(args, fmt)
    notice = decode_notice(lab, args.file)
    if notice:  # the trace is still right for the text as read: a warning, not an error
        sys.stderr.write(f"{PROG} trace: warning: {notice}\n")
    if args.output and not files.is_stdout(args.output):
        trace.write_trace(lab, args.output, fmt)
    elif fmt == "json":
        files.write_stdout(trace.trace_json(trace.full_snapshot(lab)) + "\n")
    else:
        files.write_stdout(trace.npz_bytes(trace.full_snapshot(lab)))
    return 0


def _model_request(args) -> dict | None:
    """What the app opens once it is up (loading a model needs TensorFlow: not before the
    first paint). Only what can be checked without TensorFlow is checked here."""
    from tui_lab.core import files
    from tui_lab.errors import LabError
    from tui_lab.trained.loading import MAX_MODEL_BYTES, MAX_WORD_INDEX_BYTES
    from tui_lab.core.text import MAX_TEXT_BYTES

    if not args.model:
        if args.layer or args.word_index or args.fit_text:
            raise LabError("--layer, --word-index and --fit-text go with --model FILE.keras")
        return None
    if args.inputs or args.weights or args.initial_state:
        raise LabError("--model brings its own weights and reads token ids: drop --inputs, "
                       "--weights and --initial-state")
    if args.word_index and args.fit_text:
        raise LabError("give either --word-index or --fit-text, not both")
    path = files.regular_file(args.model, "model file", MAX_MODEL_BYTES)
    if path.suffix != ".keras":
        raise LabError(f"{path} is not a .keras model file (the lab opens Keras 3 '.keras' files)")
    if args.word_index:
        files.regular_file(args.word_index, "word_index file", MAX_WORD_INDEX_BYTES)
    if args.fit_text:
        files.regular_file(args.fit_text, "file", MAX_TEXT_BYTES)
    return {"path": path, "layer": args.layer, "word_index": args.word_index,
            "fit_text": args.fit_text}


# Options that say what to step: given any of them, the last session's input is not restored.
INPUT_OPTIONS = {"file", "line", "text", "inputs", "model", "layer", "word_index", "fit_text",
                 "weights", "initial_state"}


def given_options(argv: list[str]) -> set[str]:
    """The options (by dest) given on the command line, whatever their values."""
    probe = build_parser()
    for action in probe._actions:
        action.default = argparse.SUPPRESS
    return set(vars(probe.parse_args(argv)))


def _session_model(saved: dict, notices: list[str]) -> dict | None:
    """A restored session's model as an app model request, if its file is still there."""
    from pathlib import Path

    def text(key):
        value = saved.get(key)
        return value if isinstance(value, str) else None

    path = Path(saved["path"])
    if not path.is_file():
        notices.append(f"the last session's model {path} is gone; it was not reopened")
        return None
    return {"path": path, "layer": text("layer"), "word_index": text("word_index"),
            "fit_text": text("fit_text"), "raw_ids": saved.get("raw_ids") is True,
            "direction": text("direction")}


def restore_session(args, given: set[str], saved, model):
    """(lab, model request, start, notices) from the last session under the command line:
    options given explicitly win; the session's input (text or sentence, lines, step, model)
    is used only if no input option was given. lab is None if nothing of it could be used."""
    from dataclasses import fields

    from tui_lab.config import LabConfig
    from tui_lab.errors import LabError

    notices: list[str] = []
    settings = {k: v for k, v in saved.settings.items() if k not in given}
    merged = argparse.Namespace(**{**vars(args), **settings})
    if not given & INPUT_OPTIONS:
        restored = argparse.Namespace(**vars(merged))
        if saved.vectors:
            restored.inputs = saved.vectors
        else:
            restored.file = saved.text
            if saved.sentence is not None:
                restored.text = saved.sentence
            elif saved.selection:
                restored.line = list(saved.selection)
        # The text may have changed since: then its first line rather than nothing of it.
        text_only = argparse.Namespace(**{**vars(restored), "line": None, "text": None})
        for attempt in (restored, text_only):
            try:
                lab = make_lab(attempt)
            except LabError as error:
                problem = error
                continue
            if attempt is text_only:
                notices.append(f"the last session's lines could not be restored: {problem}")
            start = {"step": saved.step, "marks": saved.marks, "cursor": saved.cursor}
            if saved.model:
                if given & {f.name for f in fields(LabConfig)}:
                    notices.append("the last session's model was not reopened: settings were "
                                   "given on the command line")
                else:
                    model = _session_model(saved.model, notices)
            return lab, model, start, notices
        notices.append(f"the last session's input could not be restored: {problem}")
    try:
        return make_lab(merged), model, None, notices
    except LabError as error:
        notices.append(f"the last session's settings could not be used: {error}")
        return None, model, None, notices


def app_from_args(argv: list[str]):
    """The LabApp that `tui-lab ARGS` runs, the last session restored under the options given
    (nothing here imports TensorFlow: the app paints first and loads it in a worker)."""
    from tui_lab.tui import session

    args = build_parser().parse_args(argv)
    model = _model_request(args)
    saved, notice = (None, None) if args.fresh else session.load()
    notices = [notice] if notice else []
    lab, start = None, None
    if saved is not None:
        lab, model, start, more = restore_session(args, given_options(argv), saved, model)
        notices += more
    if lab is None:
        lab = make_lab(args)
    from pathlib import Path

    from tui_lab.tui.app import LabApp

    vectors = args.inputs or (saved.vectors if start else None)  # start: its input is used
    return LabApp(lab, model=model, theme=saved.theme if saved else None, save_session=True,
                  start=start, notices=tuple(notices),
                  vectors_file=str(Path(vectors).resolve()) if vectors else None)


def run_app(argv: list[str]) -> int:
    app_from_args(argv).run()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv and argv[0] in COMMANDS else None
    prog = f"{PROG} {command}" if command else PROG
    from tui_lab.core import interrupts

    # SIGTERM cleans up like ctrl+c (the app handles its own keys).
    restore = interrupts.install() if command in ("trace", "train", "generate") else None
    try:
        with warnings.catch_warnings():
            if not os.environ.get("TUI_LAB_DEBUG"):
                # A numpy or Keras warning would add lines to the one-line error.
                warnings.simplefilter("ignore")
            return _main(command, argv, prog)
    finally:
        if restore is not None:
            restore()


def _main(command: str | None, argv: list[str], prog: str) -> int:
    from tui_lab.errors import LabError

    try:
        code = _run(command, argv)
        sys.stdout.flush()  # `> /dev/full`: report it here, not as noise at exit
        return code
    except SystemExit as exit_:  # argparse: --help (0) or a usage error (2), already printed
        return exit_.code if isinstance(exit_.code, int) else USAGE_ERROR
    except LabError as error:
        sys.stderr.write(f"{prog}: error: {error}\n")
        return USAGE_ERROR
    except KeyboardInterrupt as interrupt:  # ctrl+c, or SIGTERM (Terminated): files cleaned up
        from tui_lab.core.interrupts import Terminated

        terminated = isinstance(interrupt, Terminated)
        sys.stderr.write(f"{prog}: {'terminated' if terminated else 'interrupted'}\n")
        return TERMINATED if terminated else INTERRUPTED
    except BrokenPipeError:
        # e.g. `tui-lab trace | head`: the reader left; nothing to report.
        from tui_lab.core.files import silence_stdout

        silence_stdout()
        return 0
    except OSError as error:
        if error.errno not in OUTPUT_ERRNOS:
            return _internal_error(prog, error)
        from tui_lab.core.files import silence_stdout  # printing to a full disk: the user's to fix

        silence_stdout()
        sys.stderr.write(f"{prog}: error: cannot write the output: {error.strerror or error}\n")
        return USAGE_ERROR
    except Exception as error:
        return _internal_error(prog, error)


def _internal_error(prog: str, error: Exception) -> int:
    """A bug, not the user's fault: still one line, details on request."""
    if os.environ.get("TUI_LAB_DEBUG"):
        raise error
    sys.stderr.write(f"{prog}: internal error: {type(error).__name__}: {error} "
                     f"(set TUI_LAB_DEBUG=1 to see the traceback)\n")
    return 1


def _run(command: str | None, argv: list[str]) -> int:
    if command == "trace":
        return run_trace(argv[1:])
    if command == "bench":
        from tui_lab.cli import bench

        return bench.main(argv[1:])
    if command in ("train", "generate"):
        from tui_lab.cli import models as model_commands

        args = build_model_parser(command).parse_args(argv[1:])
        run = model_commands.run_train if command == "train" else model_commands.run_generate
        return run(args)
    return run_app(argv)
