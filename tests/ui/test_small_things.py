"""Small things a user sees: compact huge numbers in the grid."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tui_nn.core.dataset import Dataset
from tui_nn.core.session import Session
from tui_nn.ui.app import make_app
from tui_nn.ui.dataset_grid import DatasetGrid
from tui_nn.ui.hyperparams_form import HyperparamsForm

from .pilot import quiet


async def test_the_grid_prints_huge_numbers_compactly() -> None:
    dataset = Dataset(
        np.array([[-1e308, 0.5], [1e20, 2.0], [3.0, 123456.0]]),
        np.array([0, 1, 1]),
        ("x1", "x2"),
    )
    app = quiet(make_app(session=Session(dataset)))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        grid = app.query_one(DatasetGrid)
        lines = [grid.render_line(y).text for y in range(grid.size.height)]
        text = "\n".join(lines)
        assert "-1e+308" in text and "1e+20" in text and "123456" in text
        assert max(len(line.rstrip()) for line in lines) < 60


async def test_a_long_typed_value_is_echoed_cut_short() -> None:
    """3,000 characters in a field: the error quotes 40 of them, so typing stays fast."""
    app = quiet(make_app())
    async with app.run_test(size=(120, 40)) as pilot:
        form = app.query_one(HyperparamsForm)
        form.set_value("lr", "x" * 3000)
        await pilot.pause()
        message = form.errors()["lr"]
        assert len(message) < 120
        assert message.endswith("'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'… (3000 characters)")


async def test_the_form_refuses_a_network_past_the_memory_limit() -> None:
    """The same rule as training: 16 layers of 4096 are refused under the field, with the size."""
    from tui_nn.core.dataset import TUTORIAL_DATASET

    app = quiet(make_app())
    async with app.run_test(size=(120, 40)) as pilot:
        form = app.query_one(HyperparamsForm)
        form.set_data(TUTORIAL_DATASET)
        form.set_value("recipe", "textbook")
        form.set_value("hidden", ",".join(["4096"] * 16))
        await pilot.pause()
        assert form.errors()["hidden"].startswith("16 hidden layers of 4096 need about 7.")
        form.set_value("hidden", "64,64")
        await pilot.pause()
        assert "hidden" not in form.errors()


async def test_a_tiny_window_shows_only_the_message() -> None:
    """Shrunk to 20x5: the message fills the window; no footer squeezed into it."""
    from textual.widgets import Static

    from tui_nn.ui.key_line import KeyLine

    app = quiet(make_app())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.query_one(KeyLine).display
        await pilot.resize_terminal(20, 5)
        await pilot.pause()
        assert not app.query_one(KeyLine).display
        message = app.query_one("#too-small", Static)
        assert message.display and message.region.height == 5
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert app.query_one(KeyLine).display and not message.display


async def test_a_toast_never_echoes_a_whole_paste(monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.app import App

    from tui_nn.ui.app import short_toast

    paste = "y" * 20_000
    assert short_toast(f"row 1, x1: {paste} is not a number") == (
        "row 1, x1: " + "y" * 79 + "… is not a number"
    )
    sentence = "training diverged at epoch 25: loss became inf; " * 3
    assert short_toast(sentence) == sentence, "sentences are never cut short"
    shown: list[str] = []
    real_notify = App.notify

    def record(self: App[object], message: str, **kwargs: Any) -> None:
        shown.append(message)
        real_notify(self, message, **kwargs)

    monkeypatch.setattr(App, "notify", record)
    app = quiet(make_app())
    async with app.run_test(size=(120, 40)) as pilot:
        app.notify(f"cannot open {paste}", severity="error")
        await pilot.pause()
    assert shown == ["cannot open " + "y" * 79 + "…"]
