"""The processes of `tui-nn serve`: started in a session of their own, so none can hide."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A loopback port nothing listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def start_server(port: int) -> subprocess.Popen[str]:
    """`tui-nn serve --port PORT` from this checkout, leading a session of its own."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "tui_nn", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )


def processes_in_session(session_id: int) -> dict[int, str]:
    """Live (not zombie) processes of a session: the command line of each, by pid."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # gone while we looked
        state, _ppid, _pgrp, session = stat.rsplit(")", 1)[1].split()[:4]
        if int(session) == session_id and state != "Z":
            found[int(entry.name)] = command.strip()
    return found


def wait_until_gone(session_id: int, until: float) -> dict[int, str]:
    """The session's processes once each has exited, or those left at ``until`` (monotonic)."""
    for pid in processes_in_session(session_id):
        try:
            exited = os.pidfd_open(pid)
        except ProcessLookupError:
            continue
        with os.fdopen(exited) as handle:  # readable once the process has exited
            select.select([handle], [], [], max(0.0, until - time.monotonic()))
    return processes_in_session(session_id)


def kill_session(session_id: int) -> None:
    """End whatever a failed test left running in the server's session."""
    for pid in processes_in_session(session_id):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
