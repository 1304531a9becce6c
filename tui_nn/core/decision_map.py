"""The decision map: the model's answer over a plane of two features.

A ``MapPlane`` says which two features vary (``x_feature`` across, ``y_feature`` up), over
which ranges, and at what value every other feature is held: its training mean, so the map of
data with more than two features is a slice through the middle of the training rows. Values
are in the data's own units (what the grid shows); a standardiser, when the model was trained
on standardised rows, is applied to the points before the forward pass.

``decision_grid`` evaluates the whole plane as ONE batched ``Network.forward`` call, so a map
of a few thousand points costs about as much as a training epoch on that many rows. Row 0 of
a grid is the top of the picture (the largest y), column 0 its left edge (the smallest x).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from tui_nn.core.activations import ACTIVATIONS
from tui_nn.core.dataset import Dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.network import Network
from tui_nn.core.split import Standardizer

__all__ = [
    "DEFAULT_MARGIN",
    "MAP_BUDGET",
    "MAX_STEP",
    "MAX_ZOOM",
    "MIN_ZOOM",
    "ZOOM_STEP",
    "DecisionGrid",
    "MapPlane",
    "decision_grid",
    "map_step",
    "map_unavailable",
    "neuron_grid",
    "nice_number",
    "pixel_of",
    "plane_for",
    "plane_points",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DEFAULT_MARGIN = 0.1
"""Share of each data range added on both sides, so edge points are not drawn on the border."""
MAP_BUDGET = 40_000_000
"""Multiply-adds one live redraw of a map may cost (a few tens of ms): bigger networks get a
coarser map (see ``map_step``)."""
MAX_STEP = 8
"""The coarsest map drawn: one evaluated point per 8 x 8 pixels."""
ZOOM_STEP = 1.5
"""How much one zoom key magnifies or shrinks the plane."""
MIN_ZOOM = ZOOM_STEP**-4
MAX_ZOOM = ZOOM_STEP**6


def map_unavailable(dataset: Dataset) -> str | None:
    """Why the decision map cannot show this data, or None when it can."""
    if dataset.n_features < 2:
        return "The decision map needs at least 2 features: it draws the plane of two of them."
    if dataset.n_rows == 0:
        return "The decision map needs some rows to know where to look."
    return None


def map_step(weights: int, columns: int, rows: int, budget: int = MAP_BUDGET) -> int | None:
    """Evaluate one point per ``step`` x ``step`` pixels so a map costs at most ``budget``.

    Args:
        weights: Multiply-adds per point (the weights the forward pass goes through).
        columns: Pixels across.
        rows: Pixels down.
        budget: Multiply-adds allowed.

    Returns:
        1 for every pixel, more for a coarser map, None when even ``MAX_STEP`` is too costly.
    """
    step = 1
    while -(-columns // step) * -(-rows // step) * max(weights, 1) > budget:
        step += 1
        if step > MAX_STEP:
            return None
    return step


@dataclass(frozen=True, eq=False)
class MapPlane:
    """The slice of input space a map shows.

    Attributes:
        x_feature: The feature that varies across (a column index).
        y_feature: The feature that varies upwards.
        x_range: ``(low, high)`` of the x feature, in the data's units.
        y_range: ``(low, high)`` of the y feature.
        base: ``(features,)`` the value of every feature at a point; the x and y entries are
            overwritten by the point's own coordinates, the rest sit at the training mean.
        zoom: The magnification relative to the data's own extent (1 = the data plus margin).
    """

    x_feature: int
    y_feature: int
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    base: FloatArray
    zoom: float = 1.0

    def zoomed(self, factor: float) -> MapPlane:
        """The plane magnified by ``factor`` (> 1 zooms in) about its centre, within limits."""
        zoom = min(max(self.zoom * factor, MIN_ZOOM), MAX_ZOOM)
        scale = self.zoom / zoom

        def rescale(low: float, high: float) -> tuple[float, float]:
            centre, half = (low + high) / 2, (high - low) / 2 * scale
            return centre - half, centre + half

        return replace(
            self, x_range=rescale(*self.x_range), y_range=rescale(*self.y_range), zoom=zoom
        )


def _extent(values: FloatArray, margin: float) -> tuple[float, float]:
    low, high = float(values.min()), float(values.max())
    span = high - low
    if not span > 1e-12 * max(abs(low), abs(high), 1.0):
        # A constant column: a unit window around its value rather than a zero-width one.
        return low - 0.5, high + 0.5
    return low - margin * span, high + margin * span


def plane_for(
    features: npt.ArrayLike,
    x_feature: int = 0,
    y_feature: int = 1,
    zoom: float = 1.0,
    margin: float = DEFAULT_MARGIN,
) -> MapPlane:
    """The plane over the rows' own x/y extent plus ``margin``, magnified by ``zoom``.

    Args:
        features: ``(rows, features)`` the training rows in the data's units: their extent
            sets the ranges and their column means hold the other features.
        x_feature: The feature across.
        y_feature: The feature upwards (must differ from ``x_feature``).
        zoom: 1 for the data's extent; 2 shows the middle half, 0.5 twice the extent.
        margin: Share of each range added on both sides.

    Raises:
        TuiNNError: ``field="features"`` for no rows, fewer than two features or a bad choice.
    """
    table = np.asarray(features, dtype=np.float64)
    if table.ndim != 2 or table.shape[0] == 0 or table.shape[1] < 2:
        raise TuiNNError("a decision map needs rows with at least 2 features", field="features")
    n = table.shape[1]
    if not (0 <= x_feature < n and 0 <= y_feature < n) or x_feature == y_feature:
        raise TuiNNError(
            f"the map's features must be two different columns of {n}, got "
            f"{x_feature} and {y_feature}",
            field="features",
        )
    plane = MapPlane(
        x_feature,
        y_feature,
        _extent(table[:, x_feature], margin),
        _extent(table[:, y_feature], margin),
        table.mean(axis=0),
    )
    return plane.zoomed(zoom) if zoom != 1.0 else plane


def _centres(low: float, high: float, count: int) -> FloatArray:
    step = (high - low) / count
    return low + step * (np.arange(count, dtype=np.float64) + 0.5)


def plane_points(plane: MapPlane, columns: int, rows: int) -> FloatArray:
    """``(rows * columns, features)`` the centre of every pixel, row by row from the top."""
    if columns < 1 or rows < 1:
        raise TuiNNError("a map needs at least one pixel each way", field="size")
    xs = _centres(*plane.x_range, columns)
    ys = _centres(*plane.y_range, rows)[::-1]
    points = np.empty((rows * columns, plane.base.shape[0]), dtype=np.float64)
    points[:] = plane.base
    points[:, plane.x_feature] = np.tile(xs, rows)
    points[:, plane.y_feature] = np.repeat(ys, columns)
    return points


@dataclass(frozen=True, eq=False)
class DecisionGrid:
    """The model's answers at every pixel of a plane.

    Attributes:
        plane: The plane evaluated.
        probabilities: ``(rows, columns, outputs)`` the network's outputs at each pixel.
        classes: ``(rows, columns)`` the predicted class at each pixel.
        confidence: ``(rows, columns)`` from 0 (a tie: on the boundary) to 1 (certain): for
            one output ``|2p - 1|``, for several ``(max p - 1/K) / (1 - 1/K)``.
        class_one: ``(rows, columns)`` the probability of class 1 for two classes (the
            output itself for one sigmoid output); None for more classes.
    """

    plane: MapPlane
    probabilities: FloatArray
    classes: IntArray
    confidence: FloatArray
    class_one: FloatArray | None

    @property
    def rows(self) -> int:
        """Pixel rows."""
        return int(self.classes.shape[0])

    @property
    def columns(self) -> int:
        """Pixel columns."""
        return int(self.classes.shape[1])


def decision_grid(
    network: Network,
    plane: MapPlane,
    columns: int,
    rows: int,
    standardizer: Standardizer | None = None,
) -> DecisionGrid:
    """Evaluate the network at every pixel centre of ``plane`` in one forward pass.

    Args:
        network: The model.
        plane: Which features vary, over what ranges (data units).
        columns: Pixels across.
        rows: Pixels down.
        standardizer: Applied to the points first when the model trained on standardised rows.

    Raises:
        TuiNNError: when the plane's features do not match the network's inputs.
    """
    points = plane_points(plane, columns, rows)
    if standardizer is not None:
        points = standardizer.transform(points)
    # Weights near divergence may overflow a sigmoid on far-out pixels: that is a 0 or 1.
    with np.errstate(over="ignore", invalid="ignore"):
        outputs = np.asarray(network.forward(points), dtype=np.float64)
    outputs = np.nan_to_num(outputs, nan=0.5)
    n_out = outputs.shape[1]
    if n_out == 1:
        p = outputs[:, 0]
        classes = (p >= 0.5).astype(np.int64)
        confidence = np.abs(2.0 * p - 1.0)
        class_one: FloatArray | None = p.reshape(rows, columns)
    else:
        classes = outputs.argmax(axis=1).astype(np.int64)
        chance = 1.0 / n_out
        confidence = (outputs.max(axis=1) - chance) / (1.0 - chance)
        class_one = outputs[:, 1].reshape(rows, columns) if n_out == 2 else None
    return DecisionGrid(
        plane,
        outputs.reshape(rows, columns, n_out),
        classes.reshape(rows, columns),
        np.clip(confidence, 0.0, 1.0).reshape(rows, columns),
        class_one,
    )


def pixel_of(
    plane: MapPlane, columns: int, rows: int, features: npt.ArrayLike
) -> tuple[IntArray, IntArray, npt.NDArray[np.bool_]]:
    """Where rows of data fall on a ``columns`` x ``rows`` pixel grid of ``plane``.

    Returns:
        ``(column, row, inside)``: pixel indices (row 0 at the top) and whether each point
        lies within the plane; indices of points outside are clipped to the edge.
    """
    table = np.atleast_2d(np.asarray(features, dtype=np.float64))
    x = table[:, plane.x_feature]
    y = table[:, plane.y_feature]
    (x0, x1), (y0, y1) = plane.x_range, plane.y_range
    fx = (x - x0) / (x1 - x0) * columns
    fy = (y1 - y) / (y1 - y0) * rows
    inside = (fx >= 0) & (fx < columns) & (fy >= 0) & (fy < rows)
    column = np.clip(np.floor(fx), 0, columns - 1).astype(np.int64)
    row = np.clip(np.floor(fy), 0, rows - 1).astype(np.int64)
    return column, row, inside


def nice_number(value: float) -> str:
    """An axis value in a few characters: ``-1.2``, ``0.05``, ``1.2e+03``."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    return f"{value:.2g}" if abs(value) < 0.01 or abs(value) >= 1000 else f"{value:.3g}"


def neuron_grid(
    network: Network,
    plane: MapPlane,
    columns: int,
    rows: int,
    layer: int,
    neuron: int,
    standardizer: Standardizer | None = None,
) -> FloatArray:
    """One neuron's activation at every pixel of ``plane`` (Playground's per-neuron map).

    Args:
        network: The model.
        plane: The plane (data units).
        columns: Pixels across.
        rows: Pixels down.
        layer: The layer after the inputs, 1-based (1 is the first hidden layer).
        neuron: The neuron's index within that layer.
        standardizer: Applied to the points first, as for ``decision_grid``.

    Returns:
        ``(rows, columns)`` the activations, nan-free.
    """
    if not 1 <= layer < len(network.layer_sizes) or not 0 <= neuron < network.layer_sizes[layer]:
        raise TuiNNError(f"no neuron {neuron} in layer {layer}", field="neuron")
    points = plane_points(plane, columns, rows)
    if standardizer is not None:
        points = standardizer.transform(points)
    a = points.astype(network.dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        for index in range(layer):
            z = a @ network.weights[index] + network.biases[index]
            a = ACTIVATIONS[network.activations[index]](z, z)
    values = np.nan_to_num(np.asarray(a[:, neuron], dtype=np.float64), nan=0.0)
    return values.reshape(rows, columns)
