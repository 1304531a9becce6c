"""What each view looks like in the workbench, at 80x24 in 16 colours and at 120x40.

Each case trains a built-in dataset for a fixed number of epochs (deterministic), brings one
view forward and compares the screen. 80x24 runs as ``TERM=xterm`` (the 16 ANSI colours, where
the map draws its 0.5 contour); 120x40 as a 256/truecolor terminal. Update with
``pytest tests/ui/test_views_snapshots.py --snapshot-update`` and look at every SVG.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from tui_nn.core.dataset import TUTORIAL_DATASET
from tui_nn.core.datasets import make_dataset
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.ui.app import make_app

from .pilot import quiet, settle

SnapCompare = Callable[..., bool]

TANH = Hyperparams(
    recipe="textbook", hidden=(8, 8), activation="tanh", optimizer="adam", lr=0.03, epochs=400
)
SETTINGS = {
    "tutorial": Hyperparams(epochs=3000),
    "xor": Hyperparams(recipe="textbook", hidden=(4,), activation="tanh", lr=0.5, epochs=400),
    "spiral": TANH,
    "spiral3": TANH.replace(output_activation="softmax", loss="ce"),
}
SMALL, LARGE = (80, 24), (120, 40)

CASES = [
    ("view-map", "xor", SMALL),
    ("view-map", "spiral", LARGE),
    ("view-map", "spiral3", SMALL),
    ("view-map", "tutorial", LARGE),
    ("view-every", "tutorial", SMALL),
    ("view-every", "xor", LARGE),
    ("view-network", "spiral", LARGE),
    ("view-network", "spiral3", SMALL),
    ("view-network", "tutorial", LARGE),
]


def case_id(case: tuple[str, str, tuple[int, int]]) -> str:
    view, name, (width, height) = case
    return f"{view.removeprefix('view-')}-{name}-{width}x{height}"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_view_after_training(
    snap_compare: SnapCompare,
    monkeypatch: pytest.MonkeyPatch,
    case: tuple[str, str, tuple[int, int]],
) -> None:
    view, name, size = case
    if size == SMALL:
        monkeypatch.setenv("TERM", "xterm")
        monkeypatch.delenv("COLORTERM", raising=False)
    else:
        monkeypatch.setenv("TERM", "xterm-256color")
        monkeypatch.setenv("COLORTERM", "truecolor")
    dataset = TUTORIAL_DATASET if name == "tutorial" else make_dataset(name)
    app = quiet(make_app(dataset, SETTINGS[name]))

    async def train_then_show(pilot: Pilot[Any]) -> None:
        await app.run_action("train")
        await settle(app)
        app.chart.show_view(view)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=train_then_show)
