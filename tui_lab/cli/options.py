"""What the commands share: the parser that fails in one line, the argument types, the lab's
options (the app and `trace`) and the trained model's (the app, `trace` and `generate`), and
the Lab or model they describe.

Nothing heavy is imported at module level: every parser is built without TensorFlow.
"""

from __future__ import annotations

import argparse
import sys

from tui_lab.config import (MAX_EMBEDDING_DIM, MAX_EMBEDDING_PARAMS, MAX_MAXLEN, MAX_NUM_WORDS,
                            MAX_SEED, MAX_UNITS)

PROG = "tui-lab"
COMMANDS = {
    "trace": "write every number of a run (ids, embeddings, h, c, gates, layer) as JSON or .npz",
    "train": "train the lesson's next-word model on a text and save it (.keras + word_index)",
    "generate": "continue a text word by word with a trained model, showing the top-k",
    "bench": "measure the lab's speed beside Keras (--quick: a few seconds; --json)",
    "serve": "serve the lab to a class's browsers, one lab per tab (pip install "
             "\"tui-lab[serve]\")",
    "experiment": "train SimpleRNN, LSTM and GRU on the memory tasks alike, or measure the "
                  "shipped ones",
}
USAGE_ERROR = 2  # a user mistake, a file that cannot be read or written: one line on stderr


class Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line on stderr (argparse prints the usage too)."""

    def error(self, message: str):
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        raise SystemExit(USAGE_ERROR)

    def _print_message(self, message, file=None):
        # argparse swallows an OSError here, so `--help > /dev/full` would exit 0 having
        # written nothing: let it through, and main() says the output could not be written.
        if message:
            (file or sys.stderr).write(message)


# ----- argument types -----------------------------------------------------------------------
def whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # also an integer of more than 4,300 digits
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text[:40]!r}") from None


def int_in(low: int, high: int):
    """An argparse type: a whole number from low to high (the range is in the message)."""

    def parse(text: str) -> int:
        value = whole_number(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected a whole number from {low:,} to "
                                             f"{high:,}, not {text[:40]}")
        return value

    return parse


def float_in(low: float, high: float):
    """An argparse type: a finite number above low and at most high (no inf, no nan)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, not {text[:40]!r}") from None
        if not low < value <= high:  # false for nan too
            raise argparse.ArgumentTypeError(f"expected a number above {low:g} and at most "
                                             f"{high:g}, not {text[:40]}")
        return value

    return parse


def file_name(text: str) -> str:
    """An argparse type for a file name: an empty one (`-o ''`) is refused, not read as
    'none given' (it would write to stdout, or drop the option)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a file name, not an empty one")
    return text


def maxlen(text: str) -> int | None:
    return None if text.lower() == "none" else whole_number(text)


def comma_numbers(what: str, example: str):
    """An argparse type for whole numbers separated by commas ("2,5")."""

    def parse(text: str) -> list[int]:
        try:
            numbers = [int(part) for part in text.split(",") if part.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what} like {example}, not {text!r}") from None
        if not numbers:
            raise argparse.ArgumentTypeError(f"expected at least one of the {what}")
        return numbers

    return parse


line_numbers = comma_numbers("line numbers", "2 or 2,5")


def fraction(text: str) -> float:
    """A dropout rate: a number from 0 up to (not including) 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a fraction such as 0.2, not {text!r}") from None
    if not 0.0 <= value < 1.0:  # NaN fails this too
        raise argparse.ArgumentTypeError(f"must be from 0 up to (not including) 1, not {text}")
    return value
token_ids = comma_numbers("ids", "1,2,3")


# ----- the lab's options (the app and trace) ------------------------------------------------
def add_lab_options(parser: argparse.ArgumentParser) -> None:
    """The settings shared by the app and the trace, with Keras' names."""
    parser.add_argument("file", nargs="?", metavar="FILE", type=file_name,
                        help="a UTF-8 text file, one sequence per line (default: the lesson's lyrics)")
    source = parser.add_argument_group("input")
    source.add_argument("--line", type=line_numbers, metavar="N[,N...]",
                        help="1-based line number to step; several (2,5) step as one batch")
    source.add_argument("--text", metavar="SENTENCE",
                        help="step this sentence, tokenized with the tokenizer fitted on FILE")
    source.add_argument("--inputs", metavar="FILE.npy|.json", type=file_name,
                        help="step raw input vectors, shape (T, features) or (B, T, features)")
    model = parser.add_argument_group("cell and weights (Keras names)")
    model.add_argument("--cell", default="lstm", help="simple_rnn, lstm or gru (default lstm)")
    model.add_argument("--units", type=whole_number, default=4,
                       help=f"recurrent units, 1-{MAX_UNITS} (default 4)")
    model.add_argument("--embedding-dim", type=whole_number, default=4,
                       help=f"Embedding output_dim, 1-{MAX_EMBEDDING_DIM} (default 4)")
    model.add_argument("--num-words", type=whole_number, default=150,
                       help=f"Tokenizer num_words and Embedding input_dim, 2-{MAX_NUM_WORDS:,}, "
                            f"at most {MAX_EMBEDDING_PARAMS:,} with embedding-dim multiplied "
                            f"(default 150)")
    model.add_argument("--maxlen", type=maxlen, default=7,
                       help=f"pad_sequences maxlen, 1-{MAX_MAXLEN:,}, or 'none' for the longest "
                            f"line (default 7)")
    model.add_argument("--padding", default="pre", help="pre or post (default pre)")
    model.add_argument("--truncating", default="post", help="pre or post (default post)")
    model.add_argument("--go-backwards", action="store_true", help="process the sequence backwards")
    model.add_argument("--mask-padding", action="store_true",
                       help="skip padded steps, carrying the state (Embedding mask_zero=True)")
    model.add_argument("--no-bias", dest="use_bias", action="store_false", help="use_bias=False")
    model.add_argument("--reset-after", action=argparse.BooleanOptionalAction, default=True,
                       help="GRU reset_after (default on)")
    model.add_argument("--seed", type=whole_number, default=0,
                       help=f"seed for every initial weight, 0-{MAX_SEED:,} (default 0)")
    model.add_argument("--engine", default="keras",
                       help="keras: call the Keras cell object at every step through its cell "
                            "API, compiled (default); numpy: the cell's equations on the same "
                            "weights, checked against the cell")
    model.add_argument("--stateful", action="store_true",
                       help="stateful=True: the next line selected starts from the final state "
                            "of the one before (trace: give the next lines with --next)")
    model.add_argument("--dropout", type=fraction, default=0.0,
                       help="the cell's dropout: fraction of x_t dropped, 0 <= p < 1 (only with "
                            "--training; default 0)")
    model.add_argument("--recurrent-dropout", type=fraction, default=0.0,
                       help="the cell's recurrent_dropout: fraction of h_(t-1) dropped (only "
                            "with --training; default 0)")
    model.add_argument("--training", action="store_true",
                       help="call the cell with training=True: dropout masks drawn from --seed "
                            "apply (without it, none, as in Keras)")
    model.add_argument("--weights", metavar="FILE.npz", type=file_name,
                       help="kernel, recurrent_kernel, optional bias and embedding (Keras layout)")
    model.add_argument("--initial-state", metavar="FILE.npz", type=file_name, help="initial state: keys h (and c)")


def given_options(parser: argparse.ArgumentParser, argv: list[str]) -> set[str]:
    """The options (by dest) given on the command line, whatever their values: a default
    never counts. `parser` is changed (its defaults dropped): pass a fresh one."""
    for action in parser._actions:
        action.default = argparse.SUPPRESS
    return set(vars(parser.parse_args(argv)))


def flag(dest: str, value) -> str:
    """An option as the user typed it: '--units 8', '--no-bias', '--no-reset-after'."""
    name = "--" + dest.replace("_", "-")
    if dest == "use_bias":
        return "--no-bias"  # (the only way to give it)
    if dest == "reset_after":
        return name if value else "--no-reset-after"
    if isinstance(value, bool):
        return name
    return f"{name} {'none' if value is None else value}"


# What a weights file fixes (weights_from_npz, Lab.use_weights), in words.
WEIGHTS_FIX = {
    "units": lambda v: f"its weights have {v} units",
    "embedding_dim": lambda v: f"its kernel reads {v} features (embedding_dim {v})",
    "num_words": lambda v: f"its embedding has {v} rows (num_words {v})",
    "use_bias": lambda v: "its weights have a bias" if v else "its weights have no bias",
    "reset_after": lambda v: f"its GRU bias was made with reset_after={v}",
}

# What a trained model fixes of the lab's settings: given with --model they would be dropped.
MODEL_FIXES = {
    "cell": "its recurrent layer's cell",
    "units": "its recurrent layer's units",
    "use_bias": "its recurrent layer's bias",
    "reset_after": "its recurrent layer's reset_after",
    "go_backwards": "its recurrent layer's go_backwards",
    "embedding_dim": "its Embedding's output_dim",
    "num_words": "its Embedding's input_dim (the ids it takes)",
    "mask_padding": "its Embedding's mask_zero",
    "maxlen": "its input length (it pads 'pre' to it)",
    "padding": "its padding (always 'pre', to its input length)",
    "truncating": "its input length (it pads 'pre' to it)",
    "seed": "its weights (they are its own)",
}


def refuse_model_settings(args, given: set[str], also: dict[str, str] | None = None) -> None:
    """LabError for the first lab setting given explicitly with --model: the model fixes it
    (`also`: more settings the command cannot use with a model, and why)."""
    from tui_lab.errors import LabError

    reasons = {dest: f"the model fixes {what}" for dest, what in MODEL_FIXES.items()}
    reasons.update(also or {})
    for dest, reason in reasons.items():
        if dest in given:
            raise LabError(f"{flag(dest, getattr(args, dest))} does not go with --model: "
                           f"{reason}")


def _agrees_with_weights(config, args, given: set[str]) -> None:
    """LabError for an option given explicitly that the weights file contradicts (it would
    be dropped: the file's shapes win)."""
    from tui_lab.errors import LabError

    for dest, fact in WEIGHTS_FIX.items():
        if dest in given and getattr(config, dest) != getattr(args, dest):
            raise LabError(f"{flag(dest, getattr(args, dest))} contradicts {args.weights}: "
                           f"{fact(getattr(config, dest))}")


def make_lab(args, fmt: str | None = None, given: set[str] = frozenset()):
    """A Lab set up from the lab's options; nothing is built (no TensorFlow) yet, and the
    memory it (and its trace in fmt) would take is checked. `given`: the options given
    explicitly (given_options), refused where the weights file fixes another value."""
    from tui_lab.config import LabConfig
    from tui_lab.core import inputs
    from tui_lab.core.lab import Lab
    from tui_lab.errors import LabError

    if args.inputs and (args.file or args.text or args.line):
        raise LabError("--inputs replaces the text: do not combine it with FILE, --text or --line")
    if args.text is not None and args.line:
        raise LabError("give either --text or --line, not both")
    config = LabConfig(cell=args.cell, units=args.units, embedding_dim=args.embedding_dim,
                       num_words=args.num_words, maxlen=args.maxlen, padding=args.padding,
                       truncating=args.truncating, go_backwards=args.go_backwards,
                       mask_padding=args.mask_padding, use_bias=args.use_bias,
                       reset_after=args.reset_after, seed=args.seed, engine=args.engine,
                       stateful=args.stateful, dropout=args.dropout,
                       recurrent_dropout=args.recurrent_dropout, training=args.training)
    vectors = inputs.read_vectors(args.inputs) if args.inputs else None
    if vectors is not None:
        lab = Lab(config, vectors=vectors)
    else:
        lab = Lab(config, text=args.file)
    if args.weights:
        lab.load_weights(args.weights)
        _agrees_with_weights(lab.config, args, given)
    if args.initial_state:
        lab.load_initial_state(args.initial_state)
    _check_memory(lab, args, vectors, fmt)
    if args.text is not None:
        lab.type_sentence(args.text)
    elif args.line:
        lab.select_lines(args.line)
    return lab


def _words(line: str) -> int:
    """How many words Keras' Tokenizer makes of a line, at most (its filters split too)."""
    import re

    return len(re.findall(r"[^\s!\"#$%&()*+,\-./:;<=>?@\[\\\]^_`{|}~]+", line))


def _check_memory(lab, args, vectors, fmt: str | None) -> None:
    """Refuse a run (and its trace) too big for this machine before anything is allocated."""
    from tui_lab.core import resources

    config = lab.config
    if vectors is not None:
        batch, timesteps, features = vectors.shape
        dims = {"input_dim": features, "text": False}
    else:
        lines = lab.lines
        rows = [args.text] if args.text is not None else \
            [lines[n - 1] for n in (args.line or [1]) if 1 <= n <= len(lines)]
        batch = max(1, len(rows))
        timesteps = config.maxlen or max([_words(row) for row in rows] + [1])
        dims = {}
    resources.check_lab(config, timesteps, batch, **dims)
    if fmt is not None:
        resources.check_trace(config, timesteps, batch, fmt, **dims)


# ----- the trained model's options (the app, trace and generate) ----------------------------
def add_model_options(parser: argparse.ArgumentParser, *, title: str = "trained model",
                      model_help: str = "a Keras model: Embedding -> recurrent layers -> head",
                      layer_help: str = "the recurrent layer to step (default: the last)",
                      ids: bool = True) -> None:
    """--model, --layer, --word-index, --fit-text and (ids) raw --ids: defined once here."""
    group = parser.add_argument_group(title)
    group.add_argument("--model", metavar="FILE.keras", type=model_file,
                       help=f"{model_help}; or a shipped model's name: 'lyrics', "
                            f"'memory-lstm', 'recall-gru' ... (memory|recall-simple_rnn|lstm|gru)")
    group.add_argument("--layer", help=layer_help)
    group.add_argument("--word-index", metavar="FILE.json", type=file_name,
                       help="word -> id for the model (default: MODEL.word_index.json beside it)")
    group.add_argument("--fit-text", metavar="FILE", type=file_name,
                       help="fit the tokenizer on this text instead of a saved word_index")
    if ids:
        group.add_argument("--ids", type=token_ids, metavar="1,2,3",
                           help="raw token ids instead of text")


def model_file(value: str) -> str:
    """--model's value: a path, or the name of a model shipped with the package ('lyrics',
    'memory-lstm', 'recall-gru' ...: trained/tasks.py), found wherever it is installed,
    unless a file of that name is in the working directory."""
    from pathlib import Path

    from tui_lab.trained.tasks import shipped_models

    value = file_name(value)

    shipped = shipped_models()
    if value in shipped and not Path(value).exists():
        return str(shipped[value])
    return value


def default_text(model_path):
    """The text a model opens on when no FILE or --text is given: a shipped task model's
    held-out lines (its .tsv, read without the answers), else the lesson's lyrics."""
    from tui_lab.core.text import lyrics_path
    from tui_lab.trained.tasks import task_of_model

    found = task_of_model(model_path) if model_path else None
    return found[0].tsv if found else lyrics_path()


def open_model(args):
    """The TrainedModel the model options name (this imports TensorFlow)."""
    from tui_lab.trained.loading import open_model

    return open_model(args.model, word_index=args.word_index, fit_text=args.fit_text)
