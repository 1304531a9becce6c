"""A learner trains the tutorial, pauses, steps, resumes, stops and resets it."""

from __future__ import annotations

from tui_nn.ui.app import TuiNNApp
from tui_nn.ui.confirm_unsaved import ConfirmUnsaved
from tui_nn.ui.dataset_grid import RIGHT, WRONG

from .pilot import WatchedApp, exited, first_progress, process_alive, run_action, settle

UNTRAINED_ANSWERS = ["→ 0.7258  class 1", "→ 0.8248  class 1", ""]
"""What the prediction pane says before training: the seed's weights, both rows class 1."""


def marks(app: TuiNNApp) -> list[str]:
    """The right/wrong mark of every grid row."""
    grid = app.grid
    return [str(grid.get_cell(str(row), "mark")) for row in range(grid.row_count)]


async def test_training_the_tutorial_to_the_end_gives_its_outcomes(app: TuiNNApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.prediction.answers() == UNTRAINED_ANSWERS
        assert WRONG in marks(app)
        await run_action(app, "train")
        await pilot.pause()
        assert app.prediction.answers() == ["→ 0.0189  class 0", "→ 0.9898  class 1", ""]
        assert marks(app) == [RIGHT] * 7
        assert "Finished · epoch 30,000 of 30,000 · mse 0.000339439" in app.status_bar.text
        assert app.chart.loss_chart.snapshot is not None
        assert app.chart.loss_chart.snapshot.latest_epoch == 30_000
        assert not app.grid.read_only  # the run is over: the data can be edited again


async def test_pause_step_resume_and_reset(watched: WatchedApp) -> None:
    app = watched
    async with app.run_test(size=(100, 30)) as pilot:
        app.form.set_value("epochs", "1000000")
        await app.run_action("train")
        await first_progress(app)
        await run_action(app, "pause")
        paused_at = app.trainer.epoch
        assert app.phase == "paused"
        assert 0 < paused_at < 1_000_000
        await pilot.pause()
        assert f"Paused · epoch {paused_at:,} of 1,000,000" in app.status_bar.text

        await run_action(app, "step")
        assert app.trainer.epoch == paused_at + 1
        assert app.phase == "paused"

        # A new learning rate typed while paused applies when training resumes.
        app.form.set_value("lr", "0.5")
        assert app.trainer.lr == 0.05
        await app.run_action("train")
        assert app.trainer.lr == 0.5
        await first_progress(app)
        await run_action(app, "pause")
        assert app.trainer.epoch > paused_at + 1

        await run_action(app, "reset")
        await pilot.pause()
        assert app.trainer.epoch == 0
        assert app.phase == "ready"
        assert app.chart.loss_chart.snapshot is None
        assert app.prediction.answers() == UNTRAINED_ANSWERS
        assert "Ready · epoch 0 of 1,000,000" in app.status_bar.text


async def test_the_train_key_pauses_and_other_changes_need_a_reset(watched: WatchedApp) -> None:
    app = watched
    async with app.run_test(size=(100, 30)) as pilot:
        app.form.set_value("epochs", "1000000")
        await app.run_action("train")
        await first_progress(app)
        # ctrl+t while training is Pause: the footer shows it under the same key.
        assert app.screen.active_bindings["ctrl+t"].binding.action == "pause"
        await pilot.press("ctrl+t")
        await settle(app)
        assert app.phase == "paused"
        assert app.screen.active_bindings["ctrl+t"].binding.action == "train"
        # Any change but the learning rate and epochs needs a reset before training resumes.
        paused_at = app.trainer.epoch
        app.form.set_value("seed", "7")
        await run_action(app, "train")
        assert (app.phase, app.trainer.epoch) == ("paused", paused_at)
        assert any("Reset" in n for n in app.notices)
        await run_action(app, "stop")
        assert app.phase == "stopped"
        await run_action(app, "reset")
        assert app.trainer.hyperparams.seed == 7


async def test_stop_ends_the_run_and_train_starts_again_from_the_seed(app: TuiNNApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        app.form.set_value("epochs", "200")
        await run_action(app, "step")
        await run_action(app, "stop")
        assert app.phase == "stopped"
        assert app.trainer.epoch == 1
        await run_action(app, "train")
        await pilot.pause()
        assert app.phase == "finished"
        assert app.trainer.epoch == 200
        snapshot = app.chart.loss_chart.snapshot
        assert snapshot is not None and snapshot.epochs[0] == 1 and snapshot.latest_epoch == 200


async def test_a_cancelled_run_never_updates_the_screen(watched: WatchedApp) -> None:
    app = watched
    async with app.run_test(size=(100, 30)) as pilot:
        app.form.set_value("epochs", "1000000")
        await app.run_action("train")
        await first_progress(app)
        stale_run = app.workbench.run_id
        await run_action(app, "reset")
        app.form.set_value("epochs", "300")
        await run_action(app, "train")
        await pilot.pause()
        assert stale_run in app.progress_runs
        assert app.trainer.epoch == 300
        assert "Finished · epoch 300 of 300" in app.status_bar.text
        snapshot = app.chart.loss_chart.snapshot
        assert snapshot is not None and snapshot.latest_epoch == 300


async def test_quitting_while_training_cancels_the_run(watched: WatchedApp) -> None:
    app = watched
    async with app.run_test(size=(100, 30)) as pilot:
        app.form.set_value("epochs", "1000000000")
        await app.run_action("train")
        await first_progress(app)
        pid = app.training_process_pid
        assert pid is not None
        await pilot.press("ctrl+q")
        # Weights trained since the last save: quitting asks first; Discard quits at once.
        assert isinstance(app.screen, ConfirmUnsaved)
        await pilot.press("d")
        await pilot.pause()
        assert exited(app)
    # The training process went with the app, long before its billion epochs.
    assert not process_alive(pid)


async def test_pausing_or_resetting_the_instant_training_starts(app: TuiNNApp) -> None:
    async with app.run_test() as pilot:
        app.form.set_value("epochs", "1000000")
        # The worker may not have started yet: the run must still end, and say so.
        await app.run_action("train")
        await run_action(app, "pause")
        await pilot.pause()
        assert app.phase == "paused"
        await app.run_action("train")
        await run_action(app, "reset")
        await pilot.pause()
        assert (app.phase, app.trainer.epoch) == ("ready", 0)
        assert "Ready · epoch 0 of 1,000,000" in app.status_bar.text
        app.form.set_value("epochs", "100")
        await run_action(app, "train")
        assert (app.phase, app.trainer.epoch) == ("finished", 100)


async def test_a_run_that_ends_under_help_shows_its_end_when_help_closes(
    watched: WatchedApp,
) -> None:
    """While help is open the workbench beneath waits (a terminal would redraw the whole
    window for each change under a dialog); closing it shows the run as it is now."""
    app = watched
    async with app.run_test(size=(100, 30)) as pilot:
        app.form.set_value("epochs", "20000")
        await app.run_action("train")
        await first_progress(app)
        await app.run_action("help")
        await pilot.pause()
        await settle(app)  # the run ends with help still open: its last frame waits
        await pilot.press("escape")
        await pilot.pause()
        await pilot.pause()
        assert "Finished · epoch 20,000 of 20,000" in app.status_bar.text
        assert app.chart.loss_chart.snapshot is not None
        assert app.chart.loss_chart.snapshot.latest_epoch == 20_000
