"""`tui-lab` with no command: the app. Its parser, the last session restored under the
options given, and the LabApp they make.

With bench's measurement children, the only module of the command line that imports the app
(tui_lab.tui), and only inside functions once the arguments are parsed: `tui-lab --help`
needs neither Textual nor TensorFlow (the import-linter contracts in pyproject.toml hold it).
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from tui_lab.cli import options
from tui_lab.cli.options import COMMANDS, PROG, Parser, add_lab_options, add_model_options, \
    make_lab


def build_parser() -> argparse.ArgumentParser:
    commands = "\n".join(f"  {name:<8} {text}" for name, text in COMMANDS.items())
    parser = Parser(
        prog=PROG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="A terminal lab for stepping through sequences with recurrent neural networks:\n"
                    "text -> tokens -> ids -> embeddings -> h and c at every timestep.\n"
                    "With no command, opens the lab (keys are in its footer; ? for help).",
        epilog=f"commands:\n{commands}\n\nRun '{PROG} COMMAND --help' for a command's options.",
    )
    add_lab_options(parser)
    add_model_options(parser, title="trained model (the app steps one of its recurrent layers)",
                      model_help="open this Keras model: Embedding -> SimpleRNN/LSTM/GRU/"
                                 "Bidirectional",
                      layer_help="the recurrent layer to step (default: the last; L in the app)",
                      ids=False)
    parser.add_argument("--fresh", action="store_true",
                        help="do not restore the last session (what was open, the settings, the "
                             "step, the theme); options given here always win over it")
    # Set by `tui-lab serve` for the lab of one browser tab (served_app), not by people.
    parser.add_argument("--served", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--served-root", help=argparse.SUPPRESS)
    return parser


def model_request(args, given: set[str] = frozenset()) -> dict | None:
    """What the app opens once it is up (loading a model needs TensorFlow: not before the
    first paint). Only what can be checked without TensorFlow is checked here, and the
    settings given that the model fixes are refused (`given`: the options typed)."""
    from tui_lab.core import files
    from tui_lab.core.text import MAX_TEXT_BYTES
    from tui_lab.errors import LabError

    if not args.model:
        if args.layer or args.word_index or args.fit_text:
            raise LabError("--layer, --word-index and --fit-text go with --model FILE.keras")
        return None
    from tui_lab.trained.loading import MAX_MODEL_BYTES, MAX_WORD_INDEX_BYTES

    if args.inputs or args.weights or args.initial_state:
        raise LabError("--model brings its own weights and reads token ids: drop --inputs, "
                       "--weights and --initial-state")
    if args.word_index and args.fit_text:
        raise LabError("give either --word-index or --fit-text, not both")
    options.refuse_model_settings(args, given)
    path = files.regular_file(args.model, "model file", MAX_MODEL_BYTES)
    if path.suffix != ".keras":
        raise LabError(f"{path} is not a .keras model file (the lab opens Keras 3 '.keras' files)")
    if args.word_index:
        files.regular_file(args.word_index, "word_index file", MAX_WORD_INDEX_BYTES)
    if args.fit_text:
        files.regular_file(args.fit_text, "file", MAX_TEXT_BYTES)
    return {"path": path, "layer": args.layer, "word_index": args.word_index,
            "fit_text": args.fit_text}


# Options that say what to step: given any of them, the last session's input is not restored.
INPUT_OPTIONS = {"file", "line", "text", "inputs", "model", "layer", "word_index", "fit_text",
                 "weights", "initial_state"}


def given_options(argv: list[str]) -> set[str]:
    """The options (by dest) given on the command line, whatever their values."""
    return options.given_options(build_parser(), argv)


def _session_model(saved: dict, notices: list[str]) -> dict | None:
    """A restored session's model as an app model request, if its file is still there."""
    def text(key):
        value = saved.get(key)
        return value if isinstance(value, str) else None

    path = Path(saved["path"])
    if not path.is_file():
        notices.append(f"the last session's model {path} is gone; it was not reopened")
        return None
    return {"path": path, "layer": text("layer"), "word_index": text("word_index"),
            "fit_text": text("fit_text"), "raw_ids": saved.get("raw_ids") is True,
            "direction": text("direction")}


def restore_session(args, given: set[str], saved, model):
    """(lab, model request, start, notices) from the last session under the command line:
    options given explicitly win; the session's input (text or sentence, lines, step, model)
    is used only if no input option was given. lab is None if nothing of it could be used."""
    from dataclasses import fields

    from tui_lab.config import LabConfig
    from tui_lab.errors import LabError

    notices: list[str] = []
    settings = {k: v for k, v in saved.settings.items() if k not in given}
    merged = argparse.Namespace(**{**vars(args), **settings})
    if not given & INPUT_OPTIONS:
        restored = argparse.Namespace(**vars(merged))
        if saved.vectors:
            restored.inputs = saved.vectors
        else:
            restored.file = saved.text
            if saved.sentence is not None:
                restored.text = saved.sentence
            elif saved.selection:
                restored.line = list(saved.selection)
        # The text may have changed since: then its first line rather than nothing of it.
        text_only = argparse.Namespace(**{**vars(restored), "line": None, "text": None})
        for attempt in (restored, text_only):
            try:
                lab = make_lab(attempt, given=given)
            except LabError as error:
                problem = error
                continue
            if attempt is text_only:
                notices.append(f"the last session's lines could not be restored: {problem}")
            start = {"step": saved.step, "marks": saved.marks, "cursor": saved.cursor,
                     "row": saved.row}
            if saved.model:
                if given & {f.name for f in fields(LabConfig)}:
                    notices.append("the last session's model was not reopened: settings were "
                                   "given on the command line")
                else:
                    model = _session_model(saved.model, notices)
            return lab, model, start, notices
        notices.append(f"the last session's input could not be restored: {problem}")
    try:
        return make_lab(merged, given=given), model, None, notices
    except LabError as error:
        notices.append(f"the last session's settings could not be used: {error}")
        return None, model, None, notices


def app_from_args(argv: list[str]):
    """The LabApp that `tui-lab ARGS` runs, the last session restored under the options given
    (nothing here imports TensorFlow: the app paints first and loads it in a worker)."""
    args = build_parser().parse_args(argv)  # --help and mistakes end here, before the app
    if args.model and not (args.file or args.text or args.inputs):
        from tui_lab.cli.options import default_text
        from tui_lab.trained.tasks import task_of_model

        if task_of_model(args.model):  # a task's model opens on its held-out lines
            args.file = str(default_text(args.model))

    served = served_lab(args) if args.served else None
    try:
        return _app(args, argv, served)
    except BaseException:
        if served is not None:
            shutil.rmtree(served.scratch, ignore_errors=True)
        raise


def _app(args, argv: list[str], served):
    from tui_lab.tui import session

    given = given_options(argv)
    model = model_request(args, given)
    saved, notice = (None, None) if args.fresh or served else session.load()
    notices = [notice] if notice else []
    lab, start = None, None
    if saved is not None:
        lab, model, start, more = restore_session(args, given, saved, model)
        notices += more
    if lab is None:
        lab = make_lab(args, given=given)
    from tui_lab.tui.app import LabApp

    vectors = args.inputs or (saved.vectors if start else None)  # start: its input is used
    # The digits come back even when the input does not: they are the view's, not the input's.
    view = {"digits": saved.digits} if saved else {}
    return LabApp(lab, model=model, theme=saved.theme if saved else None,
                  save_session=served is None, start=start, notices=tuple(notices), **view,
                  vectors_file=str(Path(vectors).resolve()) if vectors else None, served=served)


# The options that name files: a served lab finds them in the class folder.
FILE_OPTIONS = ("file", "inputs", "weights", "initial_state", "model", "word_index", "fit_text")


def served_lab(args):
    """--served: the lab of one browser tab. Its files stay in the class folder
    (--served-root; core/confine.py guards every read and write), Keras' and the lab's own
    files go to a scratch folder of its own (removed at exit, see run), and no session is
    read or written. The file options are resolved like paths typed in its dialogs."""
    import os
    import tempfile

    from tui_lab.core import files
    from tui_lab.core.confine import Confinement
    from tui_lab.core.text import assets_dir
    from tui_lab.tui.served import Served

    _end_with_parent()
    scratch = Path(tempfile.mkdtemp(prefix="tui-lab-"))
    for variable, folder in (("KERAS_HOME", "keras"), ("XDG_CACHE_HOME", "cache"),
                             ("XDG_CONFIG_HOME", "config"), ("TMPDIR", "tmp")):
        os.environ[variable] = str(scratch / folder)
    (scratch / "tmp").mkdir()
    tempfile.tempdir = None  # TensorFlow's own temporary files (autograph's) go there too
    root = Path(args.served_root) if args.served_root else None
    confinement = Confinement(root, scratch, assets_dir())
    served = Served(confinement)
    try:
        for name in FILE_OPTIONS:
            if getattr(args, name):
                setattr(args, name, str(served.open_path(getattr(args, name))))
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    files.guard(confinement)
    if root is not None:
        os.chdir(root)  # relative names in Textual and Keras mean the class folder too
    return served


def _end_with_parent() -> None:
    """A lab of `tui-lab serve` ends with its server, even one killed without a word
    (SIGKILL): Linux sends it SIGTERM then, which Textual's web driver takes as quit."""
    import signal
    import sys

    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG


def run(argv: list[str]) -> int:
    app = app_from_args(argv)
    try:
        app.run()
    finally:
        if app.served is not None:  # the scratch folder: Keras' files, a trained model
            shutil.rmtree(app.served.scratch, ignore_errors=True)
    if app.served is not None:
        leave_now()
    return 0


def leave_now() -> None:
    """A served lab whose tab has closed ends now: not after a TensorFlow import or a
    training run still going in a worker thread, which no one will see."""
    import os
    import sys

    sys.stdout.flush()
    os._exit(0)
