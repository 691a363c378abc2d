import pytest

from tui_lab.core import tf_loader


@pytest.fixture(scope="session")
def keras():
    """Keras, imported once per test session (quietly, as the lab does)."""
    return tf_loader.keras()


@pytest.fixture(autouse=True)
def own_config_dirs(tmp_path_factory, monkeypatch):
    """No test reads or writes the user's real config or cache (the app's session lives
    there): every test, and every process it starts, gets empty ones of its own."""
    root = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(root / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(root / "cache"))
    return root
