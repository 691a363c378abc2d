"""Where the lab keeps its own files, as the XDG Base Directory spec says: the session in
`$XDG_CONFIG_HOME/tui-lab` (`~/.config/tui-lab`), Keras' config in `$XDG_CACHE_HOME/tui-lab`
(`~/.cache/tui-lab`). Everything else is written only where the user points the lab."""

from __future__ import annotations

import os
from pathlib import Path

APP_DIR = "tui-lab"


def _xdg(variable: str, default: str) -> Path:
    # An unset, empty or relative value means the default (the spec says to ignore it).
    value = os.environ.get(variable, "")
    return Path(value) if os.path.isabs(value) else Path.home() / default


def config_dir() -> Path:
    return _xdg("XDG_CONFIG_HOME", ".config") / APP_DIR


def cache_dir() -> Path:
    return _xdg("XDG_CACHE_HOME", ".cache") / APP_DIR
