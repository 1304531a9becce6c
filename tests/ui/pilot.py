"""Helpers for the workbench's pilot tests.

Long runs are driven through ``app.run_action`` and awaited on ``app.training_settled`` (set by
a run's final message): ``pilot.press``/``pilot.pause`` wait for the app to idle, which a
training worker posting progress can put off.
"""

from __future__ import annotations

import asyncio
from typing import Any, TypeVar

from tui_nn.ui.app import TuiNNApp
from tui_nn.ui.messages import EpochsCompleted

AppT = TypeVar("AppT", bound=TuiNNApp)

SETTLE_TIMEOUT = 60.0
"""A safety net so a broken run fails the test instead of hanging it; never a measurement."""


class WatchedApp(TuiNNApp):
    """The app, plus an event for "the current run reported progress" (set once per run)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.progressed = asyncio.Event()
        self.progress_runs: list[int] = []

    def on_epochs_completed(self, message: EpochsCompleted) -> None:
        # Textual calls the base class's handler as well; this one only watches.
        self.progress_runs.append(message.run_id)
        if message.run_id == self._run_id:
            self.progressed.set()


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


async def first_progress(app: WatchedApp) -> None:
    """Wait until the current run has reported progress at least once."""
    app.progressed.clear()
    await asyncio.wait_for(app.progressed.wait(), SETTLE_TIMEOUT)
