"""The run's past: which kept weight snapshot the views show, or now.

``RunPast`` is the workbench's cursor over the kept ``WeightSnapshots``: ``None`` means the
views follow the live model ("now"); an index means they show the weights as they were at that
snapshot's epoch. Back from now goes to the last snapshot before the current epoch; forward
from the last snapshot comes back to now. New snapshots arriving while the user looks at the
past keep the cursor on the same epoch (halving may drop it: then the nearest earlier one).
"""

from __future__ import annotations

from tui_nn.core.network import Network
from tui_nn.core.weight_history import WeightSnapshots

__all__ = ["RunPast"]


class RunPast:
    """A cursor over kept weight snapshots.

    Attributes:
        snapshots: The kept snapshots.
        index: The snapshot on show, or None for now.
    """

    def __init__(self, snapshots: WeightSnapshots | None = None) -> None:
        self.snapshots = snapshots if snapshots is not None else WeightSnapshots()
        self.index: int | None = None

    @property
    def viewing_past(self) -> bool:
        """Whether the views show an earlier epoch than now."""
        return self.index is not None

    @property
    def epoch(self) -> int | None:
        """The epoch on show, None for now."""
        return None if self.index is None else self.snapshots.epochs[self.index]

    def update(self, snapshots: WeightSnapshots) -> None:
        """New kept snapshots (a run went on, or a session was opened); stay on the same epoch."""
        epoch = self.epoch
        self.snapshots = snapshots
        if epoch is None:
            return
        if not len(snapshots):
            self.index = None
            return
        at = snapshots.index_before(epoch + 1)
        self.index = at if at is not None else 0

    def reset(self, snapshots: WeightSnapshots | None = None) -> None:
        """Forget the past (a reset or new data) and follow now."""
        self.snapshots = snapshots if snapshots is not None else WeightSnapshots()
        self.index = None

    def back(self, now_epoch: int) -> bool:
        """One snapshot back (from now: the last one before ``now_epoch``); False at the start."""
        if self.index is None:
            at = self.snapshots.index_before(now_epoch)
        else:
            at = self.index - 1 if self.index > 0 else None
        if at is None:
            return False
        self.index = at
        return True

    def forward(self, now_epoch: int) -> bool:
        """One snapshot forward; past the last one (or at ``now_epoch``), back to now."""
        if self.index is None:
            return False
        after = self.index + 1
        if after >= len(self.snapshots) or self.snapshots.epochs[after] >= now_epoch:
            self.index = None
        else:
            self.index = after
        return True

    def first(self, now_epoch: int) -> bool:
        """The earliest snapshot; False when there is none before now."""
        if not len(self.snapshots) or self.snapshots.epochs[0] >= now_epoch:
            return False
        self.index = 0
        return True

    def to_now(self) -> bool:
        """Follow the live model again; False if it already did."""
        if self.index is None:
            return False
        self.index = None
        return True

    def network(self, like: Network) -> Network | None:
        """The weights on show, shaped like ``like``; None for now."""
        if self.index is None:
            return None
        return self.snapshots.network(self.index, like)

    def position(self) -> tuple[int, int] | None:
        """``(1-based index, count)`` of the snapshot on show, None for now."""
        return None if self.index is None else (self.index + 1, len(self.snapshots))
