"""States: h_t (and c_t for an LSTM) for every step taken, and a trajectory per unit.

In a batch every row's columns are shown; the focused row's (y) have reversed headers, its
token labels the steps, the table scrolls sideways to it and its trajectories come first."""

from __future__ import annotations

from itertools import groupby

import numpy as np
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from tui_lab.core.snapshot import Snapshot
from tui_lab.tui.view import DEFAULT_DIGITS, View
from tui_lab.tui.widgets.focus import ScrollFocus
from tui_lab.tui.widgets.grid import Block, NumberGrid, TruecolorLines, fitted
from tui_lab.tui.widgets.labels import step_label, step_title
from tui_lab.tui.widgets.static import show_text
from tui_lab.tui.widgets.style import NEGATIVE, PLAIN, POSITIVE, number, sparklines


SPARK_STYLES = {True: Style(color=POSITIVE.rich_color), False: Style(color=NEGATIVE.rich_color)}
LABEL_STYLE, VALUE_STYLE = Style(bold=True), Style(dim=True)


def state_blocks(snapshot, focus: int = 0) -> list[Block]:
    """One block of columns per state (h, c) and batch row: values (steps taken, units),
    below the initial state the first step reads (h_0, c_0: the lab's, zeros unless given).
    focus: the batch row in focus (its blocks are marked when there are several rows)."""
    blocks = []
    many = snapshot.batch_size > 1
    for b in range(snapshot.batch_size):
        prefix = f"{b + 1}:" if many else ""
        focused = many and b == focus
        blocks.append(Block(prefix + "h", snapshot.h[:, b, :], first=snapshot.h0[b],
                            focused=focused, marked=edited_cells(snapshot, "h", b)))
        if snapshot.c is not None:
            blocks.append(Block(prefix + "c", snapshot.c[:, b, :], first=snapshot.c0[b],
                                focused=focused, marked=edited_cells(snapshot, "c", b)))
    return blocks


def edited_cells(snapshot, state: str, row: int) -> frozenset:
    """(table row, unit) of the values of `state` in batch row `row` that an edit set: the
    table's row s is the state after step s (0: the initial state)."""
    return frozenset((edit.step, edit.unit) for edit in snapshot.edits
                     if edit.kind == "set" and edit.state == state
                     and edit.row in (None, row))


def initial_label(snapshot) -> str:
    """The state table's first line, t = 0: before any step, the state the first step reads."""
    width = max(2, len(str(snapshot.timesteps)))
    mark = "✎" if any(edit.step == 0 for edit in snapshot.edits) else " "  # (step_label's)
    return f"{0:>{width}}{mark}{'·':>{width}} initial"


def legend(snapshot, colour: bool = True, row: int = 0) -> str:
    """colour: False under NO_COLOR, where the values are not tinted: the legend then says
    what marks them instead (their sign). After the text, with padding stepped after it (no
    mask), how far those pad steps moved h."""
    title = snapshot.config.cell_title
    what = "h = output, c = cell state" if snapshot.c is not None else "h = output = state"
    after = snapshot.after_text(row) if snapshot.t else None
    if after is not None:
        step, pads, distance = after
        return (f"{title}: {pads} pad step{'s' if pads != 1 else ''} after the text (no mask) "
                f"moved h: ‖h_{snapshot.t} − h_{step}‖ = {distance:.3f}")
    if snapshot.t:
        scale = "blue < 0 < red" if colour else "sign: − below 0, + above"
        return f"{title}: {what} · {scale} · ▶ current step"
    names = "h_0, c_0" if snapshot.c is not None else "h_0"
    given = {"zeros": "zeros", "given": "as given"}.get(snapshot.initial_state_origin,
                                                        snapshot.initial_state_origin)
    # t = 0, not "row 0": a row is a batch row everywhere else (status bar, Gates, y).
    return f"{title}: {what} · t = 0: initial {names} ({given}) · space steps"


class Trajectories(TruecolorLines, ScrollView, can_focus=False):
    """One sparkline per unit: its value over the most recent steps, zero at half height."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.blocks: list[Block] = []
        self.rows: list[tuple[Block, int]] = []
        self.digits = DEFAULT_DIGITS
        # Every line changes at a step: the lines on screen are drawn together, once.
        self._window: tuple | None = None  # (top row, width, height) _strips were drawn for
        self._strips: list[Strip] = []

    def show(self, blocks: list[Block], digits: int | None = None) -> None:
        self.blocks = blocks
        self.digits = self.digits if digits is None else digits
        self.rows = [(block, unit) for block in blocks for unit in range(block.values.shape[1])]
        self.virtual_size = Size(0, len(self.rows))
        self._window = None
        self.refresh()

    def render_line(self, y: int) -> Strip:
        region = self.scrollable_content_region
        window = (int(self.scroll_y), region.width, region.height)
        if window != self._window:
            self._window, self._strips = window, self._draw(*window)
        return self._strips[y] if y < len(self._strips) else Strip.blank(region.width, PLAIN)

    def _draw(self, top: int, width: int, height: int) -> list[Strip]:
        """The lines of rows top.. on screen: one sparklines call per block (and label width)."""
        def label(row: tuple[Block, int]) -> str:
            block, unit = row
            return f"{block.prefix}{unit}".rjust(6) + " "

        strips = []
        rows = self.rows[top:top + height]
        for (_, room), group in groupby(
                rows, key=lambda row: (id(row[0]), max(1, width - len(label(row)) - 16))):
            group = list(group)
            block, units = group[0][0], [unit for _, unit in group]
            recent = block.values[-room:, units]  # (steps, units)
            if not len(recent):  # no step yet
                strips += [fitted([Segment(label((block, unit)) + "·", PLAIN)],
                                   len(label((block, unit))) + 1, width) for unit in units]
                continue
            scales = np.fmax.reduce(np.abs(recent), axis=0, initial=0.0)  # NaN left out
            latest = recent[-1].tolist()
            for i, runs in enumerate(sparklines(recent, scales)):
                scale = float(scales[i])
                name = label((block, units[i]))
                segments = [Segment(name, LABEL_STYLE)]
                segments += [Segment(run, SPARK_STYLES[positive]) for run, positive in runs]
                value = f" {number(latest[i], digits=self.digits)} ±{scale:.2g}"
                segments.append(Segment(value, VALUE_STYLE))
                strips.append(fitted(segments, len(name) + len(recent) + len(value), width))
        return strips


class StatesPanel(Vertical, ScrollFocus, can_focus=True):
    """The state table (one row per step, current step marked ▶) above the trajectories."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._widest: tuple[object, int, int] = (None, 0, 0)  # (history, row, widest label)
        self._focus = 0  # the batch row the table was last scrolled to

    def compose(self) -> ComposeResult:
        yield Static("", id="states-legend", classes="legend")
        yield NumberGrid("step pos token", id="states-grid")
        yield Static("trajectory per unit: latest steps, right = now, zero at half height",
                     classes="legend", id="traj-legend")
        yield Trajectories(id="trajectories")

    def show(self, snapshot: Snapshot, view: View = View()) -> None:
        row = view.row
        blocks = state_blocks(snapshot, row)
        show_text(self.query_one("#states-legend", Static),
                  legend(snapshot, not self.app.no_color, row))
        # The lab's History is filled forward only and replaced whenever what a step computes
        # changes (the initial state included): while its id is the same, so is a row.
        history = snapshot.history_id
        first = initial_label(snapshot)
        if self._widest[:2] != (history, row):
            self._widest = history, row, max([cell_len(first)] + [
                cell_len(step_label(snapshot, k, row)) for k in range(min(snapshot.timesteps, 64))])
        grid = self.query_one(NumberGrid)
        # Row 0 is the initial state, row k the state after step k: the current row is t.
        # The labels are the focused row's tokens: a new focus draws every row again.
        grid.set_data(
            snapshot.t + 1, lambda k: step_label(snapshot, k - 1, row) if k else first, blocks,
            snapshot.t, self._widest[2], title=step_title(snapshot, row), key=(history, row),
            capacity=snapshot.timesteps + 1, digits=view.digits)
        if row != self._focus:  # bring the focused row's columns into view, once
            self._focus = row
            start = next((i for i, block in enumerate(blocks) if block.focused), 0)
            grid.scroll_to_column(grid.column_start(start))
        focused = [b for b in blocks if b.focused]
        self.query_one(Trajectories).show(focused + [b for b in blocks if not b.focused],
                                          view.digits)
