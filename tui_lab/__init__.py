"""tui-lab: step recurrent networks (SimpleRNN, LSTM, GRU) one timestep at a time.

    from tui_lab import Lab
    lab = Lab()              # the lesson: The Great Pretender, LSTM with 4 units, maxlen 7
    lab.step()
    print(lab.snapshot().h)  # (steps taken, batch, units)

Importing this package does not import TensorFlow; the first operation that needs it does.
"""

from .config import LabConfig
from .controller import Lab, Snapshot
from .errors import LabError

__all__ = ["Lab", "LabConfig", "LabError", "Snapshot"]
__version__ = "0.1.0"
