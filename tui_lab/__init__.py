"""tui-lab: step recurrent networks (SimpleRNN, LSTM, GRU) one timestep at a time.

    from tui_lab import Lab
    lab = Lab()              # the lesson: The Great Pretender, LSTM with 4 units, maxlen 7
    lab.step()
    print(lab.snapshot().h)  # (steps taken, batch, units)

Importing this package does not import TensorFlow; the first operation that needs it does.
"""

from tui_lab.config import LabConfig
from tui_lab.core.lab import Lab, Snapshot
from tui_lab.errors import LabError

__all__ = ["Lab", "LabConfig", "LabError", "Snapshot", "generate", "open_model"]
__version__ = "0.1.0"


def __getattr__(name: str):
    """generate and open_model (the trained models' room) load on first use: the app's first
    paint and `tui-lab --help` do not wait for modules they do not need."""
    if name == "generate":
        from tui_lab.trained.generation import generate

        return generate
    if name == "open_model":
        from tui_lab.trained.loading import open_model

        return open_model
    raise AttributeError(f"module 'tui_lab' has no attribute {name!r}")
