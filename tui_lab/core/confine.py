"""A served lab's files (`tui-lab serve`): its browser user is not the server's user.

Every path typed in the lab resolves inside the class folder (--root); `..` that climbs out
of it, an absolute path elsewhere and a link that leads out are refused, each in one line.
Without a root nothing can be opened by path (tui/served.py opens shipped models by name).
Beside the root a served lab reads only the lab's own shipped files (the lyrics, the shipped
models), and writes only in its scratch folder, a temporary folder of its own removed at exit
(Keras' files, a model just trained before the browser downloads it). core/files asks
`check` before every read and write, so nothing else slips through (a word_index beside a
model, a task's .tsv).
"""

from __future__ import annotations

import os
from pathlib import Path

from tui_lab.errors import LabError


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _shown(typed: str) -> str:
    return repr(typed if len(typed) <= 60 else f"{typed[:40]}...{typed[-15:]}")


class Confinement:
    """The folders a served lab may touch: root (reads; None: no folder at all), shipped
    (reads: the lab's assets) and scratch (reads and writes)."""

    def __init__(self, root: Path | None, scratch: Path, shipped: Path) -> None:
        self.root = os.path.realpath(root) if root is not None else None
        self.scratch = os.path.realpath(scratch)
        self.shipped = os.path.realpath(shipped)

    def resolve(self, typed: str) -> Path:
        """The file a path typed by the browser user names: relative to the root, or
        absolute inside it (or among the shipped files); LabError saying why not."""
        text = typed.strip()
        if self.root is None:
            raise LabError("refused: this class has no folder of files; open a shipped model "
                           "by name (lyrics, memory-lstm, recall-gru ...)")
        if text.startswith("~"):  # the server user's home, whatever follows
            raise LabError(f"refused: {_shown(text)} is outside the class folder")
        absolute = os.path.isabs(text)
        lexical = os.path.normpath(text if absolute else os.path.join(self.root, text))
        real = os.path.realpath(lexical)
        if _inside(real, self.shipped):  # the lyrics, a shipped model: the lab's own files
            return Path(real)
        if not _inside(lexical, self.root):
            if absolute:
                raise LabError(f"refused: {_shown(text)} is outside the class folder")
            raise LabError(f"refused: {_shown(text)} climbs out of the class folder (..)")
        if not _inside(real, self.root):
            raise LabError(f"refused: {_shown(text)} is a link that leads out of the class "
                           f"folder")
        return Path(real)

    def check(self, path, write: bool = False) -> None:
        """Before the lab reads (or writes) path: LabError unless it is allowed."""
        real = os.path.realpath(path)
        if _inside(real, self.scratch):
            return
        if write:
            raise LabError(f"refused: a lab in the browser writes no file on the server "
                           f"({_shown(str(path))}); exports are downloads")
        if not (_inside(real, self.shipped) or self.root is not None and
                _inside(real, self.root)):
            raise LabError(f"refused: {_shown(str(path))} is outside the class folder")
