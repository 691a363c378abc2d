"""Embeddings: the vector x_t the Embedding layer gives each padded position (one row each)."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from tui_lab.tui.widgets.grid import Block, NumberGrid
from tui_lab.tui.widgets.labels import token_at
from tui_lab.tui.widgets.static import show_text


class EmbeddingsPanel(Vertical):
    """One row per padded position; a step only moves the ▶ marker (the rows stay)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._widest: tuple[object, int] = (None, 0)  # (batch, widest row label)

    def compose(self) -> ComposeResult:
        yield Static("", classes="legend", id="embeddings-legend")
        yield NumberGrid("pos   id token", id="embeddings-grid")

    def show(self, snapshot) -> None:
        batch = snapshot.batch
        x = batch.x
        many = snapshot.batch_size > 1
        blocks = [Block((f"{b + 1}:" if many else "") + "x", x[b]) for b in range(snapshot.batch_size)]
        rows = batch.rows
        if rows is not None:
            legend = (f"Embedding(input_dim={snapshot.config.num_words}, output_dim="
                      f"{x.shape[2]}): row id of the table = x_t; trained with the model")
        else:
            legend = f"raw input vectors: {x.shape[2]} features per timestep"
        show_text(self.query_one("#embeddings-legend", Static), legend)
        width = max(3, len(str(snapshot.timesteps)))

        def label(position: int) -> str:
            ident = "" if rows is None else str(int(rows[0].padded[position]))
            return f"{position:>{width}} {ident:>4} {token_at(snapshot, position)}"

        if self._widest[0] is not batch:
            self._widest = batch, max(cell_len(label(p)) for p in range(min(snapshot.timesteps, 256)))
        # The rows are the batch's: the same batch object, the same rows.
        self.query_one(NumberGrid).set_data(
            snapshot.timesteps, label, blocks, snapshot.position, self._widest[1],
            dim_row=lambda p: bool(batch.pad_mask[0, p]),
            title=f"{'pos':>{width}} {'id':>4} token", key=batch)
