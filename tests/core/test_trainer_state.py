"""Full trainer state: a run carried on from an exported state equals an unbroken run."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tui_nn.core.datasets import make_dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.training import Trainer

STATEFUL: dict[str, dict[str, Any]] = {
    "adam": {"optimizer": "adam", "lr": 0.01},
    "adam-float32-batches": {"optimizer": "adam", "lr": 0.01, "dtype": "float32", "batch_size": 7},
    "momentum": {"optimizer": "momentum", "lr": 0.05},
    "gd": {"optimizer": "gd", "lr": 0.5},
}


def settings(**changes: Any) -> Hyperparams:
    return Hyperparams(
        recipe="textbook", hidden=(5,), activation="tanh", init="xavier", epochs=40, **changes
    )


@pytest.mark.parametrize("name", list(STATEFUL))
def test_a_run_carried_on_from_its_state_equals_an_unbroken_run_bit_for_bit(name: str) -> None:
    data = make_dataset("moons", points=30)
    hyperparams = settings(**STATEFUL[name])
    unbroken = Trainer(hyperparams, data)
    unbroken_losses = [result.loss for result in unbroken.run()]
    first = Trainer(hyperparams, data)
    losses = [result.loss for result in first.run(17)]
    carried = Trainer(hyperparams, data)
    carried.load_state(first.export_state())
    losses += [result.loss for result in carried.run()]
    assert carried.epoch == unbroken.epoch == 40
    assert losses == unbroken_losses
    assert np.array_equal(carried.network.params, unbroken.network.params)
    assert carried.network.params.dtype == unbroken.network.params.dtype


def test_without_the_moments_adam_drifts_so_the_state_is_what_keeps_it_exact() -> None:
    data = make_dataset("moons", points=30)
    hyperparams = settings(optimizer="adam", lr=0.01)
    unbroken = Trainer(hyperparams, data)
    list(unbroken.run())
    first = Trainer(hyperparams, data)
    list(first.run(17))
    weights_only = Trainer(hyperparams, data, network=first.network.copy(), epoch=17)
    list(weights_only.run())
    assert not np.array_equal(weights_only.network.params, unbroken.network.params)


def test_the_state_holds_epoch_learning_rate_and_adams_step_count() -> None:
    trainer = Trainer(settings(optimizer="adam", lr=0.01), make_dataset("moons", points=30))
    list(trainer.run(9))
    trainer.set_learning_rate(0.02)
    state = trainer.export_state()
    assert (state.epoch, state.lr, state.optimizer, state.optimizer_steps) == (9, 0.02, "adam", 9)
    assert sorted(state.moments) == ["m", "v"]
    # A copy: training on does not change what was exported.
    before = state.params.copy()
    list(trainer.run(1))
    assert np.array_equal(state.params, before)


def test_a_state_that_does_not_fit_is_refused_and_leaves_the_trainer_as_it_was() -> None:
    data = make_dataset("moons", points=30)
    adam = Trainer(settings(optimizer="adam"), data)
    list(adam.run(3))
    momentum = Trainer(settings(optimizer="momentum"), data)
    before = momentum.network.params.copy()
    with pytest.raises(TuiNNError, match="adam, not momentum"):
        momentum.load_state(adam.export_state())
    wider = Trainer(settings(optimizer="adam").replace(hidden=(6,)), data)
    with pytest.raises(TuiNNError, match="parameters"):
        wider.load_state(adam.export_state())
    assert np.array_equal(momentum.network.params, before) and momentum.epoch == 0
