"""Files never half-load and never lose the model: refused opens, saves while training, errors."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from tui_nn.core.dataset import TUTORIAL_DATASET
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.session import Session, load_session, save_session
from tui_nn.ui.confirm_unsaved import ConfirmUnsaved
from tui_nn.ui.path_dialog import PathChoice, PathDialog

from .pilot import (
    SETTLE_TIMEOUT,
    WatchedApp,
    first_progress,
    quiet,
    run_action,
    settle,
    type_path,
)


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Dialogs start in the working directory: make it a fresh one."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_untrainable_sessions(folder: Path) -> dict[str, str]:
    """Sessions whose data cannot train, by file name, with what the refusal must say.

    Written by hand: ``save_session`` refuses to write them.
    """
    save_session(Session(), folder / "good.toml")
    text = (folder / "good.toml").read_text()
    labels = re.compile(r"labels = \[[^\]]*\]")
    features = re.compile(r"features = \[.*?\n\]", re.S)
    (folder / "one-label.toml").write_text(labels.sub("labels = [1, 1, 1, 1, 1, 1, 1]", text))
    one_row = features.sub("features = [[0.0, 1.0, 0.0]]", labels.sub("labels = [1]", text))
    (folder / "one-row.toml").write_text(one_row.replace("test_split = 0.0", "test_split = 0.5"))
    no_rows = features.sub("features = []", labels.sub("labels = []", text))
    (folder / "no-rows.toml").write_text(no_rows)
    return {
        "one-label.toml": "every row has the label",
        "one-row.toml": "every row has the label",
        "no-rows.toml": "no rows",
    }


async def test_a_session_that_cannot_train_is_refused_and_nothing_changes(
    app: WatchedApp, in_tmp: Path
) -> None:
    refusals = write_untrainable_sessions(in_tmp)
    async with app.run_test(size=(100, 30)) as pilot:
        app.grid.focus()
        await pilot.press("down", "space")  # an edit, so undo has something to undo
        app.form.set_value("epochs", "100")
        await run_action(app, "train")
        before = (
            app.grid.table.state(),
            app.form.texts(),
            app.trainer,
            app.trainer.epoch,
            app.trainer.network.params.tobytes(),
            app.chart.loss_chart.snapshot,
            app.status_bar.text,
        )
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmUnsaved)
        await pilot.press("d")  # discard: the workbench must still be intact after a refusal
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, PathDialog)
        for name, reason in refusals.items():
            await type_path(pilot, app, name)
            assert app.screen is dialog, name
            assert name in dialog.error and reason in dialog.error
        await pilot.press("escape")
        await pilot.pause()
        after = (
            app.grid.table.state(),
            app.form.texts(),
            app.trainer,
            app.trainer.epoch,
            app.trainer.network.params.tobytes(),
            app.chart.loss_chart.snapshot,
            app.status_bar.text,
        )
        assert after == before
        assert app.grid.table.can_undo
        await pilot.press("ctrl+z")
        assert app.grid.table.value(1, 0) == 0.0  # the edit before the refused open, undone


async def test_an_unexpected_file_error_is_said_and_the_workbench_stays(
    app: WatchedApp, in_tmp: Path
) -> None:
    def broken_disk(choice: PathChoice) -> Path:
        raise OSError(28, "No space left on device")

    async with app.run_test(size=(100, 30)) as pilot:
        trainer, texts = app.trainer, app.form.texts()
        dialog: PathDialog[Path] = PathDialog("Export CSV", broken_disk, saving=True)
        app.push_screen(dialog)
        await pilot.pause()
        await type_path(pilot, app, "out.csv")
        expected = "Export csv: out.csv failed: [Errno 28] No space left on device"
        assert expected in app.notices
        assert app.screen is dialog and dialog.error == expected  # the dialog stays open
        assert (app.trainer, app.form.texts()) == (trainer, texts)
        assert not (in_tmp / "out.csv").exists()


async def test_saving_while_training_saves_the_model_at_the_epoch_shown(in_tmp: Path) -> None:
    path = in_tmp / "live.toml"
    app = quiet(WatchedApp(TUTORIAL_DATASET, Hyperparams(epochs=10_000_000), session_path=path))
    async with app.run_test(size=(100, 30)):
        await app.run_action("train")
        await first_progress(app)
        while (shown := app.status_bar.status) is None or shown.epoch == 0:
            await first_progress(app)  # the first report may come too soon to be drawn
        shown_before = shown
        await app.run_action("save")
        # Training floods the queue, so wait on the save's own workers, not for idle.
        saving = [w.wait() for w in app.workers if w.group in ("dialogs", "files")]
        await asyncio.wait_for(asyncio.gather(*saving), SETTLE_TIMEOUT)
        assert app.phase == "training"
        saved = load_session(path)
        assert saved.network is not None and saved.epoch >= shown_before.epoch
        assert saved.history_epochs and saved.history_epochs[-1] <= saved.epoch
        assert f"Saved live.toml. The model is saved at epoch {saved.epoch:,}" in app.notices[-1]
        await app.run_action("stop")
        await settle(app)
