"""The app's session: what was open, so that the next start picks up where the last one ended.

The session is the text (a file, or the built-in lyrics) or a typed sentence, the selected
lines, every setting, the step, an open trained model, the theme and the view (the batch row
in focus, the digits). It is kept as JSON in the
user's config directory, `$XDG_CONFIG_HOME/tui-lab/session.json` (`~/.config/tui-lab/` by
default), readable by the user only (it names the files they opened). A file that cannot be
used (not JSON, another version, a bad setting) is set aside as `session.json.bad` and the lab
starts fresh: a session is a convenience, never a reason not to start.

No Textual and no TensorFlow here: the command line reads the session before the first paint.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tui_lab.config import LabConfig
from tui_lab.core import files
from tui_lab.core.dirs import config_dir
from tui_lab.errors import LabError
from tui_lab.tui.view import DEFAULT_DIGITS, View

VERSION = 1
# A session names files and settings: with every line of a 100,000-line text selected and
# marked it is about 2 MiB. A bigger file is not one the app wrote; reading it whole (and
# restoring a 50 MB sentence or 16 million selected lines) would hold up the start.
MAX_SESSION_BYTES = 4 << 20


def session_path() -> Path:
    return config_dir() / "session.json"


@dataclass(frozen=True)
class Session:
    text: str | None = None  # a text file's absolute path; None: the lesson's lyrics
    vectors: str | None = None  # or an input vectors file (.npy / .json)
    selection: tuple[int, ...] = ()
    sentence: str | None = None  # a typed sentence, if that was the input
    settings: dict = field(default_factory=dict)  # LabConfig fields
    step: int = 0
    model: dict | None = None  # path, layer, direction, word_index, fit_text, raw_ids
    theme: str | None = None
    marks: tuple[int, ...] = ()  # lines marked for a batch
    cursor: int | None = None  # the line cursor
    digits: int = DEFAULT_DIGITS  # decimals of the numbers shown (view.py)
    row: int = 0  # the batch row in focus, 0-based

    def to_json(self) -> str:
        return json.dumps({"version": VERSION, **dataclasses.asdict(self)}, indent=1,
                          ensure_ascii=False)


def _check(value, kind, name: str):
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ValueError(f"{name} has the wrong type")
    return value


def _numbers(value, name: str) -> tuple[int, ...]:
    return tuple(_check(n, int, name) for n in _check(value, list, name))


def parse(data) -> Session:
    """A Session from the JSON's data; ValueError saying what is wrong."""
    _check(data, dict, "the session")
    if data.get("version") != VERSION:
        raise ValueError(f"it is version {data.get('version')!r}, this lab reads version {VERSION}")
    optional_str = (str, type(None))
    settings = _check(data.get("settings", {}), dict, "settings")
    known = {f.name for f in dataclasses.fields(LabConfig)}
    settings = {k: v for k, v in settings.items() if k in known}  # a newer lab's extra ones
    try:
        LabConfig(**settings)
    except LabError as error:
        raise ValueError(f"a setting is wrong: {error}") from None
    try:  # (a session from before the view was saved has neither: the defaults)
        view = View(row=data.get("row", 0), digits=data.get("digits", DEFAULT_DIGITS))
    except LabError as error:
        raise ValueError(f"the view is wrong: {error}") from None
    model = _check(data.get("model"), (dict, type(None)), "model")
    if model is not None:
        _check(model.get("path"), str, "model path")
    return Session(
        text=_check(data.get("text"), optional_str, "text"),
        vectors=_check(data.get("vectors"), optional_str, "vectors"),
        selection=_numbers(data.get("selection", []), "selection"),
        sentence=_check(data.get("sentence"), optional_str, "sentence"),
        settings=settings,
        step=_check(data.get("step", 0), int, "step"),
        model=model,
        theme=_check(data.get("theme"), optional_str, "theme"),
        marks=_numbers(data.get("marks", []), "marks"),
        cursor=_check(data.get("cursor"), (int, type(None)), "cursor"),
        digits=view.digits,
        row=view.row,
    )


def load(path: Path | None = None) -> tuple[Session | None, str | None]:
    """(the saved session or None, a notice for the user or None). Never raises: a file that
    cannot be used is renamed to session.json.bad and the notice says so."""
    path = path or session_path()
    if not os.path.lexists(path):
        return None, None
    try:  # a regular file within the limit (a FIFO or a 50 MB file: refused at once)
        raw = files.read_bytes(path, "session file", MAX_SESSION_BYTES).decode("utf-8")
    except LabError as error:
        reason = str(error)
    except UnicodeDecodeError as error:
        reason = str(error)
    else:
        try:
            return parse(json.loads(raw)), None
        except ValueError as error:  # json.JSONDecodeError is a ValueError too
            reason = str(error)
    bad = path.with_name(path.name + ".bad")
    try:
        os.replace(path, bad)
    except OSError:
        return None, f"the last session ({path}) could not be used ({reason}); starting fresh"
    return None, (f"the last session could not be used ({reason}); it was kept as {bad} and the "
                  f"lab starts fresh")


def _refuse_read_only(path: Path) -> None:
    """PermissionError if the session file, or the folder it would be written in (the
    nearest one that exists), is read-only by its mode bits: judged as for a user (the
    files module's read_only), so running as root, which the kernel lets write anything,
    the app still leaves a folder or file made read-only alone."""
    for target in (path, *path.parents):
        try:
            st = os.stat(target)
        except FileNotFoundError:
            continue
        if files.read_only(st):
            raise PermissionError(errno.EACCES, f"{target} is read-only", str(target))
        if target != path:
            return  # the first folder that exists is where the new ones are made


def save(session: Session, path: Path | None = None) -> None:
    """Write the session atomically (a crash never leaves half a file); OSError if it cannot."""
    path = path or session_path()
    _refuse_read_only(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".session.", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:  # mkstemp: 0600, the user's only
            out.write(session.to_json() + "\n")
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
