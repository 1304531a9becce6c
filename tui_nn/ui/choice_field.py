"""A field with a fixed set of choices: the form's recipe, activation, loss, optimizer, ...

It looks and answers like Textual's compact ``Select`` (the value, a ▼ at the right; Enter,
Space, Up or Down drop the list; Enter picks, Esc closes), and adds ←/→ to step through the
choices without opening it. It is one widget until the list is first opened: a ``Select`` is
five (its list among them, built hidden), and the form's eight of them were ~0.25 s of the
app's start on this machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import OptionList


class ChoiceList(OptionList):
    """The dropped-down list of a ``ChoiceField``: Enter picks, Esc closes."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close", show=False)]

    def action_close(self) -> None:
        """Close without picking."""
        field = self.parent
        if isinstance(field, ChoiceField):
            field.close()

    def on_blur(self) -> None:
        """Focus went elsewhere (Tab, a click): the list closes."""
        field = self.parent
        if isinstance(field, ChoiceField) and field.expanded:
            field.close(refocus=False)


class ChoiceField(Widget, can_focus=True):
    """One of a fixed set of texts, as a compact drop-down.

    Attributes:
        choices: The texts to choose from, in order.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,down,space,up", "open", "Show choices", show=False),
        Binding("left", "step(-1)", "Previous choice", show=False),
        Binding("right", "step(1)", "Next choice", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {"choice-field--arrow"}

    value: reactive[str] = reactive("", init=False)
    """The chosen text."""

    expanded: reactive[bool] = reactive(False, init=False)
    """Whether the list is open."""

    class Changed(Message):
        """The value changed (by the user or by code)."""

        def __init__(self, field: ChoiceField, value: str) -> None:
            super().__init__()
            self.field = field
            self.value = value

        @property
        def control(self) -> ChoiceField:
            """The field that changed."""
            return self.field

    def __init__(
        self,
        choices: Sequence[str],
        value: str,
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.choices = tuple(choices)
        self.set_reactive(ChoiceField.value, value)

    def render(self) -> Text:
        """The value, and the arrow at the right edge."""
        width = self.content_size.width
        arrow = "▲" if self.expanded else "▼"
        text = Text(self.value[: max(width - 2, 0)], no_wrap=True, overflow="crop", end="")
        text.pad_right(max(width - 2 - len(text), 0))
        text.append(f" {arrow}", self.get_component_rich_style("choice-field--arrow"))
        return text

    def watch_value(self, value: str) -> None:
        """Say so, as Textual's Select does."""
        self.post_message(self.Changed(self, value))

    def watch_expanded(self) -> None:
        """The arrow turns with the list."""
        self.refresh()

    def action_step(self, steps: int) -> None:
        """The previous or next choice (stopping at the ends)."""
        if not self.choices:
            return
        index = self.choices.index(self.value) if self.value in self.choices else 0
        self.value = self.choices[max(0, min(len(self.choices) - 1, index + steps))]

    def action_open(self) -> None:
        """Drop the list down, the current value highlighted (built the first time)."""
        lists = self.query(ChoiceList)
        if lists:
            choice_list = lists.first()
        else:
            choice_list = ChoiceList(*self.choices)
            self.mount(choice_list)
        if self.value in self.choices:
            choice_list.highlighted = self.choices.index(self.value)
        choice_list.display = True
        self.expanded = True
        choice_list.focus(scroll_visible=False)  # as Select: the form stays where it is

    def close(self, refocus: bool = True) -> None:
        """Fold the list up (focus back on the field unless it went elsewhere)."""
        self.expanded = False
        for choice_list in self.query(ChoiceList):
            choice_list.display = False
        if refocus:
            self.focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.value = self.choices[event.option_index]
        self.close()
