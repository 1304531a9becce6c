"""The help screen (F1): every key, and what each panel shows in the tutorial's terms.

The text is Markdown drawn by Rich into one widget (``HelpText``), not Textual's ``Markdown``
widget: that one is a tree of a widget per block and table cell, which Textual restyles and
lays out again each time the screen comes forward, ~300 ms on this machine while a run trains.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.markdown import Markdown
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui_nn.ui.actions import view_lessons

PANELS = """\
**Dataset**: the tutorial's *Step #1, variables*. Each row is the inputs (x1..x3) and the
label to learn. `output` is the model's answer now; ✓ right, ✗ wrong. The data is yours:
Enter edits a cell, Space flips a 0/1, `a`/Delete add and delete rows, `c`/`r`/`x` add,
rename and delete columns, ctrl+z/ctrl+y undo and redo. After an edit the model is *stale*
(the status line says so) until Train or Reset. A `T` after a row number marks a test row.
F2 picks a built-in dataset, F3 imports a CSV file; `test split %` and `standardise` at the
end of the form say how the rows are used.

**Hyperparameters**: *Step #2, hyper-parameters* (seed, learning rate; the seed draws the
starting weights) and *Step #3, activation function* (sigmoid). A bad value shows its rule
under the field, and training waits until it is fixed. A new learning rate applies on resume;
other changes need Reset. A field with fixed choices drops its list on Enter (Enter picks, Esc
closes); ←/→ step through its choices without opening it.

**Chart**: *Step #4, training*. Each epoch is one pass over the rows. Recipe `tutorial` plots
the tutorial's own printout, the signed *error sum* (it goes below zero), and the true mean
squared error (*mse*).

**Prediction**: *Step #5, outcomes*. Type inputs like `1,0,0`; the answer is the probability of
class 1 and the class. After 30,000 epochs the tutorial's two rows give about 0.0189 (class 0)
and 0.9898 (class 1).

**Files**: ctrl+s saves the whole workbench (data, settings, weights, chart history) as a
session, ctrl+o opens one. F4 exports the trained model, by the name you give: .json or .npz;
.py, a NumPy script that retrains it; NAME_torch.py, PyTorch; .onnx, ONNX. *Export CSV* and
*Save session as* are in the command palette. Quitting, opening or switching data with unsaved
changes asks first: Save, Discard or Cancel.
"""


def key_table(rows: Sequence[tuple[str, str]]) -> str:
    """A Markdown table of (keys, action) rows."""
    lines = ["| Keys | Action |", "| --- | --- |"]
    lines += [f"| {keys} | {action} |" for keys, action in rows]
    return "\n".join(lines)


class HelpText(Static):
    """The help's Markdown, drawn as one block of text.

    Attributes:
        source: The Markdown.
    """

    def __init__(self, source: str, *, id: str | None = None) -> None:
        super().__init__(Markdown(source, hyperlinks=False), id=id)
        self.source = source


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
                text = f"{key_table(self._keys)}\n\n{PANELS}\n{view_lessons()}\n"
                yield HelpText(text, id="help-text")

    def action_close(self) -> None:
        """Back to the workbench."""
        self.dismiss(None)
