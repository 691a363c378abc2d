"""Snapshot tests: what the app looks like at 80x24 (SSH default) and 160x48.

Plain `def` tests (snap_compare cannot run inside async tests); keys are pressed in
`run_before`, waiting for the lab's workers after each one, so no spinner is ever captured.
Regenerate with `pytest tests/test_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

import pytest

from tui_lab import Lab
from tui_lab.tui.app import LabApp

from pilot import keys

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


def lab_app() -> LabApp:
    app = LabApp(Lab(), theme="textual-dark")
    app.animation_level = "none"
    return app


def typed(text: str) -> tuple[str, ...]:
    """The keys that type text into a field."""
    return tuple("space" if char == " " else char for char in text)


CASES = {
    "start": (),
    "lstm_three_steps": ("space", "space", "space"),
    "gru_gates": ("c", "space", "space", "space", "tab", "tab"),  # narrow: Gates tab
    "simple_rnn": ("c", "c", "space", "space", "space"),
    "layer_readout_at_end": ("end", "tab"),  # narrow: Layer tab
    "go_backwards_tokens": ("b", "space", "space", "shift+tab", "shift+tab"),  # narrow: Tokens
    "batch_of_two_lines": ("m", "j", "m", "space", "space"),
    "batch_row_two": ("m", "j", "m", "space", "space", "y"),  # row 2 in focus (3 digits)
    "help": ("question_mark",),
    "settings_validation_error": ("s", "tab", "backspace", "0"),
    # The debugger: two breakpoints, the first turned off; an edit of c after step 2 (marked
    # ✎ in States and the status bar); the what-if table once the run reached the end.
    "debugger_breakpoints": ("B", *typed("step == 3"), "enter", *typed("forget[1] < 0.5"),
                             "enter", "down", "up", "space"),
    "debugger_edit": ("space", "space", "E", *typed("c[1] = 0.5"), "enter", "space"),
    "debugger_what_if": ("space", "space", "E", *typed("c[1] = 0.5"), "enter", "end", "W"),
    # A gate clamp typed in the edit dialog (its legend lists the cell's gates); the what-if
    # table of that clamp; the jump list with a step number typed.
    "debugger_clamp_dialog": ("space", "space", "E", *typed("forget[1] = 0")),
    "debugger_clamp_what_if": ("space", "space", "E", *typed("forget[1] = 0"), "enter", "end",
                               "W"),
    "debugger_jump": ("space", "J", "5"),
    # What a learner meets (issue 23): a clamped gate marked ✎ in Gates; the unedited layer's
    # final values beside the edited run's; Embed's notes on its random rows and the pad row;
    # line 15's words with no room counted apart from the truncated ones; ':' refusing a
    # line past the text.
    "gates_clamped": ("space", "space", "E", *typed("forget[2] = 1"), "enter", "space", "tab",
                      "tab"),
    "layer_after_an_edit": ("space", "space", "E", *typed("c[1] = 0.5"), "enter", "end", "tab",
                            "pagedown"),
    "embed_padding": ("j", "shift+tab"),
    "tokens_no_room": (*["j"] * 14, "shift+tab", "shift+tab"),
    "go_to_line_refused": ("colon", "3", "0", "enter"),
}


@pytest.mark.parametrize("num_words, presses", [
    pytest.param(150, ("v", *"around"), id="search_around"),
    pytest.param(10, ("v", "end"), id="num_words_10_end"),  # ✗ marks, the scrollbar at the end
])
def test_vocabulary(snap_compare, num_words, presses):
    """The word_index screen at 80x24 (the lesson's fixed ids and counts: nothing random)."""
    from tui_lab import LabConfig

    app = LabApp(Lab(LabConfig(num_words=num_words)), theme="textual-dark")
    app.animation_level = "none"
    assert snap_compare(app, run_before=keys(*presses), terminal_size=(80, 24))


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("case", list(CASES))
def test_snapshot(snap_compare, case, size):
    assert snap_compare(lab_app(), run_before=keys(*CASES[case]), terminal_size=size)


def test_replace_question(snap_compare):
    """The question before export or training replaces a file (a fixed path: deterministic)."""
    from pathlib import Path

    from tui_lab.tui.screens.confirm import ReplaceScreen

    async def run_before(pilot) -> None:
        await keys("space")(pilot)
        await pilot.app.push_screen(ReplaceScreen([Path("/home/learner/trace.json")]))
        await pilot.pause()

    assert snap_compare(lab_app(), run_before=run_before, terminal_size=(80, 24))
