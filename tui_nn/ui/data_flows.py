"""The workbench's data half: edits, the split, built-in and CSV data, sessions, exports.

``DataFlows`` is the part of ``TuiNNApp`` that owns the data and the files. Every flow that may
throw work away (quitting, opening a session, importing a CSV file, switching datasets) asks
first when something is unsaved, and each dialog runs in an async worker so it can wait for
the user's answer. Files are read and written by the engine (``tui_nn.core``): atomically, and
without ever executing what they hold.

The model is *stale* when the data on screen is not what it trained on (an edit, a new test
split, standardisation switched); the status line says so until the next Train or Reset.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from pathlib import Path
from typing import Literal

from textual import work
from textual.app import App

from tui_nn.core.csv_io import load_csv, save_csv
from tui_nn.core.dataset import Dataset
from tui_nn.core.datasets import fit_hyperparams
from tui_nn.core.errors import TuiNNError
from tui_nn.core.export_run import ExportRun
from tui_nn.core.exports import kind_for_path
from tui_nn.core.history import DownsampledHistory, HistorySnapshot
from tui_nn.core.hyperparams import Hyperparams
from tui_nn.core.model_io import export_model
from tui_nn.core.network import Network
from tui_nn.core.run_past import RunPast
from tui_nn.core.session import Session, load_session, save_session
from tui_nn.core.split import PreparedData, prepare_data, split_dataset
from tui_nn.core.training import EpochResult, Trainer
from tui_nn.core.weight_history import WeightHistory
from tui_nn.core.workbench import Phase
from tui_nn.ui.chart_panel import ChartPanel
from tui_nn.ui.confirm_unsaved import ConfirmUnsaved
from tui_nn.ui.dataset_grid import DatasetGrid
from tui_nn.ui.dataset_picker import DatasetPicker
from tui_nn.ui.hyperparams_form import HyperparamsForm, parse_test_percent
from tui_nn.ui.messages import DataEdited, DataSettingsChanged, Progress
from tui_nn.ui.path_dialog import PathChoice, PathDialog
from tui_nn.ui.prediction_pane import PredictionPane
from tui_nn.ui.status_bar import StatusBar
from tui_nn.ui.training_run import CancelReason

MIN_HISTORY = 64
"""The fewest points a chart history keeps (more on a wide chart)."""


class DataFlows(App[None]):
    """Data, sessions and files; ``TuiNNApp`` adds the panels and the training.

    The attributes below are set by ``TuiNNApp.__init__``; the methods at the end are the
    training half's, declared here so both halves type-check against each other.
    """

    _dataset: Dataset
    _prepared: PreparedData
    _trainer: Trainer
    _run_start: tuple[Network | None, int]
    _history: DownsampledHistory | None
    _weights: WeightHistory | None
    _past: RunPast
    _progress: Progress | None
    _phase: Phase
    _run_id: int
    _target: int
    _elapsed: float
    _session_path: Path | None
    _saved: tuple[object, ...] | None
    _test_split: float
    _normalize: bool
    _trained_on: tuple[int, int, float, bool]
    _shown_network: Network | None
    _pending: Literal["train", "step"] | None
    training_settled: asyncio.Event

    @property
    def form(self) -> HyperparamsForm:
        """The hyperparameters panel."""
        return self.query_one(HyperparamsForm)

    @property
    def grid(self) -> DatasetGrid:
        """The dataset panel."""
        return self.query_one(DatasetGrid)

    @property
    def prediction(self) -> PredictionPane:
        """The prediction panel."""
        return self.query_one(PredictionPane)

    @property
    def chart(self) -> ChartPanel:
        """The chart panel."""
        return self.query_one(ChartPanel)

    @property
    def status_bar(self) -> StatusBar:
        """The status line."""
        return self.query_one(StatusBar)

    @work(exclusive=True, group="dialogs", exit_on_error=False)
    async def _quit_after_asking(self) -> None:
        if await self._may_discard("quitting"):
            self._cancel_run("cancelled")
            self.exit()

    def action_save(self) -> None:
        """Save the session to its file, or ask for one the first time."""
        self._save_flow(ask_path=False)

    def action_save_as(self) -> None:
        """Save the session under a new name."""
        self._save_flow(ask_path=True)

    @work(exclusive=True, group="dialogs", exit_on_error=False)
    async def _save_flow(self, ask_path: bool) -> None:
        await self._save(ask_path)

    def action_open_session(self) -> None:
        """Open a saved session (asks first about unsaved changes)."""
        self._open_flow()

    @work(exclusive=True, group="dialogs", exit_on_error=False)
    async def _open_flow(self) -> None:
        if not await self._may_discard("opening a session"):
            return
        dialog: PathDialog[tuple[Session, Path]] = PathDialog(
            "Open session",
            lambda choice: (load_session(choice.path), choice.path),
            initial=self._suggested_path(".toml"),
            suffixes=(".toml",),
            button="Open",
        )
        opened = await self.push_screen_wait(dialog)
        if opened is not None:
            session, path = opened
            self._open(session, path)
            self.notify(f"Opened {path.name}: {self._describe(session.dataset)}.")

    def action_import_csv(self) -> None:
        """Load a CSV file as the data (asks first about unsaved changes)."""
        self._import_flow()

    @work(exclusive=True, group="dialogs", exit_on_error=False)
    async def _import_flow(self) -> None:
        if not await self._may_discard("importing a CSV file"):
            return
        dialog: PathDialog[Dataset] = PathDialog(
            "Import CSV",
            lambda choice: load_csv(choice.path, label=choice.label),
            initial=self._suggested_path(".csv"),
            suffixes=(".csv",),
            label_choice=True,
            button="Import",
            note="Header row first; every column but the label must be numeric.",
        )
        dataset = await self.push_screen_wait(dialog)
        if dataset is not None:
            self._use_dataset(dataset)

    def action_pick_dataset(self) -> None:
        """Switch to a built-in dataset (asks first about unsaved changes)."""
        self._pick_flow()

    @work(exclusive=True, group="dialogs", exit_on_error=False)
    async def _pick_flow(self) -> None:
        if not await self._may_discard("switching datasets"):
            return
        dataset = await self.push_screen_wait(DatasetPicker(self._dataset.name))
        if dataset is not None:
            self._use_dataset(dataset)

    def action_export_csv(self) -> None:
        """Write the data on screen to a CSV file."""
        try:
            dataset = self.grid.to_dataset()
        except TuiNNError as error:
            self.notify(str(error), title="Cannot export", severity="error")
            return

        def write(choice: PathChoice) -> Path:
            save_csv(dataset, choice.path)
            return choice.path

        self._write_flow(
            PathDialog(
                "Export CSV",
                write,
                initial=self._suggested_path(".csv", Path(dataset.name).stem + "-edited"),
                suffixes=(".csv",),
                default_suffix=".csv",
                saving=True,
                button="Export",
            ),
            "Exported the data to",
        )

    def action_export_model(self) -> None:
        """Export the trained model: .json/.npz, a NumPy or PyTorch script, or ONNX."""
        network = self._current_network()
        reason = self._data_changed()
        if reason:
            self.notify(
                f"The {reason}: train (ctrl+t) or reset (ctrl+r) before exporting the model.",
                title="Model is stale",
                severity="warning",
            )
            return
        dataset, prepared = self._dataset, self._prepared
        start, start_epoch = self._run_start
        progress = self._progress
        epoch = progress.epoch if self.busy and progress is not None else self._trainer.epoch
        hyperparams = self._trainer.hyperparams

        def write(choice: PathChoice) -> Path:
            kind = kind_for_path(choice.path)
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

        self._write_flow(
            PathDialog(
                "Export model",
                write,
                initial=self._suggested_path(".json", Path(dataset.name).stem + "-model"),
                suffixes=(".json", ".npz", ".py", ".onnx"),
                default_suffix=".json",
                saving=True,
                button="Export",
                note=".json/.npz: the model · .py: a NumPy script that retrains it · "
                "NAME_torch.py: PyTorch (+ weights .npz) · .onnx: ONNX",
            ),
            "Exported the model to",
        )

    @work(exclusive=True, group="dialogs", exit_on_error=False)
    async def _write_flow(self, dialog: PathDialog[Path], done: str) -> None:
        path = await self.push_screen_wait(dialog)
        if path is not None:
            self.notify(f"{done} {path}.")

    def action_toggle_normalize(self) -> None:
        """Switch standardisation of the features on or off."""
        current = self.form.data_texts()["normalize"]
        self.form.set_value("normalize", "no" if current == "yes" else "yes")

    def action_focus_test_split(self) -> None:
        """Move to the test split field."""
        self.query_one("#hp-test_split").focus()

    def _check_data(self, hyperparams: Hyperparams) -> PreparedData:
        """The data on screen split and scaled as the form says, or the reason it cannot be.

        Raises:
            TuiNNError: for data that cannot train (one class) or a bad test split.
        """
        dataset = self.grid.to_dataset()
        test_split, normalize = self.form.to_data_settings()
        return prepare_data(dataset, test_split, normalize, hyperparams.seed)

    def _new_trainer(
        self,
        hyperparams: Hyperparams,
        prepared: PreparedData,
        network: Network | None = None,
        epoch: int = 0,
    ) -> Trainer:
        test = prepared.test if prepared.test.n_rows else None
        # Where the run starts, for an export that retrains it: saved weights, or the seed's.
        self._run_start = (network.copy() if network is not None and epoch else None, epoch)
        return Trainer(hyperparams, prepared.train, test, network=network, epoch=epoch)

    def _take_data(self, prepared: PreparedData) -> None:
        """Make ``prepared`` the data the model trains on, and show its split."""
        dataset = self.grid.to_dataset()
        self._dataset = dataset
        self._prepared = prepared
        self._test_split, self._normalize = self.form.to_data_settings()
        pane = self.prediction
        if pane.dataset.feature_names != dataset.feature_names:
            pane.set_dataset(dataset)
        else:
            pane.dataset = dataset
        self.grid.mark_test_rows(prepared.test_mask)
        self.grid.border_title = f"Dataset · {dataset.name}"
        self._remember_training_data()

    def _remember_training_data(self) -> None:
        table = self.grid.table
        self._trained_on = (id(table), table.state_id, self._test_split, self._normalize)

    def _data_changed(self) -> str:
        """Why the model no longer fits the data on screen ("data was edited"), or ""."""
        table = self.grid.table
        key, state, test_split, normalize = self._trained_on
        if (id(table), table.state_id) != (key, state):
            return "data was edited"
        try:
            now_split, now_normalize = (
                parse_test_percent(self.form.data_texts()["test_split"]),
                (self.form.data_texts()["normalize"] == "yes"),
            )
        except TuiNNError:
            return "test split changed"
        if not math.isclose(now_split, test_split, abs_tol=1e-12):
            return "test split changed"
        if now_normalize != normalize:
            return "standardisation changed"
        return ""

    @property
    def busy(self) -> bool:
        """Whether a run is training (or winding down): the data waits until it stops."""
        return self._phase in ("training", "pausing", "stopping")

    def on_data_edited(self, message: DataEdited) -> None:
        """An edit marks the model stale: outputs follow the new rows, Train starts afresh."""
        self._preview_split()
        if self._shown_network is not None:
            self._show_model(self._shown_network)
        self._show_status()

    def on_data_settings_changed(self, message: DataSettingsChanged) -> None:
        """Show the test rows the new split would hold out; the model is stale until Train."""
        self._preview_split()
        self._show_status()

    def _preview_split(self) -> None:
        """Mark the rows the split on screen holds out (none while the data or split is bad)."""
        try:
            dataset = self.grid.to_dataset()
            fraction = parse_test_percent(self.form.data_texts()["test_split"])
            seed = self.form.to_hyperparams().seed
            mask = split_dataset(dataset, fraction, seed)[2]
        except TuiNNError:
            return
        self.grid.mark_test_rows(mask)

    def _mark_saved(self) -> None:
        self.grid.table.mark_saved()
        self._saved = self._fingerprint()

    def _fingerprint(self) -> tuple[object, ...]:
        """What a save captures, cheaply: data state, every field's text and the model's age."""
        table = self.grid.table
        form = self.form
        epoch = self._progress.epoch if self._progress is not None else self._trainer.epoch
        return (
            id(table),
            table.state_id,
            tuple(sorted(form.texts().items())),
            tuple(sorted(form.data_texts().items())),
            id(self._trainer),
            epoch,
        )

    @property
    def has_unsaved_changes(self) -> bool:
        """Whether anything changed since the session was opened, saved or the data loaded."""
        return self._saved != self._fingerprint()

    def _unsaved_detail(self) -> str:
        if self.grid.table.dirty:
            return "The data was edited."
        if self._saved is not None and self._saved[-2:] != self._fingerprint()[-2:]:
            return "The model trained since the last save."
        return "Settings changed."

    async def _may_discard(self, doing: str) -> bool:
        """True when it is fine to go on: nothing unsaved, saved now, or the user discards."""
        if not self.has_unsaved_changes:
            return True
        answer = await self.push_screen_wait(ConfirmUnsaved(doing, self._unsaved_detail()))
        if answer == "discard":
            return True
        if answer == "save":
            return await self._save(ask_path=False)
        return False

    async def _save(self, ask_path: bool) -> bool:
        """Save the session (asking for a file when there is none); True once it is saved."""
        try:
            session, note = self._session_now()
        except TuiNNError as error:
            self.notify(str(error), title="Cannot save", severity="error", timeout=10)
            return False

        def write(choice: PathChoice) -> Path:
            save_session(session, choice.path)
            return choice.path

        path = self._session_path
        if path is None or ask_path:
            dialog: PathDialog[Path] = PathDialog(
                "Save session",
                write,
                initial=self._suggested_path(".toml", Path(self._dataset.name).stem + "-session"),
                suffixes=(".toml",),
                default_suffix=".toml",
                saving=True,
                button="Save",
                note="Data, settings, weights and history in one TOML file.",
            )
            chosen = await self.push_screen_wait(dialog)
            if chosen is None:
                return False
            path = chosen
        else:
            try:
                write(PathChoice(path))
            except TuiNNError as error:
                self.notify(str(error), title="Cannot save", severity="error", timeout=10)
                return False
        self._session_path = path
        self._mark_saved()
        self.notify(f"Saved {path.name}." + (f" {note}" if note else ""))
        return True

    def _session_now(self) -> tuple[Session, str]:
        """Everything on screen as a session, and a note when the model had to be left out.

        Raises:
            TuiNNError: when the data or a field cannot be saved as it is.
        """
        dataset = self.grid.to_dataset()
        hyperparams = self.form.to_hyperparams()
        test_split, normalize = self.form.to_data_settings()
        base = Session(dataset, hyperparams, test_split, normalize)
        progress = self._progress
        history: HistorySnapshot | None
        if self.busy:
            if progress is None:
                return base, ""
            network, epoch, history = progress.network, progress.epoch, progress.history
        else:
            network, epoch = self._trainer.network.copy(), self._trainer.epoch
            history = self._history.snapshot() if self._history is not None else None
        if epoch == 0:
            return base, ""
        reason = self._data_changed()
        if reason:
            return base, f"The model was left out: the {reason} since it trained."
        past = self._past.snapshots.upto(epoch)
        try:
            return (
                base.replace(
                    network=network,
                    epoch=epoch,
                    history_epochs=tuple(history.epochs) if history else (),
                    history=history.series if history else {},
                    snapshots=past if len(past) else None,
                ),
                "",
            )
        except TuiNNError:
            return base, "The model was left out: the layers changed since it trained."

    def _current_network(self) -> Network:
        if self.busy and self._progress is not None:
            return self._progress.network
        return self._trainer.network.copy()

    def _open(self, session: Session, path: Path | None) -> None:
        """Put a session on the workbench: data, settings, weights, history and phase."""
        self._cancel_run("cancelled")
        hyperparams = session.hyperparams
        self.grid.load(session.dataset)
        self.form.load(hyperparams, session.test_split, session.normalize)
        prepared = session.prepare()
        self._run_id += 1
        self._take_data(prepared)
        network = session.network.copy() if session.network is not None else None
        self._trainer = self._new_trainer(hyperparams, prepared, network, session.epoch)
        self._target = hyperparams.epochs
        self._elapsed = 0.0
        self._pending = None
        self._progress = None
        self._history = None
        self._weights = None
        self._past.reset(session.snapshots)
        self.chart.clear()
        if session.history_epochs:
            width = self.chart.loss_chart.size.width
            history = DownsampledHistory(capacity=max(MIN_HISTORY, 2 * width))
            for index, epoch in enumerate(session.history_epochs):
                values = {
                    name: None if math.isnan(series[index]) else series[index]
                    for name, series in session.history.items()
                }
                history.append(epoch, **values)
            self._history = history
            if session.snapshots is not None and len(session.snapshots):
                self._weights = WeightHistory.from_snapshots(session.snapshots, history.capacity)
            snapshot = history.snapshot()
            last = EpochResult(
                session.epoch,
                snapshot.latest("reported") or 0.0,
                snapshot.latest("loss") or math.nan,
                snapshot.latest("test_loss"),
            )
            self._progress = Progress(
                session.epoch,
                last,
                snapshot,
                self._trainer.network.copy(),
                0,
                0.0,
                self._past.snapshots,
            )
            self.chart.show(snapshot, hyperparams, self._target)
        self._session_path = path
        self._show_model(self._trainer.network.copy())
        if session.epoch == 0:
            phase: Phase = "ready"
        elif session.epoch >= hyperparams.epochs:
            phase = "finished"
        else:
            phase = "paused"
        self._set_phase(phase)
        self.training_settled.set()
        self._mark_saved()

    def _use_dataset(self, dataset: Dataset) -> None:
        """Make ``dataset`` the data; more than two classes switch the model to softmax + ce."""
        try:
            hyperparams = self.form.to_hyperparams()
        except TuiNNError:
            hyperparams = self._trainer.hyperparams
        fitted, note = fit_hyperparams(hyperparams, dataset)
        self._cancel_run("cancelled")
        test_split, normalize = self._test_split, self._normalize
        with contextlib.suppress(TuiNNError):
            test_split, normalize = self.form.to_data_settings()
        self.grid.load(dataset)
        self.form.load(fitted, test_split, normalize)
        try:
            self._check_data(fitted)
        except TuiNNError:
            # A split the new data cannot take (too few rows): train on every row instead.
            self.form.set_value("test_split", "0")
        self._rebuild(fitted)
        self._session_path = None
        self._mark_saved()
        message = f"Loaded {dataset.name}: {self._describe(dataset)}."
        if note:
            message += f" {note[:1].upper()}{note[1:]}."
        self.notify(message, timeout=8)

    @staticmethod
    def _describe(dataset: Dataset) -> str:
        classes = ", ".join(dataset.class_names[:6]) + (", ..." if dataset.n_classes > 6 else "")
        return (
            f"{dataset.n_rows:,} rows, {dataset.n_features} features, "
            f"{dataset.n_classes} classes ({classes})"
        )

    def _suggested_path(self, suffix: str, stem: str | None = None) -> str:
        """A starting path for a dialog: the session's folder, and a name when saving."""
        prefix = ""
        if self._session_path is not None:
            # Relative to where tui-nn started when the session is below it, else absolute.
            folder = self._session_path.resolve().parent
            here = Path.cwd().resolve()
            if folder != here:
                prefix = (
                    str(folder.relative_to(here)) if folder.is_relative_to(here) else str(folder)
                ) + "/"
        if stem is None:
            return prefix
        if self._session_path is not None and suffix == ".toml":
            return prefix + self._session_path.name
        return prefix + stem + suffix

    # The training half (TuiNNApp) -----------------------------------------------------------

    def _cancel_run(self, reason: CancelReason) -> None:
        raise NotImplementedError

    def _rebuild(self, hyperparams: Hyperparams) -> None:
        raise NotImplementedError

    def _set_phase(self, phase: Phase) -> None:
        raise NotImplementedError

    def _show_model(self, network: Network) -> None:
        raise NotImplementedError

    def _show_status(self) -> None:
        raise NotImplementedError
