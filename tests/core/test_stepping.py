"""The controller's operations: step, back, seek, reset, run to end, selecting, settings."""

import numpy as np
import pytest

from tui_lab import Lab, LabConfig, LabError


@pytest.fixture
def lab():
    return Lab()


def test_import_does_not_load_tensorflow():
    import subprocess
    import sys

    code = ("import sys; from tui_lab import Lab; lab = Lab(); lab.select_lines(3); "
            "lab.configure(units=6); print(lab.lines[2]); "
            "print('tensorflow' in sys.modules, lab.is_built)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["My need is such I pretend too much", "False False"]


def test_step_back_seek_reset(lab):
    assert lab.snapshot().t == 0
    assert lab.step() and lab.step()
    s = lab.snapshot()
    assert s.t == 2 and s.h.shape == (2, 1, 4) and s.position == 1
    h_after_two = s.h.copy()
    assert lab.back()
    assert lab.snapshot().t == 1
    lab.step()
    np.testing.assert_array_equal(lab.snapshot().h, h_after_two)  # replay gives the same states
    lab.seek(7)
    assert lab.snapshot().at_end
    assert not lab.step()  # at the end: nothing more
    lab.reset()
    assert lab.snapshot().t == 0 and not lab.back()
    lab.run_to_end()
    assert lab.t == 7
    with pytest.raises(LabError, match="outside 0..7"):
        lab.seek(8)
    with pytest.raises(LabError):
        lab.seek(-1)


def test_each_step_records_the_embedding_of_its_position(lab):
    lab.configure(go_backwards=True)
    lab.step()
    s = lab.snapshot()
    assert s.position == 6  # go_backwards consumes the last position first
    ids = s.batch.rows[0].padded
    np.testing.assert_array_equal(s.batch.x[0, 6], s.weights.embedding[ids[6]])


def test_selecting_a_line_starts_over(lab):
    lab.seek(3)
    lab.select_lines(2)
    s = lab.snapshot()
    assert s.t == 0 and s.selection == (2,)
    assert s.batch.labels == ("line 2",)


def test_settings_keep_the_cursor(lab):
    lab.seek(4)
    h_lstm = lab.snapshot().h.copy()
    lab.configure(cell="gru")
    s = lab.snapshot()
    assert s.t == 4 and s.config.cell == "gru" and s.c is None
    assert set(s.gates) == {"update", "reset", "candidate"}
    lab.configure(cell="lstm")
    np.testing.assert_array_equal(lab.snapshot().h, h_lstm)  # same seed, same weights


def test_batch_of_lines(lab):
    lab.select_lines([2, 5])
    lab.run_to_end()
    s = lab.snapshot()
    assert s.h.shape == (7, 2, 4)
    assert s.batch.pad_mask[0].tolist() == [True, True, False, False, False, False, False]
    assert s.max_abs_error < 1e-5
    # Each row alone gives the same states as in the batch.
    lab.select_lines(5)
    lab.run_to_end()
    np.testing.assert_allclose(lab.snapshot().h[:, 0], s.h[:, 1], atol=1e-6)


def test_typed_sentence_marks_unknown_words(lab):
    lab.type_sentence("The great pretender sings karaoke!")
    s = lab.snapshot()
    row = s.batch.rows[0]
    assert row.tokens == ("the", "great", "pretender", "sings", "karaoke")
    assert row.ids == (4, 10, 11, 1, 1)
    assert row.oov == (False, False, False, True, True)
    assert s.sentence == "The great pretender sings karaoke!" and s.selection == ()


def test_num_words_limits_ids_to_the_most_frequent(lab):
    lab.configure(num_words=10)
    row = lab.snapshot().batch.rows[0]
    assert row.ids == (8, 8, 9, 2, 4, 1, 1)  # 'great' (10) and 'pretender' (11) become OOV
    assert lab.snapshot().weights.embedding.shape == (10, 4)


def test_maxlen_none_pads_to_the_longest(lab):
    lab.configure(maxlen=None, padding="post")
    lab.select_lines([15, 2])
    s = lab.snapshot()
    assert s.timesteps == 12
    assert s.batch.rows[1].pad_mask.tolist() == [False] * 5 + [True] * 7


def test_truncating_pre_keeps_the_tail(lab):
    lab.configure(truncating="pre")
    lab.select_lines(15)
    row = lab.snapshot().batch.rows[0]
    assert row.padded.tolist() == list(row.ids[-7:])
    assert row.dropped == (0, 1, 2, 3, 4)
    assert row.token_at.tolist() == list(range(5, 12))


def test_seed_makes_weights_reproducible():
    first = Lab(LabConfig(seed=3)).snapshot().weights
    again = Lab(LabConfig(seed=3)).snapshot().weights
    other = Lab(LabConfig(seed=4)).snapshot().weights
    for name in ("embedding", "kernel", "recurrent_kernel", "bias"):
        np.testing.assert_array_equal(getattr(first, name), getattr(again, name))
    assert not np.array_equal(first.kernel, other.kernel)
    assert not np.array_equal(first.embedding, other.embedding)


def test_reseed(lab):
    kernel = lab.snapshot().weights.kernel.copy()
    lab.reseed()
    assert lab.config.seed == 1
    assert not np.array_equal(lab.snapshot().weights.kernel, kernel)


def test_bad_settings_keep_the_state(lab):
    lab.seek(3)
    before = lab.snapshot()
    for changes, message in [
        ({"units": 0}, "units must be at least 1"),
        ({"units": 5000}, "units must be at most 1024"),
        ({"embedding_dim": 0}, "embedding_dim must be at least 1"),
        ({"embedding_dim": 10_000}, "embedding_dim must be at most"),
        ({"maxlen": 0}, "maxlen must be at least 1"),
        ({"cell": "transformer"}, "unknown cell 'transformer'"),
        ({"padding": "middle"}, "padding must be 'pre' or 'post'"),
        ({"units": "4"}, "units must be a whole number"),
        ({"colour": "red"}, "unknown setting 'colour'"),
    ]:
        with pytest.raises(LabError, match=message):
            lab.configure(**changes)
    after = lab.snapshot()
    assert after.config == before.config and after.t == 3
    np.testing.assert_array_equal(after.h, before.h)


def test_bad_selection_and_sentence_keep_the_state(lab):
    lab.select_lines(4)
    with pytest.raises(LabError, match="line 22 is out of range: the text has 21 lines"):
        lab.select_lines(22)
    with pytest.raises(LabError, match="line 0 is out of range"):
        lab.select_lines([0])
    with pytest.raises(LabError, match="at least one line"):
        lab.select_lines([])
    with pytest.raises(LabError, match="no words the tokenizer keeps"):
        lab.type_sentence("?!... ---")
    with pytest.raises(LabError, match="at least one word"):
        lab.type_sentence("   ")
    assert lab.snapshot().selection == (4,)


def test_initial_state_must_fit(lab):
    with pytest.raises(LabError, match=r"has shape \(3,\), but the cell has 4 units"):
        lab.set_initial_state(np.zeros(3))
    lab.set_initial_state(np.ones(4), np.ones(4))
    with pytest.raises(LabError, match="clear the initial state first"):
        lab.configure(units=5)
    assert lab.config.units == 4
    lab.set_initial_state()
    lab.configure(units=5)
    assert lab.snapshot().h0.shape == (1, 5)


def test_long_runs_report_progress_and_can_be_cancelled():
    vectors = np.random.default_rng(0).normal(size=(2, 1000, 3)).astype(np.float32)
    config = LabConfig(units=128)  # 2 rows x 128 units: chunks of 65,536 / 256 = 256 steps
    lab = Lab(config, vectors=vectors)
    assert lab.chunk_steps == 256
    reports = []
    assert lab.run_to_end(progress=lambda done, total: reports.append((done, total)))
    assert reports == [(256, 1000), (512, 1000), (768, 1000), (1000, 1000)]
    assert lab.snapshot().max_abs_error < 1e-5

    lab = Lab(config, vectors=vectors)
    calls = []

    def cancel_after_two_chunks():
        calls.append(1)
        return len(calls) > 2

    assert not lab.run_to_end(cancelled=cancel_after_two_chunks)
    assert lab.t == 512  # stopped at the last step computed, still consistent
    assert lab.snapshot().max_abs_error < 1e-5
    assert lab.step() and lab.t == 513


@pytest.mark.parametrize("engine", ["numpy", "keras"])
def test_engines_agree(engine):
    lab = Lab(LabConfig(engine=engine, cell="gru", units=5))
    lab.select_lines([1, 2])
    lab.run_to_end()
    other = Lab(LabConfig(engine="keras" if engine == "numpy" else "numpy", cell="gru", units=5))
    other.select_lines([1, 2])
    other.run_to_end()
    np.testing.assert_allclose(lab.snapshot().h, other.snapshot().h, atol=1e-6)
    for name, values in lab.snapshot().gates.items():
        np.testing.assert_allclose(values, other.snapshot().gates[name], atol=1e-6)


def test_snapshot_without_layer_until_it_has_run(lab):
    lab.step()
    quick = lab.snapshot(layer=False)
    assert quick.layer_sequence is None and quick.max_abs_error is None and quick.t == 1
    full = lab.snapshot()
    assert full.layer_sequence.shape == (1, 7, 4) and full.max_abs_error < 1e-5
    assert lab.snapshot(layer=False).layer_sequence is not None  # ran once: kept


def test_a_history_too_big_for_memory_is_refused_and_the_lab_kept(monkeypatch):
    from tui_lab.core import resources

    monkeypatch.setattr(resources, "total_memory", lambda: 2**30)  # a 1 GiB machine
    vectors = np.zeros((1, 20_000, 2), np.float32)
    lab = Lab(vectors=vectors)
    lab.step()
    with pytest.raises(LabError, match=r"LSTM\(1,024\) over 20,000 timesteps x batch 1 .* needs"):
        lab.configure(units=1024)  # ~1 GiB of history: more than half of 1 GiB
    assert lab.config.units == 4 and lab.t == 1 and lab.snapshot().h.shape == (1, 1, 4)


# ----- initial state: h and c rows agree and fit the batch when set -------------------------
def test_initial_h_and_c_must_have_the_same_rows(lab):
    lab.seek(2)
    before = lab.snapshot()
    for h, c, message in ((np.zeros((3, 4)), np.zeros((1, 4)), r"'h' has 3 row\(s\) but 'c' has 1"),
                          (np.zeros((1, 4)), np.zeros((3, 4)), r"'h' has 1 row\(s\) but 'c' has 3"),
                          (np.zeros(4), np.zeros((2, 4)), r"'h' has 1 row\(s\) but 'c' has 2"),
                          (np.zeros((3, 4)), np.zeros((3, 4)), "3 rows but the batch has 1"),
                          (np.zeros((3, 4)), None, "3 rows but the batch has 1")):
        with pytest.raises(LabError, match=message):
            lab.set_initial_state(h, c)
    # Nothing was kept: stepping and the snapshot work, from zeros.
    assert lab.step() and lab.snapshot().max_abs_error < 1e-5
    after = lab.snapshot()
    assert not after.initial_state_given and not after.h0.any() and not after.c0.any()
    np.testing.assert_array_equal(after.h[:2], before.h)


def test_an_initial_state_per_row_fits_its_batch(keras):
    lab = Lab(LabConfig(units=3))
    lab.select_lines([1, 2, 3])
    rng = np.random.default_rng(2)
    h0, c0 = rng.normal(size=(2, 3, 3)).astype(np.float32)
    lab.set_initial_state(h0, c0)
    with pytest.raises(LabError, match="3 rows but the batch has 1"):
        lab.select_lines(4)  # the state is for three rows
    assert lab.selection == (1, 2, 3)
    lab.run_to_end()
    snapshot = lab.snapshot()
    layer = keras.layers.LSTM(3, return_sequences=True, return_state=True)
    layer.build((None, None, 4))
    layer.set_weights(snapshot.weights.cell_weights())
    sequence, h, c = (np.asarray(a) for a in layer(snapshot.batch.x, initial_state=[h0, c0]))
    np.testing.assert_allclose(snapshot.output, np.swapaxes(sequence, 0, 1), atol=1e-5)
    np.testing.assert_allclose(snapshot.c[-1], c, atol=1e-5)


def test_an_initial_h_set_for_gru_starts_an_lstm_from_c_zero(keras):
    """A GRU has no c: switching to LSTM afterwards starts from c = 0 (it was NaN)."""
    lab = Lab(LabConfig(cell="gru", units=4))
    h0 = np.linspace(-0.5, 0.5, 4, dtype=np.float32)
    lab.set_initial_state(h0)
    lab.configure(cell="lstm")
    lab.run_to_end()
    snapshot = lab.snapshot()
    assert snapshot.c0.tolist() == [[0.0] * 4] and np.isfinite(snapshot.h).all()
    layer = keras.layers.LSTM(4, return_sequences=True, return_state=True)
    layer.build((None, None, 4))
    layer.set_weights(snapshot.weights.cell_weights())
    initial = [h0[None], np.zeros((1, 4), np.float32)]
    sequence, h, c = (np.asarray(a) for a in layer(snapshot.batch.x, initial_state=initial))
    np.testing.assert_allclose(snapshot.output, np.swapaxes(sequence, 0, 1), atol=1e-5)
    assert snapshot.max_abs_error < 1e-5


def test_initial_state_files_with_unlike_rows_on_the_command_line(tmp_path, capfd):
    from tui_lab.cli.main import main

    for h_rows, c_rows in ((3, 1), (1, 3)):
        path = tmp_path / f"s{h_rows}{c_rows}.npz"
        np.savez(path, h=np.zeros((h_rows, 4)), c=np.zeros((c_rows, 4)))
        assert main(["trace", "--initial-state", str(path)]) == 2
        out, err = capfd.readouterr()
        assert err.count("\n") == 1 and f"'h' has {h_rows} row(s) but 'c' has {c_rows}" in err, err
        assert out == ""


def test_history_id_changes_with_every_new_history(lab):
    lab.step()
    first = lab.snapshot().history_id
    lab.step()
    lab.back()
    assert lab.snapshot().history_id == first  # stepping fills the same History
    lab.configure(units=5)
    second = lab.snapshot().history_id
    lab.select_lines(2)
    assert len({first, second, lab.snapshot().history_id}) == 3
    lab.configure(units=5)  # nothing changed, yet a new History: a new id, never a reused one
    assert lab.snapshot().history_id not in (first, second)


def test_the_built_in_lyrics_are_known_by_a_flag(lab, tmp_path):
    from tui_lab.core.text import LYRICS_NAME

    assert lab.is_lyrics and lab.source_name == LYRICS_NAME
    path = tmp_path / "t.txt"
    path.write_text("a b c\n")
    lab.open_text(path)
    assert not lab.is_lyrics
    lab.use_lyrics()
    assert lab.is_lyrics
    lab.set_vectors(np.ones((3, 2)))
    assert not lab.is_lyrics and lab.snapshot().model is None
