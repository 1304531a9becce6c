"""The Network view: layers as columns of neurons, weights as coloured glyphs between them.

Each neuron shows its activation for the selected data row and its bias; between two layers a
small matrix shows every link, one row per neuron on the left and one column per neuron on the
right: the colour is the weight's sign (blue +, orange −) and the glyph its size relative to
the layer's largest (· small, • medium, ● large). The arrow keys move between neurons; the
selected one is drawn reversed, its incoming links are underlined in the matrix, and the lines
under the diagram list its incoming weights and bias as numbers and, for data of two features,
draw its own small map over the plane (TensorFlow Playground's per-neuron picture).

Too many neurons for the height: the first ones (or a window around the selected one) and
"+N more". Too many layers for the width: the layers around the selected one, with ◀ / ▶.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.strip import Strip

from tui_nn.core.decision_map import map_step, neuron_grid, plane_for
from tui_nn.core.model_snapshot import ModelSnapshot
from tui_nn.ui.map_render import (
    MapPalette,
    map_strips,
    message_strips,
    pixel_indices,
    strip_of,
    widget_palette,
)
from tui_nn.ui.strip_view import StripView

__all__ = ["NetworkView", "neuron_name", "short_number"]

NO_MODEL = "No model yet"
STALE = "The model does not fit the data on screen: Train or Reset (ctrl+r)."
BAND_MAX = 10
"""The most link columns drawn between two layers."""
MAGNITUDE_GLYPHS = ("·", "•", "●")


def short_number(value: float) -> str:
    """A signed number in at most 5 characters: ``+0.53``, ``-1.20``, ``+12.3``, ``+1e+03``."""
    if not math.isfinite(value):
        return f"{value:+}"[:5]
    magnitude = abs(value)
    if magnitude < 9.995:
        return f"{value:+.2f}"
    if magnitude < 99.95:
        return f"{value:+.1f}"
    if magnitude < 99999.5:
        return f"{value:+.0f}"
    return f"{value:+.0e}"


@dataclass(frozen=True)
class _Colours:
    positive: Style
    negative: Style
    dim: Style
    selected: Style


class NetworkView(StripView, can_focus=True):
    """The network drawn as layers of neurons with their links.

    Attributes:
        selected_layer: The selected neuron's layer (0 = the inputs).
        selected_neuron: The selected neuron's index in its layer.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(0, -1)", "Neuron up", show=False),
        Binding("down", "move(0, 1)", "Neuron down", show=False),
        Binding("left", "move(-1, 0)", "Layer left", show=False),
        Binding("right", "move(1, 0)", "Layer right", show=False),
    ]

    DEFAULT_CSS = """
    NetworkView {
        width: 1fr;
        height: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.selected_layer = 1
        self.selected_neuron = 0
        self._snapshot: ModelSnapshot | None = None
        self._strips: list[Strip] | None = None
        self._colour_cache = _Colours(Style(), Style(), Style(), Style())
        self._base = Style()
        self._largest: list[float] = []

    @property
    def snapshot(self) -> ModelSnapshot | None:
        """The model on show."""
        return self._snapshot

    def show(self, snapshot: ModelSnapshot) -> None:
        """Draw this model (the rows that change are repainted)."""
        self._snapshot = snapshot
        self._clamp()
        self.redraw()

    def clear(self) -> None:
        """Show no model."""
        self._snapshot = None
        self._strips = None
        self.refresh()

    def action_move(self, layers: int, neurons: int) -> None:
        """Select the neuron ``layers`` columns and ``neurons`` rows away."""
        self.selected_layer += layers
        self.selected_neuron += neurons
        self._clamp()
        self._strips = None
        self.refresh()

    def _clamp(self) -> None:
        if self._snapshot is None:
            return
        sizes = self._snapshot.network.layer_sizes
        self.selected_layer = min(max(self.selected_layer, 0), len(sizes) - 1)
        self.selected_neuron = min(max(self.selected_neuron, 0), sizes[self.selected_layer] - 1)

    # Drawing --------------------------------------------------------------------------------

    def _colours(self, base: Style) -> _Colours:
        ansi = self.app.console.color_system in ("standard", "windows", None)
        if ansi:
            positive, negative = Style(color="bright_blue"), Style(color="yellow")
        else:
            positive, negative = Style(color="#3a9ad9"), Style(color="#f59322")
        return _Colours(
            base + positive, base + negative, base + Style(dim=True), base + Style(reverse=True)
        )

    def build_strips(self) -> list[Strip]:
        """Lay out and draw the whole view at the current size."""
        width, height = self.size
        base = self.rich_style
        snapshot = self._snapshot
        if snapshot is None:
            return message_strips(NO_MODEL, width, height, base)
        if not snapshot.fits:
            return message_strips(STALE, width, height, base)
        activations = snapshot.selected_activations()
        if activations is None:
            return message_strips("The data has no rows to feed the network.", width, height, base)
        colours = self._colours(base)
        # Looked up once per build: ``rich_style`` walks the DOM on every call.
        self._colour_cache = colours
        self._base = base
        # Glyph sizes are relative to the largest link of each layer (bounded work for wide ones).
        self._largest = [float(np.abs(w[:64, :64]).max()) or 1.0 for w in snapshot.network.weights]
        # The diagram takes what its longest layer needs (plus the header and a "+N more"
        # line), leaving at least 3 rows to the selected neuron's numbers and map.
        tallest = max(snapshot.network.layer_sizes) + 1
        diagram_rows = max(min(tallest, height - 4), 2)
        details = max(height - diagram_rows - 1, 1)
        lines = self._diagram(snapshot, activations, width, diagram_rows, colours, base)
        lines.append([Segment("─" * width, colours.dim)])
        lines += self._details(snapshot, activations, width, details, colours, base)
        return [strip_of(line, width, base) for line in lines[:height]]

    def _cell_width(self, snapshot: ModelSnapshot, full: bool) -> list[int]:
        sizes = snapshot.network.layer_sizes
        names = snapshot.dataset.feature_names
        name_width = min(max(len(n) for n in names), 4)
        cells = [name_width + 6]
        cells += [(1 + 5 + 2 + 5 + 1) if full else 7 for _ in sizes[1:]]
        return cells

    def _diagram(
        self,
        snapshot: ModelSnapshot,
        activations: list[np.ndarray],
        width: int,
        rows: int,
        colours: _Colours,
        base: Style,
    ) -> list[list[Segment]]:
        network = snapshot.network
        sizes = network.layer_sizes
        count = len(sizes)
        bands = [min(sizes[i + 1], BAND_MAX) + 2 for i in range(count - 1)] + [0]
        full = sum(self._cell_width(snapshot, True)) + sum(bands) + 1 <= width
        cells = self._cell_width(snapshot, full)
        blocks = [cells[i] + bands[i] for i in range(count)]
        first = 0
        while (
            first < self.selected_layer and sum(blocks[first : self.selected_layer + 1]) + 1 > width
        ):
            first += 1
        last = self.selected_layer
        while last + 1 < count and sum(blocks[first : last + 2]) + 1 <= width:
            last += 1
        shown_rows = rows - 1
        windows = [self._window(layer, sizes[layer], shown_rows) for layer in range(count)]
        header: list[Segment] = [Segment("◀" if first else " ", colours.dim)]
        for layer in range(first, last + 1):
            title = "inputs" if layer == 0 else _layer_title(network.activations[layer - 1], layer)
            if layer == count - 1:
                title = f"out {network.activations[-1]}"
            header.append(Segment(title[: blocks[layer]].ljust(blocks[layer]), colours.dim))
        used = 1 + sum(blocks[first : last + 1])
        if last < count - 1 and used < width:
            header.append(Segment(" " * (width - used - 1) + "▶", colours.dim))
        lines = [header]
        for row in range(shown_rows):
            line: list[Segment] = [Segment(" ")]
            for layer in range(first, last + 1):
                start, stop = windows[layer]
                index = start + row
                if index < stop:
                    line += self._neuron(snapshot, activations, layer, index, cells[layer], full)
                    if layer < count - 1:
                        line += self._links(layer, index, windows[layer + 1], colours)
                elif index == stop and stop < sizes[layer]:
                    # The links band is empty on this line, so the note may run into it.
                    more = f"+{sizes[layer] - stop} more"
                    line.append(Segment(more[: blocks[layer]].ljust(blocks[layer]), colours.dim))
                else:
                    line.append(Segment(" " * blocks[layer]))
            lines.append(line)
        return lines

    def _window(self, layer: int, size: int, rows: int) -> tuple[int, int]:
        """Which neurons of a layer are listed: all, or ``rows - 1`` and a "+N more" line."""
        if size <= rows:
            return 0, size
        room = max(rows - 1, 1)
        start = 0
        if layer == self.selected_layer and self.selected_neuron >= room:
            start = self.selected_neuron - room + 1
        return start, start + room

    def _neuron(
        self,
        snapshot: ModelSnapshot,
        activations: list[np.ndarray],
        layer: int,
        index: int,
        cell: int,
        full: bool,
    ) -> list[Segment]:
        colours = self._colour_cache
        value = float(activations[layer][index])
        selected = layer == self.selected_layer and index == self.selected_neuron
        if layer == 0:
            name = snapshot.dataset.feature_names[index][: cell - 6]
            text = f"{name.ljust(cell - 6)}{short_number(value)}"
            style = colours.selected if selected else self._base
            return [Segment(text.ljust(cell), style)]
        sign = colours.positive if value >= 0 else colours.negative
        parts = [Segment("●", sign + Style(dim=abs(value) < 0.1))]
        text = f"{short_number(value)}"
        if full:
            bias = float(snapshot.network.biases[layer - 1][index])
            text += f" b{short_number(bias)}"
        style = colours.selected if selected else self._base
        parts.append(Segment(text.ljust(cell - 1), style))
        return parts

    def _links(
        self, layer: int, source: int, targets: tuple[int, int], colours: _Colours
    ) -> list[Segment]:
        if self._snapshot is None:
            return []
        weights = self._snapshot.network.weights[layer]
        start, stop = targets
        stop = min(stop, start + BAND_MAX)
        largest = self._largest[layer]
        segments = [Segment(" ")]
        for target in range(start, stop):
            w = float(weights[source, target])
            ratio = abs(w) / largest
            glyph = MAGNITUDE_GLYPHS[0 if ratio < 0.15 else 1 if ratio < 0.5 else 2]
            style = colours.positive if w >= 0 else colours.negative
            if layer + 1 == self.selected_layer and target == self.selected_neuron:
                style = style + Style(underline=True, bold=True)
            segments.append(Segment(glyph, style))
        more = weights.shape[1] > stop
        segments.append(Segment("…" if more else " ", colours.dim))
        return segments

    def _details(
        self,
        snapshot: ModelSnapshot,
        activations: list[np.ndarray],
        width: int,
        rows: int,
        colours: _Colours,
        base: Style,
    ) -> list[list[Segment]]:
        network = snapshot.network
        layer, index = self.selected_layer, self.selected_neuron
        row_number = min(max(snapshot.selected_row, 0), snapshot.dataset.n_rows - 1) + 1
        value = float(activations[layer][index])
        map_lines: list[list[Segment]] = []
        map_width = 0
        if layer > 0 and snapshot.dataset.n_features == 2 and width >= 40 and rows >= 2:
            map_width = min(2 * rows, width - 34)
            map_lines = self._mini_map(snapshot, layer, index, map_width, rows, base)
        text_width = width - map_width - (1 if map_width else 0)
        if layer == 0:
            name = snapshot.dataset.feature_names[index]
            raw = float(snapshot.dataset.features[row_number - 1, index])
            texts = [
                f"input {name} = {short_number(raw)} in row {row_number}",
                f"the network sees {short_number(value)}"
                + (" (standardised)" if snapshot.standardizer is not None else ""),
            ]
        else:
            name = neuron_name(layer, index, len(network.layer_sizes))
            bias = float(network.biases[layer - 1][index])
            incoming = network.weights[layer - 1][:, index]
            texts = [
                f"{name} {network.activations[layer - 1]}: {short_number(value)} on row "
                f"{row_number}",
                f"bias {short_number(bias)} · weights in:",
            ]
            sources = (
                snapshot.dataset.feature_names
                if layer == 1
                else [f"{j + 1}" for j in range(incoming.size)]
            )
            words = [
                f"{str(s)[:4]} {short_number(float(w))}"
                for s, w in zip(sources, incoming, strict=True)
            ]
            line = ""
            for word in words:
                if line and len(line) + 2 + len(word) > text_width:
                    texts.append(line)
                    line = word
                else:
                    line = f"{line}  {word}" if line else word
            if line:
                texts.append(line)
            if len(texts) > rows:
                hidden = len(texts) - rows + 1
                texts = [*texts[: rows - 1], f"… {hidden} more lines of weights"]
        lines: list[list[Segment]] = []
        for row in range(rows):
            shown = texts[row] if row < len(texts) else ""
            segments = [Segment(shown[:text_width].ljust(text_width), base)]
            if map_lines:
                segments += [Segment(" "), *map_lines[row]]
            lines.append(segments)
        return lines

    def _mini_map(
        self, snapshot: ModelSnapshot, layer: int, index: int, columns: int, rows: int, base: Style
    ) -> list[list[Segment]]:
        plane = plane_for(snapshot.train_features)
        weights = sum(w.size for w in snapshot.network.weights[:layer])
        step = map_step(weights, columns, 2 * rows)
        if step is None:
            return [[Segment(" " * columns)] for _ in range(rows)]
        values = neuron_grid(
            snapshot.network,
            plane,
            -(-columns // step),
            -(-2 * rows // step),
            layer,
            index,
            snapshot.standardizer,
        )
        if step > 1:
            values = values.repeat(step, axis=0).repeat(step, axis=1)[: 2 * rows, :columns]
        name = snapshot.network.activations[layer - 1]
        if name in ("sigmoid", "softmax"):
            values = 2 * values - 1  # centre outputs in [0, 1] on 0.5
        largest = float(np.abs(values).max()) or 1.0
        classes = (values >= 0).astype(np.int64)
        confidence = np.abs(values) / largest
        palette: MapPalette = widget_palette(self, 2)
        indices = pixel_indices(classes, confidence, palette)
        return map_strips(indices, palette, None, None, base)


def neuron_name(layer: int, index: int, layers: int) -> str:
    """``h2.3`` for hidden layer 2's third neuron, ``out.1`` for the first output."""
    return f"out.{index + 1}" if layer == layers - 1 else f"h{layer}.{index + 1}"


def _layer_title(activation: str, layer: int) -> str:
    return f"h{layer} {activation}"
