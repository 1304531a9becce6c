"""The actions table: bindings, footer, help and palette are all made from its rows."""

from __future__ import annotations

from collections import Counter

from tui_nn.ui.actions import ACTIONS, ACTIONS_BY_NAME, GRID_ACTIONS, help_rows, show_key
from tui_nn.ui.app import TuiNNApp
from tui_nn.ui.dataset_grid import DatasetGrid


def test_every_row_has_its_action_method() -> None:
    for action in ACTIONS:
        assert callable(getattr(TuiNNApp, f"action_{action.name}", None)), action.name
    for action in GRID_ACTIONS:
        assert callable(getattr(DatasetGrid, f"action_{action.name}", None)), action.name


def test_no_key_is_bound_twice_except_train_and_pause() -> None:
    """Train and Pause share ctrl+t / F5: the phase decides which one the key runs."""
    counts = Counter(key for action in ACTIONS for key in action.keys)
    assert {key for key, n in counts.items() if n > 1} == {"ctrl+t", "f5"}
    grid_keys = Counter(key for action in GRID_ACTIONS for key in action.keys)
    assert max(grid_keys.values()) == 1


def test_app_bindings_and_footer_come_from_the_table() -> None:
    bound = {(b.key, b.action, b.show) for b in TuiNNApp.BINDINGS if not isinstance(b, tuple)}
    expected = {(",".join(a.keys), a.name, a.footer is not None) for a in ACTIONS if a.keys}
    assert bound == expected


def test_the_help_lists_every_key_once() -> None:
    shown = [keys for keys, _ in help_rows()]
    for action in (*ACTIONS, *GRID_ACTIONS):
        for key in action.keys:
            assert any(show_key(key) in keys.split(" / ") for keys in shown), key
    assert len(shown) == len(set(shown))
    assert ("ctrl+t / F5", "Train: " + ACTIONS_BY_NAME["train"].help) in help_rows()
