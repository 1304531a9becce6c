"""Atomic file writes: a save either fully happens or leaves the old file byte-identical.

The new contents go to a temporary file in the target's own directory (so the final rename
never crosses file systems), are flushed and fsynced, and then ``os.replace`` swaps them in:
a rename is atomic on POSIX and Windows, so a reader, a crash or a kill sees either the whole
old file or the whole new one. On any failure the temporary file is removed; one left by a
save that was killed is removed by the next save of the same target (a live save holds a lock
on its temporary file, so only abandoned ones go).

A save writes only over a regular file or to a new name: a directory, a device, a FIFO or a
socket (or a symbolic link to one) is refused before anything is written, and the old
target is never read. ``check_output_path`` says so up front, for long work that ends in a
save. Reading opens only regular files, checked on the open file itself, so a FIFO never
blocks and a device is never read.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no fcntl; stale temp files then stay
    fcntl = None  # type: ignore[assignment]

from tui_nn.core.errors import TuiNNError

__all__ = [
    "atomic_write_bytes",
    "atomic_write_text",
    "check_output_path",
    "describe_size",
    "open_regular",
    "output_path_problem",
    "read_limited",
    "save_bytes",
]

# A new file gets the mode an ordinary ``open(path, "w")`` would give under a usual umask;
# mkstemp's own 0600 would surprise a user who shares a session with a class.
_NEW_FILE_MODE = 0o644


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace the file at ``path`` with ``data`` atomically.

    A symbolic link is followed, so the file it points at is replaced and the link kept.
    The replaced file keeps its permission bits.

    Args:
        path: The file to write; its directory must exist.
        data: The complete new contents.

    Raises:
        OSError: when the directory is not writable, the disk is full, or ``path`` is not a
            regular file (a directory, device, FIFO or socket, or a link to one); the old
            file is then untouched and no temporary file is left behind.
    """
    target = Path(os.path.realpath(path))
    try:
        info = os.stat(target)
    except FileNotFoundError:
        mode = _NEW_FILE_MODE
    else:
        if not stat.S_ISREG(info.st_mode):
            reason = f"it is {_kind(info.st_mode)}; a save writes only regular files"
            raise OSError(errno.EINVAL, reason, os.fspath(path))
        mode = stat.S_IMODE(info.st_mode)
    _remove_stale_temp_files(target)
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        if fcntl is not None:
            # Held until the file is closed: tells a later save this temp file is live.
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, mode)
        os.replace(temp_name, target)
    except BaseException:
        # BaseException too: a KeyboardInterrupt mid-save must not leave a stray temp file.
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    _sync_directory(target.parent)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _remove_stale_temp_files(target: Path) -> None:
    """Delete temporary files an interrupted save of ``target`` left behind.

    Only names ``mkstemp`` makes for this target (``.NAME.XXXXXXXX.tmp``) that are regular
    files nobody holds a lock on: a save in progress (in any process) keeps its lock.
    """
    if fcntl is None:  # pragma: no cover - see the import
        return
    pattern = re.compile(re.escape(f".{target.name}.") + r"[A-Za-z0-9_]{8}\.tmp")
    try:
        names = [entry.name for entry in os.scandir(target.parent) if pattern.fullmatch(entry.name)]
    except OSError:
        return
    for name in names:
        candidate = target.parent / name
        try:
            fd = os.open(candidate, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                os.unlink(candidate)
        except OSError:
            pass  # locked by a live save, or gone already
        finally:
            os.close(fd)


def output_path_problem(path: str | os.PathLike[str]) -> str | None:
    """Why a save to ``path`` would fail, checked without writing or reading it; None if fine.

    A save may replace a regular file (or the regular file a link points at) or create a
    new one in an existing, writable directory.
    """
    target = Path(os.path.realpath(path))
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as error:
        return f"cannot use it ({error.strerror})"
    if info is not None and not stat.S_ISREG(info.st_mode):
        return f"it is {_kind(info.st_mode)}; a save writes only regular files"
    folder = target.parent
    if not folder.is_dir():
        return f"the folder {os.fspath(Path(path).parent) or '.'} does not exist"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"the folder {os.fspath(Path(path).parent) or '.'} is not writable"
    return None


def check_output_path(path: str | os.PathLike[str], *, field: str) -> None:
    """Refuse an output path a save would fail on, before any long work.

    Raises:
        TuiNNError: ``{path}: cannot save there: {reason}``.
    """
    problem = output_path_problem(path)
    if problem:
        raise TuiNNError(f"{os.fspath(path)}: cannot save there: {problem}", field=field)


@contextlib.contextmanager
def open_regular(path: str | os.PathLike[str], *, field: str = "path") -> Iterator[BinaryIO]:
    """Open a regular file for reading; anything else is refused without blocking or reading.

    The check is made on the opened file (``fstat``), so a name swapped for a FIFO between a
    check and the open cannot block the reader: the open does not wait for a writer.

    Raises:
        TuiNNError: when the file is missing, unreadable or not a regular file.
    """
    shown = os.fspath(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise TuiNNError(f"{shown}: no such file", field=field) from None
    except IsADirectoryError:
        raise TuiNNError(f"{shown}: is a directory, not a file", field=field) from None
    except OSError as error:
        raise TuiNNError(f"{shown}: cannot read it ({error.strerror})", field=field) from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise TuiNNError(f"{shown}: is a directory, not a file", field=field)
        if not stat.S_ISREG(mode):
            raise TuiNNError(f"{shown}: is {_kind(mode)}, not a regular file", field=field)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        yield handle


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Replace the file at ``path`` with ``text`` encoded as UTF-8, atomically.

    Newlines are written as given (no platform translation), so the bytes are the same
    everywhere.

    Raises:
        OSError: as ``atomic_write_bytes``.
    """
    atomic_write_bytes(path, text.encode("utf-8"))


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable; best effort (not every platform can open a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def describe_size(size: int) -> str:
    """A byte count for a message: ``512 bytes``, ``3.2 KiB``, ``10 MiB``."""
    if size < 1024:
        return f"{size} bytes"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB"):
        value /= 1024
        if value < 1024 or unit == "GiB":
            break
    return f"{value:.1f}".removesuffix(".0") + f" {unit}"


def read_limited(path: str | os.PathLike[str], max_bytes: int, *, field: str) -> bytes:
    """Read a whole regular file, refusing one larger than ``max_bytes`` before reading it.

    The size is checked with ``stat`` first, so a huge file (or a device such as
    ``/dev/zero``) is never read; the read itself stops one byte past the limit in case the
    file grew in between.

    Args:
        path: The file.
        max_bytes: The largest size accepted.
        field: The field named by any error (e.g. ``"dataset"``, ``"session"``).

    Raises:
        TuiNNError: when the file is missing, not a regular file, unreadable or too large.
    """
    shown = os.fspath(path)
    with open_regular(path, field=field) as handle:
        size = os.fstat(handle.fileno()).st_size
        too_big = TuiNNError(
            f"{shown}: the file is {describe_size(size)}, larger than the "
            f"{describe_size(max_bytes)} limit",
            field=field,
        )
        if size > max_bytes:
            raise too_big
        try:
            data = handle.read(max_bytes + 1)
        except OSError as error:
            raise TuiNNError(f"{shown}: cannot read it ({error.strerror})", field=field) from None
    if len(data) > max_bytes:
        raise too_big
    return data


def save_bytes(path: str | os.PathLike[str], data: bytes, *, field: str) -> None:
    """``atomic_write_bytes``, with a failure reported as a message for the user.

    Raises:
        TuiNNError: naming the file and the reason (e.g. permission denied, disk full).
    """
    check_output_path(path, field=field)
    try:
        atomic_write_bytes(path, data)
    except OSError as error:
        reason = error.strerror or str(error)
        raise TuiNNError(
            f"{os.fspath(path)}: cannot save ({reason}); any old file there is unchanged",
            field=field,
        ) from None
