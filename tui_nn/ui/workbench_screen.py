"""The workbench's screen: Textual's, with a partial update that draws only what changed.

A live run changes a few small areas ten times a second: the status line, the grid's output
cells, the chart rows whose pixels moved, the prediction answers. Textual's compositor paints
a partial update by cropping to the *bounding box* of the changed areas, and then asks every
widget in that box for its lines. With the status line at the bottom and the grid at the top,
the box is the whole window, so each frame visited all ~100 widgets (the form's labels, inputs
and selects included), ~50 ms of the UI thread per frame on this machine, most of it spent
re-deriving styles of widgets that did not change. Keys then waited behind frames.

``RegionCompositor`` keeps Textual's painting as it is and narrows two things:

* while a partial update is painted, only widgets whose clip meets a changed area count as
  visible (any other widget contributes no changed cell);
* what is written to the terminal is the cells that changed (``changed_cells``), not each
  changed widget's lines whole. Over SSH this is most of the bandwidth of a live run.

The screen shows exactly what Textual would show. This leans on internals of Textual 8's
compositor (``render_partial_update``, ``render_full_update``, ``visible_widgets``, ``cuts``,
``ChopsUpdate``); ``tests/ui/test_workbench_screen.py`` compares its output with Textual's.
"""

from __future__ import annotations

from textual import events
from textual._compositor import ChopsUpdate, Compositor, LayoutUpdate
from textual._styles_cache import StylesCache
from textual.geometry import Region, Size
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget

from tui_nn.ui.changed_cells import ChangedCellsUpdate, TerminalCells


class RegionCompositor(Compositor):
    """A compositor whose partial updates visit only the widgets under the changed areas."""

    def __init__(self) -> None:
        super().__init__()
        self._changed: list[Region] | None = None
        self.shown = TerminalCells()
        """What this screen last wrote to the terminal, cell by cell."""

    def render_full_update(self, simplify: bool = False) -> LayoutUpdate:
        """The whole screen (Textual's); afterwards the terminal's cells are not known here."""
        self.shown.forget()
        return super().render_full_update(simplify=simplify)

    def render_partial_update(self) -> ChopsUpdate | None:
        """Paint the changed areas (Textual's update), visiting only widgets under them."""
        # The cuts (where widgets start and end on each line) are cached from the visible
        # widgets: derive them from all of them before narrowing.
        self.cuts  # noqa: B018
        self._changed = _merged(self._dirty_regions)
        try:
            update = super().render_partial_update()
        finally:
            self._changed = None
        if update is None:
            return None
        return ChangedCellsUpdate(update.chops, update.spans, update.chop_ends, self.shown)

    @property
    def visible_widgets(self) -> dict[Widget, tuple[Region, Region]]:
        """Widgets in paint order with region and clip; during a partial update, only those
        whose clip meets a changed area."""
        widgets = super().visible_widgets
        changed = self._changed
        if not changed:
            return widgets
        # By clip, as Textual's own crop test: an overlay's clip is the whole screen, so it is
        # always visited, and the first render that sizes a newly shown overlay happens.
        return {
            widget: (region, clip)
            for widget, (region, clip) in widgets.items()
            if _overlaps_any(clip, changed)
        }


def _overlaps_any(area: Region, changed: list[Region]) -> bool:
    overlaps = area.overlaps
    return any(overlaps(region) for region in changed)


def _merged(regions: set[Region]) -> list[Region]:
    """The changed areas, with the rows of one widget's refresh joined into one rectangle.

    A chart refreshes its changed rows one by one: joining vertically adjacent rows of the same
    columns cuts the overlap tests per widget from dozens to a few.
    """
    merged: list[Region] = []
    for region in sorted(regions, key=lambda r: (r.x, r.width, r.y)):
        if merged:
            last = merged[-1]
            if last.x == region.x and last.width == region.width and last.bottom >= region.y:
                merged[-1] = last.union(region)
                continue
        merged.append(region)
    return merged


class WorkbenchScreen(Screen[None]):
    """The app's first screen, painted by ``RegionCompositor``.

    Moving the focus does not repaint the whole window: Textual's ``Screen.focused`` repaints
    the screen on every change (~60 ms here, on each Tab), though the widgets whose look
    depends on focus repaint themselves when their styles change.
    """

    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    def __init__(self, size: Size, *, id: str | None = None) -> None:
        """Args:
        size: The terminal's size now: the screen starts with the breakpoint classes it gives
            (set later, on the first resize, they would restyle every widget once more).
        """
        super().__init__(id=id)
        self._compositor = self.region_compositor = RegionCompositor()
        self._first_resume = True
        self._laid_out_for: Size | None = None
        # No update: the screen is styled when it mounts (an update now parses the stylesheet
        # and styles the screen a first, wasted time).
        self.add_class(*self._breakpoints(size), update=False)

    def _breakpoints(self, size: Size) -> list[str]:
        """The app's breakpoint classes for ``size`` (as ``Screen._on_resize`` sets them)."""
        app = self.app
        classes: list[str] = []
        for dimension, breakpoints in (
            (size.width, app.HORIZONTAL_BREAKPOINTS or []),
            (size.height, app.VERTICAL_BREAKPOINTS or []),
        ):
            classes.extend(self._get_breakpoint_classes(dimension, breakpoints))
        return classes

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # The first time on screen every widget has just been styled as it mounted: the
        # restyle of the whole screen Textual does on every resume would be the same again.
        if self._first_resume:
            self._first_resume = False
            event.refresh_styles = False
        # Back from a dialog: let its widgets go. Textual memoises
        # ``StylesCache.get_inner_outer`` with the instance in the key (up to 1024 of them), so
        # each closed dialog's widgets stayed reachable with every line they had rendered:
        # ~220 Strips per command palette opened, all walked by each full garbage collection
        # (8 ms growing to ~80 ms after 20 palettes). The workbench's entries return as it paints.
        StylesCache.get_inner_outer.cache_clear()
        # No super() call: Textual calls the handler of each class in the MRO itself, so
        # ``Screen._on_screen_resume`` runs next, with the event as changed here (calling it
        # here too resumed the screen twice: two full repaints at start and per closed dialog).

    def _refresh_layout(self, size: Size | None = None, scroll: bool = False) -> None:
        self._laid_out_for = size or self.outer_size
        super()._refresh_layout(size, scroll)

    def _screen_resized(self, size: Size) -> None:
        # A dialog gets a Resize of the terminal's size as it opens, and Textual lays out every
        # screen beneath it again with it: ~100 widgets here, 10-30 ms of each F1 or ctrl+p.
        # At start three Resizes of one size follow the first layout. Only a new size needs a
        # new layout (a widget that changes its own size asks for one, as ever).
        if size == self._laid_out_for:
            return
        super()._screen_resized(size)

    def on_screen_suspend(self) -> None:
        """A dialog draws over the terminal now: what it shows is no longer known here."""
        self.region_compositor.shown.forget()
