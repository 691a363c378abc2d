"""What the app may call on a lab: the one interface `Lab` and `trained.lab.ModelLab` share.

The app (tui_lab.tui) drives whichever lab is open through these members only; anything
model-specific (layers, directions, generation) it reaches after checking that the lab is a
ModelLab. Both classes implement every member explicitly (tests/core/test_protocol.py).

Note: before Python 3.12, isinstance(x, LabLike) reads every property, and reading
`timesteps` builds the lab (imports TensorFlow); check the class instead when that matters.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol, runtime_checkable

from tui_lab.config import LabConfig
from tui_lab.core.snapshot import Snapshot
from tui_lab.core.vocabulary import Vocabulary

Progress = Callable[[int, int], None]  # progress(done, total)
Cancelled = Callable[[], bool]  # true: stop at the last step computed


@runtime_checkable
class LabLike(Protocol):
    # ----- reading (available before TensorFlow is loaded, except timesteps) ------------------
    @property
    def config(self) -> LabConfig: ...

    @property
    def lines(self) -> tuple[str, ...]: ...

    @property
    def selection(self) -> tuple[int, ...]: ...

    @property
    def source_name(self) -> str: ...

    @property
    def is_lyrics(self) -> bool: ...

    @property
    def is_built(self) -> bool: ...

    @property
    def t(self) -> int: ...

    @property
    def timesteps(self) -> int: ...

    def build(self) -> None: ...

    def warm_up(self) -> None: ...

    def snapshot(self, layer: bool = True) -> Snapshot: ...

    def vocabulary(self) -> Vocabulary: ...

    # ----- stepping -----------------------------------------------------------------------------
    def step(self) -> bool: ...

    def back(self) -> bool: ...

    def reset(self) -> None: ...

    def seek(self, t: int, progress: Progress | None = None,
             cancelled: Cancelled | None = None) -> bool: ...

    def run_to_end(self, progress: Progress | None = None,
                   cancelled: Cancelled | None = None) -> bool: ...

    # ----- the debugger (core/debugger.py) --------------------------------------------------------
    def run_until(self, condition, progress: Progress | None = None,
                  cancelled: Cancelled | None = None, next_word=None): ...

    def describe_miss(self, condition, since: int, next_word=None) -> str: ...

    def edit_state(self, state: str = "h", unit: int = 0, value: float = 0.0,
                   row: int | None = None): ...

    def undo(self) -> bool: ...

    # ----- how far back a state reaches (core/sensitivity.py) -------------------------------------
    def sensitivity(self, t: int | None = None, compiled: bool | None = None): ...

    # ----- input --------------------------------------------------------------------------------
    def open_text(self, path: str | Path, progress: Progress | None = None,
                  cancelled: Cancelled | None = None) -> None: ...

    def open_vectors(self, path: str | Path) -> None: ...

    def select_lines(self, numbers) -> None: ...

    def type_sentence(self, sentence: str) -> None: ...

    # ----- settings -----------------------------------------------------------------------------
    def configure(self, **changes) -> None: ...

    def reseed(self, seed: int | None = None) -> None: ...


MEMBERS = ("config", "lines", "selection", "source_name", "is_lyrics", "is_built", "t",
           "timesteps", "build", "warm_up", "snapshot", "vocabulary", "step", "back", "reset",
           "seek", "run_to_end", "run_until", "describe_miss", "edit_state", "undo", "sensitivity", "open_text",
           "open_vectors",
           "select_lines", "type_sentence",
           "configure", "reseed")
