"""File reads and writes off the UI thread: a thread worker per call, awaited by a flow.

``in_thread`` runs one blocking call in a thread worker of group ``files`` and hands its result
(or its ``TuiNNError``) back to the async flow that awaits it. Any other error becomes a
``TuiNNError`` with a sentence saying what broke, and the app's one ``Worker.StateChanged``
handler (see ``TuiNNApp``) shows that sentence as a notification too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from textual.app import App
from textual.worker import WorkerCancelled, WorkerFailed

from tui_nn.core.errors import TuiNNError

ResultT = TypeVar("ResultT")

FILE_GROUPS = frozenset({"dialogs", "files"})
"""Worker groups whose unexpected errors the app reports (training reports its own)."""


class FileWorkFailed(TuiNNError):
    """A file read or write broke unexpectedly; the app's worker handler has already said so."""


def failure_sentence(doing: str, error: BaseException) -> str:
    """``Saving s.toml failed: [Errno 28] No space left on device``."""
    what = doing[:1].upper() + doing[1:] if doing else "A file operation"
    return f"{what} failed: {str(error) or type(error).__name__}"


async def in_thread(app: App[Any], work: Callable[[], ResultT], doing: str) -> ResultT:
    """Run ``work`` (a file read or write) in a thread worker and wait for what it returns.

    Args:
        app: Whose worker runs it (its ``Worker.StateChanged`` handler sees any failure).
        work: The blocking call.
        doing: What it does, for messages: ``saving s.toml``.

    Raises:
        TuiNNError: the work's own.
        FileWorkFailed: a sentence saying what broke, for any other error.
    """
    worker = app.run_worker(
        work, thread=True, group="files", exit_on_error=False, description=doing
    )
    try:
        return await worker.wait()
    except WorkerFailed as failed:
        if isinstance(failed.error, TuiNNError):
            raise failed.error from None
        raise FileWorkFailed(failure_sentence(doing, failed.error)) from None
    except WorkerCancelled:
        raise TuiNNError(f"{doing} was cancelled") from None
