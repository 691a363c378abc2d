"""Every file the lab reads or writes goes through here.

Reading: only regular files, up to a size limit, and never blocking (a named pipe or a device
is refused at once, before a byte is read). Writing: atomic, `AtomicFile`:
- the content goes to a temporary file beside the target (`.NAME.XXXXXXXX.part`), which is
  renamed over the target once complete: a reader sees the old file or the new one, never
  half of one, and the temporary file is removed after any error, ctrl+c or SIGTERM;
- a symlink is written through: its target gets the new content, the link stays;
- a folder, a device, a named pipe or a socket is refused as a target (the CLI streams `-`
  and /dev/stdout to standard output itself, see `is_stdout`);
- a file its mode makes read-only for us is refused, as `cp` refuses it, unless forced
  (`--force`): judged from the bits, not by the kernel, since root would replace anything;
- an existing file keeps its permission bits; a new one gets the umask's (0666 & ~umask);
- a file with other hard links (st_nlink > 1) is rewritten in place, from the finished
  temporary file, so every link keeps seeing the same (new) content.
A served lab (`tui-lab serve`) sets a guard (core/confine.py) that every read and write
passes first: its browser user reads only the class folder and writes nothing on the server.
"""

from __future__ import annotations

import errno
import io
import json
import os
import secrets
import shutil
import stat
import zipfile
from pathlib import Path

import numpy as np

from tui_lab.core import interrupts
from tui_lab.errors import LabError

NAME_MAX = 255  # bytes in one file name on Linux and macOS file systems
STDOUT_NAMES = ("-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1")
READ_CHUNK = 1 << 20
REAL_KINDS = "biuf"  # numpy dtype kinds that are real numbers: bool, int, uint, float
# Past the largest .npz of weights the lab uses (1,024 units x 4 gates, kernel and recurrent
# kernel from 1,024 inputs and a 16M-value embedding), with room for float64 and more.
MAX_NPZ_VALUES = 256_000_000
MAX_NPZ_BYTES = 2 << 30

_guard = None  # a served lab's Confinement: check(path, write) raises LabError; None: no limit


def guard(confinement) -> None:
    """From now on every read and write of this process passes confinement.check first."""
    global _guard
    _guard = confinement


def shown(path) -> str:
    """A path as messages show it: whole, unless it is absurdly long."""
    text = str(path)
    return text if len(text) <= 100 else f"{text[:60]}...{text[-30:]} ({len(text)} characters)"


def size_text(size: int) -> str:
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= scale:
            value = size / scale
            return f"{value:.3g} {unit}" if value < 1000 else f"{value:,.0f} {unit}"
    return f"{size} bytes"


def _os_error(error: OSError, path, verb: str, what: str) -> LabError:
    """One clear sentence for an OSError about path."""
    if error.errno == errno.ENOENT or error.errno == errno.ENOTDIR:
        return LabError(f"no such {what}: {shown(path)}")
    if error.errno == errno.ENAMETOOLONG:
        return LabError(f"cannot {verb} {shown(path)}: the file name is too long (at most "
                        f"{NAME_MAX} bytes per name)")
    if error.errno in (errno.EACCES, errno.EPERM):
        return LabError(f"cannot {verb} {shown(path)}: permission denied")
    if error.errno == errno.ELOOP:
        return LabError(f"cannot {verb} {shown(path)}: too many levels of symbolic links")
    return LabError(f"cannot {verb} {shown(path)}: {error.strerror or error}")


def _kind(st: os.stat_result) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    mode = st.st_mode
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _refuse_kind(path, st: os.stat_result, what: str) -> None:
    kind = _kind(st)
    if kind is not None:
        raise LabError(f"{shown(path)} is {kind}, not a {what}")


class ReadOnlyFile(LabError):
    """A target the user made read-only: refused unless forced (the CLI names --force)."""


def read_only(st: os.stat_result) -> bool:
    """True when the file's mode bits give us no write permission, judged as the kernel
    judges a user without root's override (CAP_DAC_OVERRIDE would write anything): the
    owner's bit if the file is ours, else the group's if it is one of ours, else others'.
    The atomic writer renames over the target, which needs only the folder's permission,
    so a read-only file would be replaced silently without this check."""
    if st.st_uid == os.geteuid():
        bit = stat.S_IWUSR
    elif st.st_gid == os.getegid() or st.st_gid in os.getgroups():
        bit = stat.S_IWGRP
    else:
        bit = stat.S_IWOTH
    return not st.st_mode & bit


def _refuse_read_only(path, st: os.stat_result) -> None:
    if read_only(st):
        raise ReadOnlyFile(f"cannot write {shown(path)}: it is read-only "
                           f"({stat.filemode(st.st_mode)}), so it was left as it is")


def _check_size(path, size: int, limit: int | None, what: str) -> None:
    if limit is not None and size > limit:
        raise LabError(f"{shown(path)} is {size_text(size)}; the lab reads a {what} of at most "
                       f"{size_text(limit)}")


# ----- reading ------------------------------------------------------------------------------
def regular_file(path, what: str = "file", limit: int | None = None) -> Path:
    """path, checked to be an existing regular file within limit bytes (for libraries that
    open files by name themselves, e.g. Keras); LabError naming what it is otherwise."""
    path = Path(path).expanduser()
    if _guard is not None:
        _guard.check(path)
    try:
        st = os.stat(path)
    except OSError as error:
        raise _os_error(error, path, "read", what) from None
    _refuse_kind(path, st, what)
    _check_size(path, st.st_size, limit, what)
    return path


def read_bytes(path, what: str = "file", limit: int | None = None) -> bytes:
    """The content of a regular file, at most limit bytes; LabError for anything else.

    stat first (no open at all for a folder or a device); then open with O_NONBLOCK, so
    that a file swapped for a named pipe in between cannot block, and check again."""
    path = regular_file(path, what, limit)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise _os_error(error, path, "read", what) from None
    try:
        _refuse_kind(path, os.fstat(fd), what)
        chunks, size = [], 0
        while chunk := os.read(fd, READ_CHUNK):
            chunks.append(chunk)
            size += len(chunk)
            _check_size(path, size, limit, what)  # a file that grew while being read
        return b"".join(chunks)
    except OSError as error:
        raise _os_error(error, path, "read", what) from None
    finally:
        os.close(fd)


def json_from_bytes(data: bytes, name: str, what: str = "valid JSON"):
    """JSON text (UTF-8, with or without a BOM) as Python data; LabError "name is not what
    (why)" if it cannot be read."""
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        why = f"not UTF-8: bad byte at offset {error.start}"
    except json.JSONDecodeError as error:
        why = f"line {error.lineno}: {error.msg}"
    except RecursionError:
        why = "nested too deeply"
    except ValueError as error:  # e.g. an integer of more than 4,300 digits
        why = str(error).split(";")[0]
    raise LabError(f"{name} is not {what} ({why})")


def _npy_from(stream, name: str, max_values: int, available: int | None) -> np.ndarray:
    """One .npy array from an open stream; its header (shape, dtype) is checked before a
    byte of data is allocated, so a header claiming 10^12 values costs nothing."""
    fmt = np.lib.format
    try:
        version = fmt.read_magic(stream)
        header = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
        shape, fortran, dtype = header(stream)
    except (ValueError, EOFError, OSError) as error:
        raise LabError(f"{name} is not a readable .npy file ({error})") from None
    if dtype.kind not in REAL_KINDS or dtype.fields is not None:
        raise LabError(f"{name} must hold real numbers, not {dtype}")
    count = int(np.prod(shape, dtype=object))
    if count > max_values:
        raise LabError(f"{name} holds {count:,} numbers (shape {tuple(shape)}); the lab reads "
                       f"at most {max_values:,}")
    if available is not None and count * dtype.itemsize > available:
        raise LabError(f"{name} is cut short: its header says shape {tuple(shape)} of {dtype}, "
                       f"but the file is smaller")
    data = stream.read(count * dtype.itemsize)
    if len(data) != count * dtype.itemsize:
        raise LabError(f"{name} is cut short (shape {tuple(shape)} of {dtype})")
    array = np.frombuffer(data, dtype=dtype, count=count)
    return array.reshape(shape[::-1]).T if fortran else array.reshape(shape)


def npy_from_bytes(data: bytes, name: str, max_values: int) -> np.ndarray:
    return _npy_from(io.BytesIO(data), name, max_values, len(data)).copy()


def npz_from_bytes(data: bytes, name: str, max_values: int) -> dict[str, np.ndarray]:
    """The arrays of an .npz archive, each header checked first (max_values in all)."""
    arrays, left = {}, max_values
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                key = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
                with archive.open(info) as member:
                    array = _npy_from(member, f"{name}: '{key}'", left, info.file_size)
                arrays[key] = array.copy()
                left -= array.size
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as error:
        raise LabError(f"{name} is not a readable .npz file ({type(error).__name__})") from None
    return arrays


# ----- writing ------------------------------------------------------------------------------
def is_stdout(path) -> bool:
    """`-o -` and `-o /dev/stdout` mean standard output (streamed, never renamed)."""
    return str(path) in STDOUT_NAMES


def write_stdout(data: bytes | str) -> None:
    """Write to standard output now; a full disk or a closed pipe is a LabError, and the
    stream is left so that Python's own flush at exit has nothing more to say."""
    import sys

    try:
        sys.stdout.flush()
        sys.stdout.buffer.write(data.encode() if isinstance(data, str) else data)
        sys.stdout.flush()
    except BrokenPipeError:
        raise  # the reader left (`| head`): the CLI ends quietly
    except OSError as error:
        silence_stdout()
        raise LabError(f"cannot write to standard output: {error.strerror or error}") from None


def silence_stdout() -> None:
    """Point fd 1 at /dev/null, so a failed or abandoned stdout is not flushed again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)


def _temp_name(name: str, suffix: str) -> str:
    # Short enough for NAME_MAX even when the target's own name is at the limit.
    stem = name.encode()[:NAME_MAX - 40].decode(errors="ignore")
    return f".{stem}.{secrets.token_hex(4)}.part{suffix}"


class AtomicFile:
    """A file written completely or not at all: write `temp`, then `commit()`.

    Use as a context manager: the temporary file is removed when the block ends, whatever
    happens. `suffix` is appended to the temporary name (Keras wants '.keras' at the end).
    `force`: replace a file that is read-only for us (refused otherwise: ReadOnlyFile)."""

    def __init__(self, path, what: str = "file", suffix: str = "", force: bool = False):
        self.shown = Path(path).expanduser()
        self.what = what
        self.force = force
        self.path = self._target(self.shown)
        self.temp: Path | None = None
        self._suffix = suffix
        self._new_mode = 0o600

    def _target(self, path: Path) -> Path:
        """The regular file to write: through symlinks; LabError for anything else."""
        if len(path.name.encode()) > NAME_MAX:
            raise LabError(f"cannot write {shown(path)}: the file name is too long (at most "
                           f"{NAME_MAX} bytes per name)")
        real = Path(os.path.realpath(path))
        if _guard is not None:
            _guard.check(real, write=True)
        try:
            st = os.stat(real)
            _refuse_kind(path, st, self.what)
            if not self.force:
                _refuse_read_only(path, st)
        except FileNotFoundError:
            if not real.parent.is_dir():
                raise LabError(f"cannot write {shown(path)}: the folder {shown(real.parent)} "
                               f"does not exist") from None
        except OSError as error:
            raise _os_error(error, path, "write", self.what) from None
        return real

    def __enter__(self) -> AtomicFile:
        try:
            with interrupts.deferred():  # no signal between creating the file and noting it
                self._create()
            return self
        except BaseException:
            self.discard()
            raise

    def _create(self) -> None:
        while True:
            temp = self.path.with_name(_temp_name(self.path.name, self._suffix))
            try:
                # 0o666: the kernel applies the umask, as for any new file.
                fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
                break
            except FileExistsError:
                continue
            except OSError as error:
                raise _os_error(error, self.shown, "write", self.what) from None
        self.temp = temp
        try:
            self._new_mode = stat.S_IMODE(os.fstat(fd).st_mode)
        finally:
            os.close(fd)

    def __exit__(self, *exc) -> None:
        self.discard()

    def discard(self) -> None:
        if self.temp is not None:
            self.temp.unlink(missing_ok=True)
            self.temp = None

    def write(self, data: bytes) -> None:
        """The whole content, into the temporary file."""
        try:
            # O_NOFOLLOW: the name is ours (O_EXCL above); never follow a link put there.
            fd = os.open(self.temp, os.O_WRONLY | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC)
            with open(fd, "wb") as out:
                out.write(data)
        except OSError as error:
            raise self.error(error) from None

    def error(self, error: OSError) -> LabError:
        return LabError(f"cannot write {shown(self.shown)}: {error.strerror or error}")

    def commit(self) -> Path:
        """Put the finished temporary file in place (call under interrupts.deferred())."""
        try:
            fd = os.open(self.temp, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
            try:
                os.fsync(fd)  # the content is on disk before the name points at it
            finally:
                os.close(fd)
            try:
                current = os.stat(self.path)
            except FileNotFoundError:
                current = None
            if current is not None:  # replaced, or made read-only, meanwhile?
                _refuse_kind(self.shown, current, self.what)
                if not self.force:
                    _refuse_read_only(self.shown, current)
            if current is not None and current.st_nlink > 1:
                # Other hard links share this inode: rewrite it in place (the content is
                # complete already), so every link sees the new file.
                with open(self.temp, "rb") as source, open(self.path, "r+b") as target:
                    target.truncate(0)
                    shutil.copyfileobj(source, target, READ_CHUNK)
                    target.flush()
                    os.fsync(target.fileno())
                self.discard()
            else:
                os.chmod(self.temp, stat.S_IMODE(current.st_mode) if current else self._new_mode)
                os.replace(self.temp, self.path)
                self.temp = None
        except OSError as error:
            raise self.error(error) from None
        return self.path


def commit_all(*files: AtomicFile) -> None:
    """Put several finished files in place together: a signal noted before this point
    cancels them all (nothing written); once here, all of them are written."""
    with interrupts.deferred():
        interrupts.raise_pending()
        for file in files:
            file.commit()
        interrupts.settle()


def write_atomic(path, data: bytes | str, what: str = "file", force: bool = False) -> Path:
    """Write data to path atomically (see AtomicFile)."""
    with AtomicFile(path, what, force=force) as out:
        out.write(data.encode() if isinstance(data, str) else data)
        commit_all(out)
    return out.path
