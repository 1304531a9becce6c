"""The run's past in session files: weight snapshots saved and loaded exactly, checked on load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tui_nn.core.datasets import make_dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.history import DownsampledHistory
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.session import Session, load_session, save_session, session_to_toml
from tui_nn.core.training import Trainer
from tui_nn.core.weight_history import WeightHistory, WeightSnapshots

HYPERPARAMS = Hyperparams(recipe="textbook", hidden=(4,), activation="tanh", epochs=40)


def trained_with_past() -> Session:
    dataset = make_dataset("xor")
    trainer = Trainer(HYPERPARAMS, dataset)
    history = DownsampledHistory(8)
    weights = WeightHistory(trainer.network.params.size, 8)
    for result in trainer.run():
        history.append(result.epoch, loss=result.loss)
        weights.append(result.epoch, trainer.network.params)
    points = history.snapshot()
    return Session(
        dataset=dataset,
        hyperparams=HYPERPARAMS,
        network=trainer.network,
        epoch=trainer.epoch,
        history_epochs=tuple(points.epochs),
        history={"loss": tuple(points.series["loss"])},
        snapshots=weights.snapshot(),
    )


@pytest.mark.parametrize("weights_file", ["toml", "npz"])
def test_snapshots_round_trip_exactly(tmp_path: Path, weights_file: str) -> None:
    session = trained_with_past()
    path = tmp_path / "run.toml"
    save_session(session, path, weights_file=weights_file)  # type: ignore[arg-type]
    loaded = load_session(path)
    assert loaded.snapshots is not None and session.snapshots is not None
    assert loaded.snapshots.epochs == session.snapshots.epochs
    np.testing.assert_array_equal(loaded.snapshots.params, session.snapshots.params)
    assert set(loaded.snapshots.epochs) <= set(loaded.history_epochs)


def test_sessions_without_snapshots_still_load(tmp_path: Path) -> None:
    session = trained_with_past().replace(snapshots=None)
    path = tmp_path / "run.toml"
    save_session(session, path)
    assert load_session(path).snapshots is None
    assert "[snapshots]" not in path.read_text()


def test_snapshots_that_do_not_fit_the_model_are_refused(tmp_path: Path) -> None:
    session = trained_with_past()
    text = session_to_toml(session)
    path = tmp_path / "bad.toml"
    path.write_text(text.replace("[snapshots]\nepochs = [", "[snapshots]\nepochs = [0, "))
    with pytest.raises(TuiNNError, match="snapshots"):
        load_session(path)
    with pytest.raises(TuiNNError, match="parameters per epoch"):
        session.replace(snapshots=WeightSnapshots((1,), np.zeros((1, 3))))
    with pytest.raises(TuiNNError, match="after the model's epoch"):
        session.replace(snapshots=WeightSnapshots((99,), np.zeros((1, 17))))
