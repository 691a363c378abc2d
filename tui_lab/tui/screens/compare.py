"""Side by side: two or three cells stepped over the same input, their states in aligned
columns at each timestep (core/compare.py makes the numbers).

The screen renders the immutable ComparisonSnapshot the app posts to it; its keys ask the
app, which runs every call on the comparison in its worker queue. It never touches a lab.
"""

from __future__ import annotations

from itertools import groupby

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, Static

from tui_lab.tui.screens.dialog import Dialog
from tui_lab.tui.view import View
from tui_lab.tui.widgets.grid import Block, NumberGrid
from tui_lab.tui.widgets.labels import printable, step_label, step_title
from tui_lab.tui.widgets.states import initial_label
from tui_lab.tui.widgets.style import layer_agreement

# What 1, 2 and 3 compare (core.compare.KINDS), as the choice line says it.
CHOICES = (("cells", "SimpleRNN · LSTM · GRU"), ("seeds", "two seeds"), ("units", "two unit counts"))
KEYS = "␣/→ step all · ←/h back · home/end · [ ] scroll · 1 2 3 compare · esc close"


def column_blocks(comparison, row: int) -> list[Block]:
    """Per compared cell, its h (and c for an LSTM) of batch row `row`: values (t, units)
    below the initial state, headed A.h0 ... C.h3."""
    blocks = []
    for column in comparison.columns:
        snapshot = column.snapshot
        blocks.append(Block(f"{column.letter}.h", snapshot.h[:, row, :], first=snapshot.h0[row]))
        if snapshot.c is not None:
            blocks.append(Block(f"{column.letter}.c", snapshot.c[:, row, :],
                                first=snapshot.c0[row]))
    return blocks


def describe_columns(comparison) -> Text:
    """One line per column: its letter, the Keras layer it equals, and the check against it
    (at a fixed resolution, so the screen does not depend on the CPU's last digits)."""
    text = Text()
    for index, column in enumerate(comparison.columns):
        config = column.snapshot.config
        text.append(f" {column.letter} ", "bold reverse")
        text.append(f" = {column.layer_title}, seed {config.seed} · max|err| ")
        error = layer_agreement(column.max_abs_error, zero="0 ✓")  # (short: 80 columns)
        text.append(error, "bold" if "✓" in error else "bold red")
        if index < len(comparison.columns) - 1:
            text.append("\n")
    return text


def title(comparison) -> str:
    """What is stepped, and how: the main lab's line(s), one x_t for every cell."""
    first = comparison.columns[0].snapshot
    labels = first.batch.labels
    what = ", ".join(labels[:3]) + (f" (+{len(labels) - 3})" if len(labels) > 3 else "")
    return f"Side by side · {printable(what)} · the same x_t to every cell · h_0 = c_0 = 0"


def out_of_view_line(left, right, cells: dict[str, str]) -> Text:
    """Which columns are off screen and the key that shows them (NumberGrid.out_of_view's
    answer; cells: each column letter's cell, 'B' -> 'LSTM'). At 80 columns the three cells'
    states do not fit side by side: this line says what is past the edge."""
    def named(hidden) -> str:
        parts = []
        for letter, blocks in groupby(hidden, key=lambda item: item[0].prefix[0]):
            spans = []
            for block, units in blocks:
                whole = len(units) == block.values.shape[1]
                spans.append(block.prefix if whole else f"{block.prefix}{units[0]}"
                             + (f"–{units[-1]}" if len(units) > 1 else ""))
            parts.append(f"{', '.join(spans)} ({cells.get(letter, letter)})")
        return ", ".join(parts)

    text = Text()
    if left:
        text.append(f"← {named(left)}: [ scrolls left", "bold")
    if left and right:
        text.append(" · ")
    if right:
        text.append(f"→ {named(right)}: ] scrolls right", "bold")
    return text


def choice_line(kind: str | None) -> Text:
    text = Text()
    for number, (name, words) in enumerate(CHOICES, 1):
        text.append(f" {number} {words} ", "bold reverse" if name == kind else "")
    return text


class CompareScreen(Dialog[None]):
    """The comparison's table; keys step every compared cell at once."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="compare.close"),
        Binding("space,right,l", "app.compare('step')", "Step all", id="compare.step"),
        Binding("left,h", "app.compare('back')", "Back", id="compare.back"),
        Binding("home,g", "app.compare('start')", "Start", id="compare.start"),
        Binding("end,G", "app.compare('end')", "End", id="compare.end"),
        Binding("1", "app.compare_kind('cells')", "Cells", id="compare.cells"),
        Binding("2", "app.compare_kind('seeds')", "Seeds", id="compare.seeds"),
        Binding("3", "app.compare_kind('units')", "Units", id="compare.units"),
        # The app's view, as on the lab screen: decimals, and the batch row shown.
        Binding("greater_than_sign", "app.digits(1)", "More digits", id="compare.digits.more"),
        Binding("less_than_sign", "app.digits(-1)", "Fewer digits", id="compare.digits.fewer"),
        Binding("y", "app.compare_row(1)", "Next batch row", id="compare.row.next"),
        Binding("Y", "app.compare_row(-1)", "Prev batch row", id="compare.row.previous"),
        Binding("right_square_bracket", "sideways(1)", "Scroll right", id="compare.right"),
        Binding("left_square_bracket", "sideways(-1)", "Scroll left", id="compare.left"),
        Binding("pagedown", "page(1)", "Scroll down", id="compare.down"),
        Binding("pageup", "page(-1)", "Scroll up", id="compare.up"),
    ]

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind  # what the choice line marks
        self.comparison = None  # the latest ComparisonSnapshot shown

    def compose(self) -> ComposeResult:
        with Vertical(id="compare"):
            yield Label("Side by side", id="compare-title")
            yield Static(choice_line(self.kind), id="compare-choice")
            yield Static(Text("making the comparison…", style="italic"), id="compare-columns")
            yield NumberGrid("step pos token", id="compare-grid")
            yield Static("", id="compare-more")
            yield Static(KEYS, id="compare-keys")

    def on_mount(self) -> None:
        self.watch(self.grid, "scroll_x", lambda: self.call_after_refresh(self._say_out_of_view),
                   init=False)

    def on_resize(self) -> None:
        self.call_after_refresh(self._say_out_of_view)

    def _say_out_of_view(self) -> None:
        """The line under the table: the columns past its edges, and the key to each."""
        if self.comparison is None:
            return
        cells = {column.letter: column.snapshot.config.cell_title
                 for column in self.comparison.columns}
        self.query_one("#compare-more", Static).update(
            out_of_view_line(*self.grid.out_of_view(), cells))

    @property
    def grid(self) -> NumberGrid:
        return self.query_one("#compare-grid", NumberGrid)

    def choosing(self, kind: str) -> None:
        """A new comparison is being made (its numbers follow)."""
        self.kind = kind
        self.query_one("#compare-choice", Static).update(choice_line(kind))

    def nothing(self) -> None:
        """No comparison could be made (the notification says why)."""
        self.query_one("#compare-columns", Static).update(
            Text("no comparison: see the notification · esc closes", style="italic"))

    def show(self, comparison, view: View) -> None:
        """Render a ComparisonSnapshot at the view's digits, for its batch row in focus."""
        if self.comparison is None or comparison.kind != self.comparison.kind:
            self.grid.scroll_to_column(0)  # a new comparison starts at its first column
        self.comparison, self.kind = comparison, comparison.kind
        self.query_one("#compare-title", Label).update(Text(title(comparison)))
        self.query_one("#compare-choice", Static).update(choice_line(comparison.kind))
        self.query_one("#compare-columns", Static).update(describe_columns(comparison))
        first = comparison.columns[0].snapshot  # every column's steps and tokens are the same
        row = view.clamped(first.batch_size).row
        initial = initial_label(first)
        width = max([cell_len(initial)] + [cell_len(step_label(first, k, row))
                                            for k in range(min(first.timesteps, 64))])
        # Row 0 is the initial state, row k the state after step k: the current row is t.
        key = (*(column.snapshot.history_id for column in comparison.columns), row)
        self.grid.set_data(
            first.t + 1, lambda k: step_label(first, k - 1, row) if k else initial,
            column_blocks(comparison, row), first.t, width, title=step_title(first, row),
            key=key, capacity=first.timesteps + 1, digits=view.digits)
        self.call_after_refresh(self._say_out_of_view)

    def action_sideways(self, direction: int) -> None:
        grid = self.grid  # 4 columns at a time, as the lab's panels scroll
        grid.scroll_to(x=max(0, grid.scroll_x + direction * 4 * grid.cell), animate=False)

    def action_page(self, direction: int) -> None:
        grid = self.grid
        grid.scroll_to(y=grid.scroll_y + direction * max(1, grid.size.height - 2), animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
