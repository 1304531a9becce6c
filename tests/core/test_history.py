"""The chart's bounded history: what it keeps, what it drops, and that it stays small."""

from __future__ import annotations

import gc
import itertools
import math
import tracemalloc

import pytest

from tui_nn.core.history import DownsampledHistory, HistorySnapshot


def fill(history: DownsampledHistory, first: int, last: int) -> None:
    """Append epochs first..last with loss = epoch and reported = -epoch."""
    for epoch in range(first, last + 1):
        history.append(epoch, reported=-float(epoch), loss=float(epoch))


def test_empty_history_gives_empty_snapshot() -> None:
    history = DownsampledHistory()
    snapshot = history.snapshot()
    assert len(history) == 0
    assert snapshot == HistorySnapshot(epochs=[], series={}, latest_epoch=0)
    assert snapshot.latest("loss") is None


def test_keeps_every_epoch_until_full() -> None:
    history = DownsampledHistory(capacity=8)
    fill(history, 1, 8)
    snapshot = history.snapshot()
    assert snapshot.epochs == list(range(1, 9))
    assert snapshot.series["loss"] == [float(e) for e in range(1, 9)]
    assert snapshot.series["reported"] == [-float(e) for e in range(1, 9)]
    assert history.stride == 1


def test_full_history_drops_every_other_point_and_doubles_stride() -> None:
    history = DownsampledHistory(capacity=8)
    fill(history, 1, 9)
    assert history.stride == 2
    assert history.snapshot().epochs == [1, 3, 5, 7, 9]
    fill(history, 10, 17)
    # 17 appends at stride 2 store epochs 1, 3, ..., 15, then the ninth store halves again.
    assert history.stride == 4
    assert history.snapshot().epochs == [1, 5, 9, 13, 17]


@pytest.mark.parametrize("appends", [1, 2, 7, 8, 9, 100, 1_000, 12_345])
def test_bounded_even_spacing_and_latest_point_kept(appends: int) -> None:
    capacity = 8
    history = DownsampledHistory(capacity=capacity)
    fill(history, 1, appends)
    snapshot = history.snapshot()
    # Stored points are every stride-th append; only the latest may fall between them.
    stored = [e for e in snapshot.epochs if (e - 1) % history.stride == 0]
    assert stored in (snapshot.epochs, snapshot.epochs[:-1])
    assert len(stored) <= capacity
    assert len(snapshot) <= capacity + 1
    assert len(snapshot) == len(history)
    # The run's start and its latest epoch are always on the chart.
    assert snapshot.epochs[0] == 1
    assert snapshot.epochs[-1] == appends
    assert snapshot.latest_epoch == appends
    assert snapshot.latest("loss") == float(appends)
    gaps = {b - a for a, b in itertools.pairwise(stored)}
    assert gaps <= {history.stride}
    assert snapshot.epochs == sorted(set(snapshot.epochs))
    for name in ("loss", "reported"):
        assert len(snapshot.series[name]) == len(snapshot.epochs)
    assert snapshot.series["loss"] == [float(e) for e in snapshot.epochs]


def test_latest_point_kept_when_stride_skips_it() -> None:
    history = DownsampledHistory(capacity=4)
    fill(history, 1, 10)
    assert history.stride == 4
    snapshot = history.snapshot()
    assert snapshot.epochs == [1, 5, 9, 10]
    assert snapshot.series["reported"][-1] == -10.0


def test_none_and_missing_values_become_nan_aligned_with_epochs() -> None:
    history = DownsampledHistory(capacity=10)
    history.append(1, loss=0.5, test_loss=None)
    history.append(2, loss=0.4)
    history.append(3, loss=0.3, test_loss=0.35, reported=-0.1)
    history.append(4, loss=None, test_loss=0.3)
    snapshot = history.snapshot()
    assert snapshot.epochs == [1, 2, 3, 4]
    assert snapshot.series["loss"][:3] == [0.5, 0.4, 0.3]
    assert math.isnan(snapshot.series["loss"][3])
    test_loss = snapshot.series["test_loss"]
    assert math.isnan(test_loss[0]) and math.isnan(test_loss[1])
    assert test_loss[2:] == [0.35, 0.3]
    reported = snapshot.series["reported"]
    assert [math.isnan(v) for v in reported] == [True, True, False, True]
    assert snapshot.latest("loss") is None
    assert snapshot.latest("test_loss") == 0.3
    assert snapshot.latest("nonexistent") is None


def test_series_first_seen_in_an_unstored_latest_point() -> None:
    history = DownsampledHistory(capacity=2)
    fill(history, 1, 3)  # stride 2: epoch 2 not stored
    history.append(4, loss=4.0, test_loss=1.5)
    snapshot = history.snapshot()
    assert snapshot.epochs == [1, 3, 4]
    assert math.isnan(snapshot.series["test_loss"][0])
    assert snapshot.series["test_loss"][-1] == 1.5
    assert math.isnan(snapshot.series["reported"][-1])


def test_snapshot_is_independent_of_later_appends() -> None:
    history = DownsampledHistory(capacity=4)
    fill(history, 1, 3)
    snapshot = history.snapshot()
    fill(history, 4, 50)
    snapshot.series["loss"].append(99.0)
    assert snapshot.epochs == [1, 2, 3]
    assert snapshot.series["loss"] == [1.0, 2.0, 3.0, 99.0]
    assert history.snapshot().epochs[-1] == 50
    assert 99.0 not in history.snapshot().series["loss"]


def test_clear_starts_again() -> None:
    history = DownsampledHistory(capacity=4)
    fill(history, 1, 100)
    history.clear()
    assert len(history) == 0
    assert history.stride == 1
    assert history.snapshot().epochs == []
    fill(history, 1, 3)
    assert history.snapshot().epochs == [1, 2, 3]
    assert set(history.snapshot().series) == {"loss", "reported"}


def test_capacity_below_two_is_refused() -> None:
    with pytest.raises(ValueError, match="capacity"):
        DownsampledHistory(capacity=1)


def _bytes_after(history: DownsampledHistory, appends: int, start: int) -> int:
    fill(history, start, start + appends - 1)
    gc.collect()
    current, _peak = tracemalloc.get_traced_memory()
    return current


def test_memory_stays_flat_over_many_appends() -> None:
    history = DownsampledHistory(capacity=400)
    tracemalloc.start()
    try:
        after_20k = _bytes_after(history, 20_000, 1)
        after_220k = _bytes_after(history, 200_000, 20_001)
    finally:
        tracemalloc.stop()
    # 400 points x 3 lists is ~20 KB; anything that grows with the number of appends would
    # add megabytes over 200k appends. Allow a little slack for allocator noise.
    assert after_220k - after_20k < 4_096
    assert len(history) <= 401


def test_forget_after_ends_the_history_at_an_earlier_epoch() -> None:
    history = DownsampledHistory(capacity=8)
    for epoch in range(1, 40):
        history.append(epoch, loss=float(epoch))
    history.forget_after(20)
    snapshot = history.snapshot()
    assert snapshot.epochs[-1] <= 20 and snapshot.latest_epoch == snapshot.epochs[-1]
    history.append(21, loss=21.0)
    assert history.snapshot().epochs[-1] == 21
    history.forget_after(0)
    assert history.snapshot().epochs == []
