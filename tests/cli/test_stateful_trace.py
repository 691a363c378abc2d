"""`tui-lab trace --stateful --line A --next B`: the chain's last line, its carried initial
state recorded, equal to Keras' stateful layer called on A then B."""

import json

import numpy as np
import pytest

from tui_lab.cli.main import main


def trace(capsys, *args):
    code = main(["trace", *args])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else None), err


def test_trace_records_the_carried_state(capsys, keras):
    code, result, _ = trace(capsys, "--stateful", "--cell", "gru", "--units", "3",
                            "--line", "2", "--next", "5", "--next", "7")
    assert code == 0
    assert result["config"]["stateful"] is True
    assert result["initial_state"]["origin"] == "carried from line 5"
    assert result["config"]["source"]["initial_state"] == "carried from line 5"
    assert result["stateful"]["chain"] == ["line 2", "line 5", "line 7"]
    # Keras' own stateful GRU with the trace's weights, called on lines 2, 5 and 7.
    layer = keras.layers.GRU(3, stateful=True, return_sequences=True, return_state=True)
    layer.build((1, None, 4))
    weights = result["weights"]
    layer.set_weights([np.array(weights[k], np.float32) for k in ("kernel", "recurrent_kernel", "bias")])
    table = np.array(weights["embedding"], np.float32)
    for line in (2, 5):
        _, first, _ = trace(capsys, "--line", str(line))
        layer(table[np.array(first["padded"])])
    np.testing.assert_allclose(result["initial_state"]["h"], layer.states[0].value, atol=1e-5)
    sequence, _ = layer(table[np.array(result["padded"])])
    stepped = np.array([step["h"] for step in result["steps"]])
    np.testing.assert_allclose(stepped, np.swapaxes(np.asarray(sequence), 0, 1), atol=1e-5)
    assert result["max_abs_error"] < 1e-5


def test_trace_without_stateful_starts_from_zeros(capsys):
    code, result, _ = trace(capsys, "--line", "3")
    assert result["initial_state"]["origin"] == "zeros" and "stateful" not in result


@pytest.mark.parametrize("args,message", [
    (["--line", "2", "--next", "3"], "needs --stateful"),
    (["--stateful", "--next", "3"], "--next follows --line"),
    (["--stateful", "--line", "2", "--next", "3,4"], "fixed batch size"),
])
def test_bad_chains_are_one_line(capsys, args, message):
    code, _, err = trace(capsys, *args)
    assert code == 2 and message in err and err.count("\n") == 1


def test_dropout_trace_has_keras_masks_and_states(capsys, keras):
    code, result, _ = trace(capsys, "--cell", "lstm", "--units", "3", "--line", "4",
                            "--dropout", "0.25", "--recurrent-dropout", "0.5", "--training",
                            "--seed", "5")
    assert code == 0 and result["config"]["training"] is True
    masks = result["dropout_masks"]
    assert masks["gates"] == ["i", "f", "g", "o"]
    assert np.array(masks["input"]).shape == (4, 1, 4)
    assert np.array(masks["recurrent"]).shape == (4, 1, 3)
    layer = keras.layers.LSTM(3, dropout=0.25, recurrent_dropout=0.5, seed=5,
                              return_sequences=True, return_state=True)
    layer.build((1, None, 4))
    weights = result["weights"]
    layer.set_weights([np.array(weights[k], np.float32) for k in ("kernel", "recurrent_kernel", "bias")])
    x = np.array(weights["embedding"], np.float32)[np.array(result["padded"])]
    sequence, _, _ = layer(x, training=True)
    stepped = np.array([step["h"] for step in result["steps"]])
    np.testing.assert_allclose(stepped, np.swapaxes(np.asarray(sequence), 0, 1), atol=1e-5)
    _, plain, _ = trace(capsys, "--line", "4", "--dropout", "0.25")  # training off: no masks
    assert "dropout_masks" not in plain


@pytest.mark.parametrize("args", [["--dropout", "1"], ["--recurrent-dropout", "-0.1"],
                                  ["--dropout", "nan"], ["--dropout", "x"]])
def test_bad_rates_are_one_line(capsys, args):
    code, _, err = trace(capsys, *args)
    assert code == 2 and err.count("\n") == 1


@pytest.mark.parametrize("option", [["--training"], ["--stateful"], ["--dropout", "0.5"],
                                    ["--recurrent-dropout", "0.2"]])
def test_model_trace_refuses_the_lab_cells_options(capsys, option):
    code, _, err = trace(capsys, "--model", "assets/lyrics_lstm.keras", *option)
    assert code == 2 and "for the lab's own cell" in err and err.count("\n") == 1


def test_the_chain_carries_in_a_fresh_process():
    """As a user runs it: TensorFlow not loaded yet when the lines are chosen (the test above
    has it loaded, which hid that nothing was carried)."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "tui_lab", "trace", "--stateful",
                             "--line", "1", "--next", "2"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    trace_ = json.loads(result.stdout)
    assert trace_["initial_state"]["origin"] == "carried from line 1"
    assert trace_["stateful"]["chain"] == ["line 1", "line 2"]
