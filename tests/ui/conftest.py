"""Fixtures for the workbench's pilot tests: the app as ``tui-nn`` opens it, wall clock hidden."""

from __future__ import annotations

import pytest

from tui_nn.core.dataset import TUTORIAL_DATASET
from tui_nn.core.hyperparams import Hyperparams

from .pilot import WatchedApp, quiet


@pytest.fixture
def app() -> WatchedApp:
    """The workbench as ``tui-nn`` opens it, with wall-clock figures hidden."""
    return quiet(WatchedApp(TUTORIAL_DATASET, Hyperparams()))


@pytest.fixture
def watched() -> WatchedApp:
    """The workbench with a progress event, for tests that act in the middle of a run."""
    return quiet(WatchedApp(TUTORIAL_DATASET, Hyperparams()))
