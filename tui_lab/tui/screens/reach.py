"""How far back a state reaches: for the current step t, one bar per input read so far, the
Frobenius norm of the Jacobian dh_t/dx_k (core/sensitivity.py). The app fetches the lab's
`Sensitivity` in its worker queue and posts it here (`ReachFetched`); this screen never touches
the lab. Bars are characters (NO_COLOR reads the same); a long line scrolls."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Label, Static

from tui_lab.config import CELL_TITLES
from tui_lab.tui.screens.dialog import Dialog
from tui_lab.tui.widgets.labels import clip, printable

BAR_CELLS = 36
WORD_CELLS = 14
EIGHTHS = " ▏▎▍▌▋▊▉"  # a bar's last cell, in eighths of a cell


class ReachFetched(Message):
    """From a worker: the lab's Sensitivity at its current step, or (result None) why the
    call failed."""

    def __init__(self, result, error: str = "") -> None:
        super().__init__()
        self.result, self.error = result, error


def bar(value: float, largest: float, cells: int = BAR_CELLS) -> str:
    """value / largest of `cells` cells, in eighths of a cell."""
    if largest <= 0 or value <= 0:
        return ""
    eighths = round(cells * 8 * value / largest)
    return "█" * (eighths // 8) + EIGHTHS[eighths % 8].strip()


def reach_table(result, row: int, source: str = "") -> Text:
    """The norms of batch row `row` (0-based), one line per input k in processing order."""
    text = Text()
    if result.t == 0:
        text.append("Before the first step no input has been read: step on (space) to see "
                    "how far back h_1, h_2 ... reach.\n", "italic")
        return text
    norms = result.norms[row]
    largest = float(norms.max())
    width = max(4, len(str(int(result.positions.max()))), len(str(result.t)))
    check = "✓" if result.state_error < 1e-5 else f"✗ {result.state_error:.1e}"
    text.append(f"h_{result.t} after step {result.t} · "
                f"{CELL_TITLES[result.cell]}{' go_backwards' if result.go_backwards else ''} · "
                f"batch row {row + 1}{f' ({source})' if source else ''}\n")
    text.append(f"largest {largest:.2e} · h_{result.t} under the tape = the lab's {check}\n",
                "dim")
    text.append(f"{'step':>{width}}  {'pos':>{width}} {'token read':<{WORD_CELLS}} "
                f"{'‖∂h/∂x‖':>9}\n", "bold underline")
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
        text.append(bar(float(norms[k]), largest) + "\n", "bold")
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
                Binding("y", "app.reach_row(1)", "Next row", id="reach.row.next", show=False),
                Binding("Y", "app.reach_row(-1)", "Prev row", id="reach.row.previous",
                        show=False)]

    def __init__(self) -> None:
        super().__init__()
        self.result = None  # the Sensitivity shown (None until the first one comes)
        self.failed = False  # a fetch failed: its reason is shown, and the view stops following

    def compose(self) -> ComposeResult:
        with Vertical(classes="debug-dialog"):
            yield Label("Reach: ‖∂h_t/∂x_k‖_F, how much each input read so far moves h_t",
                        classes="dialog-title")
            with VerticalScroll(id="reach-scroll"):
                yield Static(Text("computing the Jacobian with tf.GradientTape …",
                                  style="italic"), id="reach-table")
            yield Static("space/← step · y row · ↑↓ pgup/pgdn scroll · esc closes",
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

    def show(self, result, row: int, source: str = "") -> None:
        self.result = result
        row = min(row, result.batch_size - 1)
        self.query_one("#reach-table", Static).update(reach_table(result, row, source))

    def show_error(self, error: str) -> None:
        self.failed = True
        self.query_one("#reach-table", Static).update(
            Text(f"{error}\n(esc closes; R opens it again)", style="italic"))

    def action_close(self) -> None:
        self.dismiss(None)
