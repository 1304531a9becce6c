"""What the workbench looks like at 80x24 and 120x40, before and after a short run.

Wall-clock figures are hidden (``show_wall_clock`` off), so the screens repeat exactly.
Update with ``pytest tests/ui/test_snapshots.py --snapshot-update``, then look at the report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from tui_nn.ui.app import make_app

from .pilot import quiet, settle

SIZES = [(80, 24), (120, 40)]

SnapCompare = Callable[..., bool]


async def train_200_epochs(pilot: Pilot[Any]) -> None:
    """Train the tutorial for 200 epochs, to the end of the run."""
    app = pilot.app
    app.form.set_value("epochs", "200")  # type: ignore[attr-defined]
    await app.run_action("train")
    await settle(app)  # type: ignore[arg-type]
    await pilot.pause()


class TestWorkbench:
    """The whole screen."""

    @pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
    def test_initial_screen(self, snap_compare: SnapCompare, size: tuple[int, int]) -> None:
        assert snap_compare(quiet(make_app()), terminal_size=size)

    @pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
    def test_after_a_short_run(self, snap_compare: SnapCompare, size: tuple[int, int]) -> None:
        assert snap_compare(quiet(make_app()), terminal_size=size, run_before=train_200_epochs)
