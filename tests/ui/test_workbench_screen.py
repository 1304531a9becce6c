"""The workbench's screen writes less and shows the same: its updates, played on a terminal
emulator (pyte), leave the same cells as Textual's own full repaint of the same moment."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pyte
from textual._compositor import Compositor
from textual._styles_cache import StylesCache
from textual.geometry import Region
from textual.screen import Screen

from tests.ui.pilot import SETTLE_TIMEOUT, WatchedApp, quiet, settle
from tui_nn.core.dataset import TUTORIAL_DATASET
from tui_nn.core.datasets import make_dataset
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


class Recorder:
    """Plays every update the app's screen writes on a terminal (``live``) and compares it with
    Textual's own full repaint of the same moment, drawn on a clean terminal."""

    def __init__(self, app: WatchedApp, size: tuple[int, int]) -> None:
        self.size = size
        self.live = Terminal(*size)
        self.frames: list[bool] = []
        self.every_frame = True
        self._drawn = 0
        self._a_frame = asyncio.Event()
        screen = app.screen
        assert isinstance(screen, WorkbenchScreen)
        compositor = self.compositor = screen.region_compositor
        self.console = app.console
        self.live.feed(compositor.render_update(full=True).render_segments(self.console))  # type: ignore[union-attr]
        self._partial, self._full = compositor.render_partial_update, compositor.render_full_update
        compositor.render_partial_update = self._render_partial_update  # type: ignore[method-assign]
        compositor.render_full_update = self._render_full_update  # type: ignore[method-assign]

    def _render_partial_update(self) -> Any:
        update = self._partial()
        if update is not None:
            self.live.feed(update.render_segments(self.console))
            if self.every_frame:
                self.frames.append(self.shows_the_whole())
            self._drawn += 1
            self._a_frame.set()
        return update

    async def frames_drawn(self, count: int) -> None:
        """Wait until ``count`` more updates have been written (one more when frames are
        checked and the last one differed: see ``check_every_frame``)."""
        target = self._drawn + count
        while self._drawn < target:
            await self._next_frame()
        if self.every_frame and self.frames and not self.frames[-1]:
            await self._next_frame()

    async def _next_frame(self) -> None:
        self._a_frame.clear()
        await asyncio.wait_for(self._a_frame.wait(), SETTLE_TIMEOUT)

    def _render_full_update(self, simplify: bool = False) -> Any:
        update = self._full(simplify)
        self.live.feed(update.render_segments(self.console))
        return update

    def shows_the_whole(self) -> bool:
        """Whether the live terminal shows what Textual's full repaint of now shows.

        The repaint renders every widget, and a widget's first render can change it (an
        overlay sizes itself): call it where that does not hide what a test looks for.
        """
        whole = Compositor.render_full_update(self.compositor)
        fresh = Terminal(*self.size)
        fresh.feed(whole.render_segments(self.console))
        return self.live.cells() == fresh.cells()

    def check_every_frame(self, at_least: int, since: int = 0) -> None:
        """No cell stays wrong: each frame shows what a full repaint shows, or the next does.

        A value that changes within a frame (the run's progress is handled between two
        paints) can land on the terminal one frame after a full repaint would show it, under
        load; a cell left wrong stays wrong, frame after frame.
        """
        frames = self.frames[since:]
        assert len(frames) >= at_least
        stuck = [i for i in range(len(frames) - 1) if not frames[i] and not frames[i + 1]]
        assert not stuck and frames[-1], f"frames that differed: {frames}"


async def test_live_updates_leave_the_cells_of_a_full_repaint() -> None:
    """Every frame of a live run checked against Textual drawing the screen whole; then views
    brought forward mid-run (new layouts, partial updates on top of them), checked settled."""
    app = quiet(WatchedApp(TUTORIAL_DATASET, Hyperparams(epochs=1_000_000_000)))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        recorder = Recorder(app, (100, 30))
        await app.run_action("train")
        await recorder.frames_drawn(10)
        recorder.check_every_frame(at_least=10)
        # The decision map live: frames after the switch (its first ones settle the layout).
        recorder.every_frame = False
        await app.run_action("show_decision_map")
        await recorder.frames_drawn(3)
        recorder.every_frame = True
        seen = len(recorder.frames)
        await recorder.frames_drawn(5)
        recorder.check_every_frame(at_least=5, since=seen)
        recorder.every_frame = False
        for view in ("show_network", "show_every_input", "show_loss"):
            await app.run_action(view)
            await recorder.frames_drawn(3)
        await app.run_action("stop")
        await settle(app)
        await pilot.pause()
        assert recorder.shows_the_whole()


async def test_a_dropped_list_and_focus_moves_are_drawn() -> None:
    """A choice list drops over the form (an overlay), moves, closes; Tab walks the form."""
    app = quiet(WatchedApp(TUTORIAL_DATASET, Hyperparams()))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        recorder = Recorder(app, (100, 30))
        recorder.every_frame = False  # a full repaint in between would draw the list itself
        app.query_one("#hp-activation").focus()
        await pilot.pause()
        for key in ("right", "tab", "tab", "shift+tab", "enter"):
            await pilot.press(key)
            await pilot.pause()
        await pilot.pause()
        assert recorder.shows_the_whole()  # the list just dropped, untouched
        for key in ("down", "down", "escape"):
            await pilot.press(key)
            await pilot.pause()
        assert recorder.shows_the_whole()


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


async def test_a_list_dropped_at_a_small_size_is_drawn_and_cleared() -> None:
    """At 80x24 the form scrolls and a dropped list reaches the status lines: the terminal
    still shows what Textual's repaint shows, open and after a pick (a newline written on the
    bottom row once scrolled the whole terminal up a line)."""
    data = make_dataset("spiral")
    settings = Hyperparams(recipe="textbook", hidden=(8, 8), activation="tanh", epochs=3000)
    app = quiet(WatchedApp(data, settings))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        recorder = Recorder(app, (80, 24))
        recorder.every_frame = False
        for key in ("tab", "tab", "tab", "enter"):
            await pilot.press(key)
            await pilot.pause()
        await pilot.pause()
        assert recorder.shows_the_whole()  # open
        await pilot.press("down", "enter")
        await pilot.pause()
        await pilot.pause()
        assert app.form.texts()["activation"] == "relu"
        assert recorder.shows_the_whole()  # picked and closed


def widget_caches_alive() -> int:
    """Widgets' render caches still reachable (one per live widget, plus any kept in vain)."""
    gc.collect()
    return sum(1 for thing in gc.get_objects() if isinstance(thing, StylesCache))


async def test_closed_dialogs_leave_nothing_behind() -> None:
    """Each command palette used to stay reachable through a Textual cache with every line it
    drew (~220 rendered lines an open): memory grew, and each full garbage collection took
    longer, until keys and frames stalled for ~80 ms after a few dozen palettes."""
    app = quiet(WatchedApp(TUTORIAL_DATASET, Hyperparams()))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for _ in range(3):  # Textual's own caches fill up first
            await pilot.press("ctrl+p", "escape")
            await pilot.pause()
        before = widget_caches_alive()
        for _ in range(6):
            await pilot.press("ctrl+p")
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()
        assert widget_caches_alive() - before < 10  # a palette is ~8 widgets


async def test_a_terminal_resized_under_a_dialog_lays_the_workbench_out_anew() -> None:
    """Beneath a dialog the workbench skips the re-layout Textual gives it as each dialog
    opens (same size, ~100 widgets): a real resize under a dialog still shows when it closes."""
    app = quiet(WatchedApp(TUTORIAL_DATASET, Hyperparams()))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        workbench = app.query_one("#workbench")
        assert workbench.region.width == 100
        await pilot.press("f1")
        await pilot.pause()
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert (workbench.region.width, app.query_one("#status").region.y) == (120, 40 - 3)
        recorder = Recorder(app, (120, 40))
        assert recorder.shows_the_whole()


async def test_the_workbench_resumes_once_per_closed_dialog(monkeypatch: Any) -> None:
    """Textual calls each class's resume handler itself: the workbench's used to call Textual's
    as well, so every closed dialog resumed (refocused, re-read notifications) twice."""
    resumed: list[Screen[Any]] = []
    textual_resume = Screen._on_screen_resume

    def counted(self: Screen[Any], event: Any) -> None:
        resumed.append(self)
        textual_resume(self, event)

    monkeypatch.setattr(Screen, "_on_screen_resume", counted)
    app = quiet(WatchedApp(TUTORIAL_DATASET, Hyperparams()))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        workbench = app.screen
        assert resumed.count(workbench) == 1  # the first time on screen
        await pilot.press("f1")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert resumed.count(workbench) == 2
