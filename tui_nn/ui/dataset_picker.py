"""Pick a built-in dataset: a list of names, then the number of points, noise and seed.

Each dataset's description and defaults show beside the list as it is browsed; empty points or
noise fields mean those defaults. A bad number is named under its field and nothing is made
until it is fixed. The picker closes with the new ``Dataset``; the caller decides what to do
with it (and asks about unsaved changes first).
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from tui_nn.core.dataset import Dataset
from tui_nn.core.datasets import (
    BUILTIN_DATASETS,
    MAX_NOISE,
    MAX_POINTS,
    MIN_POINTS,
    make_dataset,
    parse_noise,
    parse_points,
)
from tui_nn.core.errors import TuiNNError
from tui_nn.core.hyperparams import MAX_SEED, quoted

__all__ = ["DatasetPicker", "describe_defaults"]


def describe_defaults(name: str) -> str:
    """The description and default points and noise of a built-in dataset, for the picker."""
    spec = BUILTIN_DATASETS[name]
    if spec.generate is None:
        return f"{spec.description}.\nFixed rows: points and noise do not apply."
    points = "4 (the truth table)" if spec.points is None else str(spec.points)
    classes = f" · {spec.classes} classes" if spec.classes != 2 else ""
    return (
        f"{spec.description}.\nDefault points {points} · noise {spec.noise:g}{classes}\n"
        f"noise: {spec.noise_meaning}"
    )


def parse_seed(text: str) -> int:
    """The data seed typed; empty means 0.

    Raises:
        TuiNNError: ``field="data_seed"`` unless a whole number from 0 to ``MAX_SEED``.
    """
    text = text.strip()
    if not text:
        return 0
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_SEED:
        raise TuiNNError(
            f"seed must be a whole number from 0 to {MAX_SEED}, got {quoted(text)}",
            field="data_seed",
        )
    return value


class DatasetPicker(ModalScreen[Dataset | None]):
    """Choose a built-in dataset and its size, noise and seed.

    Keys: up/down choose, Tab moves to the fields, Enter makes the data, Escape cancels.
    """

    DEFAULT_CSS = """
    DatasetPicker {
        align: center middle;
    }
    DatasetPicker > #picker-box {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: heavy $accent;
        background: $surface;
        padding: 0 1;
    }
    DatasetPicker #picker-body {
        height: auto;
    }
    DatasetPicker #picker-names {
        width: 14;
        height: 12;
    }
    DatasetPicker #picker-right {
        width: 1fr;
        height: auto;
        padding-left: 1;
    }
    DatasetPicker #picker-about {
        height: auto;
        min-height: 4;
        color: $foreground 80%;
    }
    DatasetPicker .picker-row {
        height: 3;
    }
    DatasetPicker .picker-row Label {
        width: 8;
        padding-top: 1;
    }
    DatasetPicker .picker-row Input {
        width: 1fr;
    }
    DatasetPicker #picker-error {
        color: $error;
        height: auto;
    }
    DatasetPicker #picker-buttons {
        height: auto;
        align-horizontal: right;
    }
    DatasetPicker Button {
        margin: 0 0 0 1;
        min-width: 10;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", priority=True),
    ]

    def __init__(self, current: str = "tutorial", seed: int = 0) -> None:
        """Args:
        current: The name to start on (the dataset on screen, when it is a built-in).
        seed: The seed to start from.
        """
        super().__init__()
        self._current = current if current in BUILTIN_DATASETS else "tutorial"
        self._seed = seed

    def compose(self) -> ComposeResult:
        """Names on the left; about, points, noise, seed and the buttons on the right."""
        with Vertical(id="picker-box") as box:
            box.border_title = "Built-in dataset"
            box.border_subtitle = "Enter makes it · Esc cancels"
            with Horizontal(id="picker-body"):
                yield OptionList(
                    *(Option(name, id=name) for name in BUILTIN_DATASETS), id="picker-names"
                )
                with Vertical(id="picker-right"):
                    yield Static("", id="picker-about")
                    with Horizontal(classes="picker-row"):
                        yield Label("points")
                        yield Input(
                            placeholder=f"default ({MIN_POINTS} to {MAX_POINTS})",
                            id="picker-points",
                        )
                    with Horizontal(classes="picker-row"):
                        yield Label("noise")
                        yield Input(placeholder=f"default (0 to {MAX_NOISE:g})", id="picker-noise")
                    with Horizontal(classes="picker-row"):
                        yield Label("seed")
                        yield Input(str(self._seed), id="picker-seed")
            yield Static("", id="picker-error")
            with Horizontal(id="picker-buttons"):
                yield Button("Make", id="picker-ok", variant="primary")
                yield Button("Cancel", id="picker-cancel")

    def on_mount(self) -> None:
        """Start on the current dataset with its description shown."""
        names = self.query_one(OptionList)
        names.highlighted = list(BUILTIN_DATASETS).index(self._current)
        names.focus()
        self._describe(self._current)

    @property
    def chosen(self) -> str:
        """The highlighted name."""
        names = self.query_one(OptionList)
        index = names.highlighted if names.highlighted is not None else 0
        return list(BUILTIN_DATASETS)[index]

    @property
    def error(self) -> str:
        """The message shown now (empty when none)."""
        return str(self.query_one("#picker-error", Static).content)

    def _describe(self, name: str) -> None:
        self.query_one("#picker-about", Static).update(describe_defaults(name))
        fixed = BUILTIN_DATASETS[name].generate is None
        for field in ("#picker-points", "#picker-noise"):
            self.query_one(field, Input).disabled = fixed

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id is not None:
            self._describe(event.option.id)
            self.query_one("#picker-error", Static).update("")

    @on(OptionList.OptionSelected)
    def _selected(self) -> None:
        self.action_make()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_make()

    @on(Input.Changed)
    def _changed(self) -> None:
        self.query_one("#picker-error", Static).update("")

    @on(Button.Pressed, "#picker-ok")
    def _ok(self) -> None:
        self.action_make()

    @on(Button.Pressed, "#picker-cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    def make(self) -> Dataset:
        """The dataset the picker describes now.

        Raises:
            TuiNNError: naming the field (points, noise or seed) and its rule.
        """
        name = self.chosen
        fixed = BUILTIN_DATASETS[name].generate is None
        points = None if fixed else parse_points(self.query_one("#picker-points", Input).value)
        noise = None if fixed else parse_noise(self.query_one("#picker-noise", Input).value)
        seed = parse_seed(self.query_one("#picker-seed", Input).value)
        return make_dataset(name, points, noise, seed)

    def action_make(self) -> None:
        """Make the dataset and close; on a bad field show its rule and stay."""
        try:
            dataset = self.make()
        except TuiNNError as error:
            self.query_one("#picker-error", Static).update(str(error))
            return
        self.dismiss(dataset)

    def action_cancel(self) -> None:
        """Close without a dataset."""
        self.dismiss(None)
