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


@pytest.fixture(autouse=True)
def still_cursors(request, monkeypatch):
    """In the app's tests, text cursors do not blink: a snapshot taken half a second after
    the last key (a loaded machine) must not catch a cursor mid-blink. Only the blink's
    default changes; the cursor is drawn as it always is."""
    if "tui" not in request.path.parts:
        return
    from textual.widgets import Input

    monkeypatch.setattr(Input.cursor_blink, "_default", False)


# ----- odd text: in the core's tokenizer tests and in the app's panels ---------------------------
class OddFile(tuple):
    """(path, long_line); .lines: the odd lines (pilot.ODD) before a blank line and the 1 MB line."""

    lines: tuple[str, ...] = ()


@pytest.fixture
def odd_file(tmp_path):
    from pilot import ODD

    long_line = " ".join(f"w{i % 5000}" for i in range(190_000))  # about 1 MB
    assert len(long_line) > 1_000_000
    text = "\ufeff" + "\r\n".join(ODD + ["", long_line]) + "\r\n"
    path = tmp_path / "odd.txt"
    path.write_bytes(text.encode())
    odd = OddFile((path, long_line))
    odd.lines = tuple(ODD)
    return odd
