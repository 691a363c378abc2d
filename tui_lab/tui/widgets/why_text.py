"""The text of the "why an LSTM remembers" view (screens/why.py), made from a WhyView
(trained/why.py) for a given width and height: presentation only, no numbers computed here
but the drawing's scales.

Every row after the line's words is a time line, one column per step (wider columns when the
screen has room, each headed by its word), so the three models read straight down:

    SimpleRNN  11.6% held-out · now: four 0.21 ✗
      reach    ▇▇▆▆▅▅▄▃▂▁            three 3.1e-05 ×0.31
      |h|      ▂▃▄▄▅▅▅▅▅▅            2.80

The reach rows share one log scale (labelled below them), so heights compare across models.
Numbers are shown at a fixed resolution (2 significant digits, 2 decimals): their last digits
do not depend on the machine.
"""

from __future__ import annotations

import math

import numpy as np
from rich.cells import cell_len
from rich.text import Text

from tui_lab.config import CELL_TITLES
from tui_lab.tui.widgets.bars import LogScale, decade_label
from tui_lab.tui.widgets.labels import clip

SPARKS = "▁▂▃▄▅▆▇█"
LABEL = 12  # the row labels' width ("  reach", "  forget[12]")
MAX_COLUMN = 6  # cells per step at most
MIN_NOTE = 22  # cells kept at the right of a time line for its value


def step_width(width: int, timesteps: int) -> int:
    """Cells per step: as many as fit beside the label and the note, 1 to MAX_COLUMN."""
    return max(1, min(MAX_COLUMN, (width - LABEL - MIN_NOTE) // max(1, timesteps)))


def spark(fraction: float) -> str:
    """0..1 as one of eight heights; NaN or below 0 as a blank."""
    if not fraction == fraction or fraction < 0:
        return " "
    return SPARKS[min(len(SPARKS) - 1, int(fraction * len(SPARKS)))]


def series(fractions, timesteps: int, column: int) -> str:
    """One time line: a height per step taken, blanks for the steps to come."""
    cells = [spark(f) * max(1, column - 1) + (" " if column > 1 else "") for f in fractions]
    cells += [" " * column] * (timesteps - len(cells))
    return "".join(cells)


def linear(values: np.ndarray, low: float, high: float) -> list[float]:
    span = high - low
    return [0.5 if span <= 0 else (float(v) - low) / span for v in values]


def significant(value: float | None) -> str:
    return "–" if value is None else f"{value:.1e}"


def words_row(view, column: int, width: int) -> Text:
    """The line's words: under their steps when each step has room for a word, else the
    words in a row with the current one and the word to remember marked."""
    text = Text(" " * LABEL)
    done = view.t
    if column >= 3:
        for k, word in enumerate(view.words):
            style = _word_style(k, view.key, done)
            # Cut, not clipped with "…": at 2-5 cells the word's start reads better.
            text.append(word[:column - 1].ljust(column - 1), style)
            text.append(" ")
        return text
    budget = width - LABEL
    for k, word in enumerate(view.words):
        if text.cell_len + cell_len(word) + 1 > LABEL + budget:
            text.append("…", "dim")
            break
        text.append(word, _word_style(k, view.key, done))
        text.append(" ")
    return text


def _word_style(k: int, key: int | None, done: int) -> str:
    style = "bold underline" if k == key else ""
    if k == done - 1:
        style += " reverse"
    elif k >= done:
        style += " dim"
    return style.strip()


def marks_row(view, column: int) -> Text:
    """▲ under the word to remember, │ under the step just taken (one column per step)."""
    text = Text("  step".ljust(LABEL), "dim")
    for k in range(view.timesteps):
        mark = "▲" if k == view.key else ("│" if k == view.t - 1 else "·")
        text.append(mark.ljust(column), "bold" if mark != "·" else "dim")
    return text


def reach_scale(view) -> LogScale | None:
    values = np.concatenate([c.reach for c in view.columns]) if view.columns else np.zeros(0)
    return LogScale.of(values)


def scale_row(scale: LogScale | None) -> Text:
    """The reach rows' shared log scale: which height is which decade."""
    text = Text("  log".ljust(LABEL), "dim")
    if scale is None:
        return text.append("reach: step on to see how far back each h_t reaches", "dim italic")
    text.append("reach ‖∂h_t/∂x_k‖: ")
    shown = sorted({0, len(SPARKS) - 1, (len(SPARKS) - 1) // 2})
    for index in shown:
        exponent = scale.low + scale.decades * (index + 1) / len(SPARKS)
        text.append(f"{SPARKS[index]} ≤{decade_label(math.floor(exponent + 1e-9))} ")
    return text.append(f"· {scale.decades} decades · × per step back", "dim")


def column_rows(view, column, scale: LogScale | None, step: int, tall: bool) -> list[Text]:
    """A model's rows: its header, its reach, its mechanism (more of it when tall) and what
    it keeps of the word to remember."""
    rows = []
    header = Text(f" {CELL_TITLES[column.cell]}".ljust(LABEL), "bold")
    header.append(f"{column.accuracy:6.1%} held-out", "bold")
    header.append(" · now: ")
    if column.answer is None:
        header.append("no word read yet", "dim")
    else:
        header.append(f"{clip(column.answer, 14)} {column.probability:.2f} ")
        header.append("✓" if column.correct else "✗",
                      "bold green" if column.correct else "bold red")
    if column.max_abs_error >= 1e-5:
        header.append(f" · ✗ {column.max_abs_error:.1e} from Keras", "bold red")
    rows.append(header)

    reach = Text("  reach".ljust(LABEL))
    fractions = [scale.fraction(v) if scale is not None and v > 0 else float("nan")
                 for v in column.reach]
    reach.append(series(fractions, view.timesteps, step), "bold")
    to_key = column.reach_to(view.key)
    if to_key is not None:
        reach.append(f" {clip(view.words[view.key], 8)} {significant(to_key)}")
    shrink = column.shrink()
    if column.gate_name is None and shrink is not None:
        reach.append(f" ×{shrink:.2f}", "dim")
    rows.append(reach)

    keeping = column.keeping
    units = keeping.units if tall else keeping.units[:1]
    for index, unit in enumerate(units):
        now = (lambda a: f"{float(a[-1, index]):+.2f}" if len(a) else "")
        if column.gate_name is not None:
            gate = Text(f"  {column.gate_name}[{unit}]".ljust(LABEL))
            gate.append(series(linear(column.gate[:, index], 0.0, 1.0), view.timesteps, step))
            gate.append(f" {now(column.gate)}")
            if not tall and len(column.state):
                gate.append(f" {column.state_name} {now(column.state)}")
            rows.append(gate)
        if tall:
            values = column.state[:, index]
            bound = float(np.abs(values).max()) if len(values) else 0.0
            state = Text(f"  {column.state_name}[{unit}]".ljust(LABEL))
            state.append(series(linear(values, -bound, bound), view.timesteps, step))
            state.append(f" {now(column.state)}")
            rows.append(state)
    if column.gate_name is None or tall:
        norm = Text("  |h|".ljust(LABEL))
        top = float(column.h_norm.max()) if len(column.h_norm) else 0.0
        norm.append(series(linear(column.h_norm, 0.0, top), view.timesteps, step))
        if len(column.h_norm):
            norm.append(f" {float(column.h_norm[-1]):.2f}")
        rows.append(norm)
    if keeping.told:
        kept = Text("  kept".ljust(LABEL))
        kept.append(" → ".join(f"{share:.0%}" for _, share in keeping.told), "bold")
        words = "·".join(str(after) for after, _ in keeping.told)
        kept.append(f" told apart {words} words on", "dim")
        rows.append(kept)
    return rows


def measured_line(view) -> Text:
    shares = " · ".join(f"{CELL_TITLES[cell]} {value:.1%}" for cell, value in
                        view.accuracies.items())
    text = Text(f" Measured on {view.lines} held-out lines: {shares} (chance "
                f"{view.task.chance:.1%}). ", "bold")
    return text.append(view.task.lesson, "italic")


def why_text(view, width: int, height: int) -> Text:
    """The whole view for a panel of width x height cells."""
    step = step_width(width, view.timesteps)
    scale = reach_scale(view)
    tall = height >= 30
    title = Text(f" {view.task.name}: {view.task.title} · line {view.line}/{view.lines} · "
                 f"step {view.t}/{view.timesteps} · answer ", "bold")
    title.append(view.answer, "bold underline")
    rows = [title, words_row(view, step, width), marks_row(view, step)]
    for column in view.columns:
        rows += column_rows(view, column, scale, step, tall)
    rows.append(scale_row(scale))
    rows.append(measured_line(view))
    for row in rows[:-1]:  # time lines never wrap: a cut note, not a broken column
        row.truncate(width, overflow="ellipsis")
    return Text("\n").join(rows)
