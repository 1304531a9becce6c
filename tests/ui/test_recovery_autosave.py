"""Recovery autosave: unsaved work is copied to the state folder and offered back after a crash."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.recovery import RecoveryStore, find_recovery_copies
from tui_nn.core.session import Session, load_session
from tui_nn.ui.app import TuiNNApp, make_app
from tui_nn.ui.hyperparams_form import HyperparamsForm
from tui_nn.ui.restore_recovery import RestoreRecovery

from .pilot import quiet


@pytest.fixture(autouse=True)
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state" / "tui-nn"


async def autosaves_done(app: TuiNNApp) -> None:
    """Wait for the autosave's own workers (the training link's listener outlives them)."""
    await asyncio.gather(*(w.wait() for w in app.workers if w.group == "autosave"))


def dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return int(done.stdout)


async def test_unsaved_work_is_copied_and_a_clean_quit_removes_the_copy(state: Path) -> None:
    app = quiet(make_app())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.autosave.check()
        await autosaves_done(app)
        assert not app.autosave.store.path.exists(), "nothing unsaved: no copy"
        app.query_one(HyperparamsForm).set_value("lr", "0.25")
        await pilot.pause()
        app.autosave.check()
        await autosaves_done(app)
        copy = load_session(app.autosave.store.path)
        assert copy.hyperparams.lr == 0.25
        app.exit()
    assert not any(state.glob("recovery-*")), "a clean quit leaves no copy"


async def test_a_crashed_apps_copy_is_offered_and_restored(state: Path) -> None:
    RecoveryStore(pid=dead_pid()).save(Session(hyperparams=Hyperparams(lr=0.125)))
    app = quiet(make_app())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, RestoreRecovery)
        await pilot.press("r")
        await pilot.pause()
        assert app.query_one(HyperparamsForm).texts()["lr"] == "0.125"
        assert app.has_unsaved_changes, "restored work is not saved anywhere yet"
        app.autosave.check()
        await autosaves_done(app)
        assert app.autosave.store.path.exists()


async def test_discarding_a_copy_deletes_it(state: Path) -> None:
    RecoveryStore(pid=dead_pid()).save(Session(hyperparams=Hyperparams(lr=0.125)))
    app = quiet(make_app())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        assert app.query_one(HyperparamsForm).texts()["lr"] == "0.05"
    assert find_recovery_copies() == []


async def test_the_autosave_waits_while_a_dialog_is_open() -> None:
    app = quiet(make_app())
    async with app.run_test(size=(120, 40)) as pilot:
        app.query_one(HyperparamsForm).set_value("lr", "0.25")
        await pilot.press("f1")
        await pilot.pause()
        assert len(app.screen_stack) == 2
        app.autosave.check()  # the panels are behind the dialog: nothing to read, no error
        await autosaves_done(app)
        assert not app.autosave.store.path.exists()
        await pilot.press("escape")
        await pilot.pause()
        app.autosave.check()
        await autosaves_done(app)
        assert app.autosave.store.path.exists()
