"""A bounded per-epoch history of named series, for a live chart.

Training can run for millions of epochs while a chart only ever shows a few hundred points, so
``DownsampledHistory`` keeps at most ``capacity`` points whatever the number of appends: when it
fills up it drops every other stored point and doubles its stride, so from then on only every
``stride``-th append is stored. The points left are evenly spaced over the whole run, and the most
recent append is always kept beside them so the chart ends exactly where training is.

Appending is the hot path (the training worker calls it every epoch), so it does plain Python
work only: no numpy, no copies, a bit-mask test and usually an early return. ``snapshot()``
copies the stored lists into a frozen ``HistorySnapshot`` that another thread may keep.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = ["DownsampledHistory", "HistorySnapshot"]

_NAN = math.nan


@dataclass(frozen=True, slots=True)
class HistorySnapshot:
    """A copy of a history at one moment, safe to hand to another thread.

    Attributes:
        epochs: The epochs of the points, ascending; the last one is the latest append.
        series: Values per series name, aligned with ``epochs``; ``nan`` where a series had no
            value at that epoch.
        latest_epoch: The epoch of the most recent append, 0 when nothing was appended.
    """

    epochs: list[int] = field(default_factory=list)
    series: dict[str, list[float]] = field(default_factory=dict)
    latest_epoch: int = 0

    def __len__(self) -> int:
        """The number of points."""
        return len(self.epochs)

    def latest(self, name: str) -> float | None:
        """The value of series ``name`` at the latest epoch, None if it has none there."""
        values = self.series.get(name)
        if not values or math.isnan(values[-1]):
            return None
        return values[-1]


class DownsampledHistory:
    """Per-epoch values of named series, bounded to ``capacity`` points per series.

    Example::

        history = DownsampledHistory(capacity=400)
        for result in trainer.run():
            history.append(result.epoch, reported=result.reported, loss=result.loss)
        snapshot = history.snapshot()  # at most 400 stored points plus the latest one

    Args:
        capacity: The most points stored (at least 2). The snapshot may hold one more: the
            latest append, when the stride skipped it.

    Raises:
        ValueError: If ``capacity`` is below 2.
    """

    __slots__ = (
        "_appends",
        "_capacity",
        "_epochs",
        "_latest",
        "_latest_stored",
        "_series",
        "_stride",
    )

    def __init__(self, capacity: int = 400) -> None:
        if capacity < 2:
            raise ValueError(f"capacity must be at least 2, got {capacity}")
        self._capacity = capacity
        self._epochs: list[int] = []
        self._series: dict[str, list[float]] = {}
        # The latest append as given, kept apart from the stored points so a snapshot can
        # always end with it even when the stride skipped it.
        self._latest: tuple[int, dict[str, float | None]] | None = None
        self._latest_stored = False
        self._appends = 0
        self._stride = 1

    @property
    def capacity(self) -> int:
        """The most points stored."""
        return self._capacity

    @property
    def stride(self) -> int:
        """Store one append in this many (a power of two, doubling as the history fills)."""
        return self._stride

    def __len__(self) -> int:
        """The number of points a snapshot would hold now."""
        latest = self._latest
        if latest is None:
            return 0
        return len(self._epochs) + (0 if self._latest_stored else 1)

    def append(self, epoch: int, **values: float | None) -> None:
        """Record one epoch's values.

        Args:
            epoch: The epoch these values belong to; epochs should ascend.
            **values: One value per series name; None (or a missing name) means the series
                has no point at this epoch.
        """
        # `values` is a fresh dict built for this call, so keeping it is safe and copy-free.
        self._latest = (epoch, values)
        self._latest_stored = False
        count = self._appends
        self._appends = count + 1
        # The stride is a power of two, so this is `count % stride` without a division.
        if count & (self._stride - 1):
            return
        if len(self._epochs) >= self._capacity:
            self._halve()
            if count & (self._stride - 1):
                return
        self._store(epoch, values)
        self._latest_stored = True

    def _store(self, epoch: int, values: dict[str, float | None]) -> None:
        epochs = self._epochs
        series = self._series
        for name, value in values.items():
            if name not in series:
                # A series first seen now had no value at the earlier points.
                series[name] = [_NAN] * len(epochs)
            series[name].append(_NAN if value is None else float(value))
        epochs.append(epoch)
        if len(series) > len(values):
            size = len(epochs)
            for column in series.values():
                if len(column) < size:
                    column.append(_NAN)

    def _halve(self) -> None:
        # Stored points sit at appends 0, s, 2s, ...; keeping the even positions leaves the
        # multiples of 2s, so the new stride stays consistent with the old points.
        del self._epochs[1::2]
        for column in self._series.values():
            del column[1::2]
        self._stride *= 2

    def snapshot(self) -> HistorySnapshot:
        """Copy the points into a ``HistorySnapshot`` that ends with the latest append."""
        latest = self._latest
        if latest is None:
            return HistorySnapshot()
        epochs = self._epochs.copy()
        series = {name: column.copy() for name, column in self._series.items()}
        latest_epoch, latest_values = latest
        if not self._latest_stored:
            for name, value in latest_values.items():
                if name not in series:
                    series[name] = [_NAN] * len(epochs)
                series[name].append(_NAN if value is None else float(value))
            epochs.append(latest_epoch)
            for column in series.values():
                if len(column) < len(epochs):
                    column.append(_NAN)
        return HistorySnapshot(epochs=epochs, series=series, latest_epoch=latest_epoch)

    def forget_after(self, epoch: int) -> None:
        """Forget the points after ``epoch`` (a divergence rolled the model back to it).

        The latest point becomes the last one kept, so the chart's newest epoch and the
        model's agree.
        """
        epochs = self._epochs
        keep = len(epochs)
        while keep and epochs[keep - 1] > epoch:
            keep -= 1
        del epochs[keep:]
        for column in self._series.values():
            del column[keep:]
        latest = self._latest
        if latest is None or latest[0] <= epoch:
            return
        if not epochs:
            self._latest, self._latest_stored = None, False
            return
        values = {name: column[-1] for name, column in self._series.items()}
        self._latest = (epochs[-1], {n: None if math.isnan(v) else v for n, v in values.items()})
        self._latest_stored = True

    def clear(self) -> None:
        """Forget every point and start again at stride 1."""
        self._epochs.clear()
        self._series.clear()
        self._latest = None
        self._latest_stored = False
        self._appends = 0
        self._stride = 1
