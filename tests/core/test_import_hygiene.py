"""The engine stays free of the UI stack: importing tui_nn.core loads no textual, rich, plotext."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

UI_PACKAGES = ("textual", "rich", "plotext")

PROBE = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys
    import tui_nn.core
    names = sorted(
        info.name for info in pkgutil.walk_packages(tui_nn.core.__path__, "tui_nn.core.")
    )
    for name in names:
        importlib.import_module(name)
    loaded = sorted(
        module for module in sys.modules
        if module.split(".")[0] in {packages!r}
    )
    print(json.dumps({{"modules": names, "loaded": loaded}}))
    """
).format(packages=set(UI_PACKAGES))


def test_importing_every_core_module_loads_no_ui_package() -> None:
    # A fresh interpreter: this test process has very likely imported textual already.
    completed = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=False, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    expected = {
        "tui_nn.core.activations",
        "tui_nn.core.dataset",
        "tui_nn.core.errors",
        "tui_nn.core.export_onnx",
        "tui_nn.core.export_run",
        "tui_nn.core.export_script",
        "tui_nn.core.export_torch",
        "tui_nn.core.hyperparams",
        "tui_nn.core.initializers",
        "tui_nn.core.losses",
        "tui_nn.core.network",
        "tui_nn.core.optimizers",
        "tui_nn.core.recipes",
        "tui_nn.core.runner",
        "tui_nn.core.training",
        "tui_nn.core.workbench",
        "tui_nn.core.workbench_view",
    }
    assert expected <= set(report["modules"]), "module discovery found too little"
    assert report["loaded"] == [], f"tui_nn.core pulled in UI packages: {report['loaded']}"
