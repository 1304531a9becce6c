"""Recovery copies: autosaved unsaved work in the state folder, found again after a crash."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tui_nn.core.dataset import TUTORIAL_DATASET
from tui_nn.core.errors import TuiNNError
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.recovery import RecoveryStore, find_recovery_copies, state_folder
from tui_nn.core.session import Session


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state" / "tui-nn"


def dead_pid() -> int:
    """The id of a process that has exited (so its copy counts as left behind)."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return int(done.stdout)


def test_the_state_folder_follows_xdg(state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert state_folder() == state
    monkeypatch.setenv("XDG_STATE_HOME", "relative/path")  # invalid by the spec: ignored
    assert state_folder() == Path.home() / ".local" / "state" / "tui-nn"


def test_a_crashed_apps_copy_is_found_and_restores_the_work(state: Path) -> None:
    session = Session(TUTORIAL_DATASET, Hyperparams(lr=0.5), test_split=0.0)
    RecoveryStore(pid=dead_pid()).save(session, Path("/home/me/work.toml"))
    [copy] = find_recovery_copies()
    assert copy.session_path == Path("/home/me/work.toml")
    assert "of /home/me/work.toml" in copy.describe()
    assert copy.load().hyperparams.lr == 0.5
    copy.remove()
    assert find_recovery_copies() == [] and list(state.iterdir()) == []


def test_a_running_apps_copy_is_not_offered(state: Path) -> None:
    store = RecoveryStore()  # this process: still running
    store.save(Session())
    assert store.path.exists() and find_recovery_copies() == []
    store.discard()
    assert not store.path.exists() and not store.path.with_suffix(".json").exists()


def test_newest_first_and_a_damaged_note_is_tolerated(state: Path) -> None:
    old, new = RecoveryStore(pid=dead_pid()), RecoveryStore(pid=dead_pid() + 100000)
    old.save(Session())
    new.save(Session())
    os.utime(old.path, (1, 1))
    old.path.with_suffix(".json").write_text("not json")
    copies = find_recovery_copies()
    assert [c.path for c in copies] == [new.path, old.path]
    assert copies[1].saved_at == 1 and copies[1].session_path is None


def test_an_unwritable_state_folder_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))
    with pytest.raises(TuiNNError, match="cannot keep a recovery copy there"):
        RecoveryStore().save(Session())
