"""Every workbench action is in the command palette (ctrl+p) under its plain name."""

from __future__ import annotations

from textual.command import CommandInput, CommandPalette
from textual.pilot import Pilot

from tui_nn.ui.actions import ACTIONS, GRID_ACTIONS
from tui_nn.ui.app import TuiNNApp
from tui_nn.ui.command_palette import NO_MATCHES, WorkbenchPalette
from tui_nn.ui.confirm_unsaved import ConfirmUnsaved
from tui_nn.ui.help_screen import HelpScreen
from tui_nn.ui.path_dialog import PathDialog

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


async def test_the_palette_opens_cleared_each_time_with_the_first_command_highlighted(
    app: TuiNNApp,
) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await search(pilot, "Sto")
        palette_screen = app.screen
        assert isinstance(palette_screen, WorkbenchPalette)
        assert palette_screen.shown[0] == "Stop"
        await pilot.press("escape")
        assert app.screen is not palette_screen
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert app.screen is palette_screen  # kept, not built again
        assert palette_screen.search.value == ""
        assert palette_screen.shown == sorted(palette_screen.shown)
        assert set(palette_screen.shown) == command_names(app)
        assert palette_screen.command_list.highlighted == 0
        await pilot.press("ctrl+p")  # the key that opened it closes it
        await pilot.pause()
        assert not isinstance(app.screen, WorkbenchPalette)


async def test_down_moves_the_highlight_and_enter_runs_that_command(app: TuiNNApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await search(pilot, "Export")
        palette_screen = app.screen
        assert isinstance(palette_screen, WorkbenchPalette)
        assert palette_screen.shown[:2] == ["Export CSV", "Export model"]  # the table's order
        await pilot.press("down")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PathDialog)
        assert app.screen.query_one("#path-box").border_title == "Export model"


async def test_a_search_that_finds_nothing_says_so_and_enter_runs_nothing(app: TuiNNApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await search(pilot, "zqx")
        palette_screen = app.screen
        assert isinstance(palette_screen, WorkbenchPalette)
        assert palette_screen.shown == []
        command_list = palette_screen.command_list
        assert command_list.option_count == 1
        assert str(command_list.get_option_at_index(0).prompt) == NO_MATCHES
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is palette_screen
        assert app.phase == "ready" and app.trainer.epoch == 0


async def test_textuals_own_commands_are_listed_with_the_workbench_actions(app: TuiNNApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await search(pilot, "Keys")
        palette_screen = app.screen
        assert isinstance(palette_screen, WorkbenchPalette)
        assert palette_screen.shown[0] == "Keys"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.query("KeyPanel")


async def test_the_theme_picker_shows_its_search_box_at_once(app: TuiNNApp) -> None:
    """Theme (from the palette) opens Textual's own picker, which hides its box until every
    theme is listed: app.tcss shows it on the first paint, over a plain background."""
    async with app.run_test(size=(100, 30)) as pilot:
        await palette(pilot, "Theme")
        picker = app.screen
        assert isinstance(picker, CommandPalette)
        picker.remove_class("-ready")  # as it is until the themes are in
        await pilot.pause()
        assert picker.query_one(CommandInput).region.height > 0
        assert picker.query_one("#--container").display
