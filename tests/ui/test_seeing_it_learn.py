"""Seeing how it learns, in the workbench: Inspect step, Compare recipes, runs compared, Tour."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
from textual.pilot import Pilot

from tui_nn.core.session import load_session
from tui_nn.ui.app import TuiNNApp, make_app
from tui_nn.ui.chart_panel import INSPECT_VIEW
from tui_nn.ui.help_screen import HelpScreen, HelpText
from tui_nn.ui.recipe_comparison_screen import RecipeComparisonScreen
from tui_nn.ui.tour import TOUR, TourScreen

from .pilot import SETTLE_TIMEOUT, files_done, quiet, run_action, settle


async def palette(pilot: Pilot[None], name: str) -> None:
    """Open the palette, type ``name``, run the top match."""
    await pilot.press("ctrl+p")
    await pilot.press(*["space" if char == " " else char for char in name])
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


async def test_inspect_step_shows_the_next_step_and_ctrl_n_lands_on_its_new_weights(
    app: TuiNNApp,
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await palette(pilot, "Inspect step")
        assert app.chart.active_view == INSPECT_VIEW
        assert app.focused is app.chart.inspector
        for epoch in (1, 2, 3):
            inspection = app.chart.inspector.inspection
            assert inspection is not None and inspection.epoch == epoch
            await pilot.press("ctrl+n")
            await settle(app)
            await pilot.pause()
            assert app.trainer.network.params.tobytes() == inspection.new_params.tobytes()
        lines = app.chart.inspector.plain_lines(width=200)
        assert lines[0].startswith("Epoch 4 · row 1/7 · tutorial")


async def test_inspector_says_why_while_training_or_when_settings_wait(app: TuiNNApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await app.run_action("inspect_step")
        app.form.set_value("hidden", "4")
        await pilot.pause()
        await app.run_action("inspect_step")
        assert app.chart.inspector.inspection is None
        assert "Hidden layers changed on screen" in app.chart.inspector.plain_lines()[0]
        await run_action(app, "reset")
        await pilot.pause()
        inspection = app.chart.inspector.inspection
        assert inspection is not None and len(inspection.layers) == 2


async def test_compare_recipes_draws_both_curves_with_epochs_to_all_right(app: TuiNNApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        app.form.set_value("epochs", "1500")
        await pilot.press("ctrl+k")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RecipeComparisonScreen)

        async def done() -> None:
            while screen.comparison is None:
                await asyncio.sleep(0.05)

        await asyncio.wait_for(done(), SETTLE_TIMEOUT)
        comparison = screen.comparison
        assert comparison is not None and comparison.limit == 1500
        assert comparison.tutorial.all_right_epoch is not None
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, RecipeComparisonScreen)
        assert app.trainer.epoch == 0, "comparing trains copies, never the workbench's model"


async def test_runs_compared_are_kept_labelled_cleared_and_saved(tmp_path: Path) -> None:
    path = tmp_path / "runs.toml"
    app = quiet(make_app(session_path=path))
    async with app.run_test(size=(120, 40)) as pilot:
        app.form.set_value("epochs", "200")
        await run_action(app, "train")
        app.form.set_value("lr", "0.5")
        await run_action(app, "reset")
        await run_action(app, "train")
        await pilot.pause()
        chart = app.chart.loss_chart
        assert [curve.label for curve in chart.background] == ["lr 0.05"]
        assert "lr 0.05" in chart.render().plain  # type: ignore[union-attr]
        app.form.set_value("epochs", "300")
        await run_action(app, "reset")
        await pilot.pause()
        assert [curve.label for curve in chart.background] == ["lr 0.05", "same settings"]
        # Saved in the session, and back on opening it.
        await pilot.press("ctrl+s")
        # Only the save's own workers: the training link's listener runs as long as the app.
        await files_done(pilot)
        assert [run.hyperparams.lr for run in load_session(path).kept_runs] == [0.05, 0.5]
        await pilot.press("ctrl+x")
        await pilot.pause()
        assert chart.background == ()


async def test_tour_walks_the_seeds_steps_and_ends_with_train(app: TuiNNApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        app.form.set_value("epochs", "50")
        await palette(pilot, "Tour")
        tour = app.screen
        assert isinstance(tour, TourScreen)
        focused = []
        for _ in TOUR:
            focused.append(app.screen_stack[0].focused)
            await pilot.press("enter")
            await pilot.pause()
        assert focused[0] is app.grid
        assert focused[1] is not None and focused[1].id == "hp-seed"
        assert focused[4] is not None and app.prediction in focused[4].ancestors
        await settle(app)
        assert app.trainer.epoch == 50, "Enter on the last stop trains"


async def test_tour_escape_leaves_at_any_point(app: TuiNNApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await app.run_action("tour")
        await pilot.press("enter", "enter", "escape")
        await pilot.pause()
        assert not isinstance(app.screen, TourScreen)
        assert app.trainer.epoch == 0 and app.phase == "ready"


async def test_help_lists_the_new_actions(app: TuiNNApp) -> None:
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text", HelpText).source)
        for line in ("ctrl+k", "Compare recipes", "ctrl+x", "Clear runs compared"):
            assert line in text
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"Inspect step", "Compare recipes", "Clear runs compared", "Tour"} <= titles


async def test_inspector_follows_the_grids_cursor_row(app: TuiNNApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await app.run_action("inspect_step")
        app.grid.focus()
        await pilot.press("down", "down")
        await pilot.pause()
        inspection = app.chart.inspector.inspection
        assert inspection is not None and inspection.row == 2
        assert app.chart.inspector.plain_lines(width=200)[0].startswith("Epoch 1 · row 3/7")
        np.testing.assert_array_equal(inspection.features, app.grid.to_dataset().features[2])
