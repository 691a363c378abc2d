"""Weights, initial states, raw vectors and text files from disk, and what a bad one says."""

import json
import os

import numpy as np
import pytest

from tui_lab import Lab, LabConfig, LabError
from tui_lab.core.weight_files import save_npz

TOL = 1e-5


def test_weights_round_trip_through_npz(tmp_path):
    source = Lab(LabConfig(cell="gru", units=3, seed=11))
    source.run_to_end()
    expected = source.snapshot()
    save_npz(tmp_path / "w.npz", expected.weights)
    lab = Lab(LabConfig(cell="gru", units=3, seed=0))
    lab.load_weights(tmp_path / "w.npz")
    lab.run_to_end()
    s = lab.snapshot()
    np.testing.assert_array_equal(s.h, expected.h)
    assert s.weights_source == f"file {tmp_path / 'w.npz'}"


def test_weights_imply_units_bias_and_reset_after(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "gru.npz", kernel=rng.normal(size=(4, 15)),
             recurrent_kernel=rng.normal(size=(5, 15)), bias=np.zeros(15))
    lab = Lab(LabConfig(cell="gru"))
    lab.load_weights(tmp_path / "gru.npz")
    assert (lab.config.units, lab.config.use_bias, lab.config.reset_after) == (5, True, False)
    lab.run_to_end()
    assert lab.snapshot().max_abs_error < TOL
    np.savez(tmp_path / "nobias.npz", kernel=rng.normal(size=(4, 8)),
             recurrent_kernel=rng.normal(size=(2, 8)))
    lab = Lab()
    lab.load_weights(tmp_path / "nobias.npz")
    assert lab.config.use_bias is False and lab.snapshot().weights.bias is None


def test_weights_with_embedding(tmp_path):
    rng = np.random.default_rng(1)
    np.savez(tmp_path / "w.npz", kernel=rng.normal(size=(3, 2)),
             recurrent_kernel=rng.normal(size=(2, 2)), bias=np.zeros(2),
             embedding=rng.normal(size=(80, 3)))
    lab = Lab(LabConfig(cell="simple_rnn"))
    lab.load_weights(tmp_path / "w.npz")
    s = lab.snapshot()
    assert (s.config.num_words, s.config.embedding_dim, s.config.units) == (80, 3, 2)
    table = np.load(tmp_path / "w.npz")["embedding"].astype(np.float32)
    np.testing.assert_array_equal(s.batch.x[0, 0], table[8])  # 'oh' has id 8
    # Changing a setting the file fixed goes back to seeded weights.
    lab.configure(units=4)
    assert lab.snapshot().weights_source == "seed 0"


@pytest.mark.parametrize("arrays,message", [
    ({"recurrent_kernel": np.zeros((4, 16))}, "has no 'kernel' array"),
    ({"kernel": np.zeros((4, 16))}, "has no 'recurrent_kernel' array"),
    ({"kernel": np.zeros((4, 12)), "recurrent_kernel": np.zeros((4, 12))},
     r"recurrent_kernel has shape \(4, 12\), but a LSTM cell needs \(units, 4\*units\)"),
    ({"kernel": np.zeros((4, 8)), "recurrent_kernel": np.zeros((4, 16))},
     r"kernel has shape \(4, 8\), but a LSTM cell with 4 units needs \(input_dim, 16\)"),
    ({"kernel": np.zeros((4, 16)), "recurrent_kernel": np.zeros((4, 16)), "bias": np.zeros(5)},
     r"bias has shape \(5,\)"),
    ({"kernel": np.zeros((4, 16)), "recurrent_kernel": np.zeros((4, 16)),
      "embedding": np.zeros((150, 3))}, r"embedding has shape \(150, 3\)"),
    ({"kernel": np.full((4, 16), np.nan), "recurrent_kernel": np.zeros((4, 16))}, "NaN"),
    ({"kernel": np.array(["a"] * 64).reshape(4, 16), "recurrent_kernel": np.zeros((4, 16))},
     "must hold real numbers"),
])
def test_bad_weights_files(tmp_path, arrays, message):
    np.savez(tmp_path / "w.npz", **arrays)
    lab = Lab()
    lab.step()
    with pytest.raises(LabError, match=message):
        lab.load_weights(tmp_path / "w.npz")
    assert lab.snapshot().weights_source == "seed 0" and lab.t == 1


def test_weights_file_that_is_not_npz(tmp_path):
    (tmp_path / "w.npz").write_text("hello")
    with pytest.raises(LabError, match="is not a readable .npz file"):
        Lab().load_weights(tmp_path / "w.npz")
    with pytest.raises(LabError, match="no such weights file"):
        Lab().load_weights(tmp_path / "missing.npz")


def test_initial_state_file(tmp_path):
    np.savez(tmp_path / "s.npz", h=np.full(4, 0.25), c=np.full(4, -0.5))
    lab = Lab()
    lab.load_initial_state(tmp_path / "s.npz")
    s = lab.snapshot()
    np.testing.assert_array_equal(s.h0, [[0.25] * 4])
    np.testing.assert_array_equal(s.c0, [[-0.5] * 4])
    np.savez(tmp_path / "h_only.npz", h=np.zeros(4))
    with pytest.raises(LabError, match="no 'c' array"):
        lab.load_initial_state(tmp_path / "h_only.npz")
    np.savez(tmp_path / "wrong.npz", h=np.zeros((3, 3)), c=np.zeros((3, 3)))
    with pytest.raises(LabError, match="but the cell has 4 units"):
        lab.load_initial_state(tmp_path / "wrong.npz")
    lab.configure(cell="gru")
    lab.load_initial_state(tmp_path / "h_only.npz")  # GRU needs only h
    assert lab.snapshot().c0 is None


@pytest.mark.parametrize("suffix", [".npy", ".json"])
@pytest.mark.parametrize("shape", [(4, 6), (2, 4, 6)])
def test_vectors_from_files(tmp_path, suffix, shape):
    values = np.arange(np.prod(shape), dtype=np.float32).reshape(shape) / 10
    path = tmp_path / f"v{suffix}"
    if suffix == ".npy":
        np.save(path, values)
    else:
        path.write_text(json.dumps(values.tolist()))
    lab = Lab()
    lab.open_vectors(path)
    lab.run_to_end()
    s = lab.snapshot()
    assert s.source_kind == "vectors" and s.batch.x.shape == (values.reshape(-1, 4, 6).shape)
    assert s.config.embedding_dim == 6 and s.max_abs_error < TOL


@pytest.mark.parametrize("content,message", [
    ([1, 2, 3], "have 1 dimensions"),
    ([[[[1.0]]]], "have 4 dimensions"),
    ([[1, 2], [3]], "rectangular array of numbers"),
    ([], "have 1 dimensions"),
    ({"a": 1}, "rectangular array of numbers"),
])
def test_bad_vectors(tmp_path, content, message):
    path = tmp_path / "v.json"
    path.write_text(json.dumps(content))
    lab = Lab()
    with pytest.raises(LabError, match=message):
        lab.open_vectors(path)
    assert lab.snapshot().source_kind == "text"


def test_vectors_file_problems(tmp_path):
    (tmp_path / "v.json").write_text("{not json")
    with pytest.raises(LabError, match="is not valid JSON"):
        Lab().open_vectors(tmp_path / "v.json")
    (tmp_path / "v.csv").write_text("1,2")
    with pytest.raises(LabError, match="must be a .npy or .json file"):
        Lab().open_vectors(tmp_path / "v.csv")
    (tmp_path / "v.npy").write_bytes(b"garbage")
    with pytest.raises(LabError, match="is not a readable .npy file"):
        Lab().open_vectors(tmp_path / "v.npy")


def test_any_text_file(tmp_path):
    path = tmp_path / "song.txt"
    path.write_text("\ufeffHello darkness, my old friend\r\n\r\nI've come to talk with you again\n",
                    encoding="utf-8")
    lab = Lab(LabConfig(maxlen=None))
    lab.open_text(path)
    s = lab.snapshot()
    # Numbered as in an editor: the blank line 2 stays (it is shown, never stepped).
    assert s.lines == ("Hello darkness, my old friend", "", "I've come to talk with you again")
    assert s.word_index["hello"] >= 2 and len(s.batch.rows[0].ids) == 5
    lab.type_sentence("hello pretender")
    assert lab.snapshot().batch.rows[0].oov == (False, True)


@pytest.mark.parametrize("data,message", [
    (b"", "is empty"),
    (b"\n  \n\t\n", "is empty"),
    (b"abc\x00def", "looks like a binary file"),
    ("привет, мир".encode("cp1251"), "is not UTF-8 text"),  # a few bad bytes open (test_text)
])
def test_bad_text_files_keep_the_lab(tmp_path, data, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    lab = Lab()
    lab.step()
    with pytest.raises(LabError, match=message):
        lab.open_text(path)
    s = lab.snapshot()
    assert s.source_name.startswith("The Great Pretender") and s.t == 1


def test_missing_folder_and_unreadable_files(tmp_path, monkeypatch):
    with pytest.raises(LabError, match="no such file"):
        Lab().open_text(tmp_path / "nope.txt")
    with pytest.raises(LabError, match="is a folder"):
        Lab().open_text(tmp_path)
    locked = tmp_path / "locked.txt"
    locked.write_text("secret")

    real_open = os.open

    def denied(path, *args, **kwargs):  # chmod 0 cannot stop root, who runs these tests in CI
        if str(path) == str(locked):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    lab = Lab()
    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(LabError, match="cannot read .*locked.txt: permission denied"):
        lab.open_text(locked)


def test_big_text_opens_in_chunks_with_progress_and_cancel(tmp_path):
    from tui_lab.cli.bench import write_big_file
    from tui_lab.core.text import Corpus

    path = tmp_path / "big.txt"
    write_big_file(path, 400_000)
    reports = []
    lab = Lab()
    lab.open_text(path, progress=lambda done, total: reports.append((done, total)))
    count = len(lab.lines)
    assert count > 10_000 and reports[-1] == (count, count) and len(reports) == -(-count // 10_000)
    # Fitting chunk by chunk gives exactly the word_index of one fit_on_texts call.
    assert lab.snapshot().word_index == Corpus.from_file(path, 150).word_index

    lab = Lab()
    lab.step()
    checks = []

    def cancel_after_first_chunk():
        checks.append(1)
        return len(checks) > 1

    with pytest.raises(LabError, match="was cancelled"):
        lab.open_text(path, cancelled=cancel_after_first_chunk)
    assert lab.snapshot().source_name.startswith("The Great Pretender") and lab.t == 1


def test_vectors_with_a_pad_mask_skip_padding_like_keras(keras):
    """Raw vectors whose rows are padded differently (a trained model's masked input)."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 5, 3)).astype(np.float32)
    pad_mask = np.array([[True, True, False, False, False], [True, False, False, False, False]])
    lab = Lab(LabConfig(cell="lstm", units=4, mask_padding=True), vectors=x, pad_mask=pad_mask)
    lab.run_to_end()
    s = lab.snapshot()
    layer = keras.layers.LSTM(4, return_sequences=True, return_state=True)
    layer.build((None, 5, 3))
    layer.set_weights(s.weights.cell_weights())
    sequence, h, c = (np.asarray(o) for o in layer(x, mask=~pad_mask))
    np.testing.assert_allclose(s.output, np.swapaxes(sequence, 0, 1), atol=TOL)
    np.testing.assert_allclose(s.h[-1], h, atol=TOL)
    assert s.masked.sum() == 3
    with pytest.raises(LabError, match=r"the pad mask has shape \(1, 5\)"):
        lab.set_vectors(x, pad_mask[:1])


def test_corpus_with_a_features_function(keras):
    """A trained model's path: its word_index, and layers below the stepped one as features."""
    from tui_lab.core.cells import Weights
    from tui_lab.core.text import Corpus

    rng = np.random.default_rng(3)
    table = rng.normal(size=(50, 6)).astype(np.float32)
    projection = rng.normal(size=(6, 2)).astype(np.float32)
    word_index = {"<OOV>": 1, "too": 2, "real": 3, "feel": 4}
    corpus = Corpus.from_word_index(["too real to feel"], "model text", word_index, num_words=50)
    lab = Lab(LabConfig(cell="gru", maxlen=None), corpus=corpus,
              features=lambda padded: np.tanh(table[padded] @ projection))
    weights = Weights(rng.normal(size=(2, 9)).astype(np.float32),
                      rng.normal(size=(3, 9)).astype(np.float32), None)
    lab.use_weights(weights, {"units": 3, "use_bias": False, "embedding_dim": 2}, "model:gru")
    lab.run_to_end()
    s = lab.snapshot()
    assert s.batch.rows[0].ids == (2, 3, 1, 4) and s.batch.x.shape == (1, 4, 2)
    np.testing.assert_allclose(s.batch.x[0], np.tanh(table[[2, 3, 1, 4]] @ projection), atol=1e-6)
    assert s.max_abs_error < TOL and s.weights.embedding is None
    with pytest.raises(LabError, match="input size is fixed at 2"):
        lab.configure(embedding_dim=5)


def test_word_index_without_oov_drops_unknown_words_like_keras():
    from tui_lab.core.text import Corpus

    corpus = Corpus.from_word_index(["too real to feel"], "model", {"too": 1, "real": 2}, 10)
    row = corpus.encode(["too real to feel"], None, "pre", "post")[0]
    tokenizer_ids = corpus.tokenizer.texts_to_sequences(["too real to feel"])[0]
    assert row.ids == tuple(tokenizer_ids) == (1, 2) and row.tokens == ("too", "real")


def test_weights_are_saved_atomically_with_the_npz_suffix(tmp_path, monkeypatch):
    from tui_lab.core import files

    weights = Lab().snapshot(layer=False).weights
    written = []
    real = files.write_atomic
    monkeypatch.setattr(files, "write_atomic", lambda *a, **k: written.append(a[0]) or real(*a, **k))
    assert save_npz(tmp_path / "w", weights) == tmp_path / "w.npz" == written[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.npz"]
    assert np.load(tmp_path / "w.npz")["kernel"].tolist() == weights.kernel.tolist()
