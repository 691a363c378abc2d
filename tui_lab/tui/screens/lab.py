"""The main screen: every panel, laid out as a grid when wide and as tabs at 80x24.

Its view actions (switching panels, scrolling) live here; the lab's actions on the app."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Container, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static, Tab, Tabs

from tui_lab.tui.bindings import LAB_BINDINGS
from tui_lab.tui.compositor import SpanCompositor
from tui_lab.tui.widgets.embeddings import EmbeddingsPanel
from tui_lab.tui.widgets.focus import FOCUSED_HINT, ScrollFocus
from tui_lab.tui.widgets.gates import GatesPanel
from tui_lab.tui.widgets.header import InputHeader
from tui_lab.tui.widgets.layer import LayerPanel
from tui_lab.tui.widgets.lines import LinesPanel
from tui_lab.tui.widgets.states import StatesPanel
from tui_lab.tui.widgets.status import StatusBar
from tui_lab.tui.widgets.tokens import TokensPanel

PANELS = (  # id, tab label, border title
    ("lines", "Lines", "Lines: j/k move · enter choose · m mark batch · t type"),
    ("tokens", "Tokens", "Tokens: words → ids → padded ids"),
    ("embeddings", "Embed", "Embeddings x_t"),
    ("states", "States", "States h_t / c_t per step"),
    ("layer", "Layer", "Layer readout (keras.layers)"),
    ("gates", "Gates", "Gates of the current step"),
)
WIDE = 120  # columns from which every panel is on screen at once (below: tabs, one at a time)
NUMBER_PANELS = ("tokens", "embeddings", "states", "gates", "layer")


class PanelTabs(Tabs, can_focus=False):
    """Tabs that switch panels at narrow sizes; keys (tab / shift+tab) drive them, not focus."""


class Pane(VerticalScroll, ScrollFocus):
    """Tokens and Layer: text that scrolls as a whole. (ScrollFocus comes second: Textual
    takes a widget's default CSS from its first base only.)"""

    BINDINGS = ScrollFocus.BINDINGS  # over ScrollableContainer's arrows: the panels' own


class Waiting(Static):
    """What a panel shows until the first states come (`panel.loading = True`): words that
    stand still. Textual's LoadingIndicator animates; on five panels it repainted the screen
    ~15 times a second for the seconds TensorFlow takes to import, and that import (in a
    worker thread) waited for the CPU and the GIL those frames took."""

    DEFAULT_CSS = """
    Waiting {
        width: 100%;
        height: 100%;
        content-align: center middle;
        color: $text-muted;
        background: $surface;
    }
    Waiting.-textual-loading-indicator {
        layer: _loading;
        dock: top;
    }
    """


class LabScreen(Screen):
    BINDINGS = LAB_BINDINGS
    AUTO_FOCUS = ""  # (None means the app's "*"): the arrows step until a panel is focused
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE, "-wide")]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A step changes rows all over the screen; this renders only those (compositor.py).
        self._compositor = SpanCompositor()

    def get_loading_widget(self) -> Static:
        return Waiting("loading TensorFlow… (once, a few seconds)")

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield InputHeader(id="input-header")
        yield PanelTabs(*(Tab(label, id=f"tab-{pid}") for pid, label, _ in PANELS), id="tabs")
        with Container(id="panels"):
            for pid, _, title in PANELS:
                if pid == "lines":
                    panel = Container(LinesPanel(id="lines-body"), id=pid, classes="panel")
                elif pid in ("tokens", "layer"):
                    body = TokensPanel(id="tokens-body") if pid == "tokens" else LayerPanel(id="layer-body")
                    panel = Pane(body, id=pid, classes="panel")
                else:
                    panel = {"embeddings": EmbeddingsPanel, "states": StatesPanel,
                             "gates": GatesPanel}[pid](id=pid, classes="panel")
                panel.border_title = title
                yield panel
        yield Static("The terminal is too small for tui-lab: make it at least 60 columns by 20 "
                     "lines (80x24 is best). Press q to quit.", id="too-small")
        yield Footer()

    def on_mount(self) -> None:
        self.show_panel("states")

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        if event.tab is not None and event.tab.id:
            self._mark_current(event.tab.id.removeprefix("tab-"))

    def show_panel(self, pid: str) -> None:
        self.query_one(PanelTabs).active = f"tab-{pid}"
        self._mark_current(pid)
        if self.focused_panel is not None:  # the focus moves along with tab
            self._focus(self.query_one(f"#{pid}"))

    # ----- a focused panel: the arrows scroll it (widgets/focus.py) ---------------------------
    @property
    def focused_panel(self) -> ScrollFocus | None:
        focused = self.focused
        return focused if isinstance(focused, ScrollFocus) else None

    @property
    def focused_label(self) -> str:
        """The tab label of the panel the arrows scroll ("" while they step)."""
        panel = self.focused_panel
        return next((label for pid, label, _ in PANELS if panel and pid == panel.id), "")

    def _focus(self, panel) -> None:
        if isinstance(panel, ScrollFocus):
            self.set_focus(panel, scroll_visible=False)
        else:  # Lines follows its cursor (j / k): nothing to scroll by hand
            self.set_focus(None)

    def action_focus_panel(self) -> None:
        """F: the current panel takes the arrows, or gives them back."""
        panel = self.current_panel
        if self.focused_panel is not None:
            self.set_focus(None)
        elif isinstance(panel, ScrollFocus):
            self._focus(panel)
        else:
            self.app.notify("Lines follows its cursor: j / k (↑ ↓) move it. Tab to another "
                            "panel, then F.", title="Focus panel", severity="warning")

    def on_descendant_focus(self, event) -> None:
        panel = self.focused_panel
        if panel is not None:
            panel.border_subtitle = FOCUSED_HINT
            if panel.id != self.current_panel.id:  # a click on another panel
                self.query_one(PanelTabs).active = f"tab-{panel.id}"
                self._mark_current(panel.id)
        self.app.refresh_status()

    def on_descendant_blur(self, event) -> None:
        event.widget.border_subtitle = ""
        self.call_after_refresh(self.app.refresh_status)  # (focus has moved on by then)

    def in_view(self, pid: str) -> bool:
        """Whether panel pid is on screen: wide, all are; narrow, the current tab's."""
        return self.size.width >= WIDE or self.query_one(f"#{pid}").has_class("-current")

    def _mark_current(self, pid: str) -> None:
        for panel in self.query(".panel"):
            shown = panel.id == pid and not panel.has_class("-current")
            panel.set_class(panel.id == pid, "-current")
            if shown:
                self._relayout(panel)
        self.app.show_panels_in_view()

    @staticmethod
    def _relayout(panel) -> None:
        """A panel coming into view measures its texts again. While hidden (narrow: one tab
        shown) its Statics have no size, so show_text's per-step update (layout=False) cannot
        tell their height changed, and Textual would keep the height they had when last
        shown: a Layer that grew at `end` stayed cut, with no scrollbar. Once per tab switch,
        not per step."""
        for widget in panel.query("Static, TextLines"):
            widget.refresh(layout=True)

    @property
    def current_panel(self):
        return self.query_one(".panel.-current")

    # ----- view actions (bound in bindings.py without the app. namespace) ----------------------
    def action_next_panel(self) -> None:
        self._switch_panel(1)

    def action_previous_panel(self) -> None:
        self._switch_panel(-1)

    def _switch_panel(self, delta: int) -> None:
        ids = [pid for pid, _, _ in PANELS]
        index = ids.index(self.current_panel.id)
        self.show_panel(ids[(index + delta) % len(ids)])

    def action_scroll(self, direction: int) -> None:
        panel = self.current_panel
        targets = [w for w in [panel, *panel.query("*")] if w.is_scrollable and w.max_scroll_y]
        for widget in targets[:1]:
            widget.scroll_to(y=widget.scroll_y + direction * max(1, widget.size.height - 2),
                             animate=False)

    def action_scroll_units(self, direction: int) -> None:
        from tui_lab.tui.widgets.grid import NumberGrid

        for grid in self.current_panel.query(NumberGrid):  # 4 columns as wide as the digits
            grid.scroll_to(x=max(0, grid.scroll_x + direction * 4 * grid.cell), animate=False)

    def on_resize(self, event) -> None:
        self.app.show_panels_in_view()  # wider: the panels that were behind tabs
        small = event.size.width < 60 or event.size.height < 20
        self.set_class(small, "-too-small")
        # Below 80 columns the footer's keys do not fit with their padding and the palette
        # key: compact keys, and ctrl+p (still bound, and in help) left out, so none is cut.
        footer = self.query_one(Footer)
        narrow = event.size.width < 80
        if footer.compact != narrow:
            footer.compact = narrow
            footer.show_command_palette = not narrow
            footer.refresh(recompose=True)
