"""The loss chart widget: what a learner sees for a history, a toggle, a theme and a size."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from rich.cells import cell_len
from rich.style import Style
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.pilot import Pilot

from tui_nn.core.history import DownsampledHistory, HistorySnapshot
from tui_nn.ui.loss_chart import (
    EMPTY_MESSAGE,
    LOG_Y_LABEL,
    Y_LABEL,
    LossChart,
    _new_figure,
    render_chart,
)

TITLE = "epoch 300/30000  error sum 0.2418  mse 0.0273"


class ChartApp(App[None]):
    """The chart alone on a screen."""

    def compose(self) -> ComposeResult:
        yield LossChart(id="chart")


def tutorial_like(epochs: int = 300) -> HistorySnapshot:
    """A decaying loss and an error sum that crosses zero, like the tutorial's."""
    history = DownsampledHistory()
    for epoch in range(1, epochs + 1):
        history.append(epoch, reported=1.0 / epoch - 0.1, loss=1.0 / epoch, test_loss=None)
    return history.snapshot()


def screen_lines(chart: LossChart) -> list[str]:
    """The chart's rows as the terminal shows them."""
    width, height = chart.size
    return [
        "".join(s.text for s in strip) for strip in chart.render_lines(Region(0, 0, width, height))
    ]


def screen_text(chart: LossChart) -> str:
    return "\n".join(screen_lines(chart))


def colour_of(chart: LossChart, glyph: str, after: str) -> Style | None:
    """The style of the first ``glyph`` cell in the row that mentions ``after``."""
    width, height = chart.size
    for strip in chart.render_lines(Region(0, 0, width, height)):
        if after in "".join(s.text for s in strip):
            for segment in strip:
                if glyph in segment.text:
                    return segment.style
    return None


async def test_empty_chart_says_no_training_yet() -> None:
    app = ChartApp()
    async with app.run_test(size=(60, 20)) as pilot:
        chart = app.query_one(LossChart)
        await pilot.pause()
        assert EMPTY_MESSAGE in screen_text(chart)


async def test_shows_title_legend_axes_and_fills_the_widget() -> None:
    app = ChartApp()
    async with app.run_test(size=(60, 20)) as pilot:
        chart = app.query_one(LossChart)
        chart.show(tutorial_like(), TITLE, labels={"reported": "error sum", "loss": "mse"})
        await pilot.pause()
        lines = screen_lines(chart)
        text = "\n".join(lines)
        assert lines[0].strip() == TITLE
        assert "error sum" in lines[1] and "mse" in lines[1]
        # test_loss had no values at all, so it is not in the legend.
        assert "test loss" not in text
        assert EMPTY_MESSAGE not in text
        assert Y_LABEL in lines[-1] and "epoch" in lines[-1]
        # Round-numbered epoch ticks under the plot.
        assert "100" in lines[-2] and "300" in lines[-2]
        assert len(lines) == 20
        assert all(len(line) == 60 for line in lines)
        # Frame corners: the plot spans the widget's width.
        assert "┌" in lines[2] and lines[2].rstrip().endswith("┐")


async def test_log_toggle_changes_the_y_label_and_ticks() -> None:
    app = ChartApp()
    async with app.run_test(size=(60, 20)) as pilot:
        chart = app.query_one(LossChart)
        chart.show(tutorial_like(), TITLE)
        await pilot.pause()
        linear = screen_lines(chart)
        assert linear[-1].startswith(Y_LABEL)
        chart.toggle_log_scale()
        await pilot.pause()
        assert chart.log_scale
        logged = screen_lines(chart)
        assert logged[-1].startswith(LOG_Y_LABEL)
        # 1/300 is about 10^-2.5: the log view has negative ticks the linear one lacks.
        assert any(line.lstrip().startswith("-2") for line in logged)
        assert not any(line.lstrip().startswith("-2") for line in linear)
        chart.toggle_log_scale()
        await pilot.pause()
        assert screen_lines(chart)[-1].startswith(Y_LABEL + " ")


async def test_redraws_on_resize_to_fill_the_new_size() -> None:
    app = ChartApp()
    async with app.run_test(size=(60, 20)) as pilot:
        chart = app.query_one(LossChart)
        chart.show(tutorial_like(), TITLE)
        await pilot.pause()
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        lines = screen_lines(chart)
        assert len(lines) == 30
        assert all(len(line) == 100 for line in lines)
        assert lines[2].rstrip().endswith("┐") and len(lines[2].rstrip()) == 100


async def test_clear_returns_to_the_empty_chart() -> None:
    app = ChartApp()
    async with app.run_test(size=(60, 20)) as pilot:
        chart = app.query_one(LossChart)
        chart.show(tutorial_like(), TITLE)
        await pilot.pause()
        chart.clear()
        await pilot.pause()
        text = screen_text(chart)
        assert EMPTY_MESSAGE in text
        assert TITLE not in text


@pytest.mark.parametrize(
    ("snapshot", "expected"),
    [
        (HistorySnapshot(epochs=[7], series={"loss": [0.5]}, latest_epoch=7), "0.5"),
        (HistorySnapshot(epochs=[1, 2, 3], series={"loss": [0.25] * 3}, latest_epoch=3), "0.25"),
        (
            HistorySnapshot(
                epochs=[1, 2, 3], series={"loss": [1.0, math.nan, 0.5]}, latest_epoch=3
            ),
            "loss",
        ),
        (
            HistorySnapshot(epochs=[1, 2], series={"loss": [math.nan] * 2}, latest_epoch=2),
            "No finite values",
        ),
        (
            HistorySnapshot(epochs=[1, 2, 3], series={"loss": [1e300, -1e300, 1.0]}),
            "loss",
        ),
    ],
    ids=["single point", "all equal", "some NaN", "all NaN", "near the float limit"],
)
async def test_awkward_histories_still_draw(snapshot: HistorySnapshot, expected: str) -> None:
    app = ChartApp()
    async with app.run_test(size=(60, 20)) as pilot:
        chart = app.query_one(LossChart)
        chart.show(snapshot, "awkward")
        await pilot.pause()
        text = screen_text(chart)
        assert "awkward" in text
        assert expected in text
        chart.toggle_log_scale()
        await pilot.pause()
        assert "awkward" in screen_text(chart)


async def test_log_scale_skips_zeros() -> None:
    snapshot = HistorySnapshot(epochs=[1, 2, 3], series={"reported": [0.0, 0.1, -0.01]})
    text = str(render_chart(snapshot, "t", 60, 20, log_scale=True))
    assert LOG_Y_LABEL in text
    assert "-1" in text and "-2" in text


@pytest.mark.parametrize("size", [(10, 3), (1, 1), (20, 5), (40, 12)])
async def test_tiny_sizes_do_not_crash(size: tuple[int, int]) -> None:
    app = ChartApp()
    async with app.run_test(size=size) as pilot:
        chart = app.query_one(LossChart)
        chart.show(tutorial_like(), TITLE)
        await pilot.pause()
        lines = screen_lines(chart)
        assert lines and lines[0].strip()
        chart.toggle_log_scale()
        await pilot.pause()
        assert screen_lines(chart)


async def test_follows_light_and_dark_themes() -> None:
    app = ChartApp()
    async with app.run_test(size=(60, 20)) as pilot:
        chart = app.query_one(LossChart)
        chart.show(tutorial_like(), TITLE)
        app.theme = "textual-dark"
        await pilot.pause()
        dark_swatch = colour_of(chart, "▄▄", "loss")
        dark_text = screen_text(chart)
        app.theme = "textual-light"
        await pilot.pause()
        light_swatch = colour_of(chart, "▄▄", "loss")
        assert TITLE in screen_text(chart)
        assert screen_text(chart) == dark_text
        assert dark_swatch is not None and light_swatch is not None
        assert dark_swatch.color != light_swatch.color


def test_two_series_get_distinct_colours() -> None:
    text = render_chart(tutorial_like(), TITLE, 60, 20)
    title, legend = text.plain.splitlines()[:2]
    legend_start = len(title) + 1
    swatches = {
        str(span.style)
        for span in text.spans
        if legend_start <= span.start < legend_start + len(legend)
        and text.plain[span.start : span.end] == "▄▄"
    }
    assert len(swatches) == 2


async def test_new_labels_replace_old_ones() -> None:
    app = ChartApp()
    async with app.run_test(size=(60, 20)) as pilot:
        chart = app.query_one(LossChart)
        chart.show(tutorial_like(), TITLE, labels={"reported": "error sum", "loss": "mse"})
        await pilot.pause()
        assert "mse" in screen_lines(chart)[1]
        chart.show(tutorial_like(), TITLE, labels={"reported": "signed sum"})
        await pilot.pause()
        legend = screen_lines(chart)[1]
        assert "signed sum" in legend and "loss" in legend and "mse" not in legend
        chart.show(tutorial_like(), TITLE)
        await pilot.pause()
        assert "signed sum" in screen_lines(chart)[1]


def test_chart_alone_at_60x20(snap_compare: Callable[..., bool]) -> None:
    async def draw(pilot: Pilot[None]) -> None:
        chart = pilot.app.query_one(LossChart)
        chart.show(tutorial_like(), TITLE, labels={"reported": "error sum", "loss": "mse"})
        await pilot.pause()

    assert snap_compare(ChartApp(), terminal_size=(60, 20), run_before=draw)


def test_chart_alone_at_60x20_log_light(snap_compare: Callable[..., bool]) -> None:
    async def draw(pilot: Pilot[None]) -> None:
        pilot.app.theme = "textual-light"
        chart = pilot.app.query_one(LossChart)
        chart.show(tutorial_like(), TITLE, labels={"reported": "error sum", "loss": "mse"})
        chart.toggle_log_scale()
        await pilot.pause()

    assert snap_compare(ChartApp(), terminal_size=(60, 20), run_before=draw)


@pytest.mark.parametrize("log_scale", [False, True])
@pytest.mark.parametrize("size", [(100, 30), (60, 20), (42, 12), (13, 7), (12, 6), (10, 3)])
def test_chart_is_exactly_the_size_asked(size: tuple[int, int], log_scale: bool) -> None:
    width, height = size
    text = render_chart(tutorial_like(), TITLE, width, height, log_scale=log_scale)
    rows = text.plain.split("\n")
    assert len(rows) == height
    assert all(cell_len(row) == width for row in rows)


class _FigureWithoutSignals:
    """A plotext figure that hides the internal the chart's shortcut uses."""

    def __init__(self) -> None:
        self._figure = _new_figure()

    def __getattr__(self, name: str) -> object:
        if name == "_signals":
            raise AttributeError(name)
        return getattr(self._figure, name)


def test_drawing_shortcut_draws_what_plotext_draw_does() -> None:
    # The chart adds signals past figure.draw() to save time; should plotext change, the
    # fallback must look the same, colours included.
    history = DownsampledHistory()
    for epoch in range(1, 501):
        history.append(epoch, reported=0.5 - epoch / 400, loss=1 / epoch, test_loss=2 / epoch)
    snapshot = history.snapshot()
    fast = render_chart(snapshot, TITLE, 100, 30)
    plain = render_chart(snapshot, TITLE, 100, 30, figure=_FigureWithoutSignals())
    assert fast.plain == plain.plain
    assert [(s.start, s.end, str(s.style)) for s in fast.spans] == [
        (s.start, s.end, str(s.style)) for s in plain.spans
    ]
