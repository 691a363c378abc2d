"""Trained Keras models: loading, stepping their layers, generation, training. Built on core; never imports Textual or Rich."""
