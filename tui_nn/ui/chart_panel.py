"""The chart area: views of the training as tabs, the loss first.

This is the tutorial's Step #4 ("Training") made visible. The views live in a
``TabbedContent``: Loss, Decision map, Every input, Network (more are one ``TabPane`` each).
The model views are fed one ``ModelSnapshot`` through ``show_model``; only the visible one
draws it, and a view brought forward draws the latest snapshot it missed, so a live run costs
one view's redraw per frame whatever the number of tabs. The loss chart is built with the
panel; every other view the first time it is asked for (its tab brought forward, the step
inspector filled): the first frame does without their modules and widgets (~30 ms of a launch).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, ClassVar, Protocol, cast

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import TabbedContent, TabPane

from tui_nn.core.history import HistorySnapshot
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.model_snapshot import ModelSnapshot
from tui_nn.ui.loss_chart import BackgroundCurve, ChartFrame, LossChart, axis_end

if TYPE_CHECKING:
    from tui_nn.ui.step_inspector import StepInspector

LOSS_VIEW = "view-loss"
"""The tab id of the loss chart, the first view."""

INSPECT_VIEW = "view-inspect"
"""The tab id of the step inspector."""

VIEWS: dict[str, str] = {
    LOSS_VIEW: "Loss",
    "view-map": "Decision map",
    "view-every": "Every input",
    "view-network": "Network",
    INSPECT_VIEW: "Inspect step",
}
"""Tab ids and titles, in the order ctrl+e cycles through them."""

MODEL_VIEWS = ("view-map", "view-every", "view-network")
"""The views that draw a model (``ModelView``)."""


LATER_VIEWS: dict[str, tuple[str, str, str]] = {
    "view-map": ("tui_nn.ui.decision_map", "DecisionMap", "decision-map"),
    "view-every": ("tui_nn.ui.every_input", "EveryInput", "every-input"),
    "view-network": ("tui_nn.ui.network_view", "NetworkView", "network-view"),
    INSPECT_VIEW: ("tui_nn.ui.step_inspector", "StepInspector", "step-inspector"),
}
"""The views built on first use, by tab id: the module and class of the widget, and its id."""

DEFERRED_MODULES = tuple(module for module, _, _ in LATER_VIEWS.values())
"""Their modules, for the app to import in the background once the first frame is drawn."""


def build_view(view_id: str) -> Widget:
    """A new widget for one of ``LATER_VIEWS`` (its module imported on first use)."""
    module, class_name, widget_id = LATER_VIEWS[view_id]
    widget_class = getattr(importlib.import_module(module), class_name)
    return cast(Widget, widget_class(id=widget_id))


class ModelView(Protocol):
    """What a model view offers the panel."""

    @property
    def snapshot(self) -> ModelSnapshot | None:
        """The model on show."""

    def show(self, snapshot: ModelSnapshot) -> None:
        """Draw this model."""

    def clear(self) -> None:
        """Show no model."""


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

    _loss_chart: LossChart | None

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "app.first_in_time", "Earliest", show=False),
        Binding("end", "app.back_to_now", "Now", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple[HistorySnapshot, Hyperparams, int] | None = None
        self._model: ModelSnapshot | None = None
        self._loss_chart = None
        # The tab on show, kept as a plain value: the training link's thread reads it (it may
        # not query the DOM) to skip drawing a loss chart nobody sees.
        self.visible_view = LOSS_VIEW
        self._loss_behind = False

    def on_mount(self) -> None:
        """Name the key that cycles the views on the panel's border (the footer is full)."""
        self.border_subtitle = "ctrl+e next view"

    def compose(self) -> ComposeResult:
        """The loss view first, then the other views' tabs (each empty until first shown)."""
        with TabbedContent(id="views"):
            with TabPane(VIEWS[LOSS_VIEW], id=LOSS_VIEW):
                yield LossChart(id="loss-chart")
            for view_id in LATER_VIEWS:
                yield TabPane(VIEWS[view_id], id=view_id)

    @property
    def tabs(self) -> TabbedContent:
        """The tabs of the views."""
        return self.query_one("#views", TabbedContent)

    @property
    def active_view(self) -> str:
        """The id of the view on show (``view-loss``, ``view-map``, ...)."""
        return self.tabs.active

    def show_view(self, view_id: str) -> None:
        """Bring a view forward by its tab id."""
        self.tabs.active = view_id

    def next_view(self) -> str:
        """Bring the next view forward (after the last, the first); its title."""
        ids = [str(pane.id) for pane in self.tabs.query(TabPane)]
        following = ids[(ids.index(self.active_view) + 1) % len(ids)]
        self.show_view(following)
        return self.tabs.get_tab(following).label_text

    def view(self, view_id: str) -> Widget:
        """The widget of a view other than the loss, built into its tab the first time."""
        pane = self.tabs.get_pane(view_id)
        if pane.children:
            return pane.children[0]
        widget = build_view(view_id)
        pane.mount(widget)  # in the DOM at once; it composes before the next paint
        return widget

    @property
    def inspector(self) -> StepInspector:
        """The step inspector view."""
        return cast("StepInspector", self.view(INSPECT_VIEW))

    def show_kept_runs(self, curves: list[BackgroundCurve]) -> None:
        """Draw earlier runs faintly behind the loss curve."""
        self.loss_chart.set_background(curves)

    def model_view(self, view_id: str) -> ModelView | None:
        """The view of tab ``view_id`` if it draws a model (built if need be), else None."""
        if view_id not in MODEL_VIEWS:
            return None
        return cast("ModelView", self.view(view_id))

    @property
    def model(self) -> ModelSnapshot | None:
        """The latest model given to the views."""
        return self._model

    def show_model(self, snapshot: ModelSnapshot) -> None:
        """Give the views a model; the visible one draws it now, the others when shown."""
        self._model = snapshot
        view = self.model_view(self.active_view)
        if view is not None:
            view.show(snapshot)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """A view came forward: draw the latest model (or loss) if it has not seen it yet."""
        self.visible_view = str(event.pane.id)
        if self.visible_view == LOSS_VIEW and self._loss_behind and self._shown is not None:
            self.show(*self._shown)
        view = self.model_view(str(event.pane.id))
        if view is not None and self._model is not None and view.snapshot is not self._model:
            view.show(self._model)

    @property
    def loss_chart(self) -> LossChart:
        """The loss view's chart."""
        chart = self._loss_chart
        if chart is None:
            # Kept: ``prepare`` runs off the UI thread, where the DOM must not be queried.
            chart = self._loss_chart = self.query_one("#loss-chart", LossChart)
        return chart

    def show(
        self,
        snapshot: HistorySnapshot,
        hyperparams: Hyperparams,
        target: int,
        frame: ChartFrame | None = None,
    ) -> None:
        """Draw the history, titled with the latest epoch and values (as many as fit).

        Args:
            snapshot: The history.
            hyperparams: The settings it was trained with (for the series' names).
            target: The run's last epoch.
            frame: The loss chart drawn ahead by ``prepare`` (off the UI thread), if any.
        """
        self._shown = (snapshot, hyperparams, target)
        if self.visible_view != LOSS_VIEW:
            # Another view is on show: the loss is drawn when its tab comes forward.
            self._loss_behind = True
            return
        self._loss_behind = False
        labels = series_labels(hyperparams)
        chart = self.loss_chart
        width = chart.size.width
        titles = chart_titles(snapshot, labels, target)
        title = next((t for t in titles if len(t) <= width), titles[-1])
        x_end = axis_end(snapshot.latest_epoch, target)
        chart.show(snapshot, title, labels, x_end=x_end, frame=frame)

    def prepare(
        self, snapshot: HistorySnapshot, hyperparams: Hyperparams, target: int
    ) -> ChartFrame | None:
        """Draw the loss chart for ``show(frame=...)``; safe off the UI thread (one thread).

        None while another view is on show (nobody would see it).
        """
        if self.visible_view != LOSS_VIEW:
            return None
        labels = series_labels(hyperparams)
        titles = chart_titles(snapshot, labels, target)
        x_end = axis_end(snapshot.latest_epoch, target)
        return self.loss_chart.prepare(snapshot, titles, labels, x_end)

    def on_resize(self) -> None:
        """Fit the title to the new width (the first one may come before the first layout)."""
        self.call_after_refresh(self._retitle)

    def _retitle(self) -> None:
        # Read what is shown *now*: a newer run may have replaced it since the resize.
        if self._shown is not None:
            self.show(*self._shown)

    def clear(self) -> None:
        """Forget the drawn history (after a reset); the model views keep their model."""
        self._shown = None
        self.loss_chart.clear()

    def toggle_log_scale(self) -> None:
        """Switch the loss view between a linear and a log10 y axis."""
        self.loss_chart.toggle_log_scale()
