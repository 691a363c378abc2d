"""The Keras layers the core tests compare the lab with, made from a LabConfig here in the
tests (not by the lab's own code, so that they stay an independent reference)."""

from __future__ import annotations

LAYERS = {"simple_rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}


def keras_layer(keras, config, weights=None, input_dim: int | None = None,
                rows: int | None = None, **options):
    """keras.layers.<Cell>(config.units, return_sequences=True, return_state=True) with the
    config's go_backwards, use_bias and (GRU) reset_after, plus options (stateful=True,
    dropout=...). Given weights (the lab's), it is built for input_dim features (default:
    the config's embedding_dim) and `rows` rows (None: any) and holds them."""
    kwargs = {"use_bias": config.use_bias, **options}
    if config.cell == "gru":
        kwargs["reset_after"] = config.reset_after
    layer = getattr(keras.layers, LAYERS[config.cell])(
        config.units, return_sequences=True, return_state=True,
        go_backwards=config.go_backwards, **kwargs)
    if weights is not None:
        layer.build((rows, None, input_dim or config.embedding_dim))
        layer.set_weights(weights.cell_weights())
    return layer
