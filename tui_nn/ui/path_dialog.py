"""A keyboard file picker: a path field with Tab completion, used for every open and save.

The dialog does not know what a file means: the caller passes ``action``, which opens or
writes the chosen file and raises ``TuiNNError`` when it cannot. It runs in a thread worker
(group ``files``), so a slow disk never freezes the screen. An error is shown inside the
dialog, which stays open with the path as typed, so the user fixes the path and tries again;
only a success closes it (with whatever ``action`` returned). Saving over an existing file
asks for a second Enter first.

For CSV import the dialog also offers the label column: once the path names a readable file,
its header's columns fill a Select (the last column unless another is chosen).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from tui_nn.core.errors import TuiNNError
from tui_nn.ui.file_work import in_thread

__all__ = ["PathChoice", "PathDialog", "PathInput", "complete_path", "read_header"]

ResultT = TypeVar("ResultT")

MAX_MATCHES_SHOWN = 8
HEADER_BYTES = 64 * 1024
"""How much of a CSV file is read to offer its columns (a header longer than this is unusual)."""


@dataclass(frozen=True)
class PathChoice:
    """What the user picked.

    Attributes:
        path: The file, with ``~`` expanded and relative to the dialog's directory.
        label: The CSV label column, or None for the last column.
    """

    path: Path
    label: str | None = None


def complete_path(
    text: str, directory: Path, suffixes: Sequence[str] = ()
) -> tuple[str, list[str]]:
    """Complete a typed path the way a shell's Tab does.

    Args:
        text: What is typed so far (relative to ``directory`` unless absolute; ``~`` allowed).
        directory: Where relative paths start.
        suffixes: File endings to offer (e.g. ``.csv``); folders are always offered. Empty
            offers every file.

    Returns:
        ``(text, matches)``: the text extended as far as every match agrees (a single folder
        gets a trailing ``/``), and the matching names (folders end in ``/``), sorted. Hidden
        names are offered only when the typed name starts with a dot.
    """
    head, _, prefix = text.rpartition("/")
    head = head + "/" if text.count("/") else ""
    base = Path(os.path.expanduser(head)) if head else Path()
    folder = base if base.is_absolute() else directory / base
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return text, []
    matches = []
    for entry in entries:
        name = entry.name
        if not name.startswith(prefix) or (name.startswith(".") and not prefix.startswith(".")):
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            continue
        if is_dir:
            matches.append(name + "/")
        elif not suffixes or any(name.lower().endswith(s) for s in suffixes):
            matches.append(name)
    matches.sort()
    if not matches:
        return text, []
    # Character by character on purpose: names share a prefix, not a folder.
    common = os.path.commonprefix(matches)  # noqa: RUF071
    return head + common, matches


def read_header(path: Path) -> list[str]:
    """The column names in a CSV file's first non-empty row; empty when it cannot be read."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(HEADER_BYTES)
    except OSError:
        return []
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            names = [cell.strip() for cell in row]
            if any(names):
                return [name for name in names if name]
    except csv.Error:
        return []
    return []


class PathInput(Input):
    """A path field: Tab completes it; with nothing left to complete Tab moves on."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "complete", "Complete", show=False),
    ]

    def __init__(
        self,
        value: str = "",
        *,
        directory: Path,
        suffixes: Sequence[str] = (),
        id: str | None = None,
    ) -> None:
        super().__init__(value, placeholder="path/to/file (Tab completes)", id=id)
        self.directory = directory
        self.suffixes = tuple(suffixes)
        self.matches: list[str] = []

    def action_complete(self) -> None:
        """Complete the path; list the choices when there are several."""
        completed, matches = complete_path(self.value, self.directory, self.suffixes)
        if completed == self.value and len(matches) <= 1:
            self.matches = []
            self.post_message(self.MatchesChanged([]))
            self.screen.focus_next()
            return
        self.value = completed
        self.cursor_position = len(completed)
        self.matches = matches if len(matches) > 1 else []
        self.post_message(self.MatchesChanged(self.matches))

    class MatchesChanged(Message):
        """Tab found these names (empty when it found one or none).

        Attributes:
            matches: The names, folders ending in ``/``.
        """

        def __init__(self, matches: list[str]) -> None:
            super().__init__()
            self.matches = matches


class PathDialog(ModalScreen[ResultT | None], Generic[ResultT]):
    """Pick a file by typing its path; ``action`` opens or saves it.

    Keys: Tab completes, Enter does it, Escape cancels.
    """

    DEFAULT_CSS = """
    PathDialog {
        align: center middle;
    }
    PathDialog > #path-box {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: heavy $accent;
        background: $surface;
        padding: 0 1;
    }
    PathDialog #path-matches {
        color: $foreground 70%;
        height: auto;
        display: none;
    }
    PathDialog #path-error {
        color: $error;
        height: auto;
        display: none;
    }
    PathDialog #path-label-row {
        height: auto;
    }
    PathDialog #path-label-row Label {
        padding: 1 1 0 0;
    }
    PathDialog #path-label {
        width: 1fr;
    }
    PathDialog #path-buttons {
        height: auto;
        align-horizontal: right;
    }
    PathDialog Button {
        margin: 0 0 0 1;
        min-width: 10;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", priority=True),
    ]

    def __init__(
        self,
        title: str,
        action: Callable[[PathChoice], ResultT],
        *,
        initial: str = "",
        directory: Path | None = None,
        suffixes: Sequence[str] = (),
        default_suffix: str = "",
        saving: bool = False,
        label_choice: bool = False,
        button: str = "OK",
        note: str = "",
    ) -> None:
        """Args:
        title: The dialog's title, e.g. ``Import CSV``.
        action: Opens or writes the chosen file; raises ``TuiNNError`` to keep the dialog
            open with the message.
        initial: The path shown at first.
        directory: Where relative paths start (the working directory when None).
        suffixes: File endings offered by completion.
        default_suffix: Added to a saved file's name that has no ending.
        saving: Whether the file is written (an existing one then needs a second Enter).
        label_choice: Offer the CSV label column.
        button: The OK button's text, e.g. ``Open``.
        note: A line under the title (e.g. what the file will hold).
        """
        super().__init__()
        self._title = title
        self._action = action
        self._initial = initial
        self.directory = directory if directory is not None else Path.cwd()
        self._suffixes = tuple(suffixes)
        self._default_suffix = default_suffix
        self._saving = saving
        self._label_choice = label_choice
        self._button = button
        self._note = note
        self._confirmed: Path | None = None
        self._header_for: Path | None = None

    def compose(self) -> ComposeResult:
        """Path field, matches, optional label column, error line and buttons."""
        with Vertical(id="path-box") as box:
            box.border_title = self._title
            box.border_subtitle = "Tab completes · Enter · Esc cancels"
            if self._note:
                yield Static(self._note, id="path-note")
            yield PathInput(
                self._initial, directory=self.directory, suffixes=self._suffixes, id="path"
            )
            yield Static("", id="path-matches")
            if self._label_choice:
                with Horizontal(id="path-label-row"):
                    yield Label("Label column")
                    yield Select[str]([], prompt="last column", id="path-label")
            yield Static("", id="path-error", markup=False)  # errors quote [table] keys
            with Horizontal(id="path-buttons"):
                yield Button(self._button, id="path-ok", variant="primary")
                yield Button("Cancel", id="path-cancel")

    def on_mount(self) -> None:
        """Start in the path field, at its end."""
        field = self.query_one(PathInput)
        field.focus()
        field.cursor_position = len(field.value)
        self._offer_columns()

    # Reading the form ------------------------------------------------------------------------

    @property
    def error(self) -> str:
        """The message shown under the field now (empty when none)."""
        return str(self.query_one("#path-error", Static).content)

    def choice(self) -> PathChoice:
        """The path and label column as typed.

        Raises:
            TuiNNError: ``field="path"`` when no path is typed.
        """
        text = self.query_one(PathInput).value.strip()
        if not text:
            raise TuiNNError("type the path of a file (Tab completes)", field="path")
        path = Path(os.path.expanduser(text))
        if not path.is_absolute():
            path = self.directory / path
        if self._saving and self._default_suffix and not path.suffix:
            path = path.with_name(path.name + self._default_suffix)
        label = None
        if self._label_choice:
            value = self.query_one("#path-label", Select).value
            label = value if isinstance(value, str) else None
        return PathChoice(path, label)

    # Events -----------------------------------------------------------------------------------

    @on(PathInput.MatchesChanged)
    def _show_matches(self, event: PathInput.MatchesChanged) -> None:
        event.stop()
        matches = event.matches
        shown = "  ".join(matches[:MAX_MATCHES_SHOWN])
        if len(matches) > MAX_MATCHES_SHOWN:
            shown += f"  (+{len(matches) - MAX_MATCHES_SHOWN} more)"
        matches_line = self.query_one("#path-matches", Static)
        matches_line.update(shown)
        matches_line.display = bool(shown)

    @on(Input.Changed, "#path")
    def _path_changed(self, event: Input.Changed) -> None:
        self.query_one("#path-matches", Static).display = False
        self._confirmed = None
        self._show_error("")
        self._offer_columns()

    @on(Input.Submitted, "#path")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_ok()

    @on(Button.Pressed, "#path-ok")
    def _ok_pressed(self) -> None:
        self.action_ok()

    @on(Button.Pressed, "#path-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    # Actions ----------------------------------------------------------------------------------

    def action_ok(self) -> None:
        """Open or save the file; on failure show why and stay open."""
        try:
            choice = self.choice()
            if self._saving and choice.path.exists() and self._confirmed != choice.path:
                if choice.path.is_dir():
                    raise TuiNNError(f"{choice.path} is a folder: add a file name", field="path")
                self._confirmed = choice.path
                self._show_error(f"{choice.path.name} exists: Enter again replaces it")
                return
        except TuiNNError as error:
            self._show_error(str(error))
            return
        self.run_worker(self._act(choice), exclusive=True, group="path-ok", exit_on_error=False)

    async def _act(self, choice: PathChoice) -> None:
        """Open or write the file off the UI thread; close with the result, or show why not."""
        self._show_error("")
        doing = f"{self._title.lower()}: {choice.path.name}"
        try:
            result = await in_thread(self.app, lambda: self._action(choice), doing)
        except TuiNNError as error:
            self._show_error(str(error))
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        """Close without doing anything."""
        self.dismiss(None)

    def _show_error(self, message: str) -> None:
        line = self.query_one("#path-error", Static)
        line.update(message)
        line.display = bool(message)

    def _offer_columns(self) -> None:
        """Fill the label Select from the typed file's header, when it names a readable file."""
        if not self._label_choice:
            return
        try:
            path = self.choice().path
        except TuiNNError:
            return
        if path == self._header_for:
            return
        select: Select[str] = self.query_one("#path-label", Select)
        names = read_header(path) if path.is_file() else []
        self._header_for = path
        select.set_options([(name, name) for name in names])
        select.prompt = f"last column ({names[-1]})" if names else "last column"
