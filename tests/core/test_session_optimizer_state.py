"""Sessions keep the optimiser's state: a reloaded Adam run continues exactly as an unbroken one."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import tomli_w

from tui_nn.core.datasets import make_dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.session import Session, load_session, save_session, session_from_toml
from tui_nn.core.session import session_to_toml as to_toml
from tui_nn.core.training import Trainer
from tui_nn.core.weight_history import WeightSnapshots

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ADAM = Hyperparams(
    recipe="textbook", hidden=(4,), activation="tanh", optimizer="adam", lr=0.02, epochs=30
)


def half_trained(hyperparams: Hyperparams = ADAM) -> tuple[Session, Trainer]:
    data = make_dataset("moons", points=24)
    trainer = Trainer(hyperparams, data)
    list(trainer.run(13))
    session = Session(data, hyperparams).with_trainer_state(trainer.export_state())
    return session, trainer


@pytest.mark.parametrize("weights_file", ["toml", "npz"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_an_adam_run_reloaded_from_a_session_equals_the_unbroken_run_bit_for_bit(
    tmp_path: Path, weights_file: str, dtype: str
) -> None:
    hyperparams = ADAM.replace(dtype=dtype)
    session, _ = half_trained(hyperparams)
    path = tmp_path / "run.toml"
    save_session(session, path, weights_file=weights_file)  # type: ignore[arg-type]
    loaded = load_session(path)
    state = loaded.trainer_state()
    assert state is not None and state.optimizer_steps == 13
    carried = Trainer(loaded.hyperparams, loaded.dataset)
    carried.load_state(state)
    list(carried.run())
    unbroken = Trainer(hyperparams, session.dataset)
    list(unbroken.run())
    assert carried.epoch == 30
    assert np.array_equal(carried.network.params, unbroken.network.params)


def test_momentum_keeps_its_velocity_in_the_toml() -> None:
    session, trainer = half_trained(ADAM.replace(optimizer="momentum"))
    loaded = session_from_toml(to_toml(session))
    velocity = trainer.export_state().moments["velocity"]
    assert list(loaded.moments) == ["velocity"]
    assert np.array_equal(loaded.moments["velocity"], velocity)


def test_a_session_without_optimizer_state_still_loads_with_fresh_moments() -> None:
    session, _ = half_trained()
    older = session.replace(moments={}, optimizer_steps=0)
    loaded = session_from_toml(to_toml(older))
    state = loaded.trainer_state()
    assert state is not None and state.moments == {} and state.epoch == 13
    trainer = Trainer(loaded.hyperparams, loaded.dataset)
    trainer.load_state(state)  # moments start at zero, as before they were kept
    assert trainer.export_state().optimizer_steps == 0


def edited(session: Session, change: dict[str, object]) -> str:
    doc = tomllib.loads(to_toml(session))
    for key, value in change.items():
        table, _, name = key.rpartition(".")
        target = doc[table] if table else doc
        if value is None:
            target.pop(name, None)
        else:
            target[name] = value
    return tomli_w.dumps(doc)


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"optimizer.steps": -1}, "optimizer.steps"),
        ({"optimizer.v": None}, "optimizer.v"),
        ({"optimizer.m": [0.0, 1.0]}, "optimizer.m"),
        ({"optimizer.velocity": [0.0]}, "optimizer.velocity"),
        ({"model": None}, "optimizer"),
    ],
)
def test_bad_optimizer_state_is_refused_naming_the_key(change: dict[str, object], key: str) -> None:
    session, _ = half_trained()
    with pytest.raises(TuiNNError) as raised:
        session_from_toml(edited(session, change))
    assert raised.value.field is not None and raised.value.field.startswith(key)
    assert key in str(raised.value)


def test_moments_must_fit_the_model() -> None:
    session, _ = half_trained()
    with pytest.raises(TuiNNError, match=r"optimizer\.m must hold"):
        session.replace(moments={"m": np.zeros(3), "v": np.zeros(3)})
    with pytest.raises(TuiNNError, match=r"optimizer\.v is missing"):
        session.replace(moments={"m": session.moments["m"]})


@pytest.mark.parametrize("weights_file", ["toml", "npz"])
def test_moments_and_weight_snapshots_travel_together(tmp_path: Path, weights_file: str) -> None:
    session, trainer = half_trained()
    past = WeightSnapshots(
        (0, 13), np.stack([trainer.network.params * 0.5, trainer.network.params])
    )
    path = tmp_path / "both.toml"
    save_session(session.replace(snapshots=past), path, weights_file=weights_file)  # type: ignore[arg-type]
    loaded = load_session(path)
    assert loaded.snapshots is not None and np.array_equal(loaded.snapshots.params, past.params)
    assert np.array_equal(loaded.moments["v"], session.moments["v"])
    assert loaded.optimizer_steps == 13
