"""The status line under the panels: what training is doing, how far, how fast, how long.

Wall-clock figures (epochs per second, elapsed, remaining) change from run to run; with
``show_wall_clock`` off they read ``--`` so snapshot tests see the same screen every time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import ProgressBar, Static


def duration(seconds: float | None) -> str:
    """``1:05`` or ``1:02:03`` for a number of seconds; ``--`` when unknown."""
    if seconds is None or not math.isfinite(seconds):
        return "--"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def rate(epochs_per_second: float | None) -> str:
    """``25,102`` epochs per second, or ``--`` when unknown."""
    if epochs_per_second is None or epochs_per_second <= 0:
        return "--"
    return f"{epochs_per_second:,.0f}"


@dataclass(frozen=True)
class Status:
    """Everything the status line shows.

    Attributes:
        phase: What training is doing, e.g. ``Ready``, ``Training``, ``Paused``.
        epoch: Epochs completed.
        target: Epochs the run aims for.
        loss_name: The loss's name, e.g. ``mse``.
        loss: Its latest value, or None before any epoch.
        epochs_per_second: Current speed, or None when unknown.
        elapsed: Training seconds since the last reset.
        remaining: Estimated seconds to ``target``, or None when unknown.
        train_accuracy: Share of training rows the model gets right, or None when unknown.
        test_accuracy: Share of test rows it gets right, or None without test rows.
        note: A warning to keep in view, e.g. that the model is stale after a data edit.
    """

    phase: str
    epoch: int
    target: int
    loss_name: str
    loss: float | None = None
    epochs_per_second: float | None = None
    elapsed: float | None = None
    remaining: float | None = None
    train_accuracy: float | None = None
    test_accuracy: float | None = None
    note: str = ""


class StatusBar(Widget):
    """A progress bar and two lines of status.

    Attributes:
        show_wall_clock: Show speed and times; off in snapshot tests.
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.show_wall_clock = True
        self.status: Status | None = None
        self._permille = -1

    def compose(self) -> ComposeResult:
        """Bar and phase on the first line, speed and times on the second."""
        with Horizontal(id="status-top"):
            yield ProgressBar(total=1, show_eta=False, id="progress")
            yield Static("", id="status-text")
        with Horizontal(id="status-bottom"):
            yield Static("", id="status-timing")
            yield Static("", id="status-note")

    def show(self, status: Status) -> None:
        """Show ``status``."""
        self.status = status
        loss = "-" if status.loss is None else f"{status.loss:.6g}"
        # Both lines have a fixed size, so new text needs no layout pass (layout=False).
        self.query_one("#status-text", Static).update(
            f"{status.phase} · epoch {status.epoch:,} of {status.target:,} · "
            f"{status.loss_name} {loss}",
            layout=False,
        )
        note = self.query_one("#status-note", Static)
        if str(note.content) != status.note:  # an update lays the screen out again
            note.update(status.note)
        note.display = bool(status.note)
        if self.show_wall_clock:
            speed, elapsed = rate(status.epochs_per_second), duration(status.elapsed)
            remaining = duration(status.remaining)
        else:
            speed = elapsed = remaining = "--"
        accuracy = ""
        if status.train_accuracy is not None:
            accuracy = f" · acc {status.train_accuracy:.0%}"
            if status.test_accuracy is not None:
                accuracy = (
                    f" · acc train {status.train_accuracy:.0%} test {status.test_accuracy:.0%}"
                )
        timing = self.query_one("#status-timing", Static)
        timing.update(
            f"{speed} epochs/s · elapsed {elapsed} · remaining {remaining}{accuracy}", layout=False
        )
        # A warning (the model is stale) takes the timing line's place: it matters more.
        timing.display = not status.note
        total, done = max(status.target, 1), min(status.epoch, status.target)
        # The bar and its percentage move in steps of 0.1% at most: a long run's epochs repaint
        # them only when that shows (each update repaints the bar and its label).
        permille = (1000 * done) // total
        if permille != self._permille:
            self._permille = permille
            self.query_one("#progress", ProgressBar).update(total=total, progress=done)

    @property
    def text(self) -> str:
        """Both status lines as plain text (for tests and the help screen)."""
        top = self.query_one("#status-text", Static).content
        timing = self.query_one("#status-timing", Static)
        note = self.query_one("#status-note", Static)
        bottom = timing.content if timing.display else note.content
        return f"{top}\n{bottom}"
