"""The main screen: every panel, laid out as a grid when wide and as tabs at 80x24."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static, Tab, Tabs

from tui_lab.tui.widgets.embeddings import EmbeddingsPanel
from tui_lab.tui.widgets.gates import GatesPanel
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
NUMBER_PANELS = ("tokens", "embeddings", "states", "gates", "layer")


def B(key, action, description, id, show=False, key_display=None, tooltip=""):
    return Binding(key, f"app.{action}", description, show=show, key_display=key_display,
                   id=id, tooltip=tooltip)


# Shown in the Footer: the ones that fit at 80 columns. All are in help and ctrl+p.
LAB_BINDINGS = [
    B("space", "step", "Step", "step", True, "␣", "one timestep forward"),
    B("right", "step", "Step", "step.right"),
    B("l", "step", "Step", "step.vim"),
    B("left", "back", "Back", "back", True, "←", "one timestep back"),
    B("h", "back", "Back", "back.vim"),
    B("home", "start", "Start", "start", False, None, "jump to before the first step"),
    B("g", "start", "Start", "start.vim"),
    B("end", "end", "End", "end", True, None, "run to the end of the sequence"),
    B("G", "end", "End", "end.vim"),
    B("p", "play", "Play", "play", True, None, "play / pause auto-stepping"),
    B("escape", "cancel", "Stop", "stop", False, "esc", "stop running / playing"),
    B("down", "next_line", "Next line", "line.next", False, "↓"),
    B("j", "next_line", "Next line", "line.next.vim"),
    B("up", "previous_line", "Prev line", "line.previous", False, "↑"),
    B("k", "previous_line", "Prev line", "line.previous.vim"),
    B("enter", "choose_line", "Choose line", "line.choose"),
    B("m", "mark_line", "Mark line", "line.mark", False, None, "add/remove the line from the batch"),
    B("c", "cycle_cell", "Cell", "cell", True, None, "SimpleRNN → LSTM → GRU"),
    B("plus", "units(1)", "Units+", "units.up", False, "+"),
    B("equals_sign", "units(1)", "Units+", "units.up.alt"),
    B("minus", "units(-1)", "Units-", "units.down", False, "-"),
    B("b", "toggle('go_backwards')", "Backwards", "go_backwards"),
    B("z", "toggle('mask_padding')", "Mask", "mask_padding", False, None, "mask_zero: skip padding"),
    B("r", "reseed", "Reseed", "reseed"),
    B("t", "type_sentence", "Type", "type"),
    B("o", "open_file", "Open", "open", False, None, "a text, vectors (.npy/.json) or a model (.keras)"),
    # Trained models (model_app.py): hidden in the Footer, listed in help and ctrl+p.
    B("L", "pick_layer", "Layer", "model.layer", False, None,
      "trained model: which recurrent layer (and direction) to step"),
    B("f", "flip_direction", "Direction", "model.direction", False, None,
      "Bidirectional: show the forward / backward cell"),
    B("w", "generate", "Generate", "generate", False, None,
      "seed text, top-k, greedy or sampling (shipped model if none is open)"),
    B("n", "generate_next", "Next word", "generate.next", False, None, "generate one more word"),
    B("N", "generate_many", "N words", "generate.many", False, None,
      "generate N more words (esc stops)"),
    B("T", "train", "Train", "train", False, None, "train a next-word model on the open text"),
    B("x", "close_model", "Close model", "model.close", False, None,
      "back to the lesson's random weights"),
    B("e", "export", "Export", "export"),
    B("s", "settings", "Setup", "settings", True, None, "settings: every LabConfig field"),
    B("question_mark", "help", "Help", "help", True, "?"),
    B("f1", "help", "Help", "help.f1"),
    B("tab", "next_panel", "Next panel", "panel.next"),
    B("shift+tab", "previous_panel", "Prev panel", "panel.previous"),
    B("pagedown", "scroll(1)", "Scroll down", "scroll.down"),
    B("pageup", "scroll(-1)", "Scroll up", "scroll.up"),
    B("right_square_bracket", "scroll_units(1)", "Scroll right", "scroll.right", False, "]"),
    B("left_square_bracket", "scroll_units(-1)", "Scroll left", "scroll.left", False, "["),
    B("d", "toggle_theme", "Theme", "theme"),
    B("q", "quit", "Quit", "quit", True),
]


class PanelTabs(Tabs, can_focus=False):
    """Tabs that switch panels at narrow sizes; keys (tab / shift+tab) drive them, not focus."""


class Pane(VerticalScroll, can_focus=False):
    pass


class LabScreen(Screen):
    BINDINGS = LAB_BINDINGS
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
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

    def _mark_current(self, pid: str) -> None:
        for panel in self.query(".panel"):
            panel.set_class(panel.id == pid, "-current")

    @property
    def current_panel(self):
        return self.query_one(".panel.-current")

    def on_resize(self, event) -> None:
        small = event.size.width < 60 or event.size.height < 20
        self.set_class(small, "-too-small")
