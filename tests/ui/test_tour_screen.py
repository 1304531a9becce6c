"""The tour screen: the seed's steps in order, focus following, Esc out at any point."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Input

from tui_nn.ui.tour import TOUR, TourScreen


class PanelsApp(App[None]):
    """Stand-ins for the workbench's panels, each focusable under the tour's selectors."""

    def __init__(self) -> None:
        super().__init__()
        self.result: bool | None = None

    def compose(self) -> ComposeResult:
        for target in dict.fromkeys(step.target for step in TOUR):
            yield Input(id=target.removeprefix("#"))

    def start_tour(self) -> None:
        base = self.screen

        def focus(selector: str) -> None:
            base.query_one(selector).focus()

        def done(result: bool | None) -> None:
            self.result = result

        self.push_screen(TourScreen(focus), done)


async def test_enter_walks_the_seeds_steps_in_order_moving_focus() -> None:
    app = PanelsApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.start_tour()
        await pilot.pause()
        tour = app.screen
        assert isinstance(tour, TourScreen)
        titles = []
        for step in TOUR:
            titles.append(tour.step.title)
            assert app.screen_stack[0].focused is not None
            assert f"#{app.screen_stack[0].focused.id}" == step.target
            box_title = str(tour.query_one("#tour-box").border_title)
            assert step.title in box_title
            assert step.code.splitlines()[0] in str(tour.query_one("#tour-code").render())
            await pilot.press("enter")
            await pilot.pause()
        assert titles[:5] == [
            "Step #1 · Variables",
            "Step #2 · Hyper-parameters",
            "Step #3 · Activation",
            "Step #4 · Training",
            "Step #5 · Outcomes",
        ]
        assert titles[-1] == "Train"
        assert app.result is True, "Enter on the last stop should ask to train"
        assert not isinstance(app.screen, TourScreen)


async def test_back_goes_back_and_escape_leaves_at_any_point() -> None:
    app = PanelsApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.start_tour()
        await pilot.pause()
        tour = app.screen
        assert isinstance(tour, TourScreen)
        await pilot.press("right", "right", "left")
        await pilot.pause()
        assert tour.index == 1
        assert app.screen_stack[0].focused is app.screen_stack[0].query_one(TOUR[1].target)
        await pilot.press("escape")
        await pilot.pause()
        assert app.result is False
        assert not isinstance(app.screen, TourScreen)
