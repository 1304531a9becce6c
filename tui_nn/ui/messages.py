"""Every message the workbench's widgets and training worker post, named for what happened.

The worker runs in a thread and must not touch widgets: it reports through these messages
(``post_message`` is thread-safe). Each carries the id of the run that sent it, so the app can
drop a stale run's messages after a reset or restart. ``DataEdited`` comes from the dataset grid.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from tui_nn.core.runner import FinishReason, Progress


@dataclass
class EpochsCompleted(Message):
    """Some epochs finished; posted at most a few times a second while a run trains.

    Attributes:
        run_id: The run that sent it.
        progress: Where the run stands.
        frame: The loss chart already drawn for it off the UI thread (a ``ChartFrame``).
    """

    run_id: int
    progress: Progress
    frame: object | None = None

    def can_replace(self, message: Message) -> bool:
        """A newer progress report of the same run supersedes one still waiting in the queue."""
        return isinstance(message, EpochsCompleted) and message.run_id == self.run_id


@dataclass
class TrainingFinished(Message):
    """A run ended without error: the last message it sends.

    Attributes:
        run_id: The run that sent it.
        reason: Why it ended.
        progress: Where it stopped.
    """

    run_id: int
    reason: FinishReason
    progress: Progress


@dataclass
class TrainingFailed(Message):
    """A run diverged or raised: the last message it sends.

    Attributes:
        run_id: The run that sent it.
        error: A sentence for the user (for divergence, ``Divergence.message()``).
        progress: Where it stopped; after divergence the weights are the last finite ones.
            None only until the runner fills it in (a run refused before it began).
    """

    run_id: int
    error: str
    progress: Progress | None


@dataclass
class TrainingCrashed(Message):
    """The training process died (a new one has been started); the run it was training ends.

    Attributes:
        run_id: The run that was training, or the last one started.
        message: What happened, for the user.
    """

    run_id: int
    message: str


@dataclass
class DataEdited(Message):
    """The user changed the data in the grid: an edit, an undo or a redo.

    Attributes:
        description: What changed, e.g. ``set row 3, x2 to 0.5`` or ``undo: add row 8``.
        structural: Whether rows or columns were added, deleted or renamed (not just values).
    """

    description: str
    structural: bool


@dataclass
class DataSettingsChanged(Message):
    """The test split or the standardisation field changed (it may not be valid yet)."""


@dataclass
class GridRowSelected(Message):
    """The dataset grid's cursor moved to another row (the network view shows its activations).

    Attributes:
        row: The row now under the cursor (0-based).
    """

    row: int
