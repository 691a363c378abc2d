"""`tui-lab serve` in a real browser (Debian's chromium, driven by Playwright): a student's
tab shows the lab and steps it, opens only the class folder's files, exports as a download;
each tab has a lab process of its own, a tab past --max-sessions is told the class is full,
a closed tab's lab ends, and ctrl+c leaves no process behind.

The screen is read from the page's terminal (tui_lab/cli/browser.py: SCREEN_JS)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess

import pytest

from tui_lab.cli import browser

pytestmark = pytest.mark.browser
START_S = 120  # a generous bound for a lab to start on a loaded machine (not a measurement)
END_S = 20  # ... and for processes to end


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    """A class folder (a song, a link out of it to a private file), a server for two tabs
    over it, and the server's temporary folder (to see that nothing is left in it)."""
    home = tmp_path_factory.mktemp("classroom")
    root, outside, temp = home / "class", home / "home", home / "tmp"
    for folder in (root, outside, temp):
        folder.mkdir()
    (root / "song.txt").write_text("the cat sat\nthe dog ran far away\n")
    (outside / "secret.txt").write_text("private words\n")
    (root / "out.txt").symlink_to(outside / "secret.txt")
    server, url = browser.start_server("--root", str(root), "--max-sessions", "2",
                                       env={"TMPDIR": str(temp)})
    yield server, url, root, temp
    stop(server)


def stop(server) -> None:
    """End a server a test started, if the test did not."""
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def screen(page) -> str:
    return page.evaluate("__lab.screen()")


def wait_for(page, *texts: str, timeout: float = START_S) -> None:
    from playwright.sync_api import TimeoutError

    try:
        page.wait_for_function("texts => texts.every(t => __lab.screen().includes(t))",
                               arg=list(texts), timeout=timeout * 1000)
    except TimeoutError:
        raise AssertionError(f"{texts} not on screen after {timeout} s:\n{screen(page)}") \
            from None


def labs(server) -> list[int]:
    return browser.children(server.pid)


@pytest.fixture
def tab(classroom, context):
    """A new tab on the class's page; closed after the test, and its lab then ends."""
    server, url, _, _ = classroom
    page = context.new_page()
    page.goto(url)
    yield page
    page.close()
    assert browser.wait_until(lambda: not labs(server), END_S), "a closed tab's lab still runs"


def type_path(page, text: str) -> None:
    """Type text in the dialog's field, as it shows it, and Enter. (Keys typed within a few
    milliseconds of the dialog's first frame can reach the screen under it before the field
    takes the focus: a person is not that fast, so the test types again until it shows.)"""
    for _ in range(3):
        page.keyboard.press("Control+u")  # the field's text before the cursor (all of it)
        page.keyboard.type(text)
        try:
            wait_for(page, f"  {text} ", timeout=5)
            break
        except AssertionError:
            continue
    page.keyboard.press("Enter")


def test_a_tab_shows_the_lab_and_keys_step_it(classroom, tab):
    server, page = classroom[0], tab
    wait_for(page, "Oh-oh, yes, I'm the great pretender")  # the lyrics, the first screen
    before_tensorflow = "Loading TensorFlow" in screen(page)
    wait_for(page, "step 0/7")
    for _ in range(3):  # no click: the page gives the terminal the keys
        page.keyboard.press("Space")
    wait_for(page, "step 3/7", "LSTM step 3/7: position 2 'yes'")  # status bar, Gates
    shown = screen(page)
    assert "Oh-oh, yes, I'm the great pretender" in shown and "States h_t / c_t" in shown
    # each unit's state after step 3, beside its trajectory (the three steps so far)
    assert all(re.search(fr"{unit} \S{{3}} [+-]\d\.\d{{3}}", shown) for unit in ("h0", "c0"))
    assert before_tensorflow  # the lyrics were on screen while TensorFlow was loading
    [lab] = labs(server)
    page.keyboard.press("q")  # the lab ends, and its page says so
    page.wait_for_function("document.body.classList.contains('-closed')", timeout=END_S * 1000)
    assert "The lab has ended" in page.inner_text("body")
    assert browser.wait_until(lambda: not browser.alive(lab), END_S)


def test_open_refuses_paths_out_of_the_class_folder(tab):
    page = tab
    wait_for(page, "step 0/7")
    page.keyboard.press("o")
    wait_for(page, "Open a file")
    for typed, why in (("../../etc/passwd", "climbs out of the class folder"),
                       ("/etc/passwd", "is outside the class folder"),
                       ("out.txt", "is a link that leads out of the class folder")):
        type_path(page, typed)
        wait_for(page, f"refused: '{typed}' {why}", timeout=60)
    assert "private words" not in screen(page)
    type_path(page, "song.txt")  # inside the class folder: it opens
    wait_for(page, "the dog ran far away", timeout=60)


def test_export_is_a_download_and_leaves_nothing_on_the_server(classroom, tab):
    server, url, root, temp = classroom
    page = tab
    before = sorted(os.listdir(root))
    wait_for(page, "step 0/7")
    page.keyboard.press("Space")
    wait_for(page, "step 1/7")
    page.keyboard.press("e")
    wait_for(page, "Export the trace")
    with page.expect_download(timeout=60_000) as download:
        page.keyboard.press("Enter")  # the name offered: trace.json
    assert download.value.suggested_filename == "trace.json"
    trace = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert len(trace["steps"]) == 7 and trace["config"]["cell"] == "lstm"
    assert sorted(os.listdir(root)) == before
    # The lab's scratch folder holds only Keras' config and TensorFlow's generated code
    scratch = [name for _, _, names in os.walk(temp) for name in names]
    assert scratch and all(name == "keras.json" or name.startswith("__autograph_generated")
                           for name in scratch), scratch
    page.close()  # its lab ends, and its scratch folder goes with it
    assert browser.wait_until(lambda: not labs(server), END_S)
    assert [name for _, _, names in os.walk(temp) for name in names] == []


def test_each_tab_has_its_lab_and_one_past_the_limit_is_told_the_class_is_full(
        classroom, context):
    server, url, _, _ = classroom
    pages = [context.new_page() for _ in range(3)]
    try:
        for page in pages[:2]:
            page.goto(url)
        wait_for(pages[0], "Oh-oh, yes, I'm the great pretender")
        loading = "Loading TensorFlow" in screen(pages[0])
        pages[0].keyboard.press("Space")  # a key as soon as the screen shows: stepped once it can
        wait_for(pages[0], "step 1/7")
        wait_for(pages[1], "step 0/7")
        assert loading  # (the key was pressed before TensorFlow had loaded)
        running = labs(server)
        assert len(running) == 2
        pages[2].goto(url)
        assert "The class is full" in pages[2].inner_text("body")
        assert "Try again" in pages[2].inner_text("body") and labs(server) == running
    finally:
        for page in pages:
            page.close()
    assert browser.wait_until(lambda: not any(map(browser.alive, running)), END_S)


def test_ctrl_c_stops_the_server_and_every_lab(context, tmp_path):
    server, url = browser.start_server(env={"TMPDIR": str(tmp_path)})
    try:
        page = context.new_page()
        page.goto(url)
        wait_for(page, "Oh-oh, yes")
        started = labs(server)
        assert len(started) == 1
        server.send_signal(signal.SIGINT)
        assert server.wait(END_S) == 0
        assert not any(map(browser.alive, started)) and labs(server) == []
        assert list(tmp_path.iterdir()) == []  # the labs' temporary folders too
        page.close()
    finally:
        stop(server)
