import pytest

from tui_lab import tf_loader


@pytest.fixture(scope="session")
def keras():
    """Keras, imported once per test session (quietly, as the lab does)."""
    return tf_loader.keras()
