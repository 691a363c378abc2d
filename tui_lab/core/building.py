"""Building a lab's parts from its settings and input: the cell and its weights, the batch
to step and an empty History.

Pure functions of what `Lab._commit` is about to swap in; the Lab stays the one owner of
state.
"""

from __future__ import annotations

import numpy as np

from tui_lab.config import GATE_BLOCKS, LabConfig
from tui_lab.core import checks, resources
from tui_lab.core.cells import CellRunner, Weights, seeded_weights
from tui_lab.core.history import History
from tui_lab.core.snapshot import Batch, vector_batch
from tui_lab.core.text import Corpus
from tui_lab.errors import LabError

# Settings that the weights depend on: changing one of them makes new weights.
WEIGHT_SETTINGS = ("cell", "units", "embedding_dim", "num_words", "use_bias", "reset_after", "seed")


def first_input(config: LabConfig | None, text, vectors, pad_mask, corpus, features):
    """(config, corpus, vectors) of a new Lab from its arguments (see Lab.__init__), checked:
    the lyrics if no input is given; raw vectors fix the config's embedding_dim."""
    if config is not None and not isinstance(config, LabConfig):
        raise LabError(f"config must be a LabConfig (or None), not {checks.shown(config)}")
    if sum(value is not None for value in (text, vectors, corpus)) > 1:
        raise LabError("give one input: a text file, vectors or a corpus, not several")
    if text is not None:
        text = checks.path_argument(text, "the text file")
    if corpus is not None and not isinstance(corpus, Corpus):
        raise LabError(f"corpus must be a text.Corpus, not {checks.shown(corpus)}")
    if pad_mask is not None and vectors is None:
        raise LabError("a pad_mask marks padding in vectors: give the vectors too")
    checks.callable_or_none(features, "features")
    config = config or LabConfig()
    check_settings_fit(config)
    if vectors is not None:
        batch = vector_batch(vectors, pad_mask)
        return config.replace(embedding_dim=batch.x.shape[2]), None, batch
    if corpus is not None:
        return config, corpus.with_num_words(config.num_words), None
    if text is not None:
        return config, Corpus.from_file(text, config.num_words), None
    return config, Corpus.lyrics(config.num_words), None


def check_settings_fit(config: LabConfig) -> None:
    """LabError unless the weights and a one-line history of maxlen steps fit in memory:
    checked before any weights are made (the build checks the real batch and length again)."""
    resources.check_lab(config, config.maxlen or 1, 1)


def weights_change(runner: CellRunner, old_loaded, old_vectors: Batch | None, old_features,
                   config: LabConfig, vectors: Batch | None, features, loaded) -> bool:
    """Whether these settings and input need new weights, not the runner's."""
    old = runner.config
    if loaded is not old_loaded:
        return True
    if (vectors is None) != (old_vectors is None):
        return True
    if (features is None) != (old_features is None):
        return True
    if vectors is not None and vectors.x.shape[2] != runner.weights.input_dim:
        return True
    return any(getattr(old, name) != getattr(config, name) for name in WEIGHT_SETTINGS
               if not (name == "reset_after" and config.cell != "gru"))


def make_weights(config: LabConfig, vectors: Batch | None, features, loaded) -> Weights:
    """Weights from the seed, or the loaded ones fitted to the input (an Embedding table
    from the seed for text, none for raw vectors)."""
    input_dim = None if vectors is None else vectors.x.shape[2]
    if loaded is None:
        if features is not None:
            raise LabError("a lab whose input goes through a features function needs the "
                           "weights that read those features (use_weights)")
        return seeded_weights(config, input_dim)
    weights = loaded[0]
    if vectors is None and features is None and weights.embedding is None:
        # A file with cell weights only: the Embedding table comes from the seed.
        table = seeded_weights(config, None).embedding
        weights = Weights(weights.kernel, weights.recurrent_kernel, weights.bias, table)
    if vectors is not None:
        weights = Weights(weights.kernel, weights.recurrent_kernel, weights.bias, None)
    return weights


def make_batch(config: LabConfig, corpus, vectors: Batch | None, features, selection, sentence,
               weights: Weights) -> Batch:
    """The batch to step: the raw vectors, or the selected lines (or typed sentence) encoded
    and looked up in the Embedding table (or passed through `features`)."""
    if vectors is not None:
        return vectors
    if sentence is not None:
        texts, labels = [sentence], ("typed",)
    else:
        texts = [corpus.lines[n - 1] for n in selection]
        labels = tuple(f"line {n}" for n in selection)
    rows = corpus.encode(texts, config.maxlen, config.padding, config.truncating)
    if all(not row.ids for row in rows):
        which = "the typed sentence has" if sentence is not None else (
            f"{labels[0]} has" if len(labels) == 1 else "the selected lines have")
        raise LabError(f"{which} no words the tokenizer keeps, so there is nothing to step")
    padded = np.stack([row.padded for row in rows])
    if features is None:
        x = weights.embedding[padded]  # the Embedding layer is exactly this lookup
    else:
        x = np.asarray(features(padded), dtype=np.float32)
        expected = padded.shape + (weights.input_dim,)
        if x.shape != expected:
            raise LabError(f"the features function gave shape {x.shape}, not {expected}")
    return Batch(x, np.stack([row.pad_mask for row in rows]), labels, tuple(rows))


def check_weights(weights: Weights, config: LabConfig, origin: str) -> None:
    """LabError unless the arrays fit a cell of config.cell (shapes as Keras lays them out,
    so that a mismatch is a sentence, not Keras' ValueError)."""
    blocks = GATE_BLOCKS[config.cell]
    arrays = {name: getattr(weights, name) for name in ("kernel", "recurrent_kernel", "bias",
                                                         "embedding")}
    if not all(a is None or (isinstance(a, np.ndarray) and a.dtype.kind in "biuf")
               for a in arrays.values()):
        raise LabError(f"{origin}: the weights must be numpy arrays of real numbers")
    if not all(a is None or np.all(np.isfinite(a)) for a in arrays.values()):
        raise LabError(f"{origin}: the weights hold NaN or infinite values")
    kernel, recurrent, bias = weights.kernel, weights.recurrent_kernel, weights.bias
    units = recurrent.shape[0] if recurrent is not None and recurrent.ndim == 2 else 0
    fits = (units >= 1 and recurrent.shape[1] == blocks * units and kernel is not None
            and kernel.ndim == 2 and kernel.shape[0] >= 1 and kernel.shape[1] == blocks * units
            and (bias is None or bias.shape == (blocks * units,)
                 or (config.cell == "gru" and bias.shape == (2, blocks * units)))
            and (weights.embedding is None or (weights.embedding.ndim == 2 and
                                               weights.embedding.shape[1] == kernel.shape[0])))
    if not fits:
        shapes = ", ".join(f"{k} {None if a is None else a.shape}" for k, a in arrays.items())
        raise LabError(f"{origin}: the weights ({shapes}) do not fit a "
                       f"{config.cell_title} cell: kernel (input, {blocks}*units), "
                       f"recurrent_kernel (units, {blocks}*units), bias ({blocks}*units,)")


def build(config: LabConfig, corpus, vectors: Batch | None, features, selection, sentence,
          loaded, initial, old_runner: CellRunner | None, old_input: tuple):
    """(runner, batch, history) for these settings and input; the runner (and its weights)
    is reused when nothing the weights depend on changed. old_input: the lab's current
    (loaded, vectors, features). LabError if they do not fit together or in memory."""
    check_settings_fit(config)
    runner = old_runner
    if runner is None or weights_change(runner, *old_input, config, vectors, features, loaded):
        runner = CellRunner(config, make_weights(config, vectors, features, loaded))
    elif runner.config != config:
        runner = CellRunner(config, runner.weights)  # same weights, e.g. go_backwards
    batch = make_batch(config, corpus, vectors, features, selection, sentence, runner.weights)
    if initial is not None and initial[0].shape[0] not in (1, batch.shape[0]):
        raise LabError(f"the initial state has {initial[0].shape[0]} rows but the batch has "
                       f"{batch.shape[0]}")
    steps = batch.shape[1]
    # Refuse a history that would not fit in memory before allocating it.
    resources.check_lab(config, steps, batch.shape[0], runner.weights.input_dim,
                        text=vectors is None)
    order = np.arange(steps)[::-1].copy() if config.go_backwards else np.arange(steps)
    history = History(order, batch.shape[0], config.units, config.gate_names,
                      config.cell == "lstm")
    return runner, batch, history
