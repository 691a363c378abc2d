"""How far back a state reaches: for the current step t, one bar per input read so far, the
Frobenius norm of the Jacobian dh_t/dx_k (core/sensitivity.py). The app fetches the lab's
`Sensitivity` in its worker queue and posts it here (`ReachFetched`); this screen never touches
the lab. Bars are characters (NO_COLOR reads the same), on a log scale with labelled decades
by default (s: linear, scaled to the largest); a long line scrolls."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Label, Static

from tui_lab.config import CELL_TITLES
from tui_lab.tui.screens.dialog import Dialog
from tui_lab.tui.widgets.bars import LogScale, bar
from tui_lab.tui.widgets.labels import clip, printable

BAR_CELLS = 36
WORD_CELLS = 14
# Why random weights can look as if a SimpleRNN remembers (measured: README, "How far back a
# state reaches"), and where the trained answer is.
UNTRAINED = ("Untrained weights: a SimpleRNN's reach barely fades here only because its "
             "orthogonal kernel keeps small inputs in tanh's linear part; an LSTM's fades at "
             "forget ≈ 0.73 a step. M: what trained models remember.")


class ReachFetched(Message):
    """From a worker: the lab's Sensitivity at its current step, or (result None) why the
    call failed."""

    def __init__(self, result, error: str = "") -> None:
        super().__init__()
        self.result, self.error = result, error


def reach_table(result, row: int, source: str = "", log: bool = True,
                untrained: bool = False) -> Text:
    """The norms of batch row `row` (0-based), one line per input k in processing order,
    with bars on a log scale (labelled decades) or, log False, linear to the largest.
    untrained: the lab's weights are Keras' initial ones (a line says what that shows)."""
    text = Text()
    if untrained:
        text.append(UNTRAINED + "\n", "italic")
    if result.t == 0:
        text.append("Before the first step no input has been read: step on (space) to see "
                    "how far back h_1, h_2 ... reach.\n", "italic")
        return text
    norms = result.norms[row]
    largest = float(norms.max())
    scale = LogScale.of(norms) if log else None
    width = max(4, len(str(int(result.positions.max()))), len(str(result.t)))
    check = "✓" if result.state_error < 1e-5 else f"✗ {result.state_error:.1e}"
    text.append(f"h_{result.t} after step {result.t} · "
                f"{CELL_TITLES[result.cell]}{' go_backwards' if result.go_backwards else ''} · "
                f"batch row {row + 1}{f' ({source})' if source else ''}\n")
    shape = (f"log, {scale.decades} decade{'s' if scale.decades > 1 else ''}"
             if scale is not None else "linear, to the largest")
    text.append(f"largest {largest:.2e} · bars {shape} (s) · h_{result.t} on the tape = "
                f"lab's {check}\n", "dim")
    head = f"{'step':>{width}}  {'pos':>{width}} {'token read':<{WORD_CELLS}} {'‖∂h/∂x‖':>9} "
    text.append(head, "bold underline")
    text.append((scale.axis(BAR_CELLS) if scale is not None else "") + "\n", "bold")
    for k in range(result.t):
        if result.words is None:
            word = "x"
        else:
            word = result.words[row][k]
            word = "pad" if word is None else clip(printable(word), WORD_CELLS)
        mark = "✎" if result.edited_after(k) else " "
        text.append(f"{k + 1:>{width}}{mark} {int(result.positions[k]):>{width}} "
                    f"{word:<{WORD_CELLS}} ")
        if result.skipped[row, k]:
            text.append(f"{0:>9} skipped pad (mask_padding)\n", "dim")
            continue
        text.append(f"{float(norms[k]):9.2e} ")
        value = float(norms[k])
        drawn = scale.bar(value, BAR_CELLS) if scale is not None else \
            bar(value, largest, BAR_CELLS)
        text.append(drawn + "\n", "bold")
    if result.edits:
        text.append("✎ a state edited after this step: the edited units are constants, so "
                    "inputs before it reach h only through the units not edited\n", "dim")
    text.rstrip()
    return text


class ReachScreen(Dialog[None]):
    """The reach of the current step's h_t; stepping keys step the lab and the bars follow."""

    BINDINGS = [Binding("escape,R", "close", "Close", id="reach.close"),
                Binding("space,right,l", "app.step", "Step", id="reach.step", show=False),
                Binding("left,h", "app.back", "Back", id="reach.back", show=False),
                Binding("s", "scale", "Log / linear", id="reach.scale", show=False),
                Binding("c", "app.cycle_cell", "Cell", id="reach.cell", show=False),
                Binding("y", "app.reach_row(1)", "Next row", id="reach.row.next", show=False),
                Binding("Y", "app.reach_row(-1)", "Prev row", id="reach.row.previous",
                        show=False)]

    def __init__(self) -> None:
        super().__init__()
        self.result = None  # the Sensitivity shown (None until the first one comes)
        self.failed = False  # a fetch failed: its reason is shown, and the view stops following
        self.log_scale = True  # bars on a log scale (s: linear)
        self._shown = (0, "", False)  # the row, source and untrained of the result shown

    def compose(self) -> ComposeResult:
        with Vertical(classes="debug-dialog"):
            yield Label("Reach: ‖∂h_t/∂x_k‖_F, how much each input read so far moves h_t",
                        classes="dialog-title")
            with VerticalScroll(id="reach-scroll"):
                yield Static(Text("computing the Jacobian with tf.GradientTape …",
                                  style="italic"), id="reach-table")
            yield Static("␣/← step · c cell · s log/linear · y row · ↑↓ scroll · esc close",
                         classes="legend")

    def on_mount(self) -> None:
        self._fit()
        self.query_one(VerticalScroll).focus()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        # The table scrolls inside the dialog: it may take the screen's height but the border,
        # the title and the legend (4 rows), which stay in view.
        scroll = self.query_one(VerticalScroll)
        scroll.styles.max_height = max(3, self.app.size.height - 4)

    def show(self, result, row: int, source: str = "", untrained: bool = False) -> None:
        self.result, self.failed = result, False
        row = min(row, result.batch_size - 1)
        self._shown = (row, source, untrained)
        self.query_one("#reach-table", Static).update(
            reach_table(result, row, source, self.log_scale, untrained))

    def action_scale(self) -> None:
        """s: log scale (labelled decades) or linear to the largest."""
        self.log_scale = not self.log_scale
        if self.result is not None and not self.failed:
            self.show(self.result, *self._shown)

    def show_error(self, error: str) -> None:
        self.failed = True
        self.query_one("#reach-table", Static).update(
            Text(f"{error}\n(esc closes; R opens it again)", style="italic"))

    def action_close(self) -> None:
        self.dismiss(None)
