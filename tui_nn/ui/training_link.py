"""The app's side of the training process: commands go out, Textual messages come back.

The app owns one ``TrainingLink``. It starts the warm child once the first frame is up
(``start()``), runs ``pump()`` in its one thread worker for the app's whole life, and calls the
command methods from the UI thread. ``pump()`` blocks on the child's events (no polling, no
interpreter lock held while it waits), turns each into the workbench's message
(``EpochsCompleted``, ``TrainingFinished``, ``TrainingFailed``, ``TrainingCrashed``) and posts
it. Events of a run from before the latest ``configure()`` are dropped here: the app has moved
on from it.

The link numbers the runs; the messages carry the numbers, so the app can tell the run it
started last from any other.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from concurrent.futures import Future

import numpy as np
from textual.message import Message

from tui_nn.core.data_rules import layer_activations, layer_sizes
from tui_nn.core.dataset import Dataset
from tui_nn.core.history import HistorySnapshot
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.network import Network
from tui_nn.core.protocol import (
    FRAME_INTERVAL,
    ChildCrashed,
    Configure,
    Event,
    GetState,
    HistorySettings,
    Pause,
    RunFailed,
    RunProgress,
    RunSnapshot,
    SetLearningRate,
    Start,
    StateReply,
    Step,
    Stop,
)
from tui_nn.core.runner import Progress, record_every
from tui_nn.core.training import TrainerState
from tui_nn.core.training_process import TrainingProcess
from tui_nn.core.weight_history import WeightSnapshots
from tui_nn.ui.messages import (
    EpochsCompleted,
    TrainingCrashed,
    TrainingFailed,
    TrainingFinished,
)

Post = Callable[[Message], object]


class _Shape:
    """What the weights of the configured model look like, to rebuild a ``Network``."""

    def __init__(self, sizes: tuple[int, ...], activations: tuple[str, ...], dtype: str) -> None:
        self.sizes, self.activations, self.dtype = sizes, activations, np.dtype(dtype)

    def network(self, params: np.ndarray) -> Network:
        return Network(self.sizes, self.activations, params.astype(self.dtype))


class TrainingLink:
    """Commands to the training process, its events as Textual messages.

    Args:
        post: Delivers a message to the app (thread-safe: ``App.post_message``).
        process: The process handle (a new spawned one by default).
        frame_interval: Seconds between progress messages while a run trains.
        draw: Called in the pump's thread with each progress, to draw what can be drawn off
            the UI thread (the chart); what it returns rides on ``EpochsCompleted.frame``.
        settle: Called in the pump's thread with each run's final message just before it is
            posted (to hand the run's outcome to whoever owns the model).
    """

    def __init__(
        self,
        post: Post,
        process: TrainingProcess | None = None,
        frame_interval: float = FRAME_INTERVAL,
        draw: Callable[[Progress], object] | None = None,
        settle: Callable[[Message], None] | None = None,
    ) -> None:
        self._post = post
        self._draw = draw
        self._settle = settle
        self._process = process if process is not None else TrainingProcess()
        self._frame_interval = frame_interval
        self._run_ids = itertools.count(1)
        self._run_id = 0
        # The first run id of the current configuration, and the shape of its weights: read
        # together by the pump thread (one tuple, so one atomic read).
        self._current: tuple[int, _Shape | None, WeightSnapshots] = (1, None, WeightSnapshots())
        self._configuring: tuple[_Shape, WeightSnapshots] | None = None
        # The run's past as the pump has heard it, for the configuration starting at that run.
        self._weights: tuple[int, WeightSnapshots] = (0, WeightSnapshots())
        self._network: Network | None = None  # the last weights received (pump thread only)
        self._requests = itertools.count(1)
        self._waiting: dict[int, Future[StateReply]] = {}
        self._lock = threading.Lock()

    def attach(
        self,
        draw: Callable[[Progress], object] | None = None,
        settle: Callable[[Message], None] | None = None,
    ) -> None:
        """Set the ``draw`` or ``settle`` hook (see the class), keeping one already set."""
        self._draw = draw or self._draw
        self._settle = settle or self._settle

    @property
    def run_id(self) -> int:
        """The id of the run started last (0 before any)."""
        return self._run_id

    @property
    def pid(self) -> int | None:
        """The training process's pid."""
        return self._process.pid

    @property
    def closed(self) -> bool:
        """Whether the link was closed (the app is quitting)."""
        return self._process.closed

    def start(self) -> None:
        """Start the training process (it gets ready in the background)."""
        self._process.start()

    def configure(
        self,
        hyperparams: Hyperparams,
        train: Dataset,
        test: Dataset | None = None,
        state: TrainerState | None = None,
        history: HistorySettings | None = None,
        past: HistorySnapshot | None = None,
        past_weights: WeightSnapshots | None = None,
    ) -> None:
        """Build the model in the process: fresh from the seed, or carrying on from ``state``.

        Any run still training ends; its late messages, and those of every run started before
        the next one, are dropped.

        Args:
            hyperparams: The settings.
            train: The training rows (split and standardised).
            test: The test rows, or None.
            state: Weights, epoch, optimiser moments and learning rate to carry on from.
            history: How the chart's history is kept (capacity, recording stride).
            past: History points to start from (a loaded session's, or the runs so far).
            past_weights: Kept weights to start the run's past from.
        """
        shape = _Shape(
            layer_sizes(hyperparams, train), layer_activations(hyperparams), hyperparams.dtype
        )
        settings = history or HistorySettings(400, record_every(hyperparams.epochs, 400))
        self._configuring = (shape, past_weights or WeightSnapshots())
        self._process.send(
            Configure(
                hyperparams,
                train,
                test if test is not None and test.n_rows else None,
                state=state,
                history=settings,
                past=past,
                past_weights=past_weights,
                frame_interval=self._frame_interval,
            )
        )

    def train(self, epochs: int, run_id: int | None = None) -> int:
        """Start a run of ``epochs`` epochs (numbered ``run_id``, or the next number); its id."""
        run_id = self._next(run_id)
        self._process.send(Start(run_id, epochs))
        return run_id

    def step(self, run_id: int | None = None) -> int:
        """Train one epoch as a run of its own; its id."""
        run_id = self._next(run_id)
        self._process.send(Step(run_id))
        return run_id

    def _next(self, run_id: int | None) -> int:
        run_id = next(self._run_ids) if run_id is None else run_id
        self._run_id = run_id
        configuring, self._configuring = self._configuring, None
        if configuring is not None:
            # The first run of a new configuration: anything older is from before it.
            self._current = (run_id, *configuring)
        return run_id

    def pause(self) -> None:
        """End the current run as paused (its final message follows)."""
        self._process.send(Pause())

    def stop(self) -> None:
        """End the current run as stopped (its final message follows)."""
        self._process.send(Stop())

    def set_learning_rate(self, lr: float) -> None:
        """Use ``lr`` from the next epoch on, also mid-run."""
        self._process.send(SetLearningRate(lr))

    def request_state(self) -> Future[StateReply]:
        """Ask for the trainer's full state; the future resolves when the reply arrives.

        The pump resolves it, so wait on it from any thread but the pump's (a file worker).
        A crash of the process fails it with ``RuntimeError``.
        """
        future: Future[StateReply] = Future()
        with self._lock:
            request_id = next(self._requests)
            self._waiting[request_id] = future
        self._process.send(GetState(request_id))
        return future

    # -- events

    def pump(self) -> None:
        """Post a message for every event until ``close()`` (the app's one thread worker)."""
        while True:
            event = self._process.next_event()
            if event is None:
                self._fail_waiting("the training process was closed")
                return
            message = self._message(event)
            if message is None:
                continue
            if self._settle is not None and not isinstance(message, EpochsCompleted):
                self._settle(message)
            self._post(message)

    def _message(self, event: Event) -> Message | None:
        if isinstance(event, StateReply):
            with self._lock:
                future = self._waiting.pop(event.request_id, None)
            if future is not None:
                future.set_result(event)
            return None
        if isinstance(event, ChildCrashed):
            self._fail_waiting("the training process stopped")
            return TrainingCrashed(event.run_id, event.message)
        first_run, shape, initial = self._current
        if event.run_id < first_run or shape is None:
            return None  # a run of an earlier configuration: the app has moved on
        if self._weights[0] != first_run:
            self._weights = (first_run, initial)
        if isinstance(event, RunFailed):
            progress = None
            if event.snapshot is not None:
                progress = self._progress(event.snapshot, shape)
            return TrainingFailed(event.run_id, event.error, progress)
        progress = self._progress(event.snapshot, shape)
        if progress is None:
            return None
        if isinstance(event, RunProgress):
            frame = None
            if self._draw is not None:
                try:
                    frame = self._draw(progress)
                except Exception:  # drawing ahead is an optimisation: the UI thread can draw
                    frame = None
            return EpochsCompleted(event.run_id, progress, frame)
        return TrainingFinished(event.run_id, event.reason, progress)

    def _progress(self, snapshot: RunSnapshot, shape: _Shape) -> Progress | None:
        first_run, weights = self._weights
        if snapshot.weights is not None:
            weights = weights.updated(snapshot.weights)
            self._weights = (first_run, weights)
        if snapshot.params is not None:
            network = shape.network(snapshot.params)
            self._network = network
        elif self._network is not None:
            # A large network's weights come a few times a second: keep showing the last ones.
            network = self._network
        else:
            return None
        return Progress(
            epoch=snapshot.epoch,
            result=snapshot.result,
            history=snapshot.history,
            network=network,
            epochs_run=snapshot.epochs_run,
            seconds=snapshot.seconds,
            state=snapshot.state,
            weights=weights,
        )

    def _fail_waiting(self, why: str) -> None:
        with self._lock:
            waiting, self._waiting = self._waiting, {}
        for future in waiting.values():
            future.set_exception(RuntimeError(why))

    def close(self) -> None:
        """Stop the process (within a fraction of a second); ``pump()`` then returns."""
        self._process.close()
