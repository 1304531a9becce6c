"""The workbench's phase machine and state, without any UI: a fake screen and a fake runner."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pytest

from tui_nn.core.dataset import TUTORIAL_DATASET, Dataset
from tui_nn.core.datasets import make_dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.network import Network
from tui_nn.core.runner import CancelReason, Progress, RunRequest
from tui_nn.core.session import Session
from tui_nn.core.split import PreparedData
from tui_nn.core.workbench import Workbench, check_session
from tui_nn.core.workbench_view import Notice, OnScreen, Settings


@dataclass
class FakeRunner:
    """Records what the workbench asks; the test plays the run's events."""

    started: list[RunRequest] = field(default_factory=list)
    cancelled: list[CancelReason] = field(default_factory=list)

    def start(self, run: RunRequest) -> None:
        self.started.append(run)

    def cancel(self, reason: CancelReason) -> None:
        self.cancelled.append(reason)


class FakeScreen:
    """A form and a grid: what they hold, and how often they were read."""

    def __init__(self) -> None:
        self.hyperparams = Hyperparams(epochs=50)
        self.test_split = 0.0
        self.normalize = False
        self.dataset: Dataset = TUTORIAL_DATASET
        self.data_state = 0
        self.bad_field: TuiNNError | None = None
        self.settings_reads = 0
        self.dataset_reads = 0

    def settings(self) -> Settings:
        self.settings_reads += 1
        if self.bad_field is not None:
            raise self.bad_field
        return Settings(self.hyperparams, self.test_split, self.normalize)

    def read_dataset(self) -> Dataset:
        self.dataset_reads += 1
        return self.dataset

    def reading(self) -> OnScreen:
        return OnScreen(
            settings=self.settings,
            data_settings=lambda: (self.test_split, self.normalize),
            dataset=self.read_dataset,
            data_key=lambda: self.data_state,
            form_key=lambda: (self.hyperparams, self.test_split, self.normalize),
            data_dirty=lambda: self.data_state != 0,
        )


class FakeView:
    """The screen side of the workbench: a fake screen in, a log of what was shown out."""

    def __init__(self, screen: FakeScreen) -> None:
        self.screen = screen
        self.notices: list[Notice] = []
        self.phases: list[str] = []
        self.models: list[Network] = []
        self.progress: list[Progress] = []
        self.charts_cleared = 0
        self.is_settled = True
        self.workbench: Workbench | None = None

    def on_screen(self) -> OnScreen:
        return self.screen.reading()

    def history_capacity(self) -> int:
        return 100

    def load_widgets(
        self, dataset: Dataset, hyperparams: Hyperparams, test_split: float, normalize: bool
    ) -> None:
        self.screen.dataset, self.screen.hyperparams = dataset, hyperparams
        self.screen.test_split, self.screen.normalize = test_split, normalize
        self.screen.data_state += 1000  # a new table

    def take_data(self, dataset: Dataset, prepared: PreparedData) -> None:
        pass

    def show_split(self, test_mask: npt.NDArray[np.bool_]) -> None:
        pass

    def show_phase(self) -> None:
        assert self.workbench is not None
        self.phases.append(self.workbench.phase)

    def show_model(self, network: Network) -> None:
        self.models.append(network)

    def show_progress(self, progress: Progress, model: bool) -> None:
        self.progress.append(progress)

    def clear_chart(self) -> None:
        self.charts_cleared += 1

    def show_status(self) -> None:
        pass

    def notify_user(self, notice: Notice) -> None:
        self.notices.append(notice)

    def mark_data_saved(self) -> None:
        pass

    def settled(self, settled: bool) -> None:
        self.is_settled = settled


@pytest.fixture
def screen() -> FakeScreen:
    return FakeScreen()


@pytest.fixture
def view(screen: FakeScreen) -> FakeView:
    return FakeView(screen)


@pytest.fixture
def runner() -> FakeRunner:
    return FakeRunner()


@pytest.fixture
def bench(screen: FakeScreen, view: FakeView, runner: FakeRunner) -> Workbench:
    workbench = Workbench(TUTORIAL_DATASET, screen.hyperparams, 0.0, False, runner, view)
    view.workbench = workbench
    workbench.mounted()
    return workbench


def play(bench: Workbench, run: RunRequest, epochs: int | None = None) -> Progress:
    """Train the run's epochs here, as a runner would, and return its last progress."""
    trainer = run.trainer
    last = None
    for last in trainer.run(run.epochs if epochs is None else epochs):
        run.history.append(last.epoch, loss=last.loss)
    return Progress.of(trainer, run.history, last, run.epochs, 0.5)


def test_train_runs_to_the_end_and_finishes(bench: Workbench, runner: FakeRunner) -> None:
    bench.train()
    assert bench.phase == "training" and bench.busy
    (run,) = runner.started
    assert (run.epochs, run.run_id) == (50, bench.run_id)
    bench.on_finished(run.run_id, "completed", play(bench, run))
    assert (bench.phase, bench.trainer.epoch) == ("finished", 50)
    assert bench.standing().phase == "Finished"


def test_pause_then_train_resumes_the_same_model(
    bench: Workbench, runner: FakeRunner, view: FakeView
) -> None:
    bench.train()
    run = runner.started[-1]
    bench.pause()
    assert (bench.phase, runner.cancelled) == ("pausing", ["paused"])
    bench.on_finished(run.run_id, "paused", play(bench, run, 20))
    assert bench.phase == "paused" and view.is_settled
    trainer = bench.trainer
    bench.train()
    assert bench.trainer is trainer and runner.started[-1].epochs == 30


def test_train_pressed_while_pausing_resumes_once_the_run_has_stopped(
    bench: Workbench, runner: FakeRunner
) -> None:
    bench.train()
    run = runner.started[-1]
    bench.pause()
    bench.train()  # the run has not said it stopped yet: remembered, not started
    assert len(runner.started) == 1
    bench.on_finished(run.run_id, "paused", play(bench, run, 10))
    assert bench.phase == "training" and len(runner.started) == 2


def test_events_of_a_run_moved_on_from_are_ignored(
    bench: Workbench, runner: FakeRunner, view: FakeView
) -> None:
    bench.train()
    old = runner.started[-1]
    bench.reset()
    assert runner.cancelled == ["cancelled"] and bench.phase == "ready"
    progress = play(bench, old, 5)
    bench.on_progress(old.run_id, progress)
    bench.on_finished(old.run_id, "cancelled", progress)
    bench.on_failed(old.run_id, "diverged", progress)
    assert bench.phase == "ready" and view.progress == []


def test_stop_then_train_starts_again_from_the_seed(bench: Workbench, runner: FakeRunner) -> None:
    bench.train()
    run = runner.started[-1]
    bench.stop()
    assert bench.phase == "stopping"
    bench.on_finished(run.run_id, "stopped", play(bench, run, 10))
    assert bench.phase == "stopped"
    bench.train()
    assert bench.trainer.epoch == 0 and runner.started[-1].epochs == 50


def test_a_failed_run_says_why(bench: Workbench, runner: FakeRunner, view: FakeView) -> None:
    bench.step()
    run = runner.started[-1]
    assert run.epochs == 1
    bench.on_failed(run.run_id, "training diverged at epoch 1", play(bench, run))
    assert bench.phase == "failed"
    assert view.notices[-1].message == "training diverged at epoch 1"


def test_a_bad_field_refuses_train_and_names_the_field(
    bench: Workbench, screen: FakeScreen, runner: FakeRunner, view: FakeView
) -> None:
    screen.bad_field = TuiNNError("learning rate must be a finite number > 0, got -1", field="lr")
    bench.train()
    assert runner.started == [] and bench.phase == "ready"
    assert view.notices[-1].message.startswith("Fix learning rate first: learning rate must")


def test_a_paused_run_refuses_a_change_that_needs_a_reset(
    bench: Workbench, screen: FakeScreen, runner: FakeRunner, view: FakeView
) -> None:
    bench.train()
    run = runner.started[-1]
    bench.pause()
    bench.on_finished(run.run_id, "paused", play(bench, run, 10))
    screen.hyperparams = screen.hyperparams.replace(seed=7)
    bench.train()
    assert len(runner.started) == 1 and view.notices[-1].title == "Cannot resume"
    screen.hyperparams = screen.hyperparams.replace(seed=42, lr=0.5)
    bench.train()  # a new learning rate is taken on as the run resumes
    assert len(runner.started) == 2 and bench.trainer.lr == 0.5


@pytest.mark.parametrize("change", ["settings", "data"])
def test_one_train_reads_the_form_once_and_the_grid_once(
    bench: Workbench, screen: FakeScreen, runner: FakeRunner, change: str
) -> None:
    """After a change a Train rebuilds the model: still one form check, one grid conversion."""
    bench.train()
    run = runner.started[-1]
    bench.on_finished(run.run_id, "completed", play(bench, run))
    if change == "settings":
        screen.hyperparams = screen.hyperparams.replace(seed=7)
    else:
        screen.data_state += 1
    screen.settings_reads = screen.dataset_reads = 0
    bench.train()
    assert bench.trainer.epoch == 0 and bench.phase == "training"
    assert (screen.settings_reads, screen.dataset_reads) == (1, 1)


def test_a_data_edit_makes_the_model_stale_until_train(
    bench: Workbench, screen: FakeScreen
) -> None:
    assert bench.data_changed() == ""
    screen.data_state += 1
    assert bench.standing().stale == "data was edited"
    screen.data_state -= 1
    screen.test_split = 0.25
    assert bench.data_changed() == "test split changed"


def test_unsaved_changes_follow_the_model_and_the_form(
    bench: Workbench, screen: FakeScreen, runner: FakeRunner
) -> None:
    assert not bench.has_unsaved_changes
    bench.train()
    run = runner.started[-1]
    bench.on_finished(run.run_id, "completed", play(bench, run))
    assert bench.has_unsaved_changes
    assert bench.unsaved_detail() == "The model trained since the last save."
    bench.mark_saved()
    assert not bench.has_unsaved_changes
    screen.hyperparams = screen.hyperparams.replace(lr=0.1)
    assert bench.unsaved_detail() == "Settings changed."


def test_saving_while_training_holds_the_model_at_the_epoch_shown(
    bench: Workbench, runner: FakeRunner
) -> None:
    bench.train()
    run = runner.started[-1]
    shown = play(bench, run, 20)
    bench.on_progress(run.run_id, shown)
    list(run.trainer.run(5))  # the run trains on past what the screen shows
    session, note = bench.session_now()
    assert session.epoch == 20 and session.network is not None
    assert session.network.params.tobytes() == shown.network.params.tobytes()
    assert session.history_epochs[-1] == 20
    assert "epoch 20" in note


def test_saving_before_the_first_report_holds_the_model_the_run_started_from(
    bench: Workbench, runner: FakeRunner
) -> None:
    bench.train()
    session, note = bench.session_now()
    assert session.epoch == 0 and session.network is not None
    assert "epoch 0" in note
    bench.on_finished(runner.started[-1].run_id, "paused", play(bench, runner.started[-1], 0))
    bench.step()
    run = runner.started[-1]
    bench.on_finished(run.run_id, "completed", play(bench, run))
    bench.train()  # no report from this run yet
    session, note = bench.session_now()
    assert session.epoch == 1 and session.network is not None
    assert "epoch 1" in note


def test_load_data_switches_a_many_class_dataset_to_softmax(
    bench: Workbench, view: FakeView
) -> None:
    blobs = make_dataset("blobs3", points=60, seed=0)
    bench.load_data(blobs)
    hyperparams = bench.trainer.hyperparams
    assert (hyperparams.recipe, hyperparams.output_activation) == ("textbook", "softmax")
    assert bench.dataset is blobs and bench.phase == "ready"
    assert view.notices[-1].message.startswith("Loaded blobs3: 60 rows")


def test_opening_a_session_restores_its_model_history_and_phase(
    bench: Workbench, view: FakeView
) -> None:
    hyperparams = Hyperparams(epochs=100)
    network = Network.initialised((3, 1), ("sigmoid",), "uniform", 3)
    session = Session(
        hyperparams=hyperparams,
        network=network,
        epoch=40,
        history_epochs=(20, 40),
        history={"reported": (0.5, 0.25), "loss": (0.2, 0.1)},
    )
    bench.open(check_session(session))
    assert (bench.phase, bench.trainer.epoch, bench.target) == ("paused", 40, 100)
    assert bench.history is not None and bench.history.snapshot().epochs == [20, 40]
    assert bench.standing().loss == 0.1
    assert not bench.has_unsaved_changes


def test_a_session_whose_data_cannot_train_is_refused_before_the_workbench_changes() -> None:
    one_class = Dataset(
        np.array([[0.0], [1.0]]), np.array([0, 0]), ("x",), ("no", "yes"), "y", "one"
    )
    with pytest.raises(TuiNNError):
        check_session(Session(dataset=one_class))
