"""Compare recipes screen: both recipes trained off the UI thread, both curves on one chart."""

from __future__ import annotations

import asyncio

from textual.app import App
from textual.widgets import Static

from tui_nn.core import TUTORIAL_DATASET, Hyperparams
from tui_nn.core.recipe_comparison import RecipeComparison
from tui_nn.ui.loss_chart import LossChart
from tui_nn.ui.recipe_comparison_screen import RecipeComparisonScreen

SETTLE = 60.0


class HostApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.closed = asyncio.Event()
        self.result: RecipeComparison | None = None

    def compare(self, hyperparams: Hyperparams) -> RecipeComparisonScreen:
        screen = RecipeComparisonScreen(hyperparams, TUTORIAL_DATASET)

        def done(result: RecipeComparison | None) -> None:
            self.result = result
            self.closed.set()

        self.push_screen(screen, done)
        return screen


async def _wait_for_result(screen: RecipeComparisonScreen) -> None:
    async def shown() -> None:
        while screen.comparison is None:
            await asyncio.sleep(0.05)

    await asyncio.wait_for(shown(), SETTLE)


async def test_both_curves_and_verdicts_show_when_done() -> None:
    app = HostApp()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.compare(Hyperparams(epochs=1500))
        await _wait_for_result(screen)
        await pilot.pause()
        status = str(screen.query_one("#compare-status", Static).render())
        assert "tutorial: all rows right at epoch" in status
        assert "textbook: all rows right at epoch" in status
        chart = screen.query_one(LossChart)
        assert chart.snapshot is not None
        assert set(chart.snapshot.series) == {"tutorial", "textbook"}
        legend = chart.render().plain.splitlines()[1]  # type: ignore[union-attr]
        assert "tutorial (all right at" in legend and "textbook (all right at" in legend
        await pilot.press("escape")
        await asyncio.wait_for(app.closed.wait(), SETTLE)
        assert app.result is screen.comparison


async def test_escape_while_training_closes_and_cancels() -> None:
    app = HostApp()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.compare(Hyperparams(epochs=30_000, hidden=(8, 8)))
        await pilot.press("escape")
        await asyncio.wait_for(app.closed.wait(), SETTLE)
        assert app.result is None
        await app.workers.wait_for_complete()
        assert screen.comparison is None
