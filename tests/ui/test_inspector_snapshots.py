"""What Inspect step looks like: the tutorial (both recipes) at 80x24 and 120x40, and a 2-4-1
network on xor. Wall-clock figures are hidden, so the screens repeat exactly.

Update with ``pytest tests/ui/test_inspector_snapshots.py --snapshot-update``, then look at them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from tui_nn.core.datasets import make_dataset
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.ui.app import make_app

from .pilot import quiet

SnapCompare = Callable[..., bool]


async def inspect_step(pilot: Pilot[Any]) -> None:
    """Bring the inspector forward on row 1 of the untrained model."""
    await pilot.app.run_action("inspect_step")
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("recipe", ["tutorial", "textbook"])
def test_inspector_on_the_tutorial(
    snap_compare: SnapCompare, recipe: str, size: tuple[int, int]
) -> None:
    app = quiet(make_app(hyperparams=Hyperparams(recipe=recipe)))
    assert snap_compare(app, terminal_size=size, run_before=inspect_step)


def test_inspector_on_a_2_4_1_network(snap_compare: SnapCompare) -> None:
    app = quiet(make_app(make_dataset("xor"), Hyperparams(hidden=(4,), lr=0.5)))
    assert snap_compare(app, terminal_size=(120, 40), run_before=inspect_step)
