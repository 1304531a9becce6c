"""The body of the training worker: train, record, report, and always say how it ended.

``run_training`` is a plain function so it can be read (and tested) apart from Textual's worker
machinery; ``TuiNNApp`` calls it from a ``@work(thread=True)`` method. It owns the ``Trainer``
and the ``DownsampledHistory`` it is given for the whole run: the UI keeps its hands off both
until the run's final message arrives.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Literal

from textual.message import Message

from tui_nn.core.history import DownsampledHistory
from tui_nn.core.recipes import record
from tui_nn.core.training import EpochResult, Trainer
from tui_nn.core.weight_history import WeightHistory, WeightSnapshots
from tui_nn.ui.messages import (
    EpochsCompleted,
    FinishReason,
    Progress,
    TrainingFailed,
    TrainingFinished,
)

CancelReason = Literal["paused", "stopped", "cancelled"]
"""Why the UI cancels a run."""

PROGRESS_INTERVAL = 0.25
"""Seconds between progress reports: four chart redraws a second keep training near full speed
and an SSH session's bandwidth low (see the house style notes on refresh rate)."""


class RunControl:
    """What the UI and one run's worker tell each other besides Textual's cancellation flag.

    Textual's cancellation says only *that* a worker should stop; ``reason`` says *why*, so the
    final message can tell a pause from a stop. And a worker cancelled before its thread ever
    started never runs at all, so it could not post its final message: the start handshake
    lets the UI find that out and post the final message itself. Exactly one side wins.

    Attributes:
        reason: The reason to report once the worker sees it was cancelled.
    """

    def __init__(self) -> None:
        self.reason: FinishReason = "cancelled"
        self._lock = threading.Lock()
        self._started = False
        self._abandoned = False

    def request(self, reason: FinishReason) -> None:
        """Record why the run is about to be cancelled (call before cancelling the worker)."""
        self.reason = reason

    def claim_start(self) -> bool:
        """Worker side: True if the run may go ahead (and must then post its final message)."""
        with self._lock:
            if self._abandoned:
                return False
            self._started = True
            return True

    def abandon(self) -> bool:
        """UI side, when cancelling: True if the run never started, and now never will.

        True once at most, so the UI posts the run's final message once.
        """
        with self._lock:
            if self._started or self._abandoned:
                return False
            self._abandoned = True
            return True


def record_every(target_epochs: int, capacity: int) -> int:
    """How many epochs apart to record, so a run of ``target_epochs`` still fills the history.

    The history keeps at most ``capacity`` evenly spaced points however many it is given, and
    recording costs about a microsecond: a real share of a fast epoch. Recording every k-th
    epoch (a power of two, fixed for the history's life so the spacing stays even) while still
    giving the history at least four times its capacity loses nothing the chart can show.
    """
    every = 1
    while target_epochs // (every * 2) >= 4 * capacity:
        every *= 2
    return every


def make_progress(
    trainer: Trainer,
    history: DownsampledHistory,
    result: EpochResult | None,
    epochs_run: int,
    seconds: float,
    weights: WeightHistory | None = None,
) -> Progress:
    """Copy where a run stands into a ``Progress`` the UI may keep (call it from the run's owner).

    Args:
        trainer: The model and its epoch count.
        history: The values recorded so far.
        result: The run's last finite result, if any.
        epochs_run: Epochs this run trained.
        seconds: How long this run took so far.
        weights: The weight snapshots kept at the history's epochs, if any are kept.
    """
    return Progress(
        epoch=trainer.epoch,
        result=result,
        history=history.snapshot(),
        network=trainer.network.copy(),
        epochs_run=epochs_run,
        seconds=seconds,
        weights=weights.snapshot() if weights is not None else WeightSnapshots(),
    )


def run_training(
    trainer: Trainer,
    history: DownsampledHistory,
    epochs: int,
    run_id: int,
    post: Callable[[Message], object],
    is_cancelled: Callable[[], bool],
    control: RunControl,
    interval: float = PROGRESS_INTERVAL,
    clock: Callable[[], float] = time.monotonic,
    every: int = 1,
    weights: WeightHistory | None = None,
) -> None:
    """Train up to ``epochs`` epochs, posting throttled progress and exactly one final message.

    Args:
        trainer: The model and data to train; this function is its only user until it returns.
        history: Where every epoch's values go (bounded, so a long run stays flat in memory).
        epochs: Epochs to train in this run.
        run_id: Tags every message, so the UI can ignore runs it has moved on from.
        post: Delivers a message to the UI (thread-safe).
        is_cancelled: Whether the UI cancelled this worker; checked after every epoch.
        control: Why the UI cancelled, for the final message; the start handshake.
        interval: Seconds between progress messages.
        clock: Monotonic seconds (injectable for tests).
        every: Record epochs that are multiples of this power of two (see ``record_every``),
            and the run's last epoch.
        weights: Where the weights go at every recorded epoch (the run's past), or None.
    """
    if not control.claim_start():
        return  # cancelled before it began: the UI has posted this run's final message
    start = clock()
    last_post = start
    done = 0
    last: EpochResult | None = None
    recipe = trainer.recipe

    recorded = 0

    def progress(final: bool = False) -> Progress:
        # A final report ends the history at the run's last epoch, recorded or not.
        if final and last is not None and recorded != last.epoch:
            record(history, recipe, last)
            if weights is not None:
                weights.append(last.epoch, trainer.network.params)
        return make_progress(trainer, history, last, done, clock() - start, weights)

    # The loop runs once per epoch, so it keeps to local names and plain comparisons.
    append = history.append
    keep = weights.append if weights is not None else None
    params = trainer.network.params
    reports_apart = recipe.records_reported
    skip = every - 1
    try:
        for result in trainer.run(epochs):
            if result.divergence is not None:
                post(TrainingFailed(run_id, result.divergence.message(), progress(final=True)))
                return
            done += 1
            last = result
            if not result.epoch & skip:
                recorded = result.epoch
                if reports_apart and result.test_loss is None:
                    append(result.epoch, reported=result.reported, loss=result.loss)
                else:
                    record(history, recipe, result)
                if keep is not None:
                    keep(result.epoch, params)
            if is_cancelled():
                post(TrainingFinished(run_id, control.reason, progress(final=True)))
                return
            now = clock()
            if now - last_post >= interval:
                last_post = now
                post(EpochsCompleted(run_id, progress()))
    except Exception as error:  # the worker must always end with a message, whatever broke
        post(TrainingFailed(run_id, f"training failed: {error}", progress(final=True)))
        return
    post(TrainingFinished(run_id, "completed", progress(final=True)))
