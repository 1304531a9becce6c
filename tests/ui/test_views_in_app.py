"""The views in the workbench: tabs beside the loss, live while training, and the run's past."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from textual.widgets import Input

from tui_nn.core.datasets import make_dataset
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.session import load_session
from tui_nn.ui.app import TuiNNApp, make_app
from tui_nn.ui.decision_map import DecisionMap
from tui_nn.ui.every_input import EveryInput
from tui_nn.ui.help_screen import HelpText
from tui_nn.ui.network_view import NetworkView
from tui_nn.ui.path_dialog import PathDialog

from .pilot import files_done, quiet, run_action

SIZE = (120, 40)
SPIRAL = Hyperparams(
    recipe="textbook", hidden=(8, 8), activation="tanh", optimizer="adam", lr=0.03, epochs=300
)
PALETTE_NAMES = (
    "Loss chart",
    "Decision map",
    "Every input",
    "Network",
    "Back in time",
    "Forward in time",
    "Back to now",
)


def spiral_app() -> TuiNNApp:
    return quiet(make_app(make_dataset("spiral"), SPIRAL))


async def trained(app: TuiNNApp, epochs: int) -> None:
    app.form.set_value("epochs", str(epochs))
    await run_action(app, "train")


async def test_ctrl_e_cycles_the_views_loss_first() -> None:
    app = quiet(make_app())
    async with app.run_test(size=SIZE) as pilot:
        assert app.chart.active_view == "view-loss"
        seen = []
        for _ in range(5):
            await pilot.press("ctrl+e")
            seen.append(app.chart.active_view)
        assert seen == ["view-map", "view-every", "view-network", "view-inspect", "view-loss"]


async def test_the_palette_names_every_view_and_the_run_past() -> None:
    app = quiet(make_app())
    async with app.run_test(size=SIZE):
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert set(PALETTE_NAMES) <= titles


async def test_every_view_shows_the_model_after_training() -> None:
    app = quiet(make_app())
    async with app.run_test(size=SIZE) as pilot:
        await trained(app, 300)
        for view_type in (DecisionMap, EveryInput, NetworkView):
            await pilot.press("ctrl+e")
            await pilot.pause()
            snapshot = app.query_one(view_type).snapshot
            assert snapshot is not None and snapshot.epoch == 300
            np.testing.assert_array_equal(snapshot.network.params, app.trainer.network.params)


async def test_only_the_visible_view_draws_and_a_view_shown_later_catches_up() -> None:
    app = quiet(make_app())
    async with app.run_test(size=SIZE) as pilot:
        assert not app.query(NetworkView)  # a view is built the first time it is shown
        app.chart.show_view("view-network")
        await pilot.pause()
        network_view = app.query_one(NetworkView)
        app.chart.show_view("view-map")  # the map is visible, the network view hidden
        await trained(app, 50)
        assert app.query_one(DecisionMap).snapshot is not None
        assert network_view.snapshot is None or network_view.snapshot.epoch < 50
        app.chart.show_view("view-network")
        await pilot.pause()
        assert network_view.snapshot is not None and network_view.snapshot.epoch == 50


async def test_a_view_shown_for_the_first_time_draws_the_model_at_once() -> None:
    app = quiet(make_app())
    async with app.run_test(size=SIZE) as pilot:
        await trained(app, 50)
        assert not app.query(DecisionMap)
        app.chart.show_view("view-map")
        await pilot.pause()
        view = app.query_one(DecisionMap)
        assert view.snapshot is not None and view.snapshot.epoch == 50
        cells = "".join(s.text for y in range(view.size.height) for s in view.render_line(y))
        assert "▀" in cells  # the map's half-block cells, drawn


async def test_back_and_forward_in_time_show_the_kept_epochs_and_end_returns_to_now() -> None:
    app = spiral_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+e")
        await trained(app, 300)
        view = app.query_one(DecisionMap)
        await pilot.press("ctrl+b")
        await pilot.pause()
        snapshot = view.snapshot
        assert snapshot is not None and snapshot.in_past
        then = snapshot.epoch
        assert 0 < then < 300
        label = f"viewing epoch {then:,} of 300"
        assert label in str(app.chart.border_title)
        assert f"Viewing epoch {then:,} of 300" in app.status_bar.text
        assert not np.array_equal(snapshot.network.params, app.trainer.network.params)
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert view.snapshot is not None and view.snapshot.epoch < then
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert view.snapshot is not None and view.snapshot.epoch == then
        view.focus()
        await pilot.press("home")
        await pilot.pause()
        earliest = view.snapshot
        assert earliest is not None and earliest.in_past and earliest.epoch < then
        await pilot.press("end")
        await pilot.pause()
        assert view.snapshot is not None and not view.snapshot.in_past
        assert view.snapshot.epoch == 300
        assert "Viewing epoch" not in app.status_bar.text
        assert "viewing" not in str(app.chart.border_title)


async def test_the_past_shows_in_the_grid_outputs_and_predictions_too() -> None:
    app = spiral_app()
    async with app.run_test(size=SIZE) as pilot:
        await trained(app, 300)
        now = app.prediction.query(".answer").first().render()
        await pilot.press("ctrl+b", "ctrl+b", "ctrl+b")
        await pilot.pause()
        then = app.prediction.query(".answer").first().render()
        assert str(then) != str(now)
        await pilot.press("ctrl+f", "ctrl+f", "ctrl+f")
        await pilot.pause()
        assert str(app.prediction.query(".answer").first().render()) == str(now)


async def test_training_returns_to_now() -> None:
    app = spiral_app()
    async with app.run_test(size=SIZE) as pilot:
        await trained(app, 100)
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert "Viewing epoch" in app.status_bar.text
        await trained(app, 200)
        assert "Viewing epoch" not in app.status_bar.text
        app.chart.show_view("view-map")
        await pilot.pause()
        snapshot = app.query_one(DecisionMap).snapshot
        assert snapshot is not None and not snapshot.in_past and snapshot.epoch == 200


async def test_nothing_to_go_back_to_before_training_says_so() -> None:
    app = quiet(make_app())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert "Viewing epoch" not in app.status_bar.text
        assert "viewing" not in str(app.chart.border_title)


async def test_the_past_is_saved_and_opened_with_the_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = spiral_app()
    async with app.run_test(size=SIZE) as pilot:
        await trained(app, 200)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PathDialog)
        app.screen.query_one("#path", Input).value = "run"
        await pilot.press("enter")
        await files_done(pilot)
    session = load_session(tmp_path / "run.toml")
    assert session.snapshots is not None and len(session.snapshots) > 10
    assert set(session.snapshots.epochs) <= set(session.history_epochs)

    again = quiet(make_app(session=session, session_path=tmp_path / "run.toml"))
    async with again.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+e")
        await pilot.press("ctrl+b")
        await pilot.pause()
        snapshot = again.query_one(DecisionMap).snapshot
        assert snapshot is not None and snapshot.in_past
        index = session.snapshots.epochs.index(snapshot.epoch)
        np.testing.assert_array_equal(snapshot.network.params, session.snapshots.params[index])


async def test_the_network_view_follows_the_row_under_the_grid_cursor() -> None:
    app = quiet(make_app())
    async with app.run_test(size=SIZE) as pilot:
        await trained(app, 100)
        app.chart.show_view("view-network")
        await pilot.pause()
        view = app.query_one(NetworkView)
        assert view.snapshot is not None and view.snapshot.selected_row == 0
        app.grid.focus()
        await pilot.press("down", "down")
        await pilot.pause()
        assert view.snapshot is not None and view.snapshot.selected_row == 2
        assert any("on row 3" in line for line in (s.text for s in view.build_strips()))


async def test_help_says_what_each_view_teaches() -> None:
    app = quiet(make_app())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        text = str(app.screen.query_one("#help-text", HelpText).source)
        for title in ("Loss chart", "Decision map", "Every input", "Network"):
            assert f"**{title}**: " in text
        assert "what the network answers everywhere on the plane" in text
