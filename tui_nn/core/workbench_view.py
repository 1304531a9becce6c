"""The seam between the workbench and the screen: readings in, things to show out.

The app implements ``WorkbenchView``; tests use a fake. ``OnScreen`` reads each part of the
screen at most once per user action, ``Notice`` is something to tell the user, and
``Standing`` the status line's figures.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from tui_nn.core.dataset import Dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.network import Network
from tui_nn.core.runner import Progress
from tui_nn.core.split import PreparedData


@dataclass(frozen=True)
class Settings:
    """The form's settings, read and checked together."""

    hyperparams: Hyperparams
    test_split: float
    normalize: bool


@dataclass(frozen=True)
class Notice:
    """Something to tell the user (the app shows it as a notification)."""

    message: str
    title: str = ""
    severity: Literal["information", "warning", "error"] = "information"
    timeout: float | None = None


class OnScreen:
    """What the form and the grid hold at one moment; each part is read at most once.

    Reading the settings checks the whole form (and shows its errors), and reading the
    dataset converts the whole grid, so one user action reads each once through this.

    Args:
        settings: Reads and checks the form (raises ``TuiNNError``).
        data_settings: Reads just the test split and standardisation (raises ``TuiNNError``).
        dataset: Converts the grid to a dataset (raises ``TuiNNError``).
        data_key: Identifies the data's state in the grid (changes with every edit).
        form_key: Identifies everything typed in the form.
        data_dirty: Whether the data changed since it was last saved or loaded.
    """

    def __init__(
        self,
        *,
        settings: Callable[[], Settings],
        data_settings: Callable[[], tuple[float, bool]],
        dataset: Callable[[], Dataset],
        data_key: Callable[[], Hashable],
        form_key: Callable[[], Hashable],
        data_dirty: Callable[[], bool],
    ) -> None:
        self._read_settings = settings
        self._read_data_settings = data_settings
        self._read_dataset = dataset
        self._read_data_key = data_key
        self._read_form_key = form_key
        self._read_data_dirty = data_dirty
        self._settings: Settings | TuiNNError | None = None
        self._dataset: Dataset | TuiNNError | None = None

    @property
    def settings(self) -> Settings:
        """The form's settings.

        Raises:
            TuiNNError: naming the first field that breaks its rule.
        """
        if self._settings is None:
            try:
                self._settings = self._read_settings()
            except TuiNNError as error:
                self._settings = error
        if isinstance(self._settings, TuiNNError):
            raise self._settings
        return self._settings

    @property
    def data_settings(self) -> tuple[float, bool]:
        """``(test fraction, standardise)`` (from the settings when those were read).

        Raises:
            TuiNNError: for a bad test split.
        """
        if isinstance(self._settings, Settings):
            return self._settings.test_split, self._settings.normalize
        return self._read_data_settings()

    @property
    def dataset(self) -> Dataset:
        """The grid's data.

        Raises:
            TuiNNError: for data that cannot make a dataset.
        """
        if self._dataset is None:
            try:
                self._dataset = self._read_dataset()
            except TuiNNError as error:
                self._dataset = error
        if isinstance(self._dataset, TuiNNError):
            raise self._dataset
        return self._dataset

    @property
    def data_key(self) -> Hashable:
        """The grid's data state."""
        return self._read_data_key()

    @property
    def form_key(self) -> Hashable:
        """The form's texts."""
        return self._read_form_key()

    @property
    def data_dirty(self) -> bool:
        """Whether the data changed since it was saved or loaded."""
        return self._read_data_dirty()


class WorkbenchView(Protocol):
    """What the workbench needs from the screen: readings in, things to show out."""

    def on_screen(self) -> OnScreen:
        """A fresh reading of the form and the grid."""

    def history_capacity(self) -> int:
        """How many points a chart history should keep (about twice the chart's width)."""

    def load_widgets(
        self, dataset: Dataset, hyperparams: Hyperparams, test_split: float, normalize: bool
    ) -> None:
        """Put new data in the grid and new settings in the form."""

    def take_data(self, dataset: Dataset, prepared: PreparedData) -> None:
        """The model now trains on ``dataset``: show its name and split."""

    def show_split(self, test_mask: npt.NDArray[np.bool_]) -> None:
        """Mark the rows the split on screen would hold out."""

    def show_phase(self) -> None:
        """The phase changed: keys, editing and the status line follow it."""

    def show_model(self, network: Network) -> None:
        """Show this model's answers (grid outputs, predictions, accuracy)."""

    def show_progress(self, progress: Progress, model: bool) -> None:
        """Show a run's progress on the chart and status line (and the model when asked)."""

    def show_now(self) -> None:
        """The views left the run's past: show the model as it is now."""

    def clear_chart(self) -> None:
        """Empty the chart (a new model)."""

    def show_status(self) -> None:
        """Redraw the status line."""

    def notify_user(self, notice: Notice) -> None:
        """Tell the user something."""

    def mark_data_saved(self) -> None:
        """The data on screen is now what is saved."""

    def settled(self, settled: bool) -> None:
        """Whether no run is in flight (tests and scripts wait on this)."""


@dataclass(frozen=True)
class Standing:
    """The figures the status line shows, from the workbench's state."""

    phase: str
    epoch: int
    target: int
    loss_name: str
    loss: float | None
    epochs_per_second: float | None
    elapsed: float
    remaining: float | None
    stale: str
