"""M: why an LSTM remembers. A task's three shipped models (SimpleRNN, LSTM, GRU, trained alike
on the same lines: trained/experiment.py) stepped together on one held-out line, with each
one's reach, answer so far and mechanism (trained/why.py makes the numbers; widgets/why_text.py
draws them).

The screen owns its keys, its actions and its messages. It reaches the lab's world through
one object the app hands it: `run_beside(label, operation, show)`, the app's worker queue
(jobs.Jobs.submit_beside), so its work runs in order with every other lab call and never on
the UI thread. The WhyComparison it steps is made, stepped and dropped only inside those
operations; the UI thread renders the immutable WhyView each one posts back.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Label, Static

from tui_lab.errors import LabError
from tui_lab.tui.jobs import failure
from tui_lab.tui.screens.dialog import Dialog
from tui_lab.tui.widgets.why_text import why_text

KEYS = "␣/→ step · ← back · home/end · ↓↑ line · t task · esc close"
TASK_ORDER = ("memory", "recall")


class WhyProgress(Message):
    """From a worker: what is being opened (opening takes a few seconds)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class WhyScreen(Dialog[None]):
    """The three models of a task side by side; its keys step them all at once."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="why.close"),
        Binding("space,right,l", "move('step')", "Step all", id="why.step"),
        Binding("left,h", "move('back')", "Back", id="why.back"),
        Binding("home,g", "move('start')", "Start", id="why.start"),
        Binding("end,G", "move('end')", "End", id="why.end"),
        Binding("down,j", "line(1)", "Next line", id="why.line.next"),
        Binding("up,k", "line(-1)", "Previous line", id="why.line.previous"),
        Binding("t", "switch_task", "Other task", id="why.task"),
        Binding("pagedown", "page(1)", "Scroll down", id="why.down"),
        Binding("pageup", "page(-1)", "Scroll up", id="why.up"),
    ]

    def __init__(self, run_beside, task: str = "memory") -> None:
        super().__init__()
        self._run_beside = run_beside
        self.task_name = task  # the task shown, or being opened
        self.shown = None  # the latest WhyView shown
        self._comparison = None  # the workers' own (see the module's docstring)

    def compose(self) -> ComposeResult:
        with Vertical(id="why"):
            yield Label("Why an LSTM remembers: three cells trained alike, stepped together",
                        id="why-title")
            # Not focusable: its own keys (home, end, ↑ ↓) would take the view's.
            scroll = VerticalScroll(id="why-scroll")
            scroll.can_focus = False
            with scroll:
                yield Static(Text("opening the models…", style="italic"), id="why-body")
            yield Static(KEYS, id="why-keys")

    def on_mount(self) -> None:
        self._open(self.task_name, 1)

    @property
    def body(self) -> Static:
        return self.query_one("#why-body", Static)

    # ----- work in the app's queue ----------------------------------------------------------
    def _open(self, task: str, line: int) -> None:
        from tui_lab.trained.why import WhyComparison

        self.task_name = task

        def open_it(lab):
            try:
                self._comparison = WhyComparison(
                    task, line, engine=lab.config.engine,
                    progress=lambda text: self.post_message(WhyProgress(text)))
            except LabError as error:  # said in the view; the old comparison stays
                return failure(error)
            return self._comparison.view()

        self._run_beside(f"Opening the {task} task", open_it, self._show)

    def _submit(self, label: str, operation) -> None:
        def run(lab):
            comparison = self._comparison
            if comparison is None:  # not open (yet), or closed
                return None
            operation(comparison)
            return comparison.view()

        self._run_beside(label, run, self._show)

    def on_why_progress(self, message: WhyProgress) -> None:
        if self.shown is None and self.is_attached:
            self.body.update(Text(f"{message.text}…", style="italic"))

    def _show(self, result) -> None:
        if not self.is_attached:  # closed while the work was queued
            return
        if isinstance(result, str):  # the task could not be opened
            self.body.update(Text(f"{result}\n(esc closes)", style="italic"))
            return
        if result is None:
            return
        self.shown, self.task_name = result, result.task.name
        self._draw()

    def _draw(self) -> None:
        if self.shown is not None:
            size = self.query_one(VerticalScroll).size
            # One column less than the panel: a scrollbar takes it when the text is longer.
            self.body.update(why_text(self.shown, max(40, size.width - 1), size.height))

    def on_resize(self) -> None:
        self._draw()

    # ----- keys -----------------------------------------------------------------------------
    def action_move(self, what: str) -> None:
        operations = {"step": lambda c: c.step(), "back": lambda c: c.back(),
                      "start": lambda c: c.reset(), "end": lambda c: c.run_to_end()}
        self._submit(f"Why: {what}", operations[what])

    def action_line(self, delta: int) -> None:
        def move(comparison) -> None:
            line = comparison.line + delta
            if 1 <= line <= len(comparison.rows):
                comparison.select_line(line)

        self._submit("Why: line", move)

    def action_switch_task(self) -> None:
        task = TASK_ORDER[(TASK_ORDER.index(self.task_name) + 1) % len(TASK_ORDER)]
        self.shown = None
        self.body.update(Text(f"opening the {task} task…", style="italic"))
        self._open(task, 1)

    def action_page(self, direction: int) -> None:
        scroll = self.query_one(VerticalScroll)
        scroll.scroll_to(y=scroll.scroll_y + direction * max(1, scroll.size.height - 2),
                         animate=False)

    def action_close(self) -> None:
        def drop(lab) -> None:
            self._comparison = None

        self._run_beside("Why: close", drop, None)
        self.dismiss(None)
