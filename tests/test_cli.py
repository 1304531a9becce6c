"""The headless command line: `tui-nn train` as scripts and learners use it."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tui_nn.cli import main

GOLDEN = json.loads((Path(__file__).parent / "data" / "tutorial-golden.json").read_text())


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["train", *args, "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1, "--json prints exactly one line: one JSON object"
    report = json.loads(out)
    assert isinstance(report, dict)
    return report


def test_tutorial_101_epochs_prints_the_tutorials_numbers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = run_json(
        capsys,
        "--recipe",
        "tutorial",
        "--epochs",
        "101",
        "--predict",
        "1,0,0",
        "--predict",
        "0,1,0",
    )
    history = report["history"]
    assert isinstance(history, list)
    assert report["epochs"] == 101 and len(history) == 101
    assert history[0] == pytest.approx(1.8806216715619812, abs=1e-12)
    assert history[100] == pytest.approx(0.238178668927295, abs=1e-12)
    printed = GOLDEN["printed_error_sums_first_100_epochs"]
    assert history[:100] == pytest.approx(printed, abs=1e-12)
    after = GOLDEN["after_101_updates"]
    assert report["predictions"] == [
        [pytest.approx(after["predict_[1,0,0]"], abs=1e-12)],
        [pytest.approx(after["predict_[0,1,0]"], abs=1e-12)],
    ]
    assert report["weights"] == [[[pytest.approx(w, abs=1e-12)] for w in after["weights"]]]
    assert report["biases"] == [[pytest.approx(after["bias"], abs=1e-12)]]


def test_default_run_is_the_tutorials_30000_epochs(capsys: pytest.CaptureFixture[str]) -> None:
    report = run_json(capsys, "--predict", "1,0,0", "--predict", "0,1,0")
    after = GOLDEN["after_30000_updates"]
    assert report["epochs"] == 30000
    assert report["history"][-1] == pytest.approx(after["last_error_sum"], abs=1e-12)  # type: ignore[index]
    assert report["weights"] == [[[pytest.approx(w, abs=1e-12)] for w in after["weights"]]]
    assert report["biases"] == [[pytest.approx(after["bias"], abs=1e-12)]]
    assert report["predictions"] == [
        [pytest.approx(after["predict_[1,0,0]"], abs=1e-12)],
        [pytest.approx(after["predict_[0,1,0]"], abs=1e-12)],
    ]
    assert report["predicted_classes"] == ["0", "1"]
    assert report["train_accuracy"] == 1.0


def test_every_hyperparameter_has_an_option(capsys: pytest.CaptureFixture[str]) -> None:
    report = run_json(
        capsys,
        "--recipe", "textbook", "--hidden", "4,3", "--activation", "tanh",
        "--output-activation", "sigmoid", "--loss", "bce", "--optimizer", "adam",
        "--init", "xavier", "--lr", "0.01", "--epochs", "5", "--batch-size", "3",
        "--seed", "7", "--l2", "0.001", "--l1", "0.0001", "--dtype", "float32",
    )  # fmt: skip
    assert report["hyperparameters"] == {
        "recipe": "textbook", "hidden": [4, 3], "activation": "tanh",
        "output_activation": "sigmoid", "loss": "bce", "optimizer": "adam", "init": "xavier",
        "lr": 0.01, "epochs": 5, "batch_size": 3, "seed": 7, "l2": 0.001,
        "l1": 0.0001, "dtype": "float32",
    }  # fmt: skip
    weights = report["weights"]
    assert isinstance(weights, list)
    assert [(len(w), len(w[0])) for w in weights] == [(3, 4), (4, 3), (3, 1)]
    assert len(report["history"]) == 5  # type: ignore[arg-type]


def test_same_seed_same_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    args = ("--recipe", "textbook", "--hidden", "5", "--optimizer", "adam", "--epochs", "30",
            "--batch-size", "2", "--seed", "3")  # fmt: skip
    assert run_json(capsys, *args) == run_json(capsys, *args)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--lr", "-1"], "--lr: learning rate must be a finite number > 0, got -1"),
        (["--epochs", "0"], "--epochs: epochs must be a whole number"),
        (["--hidden", "4,x"], "--hidden: hidden layers must be comma-separated sizes"),
        (["--loss", "hinge"], "--loss: loss must be one of mse, bce, ce"),
        (["--optimizer", "adam"], "--optimizer: optimizer must be 'gd' with recipe tutorial"),
        (["--predict", "1,0"], "--predict: expected 3 finite comma-separated numbers"),
        (["--dataset", "nope"], "--dataset: unknown dataset 'nope'"),
        (["--no-such-option"], "unrecognized arguments: --no-such-option"),
        (["--lr"], "argument --lr: expected one argument"),
    ],
)
def test_bad_option_is_one_line_naming_it_with_status_2(
    capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    assert exit_status(["train", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert expected in captured.err
    assert captured.err.count("\n") == 1
    assert "Traceback" not in captured.err


def exit_status(argv: list[str]) -> int | str | None:
    """The status `tui-nn` would exit with, whether main returns it or argparse exits."""
    try:
        return main(argv)
    except SystemExit as exit_:
        return exit_.code


def test_divergence_is_reported_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(
        ["train", "--recipe", "textbook", "--output-activation", "linear", "--lr", "1e6",
         "--epochs", "1000", "--json"]
    )  # fmt: skip
    assert status == 1
    report = json.loads(capsys.readouterr().out)
    assert report["diverged"]["epoch"] > report["epochs"] == len(report["history"])
    assert "training diverged at epoch" in report["diverged"]["message"]
    flat = [w for layer in report["weights"] for row in layer for w in row]
    assert all(abs(w) < float("inf") for w in flat), "the last finite weights are kept"


def test_readable_summary_without_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--epochs", "101", "--predict", "1,0,0"]) == 0
    out = capsys.readouterr().out
    assert "epoch 1: error sum 1.88062" in out
    assert "predict 1,0,0 -> 0.46808888 (class 0)" in out


def test_console_script_and_module_run_the_same_engine() -> None:
    for command in (["tui-nn"], [sys.executable, "-m", "tui_nn"]):
        if command == ["tui-nn"]:
            script = Path(sys.executable).parent / "tui-nn"
            if not script.exists():
                continue
            command = [str(script)]
        done = subprocess.run(
            [*command, "train", "--epochs", "3", "--json"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["epochs"] == 3


EXAMPLE_CSV = Path(__file__).resolve().parents[1] / "assets" / "example.csv"


def test_csv_with_a_named_label_and_a_test_split(capsys: pytest.CaptureFixture[str]) -> None:
    report = run_json(
        capsys,
        "--dataset", str(EXAMPLE_CSV), "--label", "fruit", "--test-split", "0.2", "--normalize",
        "--hidden", "8", "--epochs", "300", "--predict", "150,7,7",
    )  # fmt: skip
    assert report["class_names"] == ["apple", "lemon", "orange"]
    assert (
        report["note"]
        == "3 classes: switched to output activation softmax, loss ce, recipe textbook"
    )
    assert len(report["test_history"]) == 300  # type: ignore[arg-type]
    assert isinstance(report["train_accuracy"], float) and isinstance(
        report["test_accuracy"], float
    )
    assert report["test_accuracy"] >= 0.8
    (probabilities,) = report["predictions"]  # type: ignore[misc]
    assert len(probabilities) == 3 and sum(probabilities) == pytest.approx(1.0)
    assert report["predicted_classes"] == ["apple"]


def test_session_saved_then_trained_on_equals_one_long_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    session = tmp_path / "tutorial.toml"
    first = run_json(capsys, "--epochs", "100", "--save-session", str(session))
    assert first["epochs"] == 100 and session.exists()
    resumed = run_json(capsys, "--session", str(session), "--epochs", "250")
    straight = run_json(capsys, "--epochs", "250")
    assert resumed["epochs"] == 250
    assert resumed["history"] == straight["history"][100:]  # type: ignore[index]
    assert resumed["weights"] == straight["weights"]
    assert resumed["biases"] == straight["biases"]


def test_an_adam_session_trained_on_equals_one_long_run_bit_for_bit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Adam's moments and step count travel in the session: without them the runs drift apart.
    options = ["--dataset", "moons", "--recipe", "textbook", "--hidden", "4", "--lr", "0.01"]
    options += ["--optimizer", "adam"]
    session = tmp_path / "adam.toml"
    run_json(capsys, *options, "--epochs", "60", "--save-session", str(session))
    resumed = run_json(capsys, "--session", str(session), "--epochs", "150")
    straight = run_json(capsys, *options, "--epochs", "150")
    assert resumed["history"] == straight["history"][60:]  # type: ignore[index]
    assert resumed["weights"] == straight["weights"]


def test_export_model_as_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    model = tmp_path / "model.json"
    report = run_json(capsys, "--epochs", "10", "--export-model", str(model))
    exported = json.loads(model.read_text())
    assert json.dumps(report["weights"]) in json.dumps(exported)


def test_built_in_dataset_with_points_and_noise(capsys: pytest.CaptureFixture[str]) -> None:
    report = run_json(
        capsys, "--dataset", "moons", "--points", "40", "--noise", "0.2", "--recipe", "textbook",
        "--hidden", "6", "--activation", "tanh", "--epochs", "20", "--test-split", "0.25",
    )  # fmt: skip
    assert report["dataset"] == "moons"
    assert len(report["test_history"]) == 20  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--dataset", "nope"], "--dataset: unknown dataset 'nope'"),
        (["--dataset", str(EXAMPLE_CSV), "--label", "colour"], "--label: "),
        (["--dataset", "xor", "--points", "-3"], "--points: points must be a whole number"),
        (["--test-split", "2"], "--test-split: test split must be a fraction from 0 to 0.9"),
        (["--session", "/no/such/session.toml"], "--session: /no/such/session.toml: no such file"),
        (["--export-model", "model.txt", "--epochs", "1"], "exported as .json or .npz"),
    ],
)
def test_bad_data_option_is_one_line_naming_it(
    capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    assert exit_status(["train", *args]) == 2
    err = capsys.readouterr().err
    assert expected in err and err.count("\n") == 1


def test_opening_a_missing_session_says_so_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert exit_status(["/no/such/session.toml"]) == 2
    err = capsys.readouterr().err
    assert err == "tui-nn: error: /no/such/session.toml: no such file\n"


class _StubApp:
    """Stands in for the workbench: records that it ran."""

    return_code = 0
    ran = False

    def run(self) -> None:
        _StubApp.ran = True


@pytest.mark.parametrize(("preset", "expected"), [(None, "25"), ("120", "120")])
def test_the_app_waits_25_ms_after_esc_unless_escdelay_says_otherwise(
    monkeypatch: pytest.MonkeyPatch, preset: str | None, expected: str
) -> None:
    """Esc closes a dialog 25 ms after the key, not Textual's 100; a user's ESCDELAY wins."""
    import os

    import tui_nn.cli as cli
    import tui_nn.ui.app as app_module

    if preset is None:
        monkeypatch.delenv("ESCDELAY", raising=False)
    else:
        monkeypatch.setenv("ESCDELAY", preset)
    monkeypatch.setattr(app_module, "make_app", lambda **_: _StubApp())

    def exit_instead(code: int) -> None:
        raise SystemExit(code)

    monkeypatch.setattr(cli.os, "_exit", exit_instead)
    _StubApp.ran = False
    try:
        with pytest.raises(SystemExit):
            cli.main([])
    finally:
        gc.enable()  # the launcher holds the collector off until the (stub) app's first frame
    assert _StubApp.ran
    assert os.environ["ESCDELAY"] == expected
