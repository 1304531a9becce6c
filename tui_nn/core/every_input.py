"""Every input: the model's answer for all 2^k rows of k features that are each 0 or 1.

A small truth-table dataset only asks about some of its possible inputs; the tutorial's seven
rows never ask about ``0,0,0`` or ``1,0,1``. This table asks about all of them, in counting
order (the first feature is the most significant bit), and says for each whether the data has
it, with which label, and whether the model gets it right, or that the model never saw it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tui_nn.core.dataset import Dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.network import Network
from tui_nn.core.split import Standardizer

__all__ = [
    "MAX_BINARY_FEATURES",
    "EveryInputTable",
    "InputRow",
    "all_inputs",
    "every_input_table",
    "every_input_unavailable",
]

MAX_BINARY_FEATURES = 10
"""The most 0/1 features tabulated: 2^10 = 1024 rows still reads as a table."""


def every_input_unavailable(dataset: Dataset) -> str | None:
    """Why the every-input table cannot show this data, or None when it can."""
    rule = f"Every input needs 0/1 features (at most {MAX_BINARY_FEATURES})"
    if dataset.n_features > MAX_BINARY_FEATURES:
        return f"{rule}: this data has {dataset.n_features} features."
    if dataset.n_rows == 0:
        return f"{rule}: this data has no rows."
    features = dataset.features
    if not np.isin(features, (0.0, 1.0)).all():
        column = int(np.flatnonzero(~np.isin(features, (0.0, 1.0)).all(axis=0))[0])
        return f"{rule}: {dataset.feature_names[column]} takes other values."
    return None


def all_inputs(k: int) -> npt.NDArray[np.float64]:
    """``(2^k, k)`` every 0/1 row in counting order, the first column the most significant."""
    if not 0 < k <= MAX_BINARY_FEATURES:
        raise TuiNNError(
            f"every input is tabulated for 1 to {MAX_BINARY_FEATURES} features, got {k}",
            field="features",
        )
    codes = np.arange(2**k)
    shifts = np.arange(k - 1, -1, -1)
    return ((codes[:, None] >> shifts) & 1).astype(np.float64)


@dataclass(frozen=True, slots=True)
class InputRow:
    """One of the 2^k inputs and what is known about it.

    Attributes:
        inputs: The 0/1 values, one per feature.
        probabilities: The model's outputs.
        predicted: The predicted class index.
        labels: The distinct labels the data gives this input (empty: unseen), ascending.
        train_rows: How many training rows have this input.
        test_rows: How many test rows have this input.
    """

    inputs: tuple[int, ...]
    probabilities: tuple[float, ...]
    predicted: int
    labels: tuple[int, ...]
    train_rows: int
    test_rows: int

    @property
    def seen(self) -> bool:
        """Whether the data has this input at all."""
        return bool(self.labels)

    @property
    def right(self) -> bool | None:
        """True if every data row with this input has the predicted label; None if unseen."""
        if not self.labels:
            return None
        return self.labels == (self.predicted,)


@dataclass(frozen=True, eq=False)
class EveryInputTable:
    """All 2^k inputs with the model's answers.

    Attributes:
        rows: One ``InputRow`` per input, in counting order.
        probabilities: ``(2^k, outputs)`` the network's outputs, as ``Network.predict`` gives.
        classes: ``(2^k,)`` the predicted classes.
    """

    rows: tuple[InputRow, ...]
    probabilities: npt.NDArray[np.float64]
    classes: npt.NDArray[np.int64]

    @property
    def unseen(self) -> int:
        """How many inputs the data never has."""
        return sum(1 for row in self.rows if not row.seen)

    @property
    def wrong(self) -> int:
        """How many seen inputs the model gets wrong."""
        return sum(1 for row in self.rows if row.right is False)


def every_input_table(
    network: Network,
    dataset: Dataset,
    test_mask: npt.NDArray[np.bool_] | None = None,
    standardizer: Standardizer | None = None,
) -> EveryInputTable:
    """The model's answer for every 0/1 input of ``dataset``'s features, in one forward pass.

    Args:
        network: The model.
        dataset: The data in its own units (0/1 features).
        test_mask: Per data row, whether it is a test row (default: none are).
        standardizer: Applied to the inputs first when the model trained on standardised rows.

    Raises:
        TuiNNError: ``field="features"`` when the data's features are not all 0/1 or too many.
    """
    reason = every_input_unavailable(dataset)
    if reason is not None:
        raise TuiNNError(reason, field="features")
    k = dataset.n_features
    inputs = all_inputs(k)
    shown = standardizer.transform(inputs) if standardizer is not None else inputs
    with np.errstate(over="ignore", invalid="ignore"):
        prediction = network.predict(shown)
    probabilities = np.asarray(prediction.probabilities, dtype=np.float64)
    classes = prediction.classes
    weights = 1 << np.arange(k - 1, -1, -1)
    codes = (dataset.features.astype(np.int64) * weights).sum(axis=1)
    mask = np.zeros(dataset.n_rows, bool) if test_mask is None else np.asarray(test_mask, bool)
    labels: list[set[int]] = [set() for _ in range(inputs.shape[0])]
    train_rows = np.bincount(codes[~mask], minlength=inputs.shape[0])
    test_rows = np.bincount(codes[mask], minlength=inputs.shape[0])
    for code, label in zip(codes.tolist(), dataset.labels.tolist(), strict=True):
        labels[code].add(label)
    rows = tuple(
        InputRow(
            inputs=tuple(int(v) for v in inputs[index]),
            probabilities=tuple(float(p) for p in probabilities[index]),
            predicted=int(classes[index]),
            labels=tuple(sorted(labels[index])),
            train_rows=int(train_rows[index]),
            test_rows=int(test_rows[index]),
        )
        for index in range(inputs.shape[0])
    )
    return EveryInputTable(rows, probabilities, classes)
