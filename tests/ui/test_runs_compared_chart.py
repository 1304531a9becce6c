"""Runs compared on the loss chart: earlier runs drawn faintly behind the live one, labelled."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tui_nn.core.history import DownsampledHistory, HistorySnapshot
from tui_nn.ui.loss_chart import EMPTY_MESSAGE, BackgroundCurve, LossChart, render_chart

BRAILLE = range(0x2801, 0x2900)


def live(epochs: int = 300) -> HistorySnapshot:
    history = DownsampledHistory()
    for epoch in range(1, epochs + 1):
        history.append(epoch, loss=1.0 / (1 + epoch / 30))
    return history.snapshot()


EARLIER = (
    BackgroundCurve("lr 0.5", list(range(1, 601)), [1 / (1 + e / 10) for e in range(1, 601)]),
    BackgroundCurve("hidden 4,4", [1, 200, 400], [0.8, 0.3, 0.2]),
)


def _braille(text: str) -> int:
    return sum(1 for char in text if ord(char) in BRAILLE)


def test_earlier_runs_are_named_in_the_legend_after_the_live_series() -> None:
    plain = render_chart(live(), "epoch 300", 70, 16, background=EARLIER).plain
    legend = plain.splitlines()[1]
    assert legend.index("loss") < legend.index("lr 0.5") < legend.index("hidden 4,4")


def test_earlier_runs_draw_in_thin_dots_and_widen_the_axis() -> None:
    without = render_chart(live(), "t", 70, 16).plain
    with_runs = render_chart(live(), "t", 70, 16, background=EARLIER).plain
    assert _braille(without) == 0
    assert _braille(with_runs) > 20
    # The x axis now reaches the longer earlier run's 600 epochs.
    assert "600" in with_runs and "600" not in without


def test_kept_runs_show_before_any_training() -> None:
    plain = render_chart(None, "", 70, 14, background=EARLIER).plain
    assert EMPTY_MESSAGE not in plain
    assert "lr 0.5" in plain and _braille(plain) > 0


class ChartApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LossChart(id="chart")


async def test_the_widget_draws_and_forgets_its_background() -> None:
    async with ChartApp().run_test(size=(70, 16)) as pilot:
        chart = pilot.app.query_one(LossChart)
        chart.show(live(), "epoch 300")
        chart.set_background(EARLIER)
        await pilot.pause()
        assert "hidden 4,4" in chart.render().plain  # type: ignore[union-attr]
        chart.clear()
        await pilot.pause()
        assert chart.background == EARLIER, "a reset keeps the earlier runs"
        chart.set_background(())
        await pilot.pause()
        assert EMPTY_MESSAGE in chart.render().plain  # type: ignore[union-attr]
