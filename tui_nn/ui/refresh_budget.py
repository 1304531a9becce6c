"""How often the live panels may redraw while a run trains, so training keeps its speed.

The training worker and the UI share one interpreter lock: every millisecond the UI spends
redrawing is a millisecond the worker does not train. ``RefreshBudget`` measures what the UI
thread really spent (its CPU time) since the last redraw began and allows the next one only
when that stays within a share of the wall time. A fast terminal gets a lively chart; a slow
one (or a big screen) gets fewer redraws instead of slower training.
"""

from __future__ import annotations

import time
from collections.abc import Callable

LIVE_SHARE = 0.025
"""The most of the wall time the UI may spend redrawing live panels during a run."""

MIN_GAP = 0.34
"""Never redraw more than three times a second, however cheap it is."""


class RefreshBudget:
    """Decides when a redraw is due, from the UI thread's own CPU time.

    Args:
        share: Greatest fraction of the wall time the UI may spend.
        min_gap: Least seconds between redraws.
        clock: Wall-clock seconds (monotonic).
        cpu: This thread's CPU seconds.
    """

    def __init__(
        self,
        share: float = LIVE_SHARE,
        min_gap: float = MIN_GAP,
        clock: Callable[[], float] = time.monotonic,
        cpu: Callable[[], float] = time.thread_time,
    ) -> None:
        self.share = share
        self.min_gap = min_gap
        self._clock = clock
        self._cpu = cpu
        self._wall_mark = clock()
        self._cpu_mark = cpu()

    def due(self) -> bool:
        """Whether a redraw now keeps the UI within its share since the last one began."""
        waited = self._clock() - self._wall_mark
        spent = self._cpu() - self._cpu_mark
        return waited >= max(self.min_gap, spent / self.share)

    def begin(self) -> None:
        """Note that a redraw starts now (call it from the UI thread)."""
        self._wall_mark = self._clock()
        self._cpu_mark = self._cpu()
