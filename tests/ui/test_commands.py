"""Every workbench action is in the command palette (ctrl+p) under its plain name."""

from __future__ import annotations

from textual.command import CommandInput, CommandPalette
from textual.pilot import Pilot

from tui_nn.ui.actions import ACTIONS, GRID_ACTIONS
from tui_nn.ui.app import TuiNNApp
from tui_nn.ui.confirm_unsaved import ConfirmUnsaved
from tui_nn.ui.help_screen import HelpScreen

from .pilot import WatchedApp, exited, first_progress, settle


async def search(pilot: Pilot[None], name: str) -> None:
    """Open the palette and type ``name``."""
    await pilot.press("ctrl+p")
    await pilot.press(*["space" if char == " " else char for char in name])
    await pilot.pause()


async def palette(pilot: Pilot[None], name: str) -> None:
    """Open the palette, type ``name``, run the top match."""
    await search(pilot, name)
    await pilot.press("enter")
    await pilot.pause()


def command_names(app: TuiNNApp) -> set[str]:
    return {command.title for command in app.get_system_commands(app.screen)}


async def test_every_action_runs_from_the_palette(app: TuiNNApp) -> None:
    async with app.run_test() as pilot:
        names = {"Train", "Pause", "Step", "Stop", "Reset", "Toggle log scale", "Help", "Quit"}
        titles = [action.title for action in (*ACTIONS, *GRID_ACTIONS) if action.palette]
        assert names <= set(titles) <= command_names(app)
        # Textual's own Quit gives way to the workbench's, which asks about unsaved work.
        listed = [command.title for command in app.get_system_commands(app.screen)]
        assert listed.count("Quit") == 1
        app.form.set_value("epochs", "100")
        # A few letters pick each command, as a user would type them.
        await palette(pilot, "Ste")
        await settle(app)
        assert app.trainer.epoch == 1
        await palette(pilot, "Sto")
        assert app.phase == "stopped"
        await palette(pilot, "Tra")
        await settle(app)
        assert (app.phase, app.trainer.epoch) == ("finished", 100)
        await palette(pilot, "Res")
        assert (app.phase, app.trainer.epoch) == ("ready", 0)
        assert not app.chart.loss_chart.log_scale
        await palette(pilot, "Tog")
        assert app.chart.loss_chart.log_scale
        await palette(pilot, "Hel")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await palette(pilot, "Qui")
        # Epochs changed since the app opened: quitting asks first.
        assert isinstance(app.screen, ConfirmUnsaved)
        await pilot.press("d")
        await pilot.pause()
        assert exited(app)


async def test_pause_from_the_palette(watched: WatchedApp) -> None:
    app = watched
    async with app.run_test() as pilot:
        app.form.set_value("epochs", "100000000")
        # Type while idle: key presses wait for the app to idle, which training puts off.
        await search(pilot, "Pause")
        await app.run_action("train")
        await first_progress(app)
        await pilot.press("enter")
        await settle(app)
        assert app.phase == "paused"


async def test_the_search_box_shows_before_the_commands_are_listed(app: TuiNNApp) -> None:
    """The palette's box is on its first paint: Textual hides it until every command is gathered
    (0.1-0.2 s while training), so ctrl+p seemed to do nothing for a moment."""
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        palette_screen = app.screen
        assert isinstance(palette_screen, CommandPalette)
        palette_screen.remove_class("-ready")  # as it is until the commands are in
        await pilot.pause()
        search_box = palette_screen.query_one(CommandInput)
        assert search_box.display and search_box.region.height > 0
        assert palette_screen.query_one("#--container").display
