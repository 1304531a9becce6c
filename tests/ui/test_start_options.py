"""`tui-nn [SESSION.toml] [train options]` opens the workbench set up as the options say."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui_nn.cli import app_start, main
from tui_nn.ui.app import make_app
from tui_nn.ui.dataset_grid import DatasetGrid
from tui_nn.ui.hyperparams_form import HyperparamsForm

from .pilot import quiet


async def test_train_options_preset_the_workbench() -> None:
    start = app_start(
        ["--dataset", "spiral", "--points", "60", "--hidden", "8,8", "--recipe", "textbook",
         "--epochs", "100000", "--test-split", "0.2", "--normalize", "--lr", "0.1"]
    )  # fmt: skip
    assert start.session is not None and start.session_path is None
    app = quiet(make_app(session=start.session))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        texts = app.query_one(HyperparamsForm).texts()
        assert (texts["recipe"], texts["hidden"], texts["epochs"], texts["lr"]) == (
            "textbook", "8,8", "100000", "0.1",
        )  # fmt: skip
        assert app.query_one(HyperparamsForm).data_texts() == {
            "test_split": "20",
            "normalize": "yes",
        }
        dataset = app.query_one(DatasetGrid).to_dataset()
        assert (dataset.name, dataset.n_rows) == ("spiral", 60)


def test_a_session_with_options_over_it(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    assert main(["train", "--epochs", "5", "--save-session", str(path)]) == 0
    start = app_start([str(path), "--lr", "0.2"])
    assert start.session is not None and start.session_path == path
    assert start.session.hyperparams.lr == 0.2 and start.session.epoch == 5


def test_no_options_open_the_tutorial() -> None:
    assert app_start([]) == app_start([])
    assert app_start([]).session is None


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--hidden", "4,,4"], "tui-nn: error: --hidden: hidden layers must be"),
        (["--dataset", "nope"], "tui-nn: error: --dataset: unknown dataset 'nope'"),
        (["--lr", "-1"], "tui-nn: error: --lr: learning rate must be a finite number > 0"),
        (["--bogus"], "tui-nn: error: unrecognized arguments: --bogus"),
    ],
)
def test_bad_app_options_exit_2_in_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    try:
        status = main(argv)
    except SystemExit as exit_:
        status = exit_.code  # type: ignore[assignment]
    assert status == 2
    err = capsys.readouterr().err
    assert err.startswith(expected) and err.count("\n") == 1
