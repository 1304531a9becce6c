"""The run's past over the process boundary: weight snapshots at the history's epochs."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np
import pytest

from tui_nn.core.datasets import make_dataset
from tui_nn.core.history import DownsampledHistory
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.protocol import (
    ChildCrashed,
    Configure,
    Event,
    HistorySettings,
    RunFailed,
    RunFinished,
    RunProgress,
    Start,
)
from tui_nn.core.recipes import RECIPES, record
from tui_nn.core.training import Trainer
from tui_nn.core.training_process import TrainingProcess
from tui_nn.core.weight_history import WeightHistory, WeightSnapshots

WAIT = 60.0
ADAM = Hyperparams(
    recipe="textbook", hidden=(6,), activation="tanh", optimizer="adam", lr=0.01, epochs=300
)
run_ids = itertools.count(1)


@pytest.fixture(scope="module")
def process() -> Iterator[TrainingProcess]:
    handle = TrainingProcess()
    handle.start()
    yield handle
    handle.close()


def events_until_final(process: TrainingProcess, run_id: int) -> list[Event]:
    seen: list[Event] = []
    while True:
        event = process.next_event(timeout=WAIT)
        assert event is not None, "the training process sent nothing"
        seen.append(event)
        if isinstance(event, RunFinished | RunFailed | ChildCrashed) and event.run_id == run_id:
            return seen


def test_the_past_arrives_as_updates_and_equals_an_in_process_run(
    process: TrainingProcess,
) -> None:
    moons = make_dataset("moons", points=40)
    process.send(Configure(ADAM, moons, history=HistorySettings(capacity=16)))
    run_id = next(run_ids)
    process.send(Start(run_id, 300))
    mirror = WeightSnapshots()
    final = None
    for event in events_until_final(process, run_id):
        if isinstance(event, RunProgress | RunFinished) and event.run_id == run_id:
            assert event.snapshot.weights is not None
            mirror = mirror.updated(event.snapshot.weights)
            final = event
    assert isinstance(final, RunFinished)
    trainer = Trainer(ADAM, moons)
    history = DownsampledHistory(capacity=16)
    weights = WeightHistory(trainer.network.params.size, 16)
    for result in trainer.run():
        record(history, RECIPES["textbook"], result)
        weights.append(result.epoch, trainer.network.params)
    expected = weights.snapshot()
    assert mirror.epochs == expected.epochs
    assert set(mirror.epochs) <= set(final.snapshot.history.epochs)
    np.testing.assert_array_equal(mirror.params, expected.params)


def test_a_configured_past_is_kept_and_continued(process: TrainingProcess) -> None:
    moons = make_dataset("moons", points=40)
    trainer = Trainer(ADAM, moons)
    list(trainer.run(5))
    past = WeightSnapshots((1, 2), np.zeros((2, trainer.network.params.size)))
    process.send(
        Configure(
            ADAM,
            moons,
            state=trainer.export_state(),
            history=HistorySettings(capacity=16),
            past_weights=past,
        )
    )
    run_id = next(run_ids)
    process.send(Start(run_id, 3))
    final = events_until_final(process, run_id)[-1]
    assert isinstance(final, RunFinished) and final.snapshot.weights is not None
    kept = final.snapshot.weights.new
    assert kept.epochs == (1, 2, 6, 7, 8)
    assert not kept.params[:2].any() and kept.params[2:].any()
