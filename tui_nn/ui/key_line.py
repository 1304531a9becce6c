"""The key line at the bottom: the keys of the moment, drawn as one line of text.

Textual's ``Footer`` is a container of one widget per key, rebuilt whenever the bindings change:
on every focus move (Tab), every phase change and every dialog that opens or closes. On this
workbench a rebuild restyles ~12 widgets against the whole stylesheet, ~50-90 ms of the UI
thread: the latency a user feels on Tab and F1 while training. This widget keeps the footer's
look (compact: ``^q Quit f1 Help ...``, keys the phase forbids dimmed, the palette's key on the
right) but is one widget whose text is rebuilt, and repainted only when it changes.
"""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget


class KeyLine(Widget, can_focus=False):
    """The bindings of the focused widget and its ancestors, left; the palette's key, right."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-line--key",
        "key-line--description",
        "key-line--divider",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._keys: tuple[tuple[str, str, bool], ...] = ()
        self._palette: str | None = None

    @property
    def keys(self) -> tuple[tuple[str, str, bool], ...]:
        """(key as shown, label, enabled) for each key on the line, left to right."""
        return self._keys

    @property
    def text(self) -> str:
        """The line as plain text (for tests)."""
        return self.render().plain

    def on_mount(self) -> None:
        """Follow the screen's bindings: focus moves, phases, dialogs."""
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        app = self.app
        seen: set[str] = set()
        keys: list[tuple[str, str, bool]] = []
        palette: str | None = None
        for _node, binding, enabled, _tooltip in screen.active_bindings.values():
            if binding.key == app.COMMAND_PALETTE_BINDING and app.ENABLE_COMMAND_PALETTE:
                palette = f"{app.get_key_display(binding)} {_label(binding)}"
                continue
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            keys.append((app.get_key_display(binding), _label(binding), enabled))
        found = (tuple(keys), palette)
        if found != (self._keys, self._palette):
            self._keys, self._palette = found
            self.refresh()

    def render(self) -> Text:
        """``^q Quit f1 Help ...`` and, at the right edge, ``▏^p palette``."""
        key_style = self.get_component_rich_style("key-line--key")
        label_style = self.get_component_rich_style("key-line--description")
        dim = Style(dim=True)
        line = Text(no_wrap=True, overflow="crop", end="")
        for index, (key, label, enabled) in enumerate(self._keys):
            if index:
                line.append(" ")
            start = len(line)
            line.append(key, key_style)
            line.append(f" {label}", label_style)
            if not enabled:
                line.stylize(dim, start, len(line))
        if self._palette is not None:
            key, _, label = self._palette.partition(" ")
            divider = self.get_component_rich_style("key-line--divider")
            # A space after it, as Textual's footer leaves.
            tail = Text.assemble(("▏", divider), (key, key_style), (f" {label}", label_style), " ")
            width = self.size.width
            gap = width - len(line) - len(tail)
            if gap >= 1:
                line.append(" " * gap)
                line.append_text(tail)
        return line


def _label(binding: Binding) -> str:
    return binding.description or binding.action
