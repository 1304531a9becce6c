"""The "Restore unsaved work?" question, asked at start when a recovery copy was left behind.

A copy is left when an app with unsaved changes crashed or was killed (see
``tui_nn.core.recovery``). Restore opens it; Discard deletes it; Later (Esc) keeps it for the
next start and opens the workbench as asked.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

RestoreAnswer = Literal["restore", "discard", "later"]
"""Open the copy, delete it, or keep it for next time."""


class RestoreRecovery(ModalScreen[RestoreAnswer]):
    """Offer to restore a recovery copy. Keys: ``r`` restore, ``d`` discard, Escape later."""

    DEFAULT_CSS = """
    RestoreRecovery {
        align: center middle;
    }
    RestoreRecovery > #recovery-box {
        width: 64;
        max-width: 100%;
        height: auto;
        border: heavy $warning;
        background: $surface;
        padding: 0 1;
    }
    RestoreRecovery #recovery-buttons {
        height: auto;
        align-horizontal: center;
    }
    RestoreRecovery Button {
        margin: 0 1;
        min-width: 12;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "answer('restore')", "Restore", priority=True),
        Binding("d", "answer('discard')", "Discard", priority=True),
        Binding("escape", "answer('later')", "Later", priority=True),
        Binding("left,up", "app.focus_previous", "Previous", show=False),
        Binding("right,down", "app.focus_next", "Next", show=False),
    ]

    def __init__(self, description: str) -> None:
        """Args:
        description: Which copy, e.g. ``from 2026-12-01 14:02:11, of work.toml``.
        """
        super().__init__()
        self._description = description

    def compose(self) -> ComposeResult:
        """The question and three buttons."""
        with Vertical(id="recovery-box") as box:
            box.border_title = "Unsaved work was found"
            yield Static(
                f"The workbench closed without saving. A recovery copy {self._description} "
                "is kept. Restore it?",
                id="recovery-question",
            )
            with Horizontal(id="recovery-buttons"):
                yield Button("Restore (r)", id="restore", variant="primary")
                yield Button("Discard (d)", id="discard", variant="error")
                yield Button("Later (Esc)", id="later")

    def on_mount(self) -> None:
        """Focus Restore: Enter alone never throws the work away."""
        self.query_one("#restore", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        answers: dict[str | None, RestoreAnswer] = {"restore": "restore", "discard": "discard"}
        self.action_answer(answers.get(event.button.id, "later"))

    def action_answer(self, answer: RestoreAnswer) -> None:
        """Close with ``answer``."""
        self.dismiss(answer)
