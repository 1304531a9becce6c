"""`tui-nn train --json`: strict RFC 8259 JSON, typed values, checked against the shipped schema."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_nn.cli import main
from tui_nn.core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from tui_nn.core.initializers import INITIALIZERS
from tui_nn.core.losses import LOSSES
from tui_nn.core.optimizers import OPTIMIZERS

SCHEMA = json.loads(
    resources.files("tui_nn").joinpath("schemas", "train-output.schema.json").read_text()
)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def strict_json(text: str) -> Any:
    """Parse as a strict parser (JSON.parse) would: NaN and Infinity are not JSON."""

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not RFC 8259 JSON")

    return json.loads(text, parse_constant=refuse)


def run(capsys: pytest.CaptureFixture[str], *args: str, status: int = 0) -> dict[str, Any]:
    assert main(["train", *args, "--json"]) == status
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    report = strict_json(out)
    VALIDATOR.validate(report)
    assert isinstance(report, dict)
    return report


def test_the_schema_is_itself_valid_and_lists_every_choice() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    fields = SCHEMA["properties"]["hyperparameters"]["properties"]
    assert fields["activation"]["enum"] == list(HIDDEN_ACTIVATIONS)
    assert fields["output_activation"]["enum"] == list(ACTIVATIONS)
    assert fields["loss"]["enum"] == list(LOSSES)
    assert fields["optimizer"]["enum"] == list(OPTIMIZERS)
    assert fields["init"]["enum"] == list(INITIALIZERS)


def test_values_are_typed_and_data_settings_included(capsys: pytest.CaptureFixture[str]) -> None:
    report = run(
        capsys, "--dataset", "moons", "--points", "40", "--noise", "0.2", "--data-seed", "3",
        "--test-split", "0.25", "--normalize", "--recipe", "textbook", "--hidden", "",
        "--epochs", "3", "--lr", "0.5",
    )  # fmt: skip
    assert report["hyperparameters"]["hidden"] == []
    assert report["hyperparameters"]["lr"] == 0.5
    assert report["hyperparameters"]["epochs"] == 3
    assert report["data"] == {
        "dataset": "moons", "source": "builtin", "label": None, "points": 40, "noise": 0.2,
        "data_seed": 3, "test_split": 0.25, "normalize": True, "rows": 40, "train_rows": 30,
        "test_rows": 10, "feature_names": ["x1", "x2"],
    }  # fmt: skip
    assert report["non_finite"] == []
    assert len(report["test_history"]) == 3


def test_non_finite_values_become_null_with_a_note(capsys: pytest.CaptureFixture[str]) -> None:
    """A diverging run: its last loss is infinite; strict parsers must still read the output."""
    report = run(
        capsys, "--recipe", "textbook", "--output-activation", "linear", "--lr", "1e6",
        "--epochs", "50",
        status=1,
    )  # fmt: skip
    assert report["diverged"] is not None
    assert report["diverged"]["value"] is None
    assert report["non_finite"] == ["diverged.value was Infinity"]
    assert all(" was " in note for note in report["non_finite"])
    assert report["non_finite"], "the non-finite value is named"


def test_history_every_k_keeps_every_kth_epoch(capsys: pytest.CaptureFixture[str]) -> None:
    full = run(capsys, "--epochs", "101")
    sparse = run(capsys, "--epochs", "101", "--history-every", "10")
    assert sparse["history_every"] == 10
    assert sparse["history"] == full["history"][::10]
    assert sparse["final"] == full["final"] and sparse["final"]["epoch"] == 101


@settings(max_examples=15, deadline=None)
@given(
    epochs=st.integers(1, 40),
    every=st.integers(1, 50),
    hidden=st.lists(st.integers(1, 4), max_size=2),
    split=st.sampled_from(["0", "0.3"]),
)
def test_every_run_matches_the_schema(
    epochs: int, every: int, hidden: list[int], split: str
) -> None:
    from contextlib import redirect_stdout
    from io import StringIO

    out = StringIO()
    with redirect_stdout(out):
        status = main(
            ["train", "--json", "--dataset", "xor", "--recipe", "textbook", "--epochs",
             str(epochs), "--history-every", str(every), "--hidden", ",".join(map(str, hidden)),
             "--test-split", split, "--predict", "0,1"]
        )  # fmt: skip
    assert status == 0
    report = strict_json(out.getvalue())
    VALIDATOR.validate(report)
    assert len(report["history"]) == (epochs - 1) // every + 1


def test_history_every_needs_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--history-every", "5"]) == 2
    assert "--history-every: applies to the --json output" in capsys.readouterr().err


def test_a_session_run_reports_its_source(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    session = tmp_path / "s.toml"
    assert main(["train", "--epochs", "5", "--save-session", str(session)]) == 0
    capsys.readouterr()
    report = run(capsys, "--session", str(session), "--epochs", "8")
    assert report["data"]["source"] == "session"
    assert (report["start_epoch"], report["epochs"], len(report["history"])) == (5, 8, 3)
