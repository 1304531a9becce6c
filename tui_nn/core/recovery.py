"""Recovery copies: the unsaved workbench, autosaved so a crash or a kill loses little.

While the workbench has unsaved changes, the app saves a copy every few seconds (off the UI
thread) into the user's state folder, ``$XDG_STATE_HOME/tui-nn`` (``~/.local/state/tui-nn``
when unset). Each running app writes its own pair of files, named by its process id:

* ``recovery-<pid>.toml``: the session, as ``save_session`` writes it (so it loads with every
  check a session file gets);
* ``recovery-<pid>.json``: when it was saved and which session file it belongs to.

A clean save or a clean quit removes the pair. On the next start, ``find_recovery_copies``
lists the pairs whose app is no longer running (newest first), and the app offers to restore
one. Saves are atomic like every other save, so a kill during an autosave leaves the previous
copy whole.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from tui_nn.core.errors import TuiNNError
from tui_nn.core.files import atomic_write_text, read_limited
from tui_nn.core.session import Session, load_session, save_session

__all__ = [
    "RecoveryCopy",
    "RecoveryStore",
    "find_recovery_copies",
    "state_folder",
]

_PREFIX = "recovery-"
_META_BYTES = 64 * 1024


def state_folder() -> Path:
    """Where recovery copies live: ``$XDG_STATE_HOME/tui-nn`` or ``~/.local/state/tui-nn``."""
    base = os.environ.get("XDG_STATE_HOME", "").strip()
    # The XDG spec: a relative value is invalid and must be ignored.
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".local" / "state"
    return root / "tui-nn"


@dataclass(frozen=True)
class RecoveryCopy:
    """One recovery copy left by an app that did not save or quit cleanly.

    Attributes:
        path: The session TOML.
        saved_at: When it was written (seconds since the epoch).
        session_path: The session file the work belonged to, if it had one.
    """

    path: Path
    saved_at: float
    session_path: Path | None

    def load(self) -> Session:
        """The saved workbench.

        Raises:
            TuiNNError: naming the file and key, as ``load_session`` does.
        """
        return load_session(self.path)

    def describe(self) -> str:
        """One line for the restore question, e.g. ``from 14:02:11, of work.toml``."""
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.saved_at))
        of = f", of {self.session_path}" if self.session_path else ", never saved"
        return f"from {when}{of}"

    def remove(self) -> None:
        """Delete the copy (both of its files)."""
        for path in (self.path, self.path.with_suffix(".json")):
            with contextlib.suppress(OSError):
                path.unlink()


class RecoveryStore:
    """The recovery copy of one running app.

    Args:
        folder: Where copies go; ``state_folder()`` when None.
        pid: The owner's process id (this process by default).
    """

    def __init__(self, folder: Path | None = None, pid: int | None = None) -> None:
        self.folder = folder if folder is not None else state_folder()
        self.pid = os.getpid() if pid is None else pid
        self.path = self.folder / f"{_PREFIX}{self.pid}.toml"

    def save(self, session: Session, session_path: Path | None = None) -> None:
        """Write (or replace) this app's copy, atomically.

        Raises:
            TuiNNError: when the folder cannot be made or written, or the session cannot be
                saved (e.g. its data cannot train); the previous copy is then unchanged.
        """
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as error:
            raise TuiNNError(
                f"{self.folder}: cannot keep a recovery copy there ({error.strerror})",
                field="recovery",
            ) from None
        save_session(session, self.path)
        meta = {
            "saved_at": time.time(),
            "session_path": os.fspath(session_path) if session_path is not None else None,
        }
        try:
            atomic_write_text(self.path.with_suffix(".json"), json.dumps(meta))
        except OSError as error:
            raise TuiNNError(
                f"{self.folder}: cannot keep a recovery copy there ({error.strerror})",
                field="recovery",
            ) from None

    def discard(self) -> None:
        """Remove this app's copy: the work was saved, or the user chose to quit without it."""
        RecoveryCopy(self.path, 0.0, None).remove()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def find_recovery_copies(folder: Path | None = None) -> list[RecoveryCopy]:
    """The copies left by apps that are no longer running, newest first.

    A copy whose app still runs (another workbench open now) is not listed.
    """
    where = folder if folder is not None else state_folder()
    try:
        names = sorted(os.listdir(where))
    except OSError:
        return []
    copies = []
    for name in names:
        if not (name.startswith(_PREFIX) and name.endswith(".toml")):
            continue
        pid_text = name[len(_PREFIX) : -len(".toml")]
        if not pid_text.isdigit() or _alive(int(pid_text)):
            continue
        path = where / name
        saved_at, session_path = _read_meta(path)
        copies.append(RecoveryCopy(path, saved_at, session_path))
    return sorted(copies, key=lambda copy: copy.saved_at, reverse=True)


def _read_meta(path: Path) -> tuple[float, Path | None]:
    """When the copy was saved and for which file; the file's own time if the note is bad."""
    fallback = 0.0
    with contextlib.suppress(OSError):
        fallback = path.stat().st_mtime
    try:
        meta = json.loads(read_limited(path.with_suffix(".json"), _META_BYTES, field="recovery"))
    except (TuiNNError, ValueError):
        return fallback, None
    if not isinstance(meta, dict):
        return fallback, None
    saved_at = meta.get("saved_at")
    session_path = meta.get("session_path")
    return (
        float(saved_at) if isinstance(saved_at, int | float) else fallback,
        Path(session_path) if isinstance(session_path, str) and session_path else None,
    )
