"""The common ground of the views drawn line by line: strips built once per change, then served.

The decision map, the network and the every-input table each compute their rows in one go
(``build_strips``) and hand them out row by row (``render_line``); anything that changes what
they show (a new model, a resize, a theme) throws the rows away so the next paint rebuilds them.
"""

from __future__ import annotations

from textual.geometry import Region
from textual.strip import Strip
from textual.theme import Theme
from textual.widget import Widget


def repaint_changed_rows(widget: Widget, old: list[Strip], new: list[Strip], width: int) -> None:
    """Mark dirty only the rows of ``widget`` whose cells differ between ``old`` and ``new``
    (all of it when the number of rows changed)."""
    if len(old) != len(new):
        widget.refresh()
        return
    rows = enumerate(zip(old, new, strict=True))
    changed = [Region(0, y, width, 1) for y, (a, b) in rows if a != b]
    if changed:
        widget.refresh(*changed)


class StripView(Widget):
    """A widget whose rows are built together by ``build_strips`` and cached until a change."""

    _strips: list[Strip] | None = None

    def build_strips(self) -> list[Strip]:
        """Draw every row of the view at the current size."""
        raise NotImplementedError

    def on_mount(self) -> None:
        """Redraw in the new colours whenever the theme changes."""
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, _theme: Theme) -> None:
        self._strips = None
        self.refresh()

    def on_resize(self) -> None:
        """Draw again at the new size on the next paint."""
        self._strips = None

    def redraw(self) -> None:
        """Rebuild the rows now and repaint only those that changed: a live run's frame, where
        most of a converging map or table stays as it was."""
        old = self._strips
        width = self.size.width
        if old is None or not self.is_mounted or not width:
            self._strips = None
            self.refresh()
            return
        new = self._strips = self.build_strips()
        repaint_changed_rows(self, old, new, width)

    def render_line(self, y: int) -> Strip:
        """One row of the view, from strips built once per change."""
        strips = self._strips
        if strips is None:
            strips = self._strips = self.build_strips()
        if 0 <= y < len(strips):
            return strips[y]
        return Strip.blank(self.size.width, self.rich_style)
