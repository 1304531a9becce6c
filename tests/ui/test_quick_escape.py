"""On a terminal the app reads keys with a driver that sees a lone Esc after ESCDELAY."""

from __future__ import annotations

import selectors

import pytest
from textual import constants

from tui_nn.core.dataset import TUTORIAL_DATASET
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.ui.app import TuiNNApp
from tui_nn.ui.quick_escape import QuickEscapeDriver, _QuickSelectSelector


def test_a_terminal_gets_the_quick_escape_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where Textual would read a Linux terminal, the app reads it with QuickEscapeDriver."""
    monkeypatch.delenv("TEXTUAL_DRIVER", raising=False)
    monkeypatch.setattr(constants, "DRIVER", None)
    app = TuiNNApp(TUTORIAL_DATASET, Hyperparams())
    assert app.get_driver_class() is QuickEscapeDriver


def test_the_key_loop_waits_no_longer_than_escdelay(monkeypatch: pytest.MonkeyPatch) -> None:
    """Textual's loop asks for 0.1 s waits; each becomes ESCDELAY, so a lone Esc is not late."""
    asked: list[float | None] = []

    def record(self: selectors.SelectSelector, timeout: float | None = None) -> list[object]:
        asked.append(timeout)
        return []

    monkeypatch.setattr(selectors.SelectSelector, "select", record)
    monkeypatch.setattr(constants, "ESCAPE_DELAY", 0.025)  # the app's default ESCDELAY
    selector = _QuickSelectSelector()
    selector.select(0.1)
    selector.select(None)
    selector.select(0.001)
    assert asked == [0.025, 0.025, 0.001]
