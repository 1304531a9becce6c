"""The workbench app: four panels, a status line, and one background training worker.

State lives here and only here: the current ``Trainer`` (owned by the worker while a run trains),
the run id, and the phase. Every action reads the form on the UI thread, hands plain values to
the ``@work`` thread, and the message handlers put what comes back on screen, ignoring any run
the user has since moved on from.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Static
from textual.worker import Worker, get_current_worker

from tui_nn.core.dataset import TUTORIAL_DATASET, Dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.history import DownsampledHistory
from tui_nn.core.hyperparams import FIELDS, Hyperparams
from tui_nn.core.model_snapshot import ModelSnapshot
from tui_nn.core.network import Network
from tui_nn.core.run_past import RunPast
from tui_nn.core.session import Session
from tui_nn.core.split import prepare_data
from tui_nn.core.training import Trainer
from tui_nn.core.weight_history import WeightHistory
from tui_nn.core.workbench import PHASE_NAMES, Phase
from tui_nn.ui.actions import (
    ACTIONS,
    ACTIONS_BY_NAME,
    GRID_ACTIONS,
    VIEW_ACTIONS,
    bindings,
    help_rows,
)
from tui_nn.ui.chart_panel import ChartPanel
from tui_nn.ui.data_flows import MIN_HISTORY, DataFlows
from tui_nn.ui.dataset_grid import DatasetGrid
from tui_nn.ui.help_screen import HelpScreen
from tui_nn.ui.hyperparams_form import DATA_LABELS, HyperparamsForm
from tui_nn.ui.messages import (
    EpochsCompleted,
    GridRowSelected,
    Progress,
    TrainingFailed,
    TrainingFinished,
)
from tui_nn.ui.prediction_pane import PredictionPane, queries_for
from tui_nn.ui.refresh_budget import RefreshBudget
from tui_nn.ui.status_bar import Status, StatusBar
from tui_nn.ui.training_run import (
    PROGRESS_INTERVAL,
    CancelReason,
    RunControl,
    make_progress,
    record_every,
    run_training,
)

RESUMABLE_CHANGES = frozenset({"lr", "epochs"})
"""Settings a paused run can take on when it resumes; any other change needs a reset."""

MIN_TIMED_SECONDS = 0.1
"""A run shorter than this shows no epochs per second (a single step would show nonsense)."""

GIL_SWITCH_INTERVAL = 0.0005
"""Seconds a thread may hold the interpreter lock while another waits (Python's default: 0.005)."""

MODEL_GAP = 1.0
"""Seconds between live updates of the grid's output column and the prediction pane."""


def series_label(hyperparams: Hyperparams) -> str:
    """The series the title and status quote as "the loss": mse for the tutorial recipe."""
    return hyperparams.training_recipe.loss_label


class TuiNNApp(DataFlows):
    """Build, train and question a small neural network, keyboard first.

    Attributes:
        training_settled: Set when the current run's final message has been handled (and by a
            reset); cleared when a run starts. Tests and scripts wait on it instead of sleeping.
        show_wall_clock: Show speed and times in the status line; off for repeatable screenshots.
    """

    # Absolute, so subclasses defined elsewhere (tests, embedders) still find the stylesheet.
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "tui-nn"
    BINDINGS: ClassVar[list[BindingType]] = bindings(ACTIONS, priority=True)
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

    def __init__(
        self,
        dataset: Dataset,
        hyperparams: Hyperparams,
        session: Session | None = None,
        session_path: Path | None = None,
    ) -> None:
        super().__init__()
        if session is not None:
            dataset, hyperparams = session.dataset, session.hyperparams
        self._dataset = dataset
        self._hyperparams = hyperparams
        self._opening = session
        self._session_path = session_path
        self._test_split = session.test_split if session is not None else 0.0
        self._normalize = session.normalize if session is not None else False
        self._prepared = prepare_data(dataset, self._test_split, self._normalize, hyperparams.seed)
        self._trainer = self._new_trainer(hyperparams, self._prepared)
        self._trained_on: tuple[int, int, float, bool] = (0, 0, 0.0, False)
        self._saved: tuple[object, ...] | None = None
        self._shown_network: Network | None = None
        self._accuracy: tuple[float | None, float | None] = (None, None)
        self._history: DownsampledHistory | None = None
        self._weights: WeightHistory | None = None
        self._past = RunPast()
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
                form = HyperparamsForm(
                    self._hyperparams, self._test_split, self._normalize, id="hyperparams"
                )
                form.border_title = "Hyperparameters"
                yield form
            with Vertical(id="right"):
                chart = ChartPanel(id="chart")
                chart.border_title = "Chart"
                yield chart
                pane = PredictionPane(self._dataset, queries_for(self._dataset), id="prediction")
                pane.border_title = "Prediction"
                yield pane
        yield StatusBar(id="status")
        yield Static(
            "The window is too small for tui-nn: make it at least 60 columns by 18 rows.",
            id="too-small",
        )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Show the untrained model's answers and the status (or the session being opened)."""
        # The training worker runs pure Python and holds the interpreter lock; the UI thread
        # gets it back only when the holder is asked to switch (5 ms by default), and a key
        # press needs many such hand-overs: a short interval keeps keys answered in ~0.1 s.
        sys.setswitchinterval(GIL_SWITCH_INTERVAL)
        self.query_one(StatusBar).show_wall_clock = self.show_wall_clock
        self._remember_training_data()
        self.grid.mark_test_rows(self._prepared.test_mask)
        if self._opening is not None:
            self._open(self._opening, self._session_path)
            self._opening = None
        else:
            self._show_model(self._trainer.network.copy())
            self._show_status()
            self._mark_saved()

    # Shortcuts to the panels ----------------------------------------------------------------

    @property
    def phase(self) -> Phase:
        """What training is doing now."""
        return self._phase

    @property
    def trainer(self) -> Trainer:
        """The current trainer (read it only while no run trains)."""
        return self._trainer

    # Actions --------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Whether an action may run now (None: shown dimmed), as its row in ``ACTIONS`` says."""
        row = ACTIONS_BY_NAME.get(action)
        if row is None:
            return True
        if row.dialog and isinstance(self.screen, ModalScreen):
            return False  # one dialog at a time
        return row.allowed(self._phase)

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
        try:
            self._check_data(hyperparams)
        except TuiNNError as error:
            self._refuse(error)
            return
        self._cancel_run("cancelled")
        self._rebuild(hyperparams)
        self.notify(f"Reset: new weights from seed {hyperparams.seed}.")

    def action_toggle_log_scale(self) -> None:
        """Switch the loss chart between linear and log10 values."""
        self.chart.toggle_log_scale()

    # The views and the run's past ---------------------------------------------------------

    def action_next_view(self) -> None:
        """Bring the next view of the chart area forward (Loss, Decision map, ...)."""
        self.chart.next_view()

    def action_show_loss(self) -> None:
        """Bring the loss chart forward."""
        self.chart.show_view(VIEW_ACTIONS["show_loss"])

    def action_show_decision_map(self) -> None:
        """Bring the decision map forward."""
        self.chart.show_view(VIEW_ACTIONS["show_decision_map"])

    def action_show_every_input(self) -> None:
        """Bring the every-input table forward."""
        self.chart.show_view(VIEW_ACTIONS["show_every_input"])

    def action_show_network(self) -> None:
        """Bring the network view forward."""
        self.chart.show_view(VIEW_ACTIONS["show_network"])

    def action_back_in_time(self) -> None:
        """Show every view, the grid's outputs and the predictions one kept epoch earlier."""
        if not self._past.back(self.now_epoch):
            self.notify(
                "No earlier epoch kept: train first."
                if not len(self._past.snapshots)
                else "This is the earliest epoch kept."
            )
            return
        self._time_travelled()

    def action_forward_in_time(self) -> None:
        """One kept epoch later; after the last one, the model now."""
        if not self._past.forward(self.now_epoch):
            self.notify("Already showing the model now.")
            return
        self._time_travelled()

    def action_first_in_time(self) -> None:
        """The earliest kept epoch."""
        if self._past.first(self.now_epoch):
            self._time_travelled()

    def action_back_to_now(self) -> None:
        """Show the model as it is now."""
        if self._past.to_now():
            self._time_travelled()

    def on_grid_row_selected(self, message: GridRowSelected) -> None:
        """The network view shows the activations of the row under the grid's cursor."""
        if self.chart.active_view == "view-network":
            self._show_views()

    def _time_travelled(self) -> None:
        self._show_model(self._shown_network or self._trainer.network.copy())
        self._show_status()

    def action_help(self) -> None:
        """Open the help screen, or close it if it is open."""
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
        else:
            self.push_screen(HelpScreen(help_rows()))

    async def action_quit(self) -> None:
        """Quit; with unsaved changes ask first. A training run stops within an epoch."""
        if not self.has_unsaved_changes:
            self._cancel_run("cancelled")
            self.exit()
            return
        self._quit_after_asking()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every workbench action by its plain name in the command palette (ctrl+p)."""
        titles = set()
        for action in (*ACTIONS, *GRID_ACTIONS):
            if action.palette:
                owner = self.grid if action.target == "grid" else self
                titles.add(action.title)
                yield SystemCommand(
                    action.title, action.description, getattr(owner, f"action_{action.name}")
                )
        for command in super().get_system_commands(screen):
            if command.title not in titles:
                yield command

    # Running --------------------------------------------------------------------------------

    def _refuse(self, error: TuiNNError) -> None:
        if error.field in FIELDS:
            what = f"Fix {FIELDS[error.field].label} first: "
        elif error.field in DATA_LABELS:
            what = f"Fix {DATA_LABELS[error.field]} first: "
        else:
            what = "Fix the data first: "
        self.notify(f"{what}{error}", title="Cannot train", severity="error")

    def _prepare(self) -> bool:
        """Read the form and ready the trainer to continue or start afresh; False if refused."""
        try:
            hyperparams = self.form.to_hyperparams()
        except TuiNNError as error:
            self._refuse(error)
            return False
        reason = self._data_changed()
        if reason:
            try:
                self._check_data(hyperparams)
            except TuiNNError as error:
                self._refuse(error)
                return False
            if self._trainer.epoch:
                self.notify(f"The {reason}: training starts again from the seed.")
            self._rebuild(hyperparams)
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
                try:
                    self._check_data(hyperparams)
                except TuiNNError as error:
                    self._refuse(error)
                    return False
                self._rebuild(hyperparams)
        if hyperparams.lr != self._trainer.lr:
            # The trainer is ours again (no run is training), so this is safe.
            self._trainer.set_learning_rate(hyperparams.lr)
        self._target = hyperparams.epochs
        return True

    def _rebuild(self, hyperparams: Hyperparams) -> None:
        """A fresh trainer from the seed; forget the old run (its late messages are ignored).

        Call ``_check_data`` first: this uses the data on screen and must not fail half way.
        """
        prepared = self._check_data(hyperparams)
        self._run_id += 1
        self._take_data(prepared)
        self._trainer = self._new_trainer(hyperparams, prepared)
        self._history = None
        self._weights = None
        self._past.reset()
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
        if self._weights is None:
            params = self._trainer.network.params
            self._weights = WeightHistory(params.size, self._history.capacity, params.dtype)
        # Training shows the model as it is: leave the run's past.
        if self._past.to_now():
            self._show_model(self._shown_network or self._trainer.network.copy())
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
            self._weights,
        )

    def _cancel_run(self, reason: CancelReason) -> None:
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
        weights: WeightHistory | None,
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
            weights=weights,
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
        self._past.update(progress.weights)
        if now - self._model_shown >= MODEL_GAP:
            # The grid's table re-renders every cell on any change: the costliest panel.
            self._model_shown = now
            self._show_model(progress.network)
        else:
            # The visible view (map, table, network) follows every frame; grid and pane wait.
            self._shown_network = progress.network
            self._show_views()
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
        self.grid.read_only = self.busy
        self._show_status()

    def _show_model(self, network: Network) -> None:
        """Answers of ``network``: per grid row (when its inputs fit), accuracy, predictions.

        While the user looks at the run's past, every panel shows the weights of that epoch
        instead; ``network`` is still kept as the model now.
        """
        self._shown_network = network
        network = self._past.network(network) or network
        self._show_views()
        standardizer = self._prepared.standardizer
        rows = self.grid.table.feature_matrix()
        prediction = None
        if rows.shape[1] == network.layer_sizes[0] and rows.shape[0]:
            if standardizer is not None and standardizer.n_features == rows.shape[1]:
                rows = standardizer.transform(rows)
            prediction = network.predict(rows)
        self.grid.show_outputs(prediction)
        self.prediction.show_network(network, standardizer)
        self._accuracy = (
            self._accuracy_on(network, self._prepared.train),
            self._accuracy_on(network, self._prepared.test),
        )

    @property
    def now_epoch(self) -> int:
        """The epoch of the model now (the live run's, or the trainer's)."""
        progress = self._progress
        return progress.epoch if progress is not None else self._trainer.epoch

    def model_snapshot(self) -> ModelSnapshot:
        """The model the views show: now, or the epoch of the run's past on show."""
        live = self._shown_network or self._trainer.network
        then = self._past.network(live)
        row = self.grid.cursor_coordinate.row if self._dataset.n_rows else 0
        snapshot = ModelSnapshot.of(
            then or live, self._dataset, self._prepared, self.now_epoch, row
        )
        if then is None:
            return snapshot
        return ModelSnapshot(
            then,
            snapshot.dataset,
            snapshot.test_mask,
            snapshot.standardizer,
            self._past.epoch or 0,
            self.now_epoch,
            row,
            self._past.position(),
        )

    def _show_views(self) -> None:
        """Hand the model to the chart area's views (only the visible one draws it)."""
        snapshot = self.model_snapshot()
        self.chart.show_model(snapshot)
        self.chart.border_title = f"Chart · {snapshot.epoch_label}" if snapshot.in_past else "Chart"

    @staticmethod
    def _accuracy_on(network: Network, dataset: Dataset) -> float | None:
        if not dataset.n_rows or dataset.n_features != network.layer_sizes[0]:
            return None
        return float(np.mean(network.predict(dataset.features).classes == dataset.labels))

    def _show_progress(self, progress: Progress) -> None:
        self._progress = progress
        self._past.update(progress.weights)
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
        reason = self._data_changed()
        note = (
            f"⚠ The {reason}: the model is stale until Train or Reset (ctrl+r)." if reason else ""
        )
        if self._past.viewing_past:
            past = (
                f"⏪ Viewing epoch {self._past.epoch:,} of {epoch:,}: "
                "ctrl+b/ctrl+f step, End for now."
            )
            note = f"{past} {note}".strip()
        train_accuracy, test_accuracy = self._accuracy
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
                train_accuracy=None if reason else train_accuracy,
                test_accuracy=None if reason else test_accuracy,
                note=note,
            )
        )


def make_app(
    dataset: Dataset | None = None,
    hyperparams: Hyperparams | None = None,
    session: Session | None = None,
    session_path: Path | None = None,
) -> TuiNNApp:
    """The workbench on ``dataset`` with ``hyperparams`` (the tutorial's by default).

    The one way the CLI and the tests build the app.

    Args:
        dataset: The data to open on; the tutorial's when None.
        hyperparams: The settings; the tutorial's when None.
        session: A loaded session to open instead (its data, settings, weights, history).
        session_path: The file it came from: ctrl+s saves back to it.
    """
    return TuiNNApp(
        dataset if dataset is not None else TUTORIAL_DATASET,
        hyperparams if hyperparams is not None else Hyperparams(),
        session=session,
        session_path=session_path,
    )
