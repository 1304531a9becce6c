"""The app's dialogs and files: save, open, import, pick, export, and quitting with unsaved work.

``FileFlows`` is a small part the app calls: each flow runs as an async worker (group
``dialogs``) so it can wait for the user's answers, and every file read or write runs in a
thread worker (group ``files``), so a slow disk never freezes the screen. A ``TuiNNError`` from
a file (a bad path, a file that is not a session) is shown where the user is looking, in the
dialog, which stays open; any other error ends the flow and the app's one
``Worker.StateChanged`` handler says what broke. Either way the workbench is as it was.

Every flow that may throw work away (quitting, opening a session, importing a CSV file,
switching datasets) asks first when something is unsaved. Files are read and written by the
engine (``tui_nn.core``): atomically, and without ever executing what they hold.

The dialogs and the exporters load on first use, not with the app: the first frame does not
need them (``DEFERRED_MODULES``; the app imports them in the background once it is drawn).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tui_nn.core.csv_io import load_csv, save_csv
from tui_nn.core.dataset import Dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.session import load_session, save_session
from tui_nn.core.workbench import OpenableSession, check_session, describe
from tui_nn.ui.file_work import FileWorkFailed, in_thread

if TYPE_CHECKING:
    from tui_nn.ui.app import TuiNNApp
    from tui_nn.ui.path_dialog import PathChoice, PathDialog

T = TypeVar("T")

DEFERRED_MODULES = (
    "tui_nn.ui.path_dialog",
    "tui_nn.ui.confirm_unsaved",
    "tui_nn.ui.dataset_picker",
    "tui_nn.core.exports",
    "tui_nn.core.export_run",
    "tui_nn.core.model_io",
)
"""What the flows import on first use (~10 ms of a launch here)."""


def path_dialog(title: str, action: Callable[[PathChoice], T], **options: Any) -> PathDialog[T]:
    """A ``PathDialog`` (its module loaded on first use)."""
    from tui_nn.ui.path_dialog import PathDialog

    return PathDialog(title, action, **options)


class FileFlows:
    """The dialogs and file work of ``app``: each public method starts one flow."""

    def __init__(self, app: TuiNNApp) -> None:
        self._app = app

    def _run(self, flow: Coroutine[Any, Any, object], doing: str) -> None:
        self._app.run_worker(
            flow, exclusive=True, group="dialogs", exit_on_error=False, description=doing
        )

    # Quitting -----------------------------------------------------------------------------

    def quit(self) -> None:
        """Quit; with unsaved changes ask first."""
        if not self._app.workbench.has_unsaved_changes:
            self._app.workbench.cancel_run()
            self._app.exit()
            return
        self._run(self._quit_after_asking(), "quitting")

    async def _quit_after_asking(self) -> None:
        if await self._may_discard("quitting"):
            self._app.workbench.cancel_run()
            self._app.exit()

    async def _may_discard(self, doing: str) -> bool:
        """True when it is fine to go on: nothing unsaved, saved now, or the user discards."""
        workbench = self._app.workbench
        if not workbench.has_unsaved_changes:
            return True
        from tui_nn.ui.confirm_unsaved import ConfirmUnsaved

        answer = await self._app.push_screen_wait(ConfirmUnsaved(doing, workbench.unsaved_detail()))
        if answer == "discard":
            return True
        if answer == "save":
            return await self._save(ask_path=False)
        return False

    # Sessions -----------------------------------------------------------------------------

    def save(self, ask_path: bool) -> None:
        """Save the session to its file (or a new one: ``ask_path``, or when there is none)."""
        self._run(self._save(ask_path), "saving the session")

    async def _save(self, ask_path: bool) -> bool:
        """Save the session (asking for a file when there is none); True once it is saved."""
        app, workbench = self._app, self._app.workbench
        try:
            session, note = workbench.session_now()
        except TuiNNError as error:
            app.notify(str(error), title="Cannot save", severity="error", timeout=10, markup=False)
            return False
        path = workbench.session_path
        if path is None or ask_path:
            dialog: PathDialog[Path] = path_dialog(
                "Save session",
                lambda choice: _saved(save_session, session, choice.path),
                initial=self.suggested_path(
                    ".toml", Path(workbench.dataset.name).stem + "-session"
                ),
                suffixes=(".toml",),
                default_suffix=".toml",
                saving=True,
                button="Save",
                note="Data, settings, weights and history in one TOML file.",
            )
            chosen = await app.push_screen_wait(dialog)
            if chosen is None:
                return False
            path = chosen
        else:
            target = path
            try:
                await in_thread(app, lambda: save_session(session, target), f"saving {target.name}")
            except FileWorkFailed:
                return False  # the app's worker handler has said what broke
            except TuiNNError as error:
                app.notify(
                    str(error), title="Cannot save", severity="error", timeout=10, markup=False
                )
                return False
        workbench.saved_to(path)
        app.notify(f"Saved {path.name}." + (f" {note}" if note else ""))
        return True

    def open_session(self) -> None:
        """Open a saved session (asks first about unsaved changes)."""
        self._run(self._open(), "opening a session")

    async def _open(self) -> None:
        app = self._app
        if not await self._may_discard("opening a session"):
            return
        # The whole session is checked (its data can train) before the workbench is touched:
        # a refused file leaves everything as it was and the reason in the dialog.
        dialog: PathDialog[OpenableSession] = path_dialog(
            "Open session",
            lambda choice: check_session(load_session(choice.path), choice.path),
            initial=self.suggested_path(".toml"),
            suffixes=(".toml",),
            button="Open",
        )
        ready = await app.push_screen_wait(dialog)
        if ready is not None and ready.path is not None:
            app.workbench.open(ready)
            app.notify(f"Opened {ready.path.name}: {describe(ready.session.dataset)}.")

    # Data ---------------------------------------------------------------------------------

    def import_csv(self) -> None:
        """Load a CSV file as the data (asks first about unsaved changes)."""
        self._run(self._import(), "importing a CSV file")

    async def _import(self) -> None:
        app = self._app
        if not await self._may_discard("importing a CSV file"):
            return
        dialog: PathDialog[Dataset] = path_dialog(
            "Import CSV",
            lambda choice: load_csv(choice.path, label=choice.label),
            initial=self.suggested_path(".csv"),
            suffixes=(".csv",),
            label_choice=True,
            button="Import",
            note="Header row first; every column but the label must be numeric.",
        )
        dataset = await app.push_screen_wait(dialog)
        if dataset is not None:
            app.workbench.load_data(dataset)

    def pick_dataset(self) -> None:
        """Switch to a built-in dataset (asks first about unsaved changes)."""
        self._run(self._pick(), "switching datasets")

    async def _pick(self) -> None:
        app = self._app
        if not await self._may_discard("switching datasets"):
            return
        from tui_nn.ui.dataset_picker import DatasetPicker

        dataset = await app.push_screen_wait(DatasetPicker(app.workbench.dataset.name))
        if dataset is not None:
            app.workbench.load_data(dataset)

    # Exports ------------------------------------------------------------------------------

    def export_csv(self) -> None:
        """Write the data on screen to a CSV file."""
        app = self._app
        try:
            dataset = app.grid.to_dataset()
        except TuiNNError as error:
            app.notify(str(error), title="Cannot export", severity="error", markup=False)
            return
        dialog: PathDialog[Path] = path_dialog(
            "Export CSV",
            lambda choice: _saved(save_csv, dataset, choice.path),
            initial=self.suggested_path(".csv", Path(dataset.name).stem + "-edited"),
            suffixes=(".csv",),
            default_suffix=".csv",
            saving=True,
            button="Export",
        )
        self._run(self._write(dialog, "Exported the data to"), "exporting the data")

    def export_model(self) -> None:
        """Export the trained model: .json/.npz, a NumPy or PyTorch script, or ONNX."""
        app, workbench = self._app, self._app.workbench
        reason = workbench.data_changed()
        if reason:
            app.notify(
                f"The {reason}: train (ctrl+t) or reset (ctrl+r) before exporting the model.",
                title="Model is stale",
                severity="warning",
            )
            return
        network = workbench.current_network()
        dataset, prepared = workbench.dataset, workbench.prepared
        start, start_epoch = workbench.run_start
        epoch, hyperparams = workbench.now_epoch, workbench.trainer.hyperparams

        def write(choice: PathChoice) -> Path:
            from tui_nn.core.export_run import ExportRun
            from tui_nn.core.exports import kind_for_path
            from tui_nn.core.model_io import export_model

            kind = kind_for_path(choice.path)
            if kind is None and choice.path.suffix.lower() not in (".json", ".npz"):
                raise TuiNNError(
                    "export as .json or .npz (the model), .py (a NumPy script; NAME_torch.py "
                    f"for PyTorch) or .onnx, got {choice.path.name!r}",
                    field="path",
                )
            if kind is None:
                export_model(
                    network,
                    choice.path,
                    dataset.class_names,
                    dataset.feature_names,
                    prepared.standardizer,
                )
                return choice.path
            problem = kind.missing()
            if problem:
                raise TuiNNError(problem, field="path")
            run = ExportRun.from_prepared(
                dataset, prepared, hyperparams, network, start, start_epoch, epoch
            )
            kind.write(run, str(choice.path))
            return choice.path

        dialog: PathDialog[Path] = path_dialog(
            "Export model",
            write,
            initial=self.suggested_path(".json", Path(dataset.name).stem + "-model"),
            suffixes=(".json", ".npz", ".py", ".onnx"),
            default_suffix=".json",
            saving=True,
            button="Export",
            note=".json/.npz: the model · .py: a NumPy script that retrains it · "
            "NAME_torch.py: PyTorch (+ weights .npz) · .onnx: ONNX",
        )
        self._run(self._write(dialog, "Exported the model to"), "exporting the model")

    async def _write(self, dialog: PathDialog[Path], done: str) -> None:
        path = await self._app.push_screen_wait(dialog)
        if path is not None:
            self._app.notify(f"{done} {path}.")

    # Paths --------------------------------------------------------------------------------

    def suggested_path(self, suffix: str, stem: str | None = None) -> str:
        """A starting path for a dialog: the session's folder, and a name when saving."""
        session_path = self._app.workbench.session_path
        prefix = ""
        if session_path is not None:
            # Relative to where tui-nn started when the session is below it, else absolute.
            folder = session_path.resolve().parent
            here = Path.cwd().resolve()
            if folder != here:
                prefix = (
                    str(folder.relative_to(here)) if folder.is_relative_to(here) else str(folder)
                ) + "/"
        if stem is None:
            return prefix
        if session_path is not None and suffix == ".toml":
            return prefix + session_path.name
        return prefix + stem + suffix


def _saved(write: Callable[[Any, Path], object], value: object, path: Path) -> Path:
    """Write ``value`` to ``path`` with ``write``; the path, for the dialog to close with."""
    write(value, path)
    return path
