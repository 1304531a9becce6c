"""A bounded store of weight snapshots at the epochs the loss history keeps: the run's past.

``WeightHistory`` downsamples exactly as ``DownsampledHistory`` does (same append counting,
same power-of-two stride, same halving when full), so fed the same appends it keeps weights at
the same epochs as the chart's points. When a network is too big for ``capacity`` copies
within ``max_bytes``, it keeps ``capacity / 2^k`` of them instead: the stride then doubles
sooner, so its epochs are still a subset of the history's (every 2^k-th point).

Appending is on the training hot path: a bit-mask test and usually an early return; a stored
point is one ``copyto`` into a preallocated row, so the store never allocates after creation.
``snapshot()`` copies the stored rows into a frozen ``WeightSnapshots`` another thread (or a
session file) may keep.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from tui_nn.core.errors import TuiNNError
from tui_nn.core.network import Network

__all__ = [
    "DEFAULT_MAX_BYTES",
    "WeightHistory",
    "WeightSnapshots",
    "WeightUpdate",
    "weight_capacity",
]

DEFAULT_MAX_BYTES = 16 * 1024 * 1024
"""Memory the snapshots may take (16 MiB: 400 copies of a 5,000-parameter float64 model)."""

FloatArray = npt.NDArray[np.floating]


def weight_capacity(capacity: int, n_params: int, itemsize: int, max_bytes: int) -> int:
    """The most snapshots kept: ``capacity`` halved until they fit in ``max_bytes`` (at least 2)."""
    size = max(n_params * itemsize, 1)
    kept = capacity
    while kept > 2 and kept * size > max_bytes:
        kept //= 2
    return max(kept, 2)


@dataclass(frozen=True, eq=False)
class WeightSnapshots:
    """Kept weights, one flat parameter vector per epoch.

    Attributes:
        epochs: The epochs, ascending.
        params: ``(len(epochs), parameters)`` the network's ``params`` after each epoch.
    """

    epochs: tuple[int, ...] = ()
    params: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))

    def __post_init__(self) -> None:
        params = np.asarray(self.params)
        if params.ndim != 2 or params.shape[0] != len(self.epochs):
            raise TuiNNError(
                f"weight snapshots need one parameter vector per epoch ({len(self.epochs)}), "
                f"got an array of shape {params.shape}",
                field="snapshots",
            )
        if list(self.epochs) != sorted(set(self.epochs)) or any(e < 0 for e in self.epochs):
            raise TuiNNError("snapshot epochs must ascend from 0", field="snapshots")
        params.setflags(write=False)
        object.__setattr__(self, "params", params)
        object.__setattr__(self, "epochs", tuple(int(e) for e in self.epochs))

    def __len__(self) -> int:
        """The number of snapshots."""
        return len(self.epochs)

    def network(self, index: int, like: Network) -> Network:
        """The network as it was at snapshot ``index``, shaped like ``like``.

        Raises:
            TuiNNError: when the snapshot's parameters do not fit ``like``'s layers.
        """
        params = self.params[index]
        if params.shape != like.params.shape:
            raise TuiNNError(
                f"a snapshot of {params.size} parameters does not fit a model of "
                f"{like.params.size}",
                field="snapshots",
            )
        return Network(like.layer_sizes, like.activations, params.astype(like.dtype))

    def index_before(self, epoch: int) -> int | None:
        """The last snapshot strictly before ``epoch``, or None."""
        index = int(np.searchsorted(np.asarray(self.epochs), epoch, side="left")) - 1
        return index if index >= 0 else None

    def index_after(self, epoch: int) -> int | None:
        """The first snapshot strictly after ``epoch``, or None."""
        index = int(np.searchsorted(np.asarray(self.epochs), epoch, side="right"))
        return index if index < len(self.epochs) else None

    def updated(self, update: WeightUpdate) -> WeightSnapshots:
        """These snapshots brought up to date: the kept epochs only, plus the new ones."""
        # Old rows the store still keeps and the update does not bring again.
        keep = set(update.epochs) - set(update.new.epochs)
        rows = [i for i, epoch in enumerate(self.epochs) if epoch in keep]
        old_epochs = tuple(self.epochs[i] for i in rows)
        if not len(update.new):
            return WeightSnapshots(old_epochs, self.params[rows])
        if not rows:
            return update.new
        epochs = old_epochs + update.new.epochs
        params = np.concatenate([self.params[rows], update.new.params])
        order = np.argsort(epochs, kind="stable")
        return WeightSnapshots(tuple(epochs[i] for i in order), params[order])

    def upto(self, epoch: int) -> WeightSnapshots:
        """Only the snapshots at or before ``epoch`` (after a roll-back, say)."""
        count = int(np.searchsorted(np.asarray(self.epochs), epoch, side="right"))
        return WeightSnapshots(self.epochs[:count], self.params[:count])


@dataclass(frozen=True, eq=False)
class WeightUpdate:
    """The change to a ``WeightHistory`` since some epoch (see ``WeightHistory.update``).

    Attributes:
        epochs: Every epoch the store keeps now.
        new: The snapshots after the epoch the update was asked from.
    """

    epochs: tuple[int, ...]
    new: WeightSnapshots


class WeightHistory:
    """Flat parameter vectors at downsampled epochs, bounded in count and in bytes.

    Example::

        history = DownsampledHistory(capacity=400)
        weights = WeightHistory(network.params.size, capacity=history.capacity)
        for result in trainer.run():
            history.append(result.epoch, loss=result.loss)
            weights.append(result.epoch, trainer.network.params)

    Args:
        n_params: The size of the parameter vector.
        capacity: The loss history's capacity (the most points it stores).
        dtype: The parameters' float type.
        max_bytes: Memory the stored vectors may take; the capacity halves until they fit.

    Raises:
        ValueError: If ``capacity`` is below 2.
    """

    __slots__ = ("_appends", "_capacity", "_count", "_epochs", "_rows", "_stride")

    def __init__(
        self,
        n_params: int,
        capacity: int = 400,
        dtype: npt.DTypeLike = np.float64,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        if capacity < 2:
            raise ValueError(f"capacity must be at least 2, got {capacity}")
        itemsize = np.dtype(dtype).itemsize
        self._capacity = weight_capacity(capacity, n_params, itemsize, max_bytes)
        self._rows = np.empty((self._capacity, n_params), dtype=dtype)
        self._epochs: list[int] = []
        self._count = 0
        self._appends = 0
        self._stride = 1

    @property
    def capacity(self) -> int:
        """The most snapshots stored."""
        return self._capacity

    @property
    def stride(self) -> int:
        """Store one append in this many (a power of two, doubling as the store fills)."""
        return self._stride

    def __len__(self) -> int:
        """The number of snapshots stored."""
        return self._count

    def append(self, epoch: int, params: FloatArray) -> None:
        """Offer the parameters after ``epoch``; copied only when this append is kept."""
        count = self._appends
        self._appends = count + 1
        if count & (self._stride - 1):
            return
        if self._count >= self._capacity:
            self._halve()
            if count & (self._stride - 1):
                return
        epochs = self._epochs
        if epochs and epoch <= epochs[-1]:
            # The run went back (a roll-back after divergence, a state loaded): what was kept
            # from this epoch on belongs to a past that no longer happened.
            self._count = int(np.searchsorted(np.asarray(epochs), epoch, side="left"))
            del epochs[self._count :]
        np.copyto(self._rows[self._count], params)
        epochs.append(epoch)
        self._count += 1

    def _halve(self) -> None:
        # As DownsampledHistory._halve: keep the even positions, the multiples of 2 * stride.
        kept = (self._count + 1) // 2
        self._rows[:kept] = self._rows[0 : self._count : 2]
        del self._epochs[1::2]
        self._count = kept
        self._stride *= 2

    def snapshot(self) -> WeightSnapshots:
        """Copy the stored snapshots out."""
        return WeightSnapshots(tuple(self._epochs), self._rows[: self._count].copy())

    def update(self, after_epoch: int) -> WeightUpdate:
        """What changed since a receiver last heard of ``after_epoch``: cheap to send often.

        Halving only drops points and new points come after every earlier one, so the epochs
        kept now plus the vectors after ``after_epoch`` rebuild the store on the other side.
        """
        epochs = tuple(self._epochs)
        start = int(np.searchsorted(np.asarray(epochs, dtype=np.int64), after_epoch, "right"))
        new = WeightSnapshots(epochs[start:], self._rows[start : self._count].copy())
        return WeightUpdate(epochs, new)

    @classmethod
    def from_snapshots(
        cls,
        snapshots: WeightSnapshots,
        capacity: int = 400,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> WeightHistory:
        """A store fed the saved snapshots in order (a loaded session, to train on from)."""
        store = cls(snapshots.params.shape[1], capacity, snapshots.params.dtype, max_bytes)
        for epoch, params in zip(snapshots.epochs, snapshots.params, strict=True):
            store.append(epoch, params)
        return store

    def clear(self) -> None:
        """Forget every snapshot and start again at stride 1."""
        self._epochs.clear()
        self._count = 0
        self._appends = 0
        self._stride = 1
