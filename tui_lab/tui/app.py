"""The Textual app over the controller: key -> action -> Lab call in a worker -> snapshot -> panels.

Every Lab call runs in a thread worker, one at a time and in the order the keys were pressed
(jobs.py: Lab is not thread-safe). After each call the worker takes `lab.snapshot()` and posts
it to the UI thread, where the panels render it. The UI thread reads only that latest
snapshot, never the lab; widgets never compute. View actions (panels, scrolling) live on the
lab screen (screens/lab.py), the trained-model actions in model_actions.py.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path
from typing import Callable

# Textual paints changes on a frame timer (60 a second by default), so a key press waits up
# to a whole frame before its result is drawn. Frames are only painted when something
# changed, so a faster timer costs nothing while idle and cuts that wait to ~4 ms.
# It must be set before Textual is first imported (textual.constants reads it once).
os.environ.setdefault("TEXTUAL_FPS", "240")

from textual.app import App  # noqa: E402
from textual.await_complete import AwaitComplete  # noqa: E402
from textual.message import Message  # noqa: E402

from tui_lab import Lab
from tui_lab.tui.palette import LabCommands
from tui_lab.config import CELLS
from tui_lab.tui.jobs import Jobs, terminal_on_its_own_fd
from tui_lab.tui.model_actions import ModelActions
from tui_lab.tui.screens.confirm import ReplaceScreen, existing
from tui_lab.tui.screens.dialog import Palette
from tui_lab.tui.screens.help import HelpScreen
from tui_lab.tui.screens.lab import NUMBER_PANELS, LabScreen
from tui_lab.tui.screens.prompt import PromptScreen
from tui_lab.tui.screens.settings import SettingsScreen
from tui_lab.tui.widgets.embeddings import EmbeddingsPanel
from tui_lab.tui.widgets.gates import GatesPanel
from tui_lab.tui.widgets.labels import printable
from tui_lab.tui.widgets.layer import LayerPanel
from tui_lab.tui.widgets.lines import LinesPanel
from tui_lab.tui.widgets.states import StatesPanel
from tui_lab.tui.widgets.status import StatusBar
from tui_lab.tui.widgets.tokens import TokensPanel

RUN_CHUNK = 256  # steps between progress reports when running to the end


class VectorsOpened(Message):
    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path


class LabApp(ModelActions, Jobs, App):
    """tui-lab's app. `LabApp(lab).run()`; `lab` is a tui_lab.Lab (TensorFlow not needed yet)."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "tui-lab"
    COMMANDS = App.COMMANDS | {LabCommands}
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, lab: Lab, *, theme: str | None = None, play_interval: float = 0.4,
                 model: dict | None = None, save_session: bool = False,
                 start: dict | None = None, notices: tuple[str, ...] = (),
                 vectors_file: str | None = None) -> None:
        """model: open this trained model once the lab is up: open_model_file's arguments
        (path, layer, word_index, fit_text, raw_ids) and the direction to show.
        save_session: keep the session in the user's config directory (the tui-lab command
        does; a LabApp made in Python does not). start: where a restored session was: its
        step, marks and line cursor. notices: said once the app is up. vectors_file: the
        file the lab's input vectors came from (so that a session can reopen it)."""
        super().__init__()
        self.lab = lab
        self._model_request = model
        self.snapshot = None  # the latest Snapshot shown
        self.line_cursor = lab.selection[0] if lab.selection else 1
        self.marks: set[int] = set()  # lines marked for a batch (m)
        self.playing = False
        self.play_interval = play_interval
        self._start_jobs()
        # What the UI shows before the first snapshot (read here, before any worker runs;
        # readable before TensorFlow loads).
        self._lines = lab.lines
        self._source = lab.source_name
        self._selection = lab.selection
        self._config = lab.config
        if theme and theme in self.available_themes:
            self.theme = theme
        self._save_session = save_session
        self._saved = ""  # the session as last written
        self._save_timer = None
        self._restore_at = start
        self._notices = tuple(notices)
        self._vectors_file = vectors_file

    def notify(self, message: str, *, title: str = "", severity="information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Notifications carry file names, typed text and error messages: never markup (a
        name with [/] in it would be a MarkupError), and no control characters."""
        super().notify(printable(str(message)), title=printable(str(title)), severity=severity,
                       timeout=timeout, markup=False)

    def action_command_palette(self) -> None:
        if self.use_command_palette and not Palette.is_open(self):
            self.push_screen(Palette(id="--command-palette"))

    def pop_screen(self) -> AwaitComplete:
        """Never pop the lab screen: a stray second dismiss (two Enters in one burst, a
        Textual screen closing twice) would leave a blank terminal that only ctrl+q leaves."""
        if len(self.screen_stack) <= 1 or isinstance(self.screen, LabScreen):
            return AwaitComplete.nothing()
        return super().pop_screen()

    def run(self, *args, **kwargs):
        if kwargs.get("headless"):
            return super().run(*args, **kwargs)
        with terminal_on_its_own_fd():
            return super().run(*args, **kwargs)

    # ----- start ----------------------------------------------------------------------------
    async def on_mount(self) -> None:
        await self.push_screen(LabScreen())
        screen = self.screen
        for pid in NUMBER_PANELS:
            screen.query_one(f"#{pid}").loading = True
        self._show_lines()
        self._status()
        self._notify_replaced(self._lines, self._source)
        self._player = self.set_interval(self.play_interval, self._tick, pause=True)
        self._build_lab()
        self._open_requested_model()
        self._restore_position()
        for notice in self._notices:
            self.notify(notice, title="Session", severity="warning", timeout=12)
        self.theme_changed_signal.subscribe(self, lambda theme: self._save_soon())

    # ----- the session (session.py) ---------------------------------------------------------
    def _restore_position(self) -> None:
        """A restored session's step, marks and line cursor (its input is already in the lab)."""
        start = self._restore_at or {}
        lines = self._lines
        marks = set(start.get("marks") or ())
        if marks and marks == set(self._selection):
            self.marks = marks
        cursor = start.get("cursor")
        if isinstance(cursor, int) and 1 <= cursor <= len(lines) and lines[cursor - 1].strip():
            self.line_cursor = cursor
            self._show_lines()
        step = start.get("step") or 0
        if step > 0:
            self.submit("Restore", lambda lab: lab.seek(min(step, lab.timesteps)))

    def session_now(self):
        """What the lab shows now, as a Session (None before the first states)."""
        from tui_lab.tui.session import Session

        snapshot = self.snapshot
        if snapshot is None:
            return None
        text = vectors = None
        if snapshot.source_kind == "vectors":
            vectors = self._vectors_file
        elif Path(snapshot.source_name).is_file():
            text = str(Path(snapshot.source_name).resolve())
        view, model = getattr(snapshot, "model", None), None
        if view is not None:
            model = {"path": str(Path(view.path).resolve()), "layer": view.layer.name,
                     "direction": view.direction, **(self._model_options or {})}
        return Session(text=text, vectors=vectors, selection=snapshot.selection,
                       sentence=snapshot.sentence, settings=snapshot.config.as_dict(),
                       step=snapshot.t, model=model, theme=self.theme,
                       marks=tuple(sorted(self.marks)), cursor=self.line_cursor)

    def _save_soon(self) -> None:
        """Save within a second: often enough that a dropped SSH link loses little, rarely
        enough that playing or a key storm does not write the file at every step."""
        if self._save_session and self._save_timer is None:
            self._save_timer = self.set_timer(1.0, self.save_session)

    def save_session(self) -> None:
        from tui_lab.tui import session

        self._save_timer = None
        current = self.session_now() if self._save_session else None
        if current is None or current.to_json() == self._saved:
            return
        try:
            session.save(current)
        except OSError as error:
            self._save_session = False  # say it once, not at every step
            self.notify(f"the session cannot be saved in {session.config_dir()}: "
                        f"{error.strerror or error}", title="Session", severity="warning")
        else:
            self._saved = current.to_json()

    def on_unmount(self) -> None:
        self._stop_jobs()
        self.save_session()

    def _show_first(self, snapshot) -> None:
        # TensorFlow leaves ~300,000 objects that live as long as the process: keep them out
        # of the garbage collector's full passes, each of which held a key up for 100-200 ms.
        gc.freeze()
        self._show(snapshot)
        # Off the UI thread: trace the compiled cell step and run the layer once, so the
        # first step key does not wait for tf.function's tracing.
        self.submit("Checking against the Keras layer", lambda lab: lab.warm_up())

    def _show(self, snapshot, done: str | None = None) -> None:
        self.snapshot = snapshot
        screen = self.lab_screen
        for pid in NUMBER_PANELS:
            screen.query_one(f"#{pid}").loading = False
        if snapshot.selection and not self.marks and self.line_cursor not in snapshot.selection:
            self.line_cursor = snapshot.selection[0]
        self._show_lines()
        screen.query_one(TokensPanel).show(snapshot)
        screen.query_one(EmbeddingsPanel).show(snapshot)
        screen.query_one(StatesPanel).show(snapshot)
        screen.query_one(GatesPanel).show(snapshot)
        screen.query_one(LayerPanel).show(snapshot)
        self._show_model(snapshot)
        if snapshot.at_end and self.playing:
            self._set_playing(False)
        self._status()
        if done:
            self.notify(done, title="Done")
        self._save_soon()
        self.on_states_shown()

    def on_states_shown(self) -> None:
        """Called after every snapshot is on screen: a hook for the benchmark and tests."""

    def _failed(self, label: str, message: str, built: bool = True) -> None:
        if self.playing:
            self._set_playing(False)
        if self.snapshot is None and not built:
            screen = self.lab_screen
            for pid in NUMBER_PANELS:
                screen.query_one(f"#{pid}").loading = False
        self._status()
        self.notify(message, title=f"{label}: not done", severity="error", timeout=8)

    @property
    def notifications(self) -> list:
        """The notifications on screen now (each has message, title and severity)."""
        return list(self._notifications)

    @property
    def crash(self) -> BaseException | None:
        """The exception that stopped the app (None while all is well)."""
        return self._exception

    @property
    def lab_screen(self) -> LabScreen:
        return next(s for s in self.screen_stack if isinstance(s, LabScreen))

    def _status_if_busy(self) -> None:
        if self._pending and any(isinstance(s, LabScreen) for s in self.screen_stack):
            self._status()

    def _status(self) -> None:
        self.lab_screen.query_one(StatusBar).show(
            self.snapshot, busy=self.busy_label, playing=self.playing, source=self._source)

    def _show_lines(self) -> None:
        snapshot = self.snapshot
        if snapshot is None:
            selection = self._selection
            lines, typed, source = self._lines, None, self._source
        else:
            selection, lines, source = snapshot.selection, snapshot.lines, snapshot.source_name
            typed = snapshot.batch.rows[0] if snapshot.sentence is not None else None
        self.lab_screen.query_one(LinesPanel).show(lines, selection, self.line_cursor, typed, source)

    # ----- stepping -------------------------------------------------------------------------
    def action_step(self) -> None:
        self.submit("Step", lambda lab: lab.step())

    def action_back(self) -> None:
        self.submit("Back", lambda lab: lab.back())

    def action_start(self) -> None:
        self.submit("Start", lambda lab: lab.reset())

    def action_end(self) -> None:
        """Run to the end in a worker, with progress in the status bar; escape stops it."""
        self._cancel.clear()

        def run(lab: Lab) -> None:
            def progress(done: int, total: int) -> None:
                if total > RUN_CHUNK:
                    self.progress("running to the end", done, total)

            if not lab.run_to_end(progress=progress, cancelled=self._cancel.is_set):
                self.say(f"stopped at step {lab.t}", title="Run to end")

        self.submit("Run to end", run)

    def _open_text(self, target: Path) -> None:
        """Open a text in a worker; a big one shows the lines fitted so far and esc stops it
        (the lab keeps what it had)."""
        self._cancel.clear()

        def open_text(lab: Lab) -> None:
            def progress(done: int, total: int) -> None:
                self.progress(f"reading {printable(target.name)}", done, total)

            lab.open_text(target, progress=progress, cancelled=self._cancel.is_set)
            notice = replaced_notice(lab.lines, target)
            if notice:
                self.say(notice, title="Not all UTF-8", severity="warning", timeout=10)

        self.submit("Open", open_text, f"opened {target}")

    def _notify_replaced(self, lines, name) -> None:
        notice = replaced_notice(lines, name)
        if notice:
            self.notify(notice, title="Not all UTF-8", severity="warning", timeout=10)

    def on_vectors_opened(self, message: VectorsOpened) -> None:
        self._vectors_file = message.path  # for the session

    def action_cancel(self) -> None:
        """Stop a run to the end (at the last step computed) and auto-stepping."""
        self._cancel.set()
        if self.playing:
            self._set_playing(False)

    def action_play(self) -> None:
        self._set_playing(not self.playing)
        if self.playing and self.snapshot is not None and self.snapshot.at_end:
            self.submit("Play", lambda lab: lab.reset())

    def _set_playing(self, playing: bool) -> None:
        self.playing = playing
        (self._player.resume if playing else self._player.pause)()
        self._status()

    def _tick(self) -> None:
        if self.playing and not self._pending:
            self.submit("Play", lambda lab: lab.step())

    # ----- input ----------------------------------------------------------------------------
    def _need_lines(self) -> bool:
        lines = self.snapshot.lines if self.snapshot else self._lines
        if not lines:
            self.notify("the input is raw vectors: there are no text lines", severity="warning")
        return bool(lines)

    def _move_line(self, delta: int) -> None:
        """To the next line with words in that direction (blank lines are skipped)."""
        if not self._need_lines():
            return
        lines = self.snapshot.lines if self.snapshot else self._lines
        number = self.line_cursor + delta
        while 1 <= number <= len(lines) and not lines[number - 1].strip():
            number += delta
        if not 1 <= number <= len(lines):
            return  # no line with words beyond this one
        self.line_cursor = number
        self._show_lines()
        if not self.marks:  # with lines marked for a batch, moving only moves the cursor
            number = self.line_cursor
            self.submit(f"Line {number}", lambda lab: lab.select_lines([number]))

    def action_next_line(self) -> None:
        self._move_line(1)

    def action_previous_line(self) -> None:
        self._move_line(-1)

    def action_choose_line(self) -> None:
        """Step just the cursor line (forgets the marks)."""
        if self._need_lines():
            self.marks.clear()
            number = self.line_cursor
            self.submit(f"Line {number}", lambda lab: lab.select_lines([number]))

    def on_lines_panel_chosen(self, message: LinesPanel.Chosen) -> None:
        """A click on a line does what enter does on it."""
        self.line_cursor = message.number
        self.action_choose_line()

    def action_mark_line(self) -> None:
        """Mark / unmark the cursor line; the marked lines are stepped together as a batch."""
        if not self._need_lines():
            return
        self.marks ^= {self.line_cursor}
        chosen = sorted(self.marks) or [self.line_cursor]
        self.submit("Mark line", lambda lab: lab.select_lines(chosen))

    def action_type_sentence(self) -> None:
        def typed(sentence: str | None) -> None:
            if sentence is not None:
                self.marks.clear()
                self.submit("Type a sentence", lambda lab: lab.type_sentence(sentence))

        self.push_screen(PromptScreen("Type a sentence (tokenized with the fitted tokenizer; "
                                      "unknown words become <OOV>)", placeholder="I'm the great pretender"),
                         typed)

    def action_open_file(self) -> None:
        def chosen(path: str | None) -> None:
            if path is None:
                return
            target = Path(path).expanduser()
            if target.suffix.lower() == ".keras":
                self.marks.clear()
                self.open_model_file(target)
                return
            if target.suffix.lower() in (".npy", ".json"):
                def open_vectors(lab: Lab) -> None:
                    lab.open_vectors(target)
                    self.post_message(VectorsOpened(str(target.resolve())))

                self.submit("Open", open_vectors, f"opened {target}")
            else:
                self._open_text(target)
            self.line_cursor = 1  # until the new text shows its first line with words
            self.marks.clear()

        self.push_screen(PromptScreen("Open a text file (one sequence per line), input vectors "
                                      "(.npy / .json), or a trained model (.keras)",
                                      placeholder="path/to/file.txt"),
                         chosen)

    def action_export(self) -> None:
        def chosen(path: str | None) -> None:
            if path is None:
                return
            target = Path(path).expanduser()

            def export(lab: Lab) -> None:
                from tui_lab.core import trace  # the trace's own writer (JSON or .npz by the suffix

                trace.write_trace(lab, target, "npz" if path.lower().endswith(".npz") else "json")

            self.ask_before_replacing(
                [target], lambda: self.submit("Export", export, f"trace written to {path}"))

        self.push_screen(PromptScreen("Export the whole trace: a .json or .npz path",
                                      value="trace.json"), chosen)

    def ask_before_replacing(self, paths: list[Path], write: Callable[[], None]) -> None:
        """write() at once if none of paths exists; else only after a yes to the question."""
        there = existing(*paths)
        if not there:
            write()
            return

        def answered(replace: bool | None) -> None:
            if replace:
                write()
            else:
                self.notify(f"kept {' and '.join(p.name for p in there)}: nothing was written",
                            title="Not replaced")

        self.push_screen(ReplaceScreen(there), answered)

    # ----- settings -------------------------------------------------------------------------
    def action_cycle_cell(self) -> None:
        self.submit("Cell", lambda lab: lab.configure(
            cell=CELLS[(CELLS.index(lab.config.cell) + 1) % len(CELLS)]))

    def action_set_cell(self, cell: str) -> None:
        self.submit("Cell", lambda lab: lab.configure(cell=cell))

    def action_units(self, delta: int) -> None:
        self.submit("Units", lambda lab: lab.configure(units=lab.config.units + delta))

    def action_toggle(self, name: str) -> None:
        self.submit(name, lambda lab: lab.configure(**{name: not getattr(lab.config, name)}))

    def action_reseed(self) -> None:
        self.submit("Reseed", lambda lab: lab.reseed())

    def action_settings(self) -> None:
        def apply(changes: dict | None) -> None:
            if changes:
                self.submit("Settings", lambda lab: lab.configure(**changes), "settings applied")

        self.push_screen(SettingsScreen(self.snapshot.config if self.snapshot else self._config),
                         apply)

    # ----- view -----------------------------------------------------------------------------
    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"


def replaced_notice(lines, name) -> str | None:
    """What to say when a text had bytes that are not UTF-8 (they are shown as \ufffd)."""
    notice = getattr(lines, "decode_notice", None)
    return notice(str(name)) if notice else None
