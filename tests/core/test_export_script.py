"""The exported NumPy script prints the workbench's history and predictions, bit for bit."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from tui_nn.core import TUTORIAL_DATASET, Dataset, Hyperparams, Network, Trainer
from tui_nn.core.datasets import make_dataset
from tui_nn.core.export_run import MAX_INLINE_ROWS, ExportRun, number_rows
from tui_nn.core.export_script import numpy_script, write_numpy_script
from tui_nn.core.split import prepare_data

EPOCH_LINE = re.compile(r"^epoch (\d+): (.*)$")
ROW_LINE = re.compile(r"^row (\d+): (\[.*\]) -> (.*)$")


@dataclass
class Printed:
    """What a script printed, parsed: per epoch its named numbers, per row its outputs."""

    epochs: list[int]
    series: dict[str, list[float]]
    rows: list[list[float]]
    classes: list[str]
    lines: list[str]


def _parse(stdout: str) -> Printed:
    printed = Printed([], {}, [], [], stdout.splitlines())
    for line in printed.lines:
        if match := EPOCH_LINE.match(line):
            printed.epochs.append(int(match[1]))
            for part in match[2].split(", "):
                name, _, value = part.rpartition(" ")
                printed.series.setdefault(name, []).append(float(value))
        elif match := ROW_LINE.match(line):
            printed.rows.append([float(v) for v in match[2].strip("[]").split(", ")])
            printed.classes.append(match[3])
    return printed


@dataclass
class Expected:
    """What the engine's NumPy path produced for the same run."""

    reported: list[float]
    loss: list[float]
    test_loss: list[float]
    probabilities: np.ndarray
    classes: list[str]


def _train(
    hyperparams: Hyperparams,
    dataset: Dataset,
    test_split: float = 0.0,
    normalize: bool = False,
) -> tuple[ExportRun, Expected]:
    data = prepare_data(dataset, test_split, normalize, hyperparams.seed)
    # The NumPy path, which the script mirrors (the single-neuron kernel sums in Python).
    test = data.test if data.test.n_rows else None
    trainer = Trainer(hyperparams, data.train, test, fast_path=False)
    results = list(trainer.run())
    assert all(r.divergence is None for r in results)
    prediction = trainer.predict(data.train.features)
    run = ExportRun.from_prepared(
        dataset, data, hyperparams, trainer.network, end_epoch=trainer.epoch
    )
    expected = Expected(
        reported=[r.reported for r in results],
        loss=[r.loss for r in results],
        test_loss=[r.test_loss for r in results if r.test_loss is not None],
        probabilities=prediction.probabilities,
        classes=[dataset.class_names[k] for k in prediction.classes],
    )
    return run, expected


def _run_script(run: ExportRun, path: Path) -> Printed:
    written = write_numpy_script(run, path)
    assert written[-1] == str(path)
    completed = subprocess.run(
        [sys.executable, str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=path.parent.parent,  # not the script's folder: it must find its CSV itself
    )
    assert completed.returncode == 0, completed.stderr
    return _parse(completed.stdout)


def _assert_same(printed: Printed, expected: Expected, reported: str, loss: str | None) -> None:
    epochs = len(expected.reported)
    assert printed.epochs == list(range(1, epochs + 1))
    # Exact equality: the script repeats the engine's operations in the engine's order.
    assert printed.series[reported] == expected.reported
    if loss is not None:
        assert printed.series[loss] == expected.loss
    if expected.test_loss:
        assert printed.series[f"test {loss or reported}"] == expected.test_loss
    assert printed.rows == expected.probabilities.tolist()
    assert printed.classes == expected.classes


def test_tutorial_script_prints_the_tutorials_30000_epochs_exactly(
    tmp_path: Path, golden: dict[str, object]
) -> None:
    run, expected = _train(Hyperparams(), TUTORIAL_DATASET)
    (tmp_path / "out").mkdir()
    printed = _run_script(run, tmp_path / "out" / "tutorial.py")
    _assert_same(printed, expected, "error sum", "mse")
    # The workbench's single-neuron kernel ends at the same weights, so the same predictions.
    fast = Trainer(Hyperparams(), TUTORIAL_DATASET)
    assert fast.on_fast_path
    list(fast.run())
    assert printed.rows == fast.predict(TUTORIAL_DATASET.features).probabilities.tolist()
    # And so the tutorial's own printed numbers, from the first epoch on.
    first = golden["printed_error_sums_first_100_epochs"]
    assert isinstance(first, list)
    np.testing.assert_allclose(printed.series["error sum"][:100], first, rtol=0, atol=1e-12)


def test_tutorial_script_reads_like_the_seed(tmp_path: Path) -> None:
    data = prepare_data(TUTORIAL_DATASET)
    trainer = Trainer(Hyperparams(epochs=3), data.train)
    run = ExportRun.from_prepared(
        TUTORIAL_DATASET,
        data,
        trainer.hyperparams,
        trainer.network,
        predict_rows=[[1, 0, 0], [0, 1, 0]],
    )
    text, csv_text = numpy_script(run, tmp_path / "run.py")
    assert csv_text is None
    assert "import numpy as np" in text
    assert "np.random.seed(SEED)" in text
    assert "def sigmoid_derivative(x):\n    return sigmoid(x) * (1 - sigmoid(x))" in text
    assert "for num in deltas[layer]:" in text
    assert "        [1, 1, 0]," in text
    # numpy only: nothing of tui-nn, nothing else imported.
    imports = [line for line in text.splitlines() if line.startswith(("import ", "from "))]
    assert imports == ["import numpy as np"]
    # Untrained: the script trains the whole configured run, and predicts the given rows.
    assert "EPOCHS = 3" in text
    completed = subprocess.run(
        [sys.executable, "-c", text], capture_output=True, text=True, check=True, timeout=60
    )
    assert "predict [1.0, 0.0, 0.0]: [" in completed.stdout


def test_textbook_batches_adam_bce_l2_with_test_rows_and_standardising(
    tmp_path: Path,
) -> None:
    hp = Hyperparams(
        recipe="textbook",
        hidden=(8, 8),
        activation="tanh",
        output_activation="sigmoid",
        loss="bce",
        optimizer="adam",
        init="xavier",
        lr=0.01,
        epochs=60,
        batch_size=16,
        l2=0.001,
        seed=3,
    )
    dataset = make_dataset("moons", points=120, seed=5)
    run, expected = _train(hp, dataset, test_split=0.25, normalize=True)
    assert run.standardizer is not None and run.test.n_rows == 30
    printed = _run_script(run, tmp_path / "moons.py")
    _assert_same(printed, expected, "bce", None)
    assert any(line.startswith("test accuracy: ") for line in printed.lines)


def test_three_class_softmax_relu_momentum_l1(
    tmp_path: Path,
) -> None:
    hp = Hyperparams(
        recipe="textbook",
        hidden=(16,),
        activation="relu",
        output_activation="softmax",
        loss="ce",
        optimizer="momentum",
        init="he",
        lr=0.05,
        epochs=80,
        l1=0.0005,
        seed=11,
    )
    dataset = make_dataset("spiral3", points=150, seed=2)
    run, expected = _train(hp, dataset)
    printed = _run_script(run, tmp_path / "spiral.py")
    _assert_same(printed, expected, "ce", None)
    assert set(printed.classes) <= {"0", "1", "2"}


def test_float32_mse_gd_matches_too(tmp_path: Path) -> None:
    hp = Hyperparams(
        recipe="textbook",
        hidden=(5,),
        activation="sigmoid",
        output_activation="linear",
        loss="mse",
        optimizer="gd",
        lr=0.1,
        epochs=40,
        batch_size=7,
        dtype="float32",
    )
    dataset = make_dataset("xor", points=40, seed=1)
    run, expected = _train(hp, dataset)
    printed = _run_script(run, tmp_path / "xor32.py")
    _assert_same(printed, expected, "mse", None)


def test_tutorial_recipe_with_hidden_layers(
    tmp_path: Path,
) -> None:
    hp = Hyperparams(hidden=(4,), activation="tanh", lr=0.1, epochs=50)
    dataset = make_dataset("circle", points=60, seed=4)
    run, expected = _train(hp, dataset, test_split=0.2)
    printed = _run_script(run, tmp_path / "circle.py")
    _assert_same(printed, expected, "error sum", "mse")


def test_more_rows_than_fit_inline_go_to_a_csv_beside_the_script(
    tmp_path: Path,
) -> None:
    hp = Hyperparams(
        recipe="textbook",
        hidden=(3,),
        activation="tanh",
        loss="bce",
        optimizer="adam",
        lr=0.01,
        epochs=3,
        batch_size=64,
    )
    dataset = make_dataset("gauss", points=MAX_INLINE_ROWS + 200, seed=9)
    run, expected = _train(hp, dataset, test_split=0.1)
    script = tmp_path / "gauss.py"
    printed = _run_script(run, script)
    csv_path = tmp_path / "gauss_data.csv"
    assert csv_path.exists()
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "x1,x2,label"
    assert len(lines) == MAX_INLINE_ROWS + 200 + 1
    assert len(script.read_text(encoding="utf-8")) < 20_000
    # Only the first SHOWN_ROWS predictions print for so many rows; those agree exactly.
    expected.probabilities = expected.probabilities[: len(printed.rows)]
    expected.classes = expected.classes[: len(printed.rows)]
    _assert_same(printed, expected, "bce", None)


def test_a_run_trained_on_from_a_saved_state_starts_from_its_weights(
    tmp_path: Path,
) -> None:
    hp = Hyperparams(recipe="textbook", hidden=(3,), lr=0.5, epochs=30, batch_size=3)
    dataset = make_dataset("xor", points=12, seed=0)
    data = prepare_data(dataset)
    first = Trainer(hp, data.train)
    list(first.run(10))
    saved = first.network.copy()
    resumed = Trainer(hp, data.train, network=saved.copy(), epoch=10)
    results = list(resumed.run())
    run = ExportRun.from_prepared(
        dataset, data, hp, resumed.network, start=saved, start_epoch=10, end_epoch=30
    )
    text, _ = numpy_script(run, tmp_path / "resumed.py")
    assert "# The run trained on from a saved session at epoch 10" in text
    printed = _run_script(run, tmp_path / "resumed.py")
    assert printed.epochs == list(range(11, 31))
    assert printed.series["mse"] == [r.reported for r in results]
    assert printed.rows == resumed.predict(data.train.features).probabilities.tolist()


@pytest.mark.parametrize(
    "table",
    [
        [[0.0, 1.0, 255.0], [3.0, -4.0, 7.0]],
        [[0.1, 1e-300, -0.0], [2.5e17, float(2**53), -1.0 / 3.0]],
    ],
    ids=["whole numbers", "reals, -0.0 and huge"],
)
def test_numbers_are_written_to_read_back_to_the_same_bits(table: list[list[float]]) -> None:
    array = np.array(table)
    text = number_rows(array)
    back = np.array([[float(v) for v in ast.literal_eval(f"[{row}]")] for row in text])
    assert back.tobytes() == array.tobytes()


@pytest.mark.parametrize("optimizer", ["adam", "momentum"])
def test_a_run_carried_on_with_the_optimizers_memory_continues_exactly(
    optimizer: str, tmp_path: Path
) -> None:
    hp = Hyperparams(
        recipe="textbook",
        hidden=(4,),
        activation="tanh",
        loss="bce",
        optimizer=optimizer,
        lr=0.05,
        epochs=25,
        batch_size=5,
    )
    dataset = make_dataset("moons", points=30, seed=3)
    data = prepare_data(dataset)
    first = Trainer(hp, data.train)
    list(first.run(10))
    state = first.export_state()
    resumed = Trainer(hp, data.train, network=first.network.copy(), epoch=10)
    resumed.load_state(state)
    results = list(resumed.run())
    run = ExportRun.from_prepared(
        dataset,
        data,
        hp,
        resumed.network,
        start=Network(first.network.layer_sizes, first.network.activations, state.params),
        start_epoch=10,
        end_epoch=25,
        start_moments=state.moments,
        start_steps=state.optimizer_steps,
    )
    text, _ = numpy_script(run, tmp_path / "carried.py")
    assert "# The optimizer's memory when the session was saved at epoch 10" in text
    printed = _run_script(run, tmp_path / "carried.py")
    assert printed.epochs == list(range(11, 26))
    assert printed.series["bce"] == [r.reported for r in results]
    assert printed.rows == resumed.predict(data.train.features).probabilities.tolist()
