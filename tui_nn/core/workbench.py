"""The workbench's state and what a user does to it, without any UI.

``Workbench`` holds what the app is about: the data the model trains on, the trainer, the
phase of training, the chart's history, the epochs aimed for, the time spent, and what was last
saved. Its methods are what a user does (train, pause, step, stop, reset, load data, open,
save); what the screen must show as a result goes to a ``WorkbenchView`` (the app, or a fake in
tests), and what is on screen comes back from it as an ``OnScreen`` reading (both in
``workbench_view``).

Training itself runs elsewhere, behind a ``Runner`` (``runner``): the workbench asks it to
start or cancel a run, and the run's events come back into ``on_progress``, ``on_finished`` and
``on_failed``, each tagged with the run's id so a run the user has moved on from is ignored.

Phases: ``ready`` (a fresh model), ``training``, ``pausing``/``stopping`` (asked to, waiting
for the run's final event), ``paused``, ``finished`` (all the epochs), ``stopped`` and
``failed`` (diverged).
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from tui_nn.core.dataset import Dataset
from tui_nn.core.datasets import fit_hyperparams
from tui_nn.core.errors import TuiNNError
from tui_nn.core.history import DownsampledHistory, HistorySnapshot
from tui_nn.core.hyperparams import FIELDS, Hyperparams
from tui_nn.core.kept_runs import KeptRuns
from tui_nn.core.network import Network
from tui_nn.core.run_past import RunPast
from tui_nn.core.runner import (
    FinishReason,
    Progress,
    Runner,
    RunRequest,
    record_every,
)
from tui_nn.core.session import Session, check_trainable
from tui_nn.core.split import PreparedData, prepare_data, split_dataset
from tui_nn.core.training import EpochResult, Trainer
from tui_nn.core.weight_history import WeightHistory, WeightSnapshots
from tui_nn.core.workbench_view import Notice, OnScreen, Settings, Standing, WorkbenchView

Phase = Literal[
    "ready", "training", "pausing", "stopping", "paused", "finished", "stopped", "failed"
]
"""What the workbench's training is doing now."""

PHASES: frozenset[Phase] = frozenset(get_args(Phase))
"""Every phase."""

BUSY_PHASES: frozenset[Phase] = frozenset({"training", "pausing", "stopping"})
"""Phases in which a run owns the trainer: the data and the model wait."""

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
"""Each phase as the status line names it."""

RESUMABLE_CHANGES = frozenset({"lr", "epochs"})
"""Settings a paused run can take on when it resumes; any other change needs a reset."""

DATA_LABELS: dict[str, str] = {"test_split": "test split %", "normalize": "standardise"}
"""The form's data fields by name, as labelled on screen."""


MIN_HISTORY = 64
"""The fewest points a chart history keeps (more on a wide chart)."""

MIN_TIMED_SECONDS = 0.1
"""A run shorter than this shows no epochs per second (a single step would show nonsense)."""


@dataclass(frozen=True)
class OpenableSession:
    """A session checked whole and ready to put on the workbench without failing."""

    session: Session
    prepared: PreparedData
    trainer: Trainer
    path: Path | None


def new_trainer(
    hyperparams: Hyperparams,
    prepared: PreparedData,
    network: Network | None = None,
    epoch: int = 0,
) -> Trainer:
    """A trainer on the prepared rows (the test rows, when there are any, for the test loss)."""
    test = prepared.test if prepared.test.n_rows else None
    return Trainer(hyperparams, prepared.train, test, network=network, epoch=epoch)


def check_session(session: Session, path: Path | None = None) -> OpenableSession:
    """Everything needed to open ``session``, built on the side; the workbench is untouched.

    Raises:
        TuiNNError: when its data cannot train (one class, too few rows for the split, none).
    """
    check_trainable(session)
    prepared = session.prepare()
    network = session.network.copy() if session.network is not None else None
    trainer = new_trainer(session.hyperparams, prepared, network, session.epoch)
    state = session.trainer_state()
    if state is not None:
        trainer.load_state(state)  # the optimiser's moments, so the run carries on exactly
    return OpenableSession(session, prepared, trainer, path)


class Workbench:
    """The workbench's state and the user's actions on it.

    Attributes:
        dataset: The data the model trains on.
        prepared: Its training and test rows, scaled as set.
        test_split: The test fraction the model trains with.
        normalize: Whether it trains on standardised features.
        trainer: The model and its trainer (a run owns it while the phase is busy).
        phase: What training is doing now.
        run_id: The current run; events of any other run are ignored.
        history: The chart's values since the last reset, or None before the first run.
        progress: The latest progress shown (or where the current run began).
        target: Epochs the run aims for.
        elapsed: Seconds trained since the last reset, over finished runs.
        session_path: The file ctrl+s saves to.
        weights: The weights kept at the history's epochs (the run's past), or None.
        past: Which kept epoch the views show (or now).
        kept_runs: Earlier runs' loss curves (runs compared), saved in sessions.
        run_start: Where the model's training began: its weights (None: the seed's) and epoch,
            for an export that retrains it.
    """

    def __init__(
        self,
        dataset: Dataset,
        hyperparams: Hyperparams,
        test_split: float,
        normalize: bool,
        runner: Runner,
        view: WorkbenchView,
    ) -> None:
        self.runner = runner
        self.view = view
        self.run_id = 0
        self.phase: Phase = "ready"
        self.session_path: Path | None = None
        self._pending: Literal["train", "step"] | None = None
        self._saved: tuple[object, ...] | None = None
        self._record_every = 1
        self.past = RunPast()
        self.kept_runs = KeptRuns()
        prepared = prepare_data(dataset, test_split, normalize, hyperparams.seed)
        self._install(
            new_trainer(hyperparams, prepared), dataset, prepared, test_split, normalize, None
        )

    def _install(
        self,
        trainer: Trainer,
        dataset: Dataset,
        prepared: PreparedData,
        test_split: float,
        normalize: bool,
        data_key: Hashable,
        snapshots: WeightSnapshots | None = None,
    ) -> None:
        """Make this the model and data; forget the old run (its late events are ignored).

        The old run's loss curve joins the kept runs (runs compared) if it trained.
        """
        old: Trainer | None = getattr(self, "trainer", None)
        history: DownsampledHistory | None = getattr(self, "history", None)
        if old is not None and history is not None and old.epoch:
            trained_on: Dataset = getattr(self, "dataset", dataset)
            self.kept_runs.keep(history.snapshot(), old.hyperparams, trained_on.name, self.phase)
        self.run_id += 1
        self.trainer = trainer
        epoch = trainer.epoch
        self.run_start = (trainer.network.copy() if epoch else None, epoch)
        self.dataset = dataset
        self.prepared = prepared
        self.test_split = test_split
        self.normalize = normalize
        self._trained_on = (data_key, test_split, normalize)
        self.history: DownsampledHistory | None = None
        self.weights: WeightHistory | None = None
        self.past.reset(snapshots)
        self.progress: Progress | None = None
        self.target = trainer.hyperparams.epochs
        self.elapsed = 0.0
        self._pending = None

    # What is on screen ------------------------------------------------------------------

    def mounted(self) -> None:
        """The screen exists: remember the data it shows as what the model trained on."""
        self._trained_on = (self.view.on_screen().data_key, self.test_split, self.normalize)
        self.view.take_data(self.dataset, self.prepared)
        self.view.show_model(self.trainer.network.copy())
        self.view.show_status()
        self.mark_saved()

    @property
    def now_epoch(self) -> int:
        """The epoch of the model now (the live run's, or the trainer's)."""
        progress = self.progress
        return progress.epoch if progress is not None else self.trainer.epoch

    @property
    def busy(self) -> bool:
        """Whether a run is training (or winding down): the data waits until it stops."""
        return self.phase in BUSY_PHASES

    def data_changed(self, screen: OnScreen | None = None) -> str:
        """Why the model no longer fits the data on screen ("data was edited"), or ""."""
        screen = screen or self.view.on_screen()
        key, test_split, normalize = self._trained_on
        if screen.data_key != key:
            return "data was edited"
        try:
            now_split, now_normalize = screen.data_settings
        except TuiNNError:
            return "test split changed"
        if not math.isclose(now_split, test_split, abs_tol=1e-12):
            return "test split changed"
        if now_normalize != normalize:
            return "standardisation changed"
        return ""

    def standing(self) -> Standing:
        """The status line's figures."""
        progress = self.progress
        training = self.phase == "training"
        speed = None
        if progress is not None and progress.seconds >= MIN_TIMED_SECONDS:
            # A step or a run stopped at once says nothing about speed: show none.
            speed = progress.epochs_per_second
        elapsed = self.elapsed + (progress.seconds if progress and training else 0.0)
        epoch = progress.epoch if progress is not None else self.trainer.epoch
        remaining = None
        if training and speed:
            remaining = max(self.target - epoch, 0) / speed
        loss = progress.result.loss if progress is not None and progress.result else None
        hyperparams = self.trainer.hyperparams
        return Standing(
            phase=PHASE_NAMES[self.phase],
            epoch=epoch,
            target=self.target,
            loss_name=hyperparams.training_recipe.loss_label,
            loss=loss,
            epochs_per_second=speed,
            elapsed=elapsed,
            remaining=remaining,
            stale=self.data_changed(),
        )

    def preview_split(self) -> None:
        """Mark the rows the split on screen would hold out (none while it cannot split)."""
        screen = self.view.on_screen()
        try:
            mask = split_dataset(
                screen.dataset, screen.data_settings[0], screen.settings.hyperparams.seed
            )[2]
        except TuiNNError:
            return
        self.view.show_split(mask)

    # Training ----------------------------------------------------------------------------

    def train(self) -> None:
        """Start training, or resume a paused run."""
        if self.phase == "training":
            self._tell(Notice("Already training; ctrl+t pauses."))
            return
        if self.phase in ("pausing", "stopping"):
            self._pending = "train"
            return
        if self._prepare():
            self._start(self.target - self.trainer.epoch)

    def pause(self) -> None:
        """Pause a training run; Train resumes it."""
        if self.phase != "training":
            self._tell(Notice("Nothing is training."))
            return
        self.runner.cancel("paused")
        self._set_phase("pausing")

    def step(self) -> None:
        """Train exactly one epoch."""
        if self.phase == "training":
            self._tell(Notice("Pause first (ctrl+t), then step."))
            return
        if self.phase in ("pausing", "stopping"):
            self._pending = "step"
            return
        if self._prepare():
            self._start(1)

    def stop(self) -> None:
        """End the run; the weights stay for predictions, the next Train starts afresh."""
        if self.phase == "training":
            self.runner.cancel("stopped")
            self._set_phase("stopping")
        elif self.phase == "paused":
            self._set_phase("stopped")
        else:
            self._tell(Notice("Nothing to stop."))

    def reset(self) -> None:
        """New weights from the seed and the settings on screen; the chart starts over."""
        screen = self.view.on_screen()
        try:
            settings = screen.settings
            prepared = self._prepare_screen_data(screen, settings)
        except TuiNNError as error:
            self._refuse(error)
            return
        self.cancel_run()
        self._rebuild(screen, settings, prepared)
        self._tell(Notice(f"Reset: new weights from seed {settings.hyperparams.seed}."))

    def cancel_run(self) -> None:
        """End any run without a word (quitting, or replacing the model)."""
        if self.busy:
            self.runner.cancel("cancelled")

    def _refuse(self, error: TuiNNError) -> None:
        self._tell(Notice(f"{refusal(error)}{error}", title="Cannot train", severity="error"))

    @staticmethod
    def _prepare_screen_data(screen: OnScreen, settings: Settings) -> PreparedData:
        return prepare_data(
            screen.dataset, settings.test_split, settings.normalize, settings.hyperparams.seed
        )

    def _prepare(self) -> bool:
        """Read the screen and ready the trainer to continue or start afresh; False if refused."""
        screen = self.view.on_screen()
        try:
            settings = screen.settings
        except TuiNNError as error:
            self._refuse(error)
            return False
        hyperparams = settings.hyperparams
        reason = self.data_changed(screen)
        if reason:
            try:
                prepared = self._prepare_screen_data(screen, settings)
            except TuiNNError as error:
                self._refuse(error)
                return False
            if self.trainer.epoch:
                self._tell(Notice(f"The {reason}: training starts again from the seed."))
            self._rebuild(screen, settings, prepared)
        current = self.trainer.hyperparams
        changed = sorted(
            name
            for name in FIELDS
            if name not in RESUMABLE_CHANGES
            and getattr(hyperparams, name) != getattr(current, name)
        )
        if self.phase == "paused":
            if changed:
                labels = ", ".join(FIELDS[name].label for name in changed)
                self._tell(
                    Notice(
                        f"{labels} changed: Reset (ctrl+r) to build the model with it, "
                        "or change it back to resume.",
                        title="Cannot resume",
                        severity="warning",
                    )
                )
                return False
            if self.trainer.epoch >= hyperparams.epochs:
                self._tell(
                    Notice(
                        f"Already at epoch {self.trainer.epoch:,}: raise epochs or Reset.",
                        severity="warning",
                    )
                )
                return False
        else:
            spent = self.trainer.epoch >= hyperparams.epochs
            fresh = (
                self.phase in ("stopped", "failed")
                or (self.phase == "finished" and (bool(changed) or spent))
                or (self.phase == "ready" and hyperparams != current)
            )
            if fresh:
                try:
                    prepared = self._prepare_screen_data(screen, settings)
                except TuiNNError as error:
                    self._refuse(error)
                    return False
                self._rebuild(screen, settings, prepared)
        if hyperparams.lr != self.trainer.lr:
            # The trainer is ours again (no run is training), so this is safe.
            self.trainer.set_learning_rate(hyperparams.lr)
        self.target = hyperparams.epochs
        return True

    def _rebuild(self, screen: OnScreen, settings: Settings, prepared: PreparedData) -> None:
        """A fresh trainer from the seed on the data on screen; the chart starts over."""
        hyperparams = settings.hyperparams
        dataset = screen.dataset
        self._install(
            new_trainer(hyperparams, prepared),
            dataset,
            prepared,
            settings.test_split,
            settings.normalize,
            screen.data_key,
        )
        self.view.take_data(dataset, prepared)
        self.view.clear_chart()
        self.view.show_model(self.trainer.network.copy())
        self._set_phase("ready")
        self.view.settled(True)

    def _start(self, epochs: int) -> None:
        """Hand the trainer to a new run for ``epochs`` epochs."""
        self.run_id += 1
        if self.history is None:
            capacity = max(MIN_HISTORY, self.view.history_capacity())
            self.history = DownsampledHistory(capacity=capacity)
            self._record_every = record_every(self.target, capacity)
        if self.weights is None:
            params = self.trainer.network.params
            self.weights = WeightHistory(params.size, self.history.capacity, params.dtype)
        # Training shows the model as it is: leave the run's past.
        if self.past.to_now():
            self.view.show_now()
        last = self.progress.result if self.progress is not None else None
        # Where the run begins, so a save before its first report still holds the model.
        self.progress = Progress.of(self.trainer, self.history, last, weights=self.weights)
        self.view.settled(False)
        self._set_phase("training")
        self.runner.start(
            RunRequest(
                self.run_id,
                self.trainer,
                self.history,
                epochs,
                self._record_every,
                last,
                self.weights,
            )
        )

    # What the run reports ----------------------------------------------------------------

    def is_current(self, run_id: int) -> bool:
        """Whether ``run_id`` is the run the workbench is waiting on."""
        return run_id == self.run_id

    def on_progress(self, run_id: int, progress: Progress, model: bool = True) -> None:
        """Live progress of a run: remember and show it (``model``: the weights too)."""
        if run_id != self.run_id:
            return
        self.progress = progress
        self.past.update(progress.weights)
        self.view.show_progress(progress, model)

    def on_finished(self, run_id: int, reason: FinishReason, progress: Progress) -> None:
        """A run ended: settle the phase, then do what the user asked for meanwhile."""
        if run_id != self.run_id:
            return
        self.elapsed += progress.seconds
        if reason == "stopped":
            phase: Phase = "stopped"
        elif reason == "completed" and progress.epoch >= self.target:
            phase = "finished"
        else:
            phase = "paused"
        self._end_run(phase, progress)

    def on_failed(self, run_id: int, error: str, progress: Progress) -> None:
        """A run diverged or broke: say so; the model keeps its last finite weights."""
        if run_id != self.run_id:
            return
        self.elapsed += progress.seconds
        self._end_run("failed", progress)
        self._tell(Notice(error, title="Training stopped", severity="error", timeout=10))
        self._settle()

    def _end_run(self, phase: Phase, progress: Progress) -> None:
        self.phase = phase
        self.progress = progress
        self.past.update(progress.weights)
        self.view.show_progress(progress, True)
        self.view.show_phase()
        if phase != "failed":
            self._settle()

    def _settle(self) -> None:
        pending, self._pending = self._pending, None
        self.view.settled(True)
        if pending == "train":
            self.train()
        elif pending == "step":
            self.step()

    def _set_phase(self, phase: Phase) -> None:
        self.phase = phase
        self.view.show_phase()

    def _tell(self, notice: Notice) -> None:
        self.view.notify_user(notice)

    # Data and sessions -------------------------------------------------------------------

    def load_data(self, dataset: Dataset) -> None:
        """Make ``dataset`` the data; more than two classes switch the model to softmax + ce."""
        screen = self.view.on_screen()
        try:
            hyperparams = screen.settings.hyperparams
        except TuiNNError:
            hyperparams = self.trainer.hyperparams
        fitted, note = fit_hyperparams(hyperparams, dataset)
        try:
            test_split, normalize = screen.data_settings
        except TuiNNError:
            test_split, normalize = self.test_split, self.normalize
        try:
            prepared = prepare_data(dataset, test_split, normalize, fitted.seed)
        except TuiNNError:
            # A split the new data cannot take (too few rows): train on every row instead.
            test_split = 0.0
            prepared = prepare_data(dataset, test_split, normalize, fitted.seed)
        self.cancel_run()
        self.view.load_widgets(dataset, fitted, test_split, normalize)
        self._rebuild(self.view.on_screen(), Settings(fitted, test_split, normalize), prepared)
        self.session_path = None
        self.mark_saved()
        message = f"Loaded {dataset.name}: {describe(dataset)}."
        if note:
            message += f" {note[:1].upper()}{note[1:]}."
        self._tell(Notice(message, timeout=8))

    def open(self, ready: OpenableSession) -> None:
        """Put a checked session on the workbench: data, settings, weights, history, phase."""
        session = ready.session
        hyperparams = session.hyperparams
        self.cancel_run()
        self.view.load_widgets(session.dataset, hyperparams, session.test_split, session.normalize)
        screen = self.view.on_screen()
        self._install(
            ready.trainer,
            session.dataset,
            ready.prepared,
            session.test_split,
            session.normalize,
            screen.data_key,
            session.snapshots,
        )
        self.kept_runs.replace(session.kept_runs)
        self.view.take_data(session.dataset, ready.prepared)
        self.view.clear_chart()
        if session.history_epochs:
            history = DownsampledHistory(capacity=max(MIN_HISTORY, self.view.history_capacity()))
            for index, epoch in enumerate(session.history_epochs):
                values = {
                    name: None if math.isnan(series[index]) else series[index]
                    for name, series in session.history.items()
                }
                history.append(epoch, **values)
            self.history = history
            if session.snapshots is not None and len(session.snapshots):
                self.weights = WeightHistory.from_snapshots(session.snapshots, history.capacity)
            snapshot = history.snapshot()
            last = EpochResult(
                session.epoch,
                snapshot.latest("reported") or 0.0,
                snapshot.latest("loss") or math.nan,
                snapshot.latest("test_loss"),
            )
            self.progress = Progress(
                session.epoch,
                last,
                snapshot,
                self.trainer.network.copy(),
                0,
                0.0,
                self.past.snapshots,
            )
            self.view.show_progress(self.progress, False)
        self.session_path = ready.path
        self.view.show_model(self.trainer.network.copy())
        if session.epoch == 0:
            phase: Phase = "ready"
        elif session.epoch >= hyperparams.epochs:
            phase = "finished"
        else:
            phase = "paused"
        self._set_phase(phase)
        self.view.settled(True)
        self.mark_saved()

    def session_now(self) -> tuple[Session, str]:
        """Everything on screen as a session, and a note saying what it holds or left out.

        While a run trains, the model is the one last shown (the run's latest report, or where
        it began), and the note says so: a save never drops the model of a running run.

        Raises:
            TuiNNError: when the data or a field cannot be saved as it is.
        """
        screen = self.view.on_screen()
        settings = screen.settings
        base = Session(
            screen.dataset,
            settings.hyperparams,
            settings.test_split,
            settings.normalize,
            kept_runs=self.kept_runs.runs,
        )
        progress = self.progress
        history: HistorySnapshot | None
        note = ""
        if self.busy and progress is not None:
            network, epoch, history = progress.network, progress.epoch, progress.history
            note = f"The model is saved at epoch {epoch:,}, as shown; training goes on."
        else:
            network, epoch = self.trainer.network.copy(), self.trainer.epoch
            history = self.history.snapshot() if self.history is not None else None
        if epoch == 0 and not note:
            return base, ""  # an untrained model is the seed's: nothing to keep
        reason = self.data_changed(screen)
        if reason:
            return base, f"The model was left out: the {reason} since it trained."
        past = self.past.snapshots.upto(epoch)
        try:
            session = base.replace(
                network=network,
                epoch=epoch,
                history_epochs=tuple(history.epochs) if history else (),
                history=history.series if history else {},
                snapshots=past if len(past) else None,
            )
        except TuiNNError:
            return base, "The model was left out: the layers changed since it trained."
        state = None if self.busy else self.trainer.export_state()
        if state is not None and state.optimizer == session.hyperparams.optimizer:
            # The optimiser's moments too: the run carries on exactly when the file is opened.
            session = session.replace(moments=state.moments, optimizer_steps=state.optimizer_steps)
        return session, note

    def current_network(self) -> Network:
        """The model as last shown (a copy the caller may keep)."""
        if self.busy and self.progress is not None:
            return self.progress.network
        return self.trainer.network.copy()

    def saved_to(self, path: Path) -> None:
        """The session on screen was saved to ``path``."""
        self.session_path = path
        self.mark_saved()

    def mark_saved(self) -> None:
        """What is on screen now counts as saved."""
        self.view.mark_data_saved()
        self._saved = self._fingerprint(self.view.on_screen())

    def _fingerprint(self, screen: OnScreen) -> tuple[object, ...]:
        """What a save captures, cheaply: the data's state, the form's texts, the model's age."""
        epoch = self.progress.epoch if self.progress is not None else self.trainer.epoch
        return (screen.data_key, screen.form_key, id(self.trainer), epoch)

    def state_marker(self) -> Hashable:
        """A value that changes whenever what a save captures changes (the autosave's cue)."""
        return self._fingerprint(self.view.on_screen())

    def mark_unsaved(self) -> None:
        """What is on screen counts as unsaved (work restored from a recovery copy)."""
        self._saved = None

    @property
    def has_unsaved_changes(self) -> bool:
        """Whether anything changed since the session was opened, saved or the data loaded."""
        return self._saved != self._fingerprint(self.view.on_screen())

    def unsaved_detail(self) -> str:
        """What is unsaved, in a sentence."""
        screen = self.view.on_screen()
        if screen.data_dirty:
            return "The data was edited."
        if self._saved is not None and self._saved[-2:] != self._fingerprint(screen)[-2:]:
            return "The model trained since the last save."
        return "Settings changed."


def refusal(error: TuiNNError) -> str:
    """How a refused Train begins: ``Fix learning rate first: ``."""
    if error.field in FIELDS:
        return f"Fix {FIELDS[error.field].label} first: "
    if error.field in DATA_LABELS:
        return f"Fix {DATA_LABELS[error.field]} first: "
    return "Fix the data first: "


def describe(dataset: Dataset) -> str:
    """``7 rows, 3 features, 2 classes (0, 1)``."""
    classes = ", ".join(dataset.class_names[:6]) + (", ..." if dataset.n_classes > 6 else "")
    return (
        f"{dataset.n_rows:,} rows, {dataset.n_features} features, "
        f"{dataset.n_classes} classes ({classes})"
    )
