"""Files in and out (tui_lab.core.files), memory checks (tui_lab.core.resources) and signals
(tui_lab.core.interrupts), without TensorFlow: odd files are made in tmp_path, never on /dev."""

import errno
import json
import os
import signal
import socket
import stat

import numpy as np
import pytest

from tui_lab import Lab, LabConfig, LabError
from tui_lab.core import files, interrupts, resources
from tui_lab.core.weight_files import read_npz
from tui_lab.core.inputs import read_vectors
from tui_lab.trained.loading import load_keras_model, read_word_index
from tui_lab.core.text import read_lines

LONG = "a" * 300  # one name longer than NAME_MAX (255)


@pytest.fixture(autouse=True)
def no_hang():
    """A read that blocks (a FIFO opened without O_NONBLOCK) fails the test instead."""

    def hung(signum, frame):
        raise TimeoutError("blocked: a read or write that should have been refused at once")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def umask():
    """Set the process umask for one test (the writer must follow it), then restore it."""
    saved = os.umask(0o022)
    yield os.umask
    os.umask(saved)


@pytest.fixture
def odd(tmp_path):
    """A FIFO, a folder, a socket and a symlink to the FIFO, all named like data files."""
    os.mkfifo(tmp_path / "pipe.json")
    (tmp_path / "folder.npy").mkdir()
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "sock.npz"))
    (tmp_path / "link.txt").symlink_to(tmp_path / "pipe.json")
    yield tmp_path
    sock.close()


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if ".part" in p.name)


# ----- reading: only regular files ----------------------------------------------------------
READERS = {
    "text": (".txt", read_lines),
    "vectors .npy": (".npy", read_vectors),
    "vectors .json": (".json", read_vectors),
    "weights": (".npz", lambda p: read_npz(p, "weights")),
    "initial state": (".npz", lambda p: read_npz(p, "initial-state")),
    "word_index": (".json", read_word_index),
    "model": (".keras", load_keras_model),  # refused before TensorFlow is imported
}
KINDS = {
    "fifo": r"is a named pipe \(FIFO\), not a",
    "symlink to a fifo": r"is a named pipe \(FIFO\), not a",  # judged by what it points to
    "folder": "is a folder, not a",
    "socket": "is a socket, not a",
    "device": "/dev/null is a device, not a",  # stat only: nothing is opened
    "missing": "no such",
    "long name": "the file name is too long",
}


def make_odd(folder, kind, suffix):
    path = folder / f"odd{suffix}"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "symlink to a fifo":
        os.mkfifo(folder / "fifo")
        path.symlink_to(folder / "fifo")
    elif kind == "folder":
        path.mkdir()
    elif kind == "socket":
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(str(path))
    elif kind == "device":
        return files.Path("/dev/null")
    elif kind == "long name":
        return folder / (LONG + suffix)
    return path


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_reader_takes_regular_files_only(tmp_path, reader, kind):
    suffix, read = READERS[reader]
    path = make_odd(tmp_path, kind, suffix)
    with pytest.raises(LabError, match=KINDS[kind]):
        read(path)
    if "fifo" in kind:
        assert stat.S_ISFIFO(os.stat(path).st_mode)


def test_what_a_file_is_comes_from_stat():
    assert files._kind(os.stat_result((stat.S_IFREG | 0o644,) + (0,) * 9)) is None
    for mode, words in ((stat.S_IFCHR, "a device"), (stat.S_IFBLK, "a device"),
                        (stat.S_IFIFO, "a named pipe (FIFO)"), (stat.S_IFSOCK, "a socket"),
                        (stat.S_IFDIR, "a folder")):
        assert files._kind(os.stat_result((mode | 0o644,) + (0,) * 9)) == words


def test_a_file_swapped_for_a_pipe_after_stat_does_not_block(tmp_path, monkeypatch):
    """stat said regular, then the name became a FIFO: O_NONBLOCK and fstat refuse it."""
    regular = os.stat(__file__)
    os.mkfifo(tmp_path / "swapped.txt")
    monkeypatch.setattr(files.os, "stat", lambda path: regular)
    with pytest.raises(LabError, match=r"is a named pipe \(FIFO\)"):
        files.read_bytes(tmp_path / "swapped.txt")


def test_reading_is_bounded(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"word " * 1000)
    with pytest.raises(LabError, match=r"big.txt is 4.88 KiB; the lab reads a file of at most "
                                       r"1000 bytes"):
        files.read_bytes(path, "file", 1000)
    assert files.read_bytes(path, "file", 5000) == b"word " * 1000


# ----- reading: what the files hold ----------------------------------------------------------
def test_json_with_a_bom_reads_like_text_with_one(tmp_path):
    (tmp_path / "v.json").write_bytes(b"\xef\xbb\xbf" + json.dumps([[1, 2], [3, 4]]).encode())
    assert read_vectors(tmp_path / "v.json").shape == (1, 2, 2)
    (tmp_path / "w.json").write_bytes(b"\xef\xbb\xbf" + json.dumps({"<OOV>": 1, "oh": 2}).encode())
    assert read_word_index(tmp_path / "w.json") == {"<OOV>": 1, "oh": 2}


@pytest.mark.parametrize("content,message", [
    ("[[" + "1" + "0" * 400 + "]]", "a number too large for float32"),
    ("[[1e400, 1]]", "NaN or infinite"),
    ("[[" + "9" * 5000 + "]]", "is not valid JSON.*4300 digits"),
    ("[" * 100_000 + "]" * 100_000, "is not valid JSON.*nested too deeply"),
    ("[" * 200 + "1" + "]" * 200, "rectangular array of numbers"),
    ('[["1.5", "2"]]', "must be real numbers, not <U"),
    (b"[[1, 2]]\xff", "is not valid JSON.*not UTF-8"),
])
def test_odd_json_vectors(tmp_path, content, message):
    path = tmp_path / "v.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(LabError, match=message):
        read_vectors(path)


@pytest.mark.parametrize("content", ["[" * 100_000 + "]" * 100_000,
                                     '{"a": ' * 100_000 + "1" + "}" * 100_000])
def test_deeply_nested_word_index(tmp_path, content):
    (tmp_path / "w.json").write_text(content)
    with pytest.raises(LabError, match="is not a word_index.*nested too deeply"):
        read_word_index(tmp_path / "w.json")


@pytest.mark.parametrize("array,dtype", [
    (np.array([[1 + 2j, 3j]]), "complex128"),
    (np.array([["2024-01-01", "2024-01-02"]], dtype="datetime64[D]"), "datetime64"),
    (np.array([[1, 2]], dtype="timedelta64[s]"), "timedelta64"),
    (np.array([["a", "b"]]), "<U1"),
    (np.zeros((1, 2), dtype=[("x", "f4")]), r"\[\('x'"),
])
def test_npy_that_is_not_real_numbers(tmp_path, array, dtype):
    np.save(tmp_path / "v.npy", array)
    with pytest.raises(LabError, match=f"must hold real numbers, not {dtype}"):
        read_vectors(tmp_path / "v.npy")
    np.savez(tmp_path / "w.npz", kernel=array, recurrent_kernel=np.zeros((4, 16)))
    with pytest.raises(LabError, match=f"'kernel' must hold real numbers, not {dtype}"):
        read_npz(tmp_path / "w.npz", "weights")


def test_object_npy_is_refused_without_unpickling(tmp_path):
    np.save(tmp_path / "v.npy", np.array([[1, None]], dtype=object), allow_pickle=True)
    with pytest.raises(LabError, match="must hold real numbers, not object"):
        read_vectors(tmp_path / "v.npy")


def header_only(path, shape, dtype="<f4"):
    """An .npy whose header claims shape but which holds almost no data."""
    with open(path, "wb") as out:
        np.lib.format.write_array_header_1_0(
            out, {"descr": dtype, "fortran_order": False, "shape": shape})
        out.write(b"\0" * 64)


def test_npy_header_claiming_a_huge_shape_is_refused_before_allocating(tmp_path):
    header_only(tmp_path / "huge.npy", (10**12,))
    with pytest.raises(LabError, match=r"holds 1,000,000,000,000 numbers \(shape \(1000000000000,\)\)"):
        read_vectors(tmp_path / "huge.npy")
    header_only(tmp_path / "short.npy", (1000, 4))
    with pytest.raises(LabError, match="is cut short"):
        read_vectors(tmp_path / "short.npy")
    header_only(tmp_path / "member.npy", (10**12,))
    import zipfile

    with zipfile.ZipFile(tmp_path / "w.npz", "w") as archive:
        archive.write(tmp_path / "member.npy", "kernel.npy")
    with pytest.raises(LabError, match="'kernel' holds 1,000,000,000,000 numbers"):
        read_npz(tmp_path / "w.npz", "weights")


def test_npy_values_and_order_survive(tmp_path):
    values = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    np.save(tmp_path / "c.npy", values)
    np.save(tmp_path / "f.npy", np.asfortranarray(values))
    np.save(tmp_path / "b.npy", values > 5)  # booleans are real numbers (0 and 1)
    for name in ("c.npy", "f.npy"):
        np.testing.assert_array_equal(read_vectors(tmp_path / name), values.astype(np.float32))
    assert read_vectors(tmp_path / "b.npy").sum() == 18


# ----- writing --------------------------------------------------------------------------------
def test_new_files_follow_the_umask(tmp_path, umask):
    for mask, mode in ((0o022, 0o644), (0o027, 0o640), (0o077, 0o600)):
        umask(mask)
        path = files.write_atomic(tmp_path / f"t{mask:o}.json", "{}")
        assert stat.S_IMODE(os.stat(path).st_mode) == mode
    assert leftovers(tmp_path) == []


def test_an_existing_file_keeps_its_mode(tmp_path, umask):
    umask(0o077)
    path = tmp_path / "t.json"
    path.write_text("old")
    os.chmod(path, 0o644)
    files.write_atomic(path, "new")
    assert path.read_text() == "new" and stat.S_IMODE(os.stat(path).st_mode) == 0o644


def test_a_symlink_is_written_through(tmp_path):
    (tmp_path / "real.json").write_text("old")
    (tmp_path / "link.json").symlink_to("real.json")
    (tmp_path / "dangling.json").symlink_to("created.json")
    files.write_atomic(tmp_path / "link.json", "new")
    files.write_atomic(tmp_path / "dangling.json", "fresh")
    assert (tmp_path / "link.json").is_symlink() and (tmp_path / "real.json").read_text() == "new"
    assert (tmp_path / "dangling.json").is_symlink()
    assert (tmp_path / "created.json").read_text() == "fresh"
    assert leftovers(tmp_path) == []


def test_hard_links_survive(tmp_path):
    path, other = tmp_path / "t.json", tmp_path / "same.json"
    path.write_text("old")
    os.link(path, other)
    inode = os.stat(path).st_ino
    files.write_atomic(path, "new content")
    assert other.read_text() == "new content" and os.stat(path).st_ino == inode
    assert os.stat(path).st_nlink == 2 and leftovers(tmp_path) == []


@pytest.mark.parametrize("target,message", [
    ("pipe.json", r"pipe.json is a named pipe \(FIFO\), not a trace file"),
    ("link.txt", r"link.txt is a named pipe \(FIFO\), not a trace file"),
    ("folder.npy", "folder.npy is a folder, not a trace file"),
    ("sock.npz", "sock.npz is a socket, not a trace file"),
    ("no/such/t.json", "the folder .* does not exist"),
    (LONG + ".json", "the file name is too long"),
])
def test_refused_targets_are_left_as_they_were(odd, target, message):
    with pytest.raises(LabError, match=message):
        files.write_atomic(odd / target, "{}", "trace file")
    assert stat.S_ISFIFO(os.stat(odd / "pipe.json").st_mode)
    assert (odd / "link.txt").is_symlink() and (odd / "folder.npy").is_dir()
    assert stat.S_ISSOCK(os.stat(odd / "sock.npz").st_mode) and leftovers(odd) == []


def test_dev_null_is_refused_and_stays_a_device():
    with pytest.raises(LabError, match="/dev/null is a device, not a trace file"):
        files.write_atomic("/dev/null", "{}", "trace file")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "t.json"
    path.write_text("old")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full)
    with pytest.raises(LabError, match="cannot write .*t.json: No space left on device"):
        files.write_atomic(path, "new")
    assert path.read_text() == "old" and leftovers(tmp_path) == []


def test_ctrl_c_while_writing_leaves_no_temporary(tmp_path):
    path = tmp_path / "t.json"
    path.write_text("old")
    with pytest.raises(KeyboardInterrupt):
        with files.AtomicFile(path) as out:
            out.write(b"half")
            raise KeyboardInterrupt
    assert path.read_text() == "old" and leftovers(tmp_path) == []


def test_stdout_names():
    assert all(files.is_stdout(name) for name in ("-", "/dev/stdout"))
    assert not files.is_stdout("stdout") and not files.is_stdout("/dev/null")


# ----- signals --------------------------------------------------------------------------------
@pytest.fixture
def handlers():
    restore = interrupts.install()
    yield
    restore()


@pytest.mark.parametrize("signum,raised", [(signal.SIGTERM, interrupts.Terminated),
                                           (signal.SIGINT, KeyboardInterrupt)])
def test_a_signal_while_writing_cleans_up(tmp_path, handlers, signum, raised):
    path = tmp_path / "t.json"
    with pytest.raises(raised):
        with files.AtomicFile(path) as out:
            out.write(b"{}")
            os.kill(os.getpid(), signum)
    assert not path.exists() and leftovers(tmp_path) == []


def test_a_deferred_signal_cancels_at_the_commit_point(tmp_path, handlers):
    path = tmp_path / "t.json"
    with pytest.raises(interrupts.Terminated):
        with files.AtomicFile(path) as out:
            with interrupts.deferred():
                os.kill(os.getpid(), signal.SIGTERM)  # noted, not raised, inside
                out.write(b"{}")
            files.commit_all(out)
    assert not path.exists() and leftovers(tmp_path) == []


def test_an_interrupt_swallowed_by_a_finalizer_still_counts(tmp_path, handlers, capfd):
    class Finalizer:
        def __del__(self):
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(10_000):  # the handler runs here, raising inside __del__:
                pass  # Python prints "Exception ignored" and goes on

    path = tmp_path / "t.json"
    reached = []
    with pytest.raises(KeyboardInterrupt):
        with files.AtomicFile(path) as out:
            Finalizer()
            reached.append("past the finalizer")
            out.write(b"{}")
            files.commit_all(out)
    assert reached and not path.exists() and leftovers(tmp_path) == []
    assert "Exception ignored" not in capfd.readouterr().err


def test_once_committed_a_late_signal_changes_nothing(tmp_path, handlers):
    path = files.write_atomic(tmp_path / "t.json", "{}")
    os.kill(os.getpid(), signal.SIGTERM)  # noted only: the file is in place
    assert path.read_text() == "{}" and interrupts.pending() == signal.SIGTERM


# ----- memory ---------------------------------------------------------------------------------
GIB = 2**30


def test_history_estimate_and_message():
    config = LabConfig(units=1024, maxlen=7)
    with pytest.raises(LabError, match=r"LSTM\(1,024\) over 1,000,000 timesteps x batch 1 .*needs "
                                       r"~45.9 GiB of memory; this machine has 16 GiB and the lab "
                                       r"uses at most half"):
        resources.check_lab(config, 1_000_000, 1, total=16 * GIB)
    resources.check_lab(config, 1000, 1, total=16 * GIB)
    with pytest.raises(LabError, match="batch 21"):
        resources.check_lab(LabConfig(units=512), 100_000, 21, total=16 * GIB)


def test_settings_beyond_memory_are_refused_before_anything_is_built(monkeypatch):
    monkeypatch.setattr(resources, "total_memory", lambda: 4 * GIB)
    too_big = LabConfig(units=1024, maxlen=100_000)  # a config alone allocates nothing
    with pytest.raises(LabError, match="needs ~4.64 GiB of memory; this machine has 4 GiB"):
        Lab(too_big)
    Lab(LabConfig(units=1024, embedding_dim=1024))  # 137 MiB of weights: fine
    lab = Lab(LabConfig(units=3))
    lab.step()
    with pytest.raises(LabError, match="needs ~.* GiB of memory"):
        lab.configure(units=1024, maxlen=100_000)
    assert (lab.config.units, lab.snapshot().t) == (3, 1)  # the lab keeps what it had


def test_trace_estimate():
    config = LabConfig(units=1024, embedding_dim=1024)
    with pytest.raises(LabError, match=r"the trace of .* as JSON \(8,614,912 numbers\) needs ~822 MiB"):
        resources.check_trace(config, 7, 1, "json", total=GIB)
    resources.check_trace(config, 7, 1, "npz", total=GIB)


def test_training_estimate():
    with pytest.raises(LabError, match=r"500,000 prefixes padded to 500,000 words"):
        resources.check_dataset(500_000, 500_000, "one.txt", total=64 * GIB)
    resources.check_dataset(1000, 20, "lyrics", total=8 * GIB)
    with pytest.raises(LabError, match=r"a lstm model with 4,096 units.* weights\) needs"):
        resources.check_training(100, 10, 50_000, cell="lstm", units=4096, embedding_dim=4096,
                                 bidirectional=True, batch_size=32, total=8 * GIB)
    resources.check_training(100, 10, 150, cell="lstm", units=32, embedding_dim=16,
                             bidirectional=False, batch_size=32, total=8 * GIB)


def test_the_command_line_checks_the_real_batch_and_length(tmp_path, monkeypatch, capfd):
    from tui_lab.cli.main import main

    monkeypatch.setattr(resources, "total_memory", lambda: 16 * GIB)
    lines = ",".join(str(n) for n in range(1, 22))
    assert main(["trace", "--units", "512", "--maxlen", "100000", "--line", lines]) == 2
    assert "over 100,000 timesteps x batch 21 with input size 4 needs ~48.1 GiB" in capfd.readouterr().err
    np.save(tmp_path / "v.npy", np.zeros((3, 200_000, 2), np.float32))
    assert main(["trace", "--units", "512", "--inputs", str(tmp_path / "v.npy")]) == 2
    assert "over 200,000 timesteps x batch 3 with input size 2" in capfd.readouterr().err
    (tmp_path / "long.txt").write_text("oh, " * 300_000 + "\n")
    assert main(["trace", str(tmp_path / "long.txt"), "--maxlen", "none", "--units", "512"]) == 2
    assert "over 300,000 timesteps x batch 1" in capfd.readouterr().err
