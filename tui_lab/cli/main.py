"""The `tui-lab` command: the app by default, `tui-lab trace`, `train`, `generate`, `bench`,
`experiment`, `serve`.

The entry point (pyproject: tui_lab.cli.main:main) picks the command and turns whatever ends
it into an exit code. Every user mistake ends as one line on stderr and exit code 2, never a
traceback. Nothing heavy is imported at module level, so `tui-lab --help` answers at once;
each command's module is imported when it runs:

    cli/options.py  the parser, argument types and options the commands share
    cli/launch.py   no command: the app (its parser, the last session, app_from_args)
    cli/trace.py    trace (and trace --model)
    cli/models.py   train and generate
    cli/experiment.py  experiment (the memory tasks' models)
    cli/bench.py    bench
    cli/serve.py    serve (its server: cli/classroom.py)
"""

from __future__ import annotations

import errno
import os
import sys
import warnings

# app_from_args and build_parser are re-exported: the app's tests and scripts import them here.
from tui_lab.cli.launch import app_from_args, build_parser
from tui_lab.cli.options import COMMANDS, PROG, USAGE_ERROR

INTERRUPTED = 130  # ctrl+c (128 + SIGINT)
TERMINATED = 143  # SIGTERM (128 + SIGTERM)
# Errors of writing to stdout or stderr that come from where they lead, not from a bug.
OUTPUT_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)

__all__ = ["COMMANDS", "INTERRUPTED", "PROG", "TERMINATED", "USAGE_ERROR", "app_from_args",
           "build_parser", "main"]


def main(argv: list[str] | None = None) -> int:
    as_program = argv is None  # the entry point or `python -m tui_lab`, not a caller's test
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv and argv[0] in COMMANDS else None
    prog = f"{PROG} {command}" if command else PROG
    from tui_lab.core import interrupts

    # SIGTERM cleans up like ctrl+c (the app handles its own keys).
    restore = interrupts.install() if command in ("trace", "train", "generate",
                                                  "experiment") else None
    try:
        with warnings.catch_warnings():
            if not os.environ.get("TUI_LAB_DEBUG"):
                # A numpy or Keras warning would add lines to the one-line error.
                warnings.simplefilter("ignore")
            return _main(command, argv, prog)
    finally:
        if restore is not None:
            restore()
            if as_program:
                # The exit code is decided, but the process still has TensorFlow's teardown
                # ahead (about a second): with the default handlers a signal there would
                # kill it as 130/143 with no word, or print a traceback from an atexit
                # hook, after the files were written. Until it ends, signals are ignored.
                import signal

                signal.signal(signal.SIGINT, signal.SIG_IGN)
                signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _main(command: str | None, argv: list[str], prog: str) -> int:
    from tui_lab.errors import LabError

    try:
        try:
            code = _run(command, argv)
        except SystemExit as exit_:  # argparse: --help (0) or a usage error (2), printed
            code = exit_.code if isinstance(exit_.code, int) else USAGE_ERROR
        # `> /dev/full`: report it here (the help too), not as noise or silence at exit.
        sys.stdout.flush()
        return code
    except LabError as error:
        from tui_lab.core.files import ReadOnlyFile

        hint = " (--force replaces it)" if isinstance(error, ReadOnlyFile) else ""
        sys.stderr.write(f"{prog}: error: {error}{hint}\n")
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
        from tui_lab.cli import trace

        return trace.run(argv[1:])
    if command in ("train", "generate"):
        from tui_lab.cli import models

        return models.run(command, argv[1:])
    if command == "experiment":
        from tui_lab.cli import experiment

        return experiment.run(argv[1:])
    if command == "bench":
        from tui_lab.cli import bench

        return bench.main(argv[1:])
    if command == "serve":
        from tui_lab.cli import serve

        return serve.run(argv[1:])
    from tui_lab.cli import launch

    return launch.run(argv)
