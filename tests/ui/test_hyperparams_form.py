"""Bad settings are shown beside their field with the rule, and training waits for a fix."""

from __future__ import annotations

from textual.widgets import Input, Static

from tui_nn.core.hyperparams import Hyperparams
from tui_nn.ui.app import TuiNNApp, make_app

from .pilot import run_action


def error_text(app: TuiNNApp, field: str) -> str:
    """The message under a field, "" when it is hidden (or the field never had one)."""
    lines = app.query(f"#hp-{field}-error")
    if not lines:
        return ""
    error = lines.first(Static)
    return str(error.content) if error.has_class("-shown") else ""


async def test_a_bad_learning_rate_blocks_training_with_its_rule(app: TuiNNApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        assert not app.query(".hp-error")  # a field's error line is made when it has one
        lr = app.query_one("#hp-lr", Input)
        lr.focus()
        lr.value = ""
        await pilot.press(*"-1")
        await pilot.pause()
        assert error_text(app, "lr") == "learning rate must be a finite number > 0, got -1"
        line = app.query_one("#hp-lr-error")
        assert line.region.y == app.query_one("#hp-lr").region.y + 1  # right under its field

        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.phase == "ready"
        assert app.trainer.epoch == 0
        assert any("learning rate must be a finite number > 0" in n for n in app.notices)

        lr.value = "0.1"
        await pilot.pause()
        assert error_text(app, "lr") == ""
        app.form.set_value("epochs", "50")
        await run_action(app, "train")
        assert app.phase == "finished"
        assert app.trainer.hyperparams.lr == 0.1

        # A learning rate that passes its rule but blows training up stops it with the
        # engine's own sentence; the model keeps its last finite weights.
        app.form.set_value("recipe", "textbook")
        app.form.set_value("output_activation", "linear")
        app.form.set_value("lr", "10")
        app.form.set_value("epochs", "1000")
        await run_action(app, "train")
        await pilot.pause()
        assert app.phase == "failed"
        assert "Diverged · epoch" in app.status_bar.text
        assert any(n.startswith("training diverged at epoch") for n in app.notices)
        assert all(answer.startswith("→ ") for answer in app.prediction.answers()[:2])


async def test_each_bad_field_and_a_rule_between_fields_show_beside_their_field(
    app: TuiNNApp,
) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        app.form.set_value("epochs", "ten")
        app.form.set_value("hidden", "4,0")
        await pilot.pause()
        assert error_text(app, "epochs").startswith("epochs must be a whole number from 1 to")
        assert error_text(app, "hidden").startswith("hidden layers must be comma-separated sizes")
        assert error_text(app, "lr") == ""
        app.form.set_value("epochs", "30000")
        app.form.set_value("hidden", "")
        app.form.set_value("optimizer", "adam")
        await pilot.pause()
        assert "with recipe tutorial" in error_text(app, "optimizer")
        await run_action(app, "train")
        assert app.phase == "ready"
        app.form.set_value("recipe", "textbook")
        await pilot.pause()
        assert error_text(app, "optimizer") == ""
        assert app.form.to_hyperparams() == Hyperparams(recipe="textbook", optimizer="adam")


async def test_the_form_reads_back_the_settings_it_was_given() -> None:
    settings = Hyperparams(recipe="textbook", hidden=(4, 4), activation="tanh", lr=0.5, seed=3)
    app = make_app(hyperparams=settings)
    async with app.run_test(size=(100, 30)):
        assert app.form.to_hyperparams() == settings
        assert app.query_one("#hp-hidden", Input).value == "4,4"
