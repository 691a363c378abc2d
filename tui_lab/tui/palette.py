"""The command palette (ctrl+p): every key action of the lab, found by name, with its key."""

from __future__ import annotations

import os
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.app import SystemCommand

from tui_lab.config import CELL_TITLES


def lab_commands() -> list[tuple[str, str, str]]:
    """(name, action, keys) for every action bound on the lab screen, plus direct cell choices."""
    from tui_lab.tui.bindings import LAB_BINDINGS

    keys: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for binding in LAB_BINDINGS:
        action = binding.action.removeprefix("app.")
        keys.setdefault(action, []).append(binding.key_display or binding.key)
        if binding.show or action not in names:
            names[action] = binding.description + (f" ({binding.tooltip})" if binding.tooltip else "")
    commands = [(f"{names[a][:1].upper()}{names[a][1:]}", a, " / ".join(k)) for a, k in keys.items()]
    commands += [(f"Cell: {title}", f"set_cell({cell!r})", "c cycles")
                 for cell, title in CELL_TITLES.items()]
    # (no key of its own: o lyrics opens them too, keeping a model open)
    commands.append(("The built-in lyrics (the lesson's text; a model open is closed, the "
                     "settings stay)", "open_lyrics", "o lyrics"))
    return commands


class LabCommands(Provider):
    def _command(self, action: str):
        """Run the action where its key would: the lab screen's view actions on that screen."""
        from tui_lab.tui.bindings import SCREEN_ACTIONS

        if action.split("(")[0] in SCREEN_ACTIONS:
            return partial(self.app.run_action, action, self.app.lab_screen)
        return partial(self.app.run_action, action)

    async def discover(self) -> Hits:
        for name, action, keys in lab_commands():
            yield DiscoveryHit(name, self._command(action), help=f"key: {keys}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, action, keys in lab_commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), self._command(action),
                          help=f"key: {keys}")


def system_commands(app, textual_commands):
    """Textual's own palette commands, as a learner here needs them: its theme picker, Quit,
    Maximize ... but not its key panel (help, ?, lists every key, and esc closes it) and a
    screenshot saved in the current directory, saying where (Textual's goes to ~/Downloads
    and only says that it failed when that folder is missing). In a browser tab it is a
    download."""
    for command in textual_commands:
        if command.title not in ("Keys", "Screenshot"):
            yield command
    if app.served:
        yield SystemCommand("Screenshot", "Download an SVG picture of the screen",
                            lambda: app.set_timer(0.1, partial(download_screenshot, app)))
        return
    yield SystemCommand("Screenshot", "Save an SVG picture of the screen in the current directory",
                        lambda: app.set_timer(0.1, partial(save_screenshot_here, app)))


def download_screenshot(app) -> None:
    """A served lab's screenshot, as a download (Textual's own opens it in the browser,
    which the served page's hidden download frame would not show)."""
    import io
    import time

    name = f"tui-lab {time.strftime('%Y-%m-%d %H-%M-%S')}.svg"
    app.deliver_text(io.StringIO(app.export_screenshot()), save_filename=name,
                     open_method="download", mime_type="image/svg+xml")
    app.notify(f"{name}: your browser downloads it", title="Screenshot")


def save_screenshot_here(app) -> None:
    try:
        path = app.save_screenshot(path=os.getcwd())
    except OSError as error:
        where = error.filename or "the current directory"
        app.notify(f"{error.strerror or error}: {where}", title="Screenshot: not saved",
                   severity="error")
    else:
        app.notify(path, title="Screenshot saved")
