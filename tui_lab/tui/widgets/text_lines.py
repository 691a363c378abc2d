"""A text widget that renders line by line, so that a step repaints only the lines it changed.

A Static renders all of its text again on every update: the Layer panel's values, the Tokens
table and the status bar change a few lines a step, and rendering every line of them took
most of a key press's frame. TextLines keeps each line's rendered Strip, renders a line only
when it changed (and is on screen), and marks only those lines for repainting.

Its lines never wrap: a line wider than the widget is cut (a rich Text's overflow="ellipsis"
ends it with …). The panels that use it are laid out not to wrap (app.tcss)."""

from __future__ import annotations

from functools import lru_cache

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style as RichStyle
from rich.text import Text
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.visual import Visual, visualize
from textual.widget import Widget


def _lines(content: str | Text) -> list[Text]:
    text = content if isinstance(content, Text) else Text(content)
    return text.split("\n", allow_blank=True) if text.plain else [text]


class TextLines(Widget):
    """Shows a str or rich Text like a Static (update, content), repainting by line."""

    DEFAULT_CSS = "TextLines { height: auto; }"

    def __init__(self, content: str | Text = "", *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._content = content
        self._lines = _lines(content)
        self._strips: dict[int, Strip] = {}
        self._drawn_for = None  # (width, style) the kept strips were rendered at

    @property
    def content(self) -> str | Text:
        return self._content

    def render(self) -> Text:
        return self._content if isinstance(self._content, Text) else Text(self._content)

    def update(self, content: str | Text = "") -> None:
        """Show content; only the lines that differ are rendered and repainted again."""
        old, new = self._lines, _lines(content)
        self._content, self._lines = content, new
        if self._size_changes(old, new):
            self._strips.clear()
            self.refresh(layout=True)  # its auto height or width changes
            return
        changed = [y for y in range(max(len(old), len(new)))
                   if y >= len(old) or y >= len(new) or old[y] != new[y]]
        for y in changed:
            self._strips.pop(y, None)  # rendered again when it is on screen
        width = self.size.width
        if changed and width:
            self.refresh(*(Region(0, y, width, 1) for y in changed))
        elif changed:
            self.refresh()

    def _size_changes(self, old: list[Text], new: list[Text]) -> bool:
        """Whether its size, where it follows the text (auto), would change: only then does
        the screen need a layout pass, which arranges every widget again."""
        height, width = self.styles.height, self.styles.width
        return ((height is not None and height.is_auto and len(old) != len(new))
                or (width is not None and width.is_auto and _widest(old) != _widest(new)))

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return _widest(self._lines)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def selection_updated(self, selection) -> None:
        self._strips.clear()
        super().selection_updated(selection)

    def render_line(self, y: int) -> Strip:
        width, style = self.size.width, self.visual_style
        if self._drawn_for != (width, style):
            self._drawn_for = (width, style)
            self._strips.clear()
        if y not in self._strips:
            if self.text_selection is not None:  # a selection spans lines: render them all
                visual = visualize(self, self.render(), markup=False)
                strips = Visual.to_strips(self, visual, width, len(self._lines), style)
                self._strips.update(enumerate(strips))
            elif y < len(self._lines):
                self._strips[y] = self._draw(self._lines[y], y, width, style.rich_style)
        strip = self._strips.get(y)
        return strip if strip is not None else Strip.blank(width, style.rich_style)

    def _draw(self, line: Text, y: int, width: int, base: RichStyle) -> Strip:
        """One line, drawn by rich over the widget's colours: the same segments as a Static's
        (its Content) in a quarter of the time. The offsets are what text selection reads."""
        if cell_len(line.plain) > width:
            line = line.copy()
            line.truncate(width, overflow="ellipsis" if line.overflow == "ellipsis" else "crop")
        segments = Segment.apply_style(line.render(self.app.console), base)
        # Not padded to the width: the widget's styles pad it, as they do a Static's lines.
        return with_offsets(Strip(segments).crop(0, width), y)


@lru_cache(maxsize=8192)
def _offset(x: int, y: int) -> RichStyle:
    return RichStyle.from_meta({"offset": (x, y)})


def with_offsets(strip: Strip, y: int) -> Strip:
    """Strip.apply_offsets(0, y) (the offsets text selection reads), with each offset style
    made once: a line drawn again at the next step then has the very same styles as before,
    and Rich's and Textual's caches of combined and filtered styles find them (with new
    styles at every step, a line cost several times as much to draw and to paint)."""
    segments, x = [], 0
    for text, style, control in strip:
        offset = _offset(x, y)
        segments.append(Segment(text, style + offset if style else offset, control))
        x += len(text)
    return Strip(segments, strip.cell_length)


def _widest(lines: list[Text]) -> int:
    return max((cell_len(line.plain) for line in lines), default=0)
