"""Train/test split (seeded, stratified, both sides non-empty) and standardisation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_nn.core.dataset import TUTORIAL_DATASET, Dataset
from tui_nn.core.datasets import make_dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.split import Standardizer, prepare_data, split_dataset


def test_zero_fraction_keeps_every_row_for_training() -> None:
    train, test, mask = split_dataset(TUTORIAL_DATASET, 0, seed=1)
    assert train.n_rows == 7 and test.n_rows == 0
    assert not mask.any()
    assert test.n_features == 3 and test.class_names == ("0", "1")


def test_split_is_seeded_stratified_and_a_partition() -> None:
    dataset = make_dataset("blobs3", points=300)
    train, test, mask = split_dataset(dataset, 0.2, seed=7)
    assert (train.n_rows, test.n_rows) == (240, 60)
    assert np.bincount(test.labels).tolist() == [20, 20, 20]
    assert train.features.tobytes() == dataset.features[~mask].tobytes()
    assert test.features.tobytes() == dataset.features[mask].tobytes()
    assert test.labels.tolist() == dataset.labels[mask].tolist()
    again = split_dataset(dataset, 0.2, seed=7)[2]
    other = split_dataset(dataset, 0.2, seed=8)[2]
    assert np.array_equal(mask, again)
    assert not np.array_equal(mask, other)


def test_each_side_keeps_a_row() -> None:
    two = Dataset(np.eye(2), np.array([0, 1]), ("a", "b"))
    train, test, _ = split_dataset(two, 0.9, seed=0)
    assert (train.n_rows, test.n_rows) == (1, 1)
    train, test, _ = split_dataset(TUTORIAL_DATASET, 0.01, seed=0)
    assert (train.n_rows, test.n_rows) == (6, 1)


@pytest.mark.parametrize("bad", [-0.1, 0.95, 1, math.nan, math.inf, True, "0.2", None])
def test_bad_fraction_names_the_field(bad: object) -> None:
    with pytest.raises(TuiNNError, match=r"test split must be a fraction from 0 to 0\.9") as caught:
        split_dataset(TUTORIAL_DATASET, bad, seed=0)  # type: ignore[arg-type]
    assert caught.value.field == "test_split"


def test_one_row_cannot_be_split() -> None:
    one = Dataset(np.zeros((1, 2)), np.array([1]), ("a", "b"))
    with pytest.raises(TuiNNError, match="at least 2 rows") as caught:
        split_dataset(one, 0.5, seed=0)
    assert caught.value.field == "test_split"


@settings(max_examples=60, deadline=None)
@given(
    rows=st.integers(2, 60),
    fraction=st.floats(0.0, 0.9),
    seed=st.integers(0, 2**32 - 1),
    classes=st.integers(2, 4),
)
def test_split_sizes_and_partition_hold_for_any_input(
    rows: int, fraction: float, seed: int, classes: int
) -> None:
    labels = np.arange(rows) % classes
    dataset = Dataset(
        np.arange(rows, dtype=float).reshape(-1, 1),
        labels,
        ("x",),
        tuple(str(k) for k in range(classes)),
    )
    train, test, mask = split_dataset(dataset, fraction, seed)
    assert train.n_rows + test.n_rows == rows
    assert mask.sum() == test.n_rows
    if fraction > 0:
        assert train.n_rows >= 1 and test.n_rows >= 1
        assert abs(test.n_rows - rows * fraction) <= 1
    else:
        assert test.n_rows == 0
    assert sorted(np.concatenate([train.features, test.features])[:, 0]) == list(range(rows))


def test_standardizer_learns_from_training_rows_only() -> None:
    dataset = Dataset(
        np.array([[1.0, 5.0], [3.0, 5.0], [5.0, 5.0], [100.0, 5.0]]),
        np.array([0, 1, 0, 1]),
        ("a", "constant"),
    )
    data = prepare_data(dataset, test_fraction=0.25, normalize=True, seed=0)
    raw_train = dataset.features[~data.test_mask]
    assert data.standardizer is not None
    assert data.standardizer.mean.tolist() == raw_train.mean(axis=0).tolist()
    assert data.standardizer.std[1] == 1.0  # constant column: shifted, not scaled up
    assert np.allclose(data.train.features[:, 0].mean(), 0.0)
    assert np.allclose(data.train.features[:, 0].std(), 1.0)
    assert (data.train.features[:, 1] == 0).all()
    expected_test = (dataset.features[data.test_mask] - data.standardizer.mean) / (
        data.standardizer.std
    )
    assert data.test.features.tolist() == expected_test.tolist()


def test_prepare_without_normalize_keeps_raw_features() -> None:
    data = prepare_data(TUTORIAL_DATASET, 0.3, normalize=False, seed=1)
    assert data.standardizer is None
    assert data.train.features.tobytes() == TUTORIAL_DATASET.features[~data.test_mask].tobytes()


def test_standardizer_round_trips_through_a_dict_exactly() -> None:
    fitted = Standardizer.fit(np.random.default_rng(0).normal(3.0, 7.0, size=(50, 3)))
    again = Standardizer.from_dict(fitted.to_dict(), n_features=3)
    assert again.mean.tobytes() == fitted.mean.tobytes()
    assert again.std.tobytes() == fitted.std.tobytes()


@pytest.mark.parametrize(
    "data",
    [
        {"mean": [0.0], "std": [1.0, 1.0]},
        {"mean": [0.0, 0.0], "std": [1.0, 0.0]},
        {"mean": [0.0, math.nan], "std": [1.0, 1.0]},
        {"mean": [0.0, True], "std": [1.0, 1.0]},
        {"mean": "0, 0", "std": [1.0, 1.0]},
        {"std": [1.0, 1.0]},
        [1, 2],
    ],
)
def test_standardizer_from_bad_dict_is_refused(data: object) -> None:
    with pytest.raises(TuiNNError) as caught:
        Standardizer.from_dict(data, n_features=2)  # type: ignore[arg-type]
    assert caught.value.field == "normalize"


def test_standardizer_checks_widths() -> None:
    fitted = Standardizer.fit(np.ones((3, 2)))
    assert fitted.transform([1.0, 1.0]).tolist() == [0.0, 0.0]
    with pytest.raises(TuiNNError, match="expected 2 feature values"):
        fitted.transform(np.ones((3, 3)))
    with pytest.raises(TuiNNError, match="at least one training row"):
        Standardizer.fit(np.ones((0, 2)))
