"""A terminal driver that tells the Esc key apart in ESCDELAY, not in a tenth of a second.

Esc is one byte, also the first byte of every other key's escape sequence, so a terminal app
waits a moment (ESCDELAY) for more bytes before calling it Esc. Textual's Linux driver checks
that wait only when its read loop wakes up, which it does every 0.1 s when no key comes: a
lone Esc then lands 100-200 ms after the key, whatever ESCDELAY says. ``QuickEscapeDriver``
is that driver, with its loop waking every ESCDELAY instead, so closing help or a dialog with
Esc takes ESCDELAY (25 ms in this app, see ``cli``) plus the redraw.

How: Textual's loop builds its ``selectors.SelectSelector()`` from the driver module's
``selectors``; this driver gives that module a ``selectors`` whose selector never waits longer
than ESCDELAY. Nothing else changes (more wake-ups of an idle thread: ~40 a second, each a
few microseconds).
"""

from __future__ import annotations

import selectors
from types import SimpleNamespace

from textual import constants
from textual.drivers import linux_driver
from textual.drivers.linux_driver import LinuxDriver


class _QuickSelectSelector(selectors.SelectSelector):
    """A ``select()`` that returns after ESCDELAY at most, so a lone Esc is seen on time."""

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        limit = constants.ESCAPE_DELAY
        return super().select(limit if timeout is None else min(timeout, limit))


_QUICK_SELECTORS = SimpleNamespace(
    SelectSelector=_QuickSelectSelector,
    SelectorKey=selectors.SelectorKey,
    EVENT_READ=selectors.EVENT_READ,
)


class QuickEscapeDriver(LinuxDriver):
    """Textual's Linux driver, reading keys with a wait of ESCDELAY at most."""

    def run_input_thread(self) -> None:
        """Textual's input loop, on a selector that wakes every ESCDELAY."""
        linux_driver.selectors = _QUICK_SELECTORS  # type: ignore[attr-defined,assignment]
        super().run_input_thread()
