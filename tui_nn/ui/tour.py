"""The tour: the seed tutorial's steps, one panel at a time, ending with Train.

``TOUR`` is the table: for each of the seed's steps, the panel it lives in (a selector on the
workbench), one sentence, and the seed's own line of code. ``TourScreen`` moves focus to each
panel in turn (the focused panel's border lights up behind the tour's box, which sits on the
other side of the screen) and shows the sentence and the code. Enter or → goes on, ← goes back,
Esc leaves at any point; Enter on the last step starts training.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

__all__ = ["TOUR", "TourScreen", "TourStep"]


@dataclass(frozen=True)
class TourStep:
    """One stop of the tour.

    Attributes:
        title: The seed's step, e.g. ``Step #1 · Variables``.
        target: A selector for the widget to focus on the workbench.
        side: Where that widget is (``left`` or ``right``): the box goes on the other side.
        sentence: What the panel is, in one sentence.
        code: The seed's corresponding line of code.
    """

    title: str
    target: str
    side: str
    sentence: str
    code: str


TOUR: tuple[TourStep, ...] = (
    TourStep(
        "Step #1 · Variables",
        "#dataset",
        "left",
        "Each row is one input x (x1..x3) and the label y the network should learn.",
        "training_set = np.array([[0,1,0], [0,0,1], …])\nlabels = labels.reshape(7,1)",
    ),
    TourStep(
        "Step #2 · Hyper-parameters",
        "#hp-seed",
        "left",
        "The seed draws the starting weights and bias; lr is how far each update moves them.",
        "np.random.seed(42)\nweights = np.random.rand(3,1)\nbias = np.random.rand(1)\nlr = 0.05",
    ),
    TourStep(
        "Step #3 · Activation",
        "#hp-output_activation",
        "left",
        "The output squashes z = x·w + b into (0, 1) with the sigmoid.",
        "def sigmoid(x):\n    return 1/(1+np.exp(-x))",
    ),
    TourStep(
        "Step #4 · Training",
        "#chart",
        "right",
        "Each epoch: forward, the error, the weights moved against it. The chart follows the "
        "loss; its Inspect step view shows one epoch's arithmetic.",
        "XW = np.dot(inputs, weights)+bias\nz = sigmoid(XW)\nerror = z -labels\n"
        "z_del = error * sigmoid_derivative(z)\n"
        "weights = weights - lr*np.dot(inputs, z_del)",
    ),
    TourStep(
        "Step #5 · Outcomes",
        "#prediction",
        "right",
        "Type inputs and read the trained network's answer: near 0 or near 1.",
        "single_pt = np.array([1,0,0])\nresult = sigmoid(np.dot(single_pt, weights) + bias)",
    ),
    TourStep(
        "Train",
        "#chart",
        "right",
        "Enter trains now (ctrl+t any time, ctrl+n one epoch); watch the loss fall.",
        "for epoch in range(30000):\n    …",
    ),
)
"""The seed's steps in its order, ending with Train."""


class TourScreen(ModalScreen[bool]):
    """The tour over the workbench; dismisses with True when it ends by starting training.

    Args:
        focus: Called with each step's ``target`` to move the workbench's focus there.
        steps: The stops (``TOUR`` by default).
    """

    DEFAULT_CSS = """
    TourScreen {
        background: $background 0%;
        align: right bottom;
    }
    TourScreen.-left {
        align: left bottom;
    }
    TourScreen #tour-box {
        width: 44;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: heavy $accent;
        border-title-color: $accent;
        border-title-style: bold;
        background: $panel;
        padding: 0 1;
    }
    TourScreen #tour-code {
        color: $text-muted;
        background: $boost;
        margin: 1 0 0 0;
    }
    TourScreen #tour-keys {
        color: $text-muted;
        margin: 1 0 0 0;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,right,space", "next", "Next", priority=True),
        Binding("left,backspace", "back", "Back", priority=True),
        Binding("escape", "leave", "Leave the tour", priority=True),
    ]

    def __init__(self, focus: Callable[[str], None], steps: tuple[TourStep, ...] = TOUR) -> None:
        super().__init__()
        self._focus = focus
        self._steps = steps
        self._index = 0

    @property
    def step(self) -> TourStep:
        """The stop on show."""
        return self._steps[self._index]

    @property
    def index(self) -> int:
        """The stop on show, from 0."""
        return self._index

    def compose(self) -> ComposeResult:
        """The box: sentence, code, keys."""
        with Vertical(id="tour-box"):
            yield Static(id="tour-sentence")
            yield Static(id="tour-code", markup=False)
            yield Static(id="tour-keys")

    def on_mount(self) -> None:
        """Show the first stop."""
        self._show()

    def _show(self) -> None:
        step = self.step
        last = self._index == len(self._steps) - 1
        box = self.query_one("#tour-box")
        box.border_title = f"Tour {self._index + 1}/{len(self._steps)} · {step.title}"
        self.query_one("#tour-sentence", Static).update(step.sentence)
        self.query_one("#tour-code", Static).update(step.code)
        keys = "Enter: train · ← back · Esc: leave" if last else "Enter/→ next · ← back · Esc leave"
        self.query_one("#tour-keys", Static).update(keys)
        self.set_class(step.side == "right", "-left")
        self._focus(step.target)

    def action_next(self) -> None:
        """The next stop; on the last one, leave and start training."""
        if self._index == len(self._steps) - 1:
            self.dismiss(True)
            return
        self._index += 1
        self._show()

    def action_back(self) -> None:
        """The stop before (the first stays)."""
        if self._index:
            self._index -= 1
            self._show()

    def action_leave(self) -> None:
        """Leave the tour where it is."""
        self.dismiss(False)
