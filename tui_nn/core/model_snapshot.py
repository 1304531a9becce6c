"""What the views draw: one model at one epoch, beside the data it learned from.

The decision map, the every-input table and the network view all take a ``ModelSnapshot``:
the network (a copy nobody trains), the data in its own units as the grid shows it, which rows
are test rows, the standardiser the model's inputs go through, the epoch, and the input row
whose activations the network view shows. Viewing the run's past is the same snapshot with an
older network and ``latest_epoch`` set, so every view can say "viewing epoch N of M".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt

from tui_nn.core.activations import ACTIVATIONS
from tui_nn.core.dataset import Dataset
from tui_nn.core.network import Network, Prediction
from tui_nn.core.split import PreparedData, Standardizer

__all__ = ["ModelSnapshot", "layer_outputs"]

FloatArray = npt.NDArray[np.float64]


def layer_outputs(network: Network, inputs: npt.ArrayLike) -> list[FloatArray]:
    """Every layer's activations for one row of (model-ready) inputs, inputs first.

    Returns:
        ``[inputs, hidden 1, ..., outputs]``, each a 1-D array.
    """
    a = np.atleast_2d(np.asarray(inputs, dtype=network.dtype))
    layers = [a[0].astype(np.float64)]
    with np.errstate(over="ignore", invalid="ignore"):
        for weight, bias, name in zip(
            network.weights, network.biases, network.activations, strict=True
        ):
            z = a @ weight + bias
            a = ACTIVATIONS[name](z, z)
            layers.append(a[0].astype(np.float64))
    return layers


@dataclass(frozen=True, eq=False)
class ModelSnapshot:
    """A model to look at.

    Attributes:
        network: The weights to draw (not shared with a trainer).
        dataset: The data in its own units, as the grid shows it.
        test_mask: Per data row, whether it is held out for testing.
        standardizer: What the model's inputs go through, or None.
        epoch: The epoch these weights are from.
        latest_epoch: The run's latest epoch while viewing the past; None when this is now.
        selected_row: The data row whose activations the network view shows (0-based).
        position: ``(index, count)`` of this snapshot among the kept ones, when in the past.
    """

    network: Network
    dataset: Dataset
    test_mask: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, bool))
    standardizer: Standardizer | None = None
    epoch: int = 0
    latest_epoch: int | None = None
    selected_row: int = 0
    position: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        mask = np.asarray(self.test_mask, dtype=bool)
        if mask.shape != (self.dataset.n_rows,):
            mask = np.zeros(self.dataset.n_rows, dtype=bool)
        object.__setattr__(self, "test_mask", mask)

    @classmethod
    def of(
        cls,
        network: Network,
        dataset: Dataset,
        prepared: PreparedData,
        epoch: int,
        selected_row: int = 0,
    ) -> ModelSnapshot:
        """A snapshot of ``network`` on ``dataset`` split and standardised as ``prepared``."""
        return cls(
            network, dataset, prepared.test_mask, prepared.standardizer, epoch, None, selected_row
        )

    @property
    def in_past(self) -> bool:
        """Whether this is an earlier epoch than the run's latest."""
        return self.latest_epoch is not None

    @property
    def epoch_label(self) -> str:
        """``epoch N``, or ``viewing epoch N of M`` in the past."""
        if self.latest_epoch is None:
            return f"epoch {self.epoch:,}"
        return f"viewing epoch {self.epoch:,} of {self.latest_epoch:,}"

    @property
    def fits(self) -> bool:
        """Whether the model takes this data's features (it may be stale after an edit)."""
        inputs = self.network.layer_sizes[0]
        if self.standardizer is not None and self.standardizer.n_features != inputs:
            return False
        return inputs == self.dataset.n_features

    @property
    def n_classes(self) -> int:
        """The classes the model tells apart."""
        outputs = self.network.layer_sizes[-1]
        return 2 if outputs == 1 else outputs

    @property
    def train_features(self) -> FloatArray:
        """The training rows in the data's units."""
        return np.asarray(self.dataset.features[~self.test_mask], dtype=np.float64)

    def model_inputs(self, features: npt.ArrayLike) -> FloatArray:
        """Rows in the data's units as the model takes them (standardised when it was)."""
        table = np.asarray(features, dtype=np.float64)
        return self.standardizer.transform(table) if self.standardizer is not None else table

    @cached_property
    def prediction(self) -> Prediction:
        """The model's answer for every data row (computed once per snapshot)."""
        with np.errstate(over="ignore", invalid="ignore"):
            return self.network.predict(self.model_inputs(self.dataset.features))

    def predict(self) -> Prediction:
        """The model's answer for every data row."""
        return self.prediction

    def selected_activations(self) -> list[FloatArray] | None:
        """Every layer's activations for the selected row, None without rows."""
        if not self.dataset.n_rows or not self.fits:
            return None
        row = min(max(self.selected_row, 0), self.dataset.n_rows - 1)
        return layer_outputs(self.network, self.model_inputs(self.dataset.features[row]))
