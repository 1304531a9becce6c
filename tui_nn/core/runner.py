"""The seam between the workbench and whoever trains its runs (a thread today, a process later).

The workbench hands a ``Runner`` a ``RunRequest`` and may cancel it; the runner trains it
somewhere else and reports back into the workbench's ``on_progress``, ``on_finished`` and
``on_failed``, each event tagged with the run's id and carrying a ``Progress``: a copy of where
the run stands that shares nothing with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

from tui_nn.core.history import DownsampledHistory, HistorySnapshot
from tui_nn.core.network import Network
from tui_nn.core.training import EpochResult, Trainer, TrainerState
from tui_nn.core.weight_history import WeightHistory, WeightSnapshots

RECORD_HORIZON = 1_000_000
"""The longest run the history's recording stride is fitted to (see ``record_every``)."""

CancelReason = Literal["paused", "stopped", "cancelled"]
"""Why the workbench cancels a run."""

FinishReason = Literal["completed", "paused", "stopped", "cancelled"]
"""Why a run ended without failing: it ran all its epochs, or the user paused or stopped it,
or it was cancelled (reset, a newer run, or quitting)."""


@dataclass(frozen=True)
class Progress:
    """Where a run stands: a snapshot the UI may keep, sharing nothing with the run.

    Attributes:
        epoch: Epochs the model has completed (over every run since the last reset).
        result: The last finite epoch's result, or None if no epoch was trained yet.
        history: A downsampled copy of every value recorded since the last reset.
        network: A copy of the weights after ``epoch`` epochs.
        epochs_run: Epochs this run has trained so far.
        seconds: Wall-clock seconds this run has taken so far.
        weights: The weights kept at the history's epochs since the last reset (the run's past).
        state: The trainer's full state at a run's end (optimiser moments too), when the run
            trained somewhere the trainer is not (another process); None otherwise.
    """

    epoch: int
    result: EpochResult | None
    history: HistorySnapshot
    network: Network
    epochs_run: int
    seconds: float
    weights: WeightSnapshots = field(default_factory=WeightSnapshots)
    state: TrainerState | None = None

    @property
    def epochs_per_second(self) -> float:
        """This run's training speed, 0 before any time has passed."""
        return self.epochs_run / self.seconds if self.seconds > 0 else 0.0

    @classmethod
    def of(
        cls,
        trainer: Trainer,
        history: DownsampledHistory,
        result: EpochResult | None,
        epochs_run: int = 0,
        seconds: float = 0.0,
        weights: WeightHistory | None = None,
    ) -> Progress:
        """Copy where ``trainer`` stands (call it from whoever owns the trainer now)."""
        return cls(
            trainer.epoch,
            result,
            history.snapshot(),
            trainer.network.copy(),
            epochs_run,
            seconds,
            weights.snapshot() if weights is not None else WeightSnapshots(),
        )


@dataclass(frozen=True)
class RunRequest:
    """A run for the runner to train.

    Attributes:
        run_id: Tags every event of the run.
        trainer: The model and data; the run owns it until its final event.
        history: Where every recorded epoch goes; the run owns it too.
        epochs: Epochs to train.
        every: Record epochs that are multiples of this power of two (and the last one).
        result: The last finite result before this run, for a run cancelled before it began.
        weights: Where the weights go at every recorded epoch (the run's past); the run owns it.
    """

    run_id: int
    trainer: Trainer
    history: DownsampledHistory
    epochs: int
    every: int
    result: EpochResult | None
    weights: WeightHistory | None = None


class Runner(Protocol):
    """Trains runs somewhere else and reports back into the workbench.

    Each run ends with exactly one final event (``Workbench.on_finished`` or ``on_failed``),
    also when it is cancelled before it began; ``Workbench.on_progress`` comes in between.
    """

    def start(self, run: RunRequest) -> None:
        """Begin training ``run``."""

    def cancel(self, reason: CancelReason) -> None:
        """End the current run soon; its final event gives ``reason``."""


def record_every(target_epochs: int, capacity: int) -> int:
    """How many epochs apart to record, so a run of ``target_epochs`` still fills the history.

    The history keeps at most ``capacity`` evenly spaced points however many it is given, and
    recording costs about a microsecond: a real share of a fast epoch. Recording every k-th
    epoch (a power of two, fixed for the history's life so the spacing stays even) while still
    giving the history at least four times its capacity loses nothing the chart can show.
    """
    # A run aiming at 10^9 epochs must still draw its first thousands live: fit the stride
    # to a million epochs at most (the history stays bounded whatever the run's length).
    target_epochs = min(target_epochs, RECORD_HORIZON)
    every = 1
    while target_epochs // (every * 2) >= 4 * capacity:
        every *= 2
    return every
