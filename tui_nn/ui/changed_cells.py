"""Write only the cells that changed: the terminal side of the workbench's live updates.

Textual repaints a changed widget line by line, from the widget's left edge, and writes every
run of cells in its own colour codes. While a run trains, a frame changes a few digits of the
status line, the grid's outputs and the chart's title, and a few cells of the curve: written
Textual's way that was ~30 KB/s at 120x40 in truecolor, too much for a slow SSH link.

``TerminalCells`` remembers what the workbench's screen last wrote, cell by cell, and
``ChangedCellsUpdate`` (a Textual partial update) writes, of each changed span, only the runs of
cells that differ from it, one colour code per run of one style. A full repaint of the screen
forgets everything (the screen was drawn whole), and so does leaving it for a dialog.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.cells import cell_len
from rich.console import Console
from rich.control import Control
from rich.segment import Segment
from rich.style import Style
from textual._compositor import ChopsUpdate
from textual.strip import Strip

Cell = tuple[str, Style | None]
"""One character cell: its text and its style."""

GAP = 6
"""Unchanged cells between two changes worth rewriting rather than moving the cursor over
(a move and a colour code cost more than a few cells)."""


class TerminalCells:
    """What the terminal shows of one screen, as far as this screen wrote it (None: unknown)."""

    def __init__(self) -> None:
        self._rows: dict[int, list[Cell | None]] = {}

    def forget(self) -> None:
        """The terminal was drawn by someone else (a full repaint, a dialog): know nothing."""
        self._rows.clear()

    def row(self, y: int, width: int) -> list[Cell | None]:
        """Row ``y``, at least ``width`` cells long."""
        row = self._rows.setdefault(y, [])
        if len(row) < width:
            row.extend([None] * (width - len(row)))
        return row


class ChangedCellsUpdate(ChopsUpdate):
    """A partial update that writes only the cells that differ from what the terminal shows."""

    def __init__(
        self,
        chops: Sequence[Mapping[int, Strip | None]],
        spans: list[tuple[int, int, int]],
        chop_ends: list[list[int]],
        shown: TerminalCells,
    ) -> None:
        super().__init__(chops, spans, chop_ends)
        self.shown = shown

    def render_segments(self, console: Console) -> str:
        """Terminal sequences that bring the changed spans up to date, and note what they show."""
        sequences: list[str] = []
        append = sequences.append
        move_to = Control.move_to
        for y, x1, x2 in self.spans:
            row = self.shown.row(y, x2)
            cells = self._cells(y, x1, x2)
            if cells is None:
                # Not plain one-cell characters: write the span whole, and know it no more.
                append(self._span(y, x1, x2, console))
                row[x1:x2] = [None] * (x2 - x1)
            else:
                for start, stop in _changed_runs(row, cells, x1):
                    append(move_to(x1 + start, y).segment.text)
                    append(_render(cells[start:stop], console))
                    row[x1 + start : x1 + stop] = cells[start:stop]
        # No newline between lines, as Textual writes: every run starts with a cursor move, and
        # a newline written on the bottom row would scroll the whole terminal up a line.
        return "".join(sequences)

    def _strips(self, y: int, x1: int, x2: int) -> list[tuple[int, Strip | None]]:
        """The pieces of line ``y`` between ``x1`` and ``x2``: (x, strip cropped to the span)."""
        pieces: list[tuple[int, Strip | None]] = []
        for end, (x, strip) in zip(self.chop_ends[y], self.chops[y].items(), strict=False):
            if x >= x2 or end <= x1:
                continue
            left, right = max(x, x1), min(end, x2)
            if strip is not None and (left > x or right < end):
                strip = strip.crop(left - x, right - x)
            pieces.append((left, strip))
        return pieces

    def _cells(self, y: int, x1: int, x2: int) -> list[Cell] | None:
        cells: list[Cell] = []
        for _x, strip in self._strips(y, x1, x2):
            if strip is None:
                return None
            for text, style, control in strip:
                if control or cell_len(text) != len(text):
                    return None
                cells.extend((character, style) for character in text)
        return cells if len(cells) == x2 - x1 else None

    def _span(self, y: int, x1: int, x2: int, console: Console) -> str:
        move_to = Control.move_to
        return "".join(
            f"{move_to(x, y).segment.text}{strip.render(console)}"
            for x, strip in self._strips(y, x1, x2)
            if strip is not None
        )


def _changed_runs(row: list[Cell | None], cells: list[Cell], x1: int) -> list[tuple[int, int]]:
    """(start, stop) offsets into ``cells`` of the runs that differ from ``row`` at ``x1``."""
    runs: list[tuple[int, int]] = []
    count = len(cells)
    index = 0
    while index < count:
        if row[x1 + index] == cells[index]:
            index += 1
            continue
        start = last = index
        index += 1
        while index < count and index - last <= GAP:
            if row[x1 + index] != cells[index]:
                last = index
            index += 1
        runs.append((start, last + 1))
        index = last + 1
    return runs


def _render(cells: list[Cell], console: Console) -> str:
    """Cells as terminal text: one colour code per run of one style."""
    segments: list[Segment] = []
    text: list[str] = []
    style = cells[0][1]
    for character, cell_style in cells:
        if cell_style is not style and cell_style != style:
            segments.append(Segment("".join(text), style))
            text, style = [], cell_style
        text.append(character)
    segments.append(Segment("".join(text), style))
    return Strip(segments).render(console)
