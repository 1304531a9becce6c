"""Heatmaps in a terminal: two pixels per cell, coloured by class and confidence.

Each cell is an upper half block "▀" whose foreground is the top pixel and background the
bottom one. A pixel's colour is its class's hue blended from the panel background (confidence
0: on the boundary) towards the hue (confidence 1), in a few quantised steps, so two classes
read as a diverging palette with the boundary as a dark (or light) seam and more classes as one
hue each with confidence as lightness.

With only the 16 ANSI colours (``TERM=xterm``) blends are impossible: a pixel is its class's
ANSI colour when confident, the plain background when unsure, and every pixel whose class
differs from its right or lower neighbour is drawn white: the 0.5 contour stays visible.

Rendering is NumPy for the colour indices and one Python pass per cell to merge runs of equal
style into single segments; styles are cached per palette, so a 120x40 map costs a few ms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

__all__ = [
    "CLASS_GLYPHS",
    "CLASS_HUES",
    "LEVELS",
    "TEST_GLYPHS",
    "WRONG_GLYPH",
    "MapPalette",
    "PointMarks",
    "map_strips",
    "message_strips",
    "palette_for",
    "widget_palette",
]

RGB = tuple[int, int, int]

CLASS_HUES: tuple[RGB, ...] = (
    (245, 147, 34),  # orange (Playground's negative)
    (8, 119, 189),  # blue (Playground's positive)
    (44, 160, 44),  # green
    (148, 103, 189),  # purple
    (214, 39, 40),  # red
    (23, 190, 207),  # teal
    (188, 189, 34),  # olive
    (227, 119, 194),  # pink
)
"""One hue per class, repeating beyond eight."""

ANSI_CLASSES: tuple[str, ...] = ("yellow", "blue", "green", "magenta", "red", "cyan")
ANSI_POINTS: tuple[str, ...] = (
    "bright_yellow",
    "bright_blue",
    "bright_green",
    "bright_magenta",
    "bright_red",
    "bright_cyan",
)

CLASS_GLYPHS = "●■▲◆★✚♥♣"
"""Training points by class."""
TEST_GLYPHS = "○□△◇☆✛♡♧"
"""Test points by class."""
WRONG_GLYPH = "✗"
"""A training point the model gets wrong (in its class's colour)."""
WRONG_TEST_GLYPH = "×"
"""A test point the model gets wrong."""

LEVELS = 8
"""Confidence steps per class in 256/truecolor."""
_UNSURE = 0.35
"""Below this confidence a 16-colour pixel shows the background."""
_UPPER = "▀"
_LOWER = "▄"


@dataclass(frozen=True, eq=False)
class PointMarks:
    """Data points drawn over a map, as parallel arrays (one entry per point).

    Attributes:
        columns: Cell column of each point.
        rows: Cell row of each point.
        glyphs: What each point is drawn as.
        classes: Each point's class (its colour).
        ranks: Which point wins a shared cell (higher wins).
    """

    columns: npt.NDArray[np.int64]
    rows: npt.NDArray[np.int64]
    glyphs: tuple[str, ...]
    classes: npt.NDArray[np.int64]
    ranks: npt.NDArray[np.int64]

    @classmethod
    def none(cls) -> PointMarks:
        """No points."""
        empty = np.zeros(0, dtype=np.int64)
        return cls(empty, empty, (), empty, empty)

    def by_cell(self, columns: int) -> dict[int, tuple[str, int]]:
        """``{row * columns + column: (glyph, class)}``, the highest rank winning a cell."""
        order = np.argsort(self.ranks, kind="stable").tolist()
        cells = (self.rows * columns + self.columns).tolist()
        classes = self.classes.tolist()
        return {cells[i]: (self.glyphs[i], classes[i]) for i in order}


@dataclass(frozen=True, eq=False)
class MapPalette:
    """Colours of one map: per pixel index, a colour; per class, a point colour.

    Attributes:
        pixels: Colour per pixel index (None: the widget's background).
        points: Foreground colour per class for point glyphs.
        levels: Confidence steps per class (pixel index = class * levels + step).
        contour: The pixel index of contour pixels, or -1 when contours come from shading.
        ansi: Whether this is the 16-colour palette.
    """

    pixels: tuple[Color | None, ...]
    points: tuple[Color, ...]
    levels: int
    contour: int
    ansi: bool

    def __post_init__(self) -> None:
        # Caches, filled as cells are drawn; a palette is only ever used from the UI thread.
        object.__setattr__(self, "_cells", {})
        object.__setattr__(self, "_points", {})

    def cell(self, top: int, bottom: int) -> tuple[str, Style]:
        """The character and style of a cell of two pixels (cached).

        A background pixel has no colour to give, so the other one is drawn as a half block
        on its own: "▀" in the top colour or "▄" in the bottom colour, or a blank for neither.
        """
        cells: dict[tuple[int, int], tuple[str, Style]] = self._cells  # type: ignore[attr-defined]
        key = (top, bottom)
        cell = cells.get(key)
        if cell is None:
            fg, bg = self.pixels[top], self.pixels[bottom]
            if fg is not None:
                cell = (_UPPER, Style(color=fg, bgcolor=bg))
            elif bg is not None:
                cell = (_LOWER, Style(color=bg))
            else:
                cell = (" ", Style())
            cells[key] = cell
        return cell

    def point_style(self, cls: int, under: int) -> Style:
        """The style of a point glyph of class ``cls`` over a pixel of index ``under``."""
        styles: dict[tuple[int, int], Style] = self._points  # type: ignore[attr-defined]
        key = (cls, under)
        style = styles.get(key)
        if style is None:
            # In 16 colours a point's class colour can match its region's: the point then
            # punches a hole of plain background into the map so it always shows.
            bgcolor = None if self.ansi else self.pixels[under]
            style = Style(color=self.points[cls % len(self.points)], bgcolor=bgcolor, bold=True)
            styles[key] = style
        return style


def _blend(a: RGB, b: RGB, t: float) -> Color:
    return Color.from_rgb(*(round(x + (y - x) * t) for x, y in zip(a, b, strict=True)))


@lru_cache(maxsize=32)
def palette_for(n_classes: int, ansi: bool, background: RGB, dark: bool) -> MapPalette:
    """The palette for ``n_classes`` classes over ``background``.

    Args:
        n_classes: Classes shown (2 for a binary map or a neuron's sign).
        ansi: Use the 16 ANSI colours only.
        background: The panel's background colour (blends start from it).
        dark: Whether the theme is dark (points are lightened on dark, darkened on light).
    """
    if ansi:
        pixels: list[Color | None] = []
        for k in range(n_classes):
            pixels += [None, Color.parse(ANSI_CLASSES[k % len(ANSI_CLASSES)])]
        pixels.append(Color.parse("bright_white" if dark else "black"))
        points = tuple(Color.parse(ANSI_POINTS[k % len(ANSI_POINTS)]) for k in range(n_classes))
        return MapPalette(tuple(pixels), points, 2, len(pixels) - 1, True)
    pixels = []
    for k in range(n_classes):
        hue = CLASS_HUES[k % len(CLASS_HUES)]
        # Never quite the full hue, so points in full colour stand out over their region.
        pixels += [_blend(background, hue, 0.08 + 0.62 * s / (LEVELS - 1)) for s in range(LEVELS)]
    toward: RGB = (255, 255, 255) if dark else (0, 0, 0)
    points = tuple(
        _blend(CLASS_HUES[k % len(CLASS_HUES)], toward, 0.35 if dark else 0.2)
        for k in range(n_classes)
    )
    return MapPalette(tuple(pixels), points, LEVELS, -1, False)


def pixel_indices(
    classes: npt.NDArray[np.int64], confidence: npt.NDArray[np.float64], palette: MapPalette
) -> npt.NDArray[np.int64]:
    """Each pixel's palette index: class by confidence step, or the contour colour."""
    if palette.ansi:
        index = classes * 2 + (confidence >= _UNSURE)
        edge = np.zeros(classes.shape, dtype=bool)
        edge[:, :-1] |= classes[:, :-1] != classes[:, 1:]
        edge[:-1, :] |= classes[:-1, :] != classes[1:, :]
        index[edge] = palette.contour
        return index
    steps = np.minimum((confidence * palette.levels).astype(np.int64), palette.levels - 1)
    return classes * palette.levels + steps


def map_strips(
    indices: npt.NDArray[np.int64],
    palette: MapPalette,
    marks: PointMarks | None = None,
    left: Sequence[Sequence[Segment]] | None = None,
    base: Style | None = None,
) -> list[list[Segment]]:
    """Segments of every cell row of a map: pixel rows two by two, points on top.

    Runs of equal cells become one segment each; the runs are found with NumPy over the
    whole map at once, so Python only loops over runs and points, never over every cell.

    Args:
        indices: ``(2 * rows, columns)`` palette index per pixel (an even number of rows).
        palette: The colours.
        marks: Points to draw over their cells.
        left: Per cell row, segments drawn before the map (an axis gutter), or None.
        base: The widget's style, put under every map segment here (once per distinct
            style) so the rows need no ``Strip.apply_style`` pass.
    """
    rows, columns = indices.shape[0] // 2, indices.shape[1]
    size = len(palette.pixels)
    keys = (indices[0::2] * size + indices[1::2]).ravel()
    points = marks.by_cell(columns) if marks is not None else {}
    if points:
        # A point cell is a run of its own: give each a key no map cell has.
        where = np.fromiter(points, dtype=np.int64, count=len(points))
        keys[where] = -1 - np.arange(where.size)
    change = np.empty(keys.size, dtype=bool)
    change[0] = True
    np.not_equal(keys[1:], keys[:-1], out=change[1:])
    change[::columns] = True
    starts = np.flatnonzero(change)
    lengths = np.diff(starts, append=keys.size)
    combined: dict[int, tuple[str, Style]] = {}
    point_styles: dict[tuple[int, int], Style] = {}
    tops = indices[0::2].ravel().tolist() if points else []
    lines: list[list[Segment]] = [
        list(left[row]) if left is not None else [] for row in range(rows)
    ]
    for start, length, key in zip(
        starts.tolist(), lengths.tolist(), keys[starts].tolist(), strict=True
    ):
        line = lines[start // columns]
        if key < 0:
            glyph, cls = points[start]
            under = tops[start]
            point_key = (cls, under)
            style = point_styles.get(point_key)
            if style is None:
                style = palette.point_style(cls, under)
                style = point_styles[point_key] = base + style if base is not None else style
            line.append(Segment(glyph, style))
            continue
        found = combined.get(key)
        if found is None:
            char, style = palette.cell(*divmod(key, size))
            found = combined[key] = (char, base + style if base is not None else style)
        line.append(Segment(found[0] * length, found[1]))
    return lines


def strip_of(segments: list[Segment], width: int, base: Style) -> Strip:
    """A strip exactly ``width`` cells wide over the widget's ``base`` style."""
    return Strip(segments).adjust_cell_length(width).apply_style(base)


def message_strips(message: str, width: int, height: int, base: Style) -> list[Strip]:
    """``message`` word-wrapped and centred in a ``width`` x ``height`` view."""
    blank = Strip.blank(width, base)
    lines = [blank] * max(height, 1)
    words = message.split()
    wrapped: list[str] = []
    line = ""
    for word in words:
        if line and len(line) + 1 + len(word) > width - 2:
            wrapped.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        wrapped.append(line)
    top = max((height - len(wrapped)) // 2, 0)
    for offset, text in enumerate(wrapped[: max(height - top, 0)]):
        segment = Segment(text.center(width)[:width], Style(italic=True))
        lines[top + offset] = strip_of([segment], width, base)
    return lines


def widget_palette(widget: Widget, n_classes: int) -> MapPalette:
    """The palette for a widget: 16 ANSI colours when that is all the terminal has."""
    ansi = widget.app.console.color_system in ("standard", "windows", None)
    background = widget.background_colors[1].rgb
    return palette_for(n_classes, ansi, background, widget.app.current_theme.dark)
