"""Typing feature values in the prediction pane answers with the current model."""

from __future__ import annotations

from textual.widgets import Input

from tui_nn.core.dataset import TUTORIAL_DATASET
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.training import Trainer
from tui_nn.ui.app import TuiNNApp

from .pilot import run_action


def expected_after_3000_epochs() -> float:
    """The engine's own answer for 1,1,0 after 3,000 tutorial epochs, trained headless."""
    trainer = Trainer(Hyperparams(epochs=3000), TUTORIAL_DATASET)
    for _ in trainer.run():
        pass
    return float(trainer.predict([1, 1, 0]).probabilities[0, 0])


async def test_typing_a_row_answers_it_and_a_bad_row_names_the_rule(app: TuiNNApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        app.form.set_value("epochs", "3000")
        await run_action(app, "train")
        own = app.query_one("#query-2", Input)
        own.focus()
        await pilot.press(*"1,1,0")
        await pilot.pause()
        assert app.prediction.answers()[2] == f"→ {expected_after_3000_epochs():.4f}  class 1"

        await pilot.press("backspace", "backspace")
        await pilot.pause()
        assert app.prediction.answers()[2] == "features must be 3 numbers (x1, x2, x3), got 2"
        await pilot.press(*",x")
        await pilot.pause()
        assert app.prediction.answers()[2] == "features must be 3 numbers (x1, x2, x3), got 'x'"
        # The other rows keep answering.
        assert app.prediction.answers()[0].startswith("→ ")
