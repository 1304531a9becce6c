"""The live loss chart: a thin Textual widget over plotext 6.

``LossChart.show(snapshot, title)`` draws a ``HistorySnapshot`` (epoch on x, one coloured line per
series, a legend row under the title). The chart is rebuilt only when what it shows changes (the
snapshot, the title, the size, the theme or the log-scale toggle) and cached between repaints.

Choices worth knowing:

* plotext 6, not textual-plotext: the latter pins plotext<6, whose log axis rewrites the data in
  place on every rebuild. We never use plotext's log axis at all: with ``log_scale`` on we plot
  ``log10(|value|)`` ourselves, because the tutorial's signed error sum goes negative, and say so
  on the y label.
* Each chart owns a private plotext figure (a second ``plotext.terminal``), so two charts, or any
  other plotext user in the process, never share state.
* Points are thinned to about twice the widget's width before plotting: plotext does Python work
  per point, and more points than half-cell columns cannot show anyway.
* Earlier runs (``set_background``) are drawn first, behind the live series, in thin braille
  dots of the darker colours, and named in the legend after the live series: faint enough not to
  be mistaken for the run on show, clear enough to compare against.
* Only the 16 basic ANSI colours, chosen per light or dark theme, and no background colour at
  all: the widget's own background shows through, so the chart follows the theme and works with
  TERM=xterm.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import RenderResult
from textual.geometry import Region
from textual.reactive import reactive
from textual.strip import Strip
from textual.theme import Theme
from textual.widget import Widget

from tui_nn.core.history import HistorySnapshot
from tui_nn.ui.strip_view import repaint_changed_rows

__all__ = [
    "DEFAULT_LABELS",
    "EMPTY_MESSAGE",
    "LOG_Y_LABEL",
    "Y_LABEL",
    "BackgroundCurve",
    "ChartFrame",
    "LossChart",
    "axis_end",
    "load_plotext",
    "render_chart",
]

EMPTY_MESSAGE = "No training yet"
NO_VALUES_MESSAGE = "No finite values to plot"
TOO_SMALL_MESSAGE = "(too small for a chart)"
X_LABEL = "epoch"
Y_LABEL = "value"
LOG_Y_LABEL = "log10 |value|"

DEFAULT_LABELS: Mapping[str, str] = {
    "reported": "reported",
    "loss": "loss",
    "test_loss": "test loss",
}
"""Legend names for the series the app records; any other series shows its own name."""

# The smallest plot area plotext is given; below it the widget shows the title and a note.
_MIN_PLOT_WIDTH = 12
_MIN_PLOT_HEIGHT = 4
# The legend row is dropped below this many rows so the plot keeps some height.
_MIN_HEIGHT_FOR_LEGEND = 7
_LEGEND_SWATCH = "▄▄"
_BACKGROUND_SWATCH = "⠤⠤"
_LARGEST = 1e100


@dataclass(frozen=True, slots=True)
class BackgroundCurve:
    """An earlier run drawn faintly behind the live one.

    Attributes:
        label: Its legend name, e.g. ``lr 0.5``.
        epochs: Epochs of its points, ascending.
        values: Its loss at each.
    """

    label: str
    epochs: Sequence[int]
    values: Sequence[float]


@dataclass(frozen=True, slots=True)
class _Palette:
    """Basic-ANSI colour numbers for one kind of theme."""

    text: int
    series: Mapping[str, int]
    extra: tuple[int, ...]
    background: tuple[int, ...]

    def colour(self, name: str, index: int) -> int:
        """The colour of series ``name``, the ``index``-th series drawn."""
        known = self.series.get(name)
        return known if known is not None else self.extra[index % len(self.extra)]


# Bright colours read well on a dark background; on a light one the normal ones do.
_DARK = _Palette(
    text=7,
    series={"reported": 11, "loss": 14, "test_loss": 13},
    extra=(10, 9, 12, 15),
    background=(8, 2, 4, 6, 3),
)
_LIGHT = _Palette(
    text=0,
    series={"reported": 1, "loss": 4, "test_loss": 5},
    extra=(2, 6, 3, 8),
    background=(8, 2, 6, 3, 7),
)

# Plotext themes are a process-wide registry keyed by name; ours differ only in the text colour
# (the signals get explicit colours), and registering them again is harmless.
_THEME_NAMES = {True: "tui-nn-dark", False: "tui-nn-light"}


@lru_cache(maxsize=1)
def load_plotext() -> Any:  # plotext ships no type hints
    """plotext, imported on first use with our themes registered.

    Not at module import: plotext takes ~0.15 s to import (it builds its documentation), and
    the first frame shows an empty chart that needs none of it. The app calls this in a
    background thread once the first frame is up, so the first chart does not wait either.
    """
    import plotext

    for dark, palette in ((True, _DARK), (False, _LIGHT)):
        plotext.add_theme(_THEME_NAMES[dark], text=plotext.pixel(foreground=palette.text))
    return plotext


# plotext ships no type hints; its figure is an untyped object to mypy either way.
Figure = Any


def _new_figure() -> Figure:
    """A private plotext figure, not limited to the size of the real terminal.

    plotext keeps one terminal object with one master figure; a second terminal has its own.
    Should a later plotext hide the master elsewhere, the shared figure still works (every
    redraw resets it), just not privately.
    """
    plotext = load_plotext()
    terminal = type(plotext.terminal)()
    terminal.limit(False, False)
    return getattr(terminal, "_master", None) or plotext.figure


_SGR = re.compile(r"\x1b\[([0-9;]*)m")


@lru_cache(maxsize=64)
def _sgr_style(parameters: str) -> Style:
    """The style one SGR escape sets, read by Rich itself (so every code Rich knows works)."""
    spans = Text.from_ansi(f"\x1b[{parameters}mx").spans
    return spans[0].style if spans and isinstance(spans[0].style, Style) else Style()


def _ansi_to_text(ansi: str) -> Text:
    """Rich text from plotext's ANSI output.

    Same result as ``Text.from_ansi`` for what plotext writes (SGR colour codes, resets,
    newlines) at a sixth of the cost: plotext repeats a few escapes hundreds of times, so each
    distinct one is decoded once and cached.
    """
    text = Text(end="", no_wrap=True)
    style: Style | None = None
    position = 0
    for match in _SGR.finditer(ansi):
        start = match.start()
        if start > position:
            text.append(ansi[position:start], style)
        parameters = match.group(1)
        if parameters in ("", "0"):
            style = None
        else:
            code = _sgr_style(parameters)
            style = code if style is None else style + code
        position = match.end()
    if position < len(ansi):
        text.append(ansi[position:], style)
    # plotext ends its last row with a newline; a row more than asked for would push the
    # chart down a line.
    while text.plain.endswith("\n"):
        text.right_crop(1)
    return text


def _thin(count: int, target: int) -> npt.NDArray[np.intp]:
    """Indices of about ``target`` evenly spread points out of ``count``, first and last kept."""
    if count <= target:
        return np.arange(count)
    picks = np.linspace(0, count - 1, max(target, 2)).round().astype(np.intp)
    # Sorted already: drop repeats without np.unique (whose first call imports numpy.ma).
    return picks[np.concatenate(([True], picks[1:] != picks[:-1]))]


_AXIS_STEPS = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def axis_end(latest_epoch: int, target: int) -> int:
    """Where a live run's epoch axis ends: the next round number past ``latest_epoch``.

    Round numbers 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten keep the curve over
    80% of the width, and the axis (so every point already drawn) still for a while: between
    two steps a frame redraws only the curve's newest end, which is what a terminal over SSH
    has to be sent. Never past ``target``, so a finished run ends at its last epoch.
    """
    if latest_epoch >= target or latest_epoch < 1:
        return max(min(latest_epoch, target), 1)
    power = int(10 ** math.floor(math.log10(latest_epoch)))
    for step in _AXIS_STEPS:
        end = math.ceil(step * power)
        if end >= latest_epoch:
            return min(end, target)
    return target


@dataclass(frozen=True, eq=False)
class ChartFrame:
    """A chart drawn ahead of time, off the UI thread, for one size, scale and theme.

    Attributes:
        key: The chart's (width, height, log scale, dark) it was drawn for.
        snapshot: The history drawn.
        title: Its title row.
        text: The chart.
        background: The earlier runs drawn behind it.
        strips: Its rows as the widget draws them over ``base`` (None: the UI thread makes them).
        base: The widget style the rows were made over.
    """

    key: tuple[int, int, bool, bool]
    snapshot: HistorySnapshot
    title: str
    text: Text
    background: tuple[BackgroundCurve, ...] = ()
    strips: list[Strip] | None = None
    base: Style | None = None


def _ticks(lower: float, upper: float, max_ticks: int, whole: bool = False) -> list[float]:
    """As many round-numbered ticks inside [lower, upper] as fit in ``max_ticks``.

    Steps are 1, 2, 2.5 or 5 times a power of ten, whole numbers only if ``whole`` (epochs,
    powers of ten on the log view).
    """
    span = upper - lower
    if not upper > lower or not math.isfinite(span):
        # Nothing between the ends to divide, or a range too wide for a float to hold.
        return [lower] if not upper > lower else [lower, upper]
    magnitude = math.floor(math.log10(span / max(max_ticks, 1)))
    for exponent in range(magnitude - 1, magnitude + 3):
        for multiple in (1.0, 2.0, 2.5, 5.0):
            step = multiple * 10.0**exponent
            if whole and (step < 1 or step % 1):
                continue
            first = math.ceil(lower / step - 1e-9)
            last = math.floor(upper / step + 1e-9)
            if last - first + 1 <= max(max_ticks, 1):
                # A round step can miss a narrow range; then label its upper end.
                return [k * step for k in range(first, last + 1)] or [upper]
    return [upper]


def _format_ticks(ticks: Sequence[float], integer: bool) -> list[str]:
    """Short labels for ticks: as few decimals as tell them apart, exponents for extremes."""
    if integer:
        # 10k, 20k rather than 10000, 20000: narrower, and as exact.
        if max(abs(t) for t in ticks) >= 10_000 and all(t % 1000 == 0 for t in ticks):
            return [f"{round(t / 1000)}k" if t else "0" for t in ticks]
        return [f"{round(t)}" for t in ticks]
    if len(ticks) == 1:
        return [f"{ticks[0]:.4g}"]
    step = abs(ticks[1] - ticks[0])
    biggest = max(abs(t) for t in ticks)
    # The fewest decimals that write every tick exactly (0.25 needs two, 0.5 one).
    decimals = next(
        (d for d in range(6) if all(abs(round(t, d) - t) < step * 1e-6 for t in ticks)), 6
    )
    if decimals > 4 or biggest >= 1e6:
        # Exponent form, with the fewest digits that keep the labels apart.
        labels: list[str] = []
        for digits in range(1, 8):
            labels = [f"{t:.{digits}e}" for t in ticks]
            if len(set(labels)) == len(labels):
                break
        return labels
    return [f"{t:.{decimals}f}" for t in ticks]


def _limits(lower: float, upper: float, integer: bool) -> tuple[float, float]:
    """Widen an empty range so a flat line or a single point sits mid-chart."""
    if upper > lower:
        return lower, upper
    pad = 1.0 if integer else max(abs(lower) * 0.1, 1e-3)
    return lower - pad, upper + pad


def _with_zero(lower: float, upper: float) -> tuple[float, float]:
    """Reach down (or up) to zero when the values come close to it, as losses do.

    A loss settling at 0.0003 then sits on a labelled zero line instead of floating at an
    unlabelled bottom edge.
    """
    if 0 < lower < 0.1 * (upper - lower):
        return 0.0, upper
    if 0 > upper > -0.1 * (upper - lower):
        return lower, 0.0
    return lower, upper


def _series_points(
    epochs: npt.NDArray[np.float64], values: Sequence[float], log_scale: bool, target: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The finite points of one series, log-transformed if asked, thinned to ``target``."""
    y = np.asarray(values, dtype=np.float64)
    if log_scale:
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.log10(np.abs(y))
    finite = np.isfinite(y)
    x, y = epochs[finite], y[finite]
    keep = _thin(len(x), target)
    # A diverging run can log values near the float limit, whose range overflows plotext's
    # arithmetic; past +-1e100 the line just runs off the top (the title has the number).
    return x[keep], np.clip(y[keep], -_LARGEST, _LARGEST)


def _centred(message: str, width: int, style: str = "") -> Text:
    text = Text(message, style=style, no_wrap=True, overflow="ellipsis", end="")
    text.align("center", width)
    text.truncate(width, overflow="ellipsis")
    return text


def _legend(
    names: Sequence[tuple[str, int]], width: int, faint: Sequence[tuple[str, int]] = ()
) -> Text:
    legend = Text(no_wrap=True, overflow="ellipsis", end="")
    entries = [(label, colour, _LEGEND_SWATCH) for label, colour in names]
    entries += [(label, colour, _BACKGROUND_SWATCH) for label, colour in faint]
    for index, (label, colour, swatch) in enumerate(entries):
        if index:
            legend.append("   ")
        legend.append(swatch, style=f"color({colour})")
        legend.append(f" {label}")
    if cell_len(legend.plain) <= width:
        legend.align("center", width)
    else:
        legend.truncate(width, overflow="ellipsis")
    return legend


def _message_lines(header: list[Text], message: str, width: int, height: int) -> Text:
    """The header lines, then ``message`` in the middle of the remaining rows."""
    rows = list(header)
    spare = height - len(rows)
    if spare > 0:
        rows.extend(Text(" " * width, end="") for _ in range((spare - 1) // 2))
        rows.append(_centred(message, width, style="italic"))
    rows.extend(Text(" " * width, end="") for _ in range(height - len(rows)))
    return Text("\n", end="").join(rows[:height])


def render_chart(
    snapshot: HistorySnapshot | None,
    title: str,
    width: int,
    height: int,
    *,
    log_scale: bool = False,
    dark: bool = True,
    labels: Mapping[str, str] | None = None,
    figure: Figure | None = None,
    background: Sequence[BackgroundCurve] = (),
    x_end: float | None = None,
) -> Text:
    """Draw a history as a chart exactly ``width`` x ``height`` cells (fewer rows if tiny).

    Args:
        snapshot: The points to draw; None or an empty snapshot shows ``EMPTY_MESSAGE``.
        title: The first row, cut with an ellipsis if too long.
        width: Columns available.
        height: Rows available.
        log_scale: Plot ``log10(|value|)``; zeros and NaNs are skipped.
        dark: Choose colours for a dark background rather than a light one.
        labels: Legend names per series (over ``DEFAULT_LABELS``).
        figure: A plotext figure to reuse (a new private one if None).
        background: Earlier runs, drawn faintly behind the snapshot's series.
        x_end: Where the epoch axis may end at the latest, when beyond the last point: a live
            run's axis then grows in round steps rather than every frame (see ``axis_end``).

    Returns:
        Styled text: the title row, a legend row when there is room, then the plot.
    """
    if width <= 0 or height <= 0:
        return Text("", end="")
    palette = _DARK if dark else _LIGHT
    header = [_centred(title, width, style="bold")] if title else []
    empty = snapshot is None or not snapshot.epochs
    if empty and not background:
        return _message_lines(header, EMPTY_MESSAGE, width, height)

    names = {**DEFAULT_LABELS, **(labels or {})}
    # Two points per column: plotext's half-block markers give two sub-columns per cell.
    target = max(2, 2 * width)
    drawn: list[tuple[str, int, npt.NDArray[np.float64], npt.NDArray[np.float64]]] = []
    if snapshot is not None and not empty:
        epochs = np.asarray(snapshot.epochs, dtype=np.float64)
        for index, (name, values) in enumerate(snapshot.series.items()):
            x, y = _series_points(epochs, values, log_scale, target)
            if len(x):
                drawn.append((names.get(name, name), palette.colour(name, index), x, y))
    faint: list[tuple[str, int, npt.NDArray[np.float64], npt.NDArray[np.float64]]] = []
    for index, curve in enumerate(background):
        x, y = _series_points(
            np.asarray(curve.epochs, dtype=np.float64), curve.values, log_scale, target
        )
        if len(x):
            colour = palette.background[index % len(palette.background)]
            faint.append((curve.label, colour, x, y))
    if not drawn and not faint:
        return _message_lines(header, EMPTY_MESSAGE if empty else NO_VALUES_MESSAGE, width, height)

    if height >= _MIN_HEIGHT_FOR_LEGEND:
        header.append(
            _legend(
                [(label, colour) for label, colour, _, _ in drawn],
                width,
                [(label, colour) for label, colour, _, _ in faint],
            )
        )
    plot_height = height - len(header)
    if width < _MIN_PLOT_WIDTH or plot_height < _MIN_PLOT_HEIGHT:
        return _message_lines(header[:1], TOO_SMALL_MESSAGE, width, height)

    fig = figure if figure is not None else _new_figure()
    try:
        plot = _plot(fig, drawn, width, plot_height, log_scale, dark, faint, x_end)
    except Exception as error:
        # A chart is never worth losing a training session over: a plotext failure on some
        # data we did not foresee shows as a line of text instead of an exception in the UI.
        return _message_lines(header, f"chart unavailable: {error}", width, height)
    return Text("\n", end="").join([*header, plot])


def _plot(
    f: Figure,
    drawn: Sequence[tuple[str, int, npt.NDArray[np.float64], npt.NDArray[np.float64]]],
    width: int,
    height: int,
    log_scale: bool,
    dark: bool,
    faint: Sequence[tuple[str, int, npt.NDArray[np.float64], npt.NDArray[np.float64]]] = (),
    x_end: float | None = None,
) -> Text:
    """The plotext part: frame, ticks, axis labels, the faint earlier runs, then the series."""
    f.clear.data()
    f.clear.settings()
    f.plot_size(width, height)
    f.theme(_THEME_NAMES[dark])

    everything = [*drawn, *faint]
    x_low = min(float(x[0]) for _, _, x, _ in everything)
    x_high = max(float(x[-1]) for _, _, x, _ in everything)
    if x_end is not None and x_end > x_high:
        x_high = x_end
    y_low = min(float(y.min()) for _, _, _, y in everything)
    y_high = max(float(y.max()) for _, _, _, y in everything)
    flat, flat_value = y_low == y_high, y_low
    x_low, x_high = _limits(x_low, x_high, integer=True)
    y_low, y_high = _limits(y_low, y_high, integer=False)
    if not log_scale:
        y_low, y_high = _with_zero(y_low, y_high)

    # Roughly one x tick per 12 columns and one y tick per 4 rows keeps labels apart.
    x_ticks = _ticks(x_low, x_high, max(2, width // 12), whole=True)
    y_whole = log_scale and y_high - y_low >= 2
    y_ticks = _ticks(y_low, y_high, max(2, min(8, (height - 3) // 4 + 1)), whole=y_whole)
    if flat:
        # One value only: label exactly that, not the padding around it.
        y_ticks = [flat_value]
    x_axis = f.ruler("x")
    y_axis = f.ruler("y")
    x_axis.lim(x_low, x_high)
    y_axis.lim(y_low, y_high)
    x_axis.ticks(x_ticks, _format_ticks(x_ticks, integer=True))
    y_axis.ticks(y_ticks, _format_ticks(y_ticks, integer=False))
    y_label = LOG_Y_LABEL if log_scale else Y_LABEL
    f.label(y_label, "y")
    # plotext puts both labels on the last row; on a narrow chart they would run together.
    if width >= 2 * (len(y_label) + len(X_LABEL)) + 4:
        f.label(X_LABEL, "x")

    # figure.draw() also walks every point in Python to update the colour cycler, which we do
    # not use (each signal has its own colour); adding the signal directly saves ~40% of a
    # redraw. Fall back to draw() should a later plotext move that internal.
    signals = getattr(f, "_signals", None)
    add = getattr(signals, "_add", None) or f.draw
    plotext = load_plotext()
    for _label, colour, x, y in faint:
        # Braille dots: a quarter of a half-block's ink, so earlier runs stay in the background.
        marker = plotext.marker("braille", pixel=plotext.pixel(foreground=colour))
        add(f.signal(x.tolist(), y.tolist(), marker=marker).lines())
    for _label, colour, x, y in drawn:
        marker = plotext.marker("hd", pixel=plotext.pixel(foreground=colour))
        add(f.signal(x.tolist(), y.tolist(), marker=marker).lines())
    return _ansi_to_text(str(f.build()))


class LossChart(Widget):
    """A live chart of a training history: epoch on x, one line per series.

    Call ``show()`` with each new snapshot; the chart redraws on the next repaint. Toggle a
    log10 |value| view with ``toggle_log_scale()``.
    """

    DEFAULT_CSS = """
    LossChart {
        width: 1fr;
        height: 1fr;
        min-height: 3;
    }
    """

    log_scale: reactive[bool] = reactive(False)
    """Plot log10 of each value's magnitude instead of the value."""

    def __init__(
        self,
        *,
        labels: Mapping[str, str] | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Create an empty chart.

        Args:
            labels: Legend names per series name, over ``DEFAULT_LABELS``.
            name: The widget's name.
            id: The widget's id.
            classes: Space-separated CSS classes.
            disabled: Whether the widget starts disabled.
        """
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._labels: dict[str, str] = dict(labels or {})
        self._background: tuple[BackgroundCurve, ...] = ()
        self._snapshot: HistorySnapshot | None = None
        self._title = ""
        self._figure: Figure | None = None
        # The chart as text, for its size, toggle and theme; and as screen rows, for its text and
        # the widget's base style. show() and clear() drop both.
        self._text_key: tuple[object, ...] | None = None
        self._text: Text | None = None
        self._strips_source: tuple[Text, int, Style] | None = None
        self._strips: list[Strip] = []
        self._base_style: Style | None = None
        self._x_end: float | None = None
        # Read by ``prepare`` in another thread: one tuple, replaced whole on the UI thread.
        self.view: tuple[int, int, bool, bool] = (0, 0, False, True)
        self._frame_figure: Figure | None = None
        # For ``prepare``'s rows: the app's console, read once on the UI thread.
        self._frame_console: Console | None = None

    @property
    def snapshot(self) -> HistorySnapshot | None:
        """The snapshot on show, None when cleared."""
        return self._snapshot

    @property
    def title(self) -> str:
        """The title on show."""
        return self._title

    def show(
        self,
        snapshot: HistorySnapshot,
        title: str,
        labels: Mapping[str, str] | None = None,
        *,
        x_end: float | None = None,
        frame: ChartFrame | None = None,
    ) -> None:
        """Show a new snapshot under a new title.

        Args:
            snapshot: The history to draw; the chart keeps it, so don't change it afterwards.
            title: The title row, e.g. ``"epoch 120/30000  error sum 0.2418  mse 0.0273"``.
            labels: Legend names per series name, used from now on in place of earlier ones
                (over ``DEFAULT_LABELS``); None keeps the current names.
            x_end: Where the epoch axis may end (see ``render_chart``).
            frame: This very chart drawn ahead by ``prepare``: used when it still fits the
                widget, and then only the rows that changed are sent to the terminal.
        """
        self._snapshot = snapshot
        self._title = title
        self._x_end = x_end
        if labels is not None:
            self._labels = dict(labels)
        if (
            frame is not None
            and frame.snapshot is snapshot
            and frame.background is self._background
            and frame.key == self._key()
        ):
            self._text, self._text_key = frame.text, frame.key
            if frame.strips is not None and frame.base == self._base_style:
                self._refresh_changed_rows(frame.strips, frame.base)
            else:
                self._refresh_changed_rows()
            return
        self._text = None
        self.refresh()

    @property
    def background(self) -> tuple[BackgroundCurve, ...]:
        """The earlier runs drawn behind the live one."""
        return self._background

    def set_background(self, curves: Sequence[BackgroundCurve]) -> None:
        """Draw these earlier runs faintly behind the live series (none: an empty sequence)."""
        self._background = tuple(curves)
        self._text = None
        self.refresh()

    def prepare(
        self,
        snapshot: HistorySnapshot,
        titles: Sequence[str],
        labels: Mapping[str, str] | None = None,
        x_end: float | None = None,
    ) -> ChartFrame:
        """Draw a chart for ``show(frame=...)`` from another thread (one thread only).

        Drawing costs ~10-20 ms of Python; done here, the UI thread only swaps rows.

        Args:
            snapshot: The history.
            titles: Titles from longest to shortest; the first that fits is used.
            labels: Legend names per series.
            x_end: Where the epoch axis may end.
        """
        key = self.view
        background = self._background
        width, height, log_scale, dark = key
        title = next((t for t in titles if len(t) <= width), titles[-1] if titles else "")
        if self._frame_figure is None:
            self._frame_figure = _new_figure()
        text = render_chart(
            snapshot,
            title,
            width,
            height,
            log_scale=log_scale,
            dark=dark,
            labels=labels if labels is not None else self._labels,
            figure=self._frame_figure,
            background=background,
            x_end=x_end,
        )
        base, console = self._base_style, self._frame_console
        strips = None
        if base is not None and console is not None:
            # The rows too (~5 ms of Python a frame): the UI thread then only compares them.
            strips = _strips(text, width, base, console)
        return ChartFrame(key, snapshot, title, text, background, strips, base)

    def _key(self) -> tuple[int, int, bool, bool]:
        width, height = self.content_size
        return (width, height, self.log_scale, self.app.current_theme.dark)

    def _refresh_changed_rows(
        self, strips: list[Strip] | None = None, base: Style | None = None
    ) -> None:
        """Mark only the rows whose cells differ from what is on screen as dirty.

        Args:
            strips: The new rows, made ahead over ``base`` (else made here).
            base: The widget style they were made over.
        """
        old = self._strips
        if strips is not None and base is not None and self._text is not None:
            new = strips
            self._strips = strips
            self._strips_source = (self._text, self.content_size.width, base)
        else:
            new = self._chart_strips(self._base_style or self.rich_style)
        repaint_changed_rows(self, old, new, self.content_size.width)

    def clear(self) -> None:
        """Forget the history and show the empty chart (earlier runs stay)."""
        self._snapshot = None
        self._title = ""
        self._text = None
        self.refresh()

    def toggle_log_scale(self) -> None:
        """Switch between plain values and log10 |value|."""
        self.log_scale = not self.log_scale

    def watch_log_scale(self) -> None:
        """Redraw in the new scale."""
        self.refresh()

    def on_mount(self) -> None:
        """Redraw in the new colours whenever the app's theme changes."""
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self._frame_console = self.app.console

    def _theme_changed(self, _theme: Theme) -> None:
        self.refresh()

    def render(self) -> RenderResult:
        """The chart as text (what ``render_line`` shows, row by row)."""
        return self._chart_text()

    def render_line(self, y: int) -> Strip:
        """One row of the chart.

        Rows are made from the chart's text by Rich directly: Textual's general text path costs
        more than building the chart itself, and this widget redraws while training runs.
        """
        strips = self._chart_strips(self._base_style or self.rich_style)
        if 0 <= y < len(strips):
            return strips[y]
        return Strip.blank(self.content_size.width, self._base_style)

    def render_lines(self, crop: Region) -> list[Strip]:
        """Rows for a repaint, with the widget's style looked up once rather than per row."""
        self._base_style = self.rich_style
        return super().render_lines(crop)

    def _chart_text(self) -> Text:
        key = self._key()
        width, height, _, dark = key
        self.view = key
        if self._text is None or key != self._text_key:
            drawing = bool(self._snapshot is not None and self._snapshot.epochs) or self._background
            if self._figure is None and drawing:
                # Only a chart with points needs plotext: the first frame's empty one does not.
                self._figure = _new_figure()
            self._text = render_chart(
                self._snapshot,
                self._title,
                width,
                height,
                log_scale=self.log_scale,
                dark=dark,
                labels=self._labels,
                figure=self._figure,
                background=self._background,
                x_end=self._x_end,
            )
            self._text_key = key
        return self._text

    def _chart_strips(self, base: Style) -> list[Strip]:
        """The chart's rows over ``base``, the widget's own style (theme colours).

        The chart's segments carry foreground colours only, so the base shows through.
        """
        text = self._chart_text()
        width = self.content_size.width
        source = self._strips_source
        # Compare the text by identity, holding on to it: an id() alone could be reused by a
        # new text once the old one is freed.
        if source is None or source[0] is not text or source[1:] != (width, base):
            self._strips = _strips(text, width, base, self.app.console)
            self._strips_source = (text, width, base)
        return self._strips


def _strips(text: Text, width: int, base: Style, console: Console) -> list[Strip]:
    """The chart's rows over ``base``, the widget's own style (its segments carry foreground
    colours only, so the base shows through)."""
    segments = text.render(console)
    lines = Segment.split_and_crop_lines(segments, width, pad=True, include_new_lines=False)
    return [Strip(line, width).apply_style(base) for line in lines]
