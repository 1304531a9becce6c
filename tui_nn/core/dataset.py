"""The dataset a network learns from: numeric feature columns and one class label per row."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tui_nn.core.errors import TuiNNError

FloatArray = npt.NDArray[np.floating]
IntArray = npt.NDArray[np.integer]


@dataclass(frozen=True, eq=False)
class Dataset:
    """Rows of features with a class label each.

    Attributes:
        features: ``(rows, features)`` float64 matrix.
        labels: ``(rows,)`` integer class index per row, in ``range(len(class_names))``.
        feature_names: One name per feature column.
        class_names: The label text of each class; binary data has two (``"0"``, ``"1"``).
        label_name: The name of the label column.
        name: Where the data came from (a built-in name or a file name), for titles.
    """

    features: FloatArray
    labels: IntArray
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...] = ("0", "1")
    label_name: str = "label"
    name: str = "custom"

    def __post_init__(self) -> None:
        features = np.asarray(self.features, dtype=np.float64)
        labels = np.asarray(self.labels)
        if features.ndim != 2:
            raise TuiNNError("features must be a 2-D table of rows x columns", field="features")
        if labels.shape != (features.shape[0],):
            raise TuiNNError(
                f"labels must have one value per row ({features.shape[0]}), got {labels.shape}",
                field="labels",
            )
        if len(self.feature_names) != features.shape[1]:
            raise TuiNNError(
                f"expected {features.shape[1]} feature names, got {len(self.feature_names)}",
                field="features",
            )
        if len(self.class_names) < 2:
            raise TuiNNError("a dataset needs at least two classes", field="labels")
        if labels.size and (labels.min() < 0 or labels.max() >= len(self.class_names)):
            raise TuiNNError("every label must name one of the classes", field="labels")
        if not np.isfinite(features).all():
            raise TuiNNError("every feature value must be a finite number", field="features")
        object.__setattr__(self, "features", features)
        object.__setattr__(self, "labels", labels.astype(np.int64))

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return int(self.features.shape[0])

    @property
    def n_features(self) -> int:
        """Number of feature columns."""
        return int(self.features.shape[1])

    @property
    def n_classes(self) -> int:
        """Number of classes."""
        return len(self.class_names)

    @property
    def n_outputs(self) -> int:
        """Output units a network needs: one sigmoid for two classes, one per class otherwise."""
        return 1 if self.n_classes == 2 else self.n_classes

    def targets(
        self, n_outputs: int | None = None, dtype: npt.DTypeLike = np.float64
    ) -> FloatArray:
        """Training targets: ``(rows, 1)`` 0/1 for one output, else one-hot ``(rows, n_outputs)``.

        Args:
            n_outputs: Output units of the network (default ``n_outputs``): softmax over two
                classes takes two, one-hot.
            dtype: The float type wanted.
        """
        outputs = self.n_outputs if n_outputs is None else n_outputs
        if outputs == 1:
            return self.labels.reshape(-1, 1).astype(dtype)
        return np.eye(outputs, dtype=dtype)[self.labels]


TUTORIAL_DATASET = Dataset(
    features=np.array(
        [[0, 1, 0], [0, 0, 1], [1, 0, 0], [1, 1, 0], [1, 1, 1], [0, 1, 1], [0, 1, 0]],
        dtype=np.float64,
    ),
    labels=np.array([1, 0, 0, 1, 1, 0, 1]),
    feature_names=("x1", "x2", "x3"),
    name="tutorial",
)
"""The tutorial's seven rows of three binary features (Step #1)."""
