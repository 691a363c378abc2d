"""Settings: every LabConfig field by its Keras name, validated as you type.

A value is checked with LabConfig.replace (no TensorFlow); its message appears beside the
field. Nothing reaches the lab until ctrl+s / Apply, and then `lab.configure` checks again
(a LabError there is a notification; the lab keeps its state).

Below them, the display's own settings (digits): the view's, not the lab's (view.py), so
applying them rebuilds nothing and keeps the step.
"""

from __future__ import annotations

import dataclasses

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Input, Label, Select, Static, Switch

from tui_lab import config as config_module
from tui_lab.config import CELL_TITLES, PADDING_CHOICES, LabConfig
from tui_lab.errors import LabError
from tui_lab.tui.screens.dialog import Dialog
from tui_lab.tui.view import DEFAULT_DIGITS, MAX_DIGITS, MIN_DIGITS, check_digits

HINTS = {
    "cell": "SimpleRNN, LSTM or GRU (keras.layers.*Cell)",
    "units": "size of h (and c): the last dim of every output",
    "embedding_dim": "Embedding(output_dim=...): features of x_t",
    "num_words": "Tokenizer(num_words=...), Embedding(input_dim=...)",
    "maxlen": "pad_sequences(maxlen=...); empty = longest line",
    "padding": "pad_sequences(padding=...): zeros 'pre' or 'post'",
    "truncating": "pad_sequences(truncating=...): cut 'pre' or 'post'",
    "go_backwards": "the layer reads the sequence last-to-first",
    "mask_padding": "Embedding(mask_zero=True): pad steps carry the state",
    "use_bias": "the cell's use_bias",
    "reset_after": "GRU only: reset gate after the matmul (Keras default)",
    "seed": "seed of the initial weights",
    "engine": "what computes each step (the layer checks both)",
    "stateful": "the next line starts from this one's final state",
    "dropout": "fraction of x_t dropped, 0 <= p < 1 (with training on)",
    "recurrent_dropout": "fraction of h_(t-1) dropped (with training on)",
    "training": "call the cell with training=True: dropout masks apply (D)",
    "digits": f"decimals of every number shown, {MIN_DIGITS} to {MAX_DIGITS} (< / >); "
              f"the view only",
}
FRACTIONS = ("dropout", "recurrent_dropout")  # typed as decimals, not whole numbers
DISPLAY = ("digits",)  # the view's settings, after the LabConfig fields
CHOICES = {"cell": [(title, cell) for cell, title in CELL_TITLES.items()],
           "padding": [(p, p) for p in PADDING_CHOICES],
           "truncating": [(p, p) for p in PADDING_CHOICES]}
CHOICES["engine"] = [(config_module.ENGINE_TITLES[e], e) for e in config_module.ENGINES]


def parse(name: str, text: str):
    """The typed text as the field's value; LabError if it is not a number where one is needed."""
    text = text.strip()
    if name == "maxlen" and text.lower() in ("", "none"):
        return None
    if name in FRACTIONS:
        try:
            return float(text)
        except ValueError:
            raise LabError(f"{name} must be a number such as 0.2, not {text!r}") from None
    try:
        return int(text)
    except ValueError:
        raise LabError(f"{name} must be a whole number, not {text!r}") from None


def switch_word(value: bool) -> str:
    return "on" if value else "off"


class SettingsScreen(Dialog[dict | None]):
    AUTO_FOCUS = "#set-cell"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="settings.cancel"),
                Binding("ctrl+s", "apply", "Apply", id="settings.apply")]

    def __init__(self, config: LabConfig, digits: int = DEFAULT_DIGITS) -> None:
        super().__init__()
        self.config = config
        self.values = config.as_dict()
        self.view_opened = {"digits": digits}  # the view's settings when opened
        self.view_values = dict(self.view_opened)  # and as typed
        self.errors: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="settings"):
            yield Label("Settings (Keras names) · tab moves · ctrl+s applies · escape cancels",
                        id="settings-title")
            names = [field.name for field in dataclasses.fields(LabConfig)] + list(DISPLAY)
            for name in names:
                value = self.values[name] if name in self.values else self.view_values[name]
                with Horizontal(classes="setting"):
                    yield Label(name, classes="setting-name")
                    if name in CHOICES:
                        yield Select(CHOICES[name], value=value, allow_blank=False, compact=True,
                                     id=f"set-{name}", classes="setting-field")
                    elif isinstance(value, bool):  # on/off in words too: NO_COLOR shows no slider
                        yield Switch(value, id=f"set-{name}", classes="setting-field")
                        yield Label(switch_word(value), id=f"state-{name}", classes="switch-state")
                    else:
                        yield Input("" if value is None else str(value), compact=True,
                                    id=f"set-{name}", classes="setting-field")
                    yield Static(HINTS.get(name, ""), id=f"msg-{name}", classes="setting-message")
            with Horizontal(id="settings-buttons"):
                yield Button("Apply (ctrl+s)", id="apply", variant="primary", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)
        yield Footer()

    def _check(self, name: str, raw, typed: bool = False) -> None:
        message = self.query_one(f"#msg-{name}", Static)
        try:
            value = parse(name, raw) if typed else raw
            if name in DISPLAY:
                check_digits(value)
            else:
                self.config.replace(**{**self.values, name: value})
        except LabError as error:
            self.errors[name] = str(error)
            message.update(Text(f"✗ {error}"))  # Text: the typed value is not markup
            message.add_class("-error")
        else:
            (self.view_values if name in DISPLAY else self.values)[name] = value
            self.errors.pop(name, None)
            message.update(HINTS.get(name, "") if value == self._opened(name) else f"✓ {HINTS.get(name, '')}")
            message.remove_class("-error")

    def on_input_changed(self, event: Input.Changed) -> None:
        self._check(event.input.id.removeprefix("set-"), event.value, typed=True)

    def on_select_changed(self, event: Select.Changed) -> None:
        self._check(event.select.id.removeprefix("set-"), event.value)

    def on_switch_changed(self, event: Switch.Changed) -> None:
        name = event.switch.id.removeprefix("set-")
        self.query_one(f"#state-{name}", Label).update(switch_word(event.value))
        self._check(name, event.value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_apply() if event.button.id == "apply" else self.action_cancel()

    def action_apply(self) -> None:
        if self.errors:
            name, message = next(iter(self.errors.items()))
            self.notify(f"fix {name} first: {message}", title="Settings: not applied",
                        severity="error")
            return
        changes = {k: v for k, v in {**self.values, **self.view_values}.items()
                   if v != self._opened(k)}
        self.dismiss(changes or None)

    def _opened(self, name: str):
        """The setting's value when the screen opened."""
        return self.view_opened[name] if name in DISPLAY else getattr(self.config, name)

    def action_cancel(self) -> None:
        self.dismiss(None)
