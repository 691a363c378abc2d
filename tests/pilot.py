"""Helpers shared by the pilot tests: an app with animations off, and keys that wait for work."""

from tui_lab import Lab
from tui_lab.app import LabApp


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
