"""The launch loads only what the first frame draws: dialogs, later views, exporters and the
training process's link wait."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from tui_nn.ui.app import AFTER_FIRST_FRAME

EXPORTERS = (
    "tui_nn.core.exports",
    "tui_nn.core.export_run",
    "tui_nn.core.export_onnx",
    "tui_nn.core.export_script",
    "tui_nn.core.export_torch",
    "tui_nn.core.model_io",
)

TRAINING_LINK = (
    "tui_nn.ui.training_link",
    "tui_nn.core.protocol",
    "tui_nn.core.training_process",
    "multiprocessing",
)

PROBE = textwrap.dedent(
    """
    import json, sys
    from tui_nn.cli import app_start
    from tui_nn.ui.app import make_app
    start = app_start([])
    make_app(session=start.session, session_path=start.session_path)
    print(json.dumps(sorted(sys.modules)))
    """
)


def test_building_the_app_loads_no_dialog_later_view_exporter_or_training_link() -> None:
    # A fresh interpreter: this test process has imported all of them already.
    completed = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=False, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    loaded = set(json.loads(completed.stdout.strip().splitlines()[-1]))
    assert "tui_nn.ui.app" in loaded and "tui_nn.ui.hyperparams_form" in loaded
    early = sorted(loaded.intersection((*AFTER_FIRST_FRAME, *EXPORTERS, *TRAINING_LINK)))
    assert early == [], f"loaded before the first frame: {early}"
