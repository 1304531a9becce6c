"""Editing a dataset: every edit checked, undone and redone exactly."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_nn.core.dataset import TUTORIAL_DATASET
from tui_nn.core.datasets import make_dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.table_edits import EditableTable, format_value


def tutorial() -> EditableTable:
    return EditableTable.from_dataset(TUTORIAL_DATASET)


def test_an_unedited_table_gives_back_the_same_dataset() -> None:
    for dataset in (TUTORIAL_DATASET, make_dataset("blobs3", points=30)):
        again = EditableTable.from_dataset(dataset).to_dataset()
        assert again.features.tobytes() == dataset.features.tobytes()
        assert again.labels.tolist() == dataset.labels.tolist()
        assert again.feature_names == dataset.feature_names
        assert again.class_names == dataset.class_names
        assert (again.label_name, again.name) == (dataset.label_name, dataset.name)


def test_set_cell_reads_text_and_undo_redo_restore_it() -> None:
    table = tutorial()
    assert not table.dirty and not table.can_undo
    edit = table.set_cell(2, 1, " 0.25 ")
    assert edit.description == "set row 3, x2 to 0.25"
    assert table.value(2, 1) == 0.25
    assert table.dirty and table.can_undo and not table.can_redo
    assert table.to_dataset().features[2, 1] == 0.25
    table.undo()
    assert table.value(2, 1) == 0.0
    assert not table.dirty and table.can_redo
    table.redo()
    assert table.value(2, 1) == 0.25


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "row 2, x3: 'abc' is not a number"),
        ("", "row 2, x3: an empty value is not a number"),
        ("nan", "row 2, x3: 'nan' is not a finite number"),
        (float("inf"), "row 2, x3: inf is not a finite number"),
    ],
)
def test_a_bad_value_names_row_and_column_and_changes_nothing(value: Any, message: str) -> None:
    table = tutorial()
    before = table.state()
    with pytest.raises(TuiNNError, match=message):
        table.set_cell(1, 2, value)
    assert table.state() == before
    assert not table.can_undo and not table.dirty


def test_toggle_flips_0_and_1_and_refuses_other_values() -> None:
    table = tutorial()
    table.toggle_cell(0, 0)
    assert table.value(0, 0) == 1.0
    table.set_cell(0, 0, 0.5)
    with pytest.raises(TuiNNError, match=r"row 1, x1: only a 0 or 1 toggles, this is 0\.5"):
        table.toggle_cell(0, 0)
    table.toggle_label(0)
    assert table.label(0) == "0"


def test_rows_add_and_delete_but_one_must_remain() -> None:
    table = tutorial()
    table.add_row()
    assert table.n_rows == 8 and table.row_values(7) == (0.0, 0.0, 0.0)
    assert table.label(7) == "0"
    table.add_row(0, [1, 2, 3], "1")
    assert table.row_values(0) == (1.0, 2.0, 3.0) and table.n_rows == 9
    with pytest.raises(TuiNNError, match="a new row needs 3 feature values, got 2"):
        table.add_row(values=[1, 2])
    with pytest.raises(TuiNNError, match="label must be one of 0, 1"):
        table.add_row(label="cat")
    for _ in range(8):
        table.delete_row(0)
    with pytest.raises(TuiNNError, match="at least one row"):
        table.delete_row(0)


def test_columns_add_rename_delete_with_their_rules() -> None:
    table = tutorial()
    table.add_column()
    assert table.feature_names == ("x1", "x2", "x3", "x4")
    table.add_column("bias", index=0, fill=1.0)
    assert table.feature_names[0] == "bias" and table.value(6, 0) == 1.0
    for name, rule in [
        ("x2", "a column named 'x2' exists"),
        ("label", "a column named 'label' exists"),
        ("  ", "a column name must be 1 to 200 characters, got 0"),
        ("a" * 201, "a column name must be 1 to 200 characters, got 201"),
    ]:
        with pytest.raises(TuiNNError, match=rule):
            table.rename_column(1, name)
    table.rename_column(1, " weight ")
    assert table.feature_names[1] == "weight"
    table.rename_column(1, "weight")  # its own name is fine
    table.rename_label_column("fruit")
    assert table.to_dataset().label_name == "fruit"
    with pytest.raises(TuiNNError, match="a column named 'x2' exists"):
        table.rename_label_column("x2")
    while table.n_features > 1:
        table.delete_column(0)
    with pytest.raises(TuiNNError, match="at least one feature column; x4 is the last"):
        table.delete_column(0)
    assert table.to_dataset().features.shape == (7, 1)


def test_labels_may_name_a_new_class_and_undo_forgets_it() -> None:
    table = tutorial()
    table.set_label(0, "2")
    assert table.class_names == ("0", "1", "2")
    data = table.to_dataset()
    assert data.n_classes == 3 and data.labels[0] == 2
    table.undo()
    assert table.class_names == ("0", "1")
    with pytest.raises(TuiNNError, match="row 1, label: the label must be 1 to 200"):
        table.set_label(0, " ")
    with pytest.raises(TuiNNError, match="toggles only between two classes, there are 3"):
        table.set_label(1, "cat")
        table.toggle_label(0)


def test_to_dataset_refuses_a_single_class_and_drops_unused_ones() -> None:
    table = tutorial()
    for row in range(table.n_rows):
        table.set_label(row, "1")
    with pytest.raises(TuiNNError, match="every row has the label '1'; a classifier needs"):
        table.to_dataset()
    table.set_label(3, "cat")
    data = table.to_dataset()
    assert data.class_names == ("1", "cat")  # "0" has no rows left


def test_a_new_edit_clears_redo_and_saving_clears_dirty() -> None:
    table = tutorial()
    table.set_cell(0, 0, 5)
    table.mark_saved()
    assert not table.dirty
    table.set_cell(0, 0, 6)
    table.undo()
    assert not table.dirty and table.can_redo
    table.set_cell(0, 0, 7)
    assert not table.can_redo and table.dirty
    table.undo()
    table.undo()
    assert table.dirty  # back before the save
    with pytest.raises(TuiNNError, match="nothing to undo"):
        table.undo()
    revision = table.revision
    table.redo()
    assert table.revision == revision + 1 and not table.dirty


def test_format_value_shows_whole_numbers_plainly_and_others_exactly() -> None:
    assert format_value(1.0) == "1"
    assert format_value(-3.0) == "-3"
    assert format_value(0.1) == "0.1"
    assert float(format_value(1 / 3)) == 1 / 3


# A random edit: (operation, small ints and a value); indexes are taken modulo the table's size
# so most edits land, and the rest must fail without a trace.
edits = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "cell",
                "text",
                "toggle",
                "label",
                "toggle_label",
                "add_row",
                "delete_row",
                "add_column",
                "rename",
                "delete_column",
                "rename_label",
            ]
        ),
        st.integers(0, 20),
        st.integers(0, 20),
        st.one_of(
            st.floats(allow_nan=True, allow_infinity=True),
            st.sampled_from(["0", "1", "2", "x1", "x9", "label", "cat", "", "1e400"]),
        ),
    ),
    max_size=40,
)


def apply(table: EditableTable, op: str, a: int, b: int, value: float | str) -> None:
    row = a % (table.n_rows + 1)  # one past the end sometimes: an error
    column = b % (table.n_features + 1)
    text = str(value)
    if op == "cell":
        table.set_cell(row, column, value)
    elif op == "text":
        table.set_cell(row, column, text)
    elif op == "toggle":
        table.toggle_cell(row, column)
    elif op == "label":
        table.set_label(row, text)
    elif op == "toggle_label":
        table.toggle_label(row)
    elif op == "add_row":
        table.add_row(row, label=text if isinstance(value, str) else None)
    elif op == "delete_row":
        table.delete_row(row)
    elif op == "add_column":
        table.add_column(text if isinstance(value, str) and value else None, index=column)
    elif op == "rename":
        table.rename_column(column, text)
    elif op == "delete_column":
        table.delete_column(column)
    elif op == "rename_label":
        table.rename_label_column(text)


@settings(max_examples=300, deadline=None)
@given(edits)
def test_any_edits_then_undo_all_is_the_original_and_redo_all_the_edited(
    sequence: list[tuple[str, int, int, float | str]],
) -> None:
    table = tutorial()
    original = table.state()
    applied = 0
    for op, a, b, value in sequence:
        before = table.state()
        try:
            apply(table, op, a, b, value)
        except TuiNNError:
            assert table.state() == before  # a refused edit leaves no trace
        else:
            applied += 1
    edited = table.state()
    assert table.dirty == (applied > 0)
    for _ in range(applied):
        table.undo()
    assert not table.can_undo
    assert table.state() == original
    assert not table.dirty
    for _ in range(applied):
        table.redo()
    assert not table.can_redo
    assert table.state() == edited
    try:
        data = table.to_dataset()
    except TuiNNError as error:
        assert "a classifier needs rows of at least two classes" in str(error)
    else:
        assert data.n_rows == table.n_rows
        assert data.feature_names == table.feature_names
        expected = np.array(edited.rows, dtype=np.float64).reshape(data.features.shape)
        assert data.features.tobytes() == expected.tobytes()
        assert [data.class_names[k] for k in data.labels] == list(edited.labels)


def test_a_pasted_page_is_not_echoed_whole() -> None:
    """A 20,000-character paste into a cell: the message quotes 40 characters of it."""
    table = EditableTable.from_dataset(TUTORIAL_DATASET)
    with pytest.raises(TuiNNError) as caught:
        table.set_cell(0, 0, "y" * 20_000)
    assert len(str(caught.value)) < 160
    assert "… (20000 characters) is not a number" in str(caught.value)
