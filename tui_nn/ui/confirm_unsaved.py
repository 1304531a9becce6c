"""The "You have unsaved changes" question: Save, Discard or Cancel, by keyboard.

Shown before something would throw away work the user has not saved (quitting, opening a file,
switching datasets). It answers with one word; the caller does the saving.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

Answer = Literal["save", "discard", "cancel"]
"""Save first, go on without saving, or do nothing."""


class ConfirmUnsaved(ModalScreen[Answer]):
    """Ask whether to save unsaved changes before ``doing`` something.

    Keys: ``s`` save, ``d`` discard, Escape cancel; left/right move between the buttons and
    Enter presses the focused one (Save starts focused: the safe choice that loses nothing).
    """

    DEFAULT_CSS = """
    ConfirmUnsaved {
        align: center middle;
    }
    ConfirmUnsaved > #unsaved-box {
        width: 60;
        max-width: 100%;
        height: auto;
        border: heavy $warning;
        background: $surface;
        padding: 0 1;
    }
    ConfirmUnsaved #unsaved-buttons {
        height: auto;
        align-horizontal: center;
    }
    ConfirmUnsaved Button {
        margin: 0 1;
        min-width: 12;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "answer('save')", "Save", priority=True),
        Binding("d", "answer('discard')", "Discard", priority=True),
        Binding("escape", "answer('cancel')", "Cancel", priority=True),
        Binding("left,up", "app.focus_previous", "Previous", show=False),
        Binding("right,down", "app.focus_next", "Next", show=False),
    ]

    def __init__(self, doing: str = "going on", detail: str = "") -> None:
        """Args:
        doing: What happens next, e.g. ``quitting``, for the question.
        detail: What is unsaved, e.g. ``the data was edited``.
        """
        super().__init__()
        self._doing = doing
        self._detail = detail

    def compose(self) -> ComposeResult:
        """The question, what is unsaved, and three buttons."""
        with Vertical(id="unsaved-box") as box:
            box.border_title = "You have unsaved changes"
            question = f"Save the session before {self._doing}?"
            if self._detail:
                question += f"\n{self._detail}"
            yield Static(question, id="unsaved-question")
            with Horizontal(id="unsaved-buttons"):
                yield Button("Save (s)", id="save", variant="primary")
                yield Button("Discard (d)", id="discard", variant="error")
                yield Button("Cancel (Esc)", id="cancel")

    def on_mount(self) -> None:
        """Focus Save, so Enter alone never throws work away."""
        self.query_one("#save", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        answers: dict[str | None, Answer] = {"save": "save", "discard": "discard"}
        self.action_answer(answers.get(event.button.id, "cancel"))

    def action_answer(self, answer: Answer) -> None:
        """Close with ``answer``."""
        self.dismiss(answer)
