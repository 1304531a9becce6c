"""The Hyperparameters panel: one field per setting, each checked as it is typed.

This is the tutorial's Step #2 ("Hyper-parameters": seed, initial weights, learning rate) and
Step #3 ("Activation function"), plus what the tutorial fixed silently (epochs, loss, optimiser).
Free text where any number fits, a drop-down of choices where they are fixed. A bad value shows its
rule right under its field, and ``to_hyperparams`` refuses until every field is fixed.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, Static

from tui_nn.core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from tui_nn.core.data_rules import check_training_memory, layer_sizes
from tui_nn.core.dataset import Dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.hyperparams import DTYPES, FIELDS, Hyperparams, parse_field, quoted
from tui_nn.core.initializers import INITIALIZERS
from tui_nn.core.losses import LOSSES
from tui_nn.core.optimizers import OPTIMIZERS
from tui_nn.core.recipes import RECIPES
from tui_nn.core.split import MAX_TEST_FRACTION
from tui_nn.core.workbench import DATA_LABELS
from tui_nn.core.workbench_view import Settings
from tui_nn.ui.choice_field import ChoiceField
from tui_nn.ui.field_row import FieldRow
from tui_nn.ui.messages import DataSettingsChanged


def parse_test_percent(text: str) -> float:
    """The test split typed as a percentage (``20`` or ``20%``), as a fraction (0.2).

    Raises:
        TuiNNError: ``field="test_split"`` unless a number from 0 to 90.
    """
    top = round(MAX_TEST_FRACTION * 100)
    cleaned = text.strip().removesuffix("%").strip()
    rule = f"test split must be a percentage from 0 to {top} (20 holds out a fifth of the rows)"
    if not cleaned:
        return 0.0
    try:
        percent = float(cleaned)
    except ValueError:
        raise TuiNNError(f"{rule}, got {quoted(text)}", field="test_split") from None
    if not 0 <= percent <= top:
        raise TuiNNError(f"{rule}, got {quoted(text)}", field="test_split")
    return percent / 100


def format_test_percent(fraction: float) -> str:
    """A test fraction as the field shows it: ``20`` for 0.2."""
    percent = fraction * 100
    return f"{percent:.10g}"


CHOICES: dict[str, tuple[str, ...]] = {
    "recipe": tuple(RECIPES),
    "activation": HIDDEN_ACTIVATIONS,
    "output_activation": tuple(ACTIVATIONS),
    "loss": tuple(LOSSES),
    "optimizer": tuple(OPTIMIZERS),
    "init": tuple(INITIALIZERS),
    "dtype": DTYPES,
}
"""Fields whose values come from a fixed table: shown as a choice field."""

ORDER: tuple[str, ...] = (
    "recipe",
    "hidden",
    "activation",
    "output_activation",
    "loss",
    "optimizer",
    "init",
    "lr",
    "epochs",
    "batch_size",
    "seed",
    "l2",
    "l1",
    "dtype",
)
"""Fields top to bottom: the network's shape first, then how it trains."""

DATA_FIELDS: tuple[str, ...] = ("test_split", "normalize")
"""How the data is used, below the hyperparameters: the test share and standardisation."""


NORMALIZE_CHOICES: tuple[str, ...] = ("no", "yes")

PLACEHOLDERS: dict[str, str] = {"hidden": "none (e.g. 4,4)", "test_split": "0 (none)"}

SHORT_LABELS: dict[str, str] = {"activation": "activation", "output_activation": "output act."}
"""Labels shortened to fit the panel; the rest use ``FIELDS[name].label``."""


class HyperparamsForm(Widget):
    """Every hyperparameter as an editable field with its error, if any, beneath it."""

    def __init__(
        self,
        hyperparams: Hyperparams,
        test_split: float = 0.0,
        normalize: bool = False,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._initial = hyperparams
        self._shown: dict[str, str] = {}
        self._data: Dataset | None = None
        self._data_texts = {
            "test_split": format_test_percent(test_split),
            "normalize": "yes" if normalize else "no",
        }

    def compose(self) -> ComposeResult:
        """One row per field (label, editor); a field's error line comes under it when needed."""
        texts = self._initial.to_text()
        with VerticalScroll(id="hp-fields", can_focus=False):
            for name in ORDER:
                label = SHORT_LABELS.get(name, FIELDS[name].label)
                yield from self._row(name, label, texts[name], CHOICES.get(name))
            for name in DATA_FIELDS:
                choices = NORMALIZE_CHOICES if name == "normalize" else None
                yield from self._row(name, DATA_LABELS[name], self._data_texts[name], choices)

    @staticmethod
    def _row(name: str, label: str, text: str, choices: Sequence[str] | None) -> ComposeResult:
        """A field's row: its label, and a choice field (fixed choices) or an Input."""
        field: Widget
        if choices is not None:
            field = ChoiceField(choices, text, id=f"hp-{name}", classes="hp-field")
        else:
            field = Input(
                text,
                placeholder=PLACEHOLDERS.get(name, ""),
                compact=True,
                id=f"hp-{name}",
                classes="hp-field",
            )
        yield FieldRow(label, field, id=f"hp-{name}-row", classes="hp-row")

    def texts(self) -> dict[str, str]:
        """Every field's current text, keyed by field name."""
        values: dict[str, str] = {}
        for name in ORDER:
            widget = self.query_one(f"#hp-{name}")
            if isinstance(widget, (ChoiceField, Input)):
                values[name] = widget.value
        return values

    def data_texts(self) -> dict[str, str]:
        """The data fields' text: ``test_split`` (a percentage) and ``normalize`` (yes/no)."""
        split = self.query_one("#hp-test_split", Input).value
        normalize = self.query_one("#hp-normalize", ChoiceField).value
        return {"test_split": split, "normalize": normalize}

    def data_settings(self) -> tuple[float, bool]:
        """``(test fraction, standardise)`` as on screen, without showing any error.

        Raises:
            TuiNNError: ``field="test_split"`` for a bad percentage.
        """
        texts = self.data_texts()
        return parse_test_percent(texts["test_split"]), texts["normalize"] == "yes"

    def to_settings(self) -> Settings:
        """Every setting on screen, checked once (each error shown beside its field).

        Raises:
            TuiNNError: for the first field that breaks a rule.
        """
        found = self.show_errors()
        if found:
            name = next(name for name in (*ORDER, *DATA_FIELDS) if name in found)
            raise TuiNNError(found[name], field=name)
        test_split, normalize = self.data_settings()
        return Settings(Hyperparams.from_text(self.texts()), test_split, normalize)

    def load(self, hyperparams: Hyperparams, test_split: float, normalize: bool) -> None:
        """Put every setting on screen (a session opened, or the model switched for new data)."""
        for name, text in hyperparams.to_text().items():
            if name in ORDER:
                widget = self.query_one(f"#hp-{name}")
                if isinstance(widget, (ChoiceField, Input)):
                    widget.value = text
        self.query_one("#hp-test_split", Input).value = format_test_percent(test_split)
        self.query_one("#hp-normalize", ChoiceField).value = "yes" if normalize else "no"
        self.show_errors()

    def errors(self) -> dict[str, str]:
        """The message for each field that breaks its rule (or a rule between fields)."""
        texts = self.texts()
        found: dict[str, str] = {}
        try:
            parse_test_percent(self.data_texts()["test_split"])
        except TuiNNError as error:
            found["test_split"] = str(error)
        for name, text in texts.items():
            try:
                parse_field(name, text)
            except TuiNNError as error:
                found[name] = str(error)
        if not any(name in found for name in ORDER):
            try:
                hyperparams = Hyperparams.from_text(texts)
                if self._data is not None:
                    # The same memory rule as training and sessions, checked as you type.
                    rows = self._data.n_rows
                    check_training_memory(hyperparams, layer_sizes(hyperparams, self._data), rows)
            except TuiNNError as error:
                field = error.field if error.field in ORDER else "hidden"
                found[field or "recipe"] = str(error)
        return found

    def set_data(self, dataset: Dataset | None) -> None:
        """The data the settings will train on, for the memory rule; None to skip it."""
        self._data = dataset
        if self.is_mounted:
            self.show_errors()

    def show_errors(self) -> dict[str, str]:
        """Show every field's error beside it (clearing fixed ones) and return them."""
        found = self.errors()
        for name in (*ORDER, *DATA_FIELDS):
            message = found.get(name, "")
            if self._shown.get(name, "") == message:
                # Why: every update lays the whole screen out again; per key press, on an
                # unchanged message, that made typing a long value crawl.
                continue
            self._shown[name] = message
            error = self._error_line(name, create=bool(message))
            if error is not None:
                error.update(message)
                error.set_class(bool(message), "-shown")
            self.query_one(f"#hp-{name}").set_class(bool(message), "-invalid")
        return found

    def _error_line(self, name: str, create: bool) -> Static | None:
        """The line under field ``name`` for its error, made the first time it has one.

        Made on demand: sixteen hidden lines were ~20 ms of the app's start (composed, styled
        and mounted all the same), and most fields never show one.
        """
        lines = self.query(f"#hp-{name}-error")
        if lines:
            return lines.first(Static)
        if not create:
            return None
        line = Static("", id=f"hp-{name}-error", classes="hp-error")
        self.query_one("#hp-fields").mount(line, after=f"#hp-{name}-row")
        return line

    def to_hyperparams(self) -> Hyperparams:
        """The settings on screen.

        Raises:
            TuiNNError: for the first field that breaks a rule, after showing every error
                beside its field.
        """
        found = self.show_errors()
        if found:
            name = next(name for name in (*ORDER, *DATA_FIELDS) if name in found)
            raise TuiNNError(found[name], field=name)
        return Hyperparams.from_text(self.texts())

    def set_value(self, name: str, text: str) -> None:
        """Put ``text`` in field ``name`` (as if typed) and check the form again."""
        widget = self.query_one(f"#hp-{name}")
        if isinstance(widget, (ChoiceField, Input)):
            widget.value = text
        self.show_errors()

    def on_input_changed(self, event: Input.Changed) -> None:
        """Check the form as the user types; tell the app when the test split changes."""
        event.stop()
        self.show_errors()
        if event.input.id == "hp-test_split":
            self.post_message(DataSettingsChanged())

    def on_choice_field_changed(self, event: ChoiceField.Changed) -> None:
        """Check the form when a choice changes (it may break or mend a rule between fields)."""
        event.stop()
        self.show_errors()
        if event.field.id == "hp-normalize":
            self.post_message(DataSettingsChanged())
