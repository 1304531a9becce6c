"""Reading and writing datasets as CSV files with a header row.

The rules a file must follow (every broken rule is a ``TuiNNError`` naming the row and the
column, counted from 1 as a spreadsheet shows them; the header is row 1):

* UTF-8 text (a leading byte-order mark is allowed), comma-separated, quoted as the ``csv``
  module reads it; at most ``MAX_CSV_BYTES`` (10 MiB) unless the caller says otherwise.
* The first row names the columns: every name 1 to 200 characters, on one line, and
  different from the others. Spaces around cells are ignored.
* The label column is the last one unless named; every other column is a numeric feature.
  Feature values are finite numbers (``nan`` and ``inf`` are refused).
* Every row has as many cells as the header. Rows whose cells are all empty are skipped.
  At most ``MAX_ROWS`` (1,000,000) data rows: the same limit as a session's, so what
  imports can be saved.
* Labels are numbers or class names (1 to 200 characters), at least two distinct ones and
  at most ``MAX_CLASSES`` (100).
  Class order: when every label is a whole number the classes are those numbers in
  numeric order (``0``, ``1``, ``2``, ..., ``1.0`` counts as ``1``), so 0/1 data keeps class
  ``1`` as the positive one; otherwise the label texts in code-point order (``"apple"`` <
  ``"banana"``; ``"no"`` < ``"yes"`` makes ``yes`` the positive class of two).

``save_csv`` writes features with ``repr`` (the shortest text that reads back to the same
float), so saving and loading gives the same numbers to the last bit.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tui_nn.core.data_rules import (
    MAX_CLASSES,
    MAX_CSV_BYTES,
    MAX_FEATURES,
    MAX_NAME_LENGTH,
    MAX_ROWS,
    check_row_count,
    name_problem,
)
from tui_nn.core.dataset import Dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.files import read_limited, save_bytes
from tui_nn.core.hyperparams import quoted

__all__ = [
    "MAX_CLASSES",
    "MAX_CSV_BYTES",
    "MAX_FEATURES",
    "MAX_NAME_LENGTH",
    "MAX_ROWS",
    "load_csv",
    "parse_csv_text",
    "save_csv",
]

# Names show in one grid cell; a line break there would also need quoting that not every
# CSV tool writes.
_LINE_BREAK = re.compile(r"[\r\n]")


def _cell(row: int, column: int, names: list[str] | None = None) -> str:
    """``row 3, column 2 (x2)``: a position as a spreadsheet shows it (both 1-based)."""
    where = f"row {row}, column {column}"
    if names is not None and column <= len(names):
        where += f" ({names[column - 1]})"
    return where


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _number(text: str) -> float | None:
    """The float a cell holds, or None when it is not a number."""
    try:
        return float(text)
    except ValueError:
        return None


def parse_csv_text(
    text: str,
    label: str | None = None,
    name: str = "custom",
    max_chars: int = MAX_CSV_BYTES,
) -> Dataset:
    """Read a dataset from CSV text.

    Args:
        text: The whole file's text.
        label: The label column's name; the last column when None.
        name: The dataset's name (shown in titles), e.g. the file name.
        max_chars: The longest text accepted.

    Returns:
        The dataset, features as float64 in file order.

    Raises:
        TuiNNError: for the first broken rule, naming its row and column; ``field`` is
            ``"label"`` for an unknown label column, ``"dataset"`` otherwise.
    """
    if len(text) > max_chars:
        raise TuiNNError(
            f"the text is {len(text)} characters, more than the {max_chars} limit",
            field="dataset",
        )
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        row = text.count("\n", 0, text.index("\x00")) + 1
        raise TuiNNError(
            f"line {row} holds a NUL character: this is not a CSV text file", field="dataset"
        )
    records: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for record_number, cells in enumerate(reader, start=1):
            records.append((record_number, [cell.strip() for cell in cells]))
    except csv.Error as error:
        raise TuiNNError(
            f"row {len(records) + 1} (line {reader.line_num}): not valid CSV ({error})",
            field="dataset",
        ) from None
    records = [(number, cells) for number, cells in records if any(cells)]
    if not records:
        raise TuiNNError(
            "the file is empty: expected a header row naming the columns, then data rows",
            field="dataset",
        )
    header_row, names = records[0]
    _check_header(header_row, names)
    if len(records) == 1:
        raise TuiNNError(
            f"the file has a header row ({', '.join(names)}) but no data rows", field="dataset"
        )
    label_column = _label_column(names, label)
    feature_columns = [i for i in range(len(names)) if i != label_column]
    if not feature_columns:
        raise TuiNNError(
            f"the only column is the label {names[label_column]}: "
            f"add at least one numeric feature column",
            field="dataset",
        )
    if len(feature_columns) > MAX_FEATURES:
        raise TuiNNError(
            f"the file has {len(feature_columns)} feature columns, more than {MAX_FEATURES}",
            field="dataset",
        )
    data = records[1:]
    check_row_count(len(data), where="the file")
    for row, cells in data:
        if len(cells) != len(names):
            short = len(cells) < len(names)
            raise TuiNNError(
                f"row {row}, column {len(cells) + 1 if short else len(names) + 1}: "
                f"{'a cell is missing' if short else 'an extra cell'}; row {row} has "
                f"{_count(len(cells), 'cell')} but the header has "
                f"{_count(len(names), 'column')} ({', '.join(names)})",
                field="dataset",
            )
    features = _features(data, feature_columns, names, names[label_column])
    label_texts = [cells[label_column] for _, cells in data]
    for row, value in zip((row for row, _ in data), label_texts, strict=True):
        if not value or len(value) > MAX_NAME_LENGTH or _LINE_BREAK.search(value):
            problem = (
                "holds a line break"
                if value and len(value) <= MAX_NAME_LENGTH
                else f"must be 1 to {MAX_NAME_LENGTH} characters, got {len(value)}"
            )
            raise TuiNNError(
                f"{_cell(row, label_column + 1, names)}: the label {problem}", field="dataset"
            )
    class_names, labels = _classes(label_texts, names[label_column], label_column + 1)
    return Dataset(
        features=features,
        labels=labels,
        feature_names=tuple(names[i] for i in feature_columns),
        class_names=class_names,
        label_name=names[label_column],
        name=name,
    )


def _check_header(row: int, names: list[str]) -> None:
    seen: dict[str, int] = {}
    for column, column_name in enumerate(names, start=1):
        if not column_name:
            raise TuiNNError(
                f"row {row}, column {column}: the header cell is empty; "
                f"the first row must name every column",
                field="dataset",
            )
        if len(column_name) > MAX_NAME_LENGTH:
            raise TuiNNError(
                f"row {row}, column {column}: the column name is {len(column_name)} characters "
                f"long, more than {MAX_NAME_LENGTH}",
                field="dataset",
            )
        if _LINE_BREAK.search(column_name):
            raise TuiNNError(
                f"row {row}, column {column}: the column name holds a line break",
                field="dataset",
            )
        if column_name in seen:
            raise TuiNNError(
                f"row {row}, column {column}: the column name {column_name!r} is used twice "
                f"(also column {seen[column_name]}); column names must differ",
                field="dataset",
            )
        seen[column_name] = column


def _label_column(names: list[str], label: str | None) -> int:
    if label is None:
        return len(names) - 1
    wanted = label.strip()
    if wanted not in names:
        raise TuiNNError(
            f"no column named {wanted!r} for the label; the columns are {', '.join(names)}",
            field="label",
        )
    return names.index(wanted)


def _features(
    data: list[tuple[int, list[str]]], columns: list[int], names: list[str], label_name: str
) -> npt.NDArray[np.float64]:
    """The feature matrix; a bad cell is reported by its row and column."""
    try:
        # The fast path: one comprehension, no per-cell checks; only a failure pays for
        # finding the exact cell below.
        values = [float(cells[column]) for _, cells in data for column in columns]
        features = np.array(values, dtype=np.float64).reshape(len(data), len(columns))
        bad = np.argwhere(~np.isfinite(features))
        if not bad.size:
            return features
        data = [data[int(bad[0][0])]]
    except ValueError:
        pass
    for row, cells in data:
        for column in columns:
            _feature(cells[column], row, column + 1, names, label_name)
    raise AssertionError("unreachable: a cell failed the fast path but not the checks")


def _feature(text: str, row: int, column: int, names: list[str], label_name: str) -> float:
    value = _number(text)
    if value is None:
        shown = quoted(text) if text else "an empty cell"
        raise TuiNNError(
            f"{_cell(row, column, names)}: {shown} is not a number; feature columns must be "
            f"numeric (the label column is {label_name}; name another one to change it)",
            field="dataset",
        )
    if not math.isfinite(value):
        raise TuiNNError(
            f"{_cell(row, column, names)}: {quoted(text)} is not a finite number; "
            f"feature values must be finite",
            field="dataset",
        )
    return value


def _whole_number(text: str) -> int | None:
    value = _number(text)
    if value is None or not math.isfinite(value) or value != int(value):
        return None
    return int(value)


def _classes(texts: list[str], label_name: str, column: int) -> tuple[tuple[str, ...], np.ndarray]:
    numbers = [_whole_number(text) for text in texts]
    keys: list[str]
    if all(number is not None for number in numbers):
        ordered = sorted({number for number in numbers if number is not None})
        class_names = tuple(str(number) for number in ordered)
        keys = [str(number) for number in numbers]
    else:
        class_names = tuple(sorted(set(texts)))
        keys = texts
    if len(class_names) < 2:
        raise TuiNNError(
            f"column {column} ({label_name}): every row has the label {class_names[0]!r}; "
            f"a classifier needs at least two classes",
            field="dataset",
        )
    if len(class_names) > MAX_CLASSES:
        raise TuiNNError(
            f"column {column} ({label_name}): {len(class_names)} different labels, more than "
            f"{MAX_CLASSES} classes (is it the right label column?)",
            field="dataset",
        )
    index = {class_name: i for i, class_name in enumerate(class_names)}
    return class_names, np.array([index[key] for key in keys], dtype=np.int64)


def load_csv(
    path: str | os.PathLike[str], label: str | None = None, max_bytes: int = MAX_CSV_BYTES
) -> Dataset:
    """Load a dataset from a CSV file (see the module docstring for the rules).

    Args:
        path: The file. Its size is checked before it is read.
        label: The label column's name; the last column when None.
        max_bytes: The largest file accepted.

    Returns:
        The dataset, named after the file.

    Raises:
        TuiNNError: naming the file and, for a malformed one, the row and column.
    """
    shown = os.fspath(path)
    data = read_limited(path, max_bytes, field="dataset")
    try:
        text = data.decode("utf-8")  # parse_csv_text drops a byte-order mark
    except UnicodeDecodeError as error:
        row = data.count(b"\n", 0, error.start) + 1
        raise TuiNNError(
            f"{shown}: row {row} (byte {error.start + 1}) is not UTF-8 text "
            f"(byte 0x{data[error.start]:02x}); save the file as UTF-8 CSV",
            field="dataset",
        ) from None
    try:
        return parse_csv_text(text, label=label, name=Path(shown).name, max_chars=max_bytes)
    except TuiNNError as error:
        raise TuiNNError(f"{shown}: {error}", field=error.field) from None


def dataset_to_csv_text(dataset: Dataset) -> str:
    """The CSV text ``save_csv`` writes: header, then one row per dataset row.

    Raises:
        TuiNNError: when a column or class name would not read back the same (empty,
            surrounded by spaces, or a duplicate).
    """
    names = [*dataset.feature_names, dataset.label_name]
    for kind, values in (("column", names), ("class", list(dataset.class_names))):
        for value in values:
            problem = name_problem(value)
            if problem:
                raise TuiNNError(
                    f"the {kind} name {value!r:.60} cannot be saved: a name {problem}",
                    field="dataset",
                )
    if len(set(names)) != len(names):
        raise TuiNNError(
            f"column names must differ to be saved, got {', '.join(names)}", field="dataset"
        )
    buffer = io.StringIO()
    if names[0].startswith("\ufeff"):
        # Loading drops one leading byte-order mark, so a name that starts with one needs
        # another in front of it.
        buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(names)
    class_names = dataset.class_names
    for row, label in zip(dataset.features.tolist(), dataset.labels.tolist(), strict=True):
        writer.writerow([*(repr(value) for value in row), class_names[label]])
    return buffer.getvalue()


def save_csv(dataset: Dataset, path: str | os.PathLike[str]) -> None:
    """Write a dataset as CSV, atomically (the old file survives a failed save).

    Features are written with ``repr`` so they read back to the same bits; the label column
    holds class names. Loading the file gives the same dataset when its class names are in
    the order ``load_csv`` gives them (see the module docstring) and every class has a row.

    Raises:
        TuiNNError: when a name cannot be saved or the file cannot be written.
    """
    save_bytes(path, dataset_to_csv_text(dataset).encode("utf-8"), field="dataset")
