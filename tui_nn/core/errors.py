"""The one error type the project raises for anything a user typed or loaded."""

from __future__ import annotations


class TuiNNError(ValueError):
    """A user-facing error whose message names the field (or file position) and the rule broken.

    Attributes:
        field: The machine name of the offending field (e.g. ``"lr"``), when there is one, so a
            form can show the message beside that field.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
