"""Autosave and restore: the App's part that keeps a recovery copy of unsaved work.

Every ``INTERVAL`` seconds, while the workbench has unsaved changes that differ from the last
copy, the App's current session is written to its recovery copy (``core.recovery``) in a
thread worker, so the screen never waits on the disk. A clean save or quit removes the copy.
At start, the newest copy left by an app that crashed or was killed is offered for restoring.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from textual.app import App
from textual.css.query import NoMatches
from textual.timer import Timer

from tui_nn.core.errors import TuiNNError
from tui_nn.core.recovery import RecoveryCopy, RecoveryStore, find_recovery_copies
from tui_nn.core.session import Session

if TYPE_CHECKING:
    from tui_nn.ui.restore_recovery import RestoreAnswer

INTERVAL = 5.0
"""Seconds between checks for unsaved work to copy."""


class Unsaved(Protocol):
    """What the workbench tells the autosave: its unsaved work, and a marker of its state."""

    def __call__(self) -> tuple[Hashable, Callable[[], tuple[Session, Path | None]]] | None:
        """None when nothing is unsaved; else a marker that changes with every change, and a
        function giving the session to copy and the file it belongs to (called only when the
        marker is new)."""
        ...


class Autosave:
    """Keeps one app's recovery copy up to date, off the UI thread.

    Args:
        app: The app whose timers and workers it uses.
        unsaved: Reports the unsaved work (see ``Unsaved``).
        store: Where the copy goes (this process's copy in the state folder by default).
    """

    def __init__(self, app: App[Any], unsaved: Unsaved, store: RecoveryStore | None = None):
        self._app = app
        self._unsaved = unsaved
        self.store = store if store is not None else RecoveryStore()
        self._marker: Hashable | None = None
        self._timer: Timer | None = None
        self._warned = False
        self._adopted: RecoveryCopy | None = None

    def start(self, interval: float = INTERVAL) -> None:
        """Check every ``interval`` seconds from now on."""
        self._timer = self._app.set_interval(interval, self.check, name="autosave")

    def check(self) -> None:
        """Copy the unsaved work now if it changed since the last copy (runs on the UI thread;
        the writing happens in a thread worker)."""
        app = self._app
        if not app.is_running or len(app.screen_stack) != 1:
            return  # closing, or a dialog is open (the panels are not queryable): next time
        try:
            found = self._unsaved()
        except NoMatches:
            return  # the screen is being torn down
        if found is None:
            return
        marker, build = found
        if marker == self._marker:
            return
        try:
            session, path = build()
        except TuiNNError:
            return  # a half-edited state that is not a session yet: the next check tries again
        self._marker = marker
        self._app.run_worker(
            partial(self._write, session, path),
            thread=True,
            group="autosave",
            exclusive=True,
            exit_on_error=False,
        )

    def _write(self, session: Session, path: Path | None) -> None:
        try:
            self.store.save(session, path)
            self._drop_adopted()
        except TuiNNError as error:
            if not self._warned:  # once: a full disk must not fill the screen with toasts
                self._warned = True
                self._app.call_from_thread(
                    self._app.notify,
                    f"No recovery copy: {error}",
                    title="Autosave",
                    severity="warning",
                )

    def saved(self) -> None:
        """The work was saved cleanly (or is being thrown away on purpose): drop the copy."""
        self._marker = None
        self.store.discard()
        self._drop_adopted()

    def _drop_adopted(self) -> None:
        adopted, self._adopted = self._adopted, None
        if adopted is not None:
            adopted.remove()

    def offer_restore(self, restore: Callable[[Session, Path | None], None]) -> bool:
        """Ask about the newest recovery copy left behind, if any, and restore it if asked.

        A restored copy is deleted once this app's own copy of the work is written (or the
        work is saved), so a crash in between still finds it.

        Returns:
            Whether a copy was offered.
        """
        copies = find_recovery_copies(self.store.folder)
        if not copies:
            return False
        copy = copies[0]
        app = self._app

        def answered(answer: RestoreAnswer | None) -> None:
            if answer == "discard":
                copy.remove()
            elif answer == "restore":
                try:
                    restore(copy.load(), copy.session_path)
                except TuiNNError as error:
                    app.notify(
                        f"The recovery copy cannot be opened: {error}",
                        title="Restore",
                        severity="error",
                    )
                    return
                self._adopted = copy
                self.check()

        from tui_nn.ui.restore_recovery import RestoreRecovery  # a dialog most launches never show

        app.push_screen(RestoreRecovery(copy.describe()), answered)
        return True

    def stop(self) -> None:
        """Stop checking and drop the copy (a clean quit)."""
        if self._timer is not None:
            self._timer.stop()
        self.saved()
