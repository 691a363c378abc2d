"""Updating a Static on a step without making Textual lay the whole screen out again."""

from __future__ import annotations

from textual.widgets import Static


def show_text(widget: Static, content) -> None:
    """Show content (a str or rich Text) in widget. Nothing happens when it is unchanged, and
    the layout pass (it arranges every widget on the screen) runs only when an auto-height
    widget's number of lines changes: a step that moves a highlight repaints just this widget."""
    if content == widget.content:
        return
    widget.update(content, layout=False)
    height, width = widget.styles.height, widget.content_size.width
    if height is not None and height.is_auto and width and widget.content_size.height != \
            widget.get_content_height(widget.container_size, widget.app.size, width):
        widget.refresh(layout=True)
