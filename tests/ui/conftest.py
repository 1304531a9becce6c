"""Fixtures for the workbench's pilot tests: the app as ``tui-nn`` opens it, wall clock hidden."""

from __future__ import annotations

import pytest

from tui_nn.core.dataset import TUTORIAL_DATASET
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.ui.app import TuiNNApp, make_app

from .pilot import WatchedApp, quiet


@pytest.fixture
def app() -> TuiNNApp:
    """The workbench as ``tui-nn`` opens it, with wall-clock figures hidden."""
    return quiet(make_app())


@pytest.fixture
def watched() -> WatchedApp:
    """The workbench with a progress event, for tests that act in the middle of a run."""
    return quiet(WatchedApp(TUTORIAL_DATASET, Hyperparams()))
