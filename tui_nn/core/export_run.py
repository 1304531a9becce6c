"""What an export needs to know about a run, and the parts every exported script shares.

An ``ExportRun`` describes one training run as the workbench or ``tui-nn train`` did it: the
settings, the training and test rows *before* standardisation (the script standardises them
itself, so a learner sees their own numbers), the standardisation, the weights the run started
from (None: the seed's initialisation, which the script reproduces), and the epochs trained.

``data_section`` renders the data as Python (inline up to ``MAX_INLINE_ROWS`` rows, else as a
CSV written beside the script); the NumPy and PyTorch exporters both use it.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tui_nn.core.dataset import Dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.files import check_output_path
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.network import Network
from tui_nn.core.split import PreparedData, Standardizer

__all__ = [
    "MAX_INLINE_ROWS",
    "DataSection",
    "ExportRun",
    "check_output_paths",
    "data_section",
    "number",
    "python_list",
]

MAX_INLINE_ROWS = 1000
"""Rows (training and test together) written into a script; more go to a CSV beside it."""

FloatArray = npt.NDArray[np.floating]


@dataclass(frozen=True, eq=False)
class ExportRun:
    """One training run, as an exporter needs it.

    Attributes:
        hyperparams: The settings the run trained with.
        train: The training rows, not standardised.
        test: The held-out rows, not standardised (0 rows when there is no test split).
        standardizer: The standardisation fitted on the training rows, or None.
        trained: The network at the end of the run.
        start: The weights the run started from, or None when it started from the seed's
            initialisation (``hyperparams.init`` with ``hyperparams.seed``).
        start_epoch: Epochs already trained when the run started (a saved session trained on).
        end_epoch: Epochs trained at the end of the run; the same as ``start_epoch`` when it
            has not trained yet, and the script then trains the whole configured run.
        start_moments: The optimiser's state arrays when the run started, by name (``velocity``;
            ``m`` and ``v``), each a flat vector laid out like the network's parameters; empty
            when they started at zero.
        start_steps: Updates the optimiser had made when the run started (Adam).
        predict_rows: Extra rows (not standardised) whose predictions the script prints, like
            the tutorial's ``single_pt``.
        source: Where the data came from, for the script's docstring.
    """

    hyperparams: Hyperparams
    train: Dataset
    test: Dataset
    standardizer: Standardizer | None
    trained: Network
    start: Network | None = None
    start_epoch: int = 0
    end_epoch: int = 0
    start_moments: Mapping[str, FloatArray] = field(default_factory=dict)
    start_steps: int = 0
    predict_rows: tuple[tuple[float, ...], ...] = field(default=())
    source: str = ""

    @classmethod
    def from_prepared(
        cls,
        dataset: Dataset,
        data: PreparedData,
        hyperparams: Hyperparams,
        trained: Network,
        start: Network | None = None,
        start_epoch: int = 0,
        end_epoch: int = 0,
        predict_rows: Sequence[Sequence[float]] = (),
        start_moments: Mapping[str, FloatArray] | None = None,
        start_steps: int = 0,
    ) -> ExportRun:
        """Describe a run on ``dataset`` split (and maybe standardised) as ``data``.

        The training and test rows are taken from ``dataset`` by ``data.test_mask``, so the
        script sees them before standardisation.
        """
        train = _rows(dataset, ~data.test_mask)
        test = _rows(dataset, data.test_mask)
        return cls(
            hyperparams=hyperparams,
            train=train,
            test=test,
            standardizer=data.standardizer,
            trained=trained,
            start=start,
            start_epoch=start_epoch,
            end_epoch=end_epoch,
            start_moments=dict(start_moments or {}),
            start_steps=start_steps,
            predict_rows=tuple(tuple(float(v) for v in row) for row in predict_rows),
            source=dataset.name,
        )

    @property
    def epochs(self) -> int:
        """Epochs the exported script trains: those the run trained, else the configured rest."""
        if self.end_epoch > self.start_epoch:
            return self.end_epoch - self.start_epoch
        return max(self.hyperparams.epochs - self.start_epoch, 1)

    @property
    def n_rows(self) -> int:
        """Training and test rows together."""
        return self.train.n_rows + self.test.n_rows


def _rows(dataset: Dataset, mask: npt.NDArray[np.bool_]) -> Dataset:
    return Dataset(
        features=dataset.features[mask],
        labels=dataset.labels[mask],
        feature_names=dataset.feature_names,
        class_names=dataset.class_names,
        label_name=dataset.label_name,
        name=dataset.name,
    )


def number(value: float) -> str:
    """A float as Python source that reads back to the same bits (``3`` for 3.0, ``-0.0`` kept)."""
    if value.is_integer() and abs(value) < 2**53 and not (value == 0 and np.signbit(value)):
        return str(int(value))
    return repr(float(value))


def python_list(values: Sequence[float] | npt.NDArray[Any]) -> str:
    """``[1, 0.5, ...]`` with every float exact."""
    return "[" + ", ".join(number(float(v)) for v in values) + "]"


def number_rows(table: FloatArray, separator: str = ", ") -> list[str]:
    """Each row of a 2-D table as exact Python source, values joined by ``separator``.

    A table of whole numbers (pixels, counts, 0/1 flags) is written as integers; any other as
    each value's shortest round-trip ``repr``. One %-format per row keeps the per-value work
    in C: a 10,000 x 784 table takes about a second, not ten.
    """
    whole = (
        table.size > 0
        and bool(np.all(np.abs(table) < 2**53))
        and np.array_equal(table, np.round(table))
        and not np.any((table == 0) & np.signbit(table))
    )
    row_format = separator.join(["%d" if whole else "%r"] * table.shape[1])
    rows = table.astype(np.int64) if whole else table
    return [row_format % tuple(row) for row in rows.tolist()]


def _matrix(rows: FloatArray) -> str:
    if rows.shape[0] == 0:
        return f"np.zeros((0, {rows.shape[1]}))"
    body = "".join(f"        [{row}],\n" for row in number_rows(rows))
    return f"np.array(\n    [\n{body}    ],\n    dtype=float,\n)"


@dataclass(frozen=True)
class DataSection:
    """The data part of a script, and the CSV that goes beside it (None when inline)."""

    code: str
    csv_text: str | None


def companion_path(script: str | os.PathLike[str], suffix: str) -> Path:
    """A file written beside ``script``: ``run.py`` -> ``run_data.csv`` for ``_data.csv``."""
    path = Path(script)
    return path.with_name(path.stem + suffix)


CSV_SUFFIX = "_data.csv"
"""What ``data_section`` names the CSV beside a script (``run.py`` -> ``run_data.csv``)."""


def data_section(run: ExportRun, script: str | os.PathLike[str]) -> DataSection:
    """Python that defines ``training_set``, ``labels``, ``test_set``, ``test_labels``,
    ``feature_names`` and ``class_names`` (raw, not yet standardised).

    Up to ``MAX_INLINE_ROWS`` rows are written inline; more are read from a CSV beside the
    script, training rows first.
    """
    train, test = run.train, run.test
    lines = [
        f"feature_names = {list(train.feature_names)!r}",
        f"class_names = {list(train.class_names)!r}",
    ]
    if run.n_rows <= MAX_INLINE_ROWS:
        lines += [
            f"# {train.n_rows} training rows, {train.n_features} features each.",
            f"training_set = {_matrix(train.features)}",
            "# The class of each row, as an index into class_names.",
            f"labels = np.array({python_list(train.labels)})",
        ]
        if test.n_rows:
            lines += [
                f"# {test.n_rows} test rows, held out from training.",
                f"test_set = {_matrix(test.features)}",
                f"test_labels = np.array({python_list(test.labels)})",
            ]
        return DataSection("\n".join(lines) + "\n", None)
    name = companion_path(script, CSV_SUFFIX).name
    lines += [
        f"# The {run.n_rows:,} rows live in {name} beside this script (too many to list here):",
        f"# the first {train.n_rows:,} train, the other {test.n_rows:,} are held out for testing.",
        "# Its last column is the class of each row, as an index into class_names.",
        "here = os.path.dirname(os.path.abspath(__file__))",
        f'data = np.loadtxt(os.path.join(here, "{name}"), delimiter=",", skiprows=1, ndmin=2)',
        f"training_set = data[:{train.n_rows}, :-1]",
        f"labels = data[:{train.n_rows}, -1].astype(int)",
    ]
    if test.n_rows:
        lines += [
            f"test_set = data[{train.n_rows}:, :-1]",
            f"test_labels = data[{train.n_rows}:, -1].astype(int)",
        ]
    return DataSection("\n".join(lines) + "\n", _csv_text(train, test))


def _csv_text(train: Dataset, test: Dataset) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([*train.feature_names, train.label_name])
    for part in (train, test):
        # Numbers need no quoting: join them directly, far faster than csv.writer per value.
        for row, label in zip(number_rows(part.features, ","), part.labels.tolist(), strict=True):
            buffer.write(f"{row},{label}\n")
    return buffer.getvalue()


def standardise_section(run: ExportRun, *, prefix: str = "") -> str:
    """Python that standardises ``training_set`` and ``test_set`` as the workbench did."""
    if run.standardizer is None:
        return ""
    lines = [
        "# Standardise every feature with the training rows' mean and standard deviation,",
        "# as the workbench did (a constant column has std 1: it is only shifted).",
        f"mean = np.array({python_list(run.standardizer.mean)})",
        f"std = np.array({python_list(run.standardizer.std)})",
        "training_set = (training_set - mean) / std",
    ]
    if run.test.n_rows:
        lines.append("test_set = (test_set - mean) / std")
    return prefix + "\n".join(lines) + "\n"


def check_output_paths(outputs: Sequence[tuple[str, str]], *, field: str) -> None:
    """Refuse, before any long work, outputs a save would fail on, or two that are one file.

    Args:
        outputs: ``(path, what writes it)`` pairs, e.g. ``("m.py", "--export-torch")``.
        field: The field any error names.

    Raises:
        TuiNNError: naming the path, the rule, and for a clash both writers.
    """
    seen: dict[str, str] = {}
    for path, writer in outputs:
        real = os.path.realpath(path)
        if real in seen:
            raise TuiNNError(
                f"{path}: both {seen[real]} and {writer} would write this file; "
                "give each output its own name",
                field=field,
            )
        seen[real] = writer
        check_output_path(path, field=field)
