"""Live redraws keep within their share of the time, however costly a redraw is."""

from __future__ import annotations

from tui_nn.ui.refresh_budget import RefreshBudget


class Clocks:
    """A wall clock and a CPU clock the test moves by hand."""

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0


def budget(clocks: Clocks) -> RefreshBudget:
    return RefreshBudget(
        share=0.05, min_gap=0.25, clock=lambda: clocks.wall, cpu=lambda: clocks.cpu
    )


def test_cheap_redraws_come_at_most_four_times_a_second() -> None:
    clocks = Clocks()
    live = budget(clocks)
    clocks.wall = 0.2
    assert not live.due()
    clocks.wall = 0.25
    assert live.due()


def test_a_costly_redraw_waits_until_it_is_paid_for() -> None:
    clocks = Clocks()
    live = budget(clocks)
    live.begin()
    clocks.cpu += 0.1  # the redraw took 100 ms of the UI thread's time
    clocks.wall = 1.0
    assert not live.due()  # 100 ms is 10% of one second
    clocks.wall = 2.0
    assert live.due()  # and 5% of two
