"""The app's file actions (mixed into LabApp): open a text, vectors or a model, type a
sentence, export the trace; a file that exists is replaced only after a yes. A lab served to
a browser (self.served, tui/served.py) opens only inside the class folder and exports as a
download."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from textual.message import Message

from tui_lab import Lab
from tui_lab.errors import LabError
from tui_lab.tui.jobs import Swap
from tui_lab.tui.screens.confirm import ReplaceScreen, existing
from tui_lab.tui.screens.prompt import PromptScreen
from tui_lab.tui.served import DownloadReady
from tui_lab.tui.widgets.labels import printable


LYRICS = "lyrics"  # what o takes for the built-in lyrics (as --model lyrics names a model)


class VectorsOpened(Message):
    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path


class FileActions:
    """Mixed into LabApp; uses its marks, line cursor, submit, progress, say and notify."""

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

    def action_type_sentence(self) -> None:
        if not (self.snapshot.lines if self.snapshot else self._lines):
            self.notify("the input is raw vectors: a sentence is tokenized with a text's "
                        "tokenizer (o opens a text; o lyrics the built-in lyrics)",
                        title="Type a sentence", severity="warning")
            return

        def typed(sentence: str | None) -> None:
            if sentence is not None:
                self.marks.clear()
                self.submit("Type a sentence", lambda lab: (lab.type_sentence(sentence),
                                                            self.say_stateful_notice(lab)))

        self.push_screen(PromptScreen("Type a sentence", "It is tokenized with the fitted "
                                      "tokenizer; unknown words become <OOV>.",
                                      placeholder="I'm the great pretender",
                                      empty="type a sentence first, e.g. I'm the great "
                                            "pretender"), typed)

    def action_open_file(self) -> None:
        served = self.served

        def chosen(path: str | None) -> None:
            if path is None:
                return
            if path == LYRICS and not (served or Path(path).exists()):  # (a file wins)
                self.open_lyrics(close_model=False)
                return
            try:
                target = served.open_path(path) if served else Path(path).expanduser()
            except LabError as error:  # (the class folder changed since the dialog's check)
                self.notify(str(error), title="Open: not done", severity="error")
                return
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

        prompt = PromptScreen("Open a file", "A text file (one sequence per line), input "
                              "vectors (.npy / .json), or a trained model (.keras)" +
                              (" in the class folder, or a shipped model by name (memory-lstm "
                               "...)." if served else "; lyrics: the built-in lyrics."),
                              placeholder="path/to/file.txt",
                              empty="type the path of a file to open")
        if served:
            prompt.check = lambda path: self.allowed(prompt, served.open_path, path)
        self.ask_path("open", prompt, chosen)

    @staticmethod
    def allowed(prompt: PromptScreen, check: Callable[[str], object], value: str) -> bool:
        """check(value) passes, or the prompt says why not, in one line."""
        try:
            check(value)
        except LabError as error:
            prompt.refuse(str(error))
            return False
        return True

    def action_open_lyrics(self) -> None:
        """The palette's 'The built-in lyrics': the lesson's text again, a model closed."""
        self.open_lyrics(close_model=True)

    def open_lyrics(self, close_model: bool) -> None:
        """The built-in lyrics in the lab, its settings kept. With a model open, o lyrics
        steps the model on them (as o does any text); close_model goes back to the lab's
        random weights too, with the settings from before the model, as x does."""
        self.marks.clear()
        self.line_cursor = 1
        if not (close_model and self._model_view() is not None):
            self.submit("Lyrics", lambda lab: lab.use_lyrics(), "opened the built-in lyrics")
            return
        settings = self._settings_before_model

        def reopen(lab) -> Swap:
            from dataclasses import replace

            from tui_lab import LabConfig

            new = Lab(replace(settings or LabConfig(), engine=lab.config.engine))
            new.build()
            return Swap(new)

        self.submit("Lyrics", reopen, "opened the built-in lyrics (the model is closed)")

    def action_export(self) -> None:
        if self.served is not None:
            self._export_download()
            return

        def chosen(path: str | None) -> None:
            if path is None:
                return
            if path == LYRICS and not Path(path).exists():  # (a file of that name wins)
                self.open_lyrics(close_model=False)
                return
            target = Path(path).expanduser()

            def export(lab: Lab) -> None:
                from tui_lab.core import trace  # the trace's own writer (JSON or .npz by the suffix

                trace.write_trace(lab, target, "npz" if path.lower().endswith(".npz") else "json")

            self.ask_before_replacing(
                [target], lambda: self.submit("Export", export, f"trace written to {path}"))

        def writable(path: str) -> bool:
            """A folder, a device, a link to one, a missing folder: refused at once, with the
            write's own message, before the question whether to replace it."""
            from tui_lab.core import trace

            try:
                trace.check_output(Path(path).expanduser())
            except LabError as error:
                self.notify(str(error), title="Export: not done", severity="error", timeout=8)
                return False
            return True

        self.ask_path("export", PromptScreen("Export the trace", "Every step's numbers, to a "
                                             ".json or .npz path (the suffix picks the format).",
                                             value="trace.json", check=writable,
                                             empty="type a .json or .npz path to write to"),
                      chosen)

    def _export_download(self) -> None:
        """Served: the trace goes to the browser as a download, made in memory."""
        download_name = self.served.download_name

        def chosen(name: str | None) -> None:
            if name is None:
                return
            name = download_name(name)

            def export(lab: Lab) -> None:
                from tui_lab.core import trace

                fmt = "npz" if name.lower().endswith(".npz") else "json"
                trace.check_size(lab, fmt, False)
                self.post_message(DownloadReady(name, trace.trace_bytes(lab, fmt, None)[0]))

            self.submit("Export", export)

        prompt = PromptScreen("Export the trace", "Every step's numbers, downloaded by your "
                              "browser as a .json or .npz file (the name's suffix picks the "
                              "format).", value="trace.json", empty="type a file name such as "
                              "trace.json")
        prompt.check = lambda name: self.allowed(prompt, download_name, name)
        self.ask_path("export", prompt, chosen)

    def on_download_ready(self, message: DownloadReady) -> None:
        self.served.deliver(self, message)

    def ask_path(self, kind: str, prompt: PromptScreen, chosen: Callable[[str | None], None]
                 ) -> None:
        """Push a path prompt that opens with the last path typed in a prompt of this kind
        (its own value the first time) and notes every path entered, refused ones too."""
        prompt.value = self.typed_paths.get(kind, prompt.value)
        check = prompt.check

        def noted(path: str) -> bool:
            self.typed_paths[kind] = path
            return check is None or check(path)

        prompt.check = noted
        self.push_screen(prompt, chosen)

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


def replaced_notice(lines, name) -> str | None:
    """What to say when a text had bytes that are not UTF-8 (they are shown as \ufffd)."""
    notice = getattr(lines, "decode_notice", None)
    return notice(str(name)) if notice else None
