"""Import TensorFlow and Keras lazily and quietly.

TensorFlow takes seconds to import and writes log lines straight to file descriptor 2,
which would scribble over a Textual screen and break "one clear line on stderr". So every
module asks for Keras through `keras()` here, which imports once, with fd 2 pointed at
/dev/null for the duration.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from types import ModuleType

_lock = threading.Lock()
_keras: ModuleType | None = None


def _quiet_environment() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    # Keras' progress bars and absl would otherwise talk to the terminal.
    os.environ.setdefault("ABSL_MIN_LOG_LEVEL", "3")
    # Importing Keras writes ~/.keras/keras.json if it is not there. A user who has no
    # ~/.keras gets none from the lab: Keras' files go to the lab's cache directory instead.
    if "KERAS_HOME" not in os.environ and not (Path.home() / ".keras").exists():
        from tui_lab.core.dirs import cache_dir

        os.environ["KERAS_HOME"] = str(cache_dir() / "keras")


def is_loaded() -> bool:
    return _keras is not None


def keras() -> ModuleType:
    """The keras module, importing TensorFlow on first use (thread-safe)."""
    global _keras
    if _keras is not None:
        return _keras
    with _lock:
        if _keras is None:
            _quiet_environment()
            sys.stderr.flush()
            saved = os.dup(2)
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, 2)
                import tensorflow as tf
                import keras as keras_module

                tf.get_logger().setLevel("ERROR")
                # Fill TF's lazy modules while fd 2 is still quiet.
                from tensorflow.keras.preprocessing import text as _text  # noqa: F401
            finally:
                os.dup2(saved, 2)
                os.close(saved)
                os.close(devnull)
            _keras = keras_module
    return _keras


def tensorflow() -> ModuleType:
    keras()
    import tensorflow as tf

    return tf


def tokenizer_module() -> ModuleType:
    """Keras' Tokenizer module (the lesson's `tensorflow.keras.preprocessing.text`)."""
    keras()
    from tensorflow.keras.preprocessing import text

    return text
