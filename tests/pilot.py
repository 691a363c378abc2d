"""Helpers shared by the pilot tests: an app with animations off, keys that wait for work, and
what the app says (its notifications, by severity)."""

import asyncio
import time

from tui_lab import Lab
from tui_lab.tui.app import LabApp

BLANKS = b"\n\n\tone\ttwo three\n\n   \nfour\n"  # the example (tests/core/test_text.py)
ODD = [  # odd text: every line a way to break the panels' alignment
    "tabs\tbetween\twords",
    "שלום עולם, hello",                          # Hebrew, right to left
    "مرحبا بالعالم",                              # Arabic
    "cafe\u0301 e\u0301te\u0301 na\u0308ive",       # combining accents
    "I ❤️ 🐍 and 👩‍💻 code",                        # emoji, a ZWJ sequence
    "日本語 の テキスト 日本語",                   # wide characters
    "escape \x1b[31m red \x07 bell",               # control characters
]


def make_app(lab=None, **kwargs) -> LabApp:
    kwargs.setdefault("play_interval", 0.05)
    app = LabApp(lab or Lab(), **kwargs)
    app.animation_level = "none"
    return app


async def settle(pilot) -> None:
    """Wait until every worker is done and the screen has caught up."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def keys(*presses: str):
    """A snapshot test's run_before: each key pressed once the app is idle, then settled."""
    async def run_before(pilot) -> None:
        await settle(pilot)
        for key in presses:
            await pilot.press(key)
            await settle(pilot)
        await pilot.pause()

    return run_before


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


async def look_at(pilot, pid: str) -> None:
    """Bring panel pid into view, as its tab does at 80x24 (where a panel behind a tab is
    filled in only once it is in view)."""
    pilot.app.lab_screen.show_panel(pid)
    await settle(pilot)


def burst(app, *keys: str) -> None:
    """Send keys in one go, as a terminal delivers two Enters written at once (tmux send-keys
    Enter Enter, a paste): nothing is processed between them. Await pilot.pause() after."""
    from textual import events

    chars = {"enter": "\r", "escape": "\x1b", "space": " ", "tab": "\t"}
    for key in keys:
        event = events.Key(key, chars.get(key, key if len(key) == 1 else None))
        event.set_sender(app)
        app.post_message(event)  # queued at once, as the driver would


def count_frames(app) -> list[float]:
    """From now on, the time of every frame the app paints (the list grows as it paints).
    App._display is Textual's one door to the terminal (private, but there is no public hook)."""
    frames: list[float] = []
    display = app._display

    def counted(screen, renderable) -> None:
        if screen is app.screen and renderable is not None:
            frames.append(time.monotonic())
        display(screen, renderable)

    app._display = counted
    return frames


async def answers(app, frames: list[float], key: str, done, within: float = 1.0) -> bool:
    """Whether the app answers key within `within` seconds: done() (what the key does) comes
    true and a frame is painted after the key. Issue 23: a frozen app ignored every key and
    never painted again. The key is sent as the terminal sends it, not with pilot.press, which
    would wait 30 s for a frozen app. The one timing the tests assert: liveness, not speed."""
    sent = time.monotonic()
    burst(app, key)
    while time.monotonic() - sent < within:
        await asyncio.sleep(0.01)
        if done() and frames and frames[-1] > sent:
            return True
    return False


async def drained(app, limit: float = 60.0) -> bool:
    """Whether every lab job is done and on screen within `limit` seconds: a guard, so that a
    frozen app (issue 23: its jobs waited for a UI that waited for them) fails a test instead
    of hanging it, not a timing (jobs take a fraction of it)."""
    start = time.monotonic()
    while app.busy:
        if time.monotonic() - start > limit:
            return False
        await asyncio.sleep(0.05)
    return True


def text_of(widget, width: int = 400) -> str:
    """What a Static shows, as plain text."""
    from rich.console import Console

    console = Console(width=width, record=True, color_system=None, file=open("/dev/null", "w"))
    console.print(widget.content)
    return console.export_text()


def screen_rows(app) -> list[str]:
    """The terminal's rows as text, as painted now (what a learner sees): what
    App.export_screenshot renders, a dialog over the screens below it included."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True,
                      color_system=None, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens))
    return console.export_text().splitlines()


def errors(app) -> list[str]:
    """The messages of the error notifications on screen."""
    return [n.message for n in app.notifications if n.severity == "error"]


def warnings(app) -> list[str]:
    return [n.message for n in app.notifications if n.severity == "warning"]


def said(app) -> list[str]:
    """Every notification's message on screen."""
    return [n.message for n in app.notifications]
