"""Training recipes: one table of what each recipe is, does, reports and shows.

A recipe names a whole training procedure. Everything that differs between them lives in its
``Recipe`` row here, and every other module asks the row instead of comparing names: the form's
choices and rules (``Hyperparams``), the trainer's epoch path (``Trainer``), what each epoch
records for the chart (``record``), the chart's legend and the status line's loss name, the
CLI's summary and ``--json`` names, and which history series a session keeps.

Series are keyed as a history stores them: ``reported`` (the recipe's own printout, when it
differs from the loss), ``loss`` and ``test_loss``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for annotations: training imports this module
    from tui_nn.core.history import DownsampledHistory
    from tui_nn.core.training import EpochResult


@dataclass(frozen=True)
class Recipe:
    """One training procedure.

    Attributes:
        name: What users type and files store (``tutorial``, ``textbook``).
        description: One line for help and the form.
        tutorial_rule: Which epoch the trainer runs: True for the seed tutorial's exact update
            (sigma' applied to sigma(x), raw error, bias row by row, the signed error sum
            reported); False for backpropagation of the chosen loss, any optimiser and batch.
        fixed: Settings the recipe fixes, by field name, with the value they must have.
        reported_name: The name of the value each epoch reports when it is not the loss
            itself (``error sum``); None when the recipe reports its loss.
        loss_label: The loss's name in the status line and the chart title; ``{loss}`` stands
            for the chosen loss.
        series_formats: The history series it records, in drawing order, with their legend
            names (``{loss}`` stands for the chosen loss).
    """

    name: str
    description: str
    tutorial_rule: bool
    fixed: Mapping[str, object] = field(default_factory=dict)
    reported_name: str | None = None
    loss_label: str = "loss"
    series_formats: Mapping[str, str] = field(default_factory=dict)

    @property
    def series_names(self) -> tuple[str, ...]:
        """The history series this recipe records (and a session of it keeps)."""
        return tuple(self.series_formats)

    @property
    def records_reported(self) -> bool:
        """Whether the reported value is a series of its own beside the loss."""
        return "reported" in self.series_formats

    def series_labels(self, loss: str) -> dict[str, str]:
        """Legend names per series for a run minimising ``loss``."""
        return {name: label.format(loss=loss) for name, label in self.series_formats.items()}

    def reported(self, loss: str) -> str:
        """The name of the value each epoch reports (the CLI's ``reported``)."""
        return self.reported_name or loss

    def loss_name(self, loss: str) -> str:
        """The loss the recipe measures (the CLI's ``loss_name``): the fixed one, or ``loss``."""
        fixed = self.fixed.get("loss")
        return fixed if isinstance(fixed, str) else loss


RECIPES: dict[str, Recipe] = {
    recipe.name: recipe
    for recipe in (
        Recipe(
            name="tutorial",
            description="the seed tutorial's procedure exactly: sigma' applied to sigma(x), "
            "raw error, bias updated row by row, full-batch gradient descent",
            tutorial_rule=True,
            fixed={"optimizer": "gd", "loss": "mse", "batch_size": 0, "l2": 0.0, "l1": 0.0},
            reported_name="error sum",
            loss_label="mse",
            series_formats={"reported": "error sum", "loss": "mse", "test_loss": "test loss"},
        ),
        Recipe(
            name="textbook",
            description="correct backpropagation of the chosen loss, averaged over the batch, "
            "with any optimiser, batch size and penalty",
            tutorial_rule=False,
            series_formats={"loss": "{loss} loss", "test_loss": "{loss} test loss"},
        ),
    )
}
"""Every recipe by name; the first is the default."""


def record(history: DownsampledHistory, recipe: Recipe, result: EpochResult) -> None:
    """Append one epoch's values to a history, as the recipe's series.

    The tutorial recipe records its own printed value (the signed error sum) beside the mean
    squared error, the textbook recipe its loss alone; with test rows, either also records the
    test loss.
    """
    if recipe.records_reported:
        if result.test_loss is None:
            history.append(result.epoch, reported=result.reported, loss=result.loss)
        else:
            history.append(
                result.epoch,
                reported=result.reported,
                loss=result.loss,
                test_loss=result.test_loss,
            )
    elif result.test_loss is None:
        history.append(result.epoch, loss=result.loss)
    else:
        history.append(result.epoch, loss=result.loss, test_loss=result.test_loss)
