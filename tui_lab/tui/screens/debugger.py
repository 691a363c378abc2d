"""The debugger's dialogs: the breakpoint list, a state edit, the what-if table and the list
of steps to jump to. Each one gets what it shows from the app (the latest snapshot, the
breakpoints) and answers through dismiss; none of them touches the lab."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
from rich.cells import set_cell_size
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from tui_lab.tui.screens.dialog import Dialog
from tui_lab.tui.widgets.labels import step_label

BAR_CELLS = 20


@dataclass(frozen=True)
class Breakpoint:
    condition: str
    enabled: bool = True


class BreakpointsScreen(Dialog[tuple[list[Breakpoint], bool] | None]):
    """Add a condition in the field (checked as it is added); in the list, space turns one
    on or off, delete removes it and enter runs until one holds. Escape keeps the list."""

    BINDINGS = [Binding("escape", "close", "Close", id="breakpoints.close"),
                Binding("space", "toggle", "On/off", id="breakpoints.toggle", show=False),
                Binding("delete,backspace", "remove", "Remove", id="breakpoints.remove",
                        show=False)]

    def __init__(self, breakpoints: list[Breakpoint], check: Callable[[str], str | None]) -> None:
        super().__init__()
        self.breakpoints = list(breakpoints)
        self.check = check  # the condition's error message, or None if it is fine

    def compose(self) -> ComposeResult:
        with Vertical(classes="debug-dialog"):
            yield Label("Breakpoints", classes="dialog-title")
            yield Static("Run (u) until one holds, e.g. forget[2] < 0.1 · h[0] > 0.5 · "
                         "token == pretender · step == 5 · dh > 0.3", classes="legend")
            yield Input(placeholder="add a condition, then enter", id="breakpoint-input")
            yield Static("", id="breakpoint-error", classes="form-error")
            yield OptionList(id="breakpoint-list")
            yield Static("↓ to the list: space on/off · delete removes · enter runs until · "
                         "escape closes", classes="legend")

    def on_mount(self) -> None:
        self._fill()
        self.query_one(Input).focus()

    def _fill(self, highlighted: int | None = None) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        if not self.breakpoints:
            options.add_option(Option(Text("no breakpoints yet", style="italic"), disabled=True))
            return
        options.add_options(Option(Text(f"[{'x' if b.enabled else ' '}] {b.condition}"))
                            for b in self.breakpoints)
        if highlighted is not None:
            options.highlighted = min(highlighted, len(self.breakpoints) - 1)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            return
        error = self.check(text)
        self.query_one("#breakpoint-error", Static).update(Text(error or ""))
        if error is None:
            if text not in [b.condition for b in self.breakpoints]:
                self.breakpoints.append(Breakpoint(text))
            event.input.value = ""
            self._fill(len(self.breakpoints) - 1)

    def on_key(self, event) -> None:
        # Down from the field moves into the list (the field keeps every other key).
        if event.key == "down" and self.focused is self.query_one(Input) and self.breakpoints:
            event.stop()
            self.query_one(OptionList).focus()

    def _chosen(self) -> int | None:
        options = self.query_one(OptionList)
        if self.focused is not options or not self.breakpoints:
            return None
        return options.highlighted

    def action_toggle(self) -> None:
        index = self._chosen()
        if index is not None:
            self.breakpoints[index] = replace(self.breakpoints[index],
                                              enabled=not self.breakpoints[index].enabled)
            self._fill(index)

    def action_remove(self) -> None:
        index = self._chosen()
        if index is not None:
            del self.breakpoints[index]
            self._fill(index)
            if not self.breakpoints:
                self.query_one(Input).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss((self.breakpoints, True))

    def action_close(self) -> None:
        self.dismiss((self.breakpoints, False))


class EditStateScreen(Dialog[str | None]):
    """One line: h[unit] = value (c[unit] for an LSTM's cell state), or a gate to clamp,
    forget[unit] = value, optionally 'row N'."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="edit.cancel")]

    def __init__(self, where: str, check: Callable[[str], str | None],
                 gates: tuple[str, ...] = (), cell_state: bool = False) -> None:
        super().__init__()
        self.where, self.check = where, check
        self.gates, self.cell_state = gates, cell_state  # what this cell can edit

    def compose(self) -> ComposeResult:
        states = "h[2] = 0.5" + (" · c[0] = 0" if self.cell_state else "")
        if self.gates:
            clamp = (f"Clamp a gate ({', '.join(self.gates)}): {self.gates[1]}[1] = 0 holds it "
                     "in every following step.")
        else:
            clamp = "A SimpleRNN has no gates to clamp."
        with Vertical(classes="debug-dialog"):
            yield Label("Edit a state or clamp a gate", classes="dialog-title")
            yield Static(f"{self.where}. Set a state once: {states}. {clamp} Add 'row N' for "
                         "one batch row. The steps after are computed again by the Keras "
                         "cell; U undoes.", classes="legend")
            yield Input(placeholder=f"{states}" + (f" · {self.gates[1]}[1] = 0" if self.gates
                                                     else "") + " · … row 2", id="edit-input")
            yield Static("", id="edit-error", classes="form-error")
            yield Static("enter: edit · escape: cancel", classes="legend")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        error = self.check(text)
        self.query_one("#edit-error", Static).update(Text(error or ""))
        if error is None:
            self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


def what_if_table(snapshot, row: int = 0) -> Text:
    """Per step: max |edited - unedited| of h (and c), with a bar, the edited steps marked.
    With a model's next words (trained.model_debugger.ModelWhatIf), batch row `row`'s
    next-word distributions compared instead of the bar."""
    diff = snapshot.what_if
    if getattr(diff, "next_words", False):
        return _next_word_table(snapshot, diff, row)
    text = Text()
    for edit in snapshot.edits:
        text.append(f"✎ {edit.describe()}\n", "bold")
    largest_h = np.abs(diff.dh).reshape(len(diff.dh), -1).max(axis=1) if len(diff.dh) else []
    largest_c = (np.abs(diff.dc).reshape(len(diff.dc), -1).max(axis=1)
                 if diff.dc is not None and len(diff.dc) else None)
    scale = float(diff.max_per_step.max()) if len(diff.dh) else 0.0
    text.append(f"\n{'step':<16} {'max|Δh|':>9}" + (f" {'max|Δc|':>9}" if largest_c is not None else "")
                + "\n", "bold underline")
    for k in range(len(largest_h)):  # (step_label marks the edited steps)
        values = [float(largest_h[k])] + ([float(largest_c[k])] if largest_c is not None else [])
        cells = round(BAR_CELLS * max(values) / scale) if scale else 0
        text.append(f"{set_cell_size(step_label(snapshot, k), 16)} ")
        text.append(" ".join(f"{v:9.2e}" if v else f"{0:>9}" for v in values))
        text.append(" " + "█" * cells + "\n", "red" if cells else "")
    if not len(largest_h):
        text.append("step on to see how far the edit travels\n", "italic")
    return text


WORD_CELLS = 10  # a next word, cut to fit 80 columns


def _word(words: dict, i: int) -> str:
    return set_cell_size(words[int(i)], WORD_CELLS).rstrip()


def _next_word_table(snapshot, diff, row: int) -> Text:
    """The what-if with a model: per step, max|Δh| (and max|Δc|) over every row and unit;
    then for batch row `row` the next-word distribution p (edited) against q (unedited):
    total variation ½Σ|p−q|, max|Δp|, and the most probable next word unedited → edited."""
    text = Text()
    for edit in snapshot.edits:
        text.append(f"✎ {edit.describe()}\n", "bold")
    rows = f" (row {row + 1})" if snapshot.batch_size > 1 else ""
    text.append(f"next word{rows}: p edited, q unedited, TV = ½Σ|p−q| (the model's head)\n",
                "italic")
    steps = len(diff.dh)
    largest_h = np.abs(diff.dh).reshape(steps, -1).max(axis=1) if steps else []
    largest_c = (np.abs(diff.dc).reshape(steps, -1).max(axis=1)
                 if diff.dc is not None and steps else None)
    c_head = f" {'max|Δc|':>9}" if largest_c is not None else ""
    text.append(f"{'step':<16} {'max|Δh|':>9}{c_head} {'TV':>5} {'max|Δp|':>7} next q → p\n",
                "bold underline")
    for k in range(steps):
        values = [float(largest_h[k])] + ([float(largest_c[k])] if largest_c is not None else [])
        text.append(f"{set_cell_size(step_label(snapshot, k, row), 16)} ")
        text.append(" ".join(f"{v:9.2e}" if v else f"{0:>9}" for v in values))
        tv, dp = float(diff.total_variation[k, row]), float(diff.max_dp[k, row])
        moved = tv >= 5e-4  # (shown as 0.000 below that: the same at this resolution)
        text.append(f" {tv:5.3f} {dp:7.3f} ", "red" if moved else "")
        before, after = diff.top_unedited[k, row], diff.top_edited[k, row]
        text.append(_word(diff.words, before))
        if after != before:
            text.append(f" → {_word(diff.words, after)}", "bold")
        text.append("\n")
    if not steps:
        text.append("step on to see how far the edit travels\n", "italic")
    return text


class WhatIfScreen(Dialog[None]):
    """The edited run beside the unedited one over the same input, step by step."""

    BINDINGS = [Binding("escape", "close", "Close", id="whatif.close")]

    def __init__(self, snapshot, row: int = 0) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.row = min(row, snapshot.batch_size - 1)  # the batch row in focus (y/Y)

    def compose(self) -> ComposeResult:
        with Vertical(classes="debug-dialog"):
            yield Label("What if: the edited run minus the unedited one", classes="dialog-title")
            with VerticalScroll(id="what-if-scroll"):
                yield Static(what_if_table(self.snapshot, self.row), id="what-if-table")
            yield Static("↑/↓ pgup/pgdn scroll · escape closes", classes="legend")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)


class StepsScreen(Dialog[int | None]):
    """The steps around the current one (those not computed yet too), and a field for any
    step number: enter on a step or on a number jumps there. A list of every step would take
    seconds to build for 10,000 steps, so it holds the WINDOW steps either side of the
    current one; a digit typed in the list goes to the field."""

    WINDOW = 200
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="steps.cancel")]

    def __init__(self, snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot
        total = snapshot.timesteps
        self.first = max(0, snapshot.t - self.WINDOW)
        self.last = min(total, snapshot.t + self.WINDOW)

    def compose(self) -> ComposeResult:
        snapshot = self.snapshot
        edited = {edit.step for edit in snapshot.edits}
        options = []
        for k in range(self.first, self.last + 1):
            mark = "  ✎ edited" if k in edited else ""
            if k == 0:
                text = f"{0:>{len(str(snapshot.timesteps))}} before the first step"
            else:
                text = step_label(snapshot, k - 1)
            options.append(Option(Text(f" {text}{mark}"), id=f"step-{k}"))
        total = snapshot.timesteps
        shown = ("every step" if (self.first, self.last) == (0, total) else
                 f"steps {self.first}..{self.last} of {total}: type a number for any other")
        with Vertical(classes="debug-dialog"):
            yield Label("Jump to a step (t pos token)", classes="dialog-title")
            yield Input(placeholder=f"step number 0..{total}, then enter", id="step-input",
                        restrict=r"\d*", max_length=len(str(total)), select_on_focus=False)
            yield Static("", id="step-error", classes="form-error")
            yield OptionList(*options, id="step-list")
            yield Static(f"{shown} · enter jumps · escape cancels", classes="legend",
                         id="step-legend")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = self.snapshot.t - self.first
        options.focus()

    def on_key(self, event) -> None:
        # A digit typed in the list starts a step number in the field.
        field = self.query_one(Input)
        if event.character and event.character.isdigit() and self.focused is not field:
            event.stop()
            field.focus()
            field.insert_text_at_cursor(event.character)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        total = self.snapshot.timesteps
        text = event.value.strip()
        if text.isdigit() and int(text) <= total:
            self.dismiss(int(text))
            return
        self.query_one("#step-error", Static).update(
            Text(f"a step is a whole number 0..{total}, not {text!r}" if text else
                 f"type a step number 0..{total}"))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id.removeprefix("step-")))

    def action_cancel(self) -> None:
        self.dismiss(None)
