"""A one-line editor for a grid cell, a label or a column name: Enter applies, Escape cancels.

Like the path dialog it does not know what the text means: the caller's ``apply`` makes the
edit and raises ``TuiNNError`` when the text breaks a rule. The message is shown under the
field and the editor stays open with the text as typed, so nothing is lost and nothing changes
until the text is right.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui_nn.core.errors import TuiNNError

__all__ = ["CellEditor"]

ResultT = TypeVar("ResultT")


class CellEditor(ModalScreen[ResultT | None], Generic[ResultT]):
    """Edit one value in a small box over the workbench."""

    DEFAULT_CSS = """
    CellEditor {
        align: center middle;
    }
    CellEditor > #cell-box {
        width: 50;
        max-width: 100%;
        height: auto;
        border: heavy $accent;
        background: $surface;
        padding: 0 1;
    }
    CellEditor #cell-hint {
        color: $foreground 70%;
        height: auto;
    }
    CellEditor #cell-error {
        color: $error;
        height: auto;
        display: none;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", priority=True),
    ]

    def __init__(
        self, title: str, value: str, apply: Callable[[str], ResultT], hint: str = ""
    ) -> None:
        """Args:
        title: What is edited, e.g. ``row 3, x2``.
        value: The text to start from (all of it selected, so typing replaces it).
        apply: Makes the edit from the text; raises ``TuiNNError`` to keep the editor open.
        hint: A line under the field, e.g. the classes a label may name.
        """
        super().__init__()
        self._title = title
        self._value = value
        self._apply = apply
        self._hint = hint

    def compose(self) -> ComposeResult:
        """Field, hint and error line."""
        with Vertical(id="cell-box") as box:
            box.border_title = self._title
            box.border_subtitle = "Enter applies · Esc cancels"
            yield Input(self._value, id="cell-value", select_on_focus=True)
            if self._hint:
                yield Static(self._hint, id="cell-hint")
            yield Static("", id="cell-error")

    def on_mount(self) -> None:
        """Focus the field."""
        self.query_one(Input).focus()

    @property
    def error(self) -> str:
        """The message shown now (empty when none)."""
        return str(self.query_one("#cell-error", Static).content)

    def _show_error(self, message: str) -> None:
        line = self.query_one("#cell-error", Static)
        line.update(message)
        line.display = bool(message)

    @on(Input.Changed)
    def _changed(self) -> None:
        self._show_error("")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            result = self._apply(event.value)
        except TuiNNError as error:
            self._show_error(str(error))
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        """Close without changing anything."""
        self.dismiss(None)
