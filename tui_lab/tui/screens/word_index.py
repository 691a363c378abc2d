"""The vocabulary on screen: the tokenizer's word_index, each entry's id, count and marks,
filtered as you type. The app fetches the `Vocabulary` (core/vocabulary.py) in a worker and
posts it here (`VocabularyFetched`); this screen never touches the lab.

The search box keeps the focus, so typing always filters; the keys that move through a list
(arrows, page up/down, home/end) scroll the list instead, even though the box has the focus
(ctrl+a / ctrl+e still move in the box). The list draws only the rows on screen (the line
API), so a text with 100,000 words scrolls and filters as quickly as the lyrics.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Input, Label, Static

from tui_lab.tui.screens.dialog import Dialog
from tui_lab.tui.widgets.labels import clip, pad_left, printable

WORD_CELLS = 24  # a longer word is cut to this many cells, with …
OOV_SIGN, BEYOND_SIGN = "◆", "✗"


class VocabularyFetched(Message):
    """From a worker: the open text's vocabulary, for the word_index screen."""

    def __init__(self, vocabulary) -> None:
        super().__init__()
        self.vocabulary = vocabulary


class Columns:
    """Cell widths of id, word and count, fixed for a vocabulary (not for what a search
    shows), so the columns stay put while typing."""

    def __init__(self, vocabulary) -> None:
        entries = vocabulary.entries
        # Measured once for a whole vocabulary (100,000 words: a few ms): an ASCII word is
        # as wide as it is long; only the others need measuring in terminal cells.
        self.id = max(2, len(str(max((e.id for e in entries), default=0))))
        self.word = max(4, max((min(len(e.word) if e.word.isascii() else
                                    cell_len(printable(e.word[:WORD_CELLS * 4])), WORD_CELLS)
                                for e in entries), default=0))
        self.count = max(5, len(f"{max((e.count for e in entries), default=0):,}"))

    def row(self, entry_id: str, word: str, count: str, marks: str) -> str:
        return (f"{pad_left(entry_id, self.id)}  {word}{' ' * (self.word - cell_len(word))}  "
                f"{pad_left(count, self.count)}  {marks}")


class WordIndexList(ScrollView, can_focus=False):
    """The entries, one row each: id, word, count, marks."""

    COMPONENT_CLASSES = {"word-index--oov", "word-index--beyond"}

    def __init__(self, vocabulary, **kwargs) -> None:
        super().__init__(**kwargs)
        self.vocabulary = vocabulary
        self.columns = Columns(vocabulary)
        self.entries = vocabulary.entries

    def show(self, entries) -> None:
        self.entries = entries
        self.virtual_size = Size(0, len(entries))  # width 0: rows are cut, never scrolled sideways
        self.scroll_to(0, 0, animate=False)
        self.refresh()

    def on_mount(self) -> None:
        self.show(self.entries)

    def text(self, entry) -> str:
        """One entry's row, as plain text."""
        marks = self.vocabulary.mark(entry)
        sign = OOV_SIGN if entry.oov else BEYOND_SIGN if not entry.kept else ""
        word = clip(printable(entry.word), WORD_CELLS)
        return self.columns.row(str(entry.id), word, f"{entry.count:,}",
                                f"{sign} {marks}" if marks else "")

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = round(self.scroll_offset.y) + y
        style = self.rich_style
        if not 0 <= index < len(self.entries):
            return Strip.blank(width, style)
        entry = self.entries[index]
        if entry.oov:
            style = style + self.get_component_rich_style("word-index--oov")
        elif not entry.kept:
            style = style + self.get_component_rich_style("word-index--beyond")
        return Strip([Segment(self.text(entry), style)]).crop_extend(0, width, style)

    def rows(self) -> list[str]:
        """Every row the search shows, as plain text (what tests read)."""
        return [self.text(entry) for entry in self.entries]


class WordIndexScreen(Dialog[None]):
    """The vocabulary: header, search box, the list; escape or enter closes."""

    AUTO_FOCUS = "#word-index-search"
    # priority: these keys reach the list although the search box has the focus.
    BINDINGS = [Binding("escape", "close", "Close", id="word_index.close"),
                Binding("up", "scroll('up')", show=False, priority=True),
                Binding("down", "scroll('down')", show=False, priority=True),
                Binding("pageup", "scroll('page_up')", show=False, priority=True),
                Binding("pagedown", "scroll('page_down')", show=False, priority=True),
                Binding("home", "scroll('home')", show=False, priority=True),
                Binding("end", "scroll('end')", show=False, priority=True)]

    def __init__(self, vocabulary) -> None:
        super().__init__()
        self.vocabulary = vocabulary

    def compose(self) -> ComposeResult:
        v = self.vocabulary
        with Vertical(id="word-index"):
            yield Label("Vocabulary: the tokenizer's word_index · type to search · "
                        "enter/esc close", id="word-index-title")
            fate = "encoded as <OOV>" if v.has_oov else "dropped when encoding"
            about = [v.describe(), v.describe_limit(), v.describe_counts(),
                     (f"{OOV_SIGN} <OOV> (count: words encoded as it) · " if v.has_oov else "")
                     + f"{BEYOND_SIGN} id ≥ num_words, {fate}"]
            # Text, not markup: a file name may hold [ and ]; printable: and no control codes.
            yield Static(Text("\n".join(map(printable, about))), id="word-index-about")
            with Horizontal(id="word-index-find"):
                yield Label("search", id="word-index-find-label")
                yield Input(placeholder="a word, or an id", id="word-index-search",
                            compact=True)
            list_view = WordIndexList(v, id="word-index-list")
            yield Static(Text(list_view.columns.row("id", "word", "count", "marks")),
                         id="word-index-columns")
            yield list_view
            yield Static(id="word-index-status")

    def on_mount(self) -> None:
        self._status("")

    @property
    def list_view(self) -> WordIndexList:
        return self.query_one(WordIndexList)

    def on_input_changed(self, event: Input.Changed) -> None:
        found = self.vocabulary.search(event.value)
        self.list_view.show(found)
        self._status(event.value.strip())

    def _status(self, query: str) -> None:
        shown, total = len(self.list_view.entries), len(self.vocabulary)
        if not query:
            text = f"{total:,} entries, in id order · ↑↓ pgup pgdn home end scroll"
        elif shown:
            text = f"{shown:,} of {total:,} entries match {query!r}"
        else:
            text = f"no entry matches {query!r}"
        self.query_one("#word-index-status", Static).update(Text(printable(text)))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(None)

    def action_scroll(self, how: str) -> None:
        getattr(self.list_view, f"scroll_{how}")(animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
