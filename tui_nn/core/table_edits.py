"""An editable copy of a dataset, with undo and redo for every edit.

``EditableTable`` is what the dataset grid edits: feature cells, labels, rows and feature
columns. Every edit is checked first; a bad one raises ``TuiNNError`` naming the row and the
column and changes nothing. A good one is recorded as an ``Edit`` that knows how to apply and
revert itself, so ``undo()`` and ``redo()`` walk the history exactly, whatever the edit.

Labels are kept as class names. The classes are the dataset's own, in their order, plus any
new name a label edit introduces, appended. ``to_dataset()`` keeps only the classes some row
uses, so the table can hold a half-edited state (every row one class) that only becomes an
error when the data is used.

Pure standard library and NumPy: the UI imports this, never the other way round.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from tui_nn.core.data_rules import (
    MAX_CLASSES,
    MAX_FEATURES,
    MAX_NAME_LENGTH,
    MAX_ROWS,
    check_name,
    check_row_count,
)
from tui_nn.core.dataset import Dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.hyperparams import quoted

__all__ = [
    "MAX_CLASSES",
    "MAX_FEATURES",
    "MAX_NAME_LENGTH",
    "MAX_ROWS",
    "MAX_UNDO",
    "Edit",
    "EditableTable",
    "TableState",
    "format_value",
]

MAX_UNDO = 10_000
"""Edits kept for undo; the oldest are forgotten beyond it."""


def format_value(value: float) -> str:
    """A feature value as the editor shows it: ``1`` for whole numbers, else the exact ``repr``."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


@dataclass(frozen=True)
class TableState:
    """Everything a table holds, as plain values (for comparing two states in tests).

    Attributes:
        rows: Feature values per row.
        labels: Class name per row.
        feature_names: The feature columns' names.
        class_names: The known classes, in order.
        label_name: The label column's name.
    """

    rows: tuple[tuple[float, ...], ...]
    labels: tuple[str, ...]
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...]
    label_name: str


@dataclass
class Edit:
    """One recorded change: what it did and what it undid.

    Attributes:
        description: A few words for a notification, e.g. ``set row 3, x2 to 0.5``.
        kind: ``cell``, ``label``, ``add_row``, ``delete_row``, ``add_column``,
            ``rename_column``, ``delete_column`` or ``rename_label_column``.
        row: The row it touches, when one.
        column: The feature column it touches, when one.
        before: The value, row or column before (its shape depends on ``kind``).
        after: The value, row or column after.
        added_class: The new class a label edit introduced, removed again by undo.
    """

    description: str
    kind: str
    row: int | None = None
    column: int | None = None
    before: Any = None
    after: Any = None
    added_class: str | None = None
    state_id: int = field(default=0, repr=False)


class EditableTable:
    """A dataset being edited: rows of feature values and a class name per row.

    Example::

        table = EditableTable.from_dataset(TUTORIAL_DATASET)
        table.set_cell(0, 1, "0.5")
        table.undo()
        dataset = table.to_dataset()

    Attributes:
        name: Where the data came from (kept by ``to_dataset``).
        label_name: The label column's name.
        revision: Counts every change, undo and redo included; watch it to notice changes.
    """

    def __init__(
        self,
        rows: Sequence[Sequence[float]],
        labels: Sequence[str],
        feature_names: Sequence[str],
        class_names: Sequence[str],
        label_name: str = "label",
        name: str = "custom",
    ) -> None:
        self._rows = [[float(v) for v in row] for row in rows]
        self._labels = list(labels)
        self._feature_names = list(feature_names)
        self._class_names = list(class_names)
        self.label_name = label_name
        self.name = name
        self.revision = 0
        self._undo: list[Edit] = []
        self._redo: list[Edit] = []
        self._next_state = 1
        self._saved_state = 0
        self._base_state = 0

    @classmethod
    def from_dataset(cls, dataset: Dataset) -> EditableTable:
        """A table holding ``dataset``'s rows, names and classes, with an empty history."""
        classes = dataset.class_names
        return cls(
            dataset.features.tolist(),
            [classes[k] for k in dataset.labels.tolist()],
            dataset.feature_names,
            classes,
            dataset.label_name,
            dataset.name,
        )

    # Reading ---------------------------------------------------------------------------------

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return len(self._rows)

    @property
    def n_features(self) -> int:
        """Number of feature columns."""
        return len(self._feature_names)

    @property
    def feature_names(self) -> tuple[str, ...]:
        """The feature columns' names."""
        return tuple(self._feature_names)

    @property
    def class_names(self) -> tuple[str, ...]:
        """The known classes: the dataset's, then any a label edit introduced."""
        return tuple(self._class_names)

    def value(self, row: int, column: int) -> float:
        """The feature value at ``row``, ``column`` (both 0-based)."""
        self._check_row(row)
        self._check_column(column)
        return self._rows[row][column]

    def label(self, row: int) -> str:
        """The class name of ``row``."""
        self._check_row(row)
        return self._labels[row]

    def row_values(self, row: int) -> tuple[float, ...]:
        """Every feature value of ``row``."""
        self._check_row(row)
        return tuple(self._rows[row])

    def feature_matrix(self) -> npt.NDArray[np.float64]:
        """The feature values as a ``(rows, features)`` float64 array (a copy)."""
        return np.array(self._rows, dtype=np.float64).reshape(self.n_rows, self.n_features)

    def state(self) -> TableState:
        """A plain copy of everything the table holds."""
        return TableState(
            tuple(tuple(row) for row in self._rows),
            tuple(self._labels),
            tuple(self._feature_names),
            tuple(self._class_names),
            self.label_name,
        )

    # History ---------------------------------------------------------------------------------

    @property
    def can_undo(self) -> bool:
        """Whether there is an edit to undo."""
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        """Whether there is an undone edit to redo."""
        return bool(self._redo)

    @property
    def dirty(self) -> bool:
        """Whether the table differs from when it was made or last ``mark_saved()``."""
        return self.state_id != self._saved_state

    @property
    def state_id(self) -> int:
        """Names the current contents: equal ids mean equal contents (undo returns to an id)."""
        return self._undo[-1].state_id if self._undo else self._base_state

    def mark_saved(self) -> None:
        """Remember the current state as saved: ``dirty`` is False until the next change."""
        self._saved_state = self.state_id

    def undo(self) -> Edit:
        """Revert the latest edit and return it.

        Raises:
            TuiNNError: when there is nothing to undo.
        """
        if not self._undo:
            raise TuiNNError("nothing to undo", field="dataset")
        edit = self._undo.pop()
        self._revert(edit)
        self._redo.append(edit)
        self.revision += 1
        return edit

    def redo(self) -> Edit:
        """Apply the latest undone edit again and return it.

        Raises:
            TuiNNError: when there is nothing to redo.
        """
        if not self._redo:
            raise TuiNNError("nothing to redo", field="dataset")
        edit = self._redo.pop()
        self._apply(edit)
        self._undo.append(edit)
        self.revision += 1
        return edit

    def _record(self, edit: Edit) -> Edit:
        """Apply a checked edit, put it on the undo stack and forget the redo stack."""
        edit.state_id = self._next_state
        self._next_state += 1
        self._apply(edit)
        self._undo.append(edit)
        if len(self._undo) > MAX_UNDO:
            # Undo can now go back only to the state after the forgotten edit.
            self._base_state = self._undo.pop(0).state_id
        self._redo.clear()
        self.revision += 1
        return edit

    # Edits ------------------------------------------------------------------------------------

    def set_cell(self, row: int, column: int, value: float | str) -> Edit:
        """Set a feature value; text is read as a number.

        Raises:
            TuiNNError: naming the row and column when the value is not a finite number.
        """
        self._check_row(row)
        self._check_column(column)
        number = self._parse_number(row, column, value)
        before = self._rows[row][column]
        where = self._where(row, column)
        return self._record(
            Edit(f"set {where} to {format_value(number)}", "cell", row, column, before, number)
        )

    def toggle_cell(self, row: int, column: int) -> Edit:
        """Flip a 0/1 feature value to the other one.

        Raises:
            TuiNNError: when the value is neither 0 nor 1.
        """
        current = self.value(row, column)
        if current not in (0.0, 1.0):
            raise TuiNNError(
                f"{self._where(row, column)}: only a 0 or 1 toggles, this is "
                f"{format_value(current)}; press Enter to edit it",
                field="dataset",
            )
        return self.set_cell(row, column, 1.0 - current)

    def set_label(self, row: int, label: str) -> Edit:
        """Set a row's class: one of ``class_names``, or a new name (a new class).

        Raises:
            TuiNNError: when the name is empty, too long, holds a line break, or would make
                more than ``MAX_CLASSES`` classes.
        """
        self._check_row(row)
        name = self._check_name(label, f"row {row + 1}, {self.label_name}: the label")
        added = None
        if name not in self._class_names:
            if len(self._class_names) >= MAX_CLASSES:
                raise TuiNNError(
                    f"row {row + 1}, {self.label_name}: {name!r} would be class "
                    f"{len(self._class_names) + 1}, more than {MAX_CLASSES}",
                    field="dataset",
                )
            added = name
        before = self._labels[row]
        edit = Edit(
            f"set row {row + 1}, {self.label_name} to {name}", "label", row, None, before, name
        )
        edit.added_class = added
        return self._record(edit)

    def toggle_label(self, row: int) -> Edit:
        """Swap a row's class for the other one, when the table has exactly two classes.

        Raises:
            TuiNNError: when there are more than two classes (edit the label instead).
        """
        self._check_row(row)
        if len(self._class_names) != 2:
            raise TuiNNError(
                f"row {row + 1}, {self.label_name}: the label toggles only between two "
                f"classes, there are {len(self._class_names)}; press Enter to edit it",
                field="dataset",
            )
        first, second = self._class_names
        return self.set_label(row, second if self._labels[row] == first else first)

    def add_row(
        self,
        index: int | None = None,
        values: Sequence[float] | None = None,
        label: str | None = None,
    ) -> Edit:
        """Insert a row before ``index`` (at the end when None).

        Args:
            index: Where the new row goes, 0 to ``n_rows``.
            values: Its features; zeros when None.
            label: Its class; the first class when None.

        Raises:
            TuiNNError: for an index out of range, the wrong number of values, a value that
                is not finite, or a label that is not a known class.
        """
        at = self.n_rows if index is None else index
        check_row_count(self.n_rows + 1, where="with this row, the data")
        if not 0 <= at <= self.n_rows:
            raise TuiNNError(
                f"a new row goes at 1 to {self.n_rows + 1}, got {at + 1}", field="dataset"
            )
        row = [0.0] * self.n_features if values is None else [float(v) for v in values]
        if len(row) != self.n_features:
            raise TuiNNError(
                f"a new row needs {self.n_features} feature values, got {len(row)}",
                field="dataset",
            )
        if not all(math.isfinite(v) for v in row):
            raise TuiNNError("a new row's feature values must be finite numbers", field="dataset")
        name = self._class_names[0] if label is None else label
        if name not in self._class_names:
            raise TuiNNError(
                f"a new row's label must be one of {', '.join(self._class_names)}, got {name!r}",
                field="dataset",
            )
        return self._record(Edit(f"add row {at + 1}", "add_row", at, None, None, (row, name)))

    def delete_row(self, row: int) -> Edit:
        """Delete a row.

        Raises:
            TuiNNError: for the last remaining row (the data needs one).
        """
        self._check_row(row)
        if self.n_rows == 1:
            raise TuiNNError("the data needs at least one row; this is the last", field="dataset")
        before = (list(self._rows[row]), self._labels[row])
        return self._record(Edit(f"delete row {row + 1}", "delete_row", row, None, before, None))

    def add_column(
        self, name: str | None = None, index: int | None = None, fill: float = 0.0
    ) -> Edit:
        """Add a feature column, filled with ``fill``.

        Args:
            name: Its name; the first free ``xN`` when None.
            index: Where it goes, 0 to ``n_features`` (the end when None).
            fill: The value of every row in it.

        Raises:
            TuiNNError: for a bad or taken name, a position out of range, or more than
                ``MAX_FEATURES`` columns.
        """
        if self.n_features >= MAX_FEATURES:
            raise TuiNNError(
                f"the data has the most feature columns, {MAX_FEATURES}", field="dataset"
            )
        at = self.n_features if index is None else index
        if not 0 <= at <= self.n_features:
            raise TuiNNError(
                f"a new column goes at 1 to {self.n_features + 1}, got {at + 1}", field="dataset"
            )
        if not math.isfinite(fill):
            raise TuiNNError("a new column's values must be finite numbers", field="dataset")
        column_name = self._free_name() if name is None else self._new_column_name(name, None)
        values = [float(fill)] * self.n_rows
        return self._record(
            Edit(f"add column {column_name}", "add_column", None, at, None, (column_name, values))
        )

    def rename_column(self, column: int, name: str) -> Edit:
        """Rename a feature column.

        Raises:
            TuiNNError: when the name is empty, too long, holds a line break, or is another
                column's (the label's included).
        """
        self._check_column(column)
        new = self._new_column_name(name, column)
        old = self._feature_names[column]
        return self._record(
            Edit(f"rename column {old} to {new}", "rename_column", None, column, old, new)
        )

    def rename_label_column(self, name: str) -> Edit:
        """Rename the label column.

        Raises:
            TuiNNError: as ``rename_column``.
        """
        new = self._new_column_name(name, -1)
        old = self.label_name
        return self._record(
            Edit(f"rename column {old} to {new}", "rename_label_column", None, None, old, new)
        )

    def delete_column(self, column: int) -> Edit:
        """Delete a feature column.

        Raises:
            TuiNNError: for the last feature column (the data needs one).
        """
        self._check_column(column)
        if self.n_features == 1:
            raise TuiNNError(
                f"the data needs at least one feature column; {self._feature_names[0]} is the last",
                field="dataset",
            )
        before = (self._feature_names[column], [row[column] for row in self._rows])
        name = self._feature_names[column]
        return self._record(
            Edit(f"delete column {name}", "delete_column", None, column, before, None)
        )

    # Converting -------------------------------------------------------------------------------

    def to_dataset(self, name: str | None = None) -> Dataset:
        """The table as a dataset; classes no row uses are left out.

        Raises:
            TuiNNError: when fewer than two classes have rows (a classifier needs two).
        """
        used = set(self._labels)
        classes = tuple(c for c in self._class_names if c in used)
        if len(classes) < 2:
            only = f"every row has the label {classes[0]!r}" if classes else "there are no rows"
            raise TuiNNError(
                f"{only}; a classifier needs rows of at least two classes "
                f"(edit a label in the {self.label_name} column)",
                field="dataset",
            )
        index = {c: k for k, c in enumerate(classes)}
        return Dataset(
            features=self.feature_matrix(),
            labels=np.array([index[label] for label in self._labels], dtype=np.int64),
            feature_names=tuple(self._feature_names),
            class_names=classes,
            label_name=self.label_name,
            name=self.name if name is None else name,
        )

    # Internals --------------------------------------------------------------------------------

    def _apply(self, edit: Edit) -> None:
        kind, row, column = edit.kind, edit.row, edit.column
        if kind == "cell":
            assert row is not None and column is not None
            self._rows[row][column] = float(edit.after)
        elif kind == "label":
            assert row is not None
            if edit.added_class is not None:
                self._class_names.append(edit.added_class)
            self._labels[row] = str(edit.after)
        elif kind == "add_row":
            assert row is not None
            values, label = edit.after
            self._rows.insert(row, list(values))
            self._labels.insert(row, label)
        elif kind == "delete_row":
            assert row is not None
            del self._rows[row]
            del self._labels[row]
        elif kind == "add_column":
            assert column is not None
            name, values = edit.after
            self._feature_names.insert(column, name)
            for cells, value in zip(self._rows, values, strict=True):
                cells.insert(column, value)
        elif kind == "delete_column":
            assert column is not None
            del self._feature_names[column]
            for cells in self._rows:
                del cells[column]
        elif kind == "rename_column":
            assert column is not None
            self._feature_names[column] = str(edit.after)
        elif kind == "rename_label_column":
            self.label_name = str(edit.after)
        else:  # pragma: no cover - every kind is listed above
            raise AssertionError(kind)

    def _revert(self, edit: Edit) -> None:
        kind, row, column = edit.kind, edit.row, edit.column
        if kind == "cell":
            assert row is not None and column is not None
            self._rows[row][column] = float(edit.before)
        elif kind == "label":
            assert row is not None
            self._labels[row] = str(edit.before)
            if edit.added_class is not None:
                self._class_names.remove(edit.added_class)
        elif kind == "add_row":
            assert row is not None
            del self._rows[row]
            del self._labels[row]
        elif kind == "delete_row":
            assert row is not None
            values, label = edit.before
            self._rows.insert(row, list(values))
            self._labels.insert(row, label)
        elif kind == "add_column":
            assert column is not None
            del self._feature_names[column]
            for cells in self._rows:
                del cells[column]
        elif kind == "delete_column":
            assert column is not None
            name, values = edit.before
            self._feature_names.insert(column, name)
            for cells, value in zip(self._rows, values, strict=True):
                cells.insert(column, value)
        elif kind == "rename_column":
            assert column is not None
            self._feature_names[column] = str(edit.before)
        elif kind == "rename_label_column":
            self.label_name = str(edit.before)
        else:  # pragma: no cover - every kind is listed above
            raise AssertionError(kind)

    def _where(self, row: int, column: int) -> str:
        return f"row {row + 1}, {self._feature_names[column]}"

    def _check_row(self, row: int) -> None:
        if not 0 <= row < self.n_rows:
            raise TuiNNError(
                f"there is no row {row + 1}; rows are 1 to {self.n_rows}", field="dataset"
            )

    def _check_column(self, column: int) -> None:
        if not 0 <= column < self.n_features:
            raise TuiNNError(
                f"there is no feature column {column + 1}; columns are 1 to {self.n_features}",
                field="dataset",
            )

    def _parse_number(self, row: int, column: int, value: float | str) -> float:
        where = self._where(row, column)
        if isinstance(value, str):
            text = value.strip()
            try:
                number = float(text)
            except ValueError:
                shown = quoted(text) if text else "an empty value"
                raise TuiNNError(
                    f"{where}: {shown} is not a number; feature values are numbers "
                    "like 0, 1 or -2.5",
                    field="dataset",
                ) from None
        else:
            number = float(value)
        if not math.isfinite(number):
            shown = quoted(value) if isinstance(value, str) else repr(value)
            raise TuiNNError(f"{where}: {shown} is not a finite number", field="dataset")
        return number

    def _check_name(self, text: str, what: str) -> str:
        return check_name(text, what)

    def _new_column_name(self, text: str, column: int | None) -> str:
        """A checked column name; ``column`` is the one being renamed (-1: the label)."""
        name = self._check_name(text, "a column name")
        others = [n for i, n in enumerate(self._feature_names) if i != column]
        if column != -1:
            others.append(self.label_name)
        if name in others:
            raise TuiNNError(
                f"a column named {name!r} exists; column names must differ", field="dataset"
            )
        return name

    def _free_name(self) -> str:
        taken = {*self._feature_names, self.label_name}
        number = self.n_features + 1
        while f"x{number}" in taken:
            number += 1
        return f"x{number}"
