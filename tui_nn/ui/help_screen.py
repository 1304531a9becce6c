"""The help screen (F1): every key, and what each panel shows in the tutorial's terms."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static

PANELS = """\
**Dataset**: the tutorial's *Step #1, variables*. Each row is three inputs (x1..x3) and the
label to learn. `output` is the model's answer now; ✓ right, ✗ wrong.

**Hyperparameters**: *Step #2, hyper-parameters* (seed, learning rate; the seed draws the
starting weights) and *Step #3, activation function* (sigmoid). A bad value shows its rule
under the field, and training waits until it is fixed. A new learning rate applies on resume;
other changes need Reset.

**Chart**: *Step #4, training*. Each epoch is one pass over the rows. Recipe `tutorial` plots
the tutorial's own printout, the signed *error sum* (it goes below zero), and the true mean
squared error (*mse*).

**Prediction**: *Step #5, outcomes*. Type inputs like `1,0,0`; the answer is the probability of
class 1 and the class. After 30,000 epochs the tutorial's two rows give about 0.0189 (class 0)
and 0.9898 (class 1).
"""


def key_table(rows: Sequence[tuple[str, str]]) -> str:
    """A Markdown table of (keys, action) rows."""
    lines = ["| Keys | Action |", "| --- | --- |"]
    lines += [f"| {keys} | {action} |" for keys, action in rows]
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    """Keys and panels, over the workbench; Escape or F1 closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "close", "Close help", priority=True),
    ]

    def __init__(self, keys: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self._keys = keys

    def compose(self) -> ComposeResult:
        """The key table, then the panels."""
        with Vertical(id="help-box"):
            yield Static("tui-nn help · Esc closes", id="help-title")
            with VerticalScroll(id="help-body"):
                yield Markdown(key_table(self._keys) + "\n\n" + PANELS, id="help-text")

    def action_close(self) -> None:
        """Back to the workbench."""
        self.dismiss(None)
