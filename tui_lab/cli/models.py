"""`tui-lab train` and `tui-lab generate`: trained models on the command line (`trace --model`
is in cli/trace.py). Errors are LabError: one line, exit 2.
"""

from __future__ import annotations

import argparse
import sys

from tui_lab.cli.options import COMMANDS, PROG, Parser, add_model_options, file_name, float_in, \
    int_in, open_model
from tui_lab.config import MAX_EMBEDDING_DIM, MAX_UNITS

MAX_TOP_K = 1000
MAX_TEMPERATURE = 100.0


def build_parser(command: str) -> argparse.ArgumentParser:
    """The parser of `tui-lab train` or `tui-lab generate`."""
    parser = Parser(prog=f"{PROG} {command}", description=COMMANDS[command])
    if command == "train":
        add_train_arguments(parser)
    else:
        add_generate_arguments(parser)
    return parser


def run(command: str, argv: list[str]) -> int:
    args = build_parser(command).parse_args(argv)
    return run_train(args) if command == "train" else run_generate(args)


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    from tui_lab.trained.training import MAX_EPOCHS, MAX_LEARNING_RATE, MAX_SEED

    parser.add_argument("file", nargs="?", metavar="FILE", type=file_name,
                        help="a UTF-8 text, one line per sequence (default: the lesson's lyrics)")
    parser.add_argument("--cell", default="lstm", help="simple_rnn, lstm or gru (default lstm)")
    parser.add_argument("--bidirectional", action="store_true", help="wrap it in Bidirectional")
    parser.add_argument("--units", type=int_in(1, MAX_UNITS), default=32,
                        help=f"recurrent units, 1-{MAX_UNITS} (default 32)")
    parser.add_argument("--embedding-dim", type=int_in(1, MAX_EMBEDDING_DIM), default=16,
                        help=f"Embedding output_dim, 1-{MAX_EMBEDDING_DIM} (default 16)")
    parser.add_argument("--epochs", type=int_in(1, MAX_EPOCHS), default=100,
                        help=f"epochs, 1-{MAX_EPOCHS} (default 100)")
    parser.add_argument("--learning-rate", type=float_in(0, MAX_LEARNING_RATE), default=0.01,
                        help=f"Adam's, above 0 and at most {MAX_LEARNING_RATE:g} (default 0.01)")
    parser.add_argument("--seed", type=int_in(0, MAX_SEED), default=0,
                        help="same seed, same weights, 0-2**32-1 (default 0)")
    parser.add_argument("-o", "--output", default="model.keras", metavar="FILE.keras",
                        type=file_name,
                        help="the model (default model.keras); word_index goes beside it")
    parser.add_argument("--force", action="store_true",
                        help="replace the model and its word_index even if read-only (refused "
                             "otherwise)")


def run_train(args) -> int:
    from tui_lab.trained.training import train

    result = train(args.file, args.output, cell=args.cell, units=args.units,
                   embedding_dim=args.embedding_dim, bidirectional=args.bidirectional,
                   epochs=args.epochs, seed=args.seed, learning_rate=args.learning_rate,
                   progress=sys.stderr, force=args.force)
    print(f"wrote {result.model_path} and {result.word_index_path} "
          f"(loss {result.loss:.4f}, accuracy {result.accuracy:.4f} after {result.epochs} epochs)")
    return 0


def add_generate_arguments(parser: argparse.ArgumentParser) -> None:
    from tui_lab.trained.generation import MAX_WORDS
    from tui_lab.trained.training import MAX_SEED

    add_model_options(parser, model_help="a Keras model: Embedding -> recurrent layers -> head "
                                         "(default: the shipped lyrics model)",
                      layer_help="the recurrent layer stepped at each word (default: last)")
    parser.add_argument("--seed-text", default="", metavar="TEXT", help="the words to continue")
    parser.add_argument("--words", type=int_in(1, MAX_WORDS), default=10,
                        help=f"how many words to add, 1-{MAX_WORDS} (default 10)")
    parser.add_argument("--top-k", type=int_in(1, MAX_TOP_K), default=5,
                        help=f"candidates shown and sampled, 1-{MAX_TOP_K} (5)")
    parser.add_argument("--temperature", type=float_in(0, MAX_TEMPERATURE),
                        help=f"sample with this temperature (above 0, at most {MAX_TEMPERATURE:g})")
    parser.add_argument("--sample-seed", type=int_in(0, MAX_SEED),
                        help="sample, seeding numpy's Generator (0-2**32-1)")
    parser.add_argument("--greedy", action="store_true", help="always the most probable (default)")


def _seed_ids(model, args) -> tuple[list[str], list[int]]:
    from tui_lab.errors import LabError
    from tui_lab.core.text import OOV_TOKEN

    if args.ids is not None:
        if args.seed_text:
            raise LabError("give either --seed-text or --ids, not both")
        return [model.word(i) for i in args.ids], model.check_ids(args.ids)
    if not args.seed_text.strip():
        raise LabError("give the words to continue with --seed-text \"...\" (or raw --ids 1,2,3)")
    tokens, ids = model.encode(args.seed_text)
    if all(model.word(i) == OOV_TOKEN for i in ids):  # only unknown words: nothing to go on
        raise LabError(f"the seed text has no words the model knows ({model.vocabulary_source})")
    return tokens, ids


def run_generate(args) -> int:
    from tui_lab.trained.generation import generate

    model = open_model(args)
    tokens, ids = _seed_ids(model, args)
    temperature, sample_seed = (None, None) if args.greedy else (args.temperature, args.sample_seed)
    print(f"seed: {model.joiner.join(tokens)}  (ids {' '.join(map(str, ids))})")
    words, worst = list(tokens), 0.0
    for step in generate(model, ids, args.words, top_k=args.top_k, temperature=temperature,
                         sample_seed=sample_seed, layer=args.layer):
        top = ", ".join(f"{c.word} {c.probability:.3f}" for c in step.top)
        print(f"{step.index:>3}. {step.chosen.word!r:<14} top-{len(step.top)}: {top}"
              if model.joiner == "" else
              f"{step.index:>3}. {step.chosen.word:<14} top-{len(step.top)}: {top}")
        words.append(step.chosen.word)
        if step.head_error is not None:
            worst = max(worst, step.head_error)
    print(f"text: {model.joiner.join(words)}")
    print(f"max |head(stepped states) - model(ids)|: {worst:.2e}")
    return 0
