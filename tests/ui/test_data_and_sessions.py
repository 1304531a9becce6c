"""Data you own, in the workbench: edit, undo, split, import, save, reopen, export, quit safely."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from textual.widgets import Input

from tui_nn.core.csv_io import load_csv
from tui_nn.core.dataset import TUTORIAL_DATASET
from tui_nn.core.model_io import load_model
from tui_nn.core.session import load_session
from tui_nn.ui.app import TuiNNApp, make_app
from tui_nn.ui.cell_editor import CellEditor
from tui_nn.ui.confirm_unsaved import ConfirmUnsaved
from tui_nn.ui.dataset_picker import DatasetPicker
from tui_nn.ui.path_dialog import PathDialog

from .pilot import exited, files_done, quiet, run_action, type_path

EXAMPLE = Path(__file__).resolve().parents[2] / "assets" / "example.csv"
STALE = "the model is stale until Train or Reset"


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Dialogs start in the working directory: make it a fresh one."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


async def test_edit_a_cell_then_undo_and_redo_it(app: TuiNNApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        grid = app.grid
        grid.focus()
        await pilot.press("down", "down", "right")  # row 3, x2
        await pilot.press("enter")
        assert isinstance(app.screen, CellEditor)
        await pilot.press("x", "enter")
        await pilot.pause()
        assert "row 3, x2: 'x' is not a number" in app.screen.error  # type: ignore[attr-defined]
        await pilot.press("backspace", "0", ".", "5", "enter")
        await pilot.pause()
        assert grid.table.value(2, 1) == 0.5
        assert grid.get_cell("2", "feature:1") == "0.5"
        assert STALE in app.status_bar.text
        assert app.has_unsaved_changes

        await pilot.press("ctrl+z")
        await pilot.pause()
        assert grid.table.value(2, 1) == 0.0 and grid.get_cell("2", "feature:1") == "0"
        assert STALE not in app.status_bar.text  # back to the data the model knows
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert grid.table.value(2, 1) == 0.5

        await pilot.press("left", "space")  # row 3, x1: 1 -> 0
        await pilot.pause()
        assert grid.table.value(2, 0) == 0.0
        await pilot.press("a")  # a row below row 3
        await pilot.pause()
        assert grid.row_count == 8 and grid.table.row_values(3) == (0.0, 0.0, 0.0)
        await pilot.press("delete")
        await pilot.pause()
        assert grid.row_count == 7
        for _ in range(4):
            await pilot.press("ctrl+z")
        await pilot.pause()
        assert grid.table.state() == type(grid.table).from_dataset(TUTORIAL_DATASET).state()

        # Training takes the edited data: Train starts afresh and the warning goes.
        await pilot.press("ctrl+y")
        app.form.set_value("epochs", "50")
        await run_action(app, "train")
        await pilot.pause()
        assert STALE not in app.status_bar.text
        assert app.trainer.train.features[2, 1] == 0.5


async def test_columns_and_labels_are_edited_from_the_grid(app: TuiNNApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        grid = app.grid
        grid.focus()
        await pilot.press("right", "right", "c")  # a column after x3
        await pilot.pause()
        assert grid.table.feature_names == ("x1", "x2", "x3", "x4")
        await pilot.press("r", *"bias", "enter")  # the old name is selected: typing replaces it
        await pilot.pause()
        assert grid.table.feature_names[3] == "bias"
        assert grid.column_titles[3] == "bias"
        await pilot.press("right", "enter", *"cat", "enter")  # a label naming a new class
        await pilot.pause()
        assert grid.table.label(0) == "cat" and grid.to_dataset().n_classes == 3
        await pilot.press("left", "x")
        await pilot.pause()
        assert grid.table.feature_names == ("x1", "x2", "x3")
        # The model has 3 inputs again, but the data changed: still stale.
        assert STALE in app.status_bar.text


async def test_a_failed_csv_load_leaves_the_data_as_it_was(app: TuiNNApp, in_tmp: Path) -> None:
    (in_tmp / "bad.csv").write_text("a,b,label\n1,2,0\n3,oops,1\n")
    async with app.run_test(size=(100, 30)) as pilot:
        before = app.grid.table.state()
        await pilot.press("f3")
        await pilot.pause()
        await type_path(pilot, app, "bad.csv")
        dialog = app.screen
        assert isinstance(dialog, PathDialog)
        assert "row 3, column 2 (b): 'oops' is not a number" in dialog.error
        await type_path(pilot, app, "missing.csv")
        assert "missing.csv: no such file" in dialog.error
        await pilot.press("escape")
        await pilot.pause()
        assert app.grid.table.state() == before
        assert app.grid.table.name == "tutorial"
        assert not app.has_unsaved_changes


async def test_import_a_csv_with_a_text_label_and_a_test_split(app: TuiNNApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        app.form.set_value("test_split", "20")
        await pilot.press("f3")
        await pilot.pause()
        # The app was changed (the split field): it asks first.
        assert isinstance(app.screen, ConfirmUnsaved)
        await pilot.press("d")
        await pilot.pause()
        await type_path(pilot, app, str(EXAMPLE))
        assert not isinstance(app.screen, PathDialog)
        dataset = app.grid.to_dataset()
        assert dataset.label_name == "fruit" and dataset.n_classes == 3
        hyperparams = app.form.to_hyperparams()
        assert (hyperparams.output_activation, hyperparams.loss) == ("softmax", "ce")
        assert sum(mark.endswith("T") for mark in app.grid.row_marks()) == 6  # 20% of 30
        app.form.set_value("normalize", "yes")
        app.form.set_value("epochs", "300")
        app.form.set_value("lr", "0.1")
        await run_action(app, "train")
        await pilot.pause()
        snapshot = app.chart.loss_chart.snapshot
        assert snapshot is not None and "test_loss" in snapshot.series
        assert "test loss" in app.chart.loss_chart.title
        assert "acc train" in app.status_bar.text and "test" in app.status_bar.text
        assert app.trainer.test is not None and app.trainer.test.n_rows == 6


async def test_split_marks_test_rows_and_draws_the_test_loss(app: TuiNNApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        app.form.set_value("test_split", "30")
        await pilot.pause()
        marks = app.grid.row_marks()
        assert sum(mark.endswith("T") for mark in marks) == 2  # 30% of 7 rows
        assert STALE in app.status_bar.text  # the split changed what the model trains on
        app.form.set_value("epochs", "200")
        await run_action(app, "train")
        await pilot.pause()
        assert app.grid.row_marks() == marks
        snapshot = app.chart.loss_chart.snapshot
        assert snapshot is not None and len(snapshot.series["test_loss"]) == len(snapshot.epochs)
        assert "· acc train " in app.status_bar.text and "% test " in app.status_bar.text
        assert app.trainer.train.n_rows == 5


@pytest.mark.parametrize("answer", ["cancel", "discard", "save"])
async def test_quitting_with_unsaved_changes_asks_first(
    app: TuiNNApp, in_tmp: Path, answer: str
) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        app.grid.focus()
        await pilot.press("space")  # row 1, x1: 0 -> 1
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmUnsaved)
        await pilot.press({"cancel": "escape", "discard": "d", "save": "s"}[answer])
        await pilot.pause()
        if answer == "cancel":
            assert not exited(app) and app.grid.table.value(0, 0) == 1.0
            return
        if answer == "save":
            assert not exited(app)  # where to? The session has no file yet
            await type_path(pilot, app, "mine")
        assert exited(app)
    if answer == "save":
        saved = load_session(in_tmp / "mine.toml")
        assert saved.dataset.features[0, 0] == 1.0


async def test_quitting_with_nothing_changed_does_not_ask(app: TuiNNApp) -> None:
    async with app.run_test() as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert exited(app)


async def test_save_then_open_again_gives_the_same_workbench(app: TuiNNApp, in_tmp: Path) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        app.grid.focus()
        await pilot.press("down", "space")  # row 2, x1: 0 -> 1
        app.form.set_value("epochs", "500")
        await run_action(app, "train")
        await pilot.press("ctrl+s")
        await files_done(pilot)
        await type_path(pilot, app, "work")
        assert not app.has_unsaved_changes
        weights = app.trainer.network.params.copy()
        status = app.status_bar.text
        # Saving again goes to the same file without asking.
        app.form.set_value("lr", "0.1")
        await pilot.press("ctrl+s")
        await files_done(pilot)
        assert not isinstance(app.screen, PathDialog) and not app.has_unsaved_changes
    path = in_tmp / "work.toml"
    assert load_session(path).hyperparams.lr == 0.1

    again = quiet(make_app(session=load_session(path), session_path=path))
    async with again.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert again.grid.table.value(1, 0) == 1.0
        assert again.trainer.epoch == 500 and again.phase == "finished"
        assert again.trainer.network.params.tobytes() == weights.tobytes()
        assert again.status_bar.text.splitlines()[0] == status.splitlines()[0]
        snapshot = again.chart.loss_chart.snapshot
        assert snapshot is not None and snapshot.latest_epoch == 500
        assert not again.has_unsaved_changes
        # Open it from inside the app too, after switching to another dataset.
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(again.screen, DatasetPicker)
        await pilot.press("down", "down", "down", "enter")  # xor
        await pilot.pause()
        assert again.grid.table.name == "xor"
        await pilot.press("ctrl+o")
        await pilot.pause()
        await type_path(pilot, again, "work.toml")
        assert again.grid.table.value(1, 0) == 1.0 and again.trainer.epoch == 500
        # Training on from the reopened session continues from epoch 500.
        again.form.set_value("epochs", "600")
        await run_action(again, "train")
        assert again.trainer.epoch == 600


async def test_export_the_trained_model(app: TuiNNApp, in_tmp: Path) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        app.form.set_value("epochs", "100")
        await run_action(app, "train")
        await pilot.press("f4")
        await pilot.pause()
        await type_path(pilot, app, "model")
        await pilot.press("f4")
        await pilot.pause()
        await type_path(pilot, app, "model.npz")
        weights = app.trainer.network.params
    for name in ("model.json", "model.npz"):
        network, classes = load_model(in_tmp / name)
        assert classes == ("0", "1")
        assert np.array_equal(network.params, weights)


async def test_a_stale_model_is_not_exported(app: TuiNNApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        app.grid.focus()
        await pilot.press("space", "f4")
        await pilot.pause()
        assert not isinstance(app.screen, PathDialog)


async def test_export_the_edited_data_as_csv(app: TuiNNApp, in_tmp: Path) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        app.grid.focus()
        await pilot.press("right", "right", "right", "enter", *"cat", "enter")  # row 1: new class
        await pilot.pause()
        await app.run_action("export_csv")
        await pilot.pause()
        await type_path(pilot, app, "mine")
        edited = app.grid.to_dataset()
    loaded = load_csv(in_tmp / "mine.csv")
    assert loaded.features.tobytes() == edited.features.tobytes()
    assert [loaded.class_names[k] for k in loaded.labels] == [
        edited.class_names[k] for k in edited.labels
    ]


async def test_dialogs_start_in_the_session_folder(in_tmp: Path) -> None:
    (in_tmp / "sub").mkdir()
    for path, folder in ((Path("work.toml"), ""), (Path("sub/work.toml"), "sub/")):
        app = quiet(make_app(session_path=path))
        async with app.run_test() as pilot:
            await pilot.press("f3")
            await pilot.pause()
            assert isinstance(app.screen, PathDialog)
            assert app.screen.query_one("#path", Input).value == folder
