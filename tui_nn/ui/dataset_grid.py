"""The Dataset panel: the feature columns and the label, plus the model's live output per row.

This is the tutorial's Step #1 ("Variables"): the independent variables (the feature columns)
and the dependent one (the label) the network should learn to predict.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from tui_nn.core.dataset import Dataset
from tui_nn.core.network import Prediction

RIGHT = "✓"
WRONG = "✗"
_MARKS = {True: Text(RIGHT, style="bold green"), False: Text(WRONG, style="bold red")}


def _number(value: float) -> str:
    # Whole numbers (the tutorial's 0/1 features) read best without a decimal point.
    return str(int(value)) if float(value).is_integer() else f"{value:.4g}"


class DatasetGrid(DataTable[str | Text]):
    """A read-only table of the dataset with an ``output`` column showing the model's answer.

    Attributes:
        dataset: The rows shown.
    """

    def __init__(self, dataset: Dataset, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.dataset = dataset
        self._shown: list[tuple[str, bool] | None] = [None] * dataset.n_rows

    def on_mount(self) -> None:
        """Fill the table from the dataset."""
        data = self.dataset
        for name in data.feature_names:
            self.add_column(name, key=f"feature:{name}")
        self.add_column(data.label_name, key="label")
        self.add_column("output", key="output")
        self.add_column(" ", key="mark")
        for index in range(data.n_rows):
            cells: list[str | Text] = [_number(v) for v in data.features[index]]
            cells += [data.class_names[data.labels[index]], "", ""]
            self.add_row(*cells, key=str(index))

    def to_dataset(self) -> Dataset:
        """The dataset this grid shows."""
        return self.dataset

    def show_outputs(self, prediction: Prediction) -> None:
        """Show the model's output for every row, marked right or wrong against the label.

        Args:
            prediction: The model's prediction for ``dataset.features``, in row order.
        """
        data = self.dataset
        probabilities = prediction.probabilities
        for index in range(data.n_rows):
            predicted = int(prediction.classes[index])
            if probabilities.shape[1] == 1:
                shown = f"{probabilities[index, 0]:.4f}"
            else:
                shown = f"{data.class_names[predicted]} {probabilities[index, predicted]:.2f}"
            right = predicted == int(data.labels[index])
            # Every changed cell re-renders the table, a large part of a live update's cost:
            # touch only what the eye would see change.
            before = self._shown[index]
            if before is not None and before[0] == shown and before[1] == right:
                continue
            if before is None or before[0] != shown:
                self.update_cell(str(index), "output", shown)
            if before is None or before[1] != right:
                self.update_cell(str(index), "mark", _MARKS[right])
            self._shown[index] = (shown, right)

    def count_right(self, prediction: Prediction) -> int:
        """How many rows ``prediction`` gets right."""
        return int((prediction.classes == self.dataset.labels).sum())
