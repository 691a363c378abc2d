"""The dropout masks (key D): which input features and which recurrent units each step drops,
for the batch row in focus, from the snapshot (core/dropout.py draws them with Keras).

Keras draws one mask per sequence and applies it at every step, so every row of the table is
the same: that is the point it shows. ■ kept (scaled by 1/(1-p)), · dropped (0).
"""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from tui_lab.tui.screens.dialog import Dialog
from tui_lab.tui.widgets.labels import step_label

SHOWN = 16  # cells of one mask drawn per gate; the rest is counted


def pattern(mask: np.ndarray) -> str:
    """■ kept · dropped for the first SHOWN entries, then how many more."""
    cells = "".join("■" if value > 0 else "·" for value in mask[:SHOWN])
    return cells + (f"…+{len(mask) - SHOWN}" if len(mask) > SHOWN else "")


def _kept(masks: np.ndarray, row: int, gates: tuple[str, ...]) -> str:
    per_gate = [f"{gates[g] + ' ' if len(masks) > 1 else ''}{int((m[row] > 0).sum())}/"
                f"{m.shape[1]}" for g, m in enumerate(masks)]
    return ", ".join(per_gate)


def _header(text: Text, what: str, name: str, rate: float, masks, row: int, gates) -> None:
    text.append(f"{what}: ", "bold")
    if masks is None:
        text.append(f"{name}=0, no mask\n")
        return
    scale = 1 / (1 - rate)
    per = f"one mask per gate ({' '.join(gates)})" if len(masks) > 1 else "one mask for every gate"
    text.append(f"{name}={rate:g}: kept × {scale:.3f} (1/(1-p)), dropped × 0; {per}; kept "
                f"{_kept(masks, row, gates)}\n")


def masks_text(snapshot, row: int) -> tuple[Text, Text]:
    """(what the masks are, the table of the masks at every step) for batch row `row`
    (0-based); without masks, why there are none and an empty table."""
    config, masks = snapshot.config, snapshot.dropout_masks
    text = Text()
    if masks is None:
        if not config.training:
            text.append("training is off: Keras applies no dropout mask", "bold")
            text.append(f" (dropout={config.dropout:g}, recurrent_dropout="
                        f"{config.recurrent_dropout:g} are used only when the cell is called "
                        f"with training=True: turn training on in the settings, s)\n")
        else:
            text.append("training is on but dropout and recurrent_dropout are 0: no mask",
                        "bold")
            text.append(" (set them in the settings, s)\n")
        text.rstrip()
        return text, Text()
    rows = snapshot.batch_size
    text.append(f"{config.cell_title}Cell(dropout={masks.dropout:g}, recurrent_dropout="
                f"{masks.recurrent_dropout:g}, seed={masks.seed}), training=True", "bold")
    text.append(f" · batch row {row + 1} of {rows}\n" if rows > 1 else "\n")
    _header(text, "x_t", "dropout", masks.dropout, masks.input, row, masks.gates)
    _header(text, "h_(t-1)", "recurrent_dropout", masks.recurrent_dropout, masks.recurrent, row,
            masks.gates)
    text.append("■ kept · dropped. Keras draws one mask per sequence from the seed and uses it "
                "at every step (a reseed draws new ones)", "italic")
    intro, text = text, Text(no_wrap=True, overflow="ellipsis")  # a step's masks: one line
    columns = []
    if masks.input is not None:
        columns.append(("x_t features", masks.input))
    if masks.recurrent is not None:
        columns.append(("h_(t-1) units", masks.recurrent))
    cells = {name: " ".join(pattern(m[row]) for m in array) for name, array in columns}
    width = max(len(step_label(snapshot, k, row)) for k in range(snapshot.timesteps))
    heads = [f"{name}{' (' + ' '.join(masks.gates) + ')' if len(array) > 1 else ''}"
             for name, array in columns]
    widths = [max(len(head), len(cells[name])) for head, (name, _) in zip(heads, columns)]
    text.append(f" {'t pos token':<{width}} " + "  ".join(
        head.ljust(w) for head, w in zip(heads, widths)) + "\n", "bold")
    for k in range(snapshot.timesteps):
        current = k == snapshot.t - 1
        text.append(("▶" if current else " ") + step_label(snapshot, k, row).ljust(width) + " ",
                    "reverse" if current else "")
        text.append("  ".join(cells[name].ljust(w) for (name, _), w in zip(columns, widths)))
        text.append("\n")
    text.rstrip()
    return intro, text


class DropoutScreen(Dialog[None]):
    """The dropout masks of the input being stepped (or why there are none)."""

    BINDINGS = [Binding("escape", "close", "Close", id="dropout.close"),
                Binding("D", "close", "Close", id="dropout.close.again")]

    def __init__(self, snapshot, row: int = 0) -> None:
        super().__init__()
        self.snapshot, self.row = snapshot, row

    def compose(self) -> ComposeResult:
        with Vertical(classes="dropout-dialog"):
            yield Label("Dropout masks", classes="dialog-title")
            intro, table = masks_text(self.snapshot, self.row)
            yield Static(intro, id="dropout-intro")
            if table.plain:  # no table without masks
                with VerticalScroll(id="dropout-scroll"):
                    yield Static(table, id="dropout-masks")
            yield Static("↑/↓ pgup/pgdn scroll · escape closes" if table.plain else
                         "escape closes", classes="legend")

    def on_mount(self) -> None:
        for scroll in self.query(VerticalScroll):
            scroll.focus()

    def action_close(self) -> None:
        self.dismiss(None)
