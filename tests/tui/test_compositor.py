"""The lab screen's partial update (tui/compositor.py) writes what Textual's own would.

Every partial update of the lab screen is made twice from the same changed regions, by the
SpanCompositor and by Textual's Compositor, and the cells each would write to the terminal are
compared, as a learner uses the app: steps, scrolls, tabs, focus, a dialog, a notification
over the panels, a resize."""

import numpy as np
import pytest
from rich.cells import cell_len
from textual._compositor import Compositor

from tui_lab import Lab, LabConfig
from tui_lab.tui.compositor import SpanCompositor

from pilot import make_app, press, settle


def written_cells(update) -> dict:
    """(y, x) -> (character, style) for every cell the update writes to the terminal."""
    cells = {}
    for y, x1, x2 in update.spans:
        for (x, strip), end in zip(update.chops[y].items(), update.chop_ends[y]):
            if strip is None or end <= x1 or x >= x2:
                continue
            for segment in strip:
                if segment.control:
                    continue
                for character in segment.text:
                    if x1 <= x < x2:
                        cells[y, x] = (character, segment.style)
                    x += cell_len(character)
    return cells


def compare_with_textual(compositor, compared: list, differences: list) -> None:
    ours = compositor.render_partial_update

    def both():
        dirty = set(compositor._dirty_regions)
        update = ours()
        compositor._dirty_regions.update(dirty)
        textual = Compositor.render_partial_update(compositor)
        if (update is None) != (textual is None):
            differences.append(("one update is empty", dirty))
        elif update is not None:
            mine, theirs = written_cells(update), written_cells(textual)
            compared.append(len(theirs))
            if mine != theirs:
                wrong = sorted(k for k in mine.keys() | theirs.keys()
                               if mine.get(k) != theirs.get(k))
                differences.append((wrong[:5], len(wrong)))
        return update

    compositor.render_partial_update = both


@pytest.mark.asyncio
@pytest.mark.parametrize("size", [(160, 48), (80, 24)])
async def test_the_lab_screens_partial_updates_write_what_textuals_would(size):
    vectors = np.random.default_rng(0).normal(size=(1, 40, 8)).astype(np.float32)
    app = make_app(Lab(LabConfig(units=12), vectors=vectors))
    compared, differences = [], []
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        compositor = app.lab_screen._compositor
        assert isinstance(compositor, SpanCompositor)
        compare_with_textual(compositor, compared, differences)
        await press(pilot, *"llllllllllllllllllll", "h", "h", "tab", "tab", "l", "l")
        await press(pilot, "shift+tab", "down", "down", "right", "l", "end", "home", "l")
        await press(pilot, "greater_than_sign", "l", "less_than_sign", "question_mark")
        await press(pilot, "escape", "l", "t", "escape", "l")
        app.notify("a toast over the panels while they change", timeout=30)
        await press(pilot, "l", "l", "h", "l")
        await pilot.resize_terminal(size[0] // 2 + 20, size[1])
        await press(pilot, "l", "l", "tab", "l")
        await pilot.resize_terminal(*size)
        await press(pilot, "l", "l", "h")
    assert differences == []
    assert len(compared) > 30 and sum(compared) > 3000  # the updates were compared, not skipped
