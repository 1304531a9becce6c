"""The Every input view: the model's answer for all 2^k inputs of 0/1 features.

One line per input in counting order: the inputs, the model's output and class, and what the
data says about that input: its label with ✓ or ✗ for the model's answer, or "unseen" for an
input no row has (where the model is guessing). A summary line on top counts them. Up/Down and
Page Up/Page Down scroll; the rows are drawn line by line, so 1,024 inputs cost no more per
repaint than a screenful.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.strip import Strip

from tui_nn.core.every_input import (
    EveryInputTable,
    InputRow,
    every_input_table,
    every_input_unavailable,
)
from tui_nn.core.model_snapshot import ModelSnapshot
from tui_nn.ui.map_render import message_strips, strip_of
from tui_nn.ui.strip_view import StripView

__all__ = ["EveryInput", "row_text"]

NO_MODEL = "No model yet"
STALE = "The model does not fit the data on screen: Train or Reset (ctrl+r)."
HEADER_LINES = 2


def row_text(row: InputRow, class_names: tuple[str, ...]) -> tuple[str, str, str]:
    """``(inputs, answer, data)`` texts of one row, e.g. ``("0 1 0", "0.97 → 1", "1 ✓")``."""
    inputs = " ".join(str(v) for v in row.inputs)
    probability = row.probabilities[0] if len(row.probabilities) == 1 else max(row.probabilities)
    answer = f"{probability:.3f} → {class_names[row.predicted]}"
    if not row.seen:
        data = "unseen"
    else:
        labels = "/".join(class_names[label] for label in row.labels)
        data = f"{labels} {'✓' if row.right else '✗'}"
        if row.test_rows and not row.train_rows:
            data += " test"
    return inputs, answer, data


class EveryInput(StripView, can_focus=True):
    """All 2^k inputs with the model's answers, scrolled with the arrow keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "scroll_rows(-1)", "Up", show=False),
        Binding("down", "scroll_rows(1)", "Down", show=False),
        Binding("pageup", "scroll_page(-1)", "Page up", show=False),
        Binding("pagedown", "scroll_page(1)", "Page down", show=False),
    ]

    DEFAULT_CSS = """
    EveryInput {
        width: 1fr;
        height: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.top = 0
        self._snapshot: ModelSnapshot | None = None
        self._table: EveryInputTable | None = None
        self._strips: list[Strip] | None = None

    @property
    def snapshot(self) -> ModelSnapshot | None:
        """The model on show."""
        return self._snapshot

    @property
    def table(self) -> EveryInputTable | None:
        """The table on show, None when the data does not apply."""
        return self._table

    def show(self, snapshot: ModelSnapshot) -> None:
        """Answer every input with this model (one forward pass of 2^k rows)."""
        self._snapshot = snapshot
        self._table = None
        if snapshot.fits and every_input_unavailable(snapshot.dataset) is None:
            self._table = every_input_table(
                snapshot.network, snapshot.dataset, snapshot.test_mask, snapshot.standardizer
            )
        self.redraw()

    def clear(self) -> None:
        """Show no model."""
        self._snapshot = None
        self._table = None
        self._strips = None
        self.refresh()

    def action_scroll_rows(self, rows: int) -> None:
        """Scroll by ``rows`` lines."""
        self._show_from(self.top + rows)

    def action_scroll_page(self, pages: int) -> None:
        """Scroll by a screenful."""
        self._show_from(self.top + pages * max(self.size.height - HEADER_LINES - 1, 1))

    def _show_from(self, top: int) -> None:
        count = len(self._table.rows) if self._table is not None else 0
        visible = max(self.size.height - HEADER_LINES, 1)
        top = min(max(top, 0), max(count - visible, 0))
        if top != self.top:
            self.top = top
            self._strips = None
            self.refresh()

    def on_resize(self) -> None:
        """Lay out again at the new size."""
        self._strips = None
        self._show_from(self.top)

    def build_strips(self) -> list[Strip]:
        """Draw the rows on screen."""
        width, height = self.size
        base = self.rich_style
        snapshot = self._snapshot
        if snapshot is None:
            return message_strips(NO_MODEL, width, height, base)
        reason = every_input_unavailable(snapshot.dataset)
        if reason is not None:
            return message_strips(reason, width, height, base)
        table = self._table
        if table is None or not snapshot.fits:
            return message_strips(STALE, width, height, base)
        dim = base + Style(dim=True)
        good = base + Style(color="green", bold=True)
        bad = base + Style(color="red", bold=True)
        unseen = base + Style(color="yellow", italic=True)
        names = snapshot.dataset.class_names
        seen = len(table.rows) - table.unseen
        summary = (
            f"{len(table.rows)} inputs · {seen} seen, {table.wrong} wrong · {table.unseen} unseen"
        )
        features = " ".join(snapshot.dataset.feature_names)
        inputs_width = max(len(features), 2 * snapshot.dataset.n_features - 1)
        header = f"{features.ljust(inputs_width)} │ output → class │ data"
        lines = [
            [Segment(summary[:width], base + Style(bold=True))],
            [Segment(header[:width], dim)],
        ]
        for index in range(self.top, min(self.top + height - HEADER_LINES, len(table.rows))):
            row = table.rows[index]
            inputs, answer, data = row_text(row, names)
            style = unseen if not row.seen else good if row.right else bad
            lines.append(
                [
                    Segment(inputs.ljust(inputs_width), base),
                    Segment(" │ ", dim),
                    Segment(answer.ljust(14), base),
                    Segment(" │ ", dim),
                    Segment(data, style),
                ]
            )
        return [strip_of(line, width, base) for line in lines]
