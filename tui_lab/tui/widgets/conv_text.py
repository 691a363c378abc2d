"""What the Conv1D view shows (pure formatting of a core.conv.Conv1DStepper and the lab's
latest Snapshot): the tokens with the window marked, the Keras check, the table of outputs per
position beside the recurrent state, and the current position's sum written out.

Marks are characters as well as styles, so NO_COLOR shows them: the window's taps are in
[brackets], a tap on the layer's zero padding is [∅], the current table row starts with ▶.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from tui_lab.config import CELL_TITLES
from tui_lab.core.conv import recurrent_state_at
from tui_lab.tui.widgets.header import window as fit_around
from tui_lab.tui.widgets.labels import clip, pad_left, token_at
from tui_lab.tui.widgets.style import agreement, number

WINDOW, NEXT, ZERO, PAD = "reverse bold", "underline", "italic", "dim"
WORD_CELLS = 10
WIDE = 120  # from this many columns the table has a token column
MAX_ROWS = 200


def word(conv, row: int, position: int) -> str:
    """The word at a padded position of a batch row ('pad' at padding), or 'x[p]' for vectors."""
    if not 0 <= position < conv.timesteps:
        return "∅"
    if conv.snapshot.batch.rows is None:
        return f"x[{position}]"
    return token_at(conv.snapshot, position, row, cells=WORD_CELLS, oov_mark="")


def about(conv, row: int, width: int) -> Text:
    """Two rows: what is stepped over which input, and the layer's settings."""
    snapshot, settings = conv.snapshot, conv.settings
    label = snapshot.batch.labels[row] if snapshot.sentence is None else "the typed line"
    rows = f" (row {row + 1} of {conv.x.shape[0]})" if conv.x.shape[0] > 1 else ""
    cell = CELL_TITLES[snapshot.config.cell]
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"Conv1D over {label}{rows}: a window of {settings.span} "
                f"position{'s' if settings.span > 1 else ''} vs the "
                f"{cell}'s carried state\n", "bold")
    text.append(f"filters={settings.filters} kernel_size={settings.kernel_size} "
                f"padding='{settings.padding}' dilation_rate={settings.dilation_rate} "
                f"activation='{settings.activation}'")
    if width >= WIDE:
        text.append(f" · kernel {tuple(conv.kernel.shape)} GlorotUniform, bias zeros, "
                    f"from seed {snapshot.config.seed}")
    return text


def tokens(conv, row: int, width: int) -> Text:
    """Two rows: the tokens (the window's taps in brackets) and their positions under them,
    cut around the window to fit width cells. Positions outside 0..T-1 are the layer's zeros."""
    p = conv.position if conv.position is not None else 0
    window = conv.window(p)
    taps = set(window.taps)
    first = min(0, window.taps[0])
    last = max(conv.timesteps - 1, window.taps[-1])
    if conv.settings.padding != "valid":  # the zeros the layer adds, even outside this window
        first = min(first, -conv.settings.left_padding())
        last = max(last, conv.timesteps - 1 + conv.settings.span - 1
                   - conv.settings.left_padding())

    def cell(i: int) -> tuple[str, str, str]:
        position = first + i
        text = word(conv, row, position)
        inside = 0 <= position < conv.timesteps
        style = PAD if text == "pad" else ("" if inside else ZERO)
        if position in taps:
            text, style = f"[{text}]", WINDOW if conv.position is not None else NEXT
        label = str(position) if inside else "·"
        size = max(cell_len(text), len(label))
        return text + " " * (size - cell_len(text)), pad_left(label, size), style

    count = last - first + 1
    room = max(10, width - 4)
    middle = (window.taps[0] + window.taps[-1]) // 2 - first
    shown = fit_around(count, lambda i: cell_len(cell(i)[0]) + 1, middle, room)
    top, bottom = Text(no_wrap=True), Text(no_wrap=True)
    for line in (top, bottom):
        line.append("…" if shown.start > 0 else " ", "dim")
    for i in shown:
        text, label, style = cell(i)
        top.append(text, style)
        top.append(" ")
        bottom.append(label, "dim" if style in (ZERO, PAD) else "")
        bottom.append(" ")
    if shown.stop < count:
        top.append("…", "dim")
    return Text("\n").join([top, bottom])


def check(conv) -> Text:
    """The result, then on a line of its own (nothing cut at 80 columns) what was compared."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append("Keras check: ", "bold")
    shapes = f"keras.layers.Conv1D, x {tuple(conv.x.shape)} → {tuple(conv.keras_output.shape)}"
    if conv.position is None:
        text.append(f"step once to compare with\n  {shapes}, same weights")
    else:
        text.append(f"max |error| {agreement(conv.max_abs_error)} (positions 0..{conv.position})"
                    f"\n  vs {shapes}, same weights")
    return text


def table(conv, snapshot, row: int, digits: int, width: int) -> Text:
    """A row per output position stepped: its window, the filters' outputs, and beside them
    the lab's h after the step that read the window's last position."""
    cell = digits + 3
    wide = width >= WIDE
    same_input = snapshot is not None and snapshot.batch is conv.snapshot.batch
    cell_name = CELL_TITLES[conv.snapshot.config.cell]
    # The rows before the current one, at most MAX_ROWS of them (a long line run to its end
    # would otherwise be one Static of 100,000 rows, remade on every key).
    shown = range(max(0, conv.stepped - MAX_ROWS), conv.stepped)
    windows = {p: conv.window(p).describe() for p in shown}
    wcells = min(max([6] + [cell_len(w) for w in windows.values()]), 23 if wide else 11)
    filters = " ".join(pad_left(f"f{f}", cell) for f in range(conv.settings.filters))
    head = f"  {'pos':>3} {'window':<{wcells}} " + (f"{'newest':<{WORD_CELLS}} " if wide else "")
    text = Text(no_wrap=True)
    text.append(f"{head}{filters} │ {cell_name} h_t at the window's last position\n",
                "bold underline")
    if shown.start:
        text.append(f"  … positions 0..{shown.start - 1} above (home goes back)\n", "italic")
    for p in shown:
        window = conv.window(p)
        current = p == conv.position
        text.append("▶ " if current else "  ", "bold" if current else "")
        text.append(f"{p:>3} {clip(windows[p], wcells):<{wcells}} ", "bold" if current else "")
        if wide:
            newest = word(conv, row, window.newest) if window.newest is not None else "∅"
            text.append(f"{newest:<{WORD_CELLS}} ")
        values = conv.outputs[row, p]
        text.append(" ".join(number(float(v), cell, digits) for v in values),
                    "reverse" if current else "")
        text.append(" │ ")
        text.append(_state(snapshot, same_input, window.newest, row, cell, digits))
        text.append("\n")
    if not conv.stepped:
        text.append("  space steps the window to the first position\n", "italic")
    text.rstrip()
    return text


def _state(snapshot, same_input: bool, position, row: int, cell: int, digits: int) -> Text:
    if not same_input:
        return Text("the lab's input changed: reopen with K", "italic")
    step, h = recurrent_state_at(snapshot, position)
    if step is None:
        return Text("reads only zeros", "italic")
    if h is None:
        return Text(f"t{step}: not stepped (lab at t{snapshot.t})", "dim italic")
    return Text(f"t{step} " + " ".join(number(float(v), cell, digits) for v in h[row]))


def detail(conv, snapshot, row: int, digits: int) -> Text:
    """The current position's sum, one tap per row: what it reads, x, and x @ kernel[j]."""
    text = Text(no_wrap=True)
    p = conv.position
    if p is None:
        return text
    cell = digits + 3
    window = conv.window(p)
    inputs, terms = conv.window_inputs(p)[row], conv.tap_terms(p)[row]
    d = conv.x.shape[2]
    x_head = "x (zeros at ∅)"
    x_cells = max(d * (cell + 1) - 1, len(x_head))
    text.append(f"Position {p}: activation(Σ_j x[tap j] @ kernel[j] + bias)\n", "bold")
    text.append(f"{'tap':>3} {'pos':>3} {'token':<{WORD_CELLS}} {x_head:<{x_cells}}  "
                "x @ kernel[j]\n", "underline")
    for j, tap in enumerate(window.taps):
        zero = window.zero_padded[j]
        xs = " ".join(number(float(v), cell, digits) for v in inputs[j])
        text.append(f"{j:>3} {'∅' if zero else tap:>3} {word(conv, row, tap):<{WORD_CELLS}} "
                    f"{xs:<{x_cells}}  ", ZERO if zero else "")
        text.append(" ".join(number(float(v), cell, digits) for v in terms[j]) + "\n")
    lead = " " * (3 + 1 + 3 + 1 + WORD_CELLS + 1 + x_cells + 2)
    for name, values, style in (
            ("+ bias", conv.bias, ""),
            ("= sum (pre-activation)", conv.pre_activations[row, p], ""),
            (f"{conv.settings.activation}(sum) = output", conv.outputs[row, p], "bold")):
        label = name.rjust(len(lead) - 1) + " "
        text.append(label + " ".join(number(float(v), cell, digits) for v in values) + "\n",
                    style)
    text.append(_contrast(conv, snapshot, window), "italic")
    return text


def _contrast(conv, snapshot, window) -> str:
    cell = CELL_TITLES[conv.snapshot.config.cell]
    seen = ", ".join(map(str, window.inside)) or "only zeros"
    step, _ = recurrent_state_at(snapshot, window.newest) if snapshot is not None else (None, None)
    if step is None:
        return f"This output saw positions {seen} and nothing else."
    return (f"This output saw positions {seen} and nothing else;\nthe {cell}'s h after step "
            f"{step} (position {window.newest}) carries a state from every step before it.")
