"""The Textual app over the controller: key -> action -> Lab call in a worker -> snapshot -> panels.

Every Lab call runs on the lab's own thread, one at a time and in the order the keys were
pressed (jobs.py: Lab is not thread-safe). After each call the job takes `lab.snapshot()` and
posts it to the UI thread, where the panels render it. The UI thread reads only that latest
snapshot, never the lab; widgets never compute. View actions (panels, scrolling) live on the
lab screen (screens/lab.py); files and dialogs in file_actions.py, the saved session in
session_actions.py, the trained-model actions in model_actions.py, the batch row in focus and
the digits (view state, the app's own) in view_actions.py.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

# Textual paints changes on a frame timer (60 a second by default), so a key press waits up
# to a whole frame before its result is drawn. Frames are only painted when something
# changed, so a faster timer costs nothing while idle and cuts that wait to ~4 ms.
# It must be set before Textual is first imported (textual.constants reads it once).
os.environ.setdefault("TEXTUAL_FPS", "240")

from textual.app import App  # noqa: E402
from textual.await_complete import AwaitComplete  # noqa: E402

from tui_lab import Lab
from tui_lab.tui.palette import LabCommands, system_commands
from tui_lab.config import CELLS
from tui_lab.tui.jobs import Jobs, terminal_on_its_own_fd
from tui_lab.tui.compare_actions import CompareActions
from tui_lab.tui.conv_actions import ConvActions
from tui_lab.tui.debug_actions import DebugActions
from tui_lab.tui.file_actions import FileActions
from tui_lab.tui.model_actions import ModelActions
from tui_lab.tui.reach_actions import ReachActions
from tui_lab.tui.screens.dialog import Palette
from tui_lab.tui.screens.lab import NUMBER_PANELS, LabScreen
from tui_lab.tui.screens.settings import SettingsScreen
from tui_lab.tui.screens.word_index import VocabularyFetched, WordIndexScreen
from tui_lab.tui.session_actions import SessionActions
from tui_lab.tui.stateful_actions import StatefulActions
from tui_lab.tui.view import DEFAULT_DIGITS, View
from tui_lab.tui.view_actions import ViewActions
from tui_lab.tui.widgets.header import InputHeader
from tui_lab.tui.widgets.labels import printable
from tui_lab.tui.widgets.lines import LinesPanel
from tui_lab.tui.widgets.status import StatusBar

RUN_CHUNK = 256  # steps between progress reports when running to the end
# A note that only says what was done ("opened seq46.npy") sits over the panels' numbers:
# shown for this long (Textual's default is 5 s); warnings and errors keep theirs.
INFORMATION_SECONDS = 2.5


class LabApp(CompareActions, ConvActions, DebugActions, ReachActions, FileActions,
             SessionActions, ModelActions, StatefulActions, ViewActions, Jobs, App):
    """tui-lab's app. `LabApp(lab).run()`; `lab` is a tui_lab.Lab (TensorFlow not needed yet)."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "tui-lab"
    COMMANDS = App.COMMANDS | {LabCommands}
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, lab: Lab, *, theme: str | None = None, play_interval: float = 0.4,
                 model: dict | None = None, save_session: bool = False,
                 start: dict | None = None, notices: tuple[str, ...] = (),
                 vectors_file: str | None = None, digits: int = DEFAULT_DIGITS,
                 served=None) -> None:
        """model: open this trained model once the lab is up: open_model_file's arguments
        (path, layer, word_index, fit_text, raw_ids) and the direction to show.
        save_session: keep the session in the user's config directory (the tui-lab command
        does; a LabApp made in Python does not). start: where a restored session was: its
        step, marks and line cursor. notices: said once the app is up. vectors_file: the
        file the lab's input vectors came from (so that a session can reopen it). digits:
        decimals of every number shown, 3 to 8 (LabError otherwise). served: a lab in a
        browser tab (tui/served.py: its files stay in the class folder, exports download)."""
        view = View(row=(start or {}).get("row", 0), digits=digits)
        super().__init__()
        self.view = view
        self.lab = lab
        self.served = served
        self._model_request = model
        self.snapshot = None  # the latest Snapshot shown
        self.line_cursor = lab.selection[0] if lab.selection else 1
        self.marks: set[int] = set()  # lines marked for a batch (m)
        self.breakpoints: list = []  # the debugger's conditions (debug_actions.py)
        self.playing = False
        self.play_interval = play_interval
        self._start_jobs()
        self._panels_behind = set()
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
        # The last path typed in each path dialog ("open", "export", "fit text"), for this
        # session: the dialog opens with it, so a typo is fixed, not typed again.
        self.typed_paths: dict[str, str] = {}

    def notify(self, message: str, *, title: str = "", severity="information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Notifications carry file names, typed text and error messages: never markup (a
        name with [/] in it would be a MarkupError), and no control characters."""
        if timeout is None and severity == "information":
            timeout = INFORMATION_SECONDS
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
        if self._lines and self._selection:  # the words at once; the ids follow the first build
            number = self._selection[0]
            screen.query_one(InputHeader).show_line(f"line {number}", self._lines[number - 1])
        self._status()
        self._notify_replaced(self._lines, self._source)
        self._player = self.set_interval(self.play_interval, self._tick, pause=True)
        self._build_lab()
        self._open_requested_model()
        self._restore_position()
        for notice in self._notices:
            self.notify(notice, title="Session", severity="warning", timeout=12)
        self.theme_changed_signal.subscribe(self, lambda theme: self._save_soon())

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
        def warm_up(lab) -> None:
            lab.warm_up()
            gc.freeze()  # the traced graphs' objects too

        self.submit("Checking against the Keras layer", warm_up)

    def _show(self, snapshot, done: str | None = None) -> None:
        self.snapshot = snapshot
        screen = self.lab_screen
        for pid in NUMBER_PANELS:
            screen.query_one(f"#{pid}").loading = False
        if snapshot.selection and not self.marks and self.line_cursor not in snapshot.selection:
            self.line_cursor = snapshot.selection[0]
        self._show_lines()
        self._show_panels(snapshot)
        if snapshot.at_end and self.playing:
            self._set_playing(False)
        self._status()
        if done:
            self.notify(done, title="Done")
        self._save_soon()
        self._follow_reach(snapshot)
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

    def _status_if_busy(self, job: int) -> None:
        if self.job_running(job) and any(isinstance(s, LabScreen) for s in self.screen_stack):
            self._status()

    def _status(self) -> None:
        screen = self.lab_screen
        screen.query_one(StatusBar).show(
            self.snapshot, busy=self.busy_label, playing=self.playing, source=self._source,
            row=self.view.row, scrolling=screen.focused_label)

    def refresh_status(self) -> None:
        """The status bar again (the lab screen calls it when a panel takes the arrows)."""
        self._status()

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
            self.notify("the input is raw vectors: there are no text lines (o opens a text; "
                        "o lyrics the built-in lyrics)", severity="warning")
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
            self.submit(f"Line {number}", lambda lab: self.choose_lines(lab, [number]))

    def action_next_line(self) -> None:
        self._move_line(1)

    def action_previous_line(self) -> None:
        self._move_line(-1)

    def action_choose_line(self) -> None:
        """Step just the cursor line (forgets the marks)."""
        if self._need_lines():
            self.marks.clear()
            number = self.line_cursor
            self.submit(f"Line {number}", lambda lab: self.choose_lines(lab, [number]))

    def action_go_to_line(self) -> None:
        """: asks for a line number and steps that line (j 20 times reaches line 21)."""
        from tui_lab.tui.screens.prompt import LineScreen

        if not self._need_lines():
            return

        def chosen(number: int | None) -> None:
            if number is not None:
                self.line_cursor = number
                self.action_choose_line()

        lines = self.snapshot.lines if self.snapshot else self._lines
        self.push_screen(LineScreen(lines, self.line_cursor), chosen)

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
        self.submit("Mark line", lambda lab: self.choose_lines(lab, chosen))

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
            if changes and "digits" in changes:  # the view's, not the lab's: no rebuild
                self.set_digits(changes.pop("digits"))
            if changes:
                self.submit("Settings", lambda lab: lab.configure(**changes), "settings applied")

        self.push_screen(SettingsScreen(self.snapshot.config if self.snapshot else self._config,
                                        digits=self.view.digits), apply)

    # ----- view -----------------------------------------------------------------------------
    def action_help(self) -> None:
        # Imported here: Markdown (help's only user) costs the first paint ~0.1 s.
        from tui_lab.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen())

    def action_vocabulary(self) -> None:
        """The word_index on screen: fetched from the lab in a worker, shown when it comes."""
        if not (self.snapshot.lines if self.snapshot else self._lines):
            self.notify("the input is raw vectors: there is no vocabulary (o opens a text; o "
                        "lyrics the built-in lyrics)",
                        title="Vocabulary", severity="warning")
            return
        self.submit_beside("Vocabulary",
                           lambda lab: self.post_message(VocabularyFetched(lab.vocabulary())))

    def on_vocabulary_fetched(self, message: VocabularyFetched) -> None:
        # v pressed twice before the first answer came: one screen is enough.
        if not any(isinstance(s, WordIndexScreen) for s in self.screen_stack):
            self.push_screen(WordIndexScreen(message.vocabulary))

    def action_why(self) -> None:
        """M: why an LSTM remembers, its own view of the shipped task models (screens/why.py),
        working through the app's worker queue."""
        from tui_lab.tui.screens.why import WhyScreen

        if not any(isinstance(s, WhyScreen) for s in self.screen_stack):
            self.push_screen(WhyScreen(self.submit_beside))

    def action_agreement(self) -> None:
        """a: the exact max |error|s behind Layer's checks, in a note (Layer shows them at a
        fixed resolution, so that no screen depends on the machine's last digits)."""
        from tui_lab.tui.widgets.style import exact

        snapshot = self.snapshot
        if snapshot is None:
            return
        steps = ("the steps before the first edit vs the Keras layer" if snapshot.edits
                 else "the steps vs the Keras layer")
        self.notify(f"{steps}: {exact(snapshot.max_abs_error)} · the numpy equations vs the "
                    f"cell: {exact(snapshot.gate_max_abs_error)} (float32; differences this "
                    f"small vary with the CPU and its threads)", title="Max |error|, exactly",
                    timeout=10)

    def get_system_commands(self, screen):
        return system_commands(self, super().get_system_commands(screen))

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"

