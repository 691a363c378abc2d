"""Ctrl+C and SIGTERM on the command line: one outcome, and temporary files always removed.

The CLI installs `install()`: SIGINT raises KeyboardInterrupt and SIGTERM raises Terminated
(a KeyboardInterrupt), so the same `finally` clauses clean up after both. Code that must not
be torn in the middle (Keras writing a model, renaming finished files into place) runs under
`deferred()`: a signal there is only noted, and `raise_pending()` acts on it at a point
where stopping is clean. A noted signal also survives being swallowed: an interrupt raised
inside a finalizer ("Exception ignored in ...") is still acted on at the next check.
Without `install()` (the app, a notebook) Python's own handling applies and this is inert.
"""

from __future__ import annotations

import signal
import sys
import threading
from contextlib import contextmanager

_pending: list[int] = []  # signals received since install()
_deferred = 0  # depth of deferred() blocks (main thread only: signals arrive there)
_settled = False  # the command's files are in place: a late signal cannot undo them


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like ctrl+c so the same cleanup runs (exit code 143)."""


def _interrupt(signum: int) -> KeyboardInterrupt:
    return Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def _handler(signum, frame) -> None:
    first = not _pending
    _pending.append(signum)
    # A second signal must not interrupt the cleanup of the first.
    if first and not _deferred and not _settled:
        raise _interrupt(signum)


def _quiet_unraisable(hook):
    """An interrupt that hit a finalizer is already noted: do not print it."""

    def unraisable(info) -> None:
        if _pending and isinstance(info.exc_value, KeyboardInterrupt):
            return
        hook(info)

    return unraisable


def install():
    """Route SIGINT and SIGTERM through this module (main thread only); returns a function
    that puts the previous handlers back."""
    global _settled
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    _pending.clear()
    _settled = False
    previous = (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM),
                sys.unraisablehook)
    signal.signal(signal.SIGINT, _handler)
    signal.signal(signal.SIGTERM, _handler)
    sys.unraisablehook = _quiet_unraisable(previous[2])

    def restore() -> None:
        global _settled
        _settled = False
        signal.signal(signal.SIGINT, previous[0])
        signal.signal(signal.SIGTERM, previous[1])
        sys.unraisablehook = previous[2]
        _pending.clear()

    return restore


def pending() -> int | None:
    """The first signal received since install(), if any."""
    return _pending[0] if _pending else None


def raise_pending() -> None:
    """Act on a signal noted earlier (deferred, or swallowed by a finalizer)."""
    if _pending:
        raise _interrupt(_pending[0])


def settle() -> None:
    """The outcome is decided (the files are in place): from now on a signal is only noted,
    so the command ends as it succeeded rather than as 'interrupted' with files written."""
    global _settled
    _settled = True


@contextmanager
def deferred():
    """Signals received inside are noted, not raised; raise_pending() acts on them."""
    global _deferred
    main = threading.current_thread() is threading.main_thread()
    if main:
        _deferred += 1
    try:
        yield
    finally:
        if main:
            _deferred -= 1
