"""The Prediction panel: type feature values, read the model's answer as it learns.

This is the tutorial's Step #5 ("Outcomes"): it starts with the tutorial's two questions,
``1,0,0`` (should come out near 0) and ``0,1,0`` (near 1), and a free row for your own.
"""

from __future__ import annotations

import numpy as np
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Input, Static

from tui_nn.core.dataset import TUTORIAL_DATASET, Dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.hyperparams import quoted
from tui_nn.core.network import Network
from tui_nn.core.split import Standardizer
from tui_nn.core.table_edits import format_value

TUTORIAL_QUERIES: tuple[str, ...] = ("1,0,0", "0,1,0", "")
"""The tutorial's two outcomes, then an empty row for the user's own."""


def queries_for(dataset: Dataset) -> tuple[str, ...]:
    """Starting questions: the tutorial's two for its data, else the data's first two rows."""
    if dataset.name == TUTORIAL_DATASET.name and dataset.n_features == TUTORIAL_DATASET.n_features:
        return TUTORIAL_QUERIES
    rows = [",".join(format_value(float(v)) for v in row) for row in dataset.features[:2]]
    return (*rows, *([""] * (3 - len(rows))))


def parse_row(text: str, dataset: Dataset) -> list[float]:
    """Read one row of feature values typed as ``1,0,0`` (commas or spaces).

    Raises:
        TuiNNError: naming the rule when the count or a value is wrong.
    """
    names = ", ".join(dataset.feature_names)
    parts = [part for part in text.replace(",", " ").split() if part]
    rule = f"features must be {dataset.n_features} numbers ({names})"
    if len(parts) != dataset.n_features:
        raise TuiNNError(f"{rule}, got {len(parts)}", field="features")
    values: list[float] = []
    for part in parts:
        try:
            value = float(part)
        except ValueError:
            raise TuiNNError(f"{rule}, got {quoted(part)}", field="features") from None
        if not np.isfinite(value):
            raise TuiNNError(f"{rule}, got {quoted(part)}", field="features")
        values.append(value)
    return values


class PredictionPane(Widget):
    """Rows of feature values, each with the current model's probability and class."""

    def __init__(
        self,
        dataset: Dataset,
        queries: tuple[str, ...] = TUTORIAL_QUERIES,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.dataset = dataset
        self._queries = queries
        self._network: Network | None = None
        self._standardizer: Standardizer | None = None

    def compose(self) -> ComposeResult:
        """One input and one answer per query row."""
        hint = ",".join("0" for _ in self.dataset.feature_names)
        for index, text in enumerate(self._queries):
            with Horizontal(classes="query-row"):
                yield Input(
                    text,
                    placeholder=f"e.g. {hint}",
                    compact=True,
                    id=f"query-{index}",
                    classes="query",
                )
                yield Static("", id=f"answer-{index}", classes="answer")

    def queries(self) -> list[str]:
        """The text of every query row."""
        return [input_.value for input_ in self.query(".query").results(Input)]

    def answers(self) -> list[str]:
        """The answer shown beside every query row, as plain text."""
        return [str(answer.content) for answer in self.query(".answer").results(Static)]

    def set_dataset(self, dataset: Dataset, queries: tuple[str, ...] | None = None) -> None:
        """Ask about different data: its feature count and classes, fresh starting questions."""
        self.dataset = dataset
        texts = queries if queries is not None else queries_for(dataset)
        hint = ",".join("0" for _ in dataset.feature_names)
        for index, input_ in enumerate(self.query(".query").results(Input)):
            input_.placeholder = f"e.g. {hint}"
            with input_.prevent(Input.Changed):
                input_.value = texts[index] if index < len(texts) else ""
            self._answer(input_)

    def show_network(self, network: Network, standardizer: Standardizer | None = None) -> None:
        """Answer every query with ``network`` (a copy the UI owns).

        Args:
            network: The model.
            standardizer: The standardisation it was trained with; typed values are raw.
        """
        self._network = network
        self._standardizer = standardizer
        for input_ in self.query(".query").results(Input):
            self._answer(input_)

    def on_input_changed(self, event: Input.Changed) -> None:
        """Answer a row as it is typed."""
        event.stop()
        self._answer(event.input)

    def _answer(self, input_: Input) -> None:
        index = (input_.id or "query-0").removeprefix("query-")
        answer = self.query_one(f"#answer-{index}", Static)
        error: str | None = None
        text = ""
        typed = input_.value.strip()
        if typed:
            try:
                row = parse_row(typed, self.dataset)
            except TuiNNError as problem:
                error = str(problem)
            else:
                text = self._describe(row)
        was_error = answer.has_class("-invalid")
        input_.set_class(error is not None, "-invalid")
        answer.set_class(error is not None, "-invalid")
        shown = error if error is not None else text
        if str(answer.content) != shown:
            # Live updates swap one short line for another: only an error (which may wrap)
            # coming or going changes the pane's height and needs a layout pass.
            answer.update(shown, layout=was_error or error is not None)

    def _describe(self, row: list[float]) -> str:
        """``→ 0.9898  class 1``: the model's probability and class for one row."""
        if self._network is None:
            return ""
        if self._network.layer_sizes[0] != len(row):
            return ""  # the model has other inputs (columns changed): no answer until Train
        inputs = self._standardizer.transform([row]) if self._standardizer else [row]
        prediction = self._network.predict(inputs)
        predicted = int(prediction.classes[0])
        probabilities = prediction.probabilities[0]
        # One sigmoid output is P(class 1); several outputs give each class its own probability.
        probability = probabilities[0] if probabilities.size == 1 else probabilities[predicted]
        classes = self.dataset.class_names
        name = classes[predicted] if predicted < len(classes) else str(predicted)
        return f"→ {probability:.4f}  class {name}"
