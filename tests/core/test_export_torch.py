"""The PyTorch export predicts as the workbench does and trains on as the engine would."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tui_nn.core import TUTORIAL_DATASET, Dataset, Hyperparams, Trainer, TuiNNError
from tui_nn.core.datasets import make_dataset
from tui_nn.core.export_run import ExportRun
from tui_nn.core.export_torch import torch_script, write_torch_export
from tui_nn.core.model_io import load_model
from tui_nn.core.split import prepare_data

needs_torch = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None,
    reason="torch is not installed: pip install 'tui-nn[torch]' to run the exported script",
)

ROW_LINE = re.compile(r"^row \d+: (\[.*\]) -> ")
EPOCH_LINE = re.compile(r"^epoch (\d+): loss (\S+)$")
MORE_EPOCHS = 5


def _trained(
    hp: Hyperparams, dataset: Dataset, test_split: float = 0.0, normalize: bool = False
) -> tuple[ExportRun, Trainer, np.ndarray]:
    data = prepare_data(dataset, test_split, normalize, hp.seed)
    trainer = Trainer(hp, data.train, data.test if data.test.n_rows else None)
    list(trainer.run())
    run = ExportRun.from_prepared(dataset, data, hp, trainer.network, end_epoch=trainer.epoch)
    return run, trainer, data.train.features


def _run(path: Path, epochs: int) -> tuple[list[list[float]], list[list[float]], list[int]]:
    completed = subprocess.run(
        [sys.executable, str(path), str(epochs)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    before: list[list[float]] = []
    after: list[list[float]] = []
    epochs_seen = []
    target = before
    for line in completed.stdout.splitlines():
        if line.startswith("predictions after"):
            target = after
        elif match := ROW_LINE.match(line):
            target.append([float(v) for v in match[1].strip("[]").split(", ")])
        elif match := EPOCH_LINE.match(line):
            epochs_seen.append(int(match[1]))
    return before, after, epochs_seen


CASES = {
    "moons 2-8-8-1 tanh adam bce batches L2, standardised": (
        Hyperparams(
            recipe="textbook",
            hidden=(8, 8),
            activation="tanh",
            loss="bce",
            optimizer="adam",
            init="xavier",
            lr=0.01,
            epochs=40,
            batch_size=16,
            l2=0.001,
        ),
        make_dataset("moons", points=100, seed=5),
        0.2,
        True,
    ),
    "spiral3 relu softmax momentum L1": (
        Hyperparams(
            recipe="textbook",
            hidden=(16,),
            activation="relu",
            output_activation="softmax",
            loss="ce",
            optimizer="momentum",
            init="he",
            lr=0.05,
            epochs=60,
            l1=0.0005,
        ),
        make_dataset("spiral3", points=120, seed=2),
        0.0,
        False,
    ),
    "xor float32 sigmoid mse gd": (
        Hyperparams(recipe="textbook", hidden=(4,), lr=0.5, epochs=50, dtype="float32"),
        make_dataset("xor", points=24, seed=1),
        0.0,
        False,
    ),
}


@needs_torch
@pytest.mark.parametrize("case", list(CASES))
def test_torch_predicts_like_the_workbench_and_trains_on_like_the_engine(
    case: str, tmp_path: Path
) -> None:
    hp, dataset, test_split, normalize = CASES[case]
    run, trainer, features = _trained(hp, dataset, test_split, normalize)
    script = tmp_path / "model.py"
    written = write_torch_export(run, script)
    assert written == [str(tmp_path / "model_weights.npz"), str(script)]
    before, after, epochs = _run(script, MORE_EPOCHS)
    expected = trainer.predict(features).probabilities
    tolerance = 1e-6
    np.testing.assert_allclose(before, expected, rtol=0, atol=tolerance)
    assert epochs == list(range(hp.epochs + 1, hp.epochs + MORE_EPOCHS + 1))
    # Trained on from the same weights with a fresh optimizer, as the script's optimizer is.
    resumed = Trainer(hp, trainer.train, network=trainer.network.copy(), epoch=trainer.epoch)
    list(resumed.run(MORE_EPOCHS))
    np.testing.assert_allclose(
        after[: len(features)],
        resumed.predict(features).probabilities[: len(after)],
        rtol=0,
        atol=tolerance,
    )


@needs_torch
def test_tutorial_exports_and_trains_on(tmp_path: Path) -> None:
    run, trainer, features = _trained(Hyperparams(epochs=500), TUTORIAL_DATASET)
    script = tmp_path / "tutorial.py"
    write_torch_export(run, script)
    before, after, epochs = _run(script, 3)
    np.testing.assert_allclose(before, trainer.predict(features).probabilities, atol=1e-6)
    assert epochs == [501, 502, 503]
    assert len(after) == 7


def test_the_weights_beside_the_script_are_a_tui_nn_model(tmp_path: Path) -> None:
    run, trainer, _ = _trained(Hyperparams(epochs=10), TUTORIAL_DATASET)
    write_torch_export(run, tmp_path / "m.py")
    network, classes = load_model(tmp_path / "m_weights.npz")
    assert network.params.tobytes() == trainer.network.params.tobytes()
    assert classes == ("0", "1")
    text, csv_text = torch_script(run, tmp_path / "m.py")
    assert csv_text is None
    assert "torch.nn.Linear(3, 1)" in text
    assert 'np.load(os.path.join(here, "m_weights.npz"), allow_pickle=False)' in text


def test_a_script_path_must_end_in_py(tmp_path: Path) -> None:
    run, _, _ = _trained(Hyperparams(epochs=1), TUTORIAL_DATASET)
    with pytest.raises(TuiNNError, match=r"as \.py"):
        write_torch_export(run, tmp_path / "model.txt")
    assert list(tmp_path.iterdir()) == []
