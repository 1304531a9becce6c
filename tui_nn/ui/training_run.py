"""The workbench's ``Runner``: each run trains in the training process, not in the app.

``ProcessRunner`` hands a run's model to the training process (``TrainingLink``) and lets the
workbench know how it went through the usual messages. The workbench keeps its own ``Trainer``
as the model of record; the process trains a copy. So the process is (re)configured from that
trainer whenever it is not the one the process last built (a reset, an opened session, a new
process after a crash), and a run's final event brings everything back into it before the
workbench hears of the end: weights, epoch, optimiser moments, the history and the kept weights.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.message import Message

from tui_nn.core.history import DownsampledHistory, HistorySnapshot
from tui_nn.core.runner import CancelReason, Progress, RunRequest
from tui_nn.core.training import Trainer
from tui_nn.core.weight_history import WeightHistory, WeightSnapshots
from tui_nn.ui.messages import TrainingCrashed, TrainingFailed, TrainingFinished

if TYPE_CHECKING:
    from tui_nn.ui.training_link import TrainingLink

__all__ = ["ProcessRunner"]


class ProcessRunner:
    """Trains the workbench's runs in the training process; its events come back as messages.

    Args:
        app: Receives the messages.
        link: The link to the process (by default a new one posting to ``app``, made on first
            use: its module and the protocol's load after the app's first frame, ~20 ms of a
            launch here).
        draw: The link's ``draw`` hook (see ``TrainingLink``).
    """

    def __init__(
        self,
        app: App[Any],
        link: TrainingLink | None = None,
        draw: Callable[[Progress], object] | None = None,
    ) -> None:
        self._post = app.post_message
        self._draw = draw
        self._link = link
        self._closed = False
        if link is not None:
            link.attach(draw=draw, settle=self._settle)
        self._configured: Trainer | None = None
        self._lr = math.nan
        self._runs: dict[int, RunRequest] = {}

    @property
    def link(self) -> TrainingLink:
        """The link to the training process."""
        link = self._link
        if link is None:
            from tui_nn.ui.training_link import TrainingLink

            link = self._link = TrainingLink(self._post, draw=self._draw, settle=self._settle)
        return link

    def start(self, run: RunRequest) -> None:
        """Train ``run`` in the process (configuring it for ``run.trainer`` if need be)."""
        trainer = run.trainer
        if self._configured is not trainer:
            from tui_nn.core.protocol import HistorySettings

            state = trainer.export_state() if trainer.epoch else None
            kept = run.weights.snapshot() if run.weights is not None else None
            self.link.configure(
                trainer.hyperparams,
                trainer.train,
                trainer.test,
                state=state,
                history=HistorySettings(run.history.capacity, run.every),
                past=run.history.snapshot() if len(run.history) else None,
                past_weights=kept if kept is not None and len(kept) else None,
            )
            self._configured, self._lr = trainer, trainer.lr
        elif trainer.lr != self._lr:
            # A new learning rate, set while paused: the process's trainer takes it on now.
            self.link.set_learning_rate(trainer.lr)
            self._lr = trainer.lr
        self._runs = {run.run_id: run}
        if run.epochs == 1:
            self.link.step(run.run_id)
        else:
            self.link.train(run.epochs, run.run_id)

    def cancel(self, reason: CancelReason) -> None:
        """End the current run at the process's next look at its pipe (within ~5 ms)."""
        if reason == "stopped":
            self.link.stop()
        else:
            self.link.pause()

    def _settle(self, message: Message) -> None:
        """A run's final message, in the link's thread: bring its outcome into the workbench's
        model before the workbench hears of it (the run owned the model until now)."""
        if isinstance(message, TrainingCrashed):
            self._configured = None  # the new process has nothing yet; see ``crashed``
            return
        run_id = getattr(message, "run_id", None)
        run = self._runs.pop(run_id, None) if isinstance(run_id, int) else None
        if run is None:
            return
        progress = getattr(message, "progress", None)
        if progress is None:
            if isinstance(message, TrainingFailed):
                # Refused before it began: nothing changed.
                message.progress = Progress.of(
                    run.trainer, run.history, run.result, weights=run.weights
                )
            return
        assert isinstance(progress, Progress)
        if progress.state is not None:
            run.trainer.load_state(progress.state)
            self._lr = run.trainer.lr
        _refill(run.history, progress.history)
        if run.weights is not None:
            _refill_weights(run.weights, progress.weights)

    def crashed(self, message: TrainingCrashed, last: Progress | None) -> TrainingFinished | None:
        """After a crash: the model keeps the last weights shown; the run ends as paused.

        Returns:
            The final message to hand the workbench for the run that was training, if any.
        """
        self._configured = None
        run = self._runs.pop(message.run_id, None)
        if run is None or last is None:
            return None
        run.trainer.network.params[:] = last.network.params
        run.trainer.epoch = last.epoch
        _refill(run.history, last.history)
        return TrainingFinished(message.run_id, "paused", last)

    @property
    def closed(self) -> bool:
        """Whether ``close()`` was called (the app is quitting)."""
        return self._closed

    def close(self) -> None:
        """Stop the training process (the app is quitting); a link never made stays unmade."""
        self._closed = True
        if self._link is not None:
            self._link.close()


def _refill(history: DownsampledHistory, snapshot: HistorySnapshot) -> None:
    """Make ``history`` hold what the process recorded (it recorded for the model)."""
    history.clear()
    for index, epoch in enumerate(snapshot.epochs):
        values = {
            name: None if math.isnan(series[index]) else series[index]
            for name, series in snapshot.series.items()
        }
        history.append(epoch, **values)


def _refill_weights(store: WeightHistory, kept: WeightSnapshots) -> None:
    store.clear()
    for epoch, params in zip(kept.epochs, kept.params, strict=True):
        store.append(epoch, params)
