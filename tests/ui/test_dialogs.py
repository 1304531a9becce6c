"""The dialogs of "data you own", each in a tiny host app: keys in, answer out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.screen import Screen
from textual.widgets import Input, OptionList, Select

from tui_nn.core.csv_io import load_csv
from tui_nn.core.dataset import Dataset
from tui_nn.core.datasets import make_dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.ui.cell_editor import CellEditor
from tui_nn.ui.confirm_unsaved import ConfirmUnsaved
from tui_nn.ui.dataset_picker import DatasetPicker, describe_defaults
from tui_nn.ui.path_dialog import PathChoice, PathDialog, complete_path, read_header

from .pilot import files_done

EXAMPLE = Path(__file__).resolve().parents[2] / "assets" / "example.csv"


class Host(App[None]):
    """Pushes one screen and records what it was dismissed with."""

    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        self.dialog = screen
        self.results: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self.results.append)


# Unsaved changes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "answer"),
    [
        (["s"], "save"),
        (["d"], "discard"),
        (["escape"], "cancel"),
        (["enter"], "save"),  # Save has focus: Enter alone never loses work
        (["right", "enter"], "discard"),
        (["right", "right", "enter"], "cancel"),
        (["left", "enter"], "cancel"),
    ],
)
async def test_unsaved_changes_answers_by_key(keys: list[str], answer: str) -> None:
    host = Host(ConfirmUnsaved("quitting", "the data was edited"))
    async with host.run_test() as pilot:
        await pilot.pause()
        assert "Save the session before quitting?" in str(
            host.screen.query_one("#unsaved-question").render()
        )
        await pilot.press(*keys)
        await pilot.pause()
    assert host.results == [answer]


# Path completion and the dialog ----------------------------------------------------------------


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "fruit.csv").write_text("a,b,fruit\n1,2,apple\n3,4,pear\n")
    (tmp_path / "data" / "flowers.csv").write_text("x\n")
    (tmp_path / "data" / "notes.txt").write_text("x\n")
    (tmp_path / "data" / ".hidden.csv").write_text("x\n")
    return tmp_path


def test_completion_extends_to_what_every_match_shares(files: Path) -> None:
    assert complete_path("da", files) == ("data/", ["data/"])
    assert complete_path("data/f", files, (".csv",)) == ("data/f", ["flowers.csv", "fruit.csv"])
    assert complete_path("data/fr", files, (".csv",)) == ("data/fruit.csv", ["fruit.csv"])
    assert complete_path("data/", files, (".csv",))[1] == ["flowers.csv", "fruit.csv"]
    assert complete_path("data/", files)[1] == ["flowers.csv", "fruit.csv", "notes.txt"]
    assert complete_path("data/.", files)[1] == [".hidden.csv"]
    assert complete_path(f"{files}/data/n", Path("/nonexistent")) == (
        f"{files}/data/notes.txt",
        ["notes.txt"],
    )
    assert complete_path("missing/x", files) == ("missing/x", [])


def test_read_header_gives_the_columns_or_nothing(files: Path) -> None:
    assert read_header(files / "data" / "fruit.csv") == ["a", "b", "fruit"]
    assert read_header(files / "nope.csv") == []


async def test_tab_completes_and_a_failed_open_keeps_the_dialog(files: Path) -> None:
    opened: list[PathChoice] = []

    def open_csv(choice: PathChoice) -> Dataset:
        dataset = load_csv(choice.path, label=choice.label)
        opened.append(choice)
        return dataset

    dialog: PathDialog[Dataset] = PathDialog(
        "Import CSV", open_csv, directory=files, suffixes=(".csv",), label_choice=True
    )
    host = Host(dialog)
    async with host.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press(*"data/f", "tab")
        await pilot.pause()
        field = dialog.query_one("#path", Input)
        assert field.value == "data/f"
        assert "flowers.csv  fruit.csv" in str(dialog.query_one("#path-matches").render())
        await pilot.press("l", "tab")  # data/fl -> data/flowers.csv
        await pilot.pause()
        assert field.value == "data/flowers.csv"
        await pilot.press("enter")  # one column: no feature columns, an error
        await files_done(pilot)
        assert "flowers.csv: the file has a header row (x) but no data rows" in dialog.error
        assert host.screen is dialog and host.results == []
        field.value = "data/fruit.csv"
        await pilot.pause()
        assert dialog.error == ""
        select = dialog.query_one("#path-label", Select)
        overlay = select.query_one(OptionList)  # the list the Select drops down
        offered = [overlay.get_option_at_index(i).prompt for i in range(overlay.option_count)]
        assert [str(prompt) for prompt in offered[1:]] == ["a", "b", "fruit"]
        select.value = "fruit"
        await pilot.press("enter")  # focus is still on the path field
        await files_done(pilot)
    assert opened == [PathChoice(files / "data" / "fruit.csv", "fruit")]
    assert len(host.results) == 1 and host.results[0].class_names == ("apple", "pear")


async def test_saving_over_a_file_needs_a_second_enter_and_adds_the_suffix(files: Path) -> None:
    saved: list[Path] = []

    def save(choice: PathChoice) -> Path:
        choice.path.write_text("new")
        saved.append(choice.path)
        return choice.path

    (files / "old.toml").write_text("old")
    dialog: PathDialog[Path] = PathDialog(
        "Save session", save, directory=files, saving=True, default_suffix=".toml"
    )
    host = Host(dialog)
    async with host.run_test() as pilot:
        await pilot.press(*"old", "enter")
        await pilot.pause()
        assert "old.toml exists: Enter again replaces it" in dialog.error
        assert (files / "old.toml").read_text() == "old"
        await pilot.press("enter")
        await files_done(pilot)
    assert saved == [files / "old.toml"]
    assert host.results == [files / "old.toml"]


async def test_escape_cancels_the_path_dialog(files: Path) -> None:
    def refuse(choice: PathChoice) -> None:
        raise TuiNNError("must not be called")

    host = Host(PathDialog("Open session", refuse, directory=files))
    async with host.run_test() as pilot:
        await pilot.press(*"abc", "escape")
        await pilot.pause()
    assert host.results == [None]


# Cell editor -------------------------------------------------------------------------------------


async def test_cell_editor_shows_the_rule_and_stays_until_the_value_is_right() -> None:
    def parse(text: str) -> float:
        try:
            return float(text)
        except ValueError:
            raise TuiNNError(f"row 1, x1: {text!r} is not a number") from None

    editor: CellEditor[float] = CellEditor("row 1, x1", "0", parse, hint="a number")
    host = Host(editor)
    async with host.run_test() as pilot:
        await pilot.pause()
        await pilot.press("a", "b", "enter")  # typing replaces the selected "0"
        await pilot.pause()
        assert editor.error == "row 1, x1: 'ab' is not a number"
        await pilot.press("backspace", "backspace", "2", ".", "5", "enter")
        await pilot.pause()
    assert host.results == [2.5]


async def test_cell_editor_escape_changes_nothing() -> None:
    host = Host(CellEditor("row 1, x1", "0", float))
    async with host.run_test() as pilot:
        await pilot.press("9", "escape")
        await pilot.pause()
    assert host.results == [None]


# Dataset picker ----------------------------------------------------------------------------------


def test_each_dataset_states_its_defaults() -> None:
    assert "Default points 200 · noise 0.05" in describe_defaults("circle")
    assert "3 classes" in describe_defaults("spiral3")
    assert "Fixed rows" in describe_defaults("tutorial")


async def test_picker_makes_the_chosen_dataset_with_typed_points_and_noise() -> None:
    picker = DatasetPicker("tutorial", seed=3)
    host = Host(picker)
    async with host.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("down", "down", "down", "down")  # tutorial, and, or, xor, circle
        assert picker.chosen == "circle"
        assert "a disc (class 1) inside a ring" in str(picker.query_one("#picker-about").render())
        picker.query_one("#picker-points", Input).value = "3"
        picker.query_one("#picker-noise", Input).value = "0.2"
        await pilot.press("enter")
        await files_done(pilot)
        assert "points must be a whole number from 4 to 100000, got 3" in picker.error
        assert host.results == []
        picker.query_one("#picker-points", Input).value = "50"
        await pilot.press("enter")
        await files_done(pilot)
    (dataset,) = host.results
    assert dataset.name == "circle" and dataset.n_rows == 50
    expected = make_dataset("circle", 50, 0.2, 3)
    assert dataset.features.tobytes() == expected.features.tobytes()


async def test_picker_escape_keeps_the_data() -> None:
    host = Host(DatasetPicker("xor"))
    async with host.run_test(size=(100, 30)) as pilot:
        await pilot.press("escape")
        await pilot.pause()
    assert host.results == [None]
