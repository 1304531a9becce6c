"""The recipes table: what each recipe records, reports and shows, read by everything else."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tui_nn.cli import main
from tui_nn.core.history import DownsampledHistory
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.recipes import RECIPES, record
from tui_nn.core.session import Session, load_session
from tui_nn.core.training import EpochResult

TEXTBOOK = Hyperparams(recipe="textbook", loss="bce", hidden=(3,), activation="tanh")


def test_the_tutorial_reports_its_error_sum_beside_the_mse() -> None:
    tutorial = RECIPES["tutorial"]
    assert tutorial.series_labels("mse") == {
        "reported": "error sum",
        "loss": "mse",
        "test_loss": "test loss",
    }
    assert (tutorial.reported("mse"), tutorial.loss_name("mse"), tutorial.loss_label) == (
        "error sum",
        "mse",
        "mse",
    )


def test_the_textbook_recipe_reports_its_loss_alone() -> None:
    textbook = RECIPES["textbook"]
    assert textbook.series_labels("bce") == {"loss": "bce loss", "test_loss": "bce test loss"}
    assert (textbook.reported("bce"), textbook.loss_name("bce"), textbook.loss_label) == (
        "bce",
        "bce",
        "loss",
    )


@pytest.mark.parametrize("name", list(RECIPES))
@pytest.mark.parametrize("test_loss", [None, 0.5])
def test_record_writes_exactly_the_recipes_series(name: str, test_loss: float | None) -> None:
    history = DownsampledHistory()
    record(history, RECIPES[name], EpochResult(1, -0.25, 0.125, test_loss))
    expected = set(RECIPES[name].series_names)
    if test_loss is None:
        expected.discard("test_loss")
    assert set(history.snapshot().series) == expected


def test_the_tutorial_recipe_fixes_its_settings_by_its_row() -> None:
    for field, value in RECIPES["tutorial"].fixed.items():
        assert getattr(Hyperparams(), field) == value


def test_a_session_keeps_only_the_series_its_recipe_records() -> None:
    """An older file with a "reported" series for a textbook run opens without an extra line."""
    session = Session(
        hyperparams=TEXTBOOK,
        history_epochs=(1, 2),
        history={"reported": (0.5, 0.4), "loss": (0.5, 0.4), "test_loss": (0.6, 0.5)},
    )
    assert set(session.history) == {"loss", "test_loss"}


def test_a_textbook_session_saved_by_the_cli_has_no_reported_series(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Regression: the CLI recorded "reported" for every recipe; the app then drew it."""
    path = tmp_path / "s.toml"
    argv = ["train", "--dataset", "xor", "--recipe", "textbook", "--loss", "bce"]
    argv += ["--hidden", "3", "--activation", "tanh", "--epochs", "20", "--test-split", "0.25"]
    assert main([*argv, "--save-session", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["reported"], report["loss_name"]) == ("bce", "bce")
    assert "reported" not in path.read_text()
    session = load_session(path)
    assert set(session.history) == {"loss", "test_loss"}
    assert session.history["loss"][-1] == pytest.approx(report["loss_history"][-1])


def test_no_module_but_the_table_compares_recipe_names() -> None:
    """Everything asks the recipe's row; a name compared elsewhere would drift from it."""
    package = Path(__file__).resolve().parents[2] / "tui_nn"
    compared = re.compile(r"""recipe\s*[!=]=\s*["']|["']\s*[!=]=\s*\w*recipe\b""")
    found = [
        f"{path.relative_to(package)}:{number}"
        for path in sorted(package.rglob("*.py"))
        if path.name != "recipes.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if compared.search(line)
    ]
    assert found == []
