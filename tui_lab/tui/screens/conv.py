"""The Conv1D view (K): a keras.layers.Conv1D stepped one window position at a time over the
lab's embeddings, beside the recurrent state the lab carried to the same position.

The screen owns its Conv1DStepper (core/conv.py), made in the app's worker queue and handed
over in a message; stepping it is numpy on the stepper's own arrays (no Lab, no TensorFlow),
so it happens here. A new setting makes a new stepper in the worker queue (Keras builds the
weights and the layer check); until it arrives the old one stays on screen, and a setting
that cannot work is refused at once with a notification, the view kept as it was.
"""

from __future__ import annotations

from dataclasses import replace

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer, Vertical
from textual.geometry import Region
from textual.message import Message
from textual.widgets import Static

from tui_lab.core.conv import ACTIVATIONS, PADDINGS, ConvSettings
from tui_lab.errors import LabError
from tui_lab.tui.jobs import failure
from tui_lab.tui.screens.dialog import Dialog
from tui_lab.tui.widgets import conv_text


class ConvBuilt(Message):
    """From a worker: a Conv1D stepper for the view (or why the settings asked cannot work)."""

    def __init__(self, stepper=None, error: str | None = None) -> None:
        super().__init__()
        self.stepper, self.error = stepper, error


def _cycle(options, current: str) -> str:
    options = list(options)
    return options[(options.index(current) + 1) % len(options)]


class ConvScreen(Dialog[ConvSettings]):
    """Dismissed with the settings last shown (the app keeps them for the next K)."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="conv.close"),
        # priority: the scrolling container has the focus and would take these keys itself
        Binding("space,right,l", "step", "Next position", id="conv.step", priority=True),
        Binding("left,h", "back", "Back", id="conv.back", priority=True),
        Binding("home,g", "start", "Start", id="conv.start", priority=True),
        Binding("end,G", "end", "End", id="conv.end", priority=True),
        Binding("left_square_bracket", "sideways(-1)", "Scroll left", id="conv.scroll.left"),
        Binding("right_square_bracket", "sideways(1)", "Scroll right", id="conv.scroll.right"),
        Binding("plus,equals_sign", "change('kernel_size', 1)", "kernel+", id="conv.kernel.up"),
        Binding("minus", "change('kernel_size', -1)", "kernel-", id="conv.kernel.down"),
        Binding("d", "change('dilation_rate', 1)", "dilation+", id="conv.dilation.up"),
        Binding("D", "change('dilation_rate', -1)", "dilation-", id="conv.dilation.down"),
        Binding("f", "change('filters', 1)", "filters+", id="conv.filters.up"),
        Binding("F", "change('filters', -1)", "filters-", id="conv.filters.down"),
        Binding("p", "cycle('padding')", "padding", id="conv.padding"),
        Binding("a", "cycle('activation')", "activation", id="conv.activation"),
        Binding("y", "row(1)", "Next batch row", id="conv.row.next"),
        Binding("Y", "row(-1)", "Previous batch row", id="conv.row.previous"),
    ]

    def __init__(self, stepper, row: int = 0) -> None:
        super().__init__()
        self.stepper = stepper
        self.row = min(row, stepper.x.shape[0] - 1)
        self.asked = stepper.settings  # the settings last asked for (a build may be queued)
        self._building = 0  # builds asked for and not answered yet

    def compose(self) -> ComposeResult:
        with Vertical(id="conv"):
            yield Static(id="conv-about")
            yield Static(id="conv-tokens")
            yield Static(id="conv-check")
            with ScrollableContainer(id="conv-scroll"):
                yield Static(id="conv-table")
                yield Static(id="conv-detail")
            yield Static("space/→ next · ←/h back · home/end · y row · ↑↓ [ ] scroll · "
                         "esc closes\n+/- kernel_size · d/D dilation_rate · f/F filters · "
                         "p padding · a activation", classes="legend")

    def on_mount(self) -> None:
        self.query_one("#conv-scroll").focus()
        self._paint()

    def on_resize(self) -> None:
        self._paint()

    @property
    def _width(self) -> int:
        return self.query_one("#conv-scroll").size.width or self.app.size.width

    def _paint(self) -> None:
        conv, row, digits = self.stepper, self.row, self.app.view.digits
        snapshot = self.app.snapshot
        width = self.app.size.width
        self.query_one("#conv-about", Static).update(conv_text.about(conv, row, width))
        self.query_one("#conv-tokens", Static).update(conv_text.tokens(conv, row, self._width))
        self.query_one("#conv-check", Static).update(conv_text.check(conv))
        self.query_one("#conv-table", Static).update(
            conv_text.table(conv, snapshot, row, digits, width))
        self.query_one("#conv-detail", Static).update(
            conv_text.detail(conv, snapshot, row, digits))
        scroll = self.query_one("#conv-scroll")
        # after the layout: the table's new height decides how far it can scroll
        if conv.position is None:
            self.call_after_refresh(scroll.scroll_home, animate=False)
        else:  # keep the current row in sight
            # below the table's header, and the "… positions above" line once rows are left out
            most = conv_text.MAX_ROWS
            row = 1 + min(conv.position, most - 1) + (conv.stepped > most)
            self.call_after_refresh(scroll.scroll_to_region, Region(0, row, 1, 1),
                                    animate=False)

    # ----- stepping (numpy on the screen's own stepper) ---------------------------------------
    def action_step(self) -> None:
        if self.stepper.step():
            self._paint()
        else:
            self.notify(f"position {self.stepper.position} is the last: home goes back to the "
                        "start", title="Conv1D")

    def action_back(self) -> None:
        if self.stepper.back():
            self._paint()

    def action_start(self) -> None:
        self.stepper.reset()
        self._paint()

    def action_end(self) -> None:
        self.stepper.run_to_end()
        self._paint()

    def action_row(self, delta: int) -> None:
        rows = self.stepper.x.shape[0]
        if rows < 2:
            self.notify("one row in this input: mark lines with m to step a batch",
                        title="Batch row", severity="warning")
            return
        self.row = (self.row + delta) % rows
        self._paint()

    def action_sideways(self, direction: int) -> None:
        scroll = self.query_one("#conv-scroll")
        scroll.scroll_to(x=scroll.scroll_x + direction * 8, animate=False)

    # ----- settings (a new stepper from the worker queue) -------------------------------------
    def action_change(self, name: str, delta: int) -> None:
        self._ask(replace(self.asked, **{name: getattr(self.asked, name) + delta}))

    def action_cycle(self, name: str) -> None:
        options = PADDINGS if name == "padding" else ACTIVATIONS
        self._ask(replace(self.asked, **{name: _cycle(options, getattr(self.asked, name))}))

    def _ask(self, settings: ConvSettings) -> None:
        try:  # checked here first: a setting that cannot work never reaches the queue
            settings = settings.checked(self.stepper.timesteps)
        except LabError as error:
            self.notify(str(error), title="Conv1D: not changed", severity="warning")
            return
        self.asked = settings
        self._building += 1
        base = self.stepper  # its input and seed; read by the worker, never changed

        def build(lab) -> None:
            try:
                built = ConvBuilt(base.with_settings(**vars(settings)))
            except Exception as error:  # (a surprise too: the view must stop waiting)
                built = ConvBuilt(error=failure(error))
            self.post_message(built)

        # Beside the lab: the new stepper changes nothing there (no snapshot, no repaint).
        self.app.submit_beside("Conv1D", build)

    def on_conv_built(self, message: ConvBuilt) -> None:
        message.stop()
        self._building -= 1
        if message.error is not None:
            self.notify(message.error, title="Conv1D: not changed", severity="warning")
        else:
            new = message.stepper
            new.seek(min(self.stepper.stepped, new.length))  # where the user is now
            self.stepper = new
            self._paint()
        if not self._building:
            self.asked = self.stepper.settings

    def action_close(self) -> None:
        self.dismiss(self.stepper.settings)
