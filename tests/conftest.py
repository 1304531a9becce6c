"""Fixtures for every test: a private state folder, so no test reads or leaves recovery copies,
and training processes that start fast."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui_nn.core.training_process import set_default_start_method


@pytest.fixture(autouse=True)
def private_state_folder(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Point ``$XDG_STATE_HOME`` at a fresh folder: the user's recovery copies stay untouched."""
    folder = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("XDG_STATE_HOME", str(folder))
    return folder


@pytest.fixture(scope="session", autouse=True)
def training_children_forked_from_one_server() -> None:
    """Start each test's training process as a fork of one preloaded server.

    The app spawns a fresh interpreter for it (``spawn``), ~0.3 s of a core that every app in
    a test would pay again; forked from a server that already imported the engine it is ready
    at once and leaves at once. Tests that are about ``spawn`` ask for it by name.
    """
    set_default_start_method("forkserver")
