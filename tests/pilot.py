"""Helpers shared by the pilot tests: an app with animations off, and keys that wait for work."""

from tui_lab import Lab
from tui_lab.tui.app import LabApp


def make_app(lab=None, **kwargs) -> LabApp:
    kwargs.setdefault("play_interval", 0.05)
    app = LabApp(lab or Lab(), **kwargs)
    app.animation_level = "none"
    return app


async def settle(pilot) -> None:
    """Wait until every worker is done and the screen has caught up."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def burst(app, *keys: str) -> None:
    """Send keys in one go, as a terminal delivers two Enters written at once (tmux send-keys
    Enter Enter, a paste): nothing is processed between them. Await pilot.pause() after."""
    from textual import events

    chars = {"enter": "\r", "escape": "\x1b", "space": " ", "tab": "\t"}
    for key in keys:
        event = events.Key(key, chars.get(key, key if len(key) == 1 else None))
        event.set_sender(app)
        app._driver.send_message(event)
