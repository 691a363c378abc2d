"""The app's trained-model actions (mixed into LabApp): open a .keras model, pick the layer and
direction to step, generate text word by word, train a model on the open text.

Every change goes through LabApp.submit (the one serialized worker path, jobs.py): an operation
that opens a model or changes the layer builds a new trained.lab.ModelLab and returns it in a
Swap, which the UI thread makes the app's lab; so a LabError (a bad file, a word_index that
does not fit ...) is a notification and the lab keeps what it had. The UI thread reads only
the latest snapshot, never the lab. Nothing here imports TensorFlow on the UI thread.
"""

from __future__ import annotations

from pathlib import Path

from textual.message import Message

from tui_lab.errors import LabError
from tui_lab.core.text import LYRICS_NAME, lyrics_path
from tui_lab.tui.jobs import Swap

SEED_WORDS = 40  # at most this many words of a line become generation's default seed


def _model_lab_class():
    from tui_lab.trained.lab import ModelLab

    return ModelLab


class VocabularyNeeded(Message):
    """From a worker: the model has no word_index; ask how to read its ids."""

    def __init__(self, path: str, layer: str | None, characters: bool = False) -> None:
        super().__init__()
        self.path, self.layer, self.characters = path, layer, characters


class ModelActions:
    """Mixed into LabApp; uses its snapshot, submit, progress, say and notify."""

    _model_request: dict | None = None
    _model_bar = None  # the ModelBar under the panels, once mounted
    _model_options: dict | None = None  # how the open model was opened (for the session)
    # The lesson's settings (LabConfig) when a model was opened over them: x goes back to them.
    _settings_before_model = None
    _generation_settings = None

    # ----- helpers ----------------------------------------------------------------------------
    def _is_model(self, lab) -> bool:
        """(In a worker.)"""
        return isinstance(lab, _model_lab_class())

    def _model_view(self):
        return getattr(self.snapshot, "model", None)

    def _need_model(self) -> bool:
        if self._model_view() is None:
            self.notify("open a trained model first: o and a .keras path (or w to generate with "
                        "the shipped model)", title="No model open", severity="warning")
            return False
        return True

    def _input_now(self) -> dict:
        """The lab's input, to keep when the model or layer changes (read on the UI thread)."""
        snapshot = self.snapshot
        if snapshot is None:
            return {"selection": self._selection or (1,), "sentence": None}
        return {"selection": snapshot.selection or (1,), "sentence": snapshot.sentence}

    def _text_of(self, lab):
        """(lines, source) of the lab's text for a model to read; the lyrics if it has none."""
        from tui_lab.trained.lab import RAW_IDS

        lines, source = lab.lines, lab.source_name
        if not lines or source == RAW_IDS:
            return None, None
        return lines, source

    def _text_path(self) -> Path | None:
        """The open text as a file, for training (None: the built-in lyrics)."""
        source = self.snapshot.source_name if self.snapshot else self._source
        if source == LYRICS_NAME:
            return None
        path = Path(source)
        if not path.is_file():
            raise LabError(f"the open text ({source}) is not a text file to train on; open one "
                           f"with o")
        return path

    # ----- mounting and showing ---------------------------------------------------------------
    def _mount_model_bar(self) -> None:
        from tui_lab.tui.widgets.model_bar import ModelBar

        screen = self.lab_screen
        if not screen.query("#model-bar"):
            self._model_bar = ModelBar(id="model-bar")
            screen.mount(self._model_bar, after=screen.query_one("#panels"))

    def _show_model(self, snapshot) -> None:
        """After every snapshot: the model bar shows the model's view (hidden without one)."""
        # (Kept since mounting: a CSS query at every step costs ~2 ms.)
        if self._model_bar is not None:
            self._model_bar.show(getattr(snapshot, "model", None), self.view.digits)

    def _open_requested_model(self) -> None:
        self._mount_model_bar()
        if self._model_request:
            request = dict(self._model_request)
            direction = request.pop("direction", None)
            self.open_model_file(**request)
            if direction not in (None, "forward"):  # a restored session's backward cell
                self.submit("Direction", lambda lab: lab.show_direction(direction)
                            if self._is_model(lab) else None)

    # ----- opening ------------------------------------------------------------------------------
    def open_model_file(self, path, *, layer: str | None = None, word_index=None, fit_text=None,
                        raw_ids: bool = False) -> None:
        """Open a .keras model in a worker; on success it replaces the lab (text kept)."""
        path = Path(path).expanduser()
        keep = self._input_now()
        self.marks.clear()
        if self.snapshot is not None and self.snapshot.model is None:
            self._settings_before_model = self.snapshot.config

        def open_it(lab) -> None:
            from tui_lab.trained.lab import MissingWordIndex, open_model_lab

            lines, source = self._text_of(lab)
            if fit_text is not None and str(fit_text) != source:
                # The tokenizer is fitted on that text: step its lines.
                from tui_lab.core.text import read_lines

                lines, source = read_lines(fit_text), str(fit_text)
                keep.update(selection=(lines.first_line,), sentence=None)  # not a blank one
            if lines is None:
                keep.update(selection=(1,), sentence=None)
            try:
                new = open_model_lab(path, layer=layer, word_index=word_index, fit_text=fit_text,
                                     raw_ids=raw_ids, lines=lines, source=source,
                                     engine=lab.config.engine, **keep)
            except MissingWordIndex as missing:
                self.post_message(VocabularyNeeded(str(path), layer, missing.characters))
                raise
            except LabError as error:
                if keep["sentence"] is None:
                    raise
                # The typed sentence may not suit this model: fall back to the lines.
                try:
                    new = open_model_lab(path, layer=layer, word_index=word_index,
                                         fit_text=fit_text, raw_ids=raw_ids, lines=lines,
                                         source=source, engine=lab.config.engine)
                except LabError:
                    raise error from None
            return Swap(new, model_options={
                "word_index": None if word_index is None else str(Path(word_index).resolve()),
                "fit_text": None if fit_text is None else str(Path(fit_text).resolve()),
                "raw_ids": raw_ids})

        # (w generates only with a next-word head: the model bar's "says" line tells which)
        self.submit("Open model", open_it, f"opened {path.name}: step it with ␣ · L layer")

    def on_vocabulary_needed(self, message: VocabularyNeeded) -> None:
        from tui_lab.tui.screens.model_screens import VocabularyScreen

        path, layer = message.path, message.layer
        try:
            text = str(self._text_path() or lyrics_path())
        except LabError:
            text = str(lyrics_path())

        served = self.served

        def chosen(answer) -> None:
            if answer is None:
                return
            how, text_path = answer
            if how == "fit":
                self.typed_paths["fit text"] = text_path
                try:
                    fit_text = str(served.open_path(text_path)) if served else text_path
                except LabError as error:  # (the class folder changed since the check)
                    self.notify(str(error), title="Open model: not done", severity="error")
                    return
                self.open_model_file(path, layer=layer, fit_text=fit_text)
            else:
                self.open_model_file(path, layer=layer, raw_ids=True)

        self.push_screen(VocabularyScreen(path, self.typed_paths.get("fit text", text),
                                          message.characters,
                                          check=served.open_path if served else None), chosen)

    def action_close_model(self) -> None:
        if self._model_view() is None:
            self.notify("no trained model is open", severity="warning")
            return

        settings = self._settings_before_model
        done = ("back to the lesson's random weights and the settings before the model"
                if settings is not None else "back to the lesson's random weights")

        def close(lab) -> None:
            from dataclasses import replace

            from tui_lab import Lab, LabConfig

            lines, source = self._text_of(lab)
            config = replace(settings or LabConfig(), engine=lab.config.engine)
            new = Lab(config, text=None if source in (None, LYRICS_NAME) else source)
            selection = lab.selection
            if lines is not None and selection:
                new.select_lines(selection)
            new.build()
            return Swap(new)

        self.submit("Close model", close, done)

    # ----- layer and direction ------------------------------------------------------------------
    def action_pick_layer(self) -> None:
        if not self._need_model():
            return
        from tui_lab.tui.screens.model_screens import LayerPickerScreen

        view = self._model_view()

        def picked(choice) -> None:
            if choice is None:
                return
            name, direction = choice

            def switch(lab) -> Swap:
                return Swap(lab.with_layer(name, direction))

            self.submit("Layer", switch)

        self.push_screen(LayerPickerScreen(view.layers, (view.layer.name, view.direction)), picked)

    def action_flip_direction(self) -> None:
        if not self._need_model():
            return
        if not self._model_view().layer.bidirectional:
            self.notify(f"layer {self._model_view().layer.name} is not Bidirectional: it has one "
                        f"cell (L picks another layer)", severity="warning")
            return
        self.submit("Direction", lambda lab: lab.flip_direction())

    # ----- generation ---------------------------------------------------------------------------
    def _settings(self):
        if self._generation_settings is None:
            from tui_lab.trained.generation import GenerationSettings

            self._generation_settings = GenerationSettings()
        return self._generation_settings

    def default_seed(self) -> str:
        """The seed the generate dialog offers: the last generation's, the typed sentence,
        or the cursor line (their last SEED_WORDS words)."""
        view = self._model_view()
        snapshot = self.snapshot
        lines = snapshot.lines if snapshot is not None else self._lines
        if view is not None and view.generation is not None:
            seed = view.generation.seed
        elif snapshot is not None and snapshot.sentence:
            seed = snapshot.sentence
        elif lines:
            seed = lines[max(0, min(len(lines), self.line_cursor) - 1)]
        else:
            seed = "i'm the great pretender"
        # The model reads only the last few words (padded and truncated 'pre'): a long line's
        # last SEED_WORDS are the same seed, and they fit in the form and on screen.
        return " ".join(seed.split()[-SEED_WORDS:])

    def _with_model(self, lab):
        """(In a worker.) The lab as a ModelLab: with no model open, the shipped model on the
        lab's text (the worker returns it in a Swap)."""
        if self._is_model(lab):
            return lab
        from tui_lab.trained.lab import open_model_lab
        from tui_lab.trained.loading import shipped_model_path

        lines, source = self._text_of(lab)
        return open_model_lab(shipped_model_path(), lines=lines, source=source,
                              engine=lab.config.engine)

    def _start(self, lab, seed: str, settings):
        """(In a worker.) Start generating; returns the ModelLab that does it."""
        model_lab = self._with_model(lab)
        model_lab.start_generation(seed, settings)
        return model_lab

    def action_generate(self) -> None:
        """The generation form: seed text, top-k, greedy or sampling; then generation starts."""
        from tui_lab.tui.screens.model_screens import GenerateScreen

        def chosen(answer) -> None:
            if answer is None:
                return
            seed, settings = answer
            self._generation_settings = settings
            self.marks.clear()
            self.submit("Generate", lambda lab: Swap(self._start(lab, seed, settings)),
                        "n: next word · N: run words · esc stops")

        self.push_screen(GenerateScreen(self.default_seed(), self._settings()), chosen)

    def _generating(self) -> bool:
        view = self._model_view()
        return view is not None and view.generation is not None

    def action_generate_next(self) -> None:
        """One more word (starting from the cursor line with the current settings if needed)."""
        self._generate(1)

    def action_generate_many(self) -> None:
        """N more words in a worker; progress in the status bar; escape stops it."""
        self._generate(self._settings().words)

    def _generate(self, count: int) -> None:
        seed, settings = self.default_seed(), self._settings()
        fresh = not self._generating()
        self._cancel.clear()
        self.marks.clear()

        def run(lab) -> Swap:
            if fresh or getattr(lab, "generation", None) is None:
                lab = self._start(lab, seed, settings)

            def progress(done: int, total: int) -> None:
                if total > 1:
                    self.progress("generating", done, total,
                                  f"generating {done}/{total} words · esc stops")

            done = lab.generate_next(count, progress=progress, cancelled=self._cancel.is_set)
            if done < count:
                self.say(f"stopped after {done} of {count} words", title="Generate")
            return Swap(lab)

        self.submit("Next word" if count == 1 else f"Generating {count} words", run)

    # ----- training -----------------------------------------------------------------------------
    def action_train(self) -> None:
        """Train the lesson's next-word model on the open text; the result opens in the lab."""
        from tui_lab.tui.screens.train import TrainScreen

        try:
            text = self._text_path()
        except LabError as error:
            self.notify(str(error), title="Train: not possible", severity="error")
            return
        lines = self.snapshot.lines if self.snapshot else self._lines
        stem = "lyrics" if text is None else text.stem
        remembered = f"train output: {stem}"  # the name last typed for this text, if any
        output = self.typed_paths.get(remembered, f"{stem}_lstm.keras")  # in the current folder

        served = self.served

        def trained(path: Path) -> None:
            if served:  # the model and its word_index go to the browser, as one .zip
                from tui_lab.trained.loading import word_index_path
                from tui_lab.tui.served import DownloadReady

                self.post_message(DownloadReady(f"{path.stem}.zip",
                                                served.zipped(path, word_index_path(path))))
            self.open_model_file(path)

        with_words = sum(1 for line in lines if line.strip())  # blank lines teach nothing
        def typed(name: str) -> None:
            self.typed_paths[remembered] = name

        self.push_screen(TrainScreen(text, "the lyrics" if text is None else text.name, with_words,
                                     output, trained, on_output=typed,
                                     place=served.train_output if served else None))
