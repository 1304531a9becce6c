"""`tui-nn train --export-script/--export-torch/--export-onnx`: checked first, written after."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tui_nn.cli import main

EPOCH_WITH_TEST = re.compile(r"^epoch (\d+): bce (\S+), test bce (\S+)$")


def _train_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["train", *args, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert isinstance(report, dict)
    return report


def _run(script: Path) -> list[str]:
    completed = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True, timeout=300
    )
    return completed.stdout.splitlines()


def test_exported_script_prints_what_train_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "run.py"
    report = _train_json(
        capsys,
        "--dataset",
        "moons",
        "--points",
        "80",
        "--recipe",
        "textbook",
        "--hidden",
        "6",
        "--activation",
        "tanh",
        "--loss",
        "bce",
        "--optimizer",
        "adam",
        "--lr",
        "0.02",
        "--batch-size",
        "10",
        "--l2",
        "0.001",
        "--epochs",
        "30",
        "--normalize",
        "--test-split",
        "0.25",
        "--predict",
        "0.5,0.25",
        "--export-script",
        str(script),
    )
    assert report["exported"] == [str(script)]
    lines = _run(script)
    epochs = [EPOCH_WITH_TEST.match(line) for line in lines if line.startswith("epoch ")]
    assert [float(m[2]) for m in epochs if m] == report["history"]
    assert [float(m[3]) for m in epochs if m] == report["test_history"]
    predictions = report["predictions"]
    classes = report["predicted_classes"]
    assert isinstance(predictions, list) and isinstance(classes, list)
    assert f"predict [0.5, 0.25]: {predictions[0]} -> {classes[0]}" in lines


def test_every_export_at_once_from_the_tutorial(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = {
        "--export-script": tmp_path / "run.py",
        "--export-torch": tmp_path / "model.py",
        "--export-onnx": tmp_path / "model.onnx",
    }
    if importlib.util.find_spec("onnx") is None:
        del paths["--export-onnx"]
    args = [word for option, path in paths.items() for word in (option, str(path))]
    report = _train_json(capsys, "--epochs", "200", *args)
    expected = [str(paths["--export-script"]), str(tmp_path / "model_weights.npz")]
    expected.append(str(paths["--export-torch"]))
    if "--export-onnx" in paths:
        expected.append(str(paths["--export-onnx"]))
    assert report["exported"] == expected
    for path in expected:
        assert Path(path).stat().st_size > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--export-script", "run.txt"], "--export-script: the file must end in .py"),
        (["--export-onnx", "model.py"], "--export-onnx: "),
        (["--export-script", "missing/run.py"], "run.py: cannot save there"),
        (["--export-script", "same.py", "--export-torch", "same.py"], "both --export-script"),
        (
            ["--export-torch", "m.py", "--export-model", "m_weights.npz"],
            "both --export-model and --export-torch would write",
        ),
        (["--export-script", "."], "the file must end in .py"),
    ],
)
def test_bad_export_paths_are_refused_before_training(
    args: list[str],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    # A million epochs would take minutes: the refusal must come before any of them.
    code = main(["train", "--epochs", "1000000", "--save-session", "s.toml", *args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "s.toml").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_an_export_never_writes_over_the_data_it_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    rows = "\n".join(f"{i % 7},{i % 3},{i % 2}" for i in range(1200))
    data = tmp_path / "run_data.csv"
    data.write_text("a,b,label\n" + rows + "\n", encoding="utf-8")
    before = data.read_bytes()
    code = main(["train", "--dataset", "run_data.csv", "--export-script", "run.py"])
    assert code == 2
    assert "the file --dataset reads" in capsys.readouterr().err
    assert data.read_bytes() == before


def test_a_session_trained_on_exports_a_script_that_carries_on_exactly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    session = tmp_path / "s.toml"
    settings = ["--dataset", "xor", "--points", "24", "--recipe", "textbook", "--hidden", "3"]
    settings += ["--optimizer", "adam", "--lr", "0.05", "--batch-size", "5", "--loss", "bce"]
    _train_json(capsys, *settings, "--epochs", "10", "--save-session", str(session))
    script = tmp_path / "on.py"
    report = _train_json(
        capsys, "--session", str(session), "--epochs", "20", "--export-script", str(script)
    )
    lines = _run(script)
    epochs = [line for line in lines if line.startswith("epoch ")]
    assert epochs[0].startswith("epoch 11: ")
    assert [float(line.rsplit(" ", 1)[1]) for line in epochs] == report["history"]
