"""Training the lesson's next-word model on the open text, from the app.

A small form (cell, units, embedding size, epochs, seed, where to save), each field checked
beside it as you type; then `training.train` runs in a thread worker. Each epoch posts a
progress message (coalesced: a newer one replaces a waiting one, and each carries the whole
loss history), shown as a progress bar and a loss plot. Escape cancels between two batches:
`train` writes nothing until the end, so no file is left behind and the lab is untouched. When
training ends the app opens the model in the lab (`on_trained`).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Label, ProgressBar, Select, Static, Switch

from tui_lab.config import CELL_TITLES, MAX_EMBEDDING_DIM, MAX_UNITS
from tui_lab.errors import LabError
from tui_lab.tui.screens.confirm import ReplaceScreen, existing
from tui_lab.tui.screens.dialog import Dialog

MAX_EPOCHS = 10_000
SPARKS = "▁▂▃▄▅▆▇█"


def loss_plot(losses, width: int = 40, height: int = 4) -> list[str]:
    """Rows of a small bar plot (top row first): one column per epoch (averaged into `width`
    columns when there are more), from a little below the lowest loss (an eighth of a row) to
    the highest (full height), so a small fall still shows."""
    values = [v for v in losses if math.isfinite(v)]
    if not values:
        return []
    if len(values) > width:
        buckets = [values[i * len(values) // width:(i + 1) * len(values) // width]
                   for i in range(width)]
        values = [sum(b) / len(b) for b in buckets if b]
    top, low = max(values), min(values)
    low -= (top - low) / (height * 8 - 1) if top > low else 1.0
    span = top - low
    levels = [round((v - low) / span * height * 8) for v in values]
    rows = []
    for row in range(height - 1, -1, -1):
        line = ""
        for level in levels:
            part = level - row * 8
            line += "█" if part >= 8 else (SPARKS[part - 1] if part > 0 else " ")
        rows.append(line)
    return rows


@dataclass(frozen=True)
class TrainOptions:
    text: Path | None  # None: the built-in lyrics
    output: Path
    cell: str
    bidirectional: bool
    units: int
    embedding_dim: int
    epochs: int
    seed: int


class TrainingProgress(Message):
    """An epoch ended. Carries the whole history, so a newer one can replace a waiting one."""

    def __init__(self, epoch: int, epochs: int, losses: tuple[float, ...], accuracy: float):
        super().__init__()
        self.epoch, self.epochs, self.losses, self.accuracy = epoch, epochs, losses, accuracy

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TrainingProgress)


class TrainingEnded(Message):
    def __init__(self, result=None, error: str | None = None, cancelled: bool = False):
        super().__init__()
        self.result, self.error, self.cancelled = result, error, cancelled


class TrainingCancelled(Exception):
    """Raised from the Keras callback to stop model.fit before anything is saved."""


def check_output(text: str, place: Callable[[str], Path] | None = None) -> Path:
    """The model file typed; place: where a name goes (a served lab: its scratch folder)."""
    if not text.strip():
        raise LabError("give a file name ending in .keras")
    from tui_lab.trained.training import check_output as check_model_path  # no TensorFlow import

    return check_model_path(place(text) if place else Path(text.strip()))


FIELDS = {  # name: (label, low, high, hint)
    "units": ("units", 1, MAX_UNITS, "size of h (and c)"),
    "embedding_dim": ("embedding", 1, MAX_EMBEDDING_DIM, "Embedding output_dim"),
    "epochs": ("epochs", 1, MAX_EPOCHS, "passes over every line's prefixes"),
    "seed": ("seed", 0, 2**31 - 1, "same seed, same weights"),
}


class TrainScreen(Dialog[None]):
    AUTO_FOCUS = "#train-units"
    BINDINGS = [Binding("escape", "cancel", "Cancel / close", id="train.cancel"),
                Binding("ctrl+s", "start", "Start", id="train.start")]

    def __init__(self, text: Path | None, text_name: str, lines: int, output: str,
                 on_trained: Callable[[Path], None], cell: str = "lstm",
                 on_output: Callable[[str], None] | None = None,
                 place: Callable[[str], Path] | None = None) -> None:
        """on_output: told each output name typed (the app offers it again next time).
        place: the file a typed name stands for (a served lab: a file in its scratch folder,
        downloaded by the browser once trained)."""
        super().__init__()
        self.text, self.text_name, self.lines = text, text_name, lines
        self.output, self.on_trained, self.cell = output, on_trained, cell
        self.on_output = on_output
        self.place = place
        self.errors: dict[str, str] = {}
        self.running = False
        self.finished = False
        self._cancel = threading.Event()

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="model-dialog"):
            yield Label(Text(f"Train a next-word model on {self.text_name} ({self.lines} lines)"),
                        classes="dialog-title")  # Text: a file name is not markup
            yield Static("Embedding → recurrent layer → Dense softmax, on every line's n-gram "
                         "prefixes, as in the lesson · ctrl+s starts · escape cancels",
                         classes="legend")
            with VerticalScroll(id="train-form"):
                with Horizontal(classes="form-row"):
                    yield Label("cell", classes="form-name")
                    yield Select([(t, c) for c, t in CELL_TITLES.items()], value=self.cell,
                                 allow_blank=False, compact=True, id="train-cell",
                                 classes="form-field")
                    yield Static("the recurrent layer", classes="form-message")
                with Horizontal(classes="form-row"):
                    yield Label("bidirectional", classes="form-name")
                    yield Switch(False, id="train-bidirectional", classes="form-field")
                    yield Static("wrap it in Bidirectional", classes="form-message")
                defaults = {"units": 32, "embedding_dim": 16, "epochs": 50, "seed": 0}
                for name, (label, _, _, hint) in FIELDS.items():
                    with Horizontal(classes="form-row"):
                        yield Label(label, classes="form-name")
                        yield Input(str(defaults[name]), id=f"train-{name}", compact=True,
                                    classes="form-field")
                        yield Static(hint, id=f"train-msg-{name}", classes="form-message")
                with Horizontal(classes="form-row"):
                    yield Label("save as", classes="form-name")
                    yield Input(self.output, id="train-output", compact=True, classes="form-field")
                    yield Static("", id="train-msg-output", classes="form-message")
            with Horizontal(classes="buttons"):
                yield Button("Train (ctrl+s)", id="start", variant="primary", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)
                yield ProgressBar(total=None, show_eta=False, id="train-progress")
            yield Static("", id="train-status")
            yield Static("", id="train-plot")

    def on_mount(self) -> None:
        self.query_one(ProgressBar).display = False  # until training starts
        self._options()

    # ----- the form -----------------------------------------------------------------------------
    def _options(self) -> TrainOptions | None:
        self.errors.clear()
        values = {}
        for name, (label, low, high, hint) in FIELDS.items():
            raw = self.query_one(f"#train-{name}", Input).value.strip()
            try:
                value = int(raw)
            except ValueError:
                self.errors[name] = f"{label} must be a whole number, not {raw!r}"
            else:
                if not low <= value <= high:
                    self.errors[name] = f"{label} must be from {low} to {high:,}, not {value}"
                values[name] = value
        output = None
        try:
            output = check_output(self.query_one("#train-output", Input).value, self.place)
        except LabError as error:
            self.errors["output"] = str(error)
        for name, (_, _, _, hint) in {**FIELDS, "output": ("", 0, 0, "")}.items():
            message = self.query_one(f"#train-msg-{name}", Static)
            error = self.errors.get(name)
            if name == "output" and not error:
                hint = (f"{output.name} exists: you will be asked before it is replaced"
                        if output.exists() else "+ its word_index beside it" if not self.place
                        else "downloaded with its word_index, as a .zip")
            message.update(Text(f"✗ {error}" if error else hint))  # typed text: not markup
            message.set_class(bool(error), "-error")
        if self.errors:
            return None
        return TrainOptions(self.text, output, self.query_one("#train-cell", Select).value,
                            self.query_one("#train-bidirectional", Switch).value, **values)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "train-output" and self.on_output is not None:
            self.on_output(event.value)
        if not self.running:
            self._options()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_start()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_start() if event.button.id == "start" else self.action_cancel()

    # ----- training -----------------------------------------------------------------------------
    def action_start(self) -> None:
        if self.running or self.app.screen is not self:  # e.g. the replace question is up
            return
        options = self._options()
        if options is None:
            name, message = next(iter(self.errors.items()))
            self.notify(message, title="Train: fix this first", severity="error")
            return
        from tui_lab.trained.loading import word_index_path

        there = existing(options.output, word_index_path(options.output))
        if there:
            def answered(replace: bool | None) -> None:
                if replace:
                    self._begin(options)
                else:
                    self._set_status(Text("nothing was replaced: give another name to save as",
                                          "bold"))

            self.app.push_screen(ReplaceScreen(there), answered)
            return
        self._begin(options)

    def _begin(self, options: TrainOptions) -> None:
        if self.running or not self.is_attached:
            return
        self.running, self.finished = True, False
        self._cancel.clear()
        self.query_one("#train-form").disabled = True
        self.query_one("#start", Button).disabled = True
        bar = self.query_one(ProgressBar)
        bar.update(total=options.epochs, progress=0)
        bar.display = True
        self._set_status(Text("preparing the n-gram prefixes and building the model…", "italic"))
        self.query_one("#train-plot", Static).update("")
        self._train(options)

    @work(thread=True, exclusive=True, group="train")
    def _train(self, options: TrainOptions) -> None:
        from tui_lab.core import tf_loader
        from tui_lab.trained.training import train

        cancel, screen, losses = self._cancel, self, []
        try:
            keras = tf_loader.keras()

            class Progress(keras.callbacks.Callback):
                def on_train_batch_end(self, batch, logs=None):
                    if cancel.is_set():
                        raise TrainingCancelled()

                def on_epoch_end(self, epoch, logs=None):
                    logs = logs or {}
                    losses.append(float(logs.get("loss", math.nan)))
                    screen.post_message(TrainingProgress(epoch + 1, options.epochs, tuple(losses),
                                                         float(logs.get("accuracy", math.nan))))

            result = train(options.text, options.output, cell=options.cell, units=options.units,
                           embedding_dim=options.embedding_dim, bidirectional=options.bidirectional,
                           epochs=options.epochs, seed=options.seed, callbacks=[Progress()])
        except TrainingCancelled:
            self.post_message(TrainingEnded(cancelled=True))
        except LabError as error:
            self.post_message(TrainingEnded(error=str(error)))
        except Exception as error:  # never a traceback on the terminal
            self.post_message(TrainingEnded(error=f"{type(error).__name__}: {error}"))
        else:
            self.post_message(TrainingEnded(result=result))

    def on_training_progress(self, message: TrainingProgress) -> None:
        if not self.running:
            return
        self.query_one(ProgressBar).update(total=message.epochs, progress=message.epoch)
        status = Text()
        status.append(f"epoch {message.epoch}/{message.epochs}", "bold")
        status.append(f" · loss {message.losses[-1]:.4f} · accuracy {message.accuracy:.4f}")
        status.append(" · escape cancels", "italic")
        self._set_status(status)
        self._plot(message.losses)

    def _plot(self, losses) -> None:
        width = max(10, min(60, (self.query_one("#train-plot").size.width or 70) - 14))
        rows = loss_plot(losses, width)
        text = Text()
        labels = ["loss", "", "", ""]
        values = [f"{max(losses):.3f}", "", "", f"{min(losses):.3f}"]
        for label, value, row in zip(labels, values, rows):
            text.append(f"{label:<5}{value:>7} ┤", "dim")
            text.append(row + "\n", "green")
        text.append(f"{'':12} └ epochs 1-{len(losses)}: loss {losses[0]:.3f} → {losses[-1]:.3f}",
                    "dim")
        self.query_one("#train-plot", Static).update(text)

    def on_training_ended(self, message: TrainingEnded) -> None:
        self.running = False
        self.query_one("#train-form").disabled = False
        self.query_one("#start", Button).disabled = False
        if message.cancelled:
            self.query_one(ProgressBar).display = False
            self._set_status(Text("cancelled: nothing was written, the lab is as it was · "
                                  "escape closes", "bold"))
            self.notify("training cancelled: nothing was written", title="Train")
        elif message.error is not None:
            self._set_status(Text(f"✗ {message.error}", "bold red"))
            self.notify(message.error, title="Train: not done", severity="error", timeout=8)
        else:
            result = message.result
            self.finished = True
            self._set_status(Text(
                f"done: wrote {result.model_path.name} and {result.word_index_path.name} (loss "
                f"{result.loss:.4f}, accuracy {result.accuracy:.4f}). It is open in the lab: "
                f"escape to step it.", "bold"))
            self.on_trained(result.model_path)

    def _set_status(self, text) -> None:
        self.query_one("#train-status", Static).update(text)

    def action_cancel(self) -> None:
        if self.running:
            self._cancel.set()
            self._set_status(Text("cancelling after this batch…", "italic"))
            return
        self.dismiss(None)
