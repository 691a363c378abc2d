"""Layer readout: what keras.layers.<Cell> returns for this input, filled in as the steps reach it.

In a batch the values are those of the batch row in focus (y cycles it), and it says which."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical

from tui_lab.core.snapshot import Snapshot
from tui_lab.tui.view import View
from tui_lab.tui.widgets.static import show_text
from tui_lab.tui.widgets.style import agreement, layer_agreement, number, shape
from tui_lab.tui.widgets.text_lines import TextLines

SEQUENCE_ROWS = 8


def _values(vector, digits: int, limit: int = 8) -> str:
    values = " ".join(number(float(v), digits=digits) for v in vector[:limit])
    return values + (f" …+{len(vector) - limit}" if len(vector) > limit else "")


def _table(text: Text, rows: list[tuple[str, ...]]) -> None:
    """Append rows as columns two spaces apart, the first row (the header) and the last
    column bold: what rich's Table(box=None, pad_edge=False) draws, as plain Text, which is
    cheap to compare and render on every step."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    last = len(widths) - 1
    for n, row in enumerate(rows):
        for i, (cell, width) in enumerate(zip(row, widths)):
            padded = (" " if i else "") + cell.ljust(width) + (" " if i < last else "")
            text.append(padded, "bold" if n == 0 or i == last else "")
        text.append("\n")


CHAIN_SHOWN = 4  # the stateful layer's last calls named


def _stateful_lines(body: Text, snapshot: Snapshot) -> None:
    """What Keras' stateful layer was called on, in order, how its outputs compare with the
    steps, and where h0 comes from."""
    calls = snapshot.stateful_calls
    body.append("stateful: ", "bold")
    if calls:
        shown = (["…"] if len(calls) > CHAIN_SHOWN else []) + list(calls[-CHAIN_SHOWN:])
        body.append(f"called on {' → '.join(shown)} ({len(calls)} call"
                    f"{'s' if len(calls) > 1 else ''} since reset)\n  its outputs vs the steps: ")
        body.append(layer_agreement(snapshot.max_abs_error, "not run yet"), "bold")
        body.append("\n")
    else:
        body.append("the layer has not run on this input yet\n", "italic")
    origin = snapshot.initial_state_origin
    body.append("  initial state: ")
    body.append(origin, "bold" if origin.startswith("carried") else "")
    body.append(" (ctrl+r resets)\n" if origin.startswith("carried") else
                " (the next line starts from this one's final state)\n")


def _after_text_lines(body: Text, snapshot: Snapshot, row: int, digits: int) -> None:
    """Padding stepped after the text (no mask): how far it moved the state."""
    after = snapshot.after_text(row)
    if after is None:
        return
    step, pads, distance = after
    body.append("after the text: ", "bold")
    body.append(f"{pads} pad step{'s' if pads != 1 else ''} stepped after step {step} "
                f"(no mask skips them)\n  they moved h by ‖h_{snapshot.t} − h_{step}‖ = "
                f"{distance:.{digits}f}\n")


def _head(snapshot: Snapshot) -> Text:
    """The call, its input's shape, the engine, and what each return_* pair returns."""
    config = snapshot.config
    B, T, units = snapshot.batch_size, snapshot.timesteps, snapshot.units
    features = snapshot.batch.x.shape[2]
    lstm = snapshot.c is not None
    states = ["h", "c"] if lstm else ["h"]
    head = Text()
    # Short lines, never wrapped: what is wider than the panel (many digits or units)
    # scrolls sideways (← → when focused) instead of breaking the columns.
    stateful = ", stateful=True" if config.stateful else ""
    head.append(f"keras.layers.{config.cell_title}({units}, go_backwards={config.go_backwards}"
                f"{stateful})", "bold")
    head.append(f"\n  on x {shape(B, T, features)} = (batch, timesteps, features)\n")
    if snapshot.dropout_masks is not None:  # a fresh layer with the same seed: same masks
        head.append(f"  dropout={config.dropout:g}, recurrent_dropout="
                    f"{config.recurrent_dropout:g}, seed={config.seed}, training=True "
                    f"(D: the masks)\n")
    head.append("engine: ", "bold")
    states_arg = "[h, c]" if lstm else "[h]"
    if snapshot.dropout_masks is not None:  # core/dropout.py: not the compiled cell
        head.append(f"{'the Keras cell' if config.engine == 'keras' else 'numpy equations'}"
                    f" with the masks: cell(x_t, {states_arg}, training=True), eager")
    else:
        head.append(config.engine_title)
        if config.engine == "keras":
            head.append(f": cell(x_t, {states_arg}) each step")
    head.append("\n\n")
    table = [("return_sequences", "return_state", "returns", "shapes")]
    seq, last = shape(B, T, units), shape(B, units)
    for rs in (False, True):
        for st in (False, True):
            first = "sequence" if rs else "output"
            names = f"[{first}, {', '.join(states)}]" if st else first
            shapes = " ".join([seq if rs else last] + ([last] * len(states) if st else []))
            table.append((str(rs), str(st), names, shapes))
    _table(head, table)
    head.rstrip()
    return head


class LayerPanel(Vertical):
    """Two texts: the call and its shapes (they change with the settings) above the values
    (they change on every step), so a step re-renders only the lower one."""

    _head_key: tuple | None = None  # what the head was made for

    def compose(self) -> ComposeResult:
        self._head, self._values = TextLines(), TextLines()
        yield self._head
        yield self._values

    @property
    def content(self) -> Text:
        """Everything the panel shows, as one text."""
        parts = [self._head.content, self._values.content]
        return Text("\n").join(p if isinstance(p, Text) else Text(str(p)) for p in parts)

    def show(self, snapshot: Snapshot, view: View = View()) -> None:
        config = snapshot.config
        B, T, units = snapshot.batch_size, snapshot.timesteps, snapshot.units
        lstm = snapshot.c is not None
        # The call and its shapes change with the settings, not with a step: made again only
        # when what they say changes.
        head_key = (config, B, T, snapshot.batch.x.shape[2], units, lstm,
                    snapshot.dropout_masks is not None)
        if head_key != self._head_key:
            self._head_key, self._head_text = head_key, _head(snapshot)
        head = self._head_text
        body = Text()
        if config.stateful:
            _stateful_lines(body, snapshot)
        r, digits = view.row, view.digits
        _after_text_lines(body, snapshot, r, digits)
        row = f" (batch row {r + 1} of {B})" if B > 1 else ""
        layer_ready = snapshot.layer_sequence is not None
        if snapshot.at_end and layer_ready:
            final = snapshot.layer_states
            hint = " (y: next row)" if B > 1 else ""  # the key that no row was reachable by
            # The layer runs unedited: with edits its values are not States' (said, and the
            # edited run's beside them).
            layer = "the Keras layer, unedited" if snapshot.edits else "the layer"
            body.append(f"final values{row}, last step of {layer}{hint}:\n", "bold")
            body.append("  output = sequence[:, -1] ")
            body.append(_values(snapshot.layer_sequence[r, -1], digits) + "\n")
            body.append("  state h                  ")
            body.append(_values(final[0][r], digits) + "\n")
            if lstm:
                body.append("  state c                  ")
                body.append(_values(final[1][r], digits) + "\n")
            body.append("  (h = output: the output IS h" +
                        ("; c, the cell state, is never output)\n" if lstm else ")\n"), "italic")
            if snapshot.edits:
                body.append("the edited run's final state (States, ✎):\n", "bold")
                body.append("  h ✎                      ")
                body.append(_values(snapshot.h[-1, r], digits) + "\n")
                if lstm:
                    body.append("  c ✎                      ")
                    body.append(_values(snapshot.c[-1, r], digits) + "\n")
        else:
            body.append(f"final output and states: step to the end ({snapshot.t}/{T}) to fill them in\n",
                        "italic")
        # One short line: Layer never wraps, and at 80 columns all of it must show.
        order = ("sequence[:, k] is the state after position T-1-k (read last to first)"
                 if config.go_backwards else "sequence[:, k] is the state after position k")
        # The layer runs the input unedited: with edits, States differs from here on purpose.
        unedited = " (the layer, unedited: W compares)" if snapshot.edits else ""
        body.append(f"sequence{row}{unedited}:\n", "bold")
        body.append(f"  {order}\n", "italic")
        start = max(0, min(snapshot.t - SEQUENCE_ROWS, T - SEQUENCE_ROWS))
        for k in range(start, min(T, start + SEQUENCE_ROWS)):
            position = int(snapshot.order[k])
            body.append(f"  k={k:<3} pos {position:<3}", "reverse" if k == snapshot.t - 1 else "")
            if k < snapshot.t and layer_ready:
                body.append(" " + _values(snapshot.layer_sequence[r, k], digits) + "\n")
            else:
                body.append("   ·  not reached yet\n", "dim")
        if snapshot.edits:  # the layer runs unedited: only the steps before the edit compare
            body.append("max |error| steps before the first edit vs layer: ", "bold")
            body.append(layer_agreement(snapshot.max_abs_error, "no step before it"))
        else:
            body.append(f"max |error| steps vs {'stateful ' if config.stateful else ''}layer: ",
                        "bold")
            body.append(layer_agreement(snapshot.max_abs_error, "layer not run yet"))
        body.append("\nnumpy equations vs cell: ", "bold")
        body.append(agreement(snapshot.gate_max_abs_error))
        body.append(" (a: the exact values)", "italic")
        widest = max(cell_len(line) for part in (head, body) for line in part.plain.split("\n"))
        if self.styles.min_width is None or self.styles.min_width.value != widest:
            self.styles.min_width = widest  # wider than the panel: it scrolls sideways
        show_text(self._head, head)
        show_text(self._values, body)
