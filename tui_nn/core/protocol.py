"""What the app and its training process say to each other: commands in, events out.

The training process (``training_process``) owns one ``Trainer`` and its chart history; the
app sends it the commands below and reads back the events. Everything here is a plain frozen
dataclass of core types (NumPy arrays, ``Dataset``, ``Hyperparams``), so it pickles over a
``multiprocessing`` pipe and means the same on both sides.

The rules both sides keep:

* The parent numbers the runs. ``Start`` and ``Step`` carry a new ``run_id``; every event
  carries the id of the run it belongs to, so the parent can drop what a run it has moved on
  from (a reset, a newer run) still sends.
* Every run that starts ends with exactly one final event: ``RunFinished`` (completed, paused,
  stopped or cancelled) or ``RunFailed`` (diverged or raised), or, when the process itself
  died, ``ChildCrashed`` (made by the parent's proxy, which saw the pipe close).
* A command that arrives while a run trains is handled between two chunks of epochs:
  ``Pause`` and ``Stop`` end the run, ``SetLearningRate`` and ``GetState`` act on it without
  ending it, and anything that replaces the trainer (``Configure``, ``LoadState``) or starts
  another run first ends this one as ``cancelled``.
* Weights travel as one flat float64 vector, the network's ``params`` (a float32 model's values
  are exact in float64), with the epoch they belong to and the history up to that epoch, so
  what the app draws is one consistent moment of the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from tui_nn.core.dataset import Dataset
from tui_nn.core.history import HistorySnapshot
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.network import Network
from tui_nn.core.training import EpochResult, TrainerState
from tui_nn.core.weight_history import WeightSnapshots, WeightUpdate

__all__ = [
    "FRAME_INTERVAL",
    "WEIGHTS_EVERY_FRAME_BYTES",
    "ChildCrashed",
    "Command",
    "Configure",
    "Event",
    "FinishReason",
    "GetState",
    "HistorySettings",
    "LoadState",
    "Pause",
    "RunFailed",
    "RunFinished",
    "RunProgress",
    "RunSnapshot",
    "SetLearningRate",
    "Shutdown",
    "Start",
    "StateReply",
    "Step",
    "Stop",
    "network_from",
]

Float64Array = npt.NDArray[np.float64]

FRAME_INTERVAL = 0.1
"""Seconds between progress events while a run trains: ten frames a second at most."""

WEIGHTS_EVERY_FRAME_BYTES = 256 * 1024
"""Weights up to this size ride on every progress event; bigger ones on every few."""

LARGE_WEIGHTS_INTERVAL = 0.5
"""Seconds between the weights of a network too big to send every frame."""

FinishReason = Literal["completed", "paused", "stopped", "cancelled"]
"""Why a run ended without failing: it ran all its epochs, the user paused or stopped it, or
it was cancelled (a reset, a newer run, new settings, or quitting)."""


# ---------------------------------------------------------------- commands


@dataclass(frozen=True)
class HistorySettings:
    """How the process keeps the chart's history (see ``DownsampledHistory``).

    Attributes:
        capacity: The most points kept (about twice the chart's width).
        record_every: Record epochs that are multiples of this power of two (and each run's
            last epoch): fixed for the history's life so its points stay evenly spaced.
    """

    capacity: int = 400
    record_every: int = 1


@dataclass(frozen=True, eq=False)
class Configure:
    """Build a new trainer (ending any run as ``cancelled``): the model, data and history.

    Attributes:
        hyperparams: The settings.
        train: The training rows (already split and standardised).
        test: The test rows, or None.
        state: Where to carry on from (weights, epoch, optimiser moments, learning rate);
            None starts from the seed's weights at epoch 0.
        history: How to keep the history.
        past: Points to start the history with (a loaded session's), or None.
        past_weights: Weight snapshots to start the run's past with (a loaded session's).
        frame_interval: Seconds between progress events while a run trains.
    """

    hyperparams: Hyperparams
    train: Dataset
    test: Dataset | None = None
    state: TrainerState | None = None
    history: HistorySettings = field(default_factory=HistorySettings)
    past: HistorySnapshot | None = None
    past_weights: WeightSnapshots | None = None
    frame_interval: float = FRAME_INTERVAL


@dataclass(frozen=True)
class Start:
    """Train up to ``epochs`` epochs as run ``run_id`` (ending any run as ``cancelled``)."""

    run_id: int
    epochs: int


@dataclass(frozen=True)
class Step:
    """Train exactly one epoch as run ``run_id``: a run like any other, one epoch long."""

    run_id: int


@dataclass(frozen=True)
class Pause:
    """End the current run as ``paused`` (the trainer keeps its state); no-op when idle."""


@dataclass(frozen=True)
class Stop:
    """End the current run as ``stopped``; no-op when idle."""


@dataclass(frozen=True)
class SetLearningRate:
    """Use ``lr`` from the next epoch on, also in a run that is training."""

    lr: float


@dataclass(frozen=True)
class GetState:
    """Ask for a ``StateReply``: the trainer's full state and its history, now."""

    request_id: int


@dataclass(frozen=True, eq=False)
class LoadState:
    """Put the trainer in ``state`` (ending any run as ``cancelled``); optionally its history.

    Attributes:
        state: The weights, epoch, moments and learning rate to carry on from.
        past: Points to restart the history with; None keeps the history as it is.
        past_weights: Weight snapshots to restart the run's past with; None keeps them, unless
            ``past`` is given (then the past starts empty).
    """

    state: TrainerState
    past: HistorySnapshot | None = None
    past_weights: WeightSnapshots | None = None


@dataclass(frozen=True)
class Shutdown:
    """End any run as ``cancelled``, then exit."""


Command = (
    Configure | Start | Step | Pause | Stop | SetLearningRate | GetState | LoadState | Shutdown
)
"""Everything the parent may send."""


# ---------------------------------------------------------------- events


@dataclass(frozen=True, eq=False)
class RunSnapshot:
    """Where a run stands: one consistent moment, the parent's to keep.

    Attributes:
        epoch: Epochs the model has completed (over every run since it was configured).
        result: The last finite epoch's result, or None before this run trained one.
        history: The recorded values up to ``epoch``.
        params: The flat float64 weights after ``epoch`` epochs; None on a progress event
            that skipped them (a large network sends them a few times a second). Final events
            always carry them.
        epochs_run: Epochs this run has trained.
        seconds: Wall-clock seconds this run has taken.
        state: The trainer's full state (optimiser moments included) on a final event, so the
            parent holds all it needs to save the run or carry it on in a new process; None on
            progress events.
        weights: How the kept weight snapshots (the run's past, at the history's epochs)
            changed since the previous event: the epochs kept and the new vectors. Apply it
            with ``WeightSnapshots.updated``; a final event's update holds every snapshot.
    """

    epoch: int
    result: EpochResult | None
    history: HistorySnapshot
    params: Float64Array | None
    epochs_run: int
    seconds: float
    state: TrainerState | None = None
    weights: WeightUpdate | None = None

    @property
    def epochs_per_second(self) -> float:
        """This run's training speed, 0 before any time has passed."""
        return self.epochs_run / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True, eq=False)
class RunProgress:
    """A run is training: sent at once after its first chunk, then every frame interval."""

    run_id: int
    snapshot: RunSnapshot


@dataclass(frozen=True, eq=False)
class RunFinished:
    """A run ended without error: its last event."""

    run_id: int
    reason: FinishReason
    snapshot: RunSnapshot


@dataclass(frozen=True, eq=False)
class RunFailed:
    """A run diverged or raised, or a command could not be carried out.

    Attributes:
        run_id: The run it ends (the current or last run's id for a failed command).
        error: The engine's sentence for the user (for divergence, ``Divergence.message()``).
        snapshot: Where the run stopped (after divergence, the last finite weights); None
            when there is no trainer to describe (a ``Configure`` that failed).
    """

    run_id: int
    error: str
    snapshot: RunSnapshot | None


@dataclass(frozen=True, eq=False)
class StateReply:
    """The answer to ``GetState``.

    Attributes:
        run_id: The current run (or the last one, when idle).
        request_id: The ``GetState`` it answers.
        state: The trainer's full state; None when no trainer is configured.
        history: The recorded history up to ``state.epoch``.
        training: Whether a run was training when the state was taken.
        weights: The kept weight snapshots (the run's past).
    """

    run_id: int
    request_id: int
    state: TrainerState | None
    history: HistorySnapshot
    training: bool
    weights: WeightSnapshots = field(default_factory=WeightSnapshots)


@dataclass(frozen=True)
class ChildCrashed:
    """The training process died (made by the parent's proxy); a new one has been started.

    Attributes:
        run_id: The run that was training, or the last run started.
        message: What happened, for the user, with the process's last words when it left any.
    """

    run_id: int
    message: str


Event = RunProgress | RunFinished | RunFailed | StateReply | ChildCrashed
"""Everything the parent may receive."""

FINAL_EVENTS = (RunFinished, RunFailed, ChildCrashed)
"""The events that end a run."""


def network_from(params: npt.ArrayLike, template: Network) -> Network:
    """A network shaped like ``template`` holding ``params`` (cast to its float type)."""
    values = np.asarray(params, dtype=template.dtype)
    return Network(template.layer_sizes, template.activations, values.copy())
