"""The driver of a workbench served to a browser tab: Textual's web driver, bound to its server.

textual-serve talks to each app over its stdin and stdout. It says "quit" when the tab closes or
the server stops, but a server that is killed outright says nothing: the app's stdin just ends,
and Textual's web driver then stops reading and leaves the app running for no one, for good.
This driver quits the app when its stdin ends.
"""

from __future__ import annotations

from textual.drivers.web_driver import WebDriver
from textual.messages import ExitApp


class TabDriver(WebDriver):
    """Textual's web driver; the app quits when the server goes away."""

    def run_input_thread(self) -> None:
        """Read the server's input until it ends; then quit, unless the app already is."""
        super().run_input_thread()
        if not self.exit_event.is_set():
            # Thread-safe: the web driver posts its own "quit" this way from this thread.
            self._app.post_message(ExitApp())
