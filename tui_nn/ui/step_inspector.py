"""The step inspector: the arithmetic of the next training step for one row, number by number.

It shows a ``StepInspection`` (``tui_nn.core.step_inspection``) as the seed tutorial writes its
loop: forward (z = x·w + b term by term, a = f(z), the error a − y), backward (the derivative
the recipe uses, δ, this row's share of each gradient), then the update w ← w − lr·Σ with the
old and new weights. Under the tutorial recipe the seed's double sigmoid σ'(σ(z)) stands beside
the textbook's σ'(z) = a(1 − a), with how much they differ for the row.

The panel is narrow at 80x24 (about 40 columns): every line is short or wraps, the two
derivatives share a two-column grid, and the whole view scrolls (arrows, PageUp/PageDown) when it
has focus. Big layers show their first units and weights and say how many more there are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui_nn.core.step_inspection import LayerStep, StepInspection

__all__ = ["MAX_TERMS", "MAX_UNITS", "MAX_WEIGHTS", "StepInspector", "render_inspection"]

MAX_UNITS = 6
"""Units shown per layer; the rest are counted."""

MAX_TERMS = 6
"""Terms of x·w written out per unit before "+ …"."""

MAX_WEIGHTS = 12
"""Weights listed per layer in the update; the rest are counted."""

FloatArray = npt.NDArray[np.floating]

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SYMBOLS = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu", "linear": "id", "softmax": "softmax"}

HEADING = "bold"
FORMULA = "italic"
MUTED = "dim"


def _sub(number: int) -> str:
    return str(number).translate(_SUBSCRIPTS)


def num(value: float, digits: int = 4) -> str:
    """A number in ``digits`` significant figures, without a stray ``-0``."""
    if value == 0:
        return "0"
    return f"{value:.{digits}g}"


def _vector(values: Iterable[float], digits: int = 4, limit: int = MAX_UNITS) -> str:
    items = [num(float(v), digits) for v in values]
    more = len(items) - limit
    shown = items[:limit] + ([f"… {more} more"] if more > 0 else [])
    return "[" + ", ".join(shown) + "]"


def _line(*parts: tuple[str, str] | str) -> Text:
    text = Text()
    for part in parts:
        if isinstance(part, str):
            text.append(part)
        else:
            text.append(*part)
    return text


def _heading(title: str) -> Text:
    return Text(f"── {title} ──", style=HEADING)


def _unit_name(step: LayerStep, unit: int) -> str:
    return _sub(unit + 1) if step.z.size > 1 else ""


def _forward(step: LayerStep, layers: int) -> list[RenderableType]:
    symbol = _SYMBOLS.get(step.activation, step.activation)
    role = "output" if step.layer == layers else "hidden"
    units = step.z.size
    lines: list[RenderableType] = [
        _line((f"Layer {step.layer}", HEADING), f" · {role} · {units} unit{'s' * (units != 1)}")
    ]
    # Layer 2's inputs are layer 1's activations, named by unit as the forward pass shows them.
    n_in = step.inputs.size
    if step.layer == 1:
        inputs = "x"
    elif n_in == 1:
        inputs = "a"
    else:
        inputs = f"[a{_sub(1)}…a{_sub(n_in)}]"
    lines.append(Text(f" z = {inputs}·w + b,  a = {symbol}(z)", style=FORMULA))
    for unit in range(min(units, MAX_UNITS)):
        name = _unit_name(step, unit)
        terms = [
            f"{num(float(x), 3)}×{num(float(w))}"
            for x, w in zip(step.inputs, step.weights[:, unit], strict=True)
        ]
        if len(terms) > MAX_TERMS:
            terms = [*terms[:MAX_TERMS], f"… ({len(terms) - MAX_TERMS} more)"]
        written = " + ".join([*terms, num(float(step.bias[unit]))])
        lines.append(Text(f" z{name} = {written}"))
        lines.append(Text(f"    = {num(float(step.z[unit]), 6)}"))
        lines.append(
            _line(f" a{name} = {symbol}(z{name}) = ", (num(float(step.a[unit]), 6), "bold"))
        )
    if units > MAX_UNITS:
        lines.append(Text(f" … {units - MAX_UNITS} more units", style=MUTED))
    return lines


def _derivatives(
    step: LayerStep, unit: int, tutorial_rule: bool, folded: bool
) -> list[RenderableType]:
    """The derivative used, beside the textbook's under the tutorial's rule."""
    used = float(step.derivative[unit])
    if folded:
        return [Text(f" {step.derivative_formula}", style=FORMULA)]
    if not tutorial_rule:
        return [Text(f" f' {step.derivative_formula} = {num(used)}")]
    textbook = float(step.textbook_derivative[unit])
    grid = Table.grid(padding=(0, 2), pad_edge=False)
    grid.add_column()
    grid.add_column()
    grid.add_row(Text("tutorial uses", style="bold"), Text("textbook", style="bold"))
    used_name, _, used_form = step.derivative_formula.partition(" = ")
    textbook_name, _, textbook_form = step.textbook_formula.partition(" = ")
    grid.add_row(Text(used_name, style=FORMULA), Text(textbook_name, style=FORMULA))
    grid.add_row(Text(f"= {used_form}", style=FORMULA), Text(f"= {textbook_form}", style=FORMULA))
    grid.add_row(Text(f"= {num(used, 5)}", style="bold"), Text(f"= {num(textbook, 5)}"))
    gap = used - textbook
    ratio = f" (×{used / textbook:.3g})" if textbook else ""
    return [
        Padding(grid, (0, 0, 0, 1)),
        Text(f" differ by {gap:+.3g}{ratio}"),
        Text(f" with the textbook's, δ would be {num(float(step.textbook_delta[unit]))}"),
    ]


def _backward(
    step: LayerStep, layers: int, tutorial_rule: bool, folded: bool
) -> list[RenderableType]:
    role = "output" if step.layer == layers else "hidden"
    lines: list[RenderableType] = [_line((f"Layer {step.layer}", HEADING), f" · {role}")]
    if not step.in_batch:
        lines.append(Text(" this row is not in this step's batch", style=MUTED))
        return lines
    for unit in range(min(step.z.size, MAX_UNITS)):
        name = _unit_name(step, unit)
        if name:
            lines.append(Text(f" unit {unit + 1}", style="underline"))
        upstream = float(step.upstream[unit])
        if not folded:
            lines.append(Text(f" dL/da{name} = {step.upstream_formula} = {num(upstream)}"))
        lines.extend(_derivatives(step, unit, tutorial_rule, folded))
        delta = float(step.delta[unit])
        if folded:
            lines.append(_line(f" δ{name} = ", (num(delta, 5), "bold")))
        else:
            product = f"{num(upstream)} × {num(float(step.derivative[unit]))}"
            lines.append(_line(f" δ{name} = {product} = ", (num(delta, 5), "bold")))
        shares = _vector(step.weight_contribution[:, unit])
        lines.append(Text(f" this row adds x⊗δ = {shares} to ∂w, δ to ∂b"))
    if step.z.size > MAX_UNITS:
        lines.append(Text(f" … {step.z.size - MAX_UNITS} more units", style=MUTED))
    return lines


def _update(step: LayerStep, inspection: StepInspection) -> list[RenderableType]:
    rows = len(inspection.batch_rows)
    sigma = f"Σ over {rows} row{'s' * (rows != 1)}"
    if inspection.optimizer == "gd":
        rule = "w ← w − lr·Σ x⊗δ"
    else:
        rule = f"w ← {inspection.optimizer} step on Σ x⊗δ"
    lines: list[RenderableType] = [
        _line((f"Layer {step.layer}", HEADING), f" · {sigma}"),
        Text(f" {rule}", style=FORMULA),
    ]
    n_in, n_out = step.weights.shape
    shown = 0
    for i in range(n_in):
        for j in range(n_out):
            if shown == MAX_WEIGHTS:
                break
            shown += 1
            name = f"w{_sub(i + 1)}" if n_out == 1 else f"w{_sub(i + 1)},{_sub(j + 1)}"
            lines.append(
                _line(
                    f" {name} {num(float(step.weights[i, j]), 6)} → ",
                    (num(float(step.new_weights[i, j]), 6), "bold"),
                    (f"  Σ {num(float(step.weight_gradient[i, j]), 3)}", MUTED),
                )
            )
    if n_in * n_out > MAX_WEIGHTS:
        lines.append(Text(f" … {n_in * n_out - MAX_WEIGHTS} more weights", style=MUTED))
    if inspection.bias_row_by_row:
        lines.append(Text(" b ← b − lr·δ, row by row", style=FORMULA))
    elif inspection.optimizer == "gd":
        lines.append(Text(" b ← b − lr·Σ δ", style=FORMULA))
    for j in range(min(n_out, MAX_UNITS)):
        name = f"b{_sub(j + 1)}" if n_out > 1 else "b"
        lines.append(
            _line(
                f" {name} {num(float(step.bias[j]), 6)} → ",
                (num(float(step.new_bias[j]), 6), "bold"),
                (f"  Σ {num(float(step.bias_gradient[j]), 3)}", MUTED),
            )
        )
    return lines


def render_inspection(inspection: StepInspection, row_label: str = "") -> Group:
    """The inspection as lines of Rich text: header, forward, backward, update."""
    tutorial_rule = inspection.bias_row_by_row
    layers = len(inspection.layers)
    row = row_label or f"row {inspection.row + 1}"
    lines: list[RenderableType] = [
        _line(
            (f"Epoch {inspection.epoch:,}", HEADING),
            f" · {row} · {inspection.recipe} · lr {num(inspection.lr)}",
        ),
        Text(inspection.coverage(), style=MUTED),
        Text(f"x = {_vector(inspection.features, limit=8)}   y = {_vector(inspection.target)}"),
        _heading("Forward"),
    ]
    for step in inspection.layers:
        lines.extend(_forward(step, layers))
    error = inspection.error
    lines.append(
        _line(
            " error a − y = ", (_vector(error) if error.size > 1 else num(float(error[0])), "bold")
        )
    )
    lines.append(_heading("Backward"))
    folded_output = not tutorial_rule and inspection.layers[-1].derivative_formula.startswith(
        "folded"
    )
    for step in reversed(inspection.layers):
        folded = folded_output and step.layer == layers
        lines.extend(_backward(step, layers, tutorial_rule, folded))
    lines.append(_heading("Update"))
    for step in inspection.layers:
        lines.extend(_update(step, inspection))
    lines.append(
        Text(f"{inspection.loss} before this step: {num(inspection.batch_loss, 6)}", style=MUTED)
    )
    return Group(*lines)


class StepInspector(VerticalScroll, can_focus=True):
    """A scrolling view of the next step for one row; ``show`` or ``show_message`` fill it."""

    DEFAULT_CSS = """
    StepInspector {
        height: 1fr;
        padding: 0 1;
        scrollbar-size-vertical: 1;
    }
    StepInspector > #inspector-body {
        width: 1fr;
        height: auto;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._inspection: StepInspection | None = None
        self._row_label = ""
        self._message = "Train one step (ctrl+n) or move the grid's cursor to inspect a row."
        # Made here, not in compose: the inspector is built on first use and filled at once,
        # before Textual has composed it.
        self._body = Static(Text(self._message, style="italic"), id="inspector-body")

    def compose(self) -> ComposeResult:
        """One body that holds the text."""
        yield self._body

    @property
    def inspection(self) -> StepInspection | None:
        """The inspection on show, None while a message is shown."""
        return self._inspection

    def show(self, inspection: StepInspection, row_label: str = "") -> None:
        """Show the next step for a row; the scroll position stays where the user left it."""
        self._inspection = inspection
        self._row_label = row_label
        self._body.update(render_inspection(inspection, row_label))

    def show_message(self, message: str) -> None:
        """Show a sentence instead (no row, a test row, training under way, ...)."""
        self._inspection = None
        self._message = message
        self._body.update(Text(message, style="italic"))

    def plain_lines(self, width: int | None = None) -> Sequence[str]:
        """The shown text as plain lines, wrapped at ``width`` (default: the body's width)."""
        if self._inspection is None:
            return [self._message]
        body = self._body
        console = self.app.console
        options = console.options.update_width(width or max(body.content_size.width, 20))
        rendered = render_inspection(self._inspection, self._row_label)
        lines = console.render_lines(rendered, options, pad=False)
        return ["".join(segment.text for segment in line).rstrip() for line in lines]
