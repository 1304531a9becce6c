"""A tiny app holding one view widget, and trained models to show in it (deterministic)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widget import Widget

from tui_nn.core.dataset import TUTORIAL_DATASET, Dataset
from tui_nn.core.datasets import make_dataset
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.model_snapshot import ModelSnapshot
from tui_nn.core.split import prepare_data
from tui_nn.core.training import Trainer

TANH_8_8 = Hyperparams(
    recipe="textbook", hidden=(8, 8), activation="tanh", optimizer="adam", lr=0.03, epochs=150
)


class ViewApp(App[None]):
    """One view filling the screen."""

    def __init__(self, view: Widget) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        """Just the view."""
        yield self.view


def trained_snapshot(
    name: str = "spiral",
    hyperparams: Hyperparams = TANH_8_8,
    test_split: float = 0.2,
    normalize: bool = False,
    selected_row: int = 0,
) -> ModelSnapshot:
    """A model trained for ``hyperparams.epochs`` on a built-in dataset, as the views get it."""
    dataset: Dataset = TUTORIAL_DATASET if name == "tutorial" else make_dataset(name)
    if dataset.n_classes > 2:
        hyperparams = hyperparams.replace(output_activation="softmax", loss="ce")
    prepared = prepare_data(dataset, test_split, normalize, hyperparams.seed)
    trainer = Trainer(hyperparams, prepared.train, prepared.test)
    list(trainer.run())
    return ModelSnapshot.of(trainer.network, dataset, prepared, trainer.epoch, selected_row)


def screen_text(view: Widget) -> list[str]:
    """The view's rows as plain text."""
    return [view.render_line(y).text for y in range(view.size.height)]
