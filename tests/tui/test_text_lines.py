"""TextLines (the panels' per-step texts) paints what a Static paints, and a step that changes
one line renders and repaints that line alone."""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.app import App
from textual.widgets import Static

from tui_lab.tui.widgets.text_lines import TextLines

CSS = """
Screen { layout: vertical; }
#lines, #static { background: $panel; color: $text-muted; width: 40; }
"""


def sample(step: int) -> Text:
    text = Text()
    text.append("header ", "bold")
    text.append("never changes\n")
    text.append(f"  k={step:<3}", "reverse")
    text.append(" +0.123 -0.456", "red")
    text.append(" dim\n", "dim")
    text.append("last line, italic", "italic")
    return text


class Pair(App):
    CSS = CSS

    def compose(self):
        yield TextLines(sample(1), id="lines")
        yield Static(sample(1), id="static")


def painted(widget) -> list[list[tuple[str, object]]]:
    """The widget's lines as the compositor gets them: (text, rich style) per segment, with
    neighbours of the same style joined (how a line is cut into segments is not seen)."""
    lines = []
    for strip in widget.render_lines(widget.size.region):
        joined: list[tuple[str, object]] = []
        for segment in strip:
            # (the offsets text selection reads are not on screen)
            style = segment.style.clear_meta_and_links() if segment.style else segment.style
            if joined and joined[-1][1] == style:
                joined[-1] = (joined[-1][0] + segment.text, style)
            else:
                joined.append((segment.text, style))
        lines.append(joined)
    return lines


@pytest.mark.asyncio
async def test_text_lines_paint_what_a_static_paints():
    app = Pair()
    async with app.run_test(size=(60, 12)) as pilot:
        lines, static = app.query_one("#lines"), app.query_one("#static")
        assert lines.size == static.size == (40, 3)
        assert painted(lines) == painted(static)
        for step in (2, 3):
            lines.update(sample(step))
            static.update(sample(step))
            await pilot.pause()
            assert painted(lines) == painted(static)


@pytest.mark.asyncio
async def test_a_changed_line_is_the_only_one_drawn_again(monkeypatch):
    app = Pair()
    async with app.run_test(size=(60, 12)) as pilot:
        lines = app.query_one("#lines")
        await pilot.pause()
        drawn, painted_lines = [], []  # lines rendered anew / lines the frame asked for
        draw, render_line = TextLines._draw, TextLines.render_line
        monkeypatch.setattr(TextLines, "_draw", lambda self, line, y, *a: (
            drawn.append(y), draw(self, line, y, *a))[1])
        monkeypatch.setattr(TextLines, "render_line", lambda self, y: (
            painted_lines.append(y), render_line(self, y))[1])
        lines.update(sample(2))  # only the middle line differs
        await pilot.pause()
        assert drawn == painted_lines == [1]
        assert "k=2" in lines.render_lines(lines.size.region)[1].text
        drawn.clear()
        painted_lines.clear()
        lines.update(sample(2))  # nothing differs: nothing drawn
        await pilot.pause()
        assert drawn == painted_lines == []


@pytest.mark.asyncio
async def test_lines_are_cut_never_wrapped_and_an_auto_height_follows_them():
    app = Pair()
    async with app.run_test(size=(60, 12)) as pilot:
        lines = app.query_one("#lines")
        long = Text("x" * 60 + "\nsecond\nthird\nfourth", overflow="ellipsis")
        lines.update(long)
        await pilot.pause()
        assert lines.size.height == 4
        first = lines.render_lines(lines.size.region)[0].text
        assert first == "x" * 39 + "…"
        lines.update("one line")
        await pilot.pause()
        assert lines.size.height == 1
        assert lines.render_lines(lines.size.region)[0].text.rstrip() == "one line"


def test_offsets_are_textuals_and_the_same_style_objects_at_the_next_step():
    from rich.segment import Segment
    from rich.style import Style
    from textual.strip import Strip

    from tui_lab.tui.widgets.text_lines import with_offsets

    strip = Strip([Segment("k=1 ", Style(bold=True)), Segment("+0.123", None), Segment(" x")])
    ours, textuals = with_offsets(strip, 3), strip.apply_offsets(0, 3)
    assert [(s.text, s.style) for s in ours] == [(s.text, s.style) for s in textuals]
    assert [s.style.meta["offset"] for s in ours] == [(0, 3), (4, 3), (10, 3)]
    again = with_offsets(Strip([Segment("k=1 ", Style(bold=True)), Segment("+0.456", None),
                                Segment(" x")]), 3)
    # (Rich's and Textual's style caches find a redrawn line's styles: they are the same)
    assert all(a.style is b.style for a, b in zip(ours, again))
