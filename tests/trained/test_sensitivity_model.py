"""A trained model's lab answers Lab.sensitivity for the layer it shows (ModelLab), checked
against tf.GradientTape through the model's own recurrent layer object."""

import numpy as np

from tui_lab.core.tf_loader import tensorflow
from tui_lab.trained.lab import open_model_lab


def test_a_trained_models_lab_answers_for_its_layer_against_the_models_own_layer():
    """ModelLab: the shown layer's sensitivity to what it reads (the Embedding's output),
    against tf.GradientTape through the model's own LSTM layer object."""
    tf = tensorflow()
    model_lab = open_model_lab(None, selection=(21,))
    model_lab.run_to_end()
    t = model_lab.t
    result = model_lab.sensitivity()
    model, name = model_lab.model, model_lab.info.name
    ids = model_lab.view().ids
    x = tf.constant(model.layer_input(name, ids))
    layer = model.keras_layer(name)
    mask = tf.constant(ids != 0) if model.mask_zero else None
    with tf.GradientTape() as tape:
        tape.watch(x)
        output = layer(x, mask=mask)
        y = output[:, -1] if len(output.shape) == 3 else output  # h_T
    jacobian = np.asarray(tape.batch_jacobian(y, x), np.float64)
    expected = np.sqrt((jacobian ** 2).sum(axis=(1, 3)))[:, model_lab.lab.snapshot().order[:t]]
    np.testing.assert_allclose(result.norms, expected, rtol=1e-4, atol=1e-6)


import pytest  # noqa: E402

from tui_lab.trained import tasks  # noqa: E402
from tui_lab.trained.lab import ModelLab  # noqa: E402
from tui_lab.trained.loading import open_model  # noqa: E402


@pytest.mark.parametrize("name", ["memory", "recall"])
@pytest.mark.parametrize("cell", tasks.TASK_CELLS)
def test_reach_of_the_shipped_task_models_against_their_own_layers(name, cell):
    """At several steps t: ||dh_t/dx_k|| of the lab (compiled tape, as the why view asks, and
    eager) against tf.GradientTape through the model's own Embedding output and recurrent
    layer object, run on the line's first t inputs."""
    tf = tensorflow()
    task = tasks.TASKS[name]
    model = open_model(task.model_path(cell))
    lines = [words for words, _ in tasks.read_task(task.tsv)[:3]]
    model_lab = ModelLab(model, lines=lines, source="task", selection=(2,))
    ids = model_lab.view().ids
    x = tf.constant(model.layer_input(model_lab.info.name, ids))
    layer = model.keras_layer(model_lab.info.name)
    for t in (1, 5, task.length):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x[:, :t])  # return_sequences=False: h_t
        jacobian = np.asarray(tape.batch_jacobian(y, x), np.float64)[:, :, :t]
        expected = np.sqrt((jacobian ** 2).sum(axis=(1, 3)))
        for compiled in (True, None):
            result = model_lab.sensitivity(t, compiled=compiled)
            np.testing.assert_allclose(result.norms, expected, rtol=1e-4, atol=1e-7)
