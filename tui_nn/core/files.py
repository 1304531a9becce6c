"""Atomic file writes: a save either fully happens or leaves the old file byte-identical.

The new contents go to a temporary file in the target's own directory (so the final rename
never crosses file systems), are flushed and fsynced, and then ``os.replace`` swaps them in:
a rename is atomic on POSIX and Windows, so a reader, a crash or a kill sees either the whole
old file or the whole new one. On any failure the temporary file is removed.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from tui_nn.core.errors import TuiNNError

__all__ = ["atomic_write_bytes", "atomic_write_text", "describe_size", "read_limited", "save_bytes"]

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
        OSError: when the directory is not writable, the disk is full, or ``path`` is a
            directory; the old file is then untouched and no temporary file is left behind.
    """
    target = Path(os.path.realpath(path))
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = _NEW_FILE_MODE
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
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
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise TuiNNError(f"{shown}: no such file", field=field) from None
    except OSError as error:
        raise TuiNNError(f"{shown}: cannot read it ({error.strerror})", field=field) from None
    if stat.S_ISDIR(info.st_mode):
        raise TuiNNError(f"{shown}: is a directory, not a file", field=field)
    if not stat.S_ISREG(info.st_mode):
        raise TuiNNError(f"{shown}: is not a regular file", field=field)
    too_big = TuiNNError(
        f"{shown}: the file is {describe_size(info.st_size)}, larger than the "
        f"{describe_size(max_bytes)} limit",
        field=field,
    )
    if info.st_size > max_bytes:
        raise too_big
    try:
        with open(path, "rb") as handle:
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
    try:
        atomic_write_bytes(path, data)
    except OSError as error:
        reason = error.strerror or str(error)
        raise TuiNNError(
            f"{os.fspath(path)}: cannot save ({reason}); any old file there is unchanged",
            field=field,
        ) from None
