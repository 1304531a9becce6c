"""The cursor over the run's past: back, forward, first, now, and staying put as runs go on."""

from __future__ import annotations

import numpy as np

from tui_nn.core.network import Network
from tui_nn.core.run_past import RunPast
from tui_nn.core.weight_history import WeightSnapshots


def kept(*epochs: int) -> WeightSnapshots:
    return WeightSnapshots(epochs, np.array([[float(e)] * 2 for e in epochs]))


def test_back_from_now_goes_to_the_last_snapshot_before_now() -> None:
    past = RunPast(kept(10, 20, 30))
    assert past.back(now_epoch=30) and past.epoch == 20  # 30 is now itself
    assert past.back(30) and past.epoch == 10
    assert not past.back(30) and past.epoch == 10  # the start
    assert past.position() == (1, 3)


def test_forward_past_the_last_returns_to_now() -> None:
    past = RunPast(kept(10, 20, 30))
    past.first(now_epoch=40)
    assert past.epoch == 10
    assert past.forward(40) and past.epoch == 20
    assert past.forward(40) and past.epoch == 30
    assert past.forward(40) and past.epoch is None and not past.viewing_past
    assert not past.forward(40)


def test_nothing_kept_means_nowhere_to_go() -> None:
    past = RunPast()
    assert not past.back(5) and not past.first(5) and not past.to_now()


def test_new_snapshots_keep_the_epoch_on_show() -> None:
    past = RunPast(kept(2, 4, 6, 8))
    past.back(9)
    past.back(9)
    assert past.epoch == 6
    past.update(kept(4, 8, 12))  # halved: 6 is gone, the nearest earlier one is shown
    assert past.epoch == 4
    past.update(kept(4, 8, 12, 16))
    assert past.epoch == 4
    past.reset()
    assert not past.viewing_past and len(past.snapshots) == 0


def test_the_network_then_has_the_kept_weights() -> None:
    like = Network((1, 1), ("sigmoid",))
    past = RunPast(kept(3, 7))
    assert past.network(like) is None
    past.back(10)
    then = past.network(like)
    assert then is not None and then.params.tolist() == [7.0, 7.0]
