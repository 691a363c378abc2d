"""Embeddings: the vector x_t the Embedding layer gives each padded position (one row each).

In a batch it shows one batch row, the one in focus (y cycles it): its ids, tokens and
vectors, every column headed with the row's number ('2:id', '2:x0'), so a label never stands
beside another row's numbers."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from tui_lab.core.snapshot import Snapshot
from tui_lab.tui.view import View
from tui_lab.tui.widgets.focus import ScrollFocus
from tui_lab.tui.widgets.grid import Block, NumberGrid
from tui_lab.tui.widgets.labels import row_prefix, token_at
from tui_lab.tui.widgets.static import show_text


def embedding_legend(snapshot: Snapshot, padded: bool) -> str:
    """What the table is, where its numbers come from and, when the row has padding, whether
    a step reads the pad id's row (a learner comparing with the notebook asks both)."""
    config = snapshot.config
    legend = (f"Embedding(input_dim={config.num_words}, output_dim={snapshot.batch.x.shape[2]}):"
              f" x_t = row id")
    if snapshot.model is not None:
        return snapshot.model.reads or legend + " of its table, trained with the model"
    if not snapshot.weights_source.startswith("seed"):
        return legend + f" of its table, from {snapshot.weights_source}"
    legend += (f", random from {snapshot.weights_source} (the notebook's was random too, from "
               f"its own seed: other numbers)")
    if padded:  # the pad id's row is as random as any other: say whether a step reads it
        legend += ("\npad id 0: a random row too, never read while mask is on (now; z: off)"
                   if config.mask_padding else
                   "\npad id 0: a random row too, read by pad steps while mask is off (now; "
                   "z: on)")
    return legend


class EmbeddingsPanel(Vertical, ScrollFocus, can_focus=True):
    """One row per padded position; a step only moves the ▶ marker (the rows stay)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._widest: tuple[object, int, int] = (None, 0, 0)  # (batch, row, widest row label)

    def compose(self) -> ComposeResult:
        yield Static("", classes="legend", id="embeddings-legend")
        yield NumberGrid("pos   id token", id="embeddings-grid")

    def show(self, snapshot: Snapshot, view: View = View()) -> None:
        batch, row = snapshot.batch, view.row
        x = batch.x
        prefix = row_prefix(snapshot, row)
        blocks = [Block(prefix + "x", x[row])]
        rows = batch.rows
        if rows is not None:
            legend = embedding_legend(snapshot, bool(batch.pad_mask[row].any()))
        else:
            legend = f"raw input vectors: {x.shape[2]} features per timestep"
        show_text(self.query_one("#embeddings-legend", Static), legend)
        width = max(3, len(str(snapshot.timesteps)))
        id_width = max(4, len(prefix) + 2)

        def label(position: int) -> str:
            if rows is None:  # raw vectors: no id, no token
                return f"{position:>{width}}"
            ident = str(int(rows[row].padded[position]))
            return f"{position:>{width}} {ident:>{id_width}} {token_at(snapshot, position, row)}"

        if self._widest[0] is not batch or self._widest[1] != row:
            self._widest = batch, row, max(cell_len(label(p))
                                           for p in range(min(snapshot.timesteps, 256)))
        # The rows are the batch's: the same batch object and row, the same rows.
        self.query_one(NumberGrid).set_data(
            snapshot.timesteps, label, blocks, snapshot.position, self._widest[2],
            dim_row=lambda p: bool(batch.pad_mask[row, p]),
            title=(f"{'pos':>{width}}" if rows is None
                   else f"{'pos':>{width}} {prefix + 'id':>{id_width}} {prefix}token"),
            key=(batch, row), digits=view.digits)
