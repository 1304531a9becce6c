"""The run's past: weight snapshots kept at the loss history's epochs, bounded the same way."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_nn.core.datasets import make_dataset
from tui_nn.core.decision_map import decision_grid, plane_for
from tui_nn.core.history import DownsampledHistory
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.training import Trainer
from tui_nn.core.weight_history import WeightHistory, WeightSnapshots, weight_capacity


def vector(epoch: int) -> np.ndarray:
    return np.full(3, float(epoch))


@settings(max_examples=60, deadline=None)
@given(capacity=st.integers(2, 40), appends=st.integers(0, 600), shrink=st.integers(0, 3))
def test_snapshot_epochs_are_the_history_points(capacity: int, appends: int, shrink: int) -> None:
    history = DownsampledHistory(capacity)
    weights = WeightHistory(3, capacity)
    small = WeightHistory(3, capacity, max_bytes=(capacity >> shrink) * 3 * 8)
    for epoch in range(1, appends + 1):
        history.append(epoch, loss=float(epoch))
        weights.append(epoch, vector(epoch))
        small.append(epoch, vector(epoch))
    points = history.snapshot().epochs
    kept = weights.snapshot()
    # The history also ends with its latest append even when the stride skipped it.
    assert list(kept.epochs) == [e for e in points if e in kept.epochs]
    assert set(points) - set(kept.epochs) <= {appends}
    assert len(kept) <= capacity
    np.testing.assert_array_equal(kept.params[:, 0], kept.epochs)
    assert set(small.snapshot().epochs) <= set(kept.epochs)
    assert len(small) <= small.capacity


def test_capacity_halves_until_the_copies_fit() -> None:
    assert weight_capacity(400, 100, 8, 400 * 800) == 400
    assert weight_capacity(400, 100, 8, 399 * 800) == 200
    assert weight_capacity(400, 10**9, 8, 1) == 2


def test_a_snapshot_reproduces_the_grid_at_its_epoch() -> None:
    dataset = make_dataset("moons", seed=1)
    hyperparams = Hyperparams(recipe="textbook", hidden=(6,), activation="tanh", epochs=64)
    trainer = Trainer(hyperparams, dataset)
    history = DownsampledHistory(8)
    weights = WeightHistory(trainer.network.params.size, 8)
    plane = plane_for(dataset.features)
    grids = {}
    for result in trainer.run():
        history.append(result.epoch, loss=result.loss)
        weights.append(result.epoch, trainer.network.params)
        grids[result.epoch] = decision_grid(trainer.network, plane, 20, 10).probabilities
    kept = weights.snapshot()
    assert len(kept) == 8
    for index, epoch in enumerate(kept.epochs):
        then = kept.network(index, trainer.network)
        np.testing.assert_array_equal(
            decision_grid(then, plane, 20, 10).probabilities, grids[epoch]
        )


def test_updates_rebuild_the_store_on_the_other_side() -> None:
    store = WeightHistory(3, 4)
    mirror = WeightSnapshots((), np.zeros((0, 3)))
    heard = -1
    for epoch in range(1, 40):
        store.append(epoch, vector(epoch))
        if epoch % 3 == 0:
            mirror = mirror.updated(store.update(heard))
            heard = mirror.epochs[-1] if mirror.epochs else -1
    mirror = mirror.updated(store.update(heard))
    expected = store.snapshot()
    assert mirror.epochs == expected.epochs
    np.testing.assert_array_equal(mirror.params, expected.params)


def test_stepping_through_snapshots() -> None:
    kept = WeightSnapshots((0, 4, 8), np.zeros((3, 2)))
    assert kept.index_before(8) == 1 and kept.index_before(0) is None
    assert kept.index_after(4) == 2 and kept.index_after(8) is None
    assert kept.upto(5).epochs == (0, 4)
    assert WeightHistory.from_snapshots(kept, 2).snapshot().epochs == (0, 8)


def test_bad_snapshots_are_refused() -> None:
    with pytest.raises(Exception, match="ascend"):
        WeightSnapshots((3, 1), np.zeros((2, 2)))
    with pytest.raises(Exception, match="one parameter vector per epoch"):
        WeightSnapshots((1,), np.zeros((2, 2)))


def test_an_update_holding_everything_replaces_what_was_there() -> None:
    store = WeightHistory(3, 8)
    for epoch in range(1, 6):
        store.append(epoch, vector(epoch))
    mirror = WeightSnapshots().updated(store.update(2))
    full = store.snapshot()
    from tui_nn.core.weight_history import WeightUpdate

    again = mirror.updated(WeightUpdate(full.epochs, full))
    assert again.epochs == full.epochs
    np.testing.assert_array_equal(again.params, full.params)


def test_a_run_that_goes_back_forgets_the_epochs_after() -> None:
    store = WeightHistory(3, 8)
    for epoch in (1, 2, 3, 4):
        store.append(epoch, vector(epoch))
    store.append(3, vector(30))  # rolled back to epoch 2, trained epoch 3 again
    kept = store.snapshot()
    assert kept.epochs == (1, 2, 3)
    assert kept.params[-1, 0] == 30
