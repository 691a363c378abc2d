"""The one path from the UI to the lab: jobs in order on the lab's own thread, and their messages.

The lab (core.lab.Lab, trained.lab.ModelLab) is not thread-safe, so it is touched only here,
on a thread of its own, by jobs that run one at a time in the order their tickets were taken
on the UI thread (`Turns`). A job is a Textual worker on the UI's event loop, not a thread
worker: it waits for its turn, and for the UI to show its result, as a coroutine, and holds
the lab's thread only while the lab computes. (Issue 23: thread workers waited in the threads
of asyncio's default executor, 6 on 2 cores, which Textual also needs: it parses the help's
Markdown there. With keys queued they filled it; esc on the help then made the UI await the
help's removal, which awaited that parse: no result was ever shown and the app froze.)
The UI thread never reads the lab: it renders the latest `Snapshot`, which each job takes
after its operation and posts back in a `StatesReady` message. Jobs report only through
typed messages:

- `StatesReady`: the operation's snapshot; with `swap`, a new lab (a model opened or closed, a
  layer changed) that the UI thread makes the app's lab. The job keeps its turn until then,
  so the next job reads the new lab.
- `JobFailed`: a LabError (or a surprise) as a notification; the lab keeps what it had.
- `JobProgress`: a long run's progress for the status bar (a newer one replaces a waiting one).
- `JobNotice`: something to say once the work is done ("stopped at step 3").
- `BesideReady`: the result of work on an object beside the lab (the side-by-side
  comparison), shown by the callback given with it instead of a new snapshot of the lab.

TensorFlow is never imported here: `lab.build()` (on the lab thread) imports it quietly.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable

from textual import work
from textual.message import Message

from tui_lab.errors import LabError

BUSY_DELAY = 0.15  # seconds before the status bar says what is running


class Turns:
    """A fair lock on the UI's event loop: jobs run in the order their tickets were taken.

    Waiting is a coroutine, never a thread (see the module's docstring). A job cancelled
    before its turn (the app closing) gives it up: the jobs after it still come in order.
    `close()` lets every waiting job go (the app is shutting down)."""

    def __init__(self) -> None:
        self._next = 0  # the next ticket to hand out
        self._serving = 0  # the ticket whose turn it is
        self._finished: set[int] = set()  # tickets done (or given up) before their turn came
        self._waiting: dict[int, asyncio.Future] = {}
        self.closed = False

    def ticket(self) -> int:
        self._next += 1
        return self._next - 1

    @asynccontextmanager
    async def turn(self, ticket: int):
        """Wait for the ticket's turn; yields False once the queue is closed (do nothing)."""
        try:
            if not self.closed and self._serving != ticket:
                self._waiting[ticket] = asyncio.get_running_loop().create_future()
                await self._waiting[ticket]
            yield not self.closed
        finally:
            self._waiting.pop(ticket, None)
            self._finished.add(ticket)
            while self._serving in self._finished:
                self._finished.discard(self._serving)
                self._serving += 1
            self._wake(self._waiting.get(self._serving))

    def close(self) -> None:
        self.closed = True
        for waiting in self._waiting.values():
            self._wake(waiting)

    @staticmethod
    def _wake(waiting: asyncio.Future | None) -> None:
        if waiting is not None and not waiting.done():
            waiting.set_result(None)


@contextmanager
def terminal_on_its_own_fd():
    """Textual draws on sys.__stderr__ (fd 2), and TensorFlow writes its log lines to fd 2,
    while tf_loader points fd 2 at /dev/null during the import, which would swallow frames
    painted meanwhile. So the app draws on a duplicate of the terminal's fd and fd 2 stays
    at /dev/null while the app runs: nothing TensorFlow says can reach the screen."""
    try:
        terminal = os.fdopen(os.dup(2), "w", buffering=1, encoding=sys.__stderr__.encoding,
                             errors="replace")
    except (OSError, AttributeError, ValueError):
        yield
        return
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    original = sys.__stderr__, sys.stderr
    sys.__stderr__ = sys.stderr = terminal  # Textual's screen and its error report
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        sys.__stderr__, sys.stderr = original
        for fd in (saved, devnull):
            os.close(fd)
        terminal.close()


@dataclass
class Swap:
    """Returned by an operation: make `lab` the app's lab (on the UI thread). model_options:
    how a model was opened, kept for the session (None: keep the ones there)."""

    lab: Any
    model_options: dict | None = field(default=None)


class Result(Message):
    """A job's last word. The job's worker ends only once the UI thread has handled it
    (`shown`), so a finished worker means its result is on screen (what tests and the
    benchmark wait for)."""

    def __init__(self) -> None:
        super().__init__()
        self.shown = asyncio.Event()


class StatesReady(Result):
    """A worker's operation is done: its snapshot (and the lab to swap in, if any)."""

    def __init__(self, snapshot, done: str | None = None, swap: Swap | None = None,
                 first: bool = False) -> None:
        super().__init__()
        self.snapshot, self.done, self.swap, self.first = snapshot, done, swap, first


class BesideReady(Result):
    """A worker's operation on something beside the lab is done: show(result) on the UI thread."""

    def __init__(self, result, show: Callable[[Any], None] | None) -> None:
        super().__init__()
        self.result, self.show = result, show


class JobFailed(Result):
    def __init__(self, label: str, error: str, built: bool = True) -> None:
        super().__init__()
        self.label, self.error, self.built = label, error, built


class JobProgress(Message):
    """How far a long run is, for the status bar. A newer one replaces a waiting one."""

    def __init__(self, what: str, done: int, total: int, text: str) -> None:
        super().__init__()
        self.what, self.done, self.total, self.text = what, done, total, text

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, JobProgress)


class JobNotice(Message):
    def __init__(self, message: str, title: str = "", severity: str = "information",
                 timeout: float | None = None) -> None:
        super().__init__()
        self.message, self.title, self.severity, self.timeout = message, title, severity, timeout


def failure(error: Exception) -> str:
    """A LabError says what to do; anything else is named (never a traceback on the terminal)."""
    return str(error) if isinstance(error, LabError) else f"{type(error).__name__}: {error}"


class Jobs:
    """Mixed into LabApp: `submit` queues an operation on the lab; the handlers take the
    results back on the UI thread. The app provides lab, _show, _failed and _status."""

    lab: Any
    _pending = 0  # jobs submitted and not yet reported back
    _started = _finished = 0  # jobs submitted / reported back so far (they report in order)
    _busy_label = ""

    def _start_jobs(self) -> None:
        self._turns = Turns()
        self._cancel = threading.Event()  # esc: stop a long run at the next step
        # The lab's own thread: every lab call runs on it, one at a time. Not the event loop's
        # default executor, which Textual itself needs free (the module's docstring).
        self._lab_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tui-lab")

    async def _on_lab_thread(self, function: Callable, *args) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._lab_thread, function, *args)

    @property
    def busy(self) -> bool:
        """True while any lab work is queued, running or not yet shown."""
        return self._pending > 0

    @property
    def busy_label(self) -> str:
        """What the status bar says is running ("" when idle)."""
        return self._busy_label if self._pending else ""

    def _job_started(self, label: str | None = None) -> int:
        self._pending += 1
        self._started += 1
        if label is not None:
            self._busy_label = label
            # Only work that takes a while is named in the status bar: a step is on screen
            # within a frame, and painting "Step" first would cost a frame of its own. The
            # timer names this job, so that keys pressed in a row (a job each) do not paint
            # a busy label for a job that is already done.
            job = self._started
            self.set_timer(BUSY_DELAY, lambda: self._status_if_busy(job))
        return self._started

    def _job_done(self) -> None:
        self._pending -= 1
        self._finished += 1

    def job_running(self, job: int) -> bool:
        """Whether the job'th job submitted is not reported back yet."""
        return self._finished < job

    def submit(self, label: str, operation: Callable, done: str | None = None) -> int:
        """Run operation(lab) in a worker after every earlier one; show the new snapshot.
        The operation may return a Swap: the new lab then replaces the app's lab. Returns the
        job's number (job_running tells whether it is still to be reported)."""
        job = self._job_started(label)
        self._call(self._turns.ticket(), label, operation, done)
        return job

    def submit_beside(self, label: str, operation: Callable,
                      show: Callable[[Any], None] | None = None) -> None:
        """Run operation(lab) in the same queue as submit, and pass what it returns to show()
        on the UI thread; no new snapshot of the lab is taken (the lab is unchanged: this is
        for work beside it, such as the side-by-side comparison, which the worker owns, or a
        view's numbers). show=None: the operation reports by messages of its own."""
        self._job_started(label)
        self._call_beside(self._turns.ticket(), label, operation, show)

    @work(group="lab")
    async def _call_beside(self, ticket: int, label: str, operation, show) -> None:
        async with self._turns.turn(ticket) as open_:
            if not open_:
                return
            lab = self.lab
            try:
                report = BesideReady(await self._on_lab_thread(operation, lab), show)
            except Exception as error:
                report = JobFailed(label, failure(error), lab.is_built)
        await self._report(report)

    def _build_lab(self) -> None:
        self._job_started()
        self._build(self._turns.ticket())

    @work(group="build")
    async def _build(self, ticket: int) -> None:
        async with self._turns.turn(ticket) as open_:
            if not open_:
                return
            lab = self.lab

            def build():
                lab.build()
                # The first states do not wait for the Keras layer's check (tf.function
                # tracing takes a few hundred ms): it follows in the next job.
                return lab.snapshot(layer=False)

            try:
                snapshot = await self._on_lab_thread(build)
            except Exception as error:  # never let a surprise kill the terminal session
                await self._report(JobFailed("Loading the lab", failure(error), lab.is_built))
            else:
                await self._report(StatesReady(snapshot, first=True))

    @work(group="lab")
    async def _call(self, ticket: int, label: str, operation, done: str | None) -> None:
        async with self._turns.turn(ticket) as open_:
            if not open_:
                return
            lab = self.lab
            try:
                swap, snapshot = await self._on_lab_thread(self._operate, lab, operation)
            except Exception as error:
                report = JobFailed(label, failure(error), lab.is_built)
            else:
                report = StatesReady(snapshot, done, swap)
                if swap is not None:
                    # The next job must see the new lab: keep the turn until the UI has it.
                    await self._report(report)
                    return
        await self._report(report)

    @staticmethod
    def _operate(lab, operation: Callable) -> tuple[Swap | None, Any]:
        """On the lab thread: operation(lab), then the snapshot of the lab it leaves."""
        result = operation(lab)
        swap = result if isinstance(result, Swap) and result.lab is not lab else None
        return swap, (swap.lab if swap else lab).snapshot()

    async def _report(self, message: Result) -> None:
        """Post a job's result and wait until the UI thread has handled it."""
        if self.post_message(message):  # (False: the app is closing)
            await message.shown.wait()

    def progress(self, what: str, done: int, total: int, text: str | None = None) -> None:
        """From a worker: show how far a long run is (coalesced). text: the status bar's
        words (by default "what: done/total (esc stops)")."""
        text = text or f"{what}: {done:,}/{total:,} (esc stops)"
        self.post_message(JobProgress(what, done, total, text))

    def say(self, message: str, title: str = "", severity: str = "information",
            timeout: float | None = None) -> None:
        """From a worker: a notification, shown after what the worker posted before."""
        self.post_message(JobNotice(message, title, severity, timeout))

    # ----- back on the UI thread ------------------------------------------------------------
    def on_states_ready(self, message: StatesReady) -> None:
        try:
            if message.swap is not None:
                self.lab = message.swap.lab
                if message.swap.model_options is not None:
                    self._model_options = message.swap.model_options
            self._job_done()
            if message.first:
                self._show_first(message.snapshot)
            else:
                self._show(message.snapshot, message.done)
        finally:
            message.shown.set()

    def on_beside_ready(self, message: BesideReady) -> None:
        try:
            self._job_done()
            if message.show is not None:
                message.show(message.result)
            self._status()
        finally:
            message.shown.set()

    def on_job_failed(self, message: JobFailed) -> None:
        try:
            self._job_done()
            self._failed(message.label, message.error, message.built)
        finally:
            message.shown.set()

    def on_job_progress(self, message: JobProgress) -> None:
        if self._pending:
            self._busy_label = message.text
            self._status()
            self.on_progress_shown(message)

    def on_progress_shown(self, message: JobProgress) -> None:
        """Called after a progress report is in the status bar: a hook for tests."""

    def on_job_notice(self, message: JobNotice) -> None:
        self.notify(message.message, title=message.title, severity=message.severity,
                    timeout=message.timeout)

    def _stop_jobs(self) -> None:
        """The app is closing: let every waiting job go without touching the lab (a lab call
        under way finishes on the lab thread; none queued after it starts)."""
        self._turns.close()
        self._lab_thread.shutdown(wait=False, cancel_futures=True)
