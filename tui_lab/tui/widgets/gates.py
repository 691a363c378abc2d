"""Gates of the current step, one row per unit, with the update written out and the lesson's names.

In a batch it shows the batch row in focus (y cycles it); its rows are labelled
'row:unit' (batch row 2, unit 0: '2:0')."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from tui_lab.core.snapshot import Snapshot
from tui_lab.tui.view import View
from tui_lab.tui.widgets.focus import ScrollFocus
from tui_lab.tui.widgets.grid import Block, NumberGrid
from tui_lab.tui.widgets.labels import token_at
from tui_lab.tui.widgets.static import show_text
from tui_lab.tui.widgets.text_lines import TextLines

EQUATIONS = {
    "lstm": (
        "c_t = f*c_{t-1} + i*g    h_t = o*tanh(c_t)    (kept = f*c_{t-1}, learned = i*g)\n"
        "lesson: forget gate = f · learn gate = i*g · remember gate = new c_t (long-term "
        "memory) · use gate = o*tanh(c_t) = h_t (output, short-term memory)"
    ),
    "gru": (
        "h_t = z*h_{t-1} + (1-z)*h~    h~ = tanh(x W + r*(h_{t-1} U) + b)\n"
        "z = update gate (how much old state to keep) · r = reset gate · "
        "kept = z*h_{t-1}, new = (1-z)*h~ · the output IS h_t"
    ),
    "simple_rnn": (
        "a = x_t W + h_{t-1} U + b    h_t = tanh(a)\n"
        "one state vector, and it is the output: that is why return_state repeats the output"
    ),
}


# Each clampable gate's column (core/edits.py CLAMPABLE names the gates).
GATE_COLUMNS = {"input": "i", "forget": "f", "output": "o", "update": "z", "reset": "r"}
CANDIDATE_COLUMN = {"lstm": "g", "gru": "h~"}


def marked_units(snapshot, row: int) -> dict[str, set[int]]:
    """Column -> the units whose value there an edit set or a clamp holds, at the current
    step of batch row `row`: a clamped gate, an edited h_t / c_t (an edit after this step)
    and h_{t-1} / c_{t-1} (an edit after the step before)."""
    marks: dict[str, set[int]] = {}
    t = snapshot.t
    for edit in snapshot.edits:
        if edit.row not in (None, row):
            continue
        if edit.kind == "clamp":
            if edit.step > t - 1:  # (a clamp holds in the steps after the one it was made at)
                continue
            column = (CANDIDATE_COLUMN[snapshot.config.cell] if edit.state == "candidate"
                      else GATE_COLUMNS[edit.state])
        elif edit.step in (t, t - 1):
            column = f"{edit.state}_t" if edit.step == t else f"{edit.state}_{{t-1}}"
        else:
            continue
        marks.setdefault(column, set()).add(edit.unit)
    return marks


def gate_blocks(snapshot, row: int = 0) -> list[Block]:
    """Columns for the latest step of batch row `row`; one row per unit."""
    k = snapshot.t - 1
    gates, terms = snapshot.gates, snapshot.step_terms
    h_prev, c_prev = snapshot.previous_state
    marks = marked_units(snapshot, row)

    def col(name: str, array) -> Block:  # array: (batch, units)
        marked = frozenset((unit, 0) for unit in marks.get(name, ()))
        return Block("", array[row].reshape(-1, 1), name, marked=marked)

    cell = snapshot.config.cell
    if cell == "lstm":
        return [col("i", gates["input"][k]), col("f", gates["forget"][k]),
                col("g", gates["candidate"][k]), col("o", gates["output"][k]),
                col("c_{t-1}", c_prev), col("kept", terms["kept"]),
                col("learned", terms["learned"]), col("c_t", snapshot.c[k]), col("h_t", snapshot.h[k])]
    if cell == "gru":
        return [col("z", gates["update"][k]), col("r", gates["reset"][k]),
                col("h~", gates["candidate"][k]), col("h_{t-1}", h_prev), col("kept", terms["kept"]),
                col("new", terms["new"]), col("h_t", snapshot.h[k])]
    return [col("h_{t-1}", h_prev), col("a", gates["preactivation"][k]), col("h_t", snapshot.h[k])]


class GatesPanel(Vertical, ScrollFocus, can_focus=True):
    def compose(self) -> ComposeResult:
        # Changes at every step: a TextLines (wrapped here), not a Static, which renders its
        # whole text again through Textual's content pipeline at each update.
        yield TextLines("", classes="legend", id="gates-where")
        yield Static("", classes="legend", id="gates-equations")
        yield NumberGrid("unit", id="gates-grid")

    _where = ""  # what the line above the equations says, before wrapping

    def _show_where(self, text: str) -> None:
        """text wrapped at the panel's width, as a Static wraps it (a TextLines cuts)."""
        self._where = text
        width = self.content_region.width or 80
        if cell_len(text) > width:
            text = "\n".join(line.plain.rstrip()
                             for line in Text(text).wrap(self.app.console, width))
        show_text(self.query_one("#gates-where", TextLines), text)

    def on_resize(self) -> None:
        self._show_where(self._where)

    def show(self, snapshot: Snapshot, view: View = View()) -> None:
        grid = self.query_one(NumberGrid)
        show_text(self.query_one("#gates-equations", Static), EQUATIONS[snapshot.config.cell])
        if not snapshot.t:
            self._show_where("before the first step: press space (or l / →) to step")
            grid.set_data(0, str, [], None, 4)
            return
        k = snapshot.t - 1
        position, row = snapshot.position, view.row
        many = snapshot.batch_size > 1
        which = f"batch row {row + 1} of {snapshot.batch_size}, " if many else ""
        read = (repr(token_at(snapshot, position, row)) if snapshot.batch.rows is not None
                else f"x[{position}]")  # raw vectors: no token to name
        text = (f"{snapshot.config.cell_title} step {snapshot.t}/{snapshot.timesteps}: "
                f"{which}position {position} {read}")
        if marked_units(snapshot, row):
            text += " · ✎ a value an edit set or a clamp holds"
        masked = snapshot.masked[k]
        if masked.all():
            text += " · masked: state carried (padding, the cell was not called)"
        elif masked.any():
            rows = ", ".join(str(b + 1) for b in range(len(masked)) if masked[b])
            text += f" · rows {rows} masked: state carried"
        self._show_where(text)
        prefix = f"{row + 1}:" if many else ""
        blocks = gate_blocks(snapshot, row)
        grid.set_data(snapshot.units, lambda unit: f"{prefix}{unit}", blocks, None, 6,
                      title=self._title(many, len(blocks), view), digits=view.digits)

    def _title(self, many: bool, columns: int, view: View) -> str:
        """'unit'; in a batch, 'batch row:unit' (the labels are '2:0': row 2, unit 0), or
        'row:unit' where the longer title would push a gate's column out of view."""
        if not many:
            return "unit"
        room = (self.content_region.width or 80) - columns * view.cell
        return "batch row:unit" if len("batch row:unit") + 2 <= room else "row:unit"
