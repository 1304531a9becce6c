"""The worker body: throttled progress, one final message always, the reason it stopped."""

from __future__ import annotations

import itertools

from textual.message import Message

from tui_nn.core.dataset import TUTORIAL_DATASET
from tui_nn.core.history import DownsampledHistory
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.runner import record_every
from tui_nn.core.training import Trainer
from tui_nn.ui.messages import EpochsCompleted, TrainingFailed, TrainingFinished
from tui_nn.ui.training_run import RunControl, run_training


def train(
    epochs: int,
    hyperparams: Hyperparams | None = None,
    cancel_after: int | None = None,
    reason: str = "paused",
    seconds_per_epoch: float = 0.01,
    every: int = 1,
) -> tuple[list[Message], Trainer]:
    """Run the worker body in this thread with a fake clock; return what it posted."""
    trainer = Trainer(hyperparams or Hyperparams(), TUTORIAL_DATASET)
    control = RunControl()
    posted: list[Message] = []
    ticks = itertools.count()
    checks = itertools.count(1)

    def is_cancelled() -> bool:
        if cancel_after is not None and next(checks) >= cancel_after:
            control.request(reason)  # type: ignore[arg-type]
            return True
        return False

    run_training(
        trainer,
        DownsampledHistory(capacity=64),
        epochs,
        run_id=7,
        post=posted.append,
        is_cancelled=is_cancelled,
        control=control,
        interval=0.25,
        clock=lambda: next(ticks) * seconds_per_epoch,
        every=every,
    )
    return posted, trainer


def test_a_completed_run_reports_a_few_times_a_second_then_finishes() -> None:
    posted, trainer = train(200)
    progress = [m for m in posted if isinstance(m, EpochsCompleted)]
    final = posted[-1]
    assert isinstance(final, TrainingFinished)
    assert (final.reason, final.run_id, final.progress.epoch) == ("completed", 7, 200)
    # 200 epochs at 10 ms each is 2 s: one report every 0.25 s, never more.
    assert 6 <= len(progress) <= 8
    assert all(m.run_id == 7 for m in posted)
    assert len(final.progress.history) <= 65
    assert final.progress.history.latest_epoch == 200
    assert final.progress.history.series.keys() == {"reported", "loss"}
    # The weights sent are a copy: training on cannot change what the UI holds.
    before = final.progress.network.params.copy()
    next(iter(trainer.run(1)))
    assert (final.progress.network.params == before).all()


def test_a_cancelled_run_stops_at_once_and_says_why() -> None:
    posted, trainer = train(10_000, cancel_after=3, reason="stopped")
    final = posted[-1]
    assert isinstance(final, TrainingFinished)
    assert (final.reason, trainer.epoch, final.progress.epoch) == ("stopped", 3, 3)
    assert sum(isinstance(m, (TrainingFinished, TrainingFailed)) for m in posted) == 1


def test_divergence_fails_with_the_engine_message_and_keeps_finite_weights() -> None:
    settings = Hyperparams(recipe="textbook", output_activation="linear", lr=10.0)
    posted, trainer = train(500, hyperparams=settings)
    final = posted[-1]
    assert isinstance(final, TrainingFailed)
    assert final.error.startswith("training diverged at epoch")
    assert final.error == trainer.divergence.message()  # type: ignore[union-attr]
    assert final.progress.network.params.size and all(
        abs(v) < float("inf") for v in final.progress.network.params
    )


def test_a_run_abandoned_before_it_started_posts_nothing() -> None:
    control = RunControl()
    assert control.abandon()
    assert not control.abandon()  # the final message is owed once
    posted: list[Message] = []
    trainer = Trainer(Hyperparams(), TUTORIAL_DATASET)
    run_training(trainer, DownsampledHistory(), 10, 1, posted.append, lambda: False, control)
    assert posted == []
    assert trainer.epoch == 0
    # Once a run has started, the UI can no longer abandon it: the worker owes the final message.
    started = RunControl()
    assert started.claim_start()
    assert not started.abandon()


def test_recording_every_kth_epoch_still_ends_at_the_last_epoch() -> None:
    assert record_every(200, 64) == 1
    assert record_every(30_000, 84) == 64
    assert 30_000 // record_every(30_000, 84) >= 4 * 84
    posted, _trainer = train(1000, every=16)
    history = posted[-1].progress.history  # type: ignore[attr-defined]
    assert history.epochs[0] == 16
    assert all(epoch % 16 == 0 for epoch in history.epochs[:-1])
    assert history.latest_epoch == 1000
