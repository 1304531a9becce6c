"""Runs compared on the loss chart: the workbench's kept runs as faint curves, labelled.

Labels name what each run did differently from the settings on screen *now*
(``difference_label``), so they follow the user's edits; runs with the same label are told
apart by a count (``same settings``, ``same settings #2``).
"""

from __future__ import annotations

from collections.abc import Sequence

from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.kept_runs import KeptRun, difference_label
from tui_nn.ui.loss_chart import BackgroundCurve

__all__ = ["kept_run_curves"]


def kept_run_curves(
    runs: Sequence[KeptRun], current: Hyperparams, dataset: str
) -> list[BackgroundCurve]:
    """The kept runs for the chart, each labelled by what differs from ``current``."""
    seen: dict[str, int] = {}
    curves = []
    for run in runs:
        label = difference_label(run, current, dataset)
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            label = f"{label} #{seen[label]}"
        curves.append(BackgroundCurve(label, run.epochs, run.loss))
    return curves
