"""One row of a form: a label the row draws itself, and the field beside it.

A ``Label`` widget in a ``Horizontal`` per row was sixteen more widgets for Textual to compose,
style, lay out and paint as the app starts (~30 ms of the launch here); the row's own content
is drawn behind its children anyway, so it carries the label.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.containers import Horizontal
from textual.widget import Widget

LABEL_WIDTH = 15
"""Columns of the label; the field starts after them."""


class FieldRow(Horizontal):
    """A label (drawn by the row) and one field widget, laid out side by side."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"field-row--label"}

    DEFAULT_CSS = f"""
    FieldRow {{
        height: 1;
    }}
    FieldRow > * {{
        margin-left: {LABEL_WIDTH};
    }}
    FieldRow > .field-row--label {{
        color: $foreground 80%;
    }}
    """

    def __init__(
        self, label: str, field: Widget, *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(field, id=id, classes=classes)
        self.label = label

    def render(self) -> Text:
        """The label, cut to its columns, under the field's margin."""
        label = self.label[:LABEL_WIDTH]
        text = Text(no_wrap=True, overflow="crop", end="")
        text.append(label, self.get_component_rich_style("field-row--label"))
        text.append(" " * (LABEL_WIDTH - len(label)))
        return text
