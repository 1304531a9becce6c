"""Training in a background thread: the runner the workbench starts and cancels runs through.

``ThreadRunner`` is the workbench's ``Runner``: each run goes to a Textual thread worker whose
body is ``run_training``, a plain function so it can be read (and tested) apart from Textual's
worker machinery. The run owns the ``Trainer`` and the ``DownsampledHistory`` it is given until
its final message: the UI keeps its hands off both until then. Every event is a message
(``EpochsCompleted``, then one ``TrainingFinished`` or ``TrainingFailed``) tagged with the run's
id; the app hands each to the workbench.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.message import Message
from textual.worker import Worker, get_current_worker

from tui_nn.core.history import DownsampledHistory
from tui_nn.core.recipes import record
from tui_nn.core.runner import CancelReason, FinishReason, Progress, RunRequest
from tui_nn.core.training import EpochResult, Trainer
from tui_nn.core.weight_history import WeightHistory
from tui_nn.ui.messages import EpochsCompleted, TrainingFailed, TrainingFinished

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
        return Progress.of(trainer, history, last, done, clock() - start, weights)

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


class ThreadRunner:
    """Runs each training run in a thread worker of ``app``; its events come back as messages.

    Only one run trains at a time: starting one replaces (cancels) any other.
    """

    def __init__(self, app: App[Any], interval: float = PROGRESS_INTERVAL) -> None:
        self._app = app
        self._interval = interval
        self._run: RunRequest | None = None
        self._control = RunControl()
        self.worker: Worker[None] | None = None
        """The current run's worker (None before the first run)."""

    def start(self, run: RunRequest) -> None:
        """Train ``run`` in a new thread worker."""
        self._run = run
        control = self._control = RunControl()
        post = self._app.post_message
        interval = self._interval

        def body() -> None:
            worker = get_current_worker()
            run_training(
                run.trainer,
                run.history,
                run.epochs,
                run.run_id,
                post=post,
                is_cancelled=lambda: worker.is_cancelled,
                control=control,
                interval=interval,
                every=run.every,
                weights=run.weights,
            )

        self.worker = self._app.run_worker(
            body,
            thread=True,
            exclusive=True,
            group="training",
            exit_on_error=False,
            description="train",
        )

    def cancel(self, reason: CancelReason) -> None:
        """End the current run within an epoch; its final message gives ``reason``."""
        self._control.request(reason)
        self._app.workers.cancel_group(self._app, "training")
        # A worker cancelled before its function began never runs it (Textual drops it, or
        # the start handshake turns it away), so it cannot send the run's final message:
        # send it here instead. Once the function has begun, it sends its own.
        run = self._run
        if run is not None and self._control.abandon():
            progress = Progress.of(run.trainer, run.history, run.result, weights=run.weights)
            self._app.post_message(TrainingFinished(run.run_id, reason, progress))
