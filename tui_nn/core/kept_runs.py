"""Runs compared: the loss curves of the last few finished or stopped runs, kept to draw faintly
behind the current one, each labelled by what differed from the current settings.

A ``KeptRun`` stores the settings it trained with, not a label: ``difference_label`` names what
differs from whatever the settings are *now* ("lr 0.5", "hidden 4,4"), so the labels follow the
user's edits. ``keep_run`` keeps the newest ``MAX_KEPT_RUNS``. Sessions save them (see
``session.py``); ``check_kept_run`` validates one loaded from a file.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from tui_nn.core.errors import TuiNNError
from tui_nn.core.history import HistorySnapshot
from tui_nn.core.hyperparams import FIELDS, Hyperparams

__all__ = [
    "MAX_KEPT_POINTS",
    "MAX_KEPT_RUNS",
    "OUTCOME_OF_PHASE",
    "KeptRun",
    "KeptRuns",
    "difference_label",
    "keep_run",
    "kept_run_from_history",
]

MAX_KEPT_RUNS = 5
"""Runs kept; the oldest goes first."""

MAX_KEPT_POINTS = 400
"""Points kept per run's curve (a faint line needs no more)."""

OUTCOMES = ("finished", "stopped", "diverged")

_SHORT_NAMES = {
    "lr": "lr",
    "hidden": "hidden",
    "batch_size": "batch",
    "output_activation": "output",
    "activation": "activation",
}
"""Shorter label words for some fields; others use their field name."""

_LABEL_FIELDS = 2
"""Differences named in a label before "+N more"."""


@dataclass(frozen=True)
class KeptRun:
    """One earlier run's loss curve.

    Attributes:
        hyperparams: The settings it trained with.
        dataset: The name of the data it trained on.
        outcome: ``finished``, ``stopped`` or ``diverged``.
        epochs: Epochs of the points, ascending.
        loss: The run's loss at each (mse for the tutorial recipe).
    """

    hyperparams: Hyperparams
    dataset: str
    outcome: str
    epochs: tuple[int, ...]
    loss: tuple[float, ...]

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise TuiNNError(
                f"outcome must be one of {', '.join(OUTCOMES)}, got {self.outcome!r}",
                field="outcome",
            )
        if len(self.epochs) != len(self.loss) or not self.epochs:
            raise TuiNNError("a kept run needs one loss value per epoch", field="loss")
        if len(self.epochs) > MAX_KEPT_POINTS:
            raise TuiNNError(f"a kept run holds at most {MAX_KEPT_POINTS} points", field="loss")
        if any(b <= a for a, b in itertools.pairwise(self.epochs)):
            raise TuiNNError("a kept run's epochs must ascend", field="epochs")
        if self.epochs[0] < 0:
            raise TuiNNError("a kept run's epochs must be >= 0", field="epochs")

    @property
    def last_epoch(self) -> int:
        """The epoch the run ended at."""
        return self.epochs[-1]


def _value_text(value: object) -> str:
    if isinstance(value, tuple):
        return ",".join(str(n) for n in value) or "none"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def difference_label(run: KeptRun, current: Hyperparams, current_dataset: str) -> str:
    """What the run did differently from the current settings, e.g. ``lr 0.5, hidden 4,4``.

    The run's own values are named; ``same settings`` when nothing differs, with the run's
    outcome when it did not finish (``same settings, stopped``).
    """
    parts = []
    if run.dataset != current_dataset:
        parts.append(f"data {run.dataset}")
    for name in FIELDS:
        if name == "epochs":
            continue  # a run's length shows on the chart itself
        value = getattr(run.hyperparams, name)
        if value != getattr(current, name):
            parts.append(f"{_SHORT_NAMES.get(name, name)} {_value_text(value)}")
    if len(parts) > _LABEL_FIELDS:
        parts = [*parts[:_LABEL_FIELDS], f"+{len(parts) - _LABEL_FIELDS} more"]
    label = ", ".join(parts) or "same settings"
    if run.outcome != "finished":
        label += f", {run.outcome}"
    return label


def _thin(count: int, target: int) -> list[int]:
    """About ``target`` evenly spread indices out of ``count``, first and last kept."""
    if count <= target:
        return list(range(count))
    step = (count - 1) / (target - 1)
    return sorted({round(i * step) for i in range(target)})


def kept_run_from_history(
    snapshot: HistorySnapshot, hyperparams: Hyperparams, dataset: str, outcome: str
) -> KeptRun | None:
    """A run to keep from its history's ``loss`` series (None if it has no finite point)."""
    values = snapshot.series.get("loss", [])
    points = [
        (epoch, value)
        for epoch, value in zip(snapshot.epochs, values, strict=False)
        if math.isfinite(value)
    ]
    if not points:
        return None
    kept = [points[i] for i in _thin(len(points), MAX_KEPT_POINTS)]
    return KeptRun(
        hyperparams=hyperparams,
        dataset=dataset,
        outcome=outcome,
        epochs=tuple(epoch for epoch, _ in kept),
        loss=tuple(value for _, value in kept),
    )


def keep_run(runs: Sequence[KeptRun], run: KeptRun) -> tuple[KeptRun, ...]:
    """``runs`` with ``run`` added last, the oldest dropped beyond ``MAX_KEPT_RUNS``."""
    return (*runs, run)[-MAX_KEPT_RUNS:]


OUTCOME_OF_PHASE = {
    "finished": "finished",
    "stopped": "stopped",
    "failed": "diverged",
}
"""How a run let go of in each phase is remembered; any other phase counts as stopped."""


class KeptRuns:
    """The workbench's earlier runs. A run is kept when the workbench lets go of it (Reset, a
    fresh Train after a finished or stopped run, other data): until then it is the live curve."""

    def __init__(self, runs: Sequence[KeptRun] = ()) -> None:
        self._runs: tuple[KeptRun, ...] = tuple(runs)

    @property
    def runs(self) -> tuple[KeptRun, ...]:
        """The kept runs, oldest first."""
        return self._runs

    def __len__(self) -> int:
        return len(self._runs)

    def keep(
        self, history: HistorySnapshot | None, hyperparams: Hyperparams, dataset: str, phase: str
    ) -> bool:
        """Keep a run being let go of; False when it has no point to keep."""
        if history is None or not history.epochs:
            return False
        outcome = OUTCOME_OF_PHASE.get(phase, "stopped")
        run = kept_run_from_history(history, hyperparams, dataset, outcome)
        if run is None:
            return False
        self._runs = keep_run(self._runs, run)
        return True

    def replace(self, runs: Sequence[KeptRun]) -> None:
        """Take these runs instead (an opened session's)."""
        self._runs = tuple(runs)

    def clear(self) -> None:
        """Forget every kept run."""
        self._runs = ()
