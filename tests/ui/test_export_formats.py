"""F4 exports by the name given: a NumPy script, a PyTorch script with its weights, ONNX."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import Input

from tui_nn.core.model_io import load_model
from tui_nn.core.session import load_session
from tui_nn.ui.app import TuiNNApp, make_app
from tui_nn.ui.path_dialog import PathDialog

from .pilot import files_done, quiet, run_action


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Dialogs start in the working directory: make it a fresh one."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


async def _export(pilot: object, app: TuiNNApp, name: str) -> PathDialog[Path] | None:
    """Press F4, type ``name``, press Enter; the dialog if it stayed open, else None."""
    await pilot.press("f4")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    assert isinstance(app.screen, PathDialog)
    app.screen.query_one("#path", Input).value = name
    await pilot.press("enter")  # type: ignore[attr-defined]
    await files_done(pilot)  # type: ignore[arg-type]
    return app.screen if isinstance(app.screen, PathDialog) else None


async def test_f4_writes_a_numpy_script_that_prints_the_workbenchs_numbers(
    app: TuiNNApp, in_tmp: Path
) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        app.form.set_value("epochs", "200")
        await run_action(app, "train")
        assert await _export(pilot, app, "run.py") is None
        assert await _export(pilot, app, "model_torch.py") is None
        weights = app.trainer.network.params.copy()
        epoch = app.trainer.epoch
    script = (in_tmp / "run.py").read_text(encoding="utf-8")
    assert f"EPOCHS = {epoch}" in script
    lines = subprocess.run(
        [sys.executable, "run.py"], capture_output=True, text=True, check=True, timeout=120
    ).stdout.splitlines()
    assert lines[epoch - 1].startswith(f"epoch {epoch}: error sum ")
    # The PyTorch export: its script, and the trained weights beside it.
    assert "torch.nn.Sequential(" in (in_tmp / "model_torch.py").read_text(encoding="utf-8")
    network, _ = load_model(in_tmp / "model_torch_weights.npz")
    assert network.params.tobytes() == weights.tobytes()


@pytest.mark.skipif(
    importlib.util.find_spec("onnx") is None,
    reason="onnx is not installed: pip install 'tui-nn[onnx]'",
)
async def test_f4_writes_onnx(app: TuiNNApp, in_tmp: Path) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        app.form.set_value("epochs", "50")
        await run_action(app, "train")
        assert await _export(pilot, app, "model.onnx") is None
    assert (in_tmp / "model.onnx").stat().st_size > 0


async def test_a_session_trained_on_exports_from_its_saved_weights(in_tmp: Path) -> None:
    first = quiet(make_app())
    async with first.run_test(size=(100, 30)) as pilot:
        first.form.set_value("epochs", "30")
        await run_action(first, "train")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(first.screen, PathDialog)
        first.screen.query_one("#path", Input).value = "work.toml"
        await pilot.press("enter")
        await files_done(pilot)
    path = in_tmp / "work.toml"
    again = quiet(make_app(session=load_session(path), session_path=path))
    async with again.run_test(size=(100, 30)) as pilot:
        again.form.set_value("epochs", "50")
        await run_action(again, "train")
        assert await _export(pilot, again, "more.py") is None
    script = (in_tmp / "more.py").read_text(encoding="utf-8")
    assert "START_EPOCH = 30" in script and "EPOCHS = 20" in script
    assert "# The run trained on from a saved session at epoch 30" in script


async def test_another_ending_is_refused_naming_every_format(app: TuiNNApp, in_tmp: Path) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        app.form.set_value("epochs", "20")
        await run_action(app, "train")
        dialog = await _export(pilot, app, "model.txt")
        assert dialog is not None
        assert ".py (a NumPy script; NAME_torch.py for PyTorch) or .onnx" in dialog.error
    assert list(in_tmp.iterdir()) == []
