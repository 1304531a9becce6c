"""The workbench fits 80x24 and larger, says so when the window is too small, and has help."""

from __future__ import annotations

from textual.binding import Binding

from tui_nn.ui.actions import help_rows
from tui_nn.ui.app import TuiNNApp
from tui_nn.ui.help_screen import HelpScreen, HelpText

PANELS = ("#dataset", "#hyperparams", "#chart", "#prediction")


def on_screen(app: TuiNNApp, selector: str) -> bool:
    """Whether a widget is displayed and wholly inside the screen."""
    widget = app.query_one(selector)
    region = widget.region
    screen = app.screen.region
    return widget.display and region.area > 0 and screen.contains_region(region)


async def test_all_four_panels_are_on_screen_from_80x24_up(app: TuiNNApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        for size in [(80, 24), (100, 30), (120, 40)]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
            for panel in PANELS:
                assert on_screen(app, panel), (size, panel)
            assert on_screen(app, "#status"), size
            assert not app.query_one("#too-small").display


async def test_a_tiny_window_says_it_is_too_small_and_recovers(app: TuiNNApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        for size in [(40, 12), (12, 4)]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
            assert app.query_one("#too-small").display, size
            assert not app.query_one("#workbench").display, size
        await pilot.press("f1")  # help opens (and closes) even in a tiny window
        await pilot.press("escape")
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not app.query_one("#too-small").display
        for panel in PANELS:
            assert on_screen(app, panel), panel


async def test_tab_order_and_the_f1_help(app: TuiNNApp) -> None:
    async with app.run_test() as pilot:
        assert app.focused is app.grid
        await pilot.press("tab")
        assert app.focused is app.query_one("#hp-recipe")
        app.query_one("#hp-normalize").focus()  # the form's last field
        await pilot.press("tab")
        assert app.focused is not None and app.focused in app.chart.query("*")
        await pilot.press("tab")
        assert app.focused is app.query_one("#query-0")
        await pilot.press("shift+tab")
        assert app.focused is not None and app.focused in app.chart.query("*")

        # F1 lists every key and what each panel shows, in the tutorial's steps.
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.query_one(HelpText).source
        for keys, _action in help_rows():
            assert keys in text
        for step in ("Step #1", "Step #2", "Step #3", "Step #4", "Step #5"):
            assert step in text
        await pilot.press("f1")
        assert not isinstance(app.screen, HelpScreen)


def test_the_help_table_names_every_key_the_app_binds() -> None:
    helped = " ".join(keys for keys, _action in help_rows()).lower()
    for binding in TuiNNApp.BINDINGS:
        assert isinstance(binding, Binding)
        for key in binding.key.split(","):
            assert key in helped, key
