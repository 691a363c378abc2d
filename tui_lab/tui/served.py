"""A lab served to a browser tab (`tui-lab serve`): what it does unlike a lab in a terminal.

cli/launch.py makes a Served for the hidden --served option and hands it to LabApp. The
browser user is not the server's user: a path typed in a dialog (open, fit text) resolves
inside the class folder (core/confine.py) or names a shipped model; exports, trained models
and screenshots reach the browser as downloads (Textual's App.deliver_binary), from memory
or from the lab's scratch folder, which is removed when the lab ends.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from textual.message import Message

from tui_lab.core.confine import Confinement
from tui_lab.errors import LabError


class DownloadReady(Message):
    """From a worker: bytes for the browser to download as name."""

    def __init__(self, name: str, data: bytes) -> None:
        super().__init__()
        self.name, self.data = name, data


class Served:
    def __init__(self, confinement: Confinement) -> None:
        self.confinement = confinement
        self.scratch = Path(confinement.scratch)

    def open_path(self, typed: str) -> Path:
        """A file to read: a shipped model by name (as --model takes it, unless the class
        folder has a file of that name), else a path inside the class folder."""
        from tui_lab.trained.tasks import shipped_models

        name = typed.strip()
        shipped = shipped_models()
        root = self.confinement.root
        if name in shipped and (root is None or not (Path(root) / name).exists()):
            return shipped[name]
        return self.confinement.resolve(name)

    @staticmethod
    def download_name(typed: str, example: str = "trace.json") -> str:
        """The name a download gets: a file name, with no folder (the browser picks where
        it goes)."""
        name = typed.strip()
        if "/" in name or "\\" in name or name in (".", ".."):
            raise LabError(f"refused: the file goes to your browser's downloads: give a name "
                           f"without folders, such as {example}")
        if len(name.encode()) > 255:
            raise LabError("refused: the name is too long (at most 255 bytes)")
        return name

    def train_output(self, typed: str) -> Path:
        """Where training writes the model before the browser downloads it: the scratch."""
        return self.scratch / self.download_name(typed, "song_lstm.keras")

    @staticmethod
    def zipped(*paths: Path) -> bytes:
        """Files as one .zip: one download (a browser may block a second one that no key
        press started), the model beside its word_index as tui-lab opens them."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in paths:
                archive.write(path, path.name)
        return buffer.getvalue()

    @staticmethod
    def deliver(app, message: DownloadReady) -> None:
        app.deliver_binary(io.BytesIO(message.data), save_filename=message.name)
        app.notify(f"{message.name}: your browser downloads it", title="Download")
