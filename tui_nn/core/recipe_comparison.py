"""Tutorial vs textbook: both recipes trained from the same weights on the same rows.

``compare_recipes`` trains the ``tutorial`` recipe (the seed's double sigmoid, raw error, bias
row by row) and the ``textbook`` recipe (correct backpropagation) from one starting network and
measures the same thing for both after every epoch: the mean squared error on the training rows
(whatever loss a recipe minimises) and whether every training row is classified right. Curves
are bounded (``DownsampledHistory``) and the work is capped (``comparison_epochs``), so it fits
in a thread worker beside the app; ``should_stop`` ends it early.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tui_nn.core.activations import ACTIVATIONS
from tui_nn.core.data_rules import output_size
from tui_nn.core.dataset import Dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.history import DownsampledHistory
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.network import Network
from tui_nn.core.recipes import RECIPES
from tui_nn.core.training import Trainer

__all__ = [
    "MAX_COMPARISON_EPOCHS",
    "RecipeComparison",
    "RecipeCurve",
    "compare_recipes",
    "comparison_epochs",
    "recipe_settings",
]

MAX_COMPARISON_EPOCHS = 30_000
"""The most epochs each recipe trains (the tutorial's own run length)."""

WORK_BUDGET = 100_000_000
"""The most row x parameter products both recipes may spend together (~1-2 s of NumPy)."""

CURVE_POINTS = 300
"""Points kept per curve; plenty for a terminal chart."""

FloatArray = npt.NDArray[np.floating]

_CHECK_EVERY = 64
"""Epochs between looks at ``should_stop``."""


@dataclass(frozen=True)
class RecipeCurve:
    """One recipe's run.

    Attributes:
        recipe: ``tutorial`` or ``textbook``.
        hyperparams: The settings it trained with.
        epochs: Epochs of the curve's points, from 0 (the starting weights), ascending.
        mse: The mean squared error on the training rows after each of those epochs.
        all_right_epoch: The first epoch after which every training row was classified
            right (0: from the start), or None if none was within ``trained``.
        diverged_epoch: The epoch that went non-finite, if one did (training stopped there).
        trained: Epochs trained.
    """

    recipe: str
    hyperparams: Hyperparams
    epochs: tuple[int, ...]
    mse: tuple[float, ...]
    all_right_epoch: int | None
    diverged_epoch: int | None
    trained: int

    @property
    def final_mse(self) -> float:
        """The mse after the last epoch trained."""
        return self.mse[-1]

    def verdict(self) -> str:
        """What it took to get every row right, e.g. ``all rows right at epoch 1,234``."""
        if self.all_right_epoch is not None:
            if self.all_right_epoch == 0:
                return "all rows right from the start"
            return f"all rows right at epoch {self.all_right_epoch:,}"
        if self.diverged_epoch is not None:
            return f"diverged at epoch {self.diverged_epoch:,}"
        return f"not all rows right within {self.trained:,} epochs"


@dataclass(frozen=True)
class RecipeComparison:
    """Both recipes' curves.

    Attributes:
        limit: Epochs each recipe was to train.
        tutorial: The tutorial recipe's curve.
        textbook: The textbook recipe's curve.
        complete: False when ``should_stop`` ended it early.
    """

    limit: int
    tutorial: RecipeCurve
    textbook: RecipeCurve
    complete: bool = True

    @property
    def curves(self) -> tuple[RecipeCurve, RecipeCurve]:
        """Tutorial first, then textbook."""
        return (self.tutorial, self.textbook)

    def summary(self) -> str:
        """One line per recipe, for a notification or a chart title."""
        return "\n".join(f"{curve.recipe}: {curve.verdict()}" for curve in self.curves)


def recipe_settings(hyperparams: Hyperparams) -> tuple[Hyperparams, Hyperparams]:
    """The settings each recipe trains with, as near the current ones as it allows.

    The textbook recipe keeps the current settings (from the tutorial's, only the recipe
    changes); the tutorial recipe takes the rest of its fixed rule: plain gradient descent on the
    full batch, mse, no penalties, and a sigmoid output where the current one is softmax.
    """
    textbook = hyperparams.replace(recipe="textbook")
    output = "sigmoid" if hyperparams.output_activation == "softmax" else None
    tutorial = hyperparams.replace(
        **{**RECIPES["tutorial"].fixed, "recipe": "tutorial"},
        output_activation=output or hyperparams.output_activation,
    )
    return tutorial, textbook


def _parameters(hyperparams: Hyperparams, data: Dataset) -> int:
    sizes = (data.n_features, *hyperparams.hidden, output_size(hyperparams, data))
    return sum((n_in + 1) * n_out for n_in, n_out in itertools.pairwise(sizes))


def comparison_epochs(hyperparams: Hyperparams, data: Dataset) -> int:
    """Epochs each recipe trains: the run's length, at most ``MAX_COMPARISON_EPOCHS``, and
    fewer on big data or networks so both stay within ``WORK_BUDGET``."""
    per_epoch = 2 * max(data.n_rows, 1) * _parameters(hyperparams, data)
    return max(1, min(hyperparams.epochs, MAX_COMPARISON_EPOCHS, WORK_BUDGET // per_epoch))


class _Measure:
    """The mse and "every row right" of a network on fixed rows, into preallocated buffers.

    It runs once per epoch until every row is right, so it is the comparison's hot path: a
    forward pass of a few ufunc calls, no allocation beyond the results.
    """

    def __init__(self, network: Network, data: Dataset, n_out: int) -> None:
        self._network = network
        self._x = np.ascontiguousarray(data.features, dtype=network.dtype)
        self._y = data.targets(n_out, network.dtype)
        self._buffers = [np.empty((data.n_rows, n), network.dtype) for n in network.layer_sizes[1:]]
        self._error = np.empty_like(self._y).reshape(-1)
        self._positive = data.labels == 1
        self._labels = data.labels

    def __call__(self) -> tuple[float, bool]:
        net = self._network
        a = self._x
        with np.errstate(over="ignore", invalid="ignore"):
            for weight, bias, name, out in zip(
                net.weights, net.biases, net.activations, self._buffers, strict=True
            ):
                np.dot(a, weight, out=out)
                out += bias
                a = ACTIVATIONS[name](out, out)
            np.subtract(a.reshape(-1), self._y.reshape(-1), out=self._error)
            mse = float(np.dot(self._error, self._error)) / self._error.size
            if a.shape[1] == 1:
                right = bool(np.array_equal(a[:, 0] >= 0.5, self._positive))
            else:
                right = bool(np.array_equal(a.argmax(axis=1), self._labels))
        return mse, right


def _train_curve(
    hyperparams: Hyperparams,
    data: Dataset,
    start: Network | None,
    limit: int,
    should_stop: Callable[[], bool],
    progress: Callable[[int], None] | None = None,
    done: int = 0,
) -> tuple[RecipeCurve, bool]:
    network = None
    sizes = (data.n_features, *hyperparams.hidden, output_size(hyperparams, data))
    if start is not None and start.layer_sizes == sizes:
        # Same weights; the activation names are this recipe's (softmax becomes sigmoid).
        names = (hyperparams.activation,) * len(hyperparams.hidden) + (
            hyperparams.output_activation,
        )
        network = Network(sizes, names, start.params.copy())
    trainer = Trainer(hyperparams, data, network=network)
    measure = _Measure(trainer.network, data, sizes[-1])
    history = DownsampledHistory(capacity=CURVE_POINTS)
    mse, right = measure()
    history.append(0, mse=mse)
    all_right = 0 if right else None
    diverged = None
    complete = True
    for epoch in range(1, limit + 1):
        if epoch % _CHECK_EVERY == 0 and should_stop():
            complete = False
            break
        result = trainer.step()
        if result.divergence is not None:
            diverged = result.divergence.epoch
            break
        # Until every row is right, look after every epoch; then only at the points the
        # curve keeps (appends at multiples of its stride) and the last epoch.
        if all_right is None or epoch % history.stride == 0 or epoch == limit:
            mse, right = measure()
            history.append(epoch, mse=mse)
            if right and all_right is None:
                all_right = epoch
        if progress is not None and epoch % _CHECK_EVERY == 0:
            progress(done + epoch)
    snapshot = history.snapshot()
    curve = RecipeCurve(
        recipe=hyperparams.recipe,
        hyperparams=hyperparams,
        epochs=tuple(snapshot.epochs),
        mse=tuple(snapshot.series["mse"]),
        all_right_epoch=all_right,
        diverged_epoch=diverged,
        trained=trainer.epoch,
    )
    return curve, complete


def compare_recipes(
    hyperparams: Hyperparams,
    data: Dataset,
    network: Network | None = None,
    *,
    epochs: int | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    progress: Callable[[int], None] | None = None,
) -> RecipeComparison:
    """Train both recipes from the same starting weights on ``data`` and measure both.

    Args:
        hyperparams: The current settings (see ``recipe_settings`` for what each recipe uses).
        data: The training rows.
        network: The starting weights; by default both start from ``hyperparams.seed``.
        epochs: Epochs per recipe (``comparison_epochs`` when None).
        should_stop: Asked every few dozen epochs; True ends the comparison early.
        progress: Told every few dozen epochs how many both recipes have trained together
            (out of twice the limit).

    Raises:
        TuiNNError: when the data has no rows or the settings do not fit it.
    """
    if data.n_rows == 0:
        raise TuiNNError("the dataset has no training rows to compare on", field="dataset")
    tutorial_hp, textbook_hp = recipe_settings(hyperparams)
    limit = comparison_epochs(hyperparams, data) if epochs is None else epochs
    if network is None:
        network = Trainer(textbook_hp, data).network
    tutorial, complete = _train_curve(tutorial_hp, data, network, limit, should_stop, progress)
    textbook, textbook_complete = _train_curve(
        textbook_hp, data, network, limit if complete else 0, should_stop, progress, limit
    )
    return RecipeComparison(limit, tutorial, textbook, complete and textbook_complete)
