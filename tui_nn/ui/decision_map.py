"""The Decision map view: what the model answers everywhere on the plane, with the data on top.

``DecisionMap.show(snapshot)`` takes a ``ModelSnapshot``; the map is computed (one batched
forward pass over every pixel) and drawn into strips only when the snapshot, the size, the
feature choice, the zoom or the theme changed, and repaints reuse them.

Screen layout: a gutter on the left with the y feature's range, the map (two pixels per cell),
a row with the x feature's range, and a legend row. Training points are drawn in their class's
glyph and colour, test points hollow, points the model gets wrong as a cross.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.strip import Strip

from tui_nn.core.decision_map import (
    ZOOM_STEP,
    MapPlane,
    decision_grid,
    map_step,
    map_unavailable,
    nice_number,
    pixel_of,
    plane_for,
)
from tui_nn.core.model_snapshot import ModelSnapshot
from tui_nn.ui.map_render import (
    CLASS_GLYPHS,
    TEST_GLYPHS,
    WRONG_GLYPH,
    WRONG_TEST_GLYPH,
    MapPalette,
    PointMarks,
    map_strips,
    message_strips,
    pixel_indices,
    strip_of,
    widget_palette,
)
from tui_nn.ui.strip_view import StripView

__all__ = ["DecisionMap", "point_marks"]

NO_MODEL = "No model yet"
STALE = "The model does not fit the data on screen: Train or Reset (ctrl+r)."
TOO_BIG = "The network is too large to map live ({:,} weights)."
MAX_POINTS = 4000
"""The most data points drawn over a map (bigger data is sampled evenly)."""
MIN_MAP = Size(8, 2)
"""The smallest map drawn (cells); below it the view says it is too small."""


def point_marks(snapshot: ModelSnapshot, plane: MapPlane, columns: int, rows: int) -> PointMarks:
    """Every data row as a mark on a ``columns`` x ``rows`` cell map (points outside skipped).

    Training points show their class's glyph, test points its hollow twin, points the model
    gets wrong a cross; in a crowded cell a wrong point wins, then a training point.
    """
    dataset = snapshot.dataset
    if not dataset.n_rows:
        return PointMarks.none()
    # More points than a few per cell cannot show: draw an even sample of big data.
    every = max(dataset.n_rows // MAX_POINTS, 1)
    features = dataset.features[::every]
    column, pixel_row, inside = pixel_of(plane, columns, 2 * rows, features)
    labels = dataset.labels[::every]
    with np.errstate(over="ignore", invalid="ignore"):
        predicted = snapshot.network.predict(snapshot.model_inputs(features)).classes
    wrong = predicted != labels
    test = snapshot.test_mask[::every]
    ranks = np.where(wrong, np.where(test, 3, 4), np.where(test, 1, 2))
    glyph_table = (
        CLASS_GLYPHS,
        TEST_GLYPHS,
        WRONG_GLYPH * len(CLASS_GLYPHS),
        WRONG_TEST_GLYPH * len(CLASS_GLYPHS),
    )
    kind = np.where(wrong, 2, 0) + test
    keep = np.flatnonzero(inside)
    glyphs = tuple(
        glyph_table[k][c % len(CLASS_GLYPHS)]
        for k, c in zip(kind[keep].tolist(), labels[keep].tolist(), strict=True)
    )
    classes = labels[keep].astype(np.int64)
    return PointMarks(column[keep], pixel_row[keep] // 2, glyphs, classes, ranks[keep])


class DecisionMap(StripView, can_focus=True):
    """The model's decision over two features, data points on top.

    Attributes:
        x_feature: The feature across.
        y_feature: The feature upwards.
        zoom: Magnification relative to the data's extent.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("plus,equals_sign", "zoom_in", "Zoom in"),
        Binding("minus", "zoom_out", "Zoom out"),
        Binding("x", "next_x", "x feature"),
        Binding("y", "next_y", "y feature"),
    ]

    DEFAULT_CSS = """
    DecisionMap {
        width: 1fr;
        height: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.x_feature = 0
        self.y_feature = 1
        self.zoom = 1.0
        self._snapshot: ModelSnapshot | None = None
        self._strips: list[Strip] | None = None
        self._key: tuple[object, ...] | None = None

    @property
    def snapshot(self) -> ModelSnapshot | None:
        """The model on show."""
        return self._snapshot

    @property
    def plane(self) -> MapPlane | None:
        """The plane the map shows, None when there is no map."""
        snapshot = self._snapshot
        if snapshot is None or map_unavailable(snapshot.dataset) or not snapshot.fits:
            return None
        return plane_for(snapshot.train_features, self.x_feature, self.y_feature, self.zoom)

    def show(self, snapshot: ModelSnapshot) -> None:
        """Draw this model (the rows that change are repainted)."""
        previous = self._snapshot
        if previous is None or previous.dataset is not snapshot.dataset:
            n = snapshot.dataset.n_features
            if self.x_feature >= n or self.y_feature >= n or self.x_feature == self.y_feature:
                self.x_feature, self.y_feature = 0, 1
        self._snapshot = snapshot
        self.redraw()

    def clear(self) -> None:
        """Show no model."""
        self._snapshot = None
        self._strips = None
        self.refresh()

    # Keys -----------------------------------------------------------------------------------

    def action_zoom_in(self) -> None:
        """Magnify the middle of the plane."""
        self._set_zoom(self.zoom * ZOOM_STEP)

    def action_zoom_out(self) -> None:
        """Show more of the plane around the data."""
        self._set_zoom(self.zoom / ZOOM_STEP)

    def _set_zoom(self, zoom: float) -> None:
        plane = self.plane
        if plane is None:
            return
        self.zoom = plane.zoomed(zoom / plane.zoom).zoom
        self._strips = None
        self.refresh()

    def action_next_x(self) -> None:
        """Put the next feature across (skipping the one upwards)."""
        self.x_feature = self._next_feature(self.x_feature, self.y_feature)

    def action_next_y(self) -> None:
        """Put the next feature upwards (skipping the one across)."""
        self.y_feature = self._next_feature(self.y_feature, self.x_feature)

    def _next_feature(self, current: int, other: int) -> int:
        snapshot = self._snapshot
        if snapshot is None or snapshot.dataset.n_features < 3:
            if snapshot is not None and snapshot.dataset.n_features == 2:
                self.notify("Only two features: both are already on the map.")
            return current
        n = snapshot.dataset.n_features
        chosen = (current + 1) % n
        if chosen == other:
            chosen = (chosen + 1) % n
        self._strips = None
        self.refresh()
        return chosen

    # Drawing --------------------------------------------------------------------------------

    def build_strips(self) -> list[Strip]:
        """Compute the grid and draw every row of the view at the current size."""
        width, height = self.size
        base = self.rich_style
        snapshot = self._snapshot
        message = None
        if snapshot is None:
            message = NO_MODEL
        elif (reason := map_unavailable(snapshot.dataset)) is not None:
            message = reason
        elif not snapshot.fits:
            message = STALE
        if message is not None or snapshot is None:
            return message_strips(message or NO_MODEL, width, height, base)
        plane = plane_for(snapshot.train_features, self.x_feature, self.y_feature, self.zoom)
        names = snapshot.dataset.feature_names
        y_high, y_low = nice_number(plane.y_range[1]), nice_number(plane.y_range[0])
        y_name = names[plane.y_feature]
        gutter = min(max(len(y_high), len(y_low), len(y_name[:6])) + 1, max(width // 4, 1))
        columns, rows = width - gutter, height - 2
        if columns < MIN_MAP.width or rows < MIN_MAP.height:
            return message_strips("(too small for a map)", width, height, base)
        step = map_step(snapshot.network.n_weights, columns, 2 * rows)
        if step is None:
            return message_strips(TOO_BIG.format(snapshot.network.n_weights), width, height, base)
        grid = decision_grid(
            snapshot.network,
            plane,
            -(-columns // step),
            -(-2 * rows // step),
            snapshot.standardizer,
        )
        palette = widget_palette(self, snapshot.n_classes)
        indices = pixel_indices(grid.classes, grid.confidence, palette)
        if step > 1:
            # A big network is evaluated on a coarser grid, each point filling step x step.
            indices = indices.repeat(step, axis=0).repeat(step, axis=1)[: 2 * rows, :columns]
        dim = base + Style(dim=True)
        blank = [Segment(" " * gutter, base)]
        left = [blank] * rows
        left[0] = [Segment(y_high[: gutter - 1].rjust(gutter - 1) + " ", dim)]
        left[-1] = [Segment(y_low[: gutter - 1].rjust(gutter - 1) + " ", dim)]
        if rows >= 3:
            left[rows // 2] = [Segment(y_name[: gutter - 1].rjust(gutter - 1) + " ", base)]
        marks = point_marks(snapshot, plane, columns, rows)
        # The map's rows are exactly ``width`` cells with the base style already applied.
        strips = [Strip(line, width) for line in map_strips(indices, palette, marks, left, base)]
        strips.append(
            strip_of(_x_axis(plane, names[plane.x_feature], gutter, columns), width, base)
        )
        strips.append(strip_of(_legend(snapshot, palette, self.zoom, width), width, base))
        return strips


def _x_axis(plane: MapPlane, name: str, gutter: int, columns: int) -> list[Segment]:
    low, high = nice_number(plane.x_range[0]), nice_number(plane.x_range[1])
    middle = columns - len(low) - len(high)
    label = f" {name} →" if middle >= len(name) + 4 else ""
    text = low + label.center(max(middle, 0))[: max(middle, 0)] + high
    return [Segment(" " * gutter), Segment(text[:columns], Style(dim=True))]


def _legend(snapshot: ModelSnapshot, palette: MapPalette, zoom: float, width: int) -> list[Segment]:
    segments: list[Segment] = []
    classes = snapshot.dataset.class_names
    for k, name in enumerate(classes[: len(CLASS_GLYPHS)]):
        style = Style(color=palette.points[k % len(palette.points)], bold=True)
        segments += [Segment(CLASS_GLYPHS[k % len(CLASS_GLYPHS)], style), Segment(f" {name}  ")]
    extras = []
    if snapshot.test_mask.any():
        extras.append("○ test")
    extras.append(f"{WRONG_GLYPH} wrong")
    if zoom != 1.0:
        extras.append(f"zoom {zoom:.3g}×")
    tail = "  ".join(extras)
    used = sum(len(s.text) for s in segments)
    if used + len(tail) <= width:
        segments.append(Segment(tail, Style(dim=True)))
    return segments
