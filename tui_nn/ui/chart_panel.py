"""The chart area: a row of views over the training, of which only "Loss" exists yet.

This is the tutorial's Step #4 ("Training") made visible. The views live in a
``TabbedContent`` so later ones (decision boundary, network diagram, step inspector) are one
more ``TabPane`` each.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import TabbedContent, TabPane

from tui_nn.core.history import HistorySnapshot
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.ui.loss_chart import LossChart


def series_labels(hyperparams: Hyperparams) -> dict[str, str]:
    """Legend names of the recorded series: the tutorial's error sum and mse, or the loss."""
    return hyperparams.training_recipe.series_labels(hyperparams.loss)


def chart_titles(snapshot: HistorySnapshot, labels: dict[str, str], target: int) -> list[str]:
    """Titles from longest to shortest: epoch, then each series' latest value."""
    if not snapshot.epochs:
        return [""]
    values = [
        f"{label} {value:.3g}"
        for name, label in labels.items()
        if (value := snapshot.latest(name)) is not None
    ]
    epoch = f"epoch {snapshot.latest_epoch:,}"
    return [
        " · ".join([f"{epoch} of {target:,}", *values]),
        " · ".join([epoch, *values]),
        " · ".join([epoch, *values[-1:]]),
        epoch,
    ]


class ChartPanel(Widget):
    """Views of the run, one tab each."""

    def compose(self) -> ComposeResult:
        """The loss view (more views will join it as tabs)."""
        with TabbedContent(id="views"), TabPane("Loss", id="view-loss"):
            yield LossChart(id="loss-chart")

    @property
    def loss_chart(self) -> LossChart:
        """The loss view's chart."""
        return self.query_one("#loss-chart", LossChart)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple[HistorySnapshot, Hyperparams, int] | None = None

    def show(self, snapshot: HistorySnapshot, hyperparams: Hyperparams, target: int) -> None:
        """Draw the history, titled with the latest epoch and values (as many as fit)."""
        self._shown = (snapshot, hyperparams, target)
        labels = series_labels(hyperparams)
        chart = self.loss_chart
        width = chart.size.width
        titles = chart_titles(snapshot, labels, target)
        title = next((t for t in titles if len(t) <= width), titles[-1])
        chart.show(snapshot, title, labels)

    def on_resize(self) -> None:
        """Fit the title to the new width (the first one may come before the first layout)."""
        self.call_after_refresh(self._retitle)

    def _retitle(self) -> None:
        # Read what is shown *now*: a newer run may have replaced it since the resize.
        if self._shown is not None:
            self.show(*self._shown)

    def clear(self) -> None:
        """Forget the drawn history (after a reset)."""
        self._shown = None
        self.loss_chart.clear()

    def toggle_log_scale(self) -> None:
        """Switch the loss view between a linear and a log10 y axis."""
        self.loss_chart.toggle_log_scale()
