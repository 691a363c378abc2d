"""Refusals at open: the models, layers and word_index files the lab cannot step faithfully.

Each check raises one LabError naming the file, the layer and what the lab supports:
several outputs, a stateful layer, a Bidirectional layer whose two directions differ, a
layer whose states (return_state=True) feed another layer or the output, a word_index that
is not word -> id. The functional graph is read from the model's config (no TensorFlow
calls); Sequential or subclassed models have none, and pass the graph checks.
"""

from __future__ import annotations

import numpy as np

from tui_lab.core import checks, tf_loader
from tui_lab.errors import LabError


def check_word_index(word_index, source: str) -> dict[str, int]:
    """word -> id (ids >= 1, numpy ints accepted) as a plain dict; LabError otherwise."""
    if not isinstance(word_index, dict) or not word_index:
        raise LabError(f"{source} is not a word_index: expected a non-empty dict of word -> id")
    clean = {}
    for word, i in word_index.items():
        if not isinstance(word, str) or isinstance(i, (bool, np.bool_)) \
                or not isinstance(i, (int, np.integer)) or i < 1:
            raise LabError(f"{source} is not a word_index: expected word -> id (ids >= 1), "
                           f"found {checks.shown(word)}: {checks.shown(i)}")
        clean[word] = int(i)
    return clean


def _config_layers(model) -> list[dict]:
    """The layer entries of a functional model's config ([] for Sequential or a model whose
    config cannot be read: those have no graph to inspect)."""
    try:
        config = model.get_config()
    except Exception:  # a subclassed model without get_config
        return []
    layers = config.get("layers") if isinstance(config, dict) else None
    return layers if isinstance(layers, list) else []


def _histories(value):
    """Every keras_history [layer name, node index, tensor index] inside a config value."""
    if isinstance(value, dict):
        history = value.get("keras_history")
        if isinstance(history, (list, tuple)) and len(history) == 3:
            yield tuple(history)
        for item in value.values():
            yield from _histories(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _histories(item)


def state_readers(model) -> dict[str, str]:
    """layer name -> what reads one of its states (a tensor past its output, as
    return_state=True gives them): "layer NAME" or "the model's output", from the model's
    functional graph."""
    readers: dict[str, str] = {}
    for entry in _config_layers(model):
        reader = entry.get("name") or entry.get("config", {}).get("name", "?")
        for name, _node, tensor in _histories(entry.get("inbound_nodes", [])):
            if isinstance(tensor, int) and tensor > 0:
                readers.setdefault(name, f"layer {reader}")
    for name, _node, tensor in output_layers(model):
        if isinstance(tensor, int) and tensor > 0:
            readers.setdefault(name, "the model's output")
    return readers


def output_layers(model) -> list[tuple]:
    """[layer name, node index, tensor index] of each output of a functional model."""
    try:
        outputs = model.get_config().get("output_layers") or []
    except Exception:
        return []
    if outputs and isinstance(outputs[0], str):  # one output is saved as one triple
        outputs = [outputs]
    return [tuple(item) for item in outputs if isinstance(item, (list, tuple)) and len(item) == 3]


def check_one_output(model, path: str) -> None:
    """One output tensor: the next-word distribution (or the last layer's output). A model
    with several would give numpy a ragged list where the lab expects one array."""
    if len(model.outputs) == 1:
        return
    names = [str(item[0]) for item in output_layers(model)]
    which = f" (from layers {', '.join(names)})" if names else ""
    raise LabError(f"{path} has {len(model.outputs)} outputs{which}; the lab opens models with "
                   f"one output: the next-word distribution, or the last recurrent layer's output")


def check_recurrent(layer, path: str, state_reader: str | None) -> None:
    """Refuse, at open, the recurrent layers whose numbers the lab's stepping cannot show
    faithfully, naming the layer and what the lab supports."""
    keras = tf_loader.keras()
    bidirectional = isinstance(layer, keras.layers.Bidirectional)
    parts = [layer.forward_layer, layer.backward_layer] if bidirectional else [layer]
    if any(getattr(part, "stateful", False) for part in parts):
        raise LabError(f"{path}: layer {layer.name} is stateful (stateful=True), so its state "
                       f"carries over from one call to the next; the lab steps stateless layers "
                       f"only, where every sequence starts from zeros")
    if bidirectional:
        kinds = [(type(part).__name__, int(getattr(part, "units", 0))) for part in parts]
        if kinds[0] != kinds[1]:
            raise LabError(f"{path}: layer {layer.name} is Bidirectional with a forward "
                           f"{kinds[0][0]}({kinds[0][1]}) and a backward {kinds[1][0]}"
                           f"({kinds[1][1]}); the lab steps Bidirectional layers whose two "
                           f"directions are the same cell with the same units")
    if state_reader is not None:
        raise LabError(f"{path}: layer {layer.name} passes its states (return_state=True) to "
                       f"{state_reader}; the lab opens models whose layers read only a recurrent "
                       f"layer's output (Embedding -> recurrent layers -> head)")
