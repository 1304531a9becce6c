"""Compare recipes: tutorial and textbook trained from the same weights, on one chart.

``RecipeComparisonScreen`` trains both recipes (``core.recipe_comparison``) in a thread worker
of its own, shows how far it is, then draws both mse curves on one ``LossChart`` with each
recipe's epochs until every training row is right. Esc closes it at any point; closing cancels
the worker (it looks every few dozen epochs), so nothing keeps running behind the workbench.
"""

from __future__ import annotations

import math
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static
from textual.worker import get_current_worker

from tui_nn.core.dataset import Dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.history import HistorySnapshot
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.network import Network
from tui_nn.core.recipe_comparison import (
    RecipeComparison,
    compare_recipes,
    comparison_epochs,
    recipe_settings,
)
from tui_nn.ui.loss_chart import LossChart

__all__ = ["RecipeComparisonScreen", "comparison_snapshot"]


def comparison_snapshot(comparison: RecipeComparison) -> HistorySnapshot:
    """Both curves as one history: a series per recipe over the union of their epochs."""
    epochs = sorted(set(comparison.tutorial.epochs) | set(comparison.textbook.epochs))
    series = {}
    for curve in comparison.curves:
        values = dict(zip(curve.epochs, curve.mse, strict=True))
        series[curve.recipe] = [values.get(epoch, math.nan) for epoch in epochs]
    return HistorySnapshot(epochs=epochs, series=series, latest_epoch=epochs[-1] if epochs else 0)


class RecipeComparisonScreen(ModalScreen[RecipeComparison | None]):
    """Trains both recipes, then shows both curves; dismisses with the comparison (or None).

    Args:
        hyperparams: The current settings (each recipe takes what it allows of them).
        data: The training rows.
        network: Starting weights for both; by default both start from the seed.
    """

    DEFAULT_CSS = """
    RecipeComparisonScreen {
        align: center middle;
    }
    RecipeComparisonScreen #compare-box {
        width: 100%;
        max-width: 110;
        height: 100%;
        max-height: 34;
        border: heavy $accent;
        border-title-color: $accent;
        border-title-style: bold;
        background: $surface;
    }
    RecipeComparisonScreen #compare-status {
        height: auto;
        padding: 0 1;
    }
    RecipeComparisonScreen #compare-chart {
        height: 1fr;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", priority=True),
    ]

    def __init__(self, hyperparams: Hyperparams, data: Dataset, network: Network | None = None):
        super().__init__()
        self._hyperparams = hyperparams
        self._data = data
        self._network = network
        self._limit = comparison_epochs(hyperparams, data)
        self.comparison: RecipeComparison | None = None

    def compose(self) -> ComposeResult:
        """Status lines over the chart."""
        with Vertical(id="compare-box"):
            yield Static(id="compare-status")
            yield LossChart(id="compare-chart")

    def on_mount(self) -> None:
        """Start training both recipes."""
        tutorial, textbook = recipe_settings(self._hyperparams)
        box = self.query_one("#compare-box")
        box.border_title = "Compare recipes · tutorial vs textbook"
        box.border_subtitle = "Esc closes"
        self._status(
            f"Training both from the same weights for {self._limit:,} epochs each "
            f"(tutorial lr {tutorial.lr:g}; textbook {textbook.optimizer}, {textbook.loss} "
            f"loss)…"
        )
        self._compare()

    def _status(self, text: str) -> None:
        self.query_one("#compare-status", Static).update(text)

    @work(thread=True, exclusive=True, exit_on_error=False, description="compare recipes")
    def _compare(self) -> None:
        worker = get_current_worker()
        total = 2 * self._limit

        def progress(done: int) -> None:
            if not worker.is_cancelled:
                self.app.call_from_thread(
                    self._status, f"Training both recipes… {100 * done // total}%"
                )

        try:
            comparison = compare_recipes(
                self._hyperparams,
                self._data,
                self._network,
                epochs=self._limit,
                should_stop=lambda: worker.is_cancelled,
                progress=progress,
            )
        except TuiNNError as error:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._status, f"Cannot compare: {error}")
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show, comparison)

    def _show(self, comparison: RecipeComparison) -> None:
        self.comparison = comparison
        tutorial, textbook = comparison.curves
        self._status(
            f"tutorial: {tutorial.verdict()}, mse {tutorial.final_mse:.3g}\n"
            f"textbook: {textbook.verdict()}, mse {textbook.final_mse:.3g}"
        )
        labels = {
            "tutorial": f"tutorial ({_short(tutorial.all_right_epoch)})",
            "textbook": f"textbook ({_short(textbook.all_right_epoch)})",
        }
        chart = self.query_one(LossChart)
        chart.show(
            comparison_snapshot(comparison),
            f"training mse · {comparison.limit:,} epochs each",
            labels,
        )

    def action_close(self) -> None:
        """Close (cancelling the training if it is still going)."""
        self.dismiss(self.comparison)


def _short(epoch: int | None) -> str:
    return "not all right" if epoch is None else f"all right at {epoch:,}"
