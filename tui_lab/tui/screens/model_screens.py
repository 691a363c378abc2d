"""Screens for trained models: the layer picker, generation settings, and what to do when a
model has no word_index."""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Label, OptionList, Static, Switch
from textual.widgets.option_list import Option

from tui_lab.errors import LabError
from tui_lab.tui.screens.dialog import Dialog
from tui_lab.tui.screens.settings import switch_word


class LayerPickerScreen(Dialog[tuple[str, str] | None]):
    """Every recurrent layer of the model (RecurrentLayer.describe()); a Bidirectional layer
    is listed once per direction. Enter picks, escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="layers.cancel")]

    def __init__(self, layers, current: tuple[str, str]) -> None:
        super().__init__()
        self.choices: list[tuple[str, str]] = []
        self.prompts: list[str] = []
        for layer in layers:
            for direction in (("forward", "backward") if layer.bidirectional else ("forward",)):
                self.choices.append((layer.name, direction))
                cell = f" · {direction} cell" if layer.bidirectional else ""
                self.prompts.append(f"{layer.depth}. {layer.describe()}{cell}")
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="model-dialog"):
            yield Label("Step which recurrent layer? (enter picks · escape cancels)",
                        classes="dialog-title")
            yield OptionList(*(Option(Text(p), id=f"choice-{i}")  # Text: no markup in names
                               for i, p in enumerate(self.prompts)),
                             id="layer-options")
            yield Static("1 reads the Embedding's vectors; each next layer reads the sequence of "
                         "the one before. A Bidirectional layer has a forward and a backward cell "
                         "(go_backwards); its output merges both.", classes="legend")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.current in self.choices:
            options.highlighted = self.choices.index(self.current)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)


class StartSwitch(Switch, inherit_bindings=False):
    """A form's on/off field: space flips it, enter starts (as in the form's other fields).
    Textual's Switch flips on enter too: the choice was undone and nothing started."""

    BINDINGS = [Binding("space", "toggle_switch", "Toggle", show=False),
                Binding("enter", "submit", "Start", show=False)]

    class Submitted(Message):
        """Enter, as Input.Submitted: a message, not the start itself, so that a second
        Enter of a burst still reaches this dialog (and is ignored) instead of the lab."""

    def action_submit(self) -> None:
        self.post_message(self.Submitted())


class GenerateScreen(Dialog[tuple[str, object] | None]):
    """Generation settings: seed text, top-k, greedy or sampling (temperature, sampler seed),
    and N for "run N words". Each field is checked as you type, its message beside it."""

    AUTO_FOCUS = "#gen-seed"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="generate.cancel"),
                Binding("ctrl+s", "start", "Start", id="generate.start")]
    HINTS = {
        "seed": "the words to continue",
        "top_k": "candidates shown (and sampled from)",
        "sample": "off: greedy, the most probable word",  # and on: SAMPLING
        "temperature": "sampling p**(1/T): <1 sharper, >1 flatter",
        "sample_seed": "sampler seed: same seed, same words",
        "words": "how many words N adds",
    }
    SAMPLING = "on: a draw among the top k, p**(1/T)"

    def __init__(self, seed: str, settings) -> None:
        super().__init__()
        self.seed, self.settings = seed, settings
        self.errors: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        s = self.settings
        values = {"seed": self.seed, "top_k": str(s.top_k), "temperature": f"{s.temperature:g}",
                  "sample_seed": str(s.sample_seed), "words": str(s.words)}
        with VerticalScroll(classes="model-dialog"):
            yield Label("Generate text word by word · enter starts · escape cancels",
                        classes="dialog-title")
            yield Static("Each word: the model reads the text so far (padded 'pre'), gives a "
                         "probability to every word of its vocabulary, one is chosen and "
                         "appended. The panels show the layer's states on that text.",
                         classes="legend")
            for name in ("seed", "top_k", "sample", "temperature", "sample_seed", "words"):
                with Horizontal(classes="form-row"):
                    yield Label(name.replace("_", " "), classes="form-name")
                    if name == "sample":  # on/off in words too: NO_COLOR shows no slider
                        yield StartSwitch(not s.greedy, id="gen-sample", classes="form-field")
                        yield Label(switch_word(not s.greedy), id="gen-sample-state",
                                    classes="switch-state")
                    else:
                        yield Input(values[name], id=f"gen-{name}", compact=True,
                                    classes="form-field")
                    yield Static(self._hint(name, not s.greedy), id=f"gen-msg-{name}",
                                 classes="form-message")
            with Horizontal(classes="buttons"):
                yield Button("Start (enter)", id="start", variant="primary", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)

    def _settings(self):
        from tui_lab.trained.generation import GenerationSettings

        self.errors.clear()
        values = {}
        for name in ("top_k", "temperature", "sample_seed", "words"):
            raw = self.query_one(f"#gen-{name}", Input).value.strip()
            try:
                value = float(raw) if name == "temperature" else int(raw)
                GenerationSettings(**{name: value})  # this field alone, checked
            except ValueError:
                kind = "a number" if name == "temperature" else "a whole number"
                self.errors[name] = f"{name.replace('_', ' ')} must be {kind}, not {raw!r}"
            except LabError as error:
                self.errors[name] = str(error)
            else:
                values[name] = value
        seed = self.query_one("#gen-seed", Input).value.strip()
        if not seed:
            self.errors["seed"] = "type at least one word to continue"
        settings = None
        sampling = self.query_one("#gen-sample", Switch).value
        if not self.errors:
            settings = GenerationSettings(greedy=not sampling, **values)
        self.query_one("#gen-sample-state", Label).update(switch_word(sampling))
        for name in self.HINTS:
            message = self.query_one(f"#gen-msg-{name}", Static)
            error = self.errors.get(name)
            # Text: a typed value in an error is not markup.
            message.update(Text(f"✗ {error}") if error else self._hint(name, sampling))
            message.set_class(bool(error), "-error")
        return seed, settings

    def _hint(self, name: str, sampling: bool) -> str:
        return self.SAMPLING if name == "sample" and sampling else self.HINTS[name]

    def on_input_changed(self, event: Input.Changed) -> None:
        self._settings()

    def on_switch_changed(self, event: Switch.Changed) -> None:
        self._settings()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_start()

    def on_start_switch_submitted(self, event: StartSwitch.Submitted) -> None:
        self.action_start()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_start() if event.button.id == "start" else self.action_cancel()

    def action_start(self) -> None:
        seed, settings = self._settings()
        if self.errors:
            name, message = next(iter(self.errors.items()))
            self.notify(message, title="Generate: fix this first", severity="error")
            return
        self.dismiss((seed, settings))

    def action_cancel(self) -> None:
        self.dismiss(None)


class VocabularyScreen(Dialog[tuple[str, str | None] | None]):
    """A model without a word_index: fit the tokenizer on a text, or step raw ids."""

    AUTO_FOCUS = "#vocab-text"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="vocab.cancel"),
                Binding("ctrl+r", "raw", "Raw ids", id="vocab.raw")]

    def __init__(self, model_path: str, text: str, characters: bool = False,
                 check: Callable[[str], object] | None = None) -> None:
        """check: called with the text's path; a LabError refuses it (said in the dialog)."""
        super().__init__()
        self.model_path, self.text = model_path, text
        self.characters = characters  # one-hot characters: their list, no raw ids
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(classes="model-dialog"):
            if self.characters:
                yield Label(Text(f"{self.model_path} reads one-hot characters"),
                            classes="dialog-title")
                yield Static("Which character each row stands for comes from the text it was "
                             "trained on: sorted(set(text)), lower-cased, newlines as spaces, "
                             "as keras.io's character-level recipe builds it.")
            else:
                yield Label(Text(f"{self.model_path} has no word_index"), classes="dialog-title")
                yield Static("Its ids mean no words yet. Fit the tokenizer on a text (ids beyond "
                             "the model's Embedding become <OOV>; the words it was trained on "
                             "give the right ones), or step raw ids (type them as a sentence: "
                             "3 5 7).")
            with Horizontal(classes="form-row"):
                yield Label("fit on text", classes="form-name")
                yield Input(self.text, id="vocab-text", compact=True)
            yield Static("", id="vocab-error", classes="form-message -error")
            with Horizontal(classes="buttons"):
                yield Button("Fit characters (enter)" if self.characters else
                             "Fit tokenizer (enter)", id="fit", variant="primary", compact=True)
                if not self.characters:
                    yield Button("Raw ids (ctrl+r)", id="raw", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._fit()

    def _fit(self) -> None:
        text = self.query_one("#vocab-text", Input).value.strip()
        if not text:
            self.notify("give the path of a text file", severity="error")
            return
        if self.check is not None:
            try:
                self.check(text)
            except LabError as error:
                line = self.query_one("#vocab-error", Static)
                line.update(Text(f"✗ {error}"))
                line.display = True
                return
        self.dismiss(("fit", text))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        {"fit": self._fit, "raw": self.action_raw, "cancel": self.action_cancel}[event.button.id]()

    def action_raw(self) -> None:
        if not self.characters:
            self.dismiss(("raw", None))

    def action_cancel(self) -> None:
        self.dismiss(None)
