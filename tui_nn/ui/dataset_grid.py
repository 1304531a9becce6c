"""The Dataset panel: the feature columns and the label, editable, plus the model's live output.

This is the tutorial's Step #1 ("Variables"): the independent variables (the feature columns)
and the dependent one (the label) the network should learn to predict. The grid edits an
``EditableTable`` (every edit checked, every edit undoable); after each edit, undo or redo it
posts ``DataEdited`` so the app can mark the model stale. Test rows (when a test split is set)
show a ``T`` after their row number.

The grid draws only the rows on screen (Textual's line API), straight from the table and the
latest prediction, so 10,000 rows cost no more per redraw than ten: a ``DataTable`` keeps a
copy of every cell and took seconds to fill or update at that size.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import numpy.typing as npt
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui_nn.core.dataset import Dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.network import Prediction
from tui_nn.core.table_edits import Edit, EditableTable, format_value
from tui_nn.ui.actions import GRID_ACTIONS, bindings
from tui_nn.ui.cell_editor import CellEditor
from tui_nn.ui.messages import DataEdited, GridRowSelected

RIGHT = "✓"
WRONG = "✗"
TEST_MARK = "T"
"""After the row number of a test row."""

PADDING = 1
"""Spaces each side of a cell."""


def _number(value: float) -> str:
    # Whole numbers (the tutorial's 0/1 features) read best without a decimal point; huge
    # ones (-1e308 is "whole" too) in the compact form, not as 309 digits.
    number = float(value)
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else f"{number:.4g}"


class DatasetGrid(ScrollView, can_focus=True):
    """The dataset as an editable grid with an ``output`` column showing the model's answer.

    Attributes:
        table: The data being edited, with its undo history.
        test_mask: Per row, whether it is a test row (all False without a split).
        read_only: Refuse edits (while a run trains on the data).
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "grid--header",
        "grid--cursor",
        "grid--odd-row",
        "grid--row-label",
        "grid--test-label",
        "grid--right",
        "grid--wrong",
    }

    DEFAULT_CSS = """
    DatasetGrid {
        background: $surface;
        scrollbar-size-vertical: 1;
        scrollbar-size-horizontal: 1;
    }
    DatasetGrid > .grid--header {
        text-style: bold;
        color: $foreground;
        background: $panel;
    }
    DatasetGrid > .grid--cursor {
        color: $block-cursor-blurred-foreground;
        background: $block-cursor-blurred-background;
    }
    DatasetGrid:focus > .grid--cursor {
        color: $block-cursor-foreground;
        background: $block-cursor-background;
        text-style: bold;
    }
    DatasetGrid > .grid--odd-row {
        background: $surface-lighten-1;
    }
    DatasetGrid > .grid--row-label {
        color: $foreground 60%;
    }
    DatasetGrid > .grid--test-label {
        color: $warning;
        text-style: bold;
    }
    DatasetGrid > .grid--right {
        color: $success;
        text-style: bold;
    }
    DatasetGrid > .grid--wrong {
        color: $error;
        text-style: bold;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        *bindings(GRID_ACTIONS, priority=False),
        Binding("up", "cursor(-1, 0)", show=False),
        Binding("down", "cursor(1, 0)", show=False),
        Binding("left", "cursor(0, -1)", show=False),
        Binding("right", "cursor(0, 1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("home", "cursor_to(0, -1)", show=False),
        Binding("end", "cursor_to(-1, -1)", show=False),
        Binding("ctrl+home", "cursor_to(0, 0)", show=False),
        Binding("ctrl+end", "cursor_to(-1, -2)", show=False),
    ]

    def __init__(self, dataset: Dataset, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.table = EditableTable.from_dataset(dataset)
        self.test_mask: npt.NDArray[np.bool_] = np.zeros(dataset.n_rows, dtype=bool)
        self.read_only = False
        self._prediction: Prediction | None = None
        self._cursor_row = 0
        self._cursor_column = 0
        self._keys: list[str] = []
        self._titles: list[str] = []
        self._widths: list[int] = []
        self._label_width = 1
        self._layout()

    # Layout ------------------------------------------------------------------------------------

    def _layout(self) -> None:
        """Work out the columns and their widths from the table (after a load or an edit)."""
        table = self.table
        self._keys = [f"feature:{i}" for i in range(table.n_features)] + ["label", "output", "mark"]
        self._titles = [*table.feature_names, table.label_name, "output", " "]
        matrix = table.feature_matrix()
        widths = []
        for column in range(table.n_features):
            # Distinct values only: a 0/1 column of 10,000 rows formats two numbers.
            values = {_number(v) for v in _distinct(matrix[:, column])}
            widths.append(max([len(table.feature_names[column]), *map(len, values)]))
        widths.append(max([len(table.label_name), *map(len, table.class_names)]))
        longest_class = max(map(len, table.class_names))
        widths.append(max(6, longest_class + 5) if len(table.class_names) > 2 else 6)
        widths.append(1)
        self._widths = widths
        self._label_width = len(str(table.n_rows)) + 1
        self._cursor_row = min(self._cursor_row, max(table.n_rows - 1, 0))
        self._cursor_column = min(self._cursor_column, len(self._keys) - 1)
        total = self._label_width + 2 * PADDING + sum(w + 2 * PADDING for w in widths)
        self.virtual_size = Size(total, table.n_rows + 1)
        self.refresh()

    @property
    def row_count(self) -> int:
        """Number of data rows."""
        return self.table.n_rows

    @property
    def column_titles(self) -> list[str]:
        """Column headings left to right."""
        return list(self._titles)

    @property
    def cursor_row(self) -> int:
        """The row under the cursor (0-based)."""
        return self._cursor_row

    def move_cursor(self, row: int | None = None, column: int | None = None) -> None:
        """Put the cursor on a cell (clamped to the grid) and scroll it into view."""
        before = self._cursor_row
        if row is not None:
            self._cursor_row = max(0, min(row, self.row_count - 1))
        if column is not None:
            self._cursor_column = max(0, min(column, len(self._keys) - 1))
        self._scroll_to_cursor()
        self.refresh()
        if self._cursor_row != before:
            self.post_message(GridRowSelected(self._cursor_row))

    def _scroll_to_cursor(self) -> None:
        height = self.scrollable_content_region.height - 1  # the header stays put
        if height <= 0:
            return
        top = round(self.scroll_y)
        row = self._cursor_row
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False, immediate=True)
        left, right = self._column_span(self._cursor_column)
        width = self.scrollable_content_region.width
        x = round(self.scroll_x)
        if left < x:
            self.scroll_to(x=left, animate=False, immediate=True)
        elif right > x + width:
            self.scroll_to(x=right - width, animate=False, immediate=True)

    def _column_span(self, column: int) -> tuple[int, int]:
        left = self._label_width + 2 * PADDING
        for index, width in enumerate(self._widths):
            if index == column:
                return left, left + width + 2 * PADDING
            left += width + 2 * PADDING
        return left, left

    def on_resize(self) -> None:
        """Keep the cursor in view when the panel changes size."""
        self._scroll_to_cursor()

    # Drawing -----------------------------------------------------------------------------------

    def cell_text(self, row: int, column: int) -> Text:
        """What the grid shows in a cell (row and column 0-based, any row, drawn or not)."""
        key = self._keys[column]
        table = self.table
        if key.startswith("feature:"):
            return Text(_number(table.value(row, int(key.removeprefix("feature:")))))
        if key == "label":
            return Text(table.label(row))
        prediction = self._prediction
        if prediction is None or prediction.classes.shape[0] != table.n_rows:
            return Text("")
        predicted = int(prediction.classes[row])
        classes = table.class_names
        name = classes[predicted] if predicted < len(classes) else str(predicted)
        if key == "output":
            probabilities = prediction.probabilities
            if probabilities.shape[1] == 1:
                return Text(f"{probabilities[row, 0]:.4f}")
            return Text(f"{name} {probabilities[row, predicted]:.2f}")
        if name == table.label(row):
            return Text(RIGHT, style=self.get_component_rich_style("grid--right"))
        return Text(WRONG, style=self.get_component_rich_style("grid--wrong"))

    def get_cell(self, row_key: str, column_key: str) -> str:
        """A cell's text by row index (as text) and column key, e.g. ``("2", "mark")``."""
        return self.cell_text(int(row_key), self._keys.index(column_key)).plain

    def row_marks(self) -> list[str]:
        """Every row's label as shown (``3T`` for a test row), for tests and screen readers."""
        return [self._row_label(row) for row in range(self.row_count)]

    def _row_label(self, row: int) -> str:
        test = self.test_mask.shape == (self.row_count,) and bool(self.test_mask[row])
        return f"{row + 1}{TEST_MARK if test else ''}"

    def render_line(self, y: int) -> Strip:
        """One screen line: the header at the top, then the rows scrolled into view."""
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            strip = self._header_strip(base)
        else:
            row = scroll_y + y - 1
            if row >= self.row_count:
                return Strip.blank(width, base)
            strip = self._row_strip(row, base)
        return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width, base)

    def _header_strip(self, base: Style) -> Strip:
        style = base + self.get_component_rich_style("grid--header")
        segments = [Segment(" " * (self._label_width + 2 * PADDING), style)]
        for title, width in zip(self._titles, self._widths, strict=True):
            segments.append(Segment(self._pad(title, width, left=False), style))
        return Strip(segments)

    def _row_strip(self, row: int, base: Style) -> Strip:
        line = base
        if row % 2:
            line = base + self.get_component_rich_style("grid--odd-row")
        label_style = "grid--test-label" if self._row_label(row).endswith(TEST_MARK) else ""
        label = line + self.get_component_rich_style(label_style or "grid--row-label")
        segments = [Segment(self._pad(self._row_label(row), self._label_width, True), label)]
        cursor = self.get_component_rich_style("grid--cursor")
        for column, width in enumerate(self._widths):
            text = self.cell_text(row, column)
            style = line + text.style if isinstance(text.style, Style) else line
            if row == self._cursor_row and column == self._cursor_column:
                style = line + cursor
            numeric = self._keys[column].startswith("feature:") or self._keys[column] == "output"
            segments.append(Segment(self._pad(text.plain, width, left=numeric), style))
        return Strip(segments)

    @staticmethod
    def _pad(text: str, width: int, left: bool) -> str:
        """A cell padded to its column, numbers right-aligned; cut with … when too long."""
        if len(text) > width:
            text = text[: max(width - 1, 0)] + "…"
        body = text.rjust(width) if left else text.ljust(width)
        return " " * PADDING + body + " " * PADDING

    # What it shows -------------------------------------------------------------------------

    def to_dataset(self) -> Dataset:
        """The dataset this grid shows.

        Raises:
            TuiNNError: when the edited data cannot train (e.g. every row has one class).
        """
        return self.table.to_dataset()

    def load(self, dataset: Dataset) -> None:
        """Show a different dataset, with a fresh undo history."""
        self.table = EditableTable.from_dataset(dataset)
        self.test_mask = np.zeros(dataset.n_rows, dtype=bool)
        self._prediction = None
        self._cursor_row = self._cursor_column = 0
        self._layout()
        self.scroll_to(0, 0, animate=False, immediate=True)

    def mark_test_rows(self, mask: npt.NDArray[np.bool_] | None) -> None:
        """Mark the test rows (None or all False: none)."""
        rows = self.row_count
        new = np.zeros(rows, dtype=bool) if mask is None else np.asarray(mask, bool)
        self.test_mask = new if new.shape == (rows,) else np.zeros(rows, dtype=bool)
        count = int(self.test_mask.sum())
        self.border_subtitle = f"{TEST_MARK} = test row · {count} of {rows}" if count else ""
        self.refresh()

    def show_outputs(self, prediction: Prediction | None) -> None:
        """Show the model's output for every row, marked right or wrong against the label.

        Args:
            prediction: The model's prediction for the rows in order, or None to blank the
                output column (e.g. when the model no longer fits the edited columns).
        """
        old, self._prediction = self._prediction, prediction
        rows = self.row_count
        if (
            old is None
            or prediction is None
            or old.classes.shape != (rows,)
            or prediction.classes.shape != (rows,)
        ):
            self.refresh()
            return
        # A live run updates this several times a second: repaint only the output and mark
        # cells whose text changed, not the whole table (over SSH every cell sent counts).
        scroll_x, scroll_y = self.scroll_offset
        output = self._keys.index("output")
        left = self._column_span(output)[0] - scroll_x
        right = self._column_span(output + 1)[1] - scroll_x
        last = min(rows, scroll_y + max(self.scrollable_content_region.height - 1, 0))
        changed = [
            Region(left, row - scroll_y + 1, right - left, 1)
            for row in range(scroll_y, last)
            if _output_text(old, row) != _output_text(prediction, row)
        ]
        if changed:
            self.refresh(*changed)

    # Moving ------------------------------------------------------------------------------------

    def action_cursor(self, rows: int, columns: int) -> None:
        """Move the cursor by ``rows`` and ``columns``."""
        self.move_cursor(self._cursor_row + rows, self._cursor_column + columns)

    def action_page(self, pages: int) -> None:
        """Move the cursor a screenful up or down."""
        height = max(self.scrollable_content_region.height - 1, 1)
        self.move_cursor(self._cursor_row + pages * height)

    def action_cursor_to(self, row: int, column: int) -> None:
        """Jump: ``row`` -1 is the last row; ``column`` -1 keeps it, -2 is the last column."""
        target_row = self.row_count - 1 if row < 0 else row
        target_column = {-1: self._cursor_column, -2: len(self._keys) - 1}.get(column, column)
        if column == -1 and row == 0:
            target_row, target_column = self._cursor_row, 0  # Home: start of the row
        elif column == -1 and row == -1:
            target_row, target_column = self._cursor_row, len(self._keys) - 1  # End
        self.move_cursor(target_row, target_column)

    # Editing -----------------------------------------------------------------------------------

    def _cursor(self) -> tuple[int, str]:
        """The cursor's row index and column key."""
        return self._cursor_row, self._keys[self._cursor_column]

    def _feature_column(self, key: str) -> int | None:
        return int(key.removeprefix("feature:")) if key.startswith("feature:") else None

    def _locked(self) -> bool:
        """Say why editing waits, when it does."""
        if self.read_only:
            self.app.notify(
                "Training is running: pause (ctrl+t) or stop (ctrl+g) to edit the data.",
                severity="warning",
            )
        return self.read_only or not self.row_count

    def _refuse(self, error: TuiNNError) -> None:
        self.app.notify(str(error), title="Not changed", severity="warning")

    def _done(self, edit: Edit, structural: bool, verb: str = "") -> None:
        """Show an edit on screen and tell the app."""
        self._layout()
        if edit.row is not None and edit.kind in ("cell", "label"):
            self.move_cursor(row=edit.row)
        self.post_message(DataEdited(f"{verb}{edit.description}", structural))

    def action_edit(self) -> None:
        """Edit the cell under the cursor: a feature value or a label."""
        if self._locked():
            return
        row, key = self._cursor()
        column = self._feature_column(key)
        table = self.table
        if column is not None:
            title = f"row {row + 1}, {table.feature_names[column]}"
            value = format_value(table.value(row, column))

            def set_value(text: str) -> Edit:
                return table.set_cell(row, column, text)

            self.app.push_screen(
                CellEditor(title, value, set_value, hint="a number, e.g. 0, 1 or -2.5"),
                self._edited,
            )
        elif key == "label":

            def set_label(text: str) -> Edit:
                return table.set_label(row, text)

            classes = ", ".join(table.class_names)
            self.app.push_screen(
                CellEditor(
                    f"row {row + 1}, {table.label_name}",
                    table.label(row),
                    set_label,
                    hint=f"classes: {classes} (a new name adds a class)",
                ),
                self._edited,
            )
        else:
            self.app.notify(
                "output is the model's answer: edit a feature or the label", severity="warning"
            )

    def _edited(self, edit: Edit | None) -> None:
        if edit is not None:
            self._done(edit, structural=False)

    def action_toggle_cell(self) -> None:
        """Flip a 0/1 value, or a label between the two classes."""
        if self._locked():
            return
        row, key = self._cursor()
        column = self._feature_column(key)
        try:
            if column is not None:
                edit = self.table.toggle_cell(row, column)
            elif key == "label":
                edit = self.table.toggle_label(row)
            else:
                return
        except TuiNNError as error:
            self._refuse(error)
            return
        self._done(edit, structural=False)

    def action_add_row(self) -> None:
        """Add a row of zeros (first class) below the cursor and move to it."""
        if self._locked():
            return
        row = self._cursor_row + 1
        try:
            edit = self.table.add_row(row)
        except TuiNNError as error:
            self._refuse(error)
            return
        self._shift_mask(row, insert=True)
        self._done(edit, structural=True)
        self.move_cursor(row, 0)

    def action_delete_row(self) -> None:
        """Delete the row under the cursor."""
        if self._locked():
            return
        row = self._cursor_row
        try:
            edit = self.table.delete_row(row)
        except TuiNNError as error:
            self._refuse(error)
            return
        self._shift_mask(row, insert=False)
        self._done(edit, structural=True)

    def _shift_mask(self, row: int, insert: bool) -> None:
        # Keep the marks and outputs lined up until the app recomputes them for the new rows.
        if insert:
            self.test_mask = np.insert(self.test_mask, row, False)
        else:
            self.test_mask = np.delete(self.test_mask, row)
        self._prediction = None

    def action_add_column(self) -> None:
        """Add a feature column of zeros after the cursor's column."""
        if self._locked():
            return
        column = self._feature_column(self._cursor()[1])
        at = column + 1 if column is not None else self.table.n_features
        try:
            edit = self.table.add_column(index=at)
        except TuiNNError as error:
            self._refuse(error)
            return
        self._done(edit, structural=True)
        self.move_cursor(column=at)
        self.app.notify(f"Added column {self.table.feature_names[at]}: r renames it.")

    def action_rename_column(self) -> None:
        """Rename the column under the cursor (a feature or the label)."""
        if self._locked():
            return
        key = self._cursor()[1]
        column = self._feature_column(key)
        table = self.table
        if column is not None:
            old = table.feature_names[column]

            def rename(text: str) -> Edit:
                return table.rename_column(column, text)

        elif key == "label":
            old = table.label_name

            def rename(text: str) -> Edit:
                return table.rename_label_column(text)

        else:
            self.app.notify("Only feature and label columns have names to edit.")
            return
        self.app.push_screen(
            CellEditor(f"rename column {old}", old, rename, hint="a name no other column has"),
            self._renamed,
        )

    def _renamed(self, edit: Edit | None) -> None:
        if edit is not None:
            self._done(edit, structural=True)

    def action_delete_column(self) -> None:
        """Delete the feature column under the cursor."""
        if self._locked():
            return
        column = self._feature_column(self._cursor()[1])
        if column is None:
            self.app.notify("Move to a feature column to delete it.", severity="warning")
            return
        try:
            edit = self.table.delete_column(column)
        except TuiNNError as error:
            self._refuse(error)
            return
        self._done(edit, structural=True)

    def action_undo(self) -> None:
        """Undo the last edit."""
        if self._locked():
            return
        if not self.table.can_undo:
            self.app.notify("Nothing to undo.")
            return
        self._after_history(self.table.undo(), undo=True)

    def action_redo(self) -> None:
        """Redo the last undone edit."""
        if self._locked():
            return
        if not self.table.can_redo:
            self.app.notify("Nothing to redo.")
            return
        self._after_history(self.table.redo(), undo=False)

    def _after_history(self, edit: Edit, undo: bool) -> None:
        if edit.kind in ("add_row", "delete_row") and edit.row is not None:
            self._shift_mask(edit.row, insert=(edit.kind == "add_row") != undo)
        structural = edit.kind not in ("cell", "label")
        self._done(edit, structural=structural, verb="undo: " if undo else "redo: ")
        if edit.column is not None:
            self.move_cursor(column=min(edit.column, len(self._keys) - 1))


def _output_text(prediction: Prediction, row: int) -> tuple[str, int]:
    """What the output and mark cells of ``row`` show, as far as they change."""
    probabilities = prediction.probabilities[row]
    predicted = int(prediction.classes[row])
    if probabilities.shape[0] == 1:
        return f"{probabilities[0]:.4f}", predicted
    return f"{probabilities[predicted]:.2f}", predicted


def _distinct(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The distinct values, sorted (``np.unique`` without its first-call import of
    ``numpy.ma``, ~0.1 s of the app's start)."""
    ordered = np.sort(values)
    if ordered.size < 2:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]
