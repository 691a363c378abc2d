"""What the lab knows of a model's recurrent layer, shared by loading.py and layer_run.py."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RecurrentLayer:
    """One recurrent layer of a model, as the lab sees it."""

    name: str
    cell: str  # simple_rnn, lstm or gru
    units: int  # per direction
    input_dim: int
    bidirectional: bool
    merge_mode: str | None  # Bidirectional only
    return_sequences: bool
    go_backwards: bool  # of the (forward) layer
    depth: int  # 1 reads the embeddings, 2 reads layer 1's sequence ...

    def describe(self) -> str:
        from tui_lab.config import CELL_TITLES

        kind = CELL_TITLES[self.cell]
        if self.bidirectional:
            kind = f"Bidirectional({kind}), merge {self.merge_mode}"
        what = "every step" if self.return_sequences else "last step"
        return f"{self.name}: {kind}, {self.units} units, input {self.input_dim}, outputs {what}"


def output_only(value):
    """A layer called with return_state=True gives [output, *states]; keep the output."""
    return value[0] if isinstance(value, (list, tuple)) else value
