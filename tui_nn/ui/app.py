"""The workbench app: four panels, a status line, and one background training worker.

State lives here and only here: the current ``Trainer`` (owned by the worker while a run trains),
the run id, and the phase. Every action reads the form on the UI thread, hands plain values to
the ``@work`` thread, and the message handlers put what comes back on screen, ignoring any run
the user has since moved on from.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar, Literal

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker, get_current_worker

from tui_nn.core.dataset import TUTORIAL_DATASET, Dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.history import DownsampledHistory
from tui_nn.core.hyperparams import FIELDS, Hyperparams
from tui_nn.core.network import Network
from tui_nn.core.training import Trainer
from tui_nn.ui.chart_panel import ChartPanel
from tui_nn.ui.dataset_grid import DatasetGrid
from tui_nn.ui.help_screen import HelpScreen
from tui_nn.ui.hyperparams_form import HyperparamsForm
from tui_nn.ui.messages import EpochsCompleted, Progress, TrainingFailed, TrainingFinished
from tui_nn.ui.prediction_pane import PredictionPane
from tui_nn.ui.refresh_budget import RefreshBudget
from tui_nn.ui.status_bar import Status, StatusBar
from tui_nn.ui.training_run import (
    PROGRESS_INTERVAL,
    RunControl,
    make_progress,
    record_every,
    run_training,
)

Phase = Literal[
    "ready", "training", "pausing", "stopping", "paused", "finished", "stopped", "failed"
]

PHASE_NAMES: dict[Phase, str] = {
    "ready": "Ready",
    "training": "Training",
    "pausing": "Pausing",
    "stopping": "Stopping",
    "paused": "Paused",
    "finished": "Finished",
    "stopped": "Stopped",
    "failed": "Diverged",
}

RESUMABLE_CHANGES = frozenset({"lr", "epochs"})
"""Settings a paused run can take on when it resumes; any other change needs a reset."""

KEYS: tuple[tuple[str, str], ...] = (
    ("ctrl+t / F5", "Train: start, or resume when paused; while training, pause"),
    ("ctrl+n / F6", "Step: train one epoch"),
    ("ctrl+g / F7", "Stop: end the run (the next Train starts again from the seed)"),
    ("ctrl+r / F8", "Reset: new weights from the seed, clear the chart"),
    ("ctrl+l / F9", "Toggle log scale on the loss chart"),
    ("F1", "Help (this screen)"),
    ("ctrl+p", "Command palette: every action by name"),
    ("ctrl+q", "Quit"),
    ("Tab / shift+Tab", "Next / previous field"),
)
"""Every key, for the help screen (the footer shows the same bindings)."""

MIN_HISTORY = 64

MIN_TIMED_SECONDS = 0.1
"""A run shorter than this shows no epochs per second (a single step would show nonsense)."""

MODEL_GAP = 1.0
"""Seconds between live updates of the grid's output column and the prediction pane."""


def series_label(hyperparams: Hyperparams) -> str:
    """The series the title and status quote as "the loss": mse for the tutorial recipe."""
    return "mse" if hyperparams.recipe == "tutorial" else "loss"


class TuiNNApp(App[None]):
    """Build, train and question a small neural network, keyboard first.

    Attributes:
        training_settled: Set when the current run's final message has been handled (and by a
            reset); cleared when a run starts. Tests and scripts wait on it instead of sleeping.
        show_wall_clock: Show speed and times in the status line; off for repeatable screenshots.
    """

    # Absolute, so subclasses defined elsewhere (tests, embedders) still find the stylesheet.
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "tui-nn"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+t,f5", "train", "Train", priority=True),
        Binding("ctrl+t,f5", "pause", "Pause", priority=True),
        Binding("ctrl+n,f6", "step", "Step", priority=True),
        Binding("ctrl+g,f7", "stop", "Stop", priority=True),
        Binding("ctrl+r,f8", "reset", "Reset", priority=True),
        Binding("ctrl+l,f9", "toggle_log_scale", "Log", priority=True),
        Binding("f1", "help", "Help", priority=True),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]
    # Textual declares these as plain attributes, so a ClassVar annotation would clash.
    HORIZONTAL_BREAKPOINTS = [  # noqa: RUF012
        (0, "-too-narrow"),
        (60, "-narrow"),
        (100, "-wide"),
    ]
    VERTICAL_BREAKPOINTS = [  # noqa: RUF012
        (0, "-too-short"),
        (18, "-short"),
        (30, "-tall"),
    ]

    def __init__(self, dataset: Dataset, hyperparams: Hyperparams) -> None:
        super().__init__()
        self._dataset = dataset
        self._hyperparams = hyperparams
        self._trainer = Trainer(hyperparams, dataset)
        self._history: DownsampledHistory | None = None
        self._record_every = 1
        self._run_id = 0
        self._control = RunControl()
        self._worker: Worker[None] | None = None
        self._phase: Phase = "ready"
        self._target = hyperparams.epochs
        self._elapsed = 0.0
        self._pending: Literal["train", "step"] | None = None
        self._progress: Progress | None = None
        self._budget = RefreshBudget()
        self._model_shown = 0.0
        self.training_settled = asyncio.Event()
        self.training_settled.set()
        self.show_wall_clock = True

    # Layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Dataset and hyperparameters on the left, chart and prediction on the right."""
        with Horizontal(id="workbench"):
            with Vertical(id="left"):
                grid = DatasetGrid(self._dataset, id="dataset")
                grid.border_title = f"Dataset · {self._dataset.name}"
                yield grid
                form = HyperparamsForm(self._hyperparams, id="hyperparams")
                form.border_title = "Hyperparameters"
                yield form
            with Vertical(id="right"):
                chart = ChartPanel(id="chart")
                chart.border_title = "Chart"
                yield chart
                pane = PredictionPane(self._dataset, id="prediction")
                pane.border_title = "Prediction"
                yield pane
        yield StatusBar(id="status")
        yield Static(
            "The window is too small for tui-nn: make it at least 60 columns by 18 rows.",
            id="too-small",
        )
        yield Footer()

    def on_mount(self) -> None:
        """Show the untrained model's answers and the status."""
        self.query_one(StatusBar).show_wall_clock = self.show_wall_clock
        self._show_model(self._trainer.network.copy())
        self._show_status()

    # Shortcuts to the panels ----------------------------------------------------------------

    @property
    def phase(self) -> Phase:
        """What training is doing now."""
        return self._phase

    @property
    def trainer(self) -> Trainer:
        """The current trainer (read it only while no run trains)."""
        return self._trainer

    @property
    def form(self) -> HyperparamsForm:
        """The hyperparameters panel."""
        return self.query_one(HyperparamsForm)

    @property
    def grid(self) -> DatasetGrid:
        """The dataset panel."""
        return self.query_one(DatasetGrid)

    @property
    def prediction(self) -> PredictionPane:
        """The prediction panel."""
        return self.query_one(PredictionPane)

    @property
    def chart(self) -> ChartPanel:
        """The chart panel."""
        return self.query_one(ChartPanel)

    @property
    def status_bar(self) -> StatusBar:
        """The status line."""
        return self.query_one(StatusBar)

    # Actions --------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show Train or Pause on the same key, and dim Step while a run trains."""
        busy = self._phase in ("training", "pausing", "stopping")
        if action == "train":
            return not busy or self._phase != "training"
        if action == "pause":
            return self._phase == "training"
        if action == "step":
            return None if self._phase == "training" else True
        return True

    def action_train(self) -> None:
        """Start training, or resume a paused run."""
        if self._phase == "training":
            self.notify("Already training; ctrl+t pauses.")
            return
        if self._phase in ("pausing", "stopping"):
            self._pending = "train"
            return
        if self._prepare():
            self._start(self._target - self._trainer.epoch)

    def action_pause(self) -> None:
        """Pause a training run; Train resumes it."""
        if self._phase != "training":
            self.notify("Nothing is training.")
            return
        self._cancel_run("paused")
        self._set_phase("pausing")

    def action_step(self) -> None:
        """Train exactly one epoch."""
        if self._phase == "training":
            self.notify("Pause first (ctrl+t), then step.")
            return
        if self._phase in ("pausing", "stopping"):
            self._pending = "step"
            return
        if self._prepare():
            self._start(1)

    def action_stop(self) -> None:
        """End the run; the weights stay for predictions, the next Train starts afresh."""
        if self._phase == "training":
            self._cancel_run("stopped")
            self._set_phase("stopping")
        elif self._phase == "paused":
            self._set_phase("stopped")
        else:
            self.notify("Nothing to stop.")

    def action_reset(self) -> None:
        """New weights from the seed and the settings on screen; the chart starts over."""
        try:
            hyperparams = self.form.to_hyperparams()
        except TuiNNError as error:
            self._refuse(error)
            return
        self._cancel_run("cancelled")
        self._rebuild(hyperparams)
        self.notify(f"Reset: new weights from seed {hyperparams.seed}.")

    def action_toggle_log_scale(self) -> None:
        """Switch the loss chart between linear and log10 values."""
        self.chart.toggle_log_scale()

    def action_help(self) -> None:
        """Open the help screen, or close it if it is open."""
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
        else:
            self.push_screen(HelpScreen(KEYS))

    async def action_quit(self) -> None:
        """Quit at once; a training run is cancelled and stops within an epoch."""
        self._cancel_run("cancelled")
        self.exit()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every workbench action by its plain name in the command palette (ctrl+p)."""
        yield SystemCommand("Train", "Start training, or resume a paused run", self.action_train)
        yield SystemCommand("Pause", "Pause the training run", self.action_pause)
        yield SystemCommand("Step", "Train one epoch", self.action_step)
        yield SystemCommand("Stop", "End the training run", self.action_stop)
        yield SystemCommand("Reset", "New weights from the seed", self.action_reset)
        yield SystemCommand(
            "Toggle log scale", "Loss chart: linear or log10", self.action_toggle_log_scale
        )
        yield SystemCommand("Help", "Keys and what each panel shows", self.action_help)
        yield from super().get_system_commands(screen)

    # Running --------------------------------------------------------------------------------

    def _refuse(self, error: TuiNNError) -> None:
        label = FIELDS[error.field].label if error.field in FIELDS else "a field"
        self.notify(f"Fix {label} first: {error}", title="Cannot train", severity="error")

    def _prepare(self) -> bool:
        """Read the form and ready the trainer to continue or start afresh; False if refused."""
        try:
            hyperparams = self.form.to_hyperparams()
        except TuiNNError as error:
            self._refuse(error)
            return False
        current = self._trainer.hyperparams
        changed = sorted(
            name
            for name in FIELDS
            if name not in RESUMABLE_CHANGES
            and getattr(hyperparams, name) != getattr(current, name)
        )
        if self._phase == "paused":
            if changed:
                labels = ", ".join(FIELDS[name].label for name in changed)
                self.notify(
                    f"{labels} changed: Reset (ctrl+r) to build the model with it, "
                    "or change it back to resume.",
                    title="Cannot resume",
                    severity="warning",
                )
                return False
            if self._trainer.epoch >= hyperparams.epochs:
                self.notify(
                    f"Already at epoch {self._trainer.epoch:,}: raise epochs or Reset.",
                    severity="warning",
                )
                return False
        else:
            spent = self._trainer.epoch >= hyperparams.epochs
            fresh = (
                self._phase in ("stopped", "failed")
                or (self._phase == "finished" and (bool(changed) or spent))
                or (self._phase == "ready" and hyperparams != current)
            )
            if fresh:
                self._rebuild(hyperparams)
        if hyperparams.lr != self._trainer.lr:
            # The trainer is ours again (no run is training), so this is safe.
            self._trainer.set_learning_rate(hyperparams.lr)
        self._target = hyperparams.epochs
        return True

    def _rebuild(self, hyperparams: Hyperparams) -> None:
        """A fresh trainer from the seed; forget the old run (its late messages are ignored)."""
        self._run_id += 1
        self._trainer = Trainer(hyperparams, self.grid.to_dataset())
        self._history = None
        self._progress = None
        self._elapsed = 0.0
        self._target = hyperparams.epochs
        self._pending = None
        self.chart.clear()
        self._show_model(self._trainer.network.copy())
        self._set_phase("ready")
        self.training_settled.set()

    def _start(self, epochs: int) -> None:
        """Hand the trainer to a new worker run for ``epochs`` epochs."""
        self._run_id += 1
        self._control = RunControl()
        if self._history is None:
            width = self.chart.loss_chart.size.width
            # About twice the chart's width in points: enough for every column, cheap to draw.
            capacity = max(MIN_HISTORY, 2 * width)
            self._history = DownsampledHistory(capacity=capacity)
            self._record_every = record_every(self._target, capacity)
        self.training_settled.clear()
        self._budget = RefreshBudget()
        self._model_shown = time.monotonic()
        self._set_phase("training")
        self._worker = self._train(
            self._trainer,
            self._history,
            epochs,
            self._run_id,
            PROGRESS_INTERVAL,
            self._control,
            self._record_every,
        )

    def _cancel_run(self, reason: Literal["paused", "stopped", "cancelled"]) -> None:
        if self._phase in ("training", "pausing", "stopping"):
            self._control.request(reason)
            self.workers.cancel_group(self, "training")
            # A worker cancelled before its function began never runs it (Textual drops it, or
            # the start handshake turns it away), so it cannot send the run's final message:
            # send it here instead. Once the function has begun, it sends its own.
            history = self._history
            if history is not None and self._control.abandon():
                last = self._progress.result if self._progress is not None else None
                progress = make_progress(self._trainer, history, last, 0, 0.0)
                self.post_message(TrainingFinished(self._run_id, reason, progress))

    @work(thread=True, exclusive=True, group="training", exit_on_error=False, description="train")
    def _train(
        self,
        trainer: Trainer,
        history: DownsampledHistory,
        epochs: int,
        run_id: int,
        interval: float,
        control: RunControl,
        every: int,
    ) -> None:
        """The training worker: runs in a thread, talks to the UI only through messages."""
        worker = get_current_worker()
        run_training(
            trainer,
            history,
            epochs,
            run_id,
            post=self.post_message,
            is_cancelled=lambda: worker.is_cancelled,
            control=control,
            interval=interval,
            every=every,
        )

    # What the worker reports ---------------------------------------------------------------

    def on_epochs_completed(self, message: EpochsCompleted) -> None:
        """Live progress: chart and status, and now and then the grid and predictions.

        Redraws keep within the UI's share of the time (see ``RefreshBudget``); a report that
        arrives too soon is skipped, as the next one (or the final message) carries it all.
        """
        if message.run_id != self._run_id or not self._budget.due():
            return
        self._budget.begin()
        progress = message.progress
        self._progress = progress
        now = time.monotonic()
        if now - self._model_shown >= MODEL_GAP:
            # The grid's table re-renders every cell on any change: the costliest panel.
            self._model_shown = now
            self._show_model(progress.network)
        self.chart.show(progress.history, self._trainer.hyperparams, self._target)
        self._show_status()

    def on_training_finished(self, message: TrainingFinished) -> None:
        """A run ended: settle the phase, then do what the user asked for meanwhile."""
        if message.run_id != self._run_id:
            return
        progress = message.progress
        self._elapsed += progress.seconds
        if message.reason == "stopped":
            phase: Phase = "stopped"
        elif message.reason == "completed" and progress.epoch >= self._target:
            phase = "finished"
        else:
            phase = "paused"
        self._phase = phase
        self._show_progress(progress)
        self.refresh_bindings()
        self._settle()

    def on_training_failed(self, message: TrainingFailed) -> None:
        """A run diverged or broke: say so; the model keeps its last finite weights."""
        if message.run_id != self._run_id:
            return
        self._elapsed += message.progress.seconds
        self._phase = "failed"
        self._show_progress(message.progress)
        self.refresh_bindings()
        self.notify(message.error, title="Training stopped", severity="error", timeout=10)
        self._settle()

    def _settle(self) -> None:
        pending, self._pending = self._pending, None
        self.training_settled.set()
        if pending == "train":
            self.action_train()
        elif pending == "step":
            self.action_step()

    # Showing --------------------------------------------------------------------------------

    def _set_phase(self, phase: Phase) -> None:
        self._phase = phase
        self.refresh_bindings()
        self._show_status()

    def _show_model(self, network: Network) -> None:
        self.grid.show_outputs(network.predict(self._dataset.features))
        self.prediction.show_network(network)

    def _show_progress(self, progress: Progress) -> None:
        self._progress = progress
        self._show_model(progress.network)
        self.chart.show(progress.history, self._trainer.hyperparams, self._target)
        self._show_status()

    def _show_status(self) -> None:
        progress = self._progress
        training = self._phase == "training"
        speed = None
        if progress is not None and progress.seconds >= MIN_TIMED_SECONDS:
            # A step or a run stopped at once says nothing about speed: show none.
            speed = progress.epochs_per_second
        elapsed = self._elapsed + (progress.seconds if progress and training else 0.0)
        remaining = None
        epoch = progress.epoch if progress is not None else self._trainer.epoch
        if training and speed:
            remaining = max(self._target - epoch, 0) / speed
        loss = progress.result.loss if progress is not None and progress.result else None
        self.status_bar.show(
            Status(
                phase=PHASE_NAMES[self._phase],
                epoch=epoch,
                target=self._target,
                loss_name=series_label(self._trainer.hyperparams),
                loss=loss,
                epochs_per_second=speed,
                elapsed=elapsed,
                remaining=remaining,
            )
        )


def make_app(dataset: Dataset | None = None, hyperparams: Hyperparams | None = None) -> TuiNNApp:
    """The workbench on ``dataset`` with ``hyperparams`` (the tutorial's by default).

    The one way the CLI and the tests build the app.
    """
    return TuiNNApp(
        dataset if dataset is not None else TUTORIAL_DATASET,
        hyperparams if hyperparams is not None else Hyperparams(),
    )
