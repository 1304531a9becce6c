"""Shared fixtures for the engine tests: the golden numbers and small toy datasets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tui_nn.core.dataset import Dataset

GOLDEN_COPY = Path(__file__).resolve().parents[1] / "data" / "tutorial-golden.json"
"""The repository's copy of ``shared/reference/tutorial-golden.json``."""


@pytest.fixture(scope="session")
def golden() -> dict[str, Any]:
    """Every number the tutorial prints and its code produces, as recorded in the reference."""
    data: dict[str, Any] = json.loads(GOLDEN_COPY.read_text(encoding="utf-8"))
    return data


def toy_dataset(n_classes: int, rows: int = 8, features: int = 3, seed: int = 7) -> Dataset:
    """Signed, non-integer features (relu masks and biases both matter), every class present."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 1.0, size=(rows, features))
    labels = np.arange(rows) % n_classes
    return Dataset(
        features=x,
        labels=labels,
        feature_names=tuple(f"f{i}" for i in range(features)),
        class_names=tuple(str(c) for c in range(n_classes)),
        name=f"toy{n_classes}",
    )


@pytest.fixture(scope="session")
def binary_data() -> Dataset:
    """Eight rows, three signed features, two classes."""
    return toy_dataset(2)


@pytest.fixture(scope="session")
def three_class_data() -> Dataset:
    """Nine rows, three signed features, three classes."""
    return toy_dataset(3, rows=9)
