"""The real app in a pseudo-terminal, read back the way a terminal would show it.

``LiveApp`` starts ``python -m tui_nn`` on a pty of a given size (``TERM=xterm-256color``,
``COLORTERM=truecolor``), timestamps every chunk the app writes as it arrives, and renders the
chunks with pyte (a VT100 emulator) into a screen that predicates can look at. A measurement is
then "time from writing a key to the arrival of the output that made the screen show its
effect": what a user sees, less the terminal's own paint.

Reading and rendering are two threads: the reader only reads and stamps, so a slow render never
delays a timestamp.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import queue
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyte

REPO = Path(__file__).resolve().parents[2]
STATE_HOME = tempfile.mkdtemp(prefix="tui-nn-bench-state-")

KEYS = {
    "f1": b"\x1bOP",
    "escape": b"\x1b",
    "tab": b"\t",
    "shift+tab": b"\x1b[Z",
    "ctrl+l": b"\x0c",
    "ctrl+t": b"\x14",
    "ctrl+r": b"\x12",
    "ctrl+p": b"\x10",
    "ctrl+q": b"\x11",
    "ctrl+g": b"\x07",
    "ctrl+e": b"\x05",
    "d": b"d",
}
"""The bytes a terminal sends for each key the benchmarks press."""


UNSAVED_MARK = "You have unsaved changes"
"""The quit dialog's title."""


class Timeout(Exception):
    """The screen did not show what was awaited in time."""


@dataclass
class Chunk:
    """One read from the pty: when it arrived and what it held."""

    at: float
    data: bytes


class LiveApp:
    """One run of the app on a pseudo-terminal.

    Args:
        args: Arguments after ``python -m tui_nn``.
        columns: Terminal width.
        rows: Terminal height.
        env: Extra environment variables.
    """

    def __init__(
        self,
        args: tuple[str, ...] = (),
        columns: int = 120,
        rows: int = 40,
        env: dict[str, str] | None = None,
    ) -> None:
        self.columns, self.rows = columns, rows
        self.screen = pyte.Screen(columns, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.chunks: list[Chunk] = []
        self._lock = threading.Condition(threading.RLock())
        self._rendered_at = 0.0
        self._pending: queue.Queue[Chunk | None] = queue.Queue()
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        environment = {
            **os.environ,
            "TERM": "xterm-256color",
            "COLORTERM": "truecolor",
            "PYTHONPATH": str(REPO),
            "LINES": str(rows),
            "COLUMNS": str(columns),
            # Its own state folder: a recovery copy left by an earlier run would open a dialog.
            "XDG_STATE_HOME": STATE_HOME,
            **(env or {}),
        }
        environment.pop("NO_COLOR", None)
        # As on a user's machine: Python caches the app's compiled modules (a CI image may
        # turn that off, which would time the compiler at every launch).
        environment.pop("PYTHONDONTWRITEBYTECODE", None)
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tui_nn", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=environment,
            cwd=REPO,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.master = master
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._renderer = threading.Thread(target=self._render, daemon=True)
        self._reader.start()
        self._renderer.start()

    # -- threads

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 1 << 16)
            except OSError:
                data = b""
            if not data:
                self._pending.put(None)
                return
            chunk = Chunk(time.perf_counter(), data)
            self.chunks.append(chunk)
            self._pending.put(chunk)

    def _render(self) -> None:
        while True:
            chunk = self._pending.get()
            with self._lock:
                if chunk is None:
                    self._rendered_at = float("inf")
                    self._lock.notify_all()
                    return
                self.stream.feed(chunk.data)
                self._rendered_at = chunk.at
                self._lock.notify_all()

    # -- looking at the screen

    def text(self) -> str:
        """The screen's text, one line per row."""
        with self._lock:
            return "\n".join(self.screen.display)

    def region(self, top: int, bottom: int, left: int, right: int) -> tuple[object, ...]:
        """Characters with their colours and styles in a rectangle (rows and columns 0-based)."""
        with self._lock:
            buffer = self.screen.buffer
            return tuple(
                (char.data, char.fg, char.bg, char.reverse, char.bold)
                for y in range(top, bottom)
                for char in (buffer[y][x] for x in range(left, right))
            )

    def wait_for(self, predicate: Callable[[LiveApp], bool], timeout: float = 10.0) -> float:
        """Wait until ``predicate(self)`` holds; the arrival time of the output that made it."""
        deadline = time.perf_counter() + timeout
        with self._lock:
            while True:
                # The lock is re-entrant: the predicate may look at the screen through it.
                if predicate(self):
                    return self._rendered_at
                remaining = deadline - time.perf_counter()
                if remaining <= 0 or self._rendered_at == float("inf"):
                    raise Timeout(f"the screen did not change as awaited:\n{self.text()}")
                self._lock.wait(remaining)

    def press(self, key: str) -> float:
        """Send one key; the moment it was written."""
        at = time.perf_counter()
        os.write(self.master, KEYS[key])
        return at

    def bytes_between(self, start: float, end: float) -> int:
        """Bytes the app wrote between two moments."""
        return sum(len(chunk.data) for chunk in self.chunks if start <= chunk.at < end)

    def update_times(self, start: float, end: float) -> list[float]:
        """Arrival times of the chunks written between two moments."""
        return [chunk.at for chunk in self.chunks if start <= chunk.at < end]

    # -- the end

    def close(self, timeout: float = 5.0) -> float | None:
        """Quit with ctrl+q, discarding unsaved work when asked (then kill if needed).

        Returns:
            Seconds from the key that quits (ctrl+q, or Discard when the app asked first) to
            the app's exit; None when it had to be killed.
        """
        if self.process.poll() is not None:
            return None
        pressed = self.press("ctrl+q")
        try:
            asked = self.wait_for(
                lambda app: app.process.poll() is not None or UNSAVED_MARK in app.text(), 5.0
            )
        except Timeout:
            asked = 0.0
        if asked and self.process.poll() is None and UNSAVED_MARK in self.text():
            pressed = self.press("d")
        try:
            self.process.wait(timeout)
            took: float | None = time.perf_counter() - pressed
        except subprocess.TimeoutExpired:
            took = None
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout)
        with contextlib.suppress(OSError):
            os.close(self.master)
        return took

    def kill(self) -> None:
        """SIGKILL the app alone (not its process group), as a crash or ``kill -9`` would."""
        self.process.kill()
        self.process.wait(10)
        with contextlib.suppress(OSError):
            os.close(self.master)
