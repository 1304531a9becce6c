"""Train/test splits and feature standardisation.

``split_dataset`` holds out a seeded, stratified share of the rows: within every class the
rows are shuffled and spread evenly over [0, 1), and the rows with the lowest positions form
the test set, so each class gives close to the same fraction. ``Standardizer`` learns each
feature's mean and standard deviation from the training rows only (so nothing about the test
rows leaks into training) and applies them to any rows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tui_nn.core.dataset import Dataset
from tui_nn.core.errors import TuiNNError

__all__ = [
    "MAX_TEST_FRACTION",
    "PreparedData",
    "Standardizer",
    "check_test_fraction",
    "prepare_data",
    "split_dataset",
]

MAX_TEST_FRACTION = 0.9

FloatArray = npt.NDArray[np.float64]


def check_test_fraction(test_fraction: object) -> float:
    """The test fraction as a float.

    Raises:
        TuiNNError: with ``field="test_split"`` unless it is a number from 0 to 0.9.
    """
    if (
        isinstance(test_fraction, bool)
        or not isinstance(test_fraction, int | float | np.floating | np.integer)
        or not math.isfinite(test_fraction)
        or not 0 <= test_fraction <= MAX_TEST_FRACTION
    ):
        raise TuiNNError(
            f"test split must be a fraction from 0 to {MAX_TEST_FRACTION} "
            f"(0.2 holds out 20% of the rows), got {test_fraction!r}",
            field="test_split",
        )
    return float(test_fraction)


def _rows(dataset: Dataset, mask: npt.NDArray[np.bool_]) -> Dataset:
    return Dataset(
        features=dataset.features[mask],
        labels=dataset.labels[mask],
        feature_names=dataset.feature_names,
        class_names=dataset.class_names,
        label_name=dataset.label_name,
        name=dataset.name,
    )


def split_dataset(
    dataset: Dataset, test_fraction: float, seed: int
) -> tuple[Dataset, Dataset, npt.NDArray[np.bool_]]:
    """Hold out about ``test_fraction`` of the rows as a test set, stratified by class.

    Args:
        dataset: The rows to split.
        test_fraction: From 0 (no test rows) to 0.9.
        seed: Seeds the shuffle; the same seed gives the same split.

    Returns:
        ``(train, test, test_mask)``: both keep the original row order and all class names;
        ``test_mask[i]`` says whether original row ``i`` is a test row. A non-zero fraction
        puts at least one row on each side.

    Raises:
        TuiNNError: ``field="test_split"`` for a fraction out of range, or a non-zero one
            for data with fewer than two rows.
    """
    fraction = check_test_fraction(test_fraction)
    rows = dataset.n_rows
    mask = np.zeros(rows, dtype=bool)
    if fraction == 0:
        return dataset, _rows(dataset, mask), mask
    if rows < 2:
        raise TuiNNError(
            f"a test split needs at least 2 rows, the data has {rows}", field="test_split"
        )
    n_test = min(max(round(rows * fraction), 1), rows - 1)
    rng = np.random.default_rng(seed)
    position = np.empty(rows)
    for label in np.unique(dataset.labels):
        members = rng.permutation(np.flatnonzero(dataset.labels == label))
        position[members] = (np.arange(members.size) + 0.5) / members.size
    # Random tie-breaks decide between classes of equal size at the same position.
    order = np.lexsort((rng.random(rows), position))
    mask[order[:n_test]] = True
    return _rows(dataset, ~mask), _rows(dataset, mask), mask


@dataclass(frozen=True, eq=False)
class Standardizer:
    """Per-feature shift and scale to mean 0, standard deviation 1.

    Attributes:
        mean: ``(features,)`` mean of each training column.
        std: ``(features,)`` population standard deviation of each training column; 1 for a
            constant column, which is then only shifted.
    """

    mean: FloatArray
    std: FloatArray

    @classmethod
    def fit(cls, features: npt.ArrayLike, names: Sequence[str] | None = None) -> Standardizer:
        """Learn the mean and standard deviation of each column of ``features``.

        Args:
            features: The training rows.
            names: The columns' names, for a message.

        Raises:
            TuiNNError: when there are no rows to learn from, or a column's mean or spread
                overflows (values near the float limit, ±1.8e308), naming the column.
        """
        table = np.asarray(features, dtype=np.float64)
        if table.ndim != 2 or table.shape[0] == 0:
            raise TuiNNError("standardisation needs at least one training row", field="normalize")
        with np.errstate(all="ignore"):  # an overflow is reported below, by column
            mean = table.mean(axis=0)
            std = table.std(axis=0)
        _check_finite(np.asarray(np.isfinite(mean) & np.isfinite(std)), names)
        # Tiny spreads are rounding noise of a constant column: scaling them up would turn
        # noise into signal.
        constant = ~(std > 1e-12 * np.maximum(np.abs(mean), 1.0))
        std[constant] = 1.0
        return cls(mean, std)

    @property
    def n_features(self) -> int:
        """Number of columns it standardises."""
        return int(self.mean.shape[0])

    def transform(self, features: npt.ArrayLike) -> FloatArray:
        """``(features - mean) / std`` for a ``(rows, features)`` table or one row.

        Raises:
            TuiNNError: when the number of columns differs from the fitted one.
        """
        table = np.asarray(features, dtype=np.float64)
        if table.shape[-1:] != self.mean.shape:
            raise TuiNNError(
                f"expected {self.n_features} feature values per row, got {table.shape[-1:]}",
                field="features",
            )
        result: FloatArray = (table - self.mean) / self.std
        return result

    def apply(self, dataset: Dataset) -> Dataset:
        """The same dataset with standardised features.

        Raises:
            TuiNNError: naming the column whose standardised values overflow.
        """
        with np.errstate(all="ignore"):
            features = self.transform(dataset.features)
        _check_finite(np.asarray(np.isfinite(features).all(axis=0)), dataset.feature_names)
        return Dataset(
            features=features,
            labels=dataset.labels,
            feature_names=dataset.feature_names,
            class_names=dataset.class_names,
            label_name=dataset.label_name,
            name=dataset.name,
        )

    def to_dict(self) -> dict[str, list[float]]:
        """Plain lists for a session or model file (floats round-trip exactly)."""
        return {"mean": self.mean.tolist(), "std": self.std.tolist()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], n_features: int | None = None) -> Standardizer:
        """Rebuild from ``to_dict()`` output, checking it first.

        Args:
            data: ``{"mean": [...], "std": [...]}``.
            n_features: The number of columns expected, when known.

        Raises:
            TuiNNError: ``field="normalize"`` naming the key that is missing or wrong.
        """
        if not isinstance(data, Mapping):
            raise TuiNNError("standardizer must be a table of mean and std", field="normalize")
        arrays = []
        for key in ("mean", "std"):
            values = data.get(key)
            if (
                not isinstance(values, list | tuple)
                or any(isinstance(v, bool) or not isinstance(v, int | float) for v in values)
                or (n_features is not None and len(values) != n_features)
            ):
                wanted = f"{n_features} " if n_features is not None else ""
                raise TuiNNError(
                    f"standardizer {key} must be a list of {wanted}numbers", field="normalize"
                )
            arrays.append(np.array(values, dtype=np.float64))
        mean, std = arrays
        if mean.shape != std.shape:
            raise TuiNNError(
                "standardizer mean and std must have the same length", field="normalize"
            )
        if not (np.isfinite(mean).all() and np.isfinite(std).all() and (std > 0).all()):
            raise TuiNNError(
                "standardizer mean must be finite and std finite and > 0", field="normalize"
            )
        return cls(mean, std)


@dataclass(frozen=True, eq=False)
class PreparedData:
    """Data ready to train on.

    Attributes:
        train: Training rows (standardised when asked).
        test: Test rows (standardised with the training rows' statistics); may have 0 rows.
        test_mask: Per original row, whether it is a test row.
        standardizer: The fitted standardisation, or None when not asked for.
    """

    train: Dataset
    test: Dataset
    test_mask: npt.NDArray[np.bool_]
    standardizer: Standardizer | None


def _check_finite(finite: npt.NDArray[np.bool_], names: Sequence[str] | None) -> None:
    """Refuse the first column whose standardisation went non-finite, by name."""
    if finite.all():
        return
    column = int(np.flatnonzero(~finite)[0])
    shown = f"column {column + 1}" + (f" ({names[column]})" if names is not None else "")
    raise TuiNNError(
        f"{shown}: standardising overflows (its values are too close to the float limit, "
        "±1.8e308); scale the column down or turn standardise off",
        field="normalize",
    )


def prepare_data(
    dataset: Dataset, test_fraction: float = 0.0, normalize: bool = False, seed: int = 0
) -> PreparedData:
    """Split ``dataset`` and optionally standardise it on the training rows only.

    Raises:
        TuiNNError: as ``split_dataset``.
    """
    train, test, mask = split_dataset(dataset, test_fraction, seed)
    if not normalize:
        return PreparedData(train, test, mask, None)
    standardizer = Standardizer.fit(train.features, dataset.feature_names)
    return PreparedData(standardizer.apply(train), standardizer.apply(test), mask, standardizer)
