"""The workbench's state and what a user does to it, without any UI.

Phases: ``ready`` (a fresh model), ``training``, ``pausing``/``stopping`` (asked to, waiting
for the run's final word), ``paused``, ``finished`` (all the epochs), ``stopped`` and ``failed``
(diverged).
"""

from __future__ import annotations

from typing import Literal, get_args

Phase = Literal[
    "ready", "training", "pausing", "stopping", "paused", "finished", "stopped", "failed"
]
"""What the workbench's training is doing now."""

PHASES: frozenset[Phase] = frozenset(get_args(Phase))
"""Every phase."""

BUSY_PHASES: frozenset[Phase] = frozenset({"training", "pausing", "stopping"})
"""Phases in which a run owns the trainer: the data and the model wait."""

PHASE_NAMES: dict[Phase, str] = {
    "ready": "Ready",
    "training": "Training",
    "pausing": "Pausing",
    "stopping": "Stopping",
    "paused": "Paused",
    "finished": "Finished",
    "stopped": "Stopped",
    "failed": "Diverged",
}
"""Each phase as the status line names it."""
