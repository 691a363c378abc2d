"""The why view's text (widgets/why_text.py) from a WhyView made by hand: time lines one
column per step, nothing wider than the panel, the word to remember and the step marked, and
the shared log scale labelled."""

import numpy as np
import pytest

from tui_lab.trained import tasks
from tui_lab.trained.why import Column, Keeping, WhyView
from tui_lab.tui.widgets.why_text import LABEL, step_width, why_text


def column(cell: str, t: int, reach) -> Column:
    gate = {"lstm": "forget", "gru": "update"}.get(cell)
    return Column(
        cell=cell, name=f"memory-{cell}", accuracy=0.5, answer="one" if t else None,
        probability=0.75, correct=cell != "simple_rnn", reach=np.array(reach[:t], float),
        keeping=Keeping(((0, 0.9), (3, 0.2)), (3, 5), (0.9, 0.8), (0.1, 0.7),
                        {"forget": ((0.0, 1.0, 1.0), (0.1, 0.9, 0.9))} if gate else {}),
        state_name="c" if cell == "lstm" else "h", state=np.linspace(-1, 1, 2 * t).reshape(t, 2),
        gate_name=gate, gate=np.full((t, 2), 0.5) if gate else None,
        h_norm=np.linspace(0, 2, t), max_abs_error=0.0)


def view(t: int) -> WhyView:
    words = ("two", "mark", "three", "four", "five", "six")
    reach = [1e-6, 1e-4, 1e-2, 0.5, 1.0, 2.0]
    return WhyView(tasks.TASKS["memory"], 2, 9, words, "three", 2, t, len(words),
                   tuple(column(cell, t, reach) for cell in tasks.TASK_CELLS),
                   {cell: 0.5 for cell in tasks.TASK_CELLS})


@pytest.mark.parametrize("width, height", [(75, 20), (156, 44), (40, 10)])
def test_no_line_is_wider_than_the_panel(width, height):
    for t in (0, 3, 6):
        text = why_text(view(t), width, height)
        lines = text.plain.splitlines()
        assert all(len(line) <= width for line in lines[:-1])  # the last wraps (prose)


def test_the_marks_the_scale_and_the_answers():
    shown = view(4)
    step = step_width(75, 6)
    lines = why_text(shown, 75, 20).plain.splitlines()
    marks = next(line for line in lines if line.strip().startswith("step"))
    assert marks[LABEL + 2 * step] == "▲" and marks[LABEL + 3 * step] == "│"
    scale = next(line for line in lines if line.strip().startswith("log"))
    assert "≤1e-" in scale and "decades" in scale
    text = "\n".join(lines)
    assert "now: one 0.75 ✗" in text and "now: one 0.75 ✓" in text
    assert "90% → 20%" in text and "forget[3]" in text and "update[3]" in text
    assert "three 1.0e-02" in text  # the reach back to the word to remember (position 2)
    before = why_text(view(0), 75, 20).plain
    assert "no word read yet" in before and "step on to see" in before
