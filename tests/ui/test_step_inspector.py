"""The step inspector widget: the next step's arithmetic for one row, readable in a narrow panel."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tui_nn.core import TUTORIAL_DATASET, Hyperparams, Trainer
from tui_nn.core.datasets import make_dataset
from tui_nn.core.step_inspection import inspect_trainer
from tui_nn.ui.step_inspector import MAX_UNITS, StepInspector, num


class InspectorApp(App[None]):
    """Just the inspector, about as wide as the chart panel at 80x24."""

    CSS = "StepInspector { width: 42; height: 14; }"

    def compose(self) -> ComposeResult:
        yield StepInspector(id="inspector")


async def test_tutorial_step_shows_both_derivatives_and_the_engines_new_weights() -> None:
    trainer = Trainer(Hyperparams(), TUTORIAL_DATASET)
    inspection = inspect_trainer(trainer, 0)
    async with InspectorApp().run_test(size=(50, 16)) as pilot:
        inspector = pilot.app.query_one(StepInspector)
        inspector.show(inspection, "row 1/7")
        await pilot.pause()
        text = "\n".join(inspector.plain_lines(width=200))
    assert "Epoch 1 · row 1/7 · tutorial · lr 0.05" in text
    assert "z = 0×0.3745 + 1×0.9507 + 0×0.732 + 0.5987" in text
    assert "tutorial uses" in text and "textbook" in text
    lines = text.splitlines()
    # Side by side: the tutorial's derivative in the left column, the textbook's in the right.
    names = next(line for line in lines if "σ'(σ(z))" in line)
    assert names.index("σ'(σ(z))") < names.index("σ'(z)")
    forms = next(line for line in lines if "= σ(a)(1 − σ(a))" in line)
    assert forms.index("= σ(a)(1 − σ(a))") < forms.index("= a(1 − a)")
    values = next(line for line in lines if "= 0.21187" in line)
    assert values.index("= 0.21187") < values.index("= 0.14449")
    assert "differ by +0.0674" in text and "δ would be" in text
    assert "b ← b − lr·δ, row by row" in text
    trainer.step()
    for index, weight in enumerate(trainer.network.weights[0][:, 0]):
        assert f"→ {num(float(weight), 6)}" in text, f"w{index + 1} should show its new value"
    assert f"b {num(float(inspection.layers[0].bias[0]), 6)} → " in text


async def test_textbook_step_shows_one_derivative_and_the_mean_error() -> None:
    trainer = Trainer(Hyperparams(recipe="textbook"), TUTORIAL_DATASET)
    async with InspectorApp().run_test() as pilot:
        inspector = pilot.app.query_one(StepInspector)
        inspector.show(inspect_trainer(trainer, 2))
        await pilot.pause()
        text = "\n".join(inspector.plain_lines(width=200))
    assert "tutorial uses" not in text
    assert "dL/da = 2(a − y) / 7" in text
    assert "f' σ'(z) = a(1 − a)" in text
    assert "b ← b − lr·Σ δ" in text


async def test_hidden_layers_show_forward_then_backward_per_layer() -> None:
    trainer = Trainer(Hyperparams(hidden=(4,), lr=0.5), make_dataset("xor"))
    async with InspectorApp().run_test() as pilot:
        inspector = pilot.app.query_one(StepInspector)
        inspector.show(inspect_trainer(trainer, 1))
        await pilot.pause()
        lines = inspector.plain_lines(width=200)
    forward, backward, update = (
        lines.index(f"── {part} ──") for part in ("Forward", "Backward", "Update")
    )
    assert forward < backward < update
    # Forward runs input side first; backward runs from the output down.
    assert (
        lines.index("Layer 1 · hidden · 4 units", forward)
        < lines.index("Layer 2 · output · 1 unit", forward)
        < backward
    )
    assert (
        backward
        < lines.index("Layer 2 · output", backward)
        < lines.index("Layer 1 · hidden", backward)
        < update
    )
    assert any("dL/da₁ = δ·Wᵀ of layer 2" in line for line in lines)


async def test_a_wide_layer_is_shortened_and_says_how_much() -> None:
    trainer = Trainer(Hyperparams(recipe="textbook", hidden=(10,)), make_dataset("xor"))
    async with InspectorApp().run_test() as pilot:
        inspector = pilot.app.query_one(StepInspector)
        inspector.show(inspect_trainer(trainer, 0))
        await pilot.pause()
        text = "\n".join(inspector.plain_lines(width=200))
    assert f"… {10 - MAX_UNITS} more units" in text
    assert "… 8 more weights" in text


async def test_it_scrolls_with_the_keyboard_when_focused() -> None:
    trainer = Trainer(Hyperparams(hidden=(4,)), make_dataset("xor"))
    async with InspectorApp().run_test(size=(50, 16)) as pilot:
        inspector = pilot.app.query_one(StepInspector)
        inspector.show(inspect_trainer(trainer, 0))
        inspector.focus()
        await pilot.pause()
        assert inspector.max_scroll_y > 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert inspector.scroll_y > 0
        await pilot.press("home")
        await pilot.pause()
        assert inspector.scroll_y == 0


async def test_a_message_replaces_the_inspection() -> None:
    async with InspectorApp().run_test() as pilot:
        inspector = pilot.app.query_one(StepInspector)
        inspector.show(inspect_trainer(Trainer(Hyperparams(), TUTORIAL_DATASET), 0))
        inspector.show_message("Row 3 is a test row.")
        await pilot.pause()
        assert inspector.inspection is None
        assert inspector.plain_lines() == ["Row 3 is a test row."]
