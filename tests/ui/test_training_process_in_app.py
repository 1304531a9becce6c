"""Training runs in its own process: the same numbers, a crash survived, nothing left behind."""

from __future__ import annotations

import gc
import os
import signal
from typing import Any

import numpy as np

from tui_nn.core.dataset import TUTORIAL_DATASET
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.training import Trainer
from tui_nn.ui.app import make_app

from .pilot import WatchedApp, first_progress, run_action, settle
from .pilot import process_alive as alive

ADAM = Hyperparams(recipe="textbook", optimizer="adam", lr=0.05, epochs=400)


async def test_a_run_trains_in_another_process_and_equals_an_in_process_trainer() -> None:
    app = make_app(hyperparams=ADAM)
    async with app.run_test(size=(100, 30)):
        await run_action(app, "train")
        pid = app.training_process_pid
        assert pid is not None and pid != os.getpid()
        assert app.phase == "finished" and app.trainer.epoch == 400
        trainer = Trainer(ADAM, TUTORIAL_DATASET)
        list(trainer.run())
        assert np.array_equal(app.trainer.network.params, trainer.network.params)
        # The optimiser's moments came back too: a session saved now carries on exactly.
        state, expected = app.trainer.export_state(), trainer.export_state()
        assert state.optimizer_steps == 400
        assert all(np.array_equal(state.moments[k], expected.moments[k]) for k in ("m", "v"))


async def test_pausing_and_stepping_go_through_the_process_bit_for_bit(
    watched: WatchedApp,
) -> None:
    app = watched
    async with app.run_test(size=(100, 30)):
        app.form.set_value("epochs", "1000000")
        await app.run_action("train")
        await first_progress(app)
        await run_action(app, "pause")
        paused_at = app.trainer.epoch
        await run_action(app, "step")
        await run_action(app, "step")
        assert app.phase == "paused" and app.trainer.epoch == paused_at + 2
        trainer = Trainer(Hyperparams(epochs=1_000_000), TUTORIAL_DATASET)
        list(trainer.run(paused_at + 2))
        assert np.array_equal(app.trainer.network.params, trainer.network.params)


async def test_a_crashed_process_is_reported_and_a_new_one_trains_on(watched: WatchedApp) -> None:
    app = watched
    async with app.run_test(size=(100, 30)):
        app.form.set_value("epochs", "1000000")
        await app.run_action("train")
        await first_progress(app)
        old = app.training_process_pid
        assert old is not None
        os.kill(old, signal.SIGKILL)
        await settle(app)
        assert app.phase == "paused"
        assert any("killed by SIGKILL" in text for text in app.notices)
        epoch = app.trainer.epoch
        assert epoch > 0  # the last weights shown are kept
        await run_action(app, "step")
        assert app.trainer.epoch == epoch + 1
        assert app.training_process_pid not in (None, old)


async def test_no_training_process_is_left_when_the_app_quits(watched: WatchedApp) -> None:
    app = watched
    async with app.run_test(size=(100, 30)):
        app.form.set_value("epochs", "1000000")
        await app.run_action("train")
        await first_progress(app)
        pid = app.training_process_pid
        assert pid is not None and alive(pid)
    assert not alive(pid)


async def test_the_collector_the_launcher_held_off_is_back_after_the_first_frame() -> None:
    """``tui-nn`` turns the garbage collector off for start-up; the app's first frame turns
    it back on (with start-up's objects frozen), or a long session would never free a cycle."""
    gc.disable()
    try:
        app = make_app()
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert gc.isenabled()
            assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # this test process's objects go back to the collector
        gc.enable()


async def test_under_a_dialog_no_chart_is_drawn_and_the_workbench_catches_up_when_it_closes(
    watched: WatchedApp,
) -> None:
    """Behind help the chart is not drawn for each frame (nobody sees it, and the drawing took
    time from the dialog's keys); closing help shows the run where it is."""
    app = watched
    async with app.run_test(size=(120, 40)) as pilot:
        app.form.set_value("epochs", "100000000")
        await pilot.press("f1")
        await pilot.pause()
        panel = app.chart
        drawn: list[object] = []
        prepare = panel.prepare

        def counted(*args: Any) -> Any:
            drawn.append(args)
            return prepare(*args)

        panel.prepare = counted  # type: ignore[method-assign]
        await app.run_action("train")
        await first_progress(app)
        await app.run_action("pause")
        await settle(app)
        assert drawn == []
        epoch = app.trainer.epoch
        assert f"epoch {epoch:,}" not in panel.loss_chart.title
        await pilot.press("escape")
        await pilot.pause()
        assert f"epoch {epoch:,} of 100,000,000" in panel.loss_chart.title


def test_quitting_before_the_first_frame_starts_no_training_process() -> None:
    app = make_app()
    app.runner.close()  # what quitting does (on_unmount / on_exit_app)
    app._start_training_process()  # the first frame, had it come
    assert app.runner.closed
    assert app.training_process_pid is None
