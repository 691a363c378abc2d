"""Updating a Static on a step without making Textual lay the whole screen out again."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from tui_lab.tui.widgets.text_lines import TextLines


def _unwrapped_height(content, width: int) -> int | None:
    """The number of lines content takes when no line needs wrapping (None otherwise)."""
    plain = content.plain if isinstance(content, Text) else str(content)
    lines = plain.split("\n")
    # (Textual wraps a long line even of a rich Text made with no_wrap=True.)
    return len(lines) if all(cell_len(line) <= width for line in lines) else None


def show_text(widget: Static | TextLines, content) -> None:
    """Show content (a str or rich Text) in widget. Nothing happens when it is unchanged, and
    the layout pass (it arranges every widget on the screen) runs only when an auto-height
    widget's number of lines changes: a step that moves a highlight repaints just this widget
    (a TextLines, just the lines that changed)."""
    old = widget.content
    if content == old:
        return
    if isinstance(widget, TextLines):
        widget.update(content)
        return
    widget.update(content, layout=False)
    height, width = widget.styles.height, widget.content_size.width
    if height is None or not height.is_auto or not width:
        return
    # Measuring wrapped text costs a few ms a step; when neither text wraps, comparing line
    # counts gives the same answer.
    before = _unwrapped_height(old, width)
    if before is not None and before == _unwrapped_height(content, width):
        return
    if widget.content_size.height != widget.get_content_height(widget.container_size,
                                                               widget.app.size, width):
        widget.refresh(layout=True)
