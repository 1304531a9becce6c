"""Helpers for the workbench's pilot tests.

Long runs are driven through ``app.run_action`` and awaited on ``app.training_settled`` (set by
a run's final message): ``pilot.press``/``pilot.pause`` wait for the app to idle, which a
training worker posting progress can put off.
"""

from __future__ import annotations

import asyncio
from typing import Any, TypeVar

from textual.notifications import SeverityLevel
from textual.pilot import Pilot
from textual.widgets import Input

from tui_nn.ui.app import TuiNNApp
from tui_nn.ui.messages import EpochsCompleted
from tui_nn.ui.path_dialog import PathDialog

AppT = TypeVar("AppT", bound=TuiNNApp)

FILE_WORK = frozenset({"files", "path-ok"})
"""Worker groups of file reads and writes and the dialogs awaiting them."""

SETTLE_TIMEOUT = 60.0
"""A safety net so a broken run fails the test instead of hanging it; never a measurement."""


class WatchedApp(TuiNNApp):
    """The app, plus an event for "the current run reported progress" (set once per run) and
    every notification's text in ``notices``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.progressed = asyncio.Event()
        self.progress_runs: list[int] = []
        self.notices: list[str] = []

    def on_epochs_completed(self, message: EpochsCompleted) -> None:
        # Textual calls the base class's handler as well; this one only watches.
        self.progress_runs.append(message.run_id)
        if self.workbench.is_current(message.run_id):
            self.progressed.set()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        self.notices.append(message)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)


def quiet(app: AppT) -> AppT:
    """Hide wall-clock figures so status lines repeat exactly."""
    app.show_wall_clock = False
    return app


async def settle(app: TuiNNApp) -> None:
    """Wait until the current run's final message has been handled."""
    await asyncio.wait_for(app.training_settled.wait(), SETTLE_TIMEOUT)


async def run_action(app: TuiNNApp, action: str) -> None:
    """Run an app action and wait for the run it starts (if any) to end."""
    await app.run_action(action)
    await settle(app)


async def files_done(pilot: Pilot[Any]) -> None:
    """Wait until every file read or write started so far has ended and its answer is shown.

    A dialog reads or writes its file in a thread worker (group ``files``), awaited by a worker
    of the dialog (group ``path-ok``) that then closes the dialog or shows the error.
    """
    app = pilot.app
    working = [worker.wait() for worker in app.workers if worker.group in FILE_WORK]
    # A worker that failed has said so by now (the app's handler); only its ending matters.
    await asyncio.wait_for(asyncio.gather(*working, return_exceptions=True), SETTLE_TIMEOUT)
    await pilot.pause()


async def type_path(pilot: Pilot[Any], app: TuiNNApp, text: str) -> None:
    """Replace the open path dialog's text with ``text``, press Enter, wait for the file."""
    assert isinstance(app.screen, PathDialog)
    field = app.screen.query_one("#path", Input)
    field.value = text
    await pilot.press("enter")
    await files_done(pilot)


def exited(app: TuiNNApp) -> bool:
    """Whether the app was asked to exit."""
    return app.return_code is not None


async def first_progress(app: WatchedApp) -> None:
    """Wait until the current run has reported progress at least once."""
    app.progressed.clear()
    await asyncio.wait_for(app.progressed.wait(), SETTLE_TIMEOUT)


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie waiting for its reaper counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
