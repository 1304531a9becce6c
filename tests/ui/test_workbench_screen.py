"""The workbench's screen writes less and shows the same: its updates, played on a terminal
emulator (pyte), leave the same cells as Textual's own full repaint of the same moment."""

from __future__ import annotations

import asyncio
from typing import Any

import pyte
from textual._compositor import Compositor
from textual.geometry import Region

from tests.ui.pilot import WatchedApp, quiet, settle
from tui_nn.core.dataset import TUTORIAL_DATASET
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.ui.changed_cells import TerminalCells, _changed_runs
from tui_nn.ui.workbench_screen import RegionCompositor, WorkbenchScreen, _merged


class Terminal:
    """A pyte screen fed what the app writes."""

    def __init__(self, columns: int, rows: int) -> None:
        self.screen = pyte.Screen(columns, rows)
        self.stream = pyte.Stream(self.screen)

    def feed(self, text: str) -> None:
        self.stream.feed(text)

    def cells(self) -> list[tuple[str, str, str, bool, bool]]:
        buffer = self.screen.buffer
        return [
            (char.data, char.fg, char.bg, char.bold, char.reverse)
            for y in range(self.screen.lines)
            for char in (buffer[y][x] for x in range(self.screen.columns))
        ]


async def test_live_updates_leave_the_cells_of_a_full_repaint() -> None:
    """Ten frames of a live run, each checked against Textual drawing the screen whole."""
    app = quiet(WatchedApp(TUTORIAL_DATASET, Hyperparams(epochs=60_000)))
    size = (100, 30)
    live = Terminal(*size)
    frames: list[bool] = []
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WorkbenchScreen)
        compositor = screen.region_compositor
        console = app.console
        live.feed(compositor.render_update(full=True).render_segments(console))  # type: ignore[union-attr]
        partial = compositor.render_partial_update

        def render_partial_update() -> Any:
            update = partial()
            if update is not None:
                live.feed(update.render_segments(console))
                # Textual's own repaint of this moment, drawn on a clean terminal.
                whole = Compositor.render_full_update(compositor)
                fresh = Terminal(*size)
                fresh.feed(whole.render_segments(console))
                frames.append(live.cells() == fresh.cells())
            return update

        full = compositor.render_full_update

        def render_full_update(simplify: bool = False) -> Any:
            update = full(simplify)
            live.feed(update.render_segments(console))
            return update

        compositor.render_partial_update = render_partial_update  # type: ignore[method-assign]
        compositor.render_full_update = render_full_update  # type: ignore[method-assign]
        await app.run_action("train")
        await app.progressed.wait()
        # Views brought forward mid-run: new layouts, then partial updates on top of them.
        for view in ("show_decision_map", "show_network", "show_loss"):
            await app.run_action(view)
            await asyncio.sleep(0.3)
        await settle(app)
        await pilot.pause()
    assert len(frames) >= 10
    assert all(frames), f"{frames.count(False)} of {len(frames)} frames differed"


def test_a_changed_run_is_written_with_its_short_gaps() -> None:
    """Cells that differ a few apart are one run; far apart, two."""
    row: list[Any] = [("a", None)] * 30
    cells = [("a", None)] * 30
    cells[2] = cells[5] = cells[25] = ("b", None)
    assert _changed_runs(row, cells, 0) == [(2, 6), (25, 26)]
    assert _changed_runs(row, list(row), 0) == []


def test_unknown_cells_are_written() -> None:
    """After a full repaint nothing is known: a span is written whole."""
    shown = TerminalCells()
    row = shown.row(3, 10)
    assert _changed_runs(row, [("x", None)] * 10, 0) == [(0, 10)]


def test_rows_of_one_refresh_are_joined() -> None:
    """A chart's rows, refreshed one by one, become one area; other columns stay apart."""
    rows = {Region(10, y, 40, 1) for y in range(5, 15)} | {Region(0, 7, 8, 1)}
    assert sorted(_merged(rows)) == sorted([Region(10, 5, 40, 10), Region(0, 7, 8, 1)])


def test_the_workbench_screen_uses_the_region_compositor() -> None:
    """Guards the Textual internals the screen relies on (a new Textual must keep them)."""
    compositor = RegionCompositor()
    assert hasattr(Compositor, "render_partial_update")
    assert hasattr(Compositor, "cuts") and hasattr(Compositor, "visible_widgets")
    assert compositor.visible_widgets == {}


async def test_a_dialog_makes_the_screen_forget_the_terminal() -> None:
    """Help drawn over the workbench: back on it, nothing of the old cells is trusted."""
    app = quiet(WatchedApp(TUTORIAL_DATASET, Hyperparams()))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WorkbenchScreen)
        shown = screen.region_compositor.shown
        shown.row(0, 10)[0] = ("x", None)
        await pilot.press("f1")
        await pilot.pause()
        assert shown.row(0, 10)[0] is None
        await asyncio.sleep(0)
