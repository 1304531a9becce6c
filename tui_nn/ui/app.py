"""The workbench app: the panels, a ``Workbench`` controller, a training runner and file flows.

The app is the composition: ``Workbench`` (``tui_nn.core.workbench``) holds the state and
decides what each key does; ``ProcessRunner`` trains in a separate process and posts what
happens as messages; ``FileFlows`` runs the dialogs and the file reads and writes. The app
turns keys into workbench calls, messages into workbench events, and shows what the workbench
asks it to (it is the workbench's ``WorkbenchView``).
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import re
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
from rich.console import RenderableType
from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.dom import DOMNode
from textual.driver import Driver
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen
from textual.widgets import Static, TabbedContent
from textual.worker import Worker, WorkerState

from tui_nn.core.dataset import TUTORIAL_DATASET, Dataset
from tui_nn.core.errors import TuiNNError
from tui_nn.core.hyperparams import FIELDS, Hyperparams
from tui_nn.core.model_snapshot import ModelSnapshot
from tui_nn.core.network import Network
from tui_nn.core.runner import Progress
from tui_nn.core.session import Session
from tui_nn.core.split import PreparedData, prepare_data
from tui_nn.core.training import Trainer
from tui_nn.core.workbench import OpenableSession, Phase, Workbench, check_session
from tui_nn.core.workbench_view import Notice, OnScreen
from tui_nn.ui.actions import (
    ACTIONS,
    ACTIONS_BY_NAME,
    GRID_ACTIONS,
    VIEW_ACTIONS,
    bindings,
    help_rows,
)
from tui_nn.ui.autosave import Autosave
from tui_nn.ui.chart_panel import DEFERRED_MODULES as DEFERRED_VIEWS
from tui_nn.ui.chart_panel import INSPECT_VIEW, ChartPanel
from tui_nn.ui.command_palette import WorkbenchPalette
from tui_nn.ui.dataset_grid import DatasetGrid
from tui_nn.ui.file_flows import DEFERRED_MODULES as DEFERRED_DIALOGS
from tui_nn.ui.file_flows import FileFlows
from tui_nn.ui.file_work import FILE_GROUPS, failure_sentence
from tui_nn.ui.hyperparams_form import HyperparamsForm
from tui_nn.ui.key_line import KeyLine
from tui_nn.ui.loss_chart import ChartFrame, load_plotext
from tui_nn.ui.messages import (
    DataEdited,
    DataSettingsChanged,
    EpochsCompleted,
    GridRowSelected,
    TrainingCrashed,
    TrainingFailed,
    TrainingFinished,
)
from tui_nn.ui.prediction_pane import PredictionPane, queries_for
from tui_nn.ui.runs_compared import kept_run_curves
from tui_nn.ui.status_bar import Status, StatusBar
from tui_nn.ui.training_run import ProcessRunner
from tui_nn.ui.workbench_screen import WorkbenchScreen

PANEL_IDS = frozenset({"dataset", "hyperparams", "chart", "prediction"})
"""The panels whose border shows where the focus is."""

AFTER_FIRST_FRAME = (
    "tui_nn.ui.help_screen",
    *DEFERRED_DIALOGS,
    *DEFERRED_VIEWS,
    "tui_nn.ui.restore_recovery",
)
"""Modules the first frame does without, imported in the background once it is drawn."""


class TuiNNApp(App[None]):
    """Build, train and question a small neural network, keyboard first.

    Attributes:
        workbench: The state and the user's actions on it.
        files: The dialogs and file flows (save, open, import, export).
        training_settled: Set when the current run's final message has been handled (and by a
            reset); cleared when a run starts. Tests and scripts wait on it instead of sleeping.
        show_wall_clock: Show speed and times in the status line; off for repeatable screenshots.
    """

    # Absolute, so subclasses defined elsewhere (tests, embedders) still find the stylesheet.
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "tui-nn"
    BINDINGS: ClassVar[list[BindingType]] = bindings(ACTIONS, priority=True)
    # Textual declares these as plain attributes, so a ClassVar annotation would clash.
    HORIZONTAL_BREAKPOINTS = [  # noqa: RUF012
        (0, "-too-narrow"),
        (60, "-narrow"),
        (100, "-wide"),
    ]
    VERTICAL_BREAKPOINTS = [  # noqa: RUF012
        (0, "-too-short"),
        (18, "-short"),
        (30, "-tall"),
    ]

    def __init__(
        self,
        dataset: Dataset,
        hyperparams: Hyperparams,
        session: Session | None = None,
        session_path: Path | None = None,
    ) -> None:
        """Args:
        dataset: The data to open on.
        hyperparams: The settings to open with.
        session: A session to open instead (checked whole here: ``TuiNNError`` if its data
            cannot train).
        session_path: The file it came from: ctrl+s saves back to it.
        """
        super().__init__()
        self._opening: OpenableSession | None = None
        test_split, normalize = 0.0, False
        if session is not None:
            self._opening = check_session(session, session_path)
            dataset, hyperparams = session.dataset, session.hyperparams
            test_split, normalize = session.test_split, session.normalize
        self.runner = ProcessRunner(self, draw=self._draw_ahead)
        self.workbench = Workbench(dataset, hyperparams, test_split, normalize, self.runner, self)
        self.workbench.session_path = session_path
        self.files = FileFlows(self)
        self.autosave = Autosave(self, self._unsaved_work)
        self._shown_network: Network | None = None
        self._accuracy: tuple[float | None, float | None] = (None, None)
        self._frame: ChartFrame | None = None
        # Whether a dialog covers the workbench, as a plain value: the training link's thread
        # reads it (it may not query the DOM) to skip drawing a chart nobody sees.
        self._under_dialog = False
        self._chart_panel: ChartPanel | None = None
        self._behind_dialog: tuple[Progress, bool] | None = None
        self._active_panel: DOMNode | None = None
        self.training_settled = asyncio.Event()
        self.training_settled.set()
        self.show_wall_clock = True

    # Layout -------------------------------------------------------------------------------

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver, or on a Linux/macOS terminal the one that sees Esc in ESCDELAY."""
        driver = super().get_driver_class()
        if (driver.__module__, driver.__name__) == ("textual.drivers.linux_driver", "LinuxDriver"):
            from tui_nn.ui.quick_escape import QuickEscapeDriver

            return QuickEscapeDriver
        return driver

    def get_default_screen(self) -> Screen[Any]:
        """The workbench's screen: its live updates repaint only the widgets they touch."""
        return WorkbenchScreen(self.size, id="_default")

    def compose(self) -> ComposeResult:
        """Dataset and hyperparameters on the left, chart and prediction on the right."""
        workbench = self.workbench
        dataset = workbench.dataset
        with Horizontal(id="workbench"):
            with Vertical(id="left"):
                grid = DatasetGrid(dataset, id="dataset")
                grid.border_title = f"Dataset · {dataset.name}"
                yield grid
                form = HyperparamsForm(
                    workbench.trainer.hyperparams,
                    workbench.test_split,
                    workbench.normalize,
                    id="hyperparams",
                )
                form.border_title = "Hyperparameters"
                yield form
            with Vertical(id="right"):
                chart = ChartPanel(id="chart")
                chart.border_title = "Chart"
                yield chart
                pane = PredictionPane(dataset, queries_for(dataset), id="prediction")
                pane.border_title = "Prediction"
                yield pane
        yield StatusBar(id="status")
        yield Static(
            "The window is too small for tui-nn: make it at least 60 columns by 18 rows.",
            id="too-small",
        )
        yield KeyLine(id="keys")

    def on_mount(self) -> None:
        """Show the untrained model's answers and the status (or the session being opened).

        The training process starts once the first frame is on screen: warm before anyone
        presses Train, without delaying that frame.
        """
        self._chart_panel = self.chart
        self.call_after_refresh(self._start_training_process)
        self.screen_change_signal.subscribe(self, self._screen_changed)
        self.status_bar.show_wall_clock = self.show_wall_clock
        if self._opening is not None:
            self.workbench.open(self._opening)
            self._opening = None
        else:
            self.workbench.mounted()
        self.autosave.start()
        self.autosave.offer_restore(self._restore)

    # The panels and the state -------------------------------------------------------------

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

    @property
    def phase(self) -> Phase:
        """What training is doing now."""
        return self.workbench.phase

    @property
    def training_process_pid(self) -> int | None:
        """The pid of the process that trains (None until it has started)."""
        return self.runner.link.pid

    @property
    def trainer(self) -> Trainer:
        """The current trainer (read it only while no run trains)."""
        return self.workbench.trainer

    @property
    def busy(self) -> bool:
        """Whether a run is training (or winding down): the data waits until it stops."""
        return self.workbench.busy

    @property
    def has_unsaved_changes(self) -> bool:
        """Whether anything changed since the session was opened, saved or the data loaded."""
        return self.workbench.has_unsaved_changes

    # Actions (each has its row in ``ACTIONS``) ----------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Whether an action may run now (None: shown dimmed), as its row in ``ACTIONS`` says."""
        row = ACTIONS_BY_NAME.get(action)
        if row is None:
            return True
        if row.dialog and isinstance(self.screen, ModalScreen):
            return False  # one dialog at a time
        return row.allowed(self.workbench.phase)

    def action_train(self) -> None:
        """Start training, or resume a paused run."""
        self.workbench.train()

    def action_pause(self) -> None:
        """Pause a training run; Train resumes it."""
        self.workbench.pause()

    def action_step(self) -> None:
        """Train exactly one epoch."""
        self.workbench.step()

    def action_stop(self) -> None:
        """End the run; the weights stay for predictions, the next Train starts afresh."""
        self.workbench.stop()

    def action_reset(self) -> None:
        """New weights from the seed and the settings on screen; the chart starts over."""
        self.workbench.reset()

    def action_toggle_log_scale(self) -> None:
        """Switch the loss chart between linear and log10 values."""
        self.chart.toggle_log_scale()

    # The views and the run's past -----------------------------------------------------------

    def action_next_view(self) -> None:
        """Bring the next view of the chart area forward (Loss, Decision map, ...)."""
        self.chart.next_view()

    def action_show_loss(self) -> None:
        """Bring the loss chart forward."""
        self.chart.show_view(VIEW_ACTIONS["show_loss"])

    def action_show_decision_map(self) -> None:
        """Bring the decision map forward."""
        self.chart.show_view(VIEW_ACTIONS["show_decision_map"])

    def action_show_every_input(self) -> None:
        """Bring the every-input table forward."""
        self.chart.show_view(VIEW_ACTIONS["show_every_input"])

    def action_show_network(self) -> None:
        """Bring the network view forward."""
        self.chart.show_view(VIEW_ACTIONS["show_network"])

    def action_back_in_time(self) -> None:
        """Show every view, the grid's outputs and the predictions one kept epoch earlier."""
        past = self.workbench.past
        if not past.back(self.workbench.now_epoch):
            self.notify(
                "No earlier epoch kept: train first."
                if not len(past.snapshots)
                else "This is the earliest epoch kept."
            )
            return
        self.show_now()

    def action_forward_in_time(self) -> None:
        """One kept epoch later; after the last one, the model now."""
        if not self.workbench.past.forward(self.workbench.now_epoch):
            self.notify("Already showing the model now.")
            return
        self.show_now()

    def action_first_in_time(self) -> None:
        """The earliest kept epoch."""
        if self.workbench.past.first(self.workbench.now_epoch):
            self.show_now()

    def action_back_to_now(self) -> None:
        """Show the model as it is now."""
        if self.workbench.past.to_now():
            self.show_now()

    # Seeing how it learns: the step inspector, recipes compared, runs compared, the tour ----

    def action_inspect_step(self) -> None:
        """Bring the step inspector forward and give it focus (arrows scroll it)."""
        self.chart.show_view(INSPECT_VIEW)
        self._show_inspection()
        self.chart.inspector.focus()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """The inspector came forward (ctrl+e, the palette): fill it."""
        if event.pane.id == INSPECT_VIEW:
            self._show_inspection()

    def _show_inspection(self) -> None:
        """Show the next step for the grid's cursor row, when the inspector is on show."""
        chart = self.chart
        if chart.active_view != INSPECT_VIEW:
            return
        inspector = chart.inspector
        workbench = self.workbench
        if workbench.busy:
            inspector.show_message(
                "Training… Pause (ctrl+t) or let it finish: the inspector shows the next step "
                "of a model at rest, and ctrl+n steps it."
            )
            return
        screen = self.on_screen()
        reason = workbench.data_changed(screen)
        if reason:
            inspector.show_message(
                f"The {reason}: Step (ctrl+n) or Reset (ctrl+r) trains on the data on screen, "
                "then the inspector shows its next step."
            )
            return
        changed = self._settings_pending()
        if changed:
            inspector.show_message(
                f"{changed} changed on screen: the next Step (ctrl+n) or Reset applies it; "
                "then the inspector shows the step."
            )
            return
        from tui_nn.core.step_inspection import inspect_grid_row  # loaded with the inspector

        row = self.grid.cursor_row
        try:
            inspection = inspect_grid_row(workbench.trainer, workbench.prepared.test_mask, row)
        except TuiNNError as error:
            text = str(error)
            inspector.show_message(f"{text[:1].upper()}{text[1:]}.")
            return
        inspector.show(inspection, f"row {row + 1}/{self.grid.row_count}")

    def _settings_pending(self) -> str:
        """The labels of settings on screen the model does not have yet, or ''."""
        try:
            hyperparams = self.on_screen().settings.hyperparams
        except TuiNNError as error:
            return FIELDS[error.field].label if error.field in FIELDS else "A setting"
        current = self.workbench.trainer.hyperparams
        changed = ", ".join(
            FIELDS[name].label
            for name in FIELDS
            if name != "epochs" and getattr(hyperparams, name) != getattr(current, name)
        )
        return changed[:1].upper() + changed[1:]

    def action_compare_recipes(self) -> None:
        """Train both recipes from the same weights on the data on screen; both curves."""
        screen = self.on_screen()
        try:
            settings = screen.settings
            prepared = prepare_data(
                screen.dataset,
                settings.test_split,
                settings.normalize,
                settings.hyperparams.seed,
            )
        except TuiNNError as error:
            self.notify(str(error), title="Cannot compare", severity="error", markup=False)
            return
        from tui_nn.ui.recipe_comparison_screen import RecipeComparisonScreen  # on first use

        self.push_screen(RecipeComparisonScreen(settings.hyperparams, prepared.train))

    def _show_kept_runs(self) -> None:
        """Draw the kept runs behind the loss, labelled against the settings on screen."""
        try:
            current = self.on_screen().settings.hyperparams
        except TuiNNError:
            current = self.workbench.trainer.hyperparams
        curves = kept_run_curves(
            self.workbench.kept_runs.runs, current, self.workbench.dataset.name
        )
        self.chart.show_kept_runs(curves)

    def action_clear_kept_runs(self) -> None:
        """Forget the earlier runs drawn behind the loss curve."""
        kept = self.workbench.kept_runs
        count = len(kept)
        kept.clear()
        self._show_kept_runs()
        self.notify(
            f"Cleared {count} earlier run{'s' * (count != 1)} from the chart."
            if count
            else "No earlier runs to clear."
        )

    def action_tour(self) -> None:
        """The seed's steps, panel by panel; Enter on the last one trains."""
        from tui_nn.ui.tour import TourScreen  # on first use: not part of the first frame

        base = self.screen

        def focus(selector: str) -> None:
            target = base.query_one(selector)
            if not target.focusable:
                target = next((w for w in target.query("*") if w.focusable), target)
            target.focus()

        def finished(train: bool | None) -> None:
            if train:
                self.action_train()

        self.push_screen(TourScreen(focus), finished)

    def on_grid_row_selected(self, message: GridRowSelected) -> None:
        """The network view and the step inspector follow the row under the grid's cursor."""
        if self.chart.active_view == "view-network":
            self._show_views()
        self._show_inspection()

    def action_command_palette(self) -> None:
        """Open the command palette (ctrl+p), or close it if it is open."""
        if not self.use_command_palette:
            return
        if isinstance(self.screen, WorkbenchPalette):
            self.screen.dismiss(None)
            return
        # Built once and kept, like help: an open paints the list it already holds.
        if not self.is_screen_installed("palette"):
            self.install_screen(WorkbenchPalette(), "palette")
        self.push_screen("palette")

    def action_help(self) -> None:
        """Open the help screen, or close it if it is open."""
        from tui_nn.ui.help_screen import HelpScreen  # Markdown loads on first use, not at start

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
        else:
            # Built once and kept: composing its Markdown is most of the cost of showing it.
            if not self.is_screen_installed("help"):
                self.install_screen(HelpScreen(help_rows()), "help")
            self.push_screen("help")

    async def action_quit(self) -> None:
        """Quit; with unsaved changes ask first. A training run stops within an epoch."""
        self.files.quit()

    def action_save(self) -> None:
        """Save the session to its file, or ask for one the first time."""
        self.files.save(ask_path=False)

    def action_save_as(self) -> None:
        """Save the session under a new name."""
        self.files.save(ask_path=True)

    def action_open_session(self) -> None:
        """Open a saved session (asks first about unsaved changes)."""
        self.files.open_session()

    def action_import_csv(self) -> None:
        """Load a CSV file as the data (asks first about unsaved changes)."""
        self.files.import_csv()

    def action_pick_dataset(self) -> None:
        """Switch to a built-in dataset (asks first about unsaved changes)."""
        self.files.pick_dataset()

    def action_export_csv(self) -> None:
        """Write the data on screen to a CSV file."""
        self.files.export_csv()

    def action_export_model(self) -> None:
        """Write the trained model to a .json or .npz file."""
        self.files.export_model()

    def action_toggle_normalize(self) -> None:
        """Switch standardisation of the features on or off."""
        current = self.form.data_texts()["normalize"]
        self.form.set_value("normalize", "no" if current == "yes" else "yes")

    def action_focus_test_split(self) -> None:
        """Move to the test split field."""
        self.query_one("#hp-test_split").focus()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every workbench action by its plain name in the command palette (ctrl+p)."""
        titles = set()
        for action in (*ACTIONS, *GRID_ACTIONS):
            if action.palette:
                owner = self.grid if action.target == "grid" else self
                titles.add(action.title)
                yield SystemCommand(
                    action.title, action.description, getattr(owner, f"action_{action.name}")
                )
        for command in super().get_system_commands(screen):
            if command.title not in titles:
                yield command

    # Messages -----------------------------------------------------------------------------

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """Mark the panel that holds the focus (its border turns heavy), and only it."""
        if event.widget.screen is not self.screen_stack[0]:
            return  # a dialog's widget: the workbench keeps its marked panel
        active = next(
            (node for node in event.widget.ancestors_with_self if node.id in PANEL_IDS), None
        )
        if active is self._active_panel:
            return
        # Restyle the two panels alone: no rule below a panel depends on -active, and Textual's
        # class change restyles every descendant (the form's ~100 widgets, ~50 ms).
        changed = []
        if self._active_panel is not None:
            changed.append(self._active_panel.remove_class("-active", update=False))
        if active is not None:
            changed.append(active.add_class("-active", update=False))
        self._active_panel = active
        self.stylesheet.update_nodes(changed, animate=False)

    def _start_training_process(self) -> None:
        """Start the warm training process and the one worker that listens to it."""
        if not gc.isenabled():
            # The launcher kept the collector off through start-up (``cli._run_app``). What
            # start-up made lives as long as the app: frozen, full collections pass it by.
            gc.freeze()
            gc.enable()
        if self.runner.closed:
            return  # quit before the first frame: nothing to start
        self.runner.link.start()
        self._listen()

    @work(thread=True, exit_on_error=False, group="training-link", description="training link")
    def _listen(self) -> None:
        """Wait on the training process (blocking, off the UI thread); post what it says.

        First it imports what the first frame did without, the chart's plotext, the help's
        Markdown, the dialogs and the later views: the first chart, F1, dialog or view then do
        not wait for them either.
        """
        load_plotext()
        for module in AFTER_FIRST_FRAME:
            importlib.import_module(module)

        if gc.get_freeze_count():
            gc.freeze()  # start-up's objects were frozen (see above): these modules join them
        self.runner.link.pump()

    def on_unmount(self) -> None:
        """The training process ends with the app (within a fraction of a second)."""
        self.runner.close()

    def on_exit_app(self) -> None:
        """Quitting without unmounting (the web driver's quit when its server is gone) also
        ends the training process: else shutdown waits forever on the link's listener."""
        self.runner.close()

    def on_epochs_completed(self, message: EpochsCompleted) -> None:
        """Live progress at the process's frame rate: every panel follows the run."""
        if not self.is_running or not self.workbench.is_current(message.run_id):
            return
        self._frame = message.frame if isinstance(message.frame, ChartFrame) else None
        self.workbench.on_progress(message.run_id, message.progress, True)

    def on_training_finished(self, message: TrainingFinished) -> None:
        """A run ended."""
        if self.is_running:
            self.workbench.on_finished(message.run_id, message.reason, message.progress)

    def on_training_failed(self, message: TrainingFailed) -> None:
        """A run diverged or broke."""
        if self.is_running and message.progress is not None:
            self.workbench.on_failed(message.run_id, message.error, message.progress)

    def on_training_crashed(self, message: TrainingCrashed) -> None:
        """The training process died: say so; the run ends paused at the last weights shown."""
        if not self.is_running:
            return
        self.notify(message.message, title="Training process restarted", severity="error")
        if self.workbench.is_current(message.run_id):
            finished = self.runner.crashed(message, self.workbench.progress)
            if finished is not None:
                self.workbench.on_finished(finished.run_id, finished.reason, finished.progress)

    def on_data_edited(self, message: DataEdited) -> None:
        """An edit marks the model stale: outputs follow the new rows, Train starts afresh."""
        self.workbench.preview_split()
        if self._shown_network is not None:
            self.show_model(self._shown_network)
        self.show_status()

    def on_data_settings_changed(self, message: DataSettingsChanged) -> None:
        """Show the test rows the new split would hold out; the model is stale until Train."""
        self.workbench.preview_split()
        self.show_status()

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """Say so when a dialog or file worker breaks unexpectedly; the workbench stays as it was.

        A ``TuiNNError`` (a bad path, a file that is not a session) is expected: whoever ran the
        worker shows it where the user is looking (the dialog).
        """
        worker = event.worker
        if event.state is not WorkerState.ERROR or worker.group not in FILE_GROUPS:
            return
        error = worker.error
        if isinstance(error, TuiNNError) or error is None:
            return
        self.notify(
            failure_sentence(worker.description, error),
            title="Something went wrong",
            severity="error",
            timeout=10,
            markup=False,
        )

    # What the workbench shows (``WorkbenchView``) -------------------------------------------

    def on_screen(self) -> OnScreen:
        """A reading of the form and the grid; each part read at most once."""
        form, grid = self.form, self.grid

        def data_key() -> Hashable:
            return (id(grid.table), grid.table.state_id)

        def form_key() -> Hashable:
            return (tuple(sorted(form.texts().items())), tuple(sorted(form.data_texts().items())))

        return OnScreen(
            settings=form.to_settings,
            data_settings=form.data_settings,
            dataset=grid.to_dataset,
            data_key=data_key,
            form_key=form_key,
            data_dirty=lambda: grid.table.dirty,
        )

    def history_capacity(self) -> int:
        """About twice the chart's width in points: enough for every column, cheap to draw."""
        return 2 * self.chart.loss_chart.size.width

    def load_widgets(
        self, dataset: Dataset, hyperparams: Hyperparams, test_split: float, normalize: bool
    ) -> None:
        """New data in the grid, new settings in the form."""
        self.grid.load(dataset)
        self.form.load(hyperparams, test_split, normalize)

    def take_data(self, dataset: Dataset, prepared: PreparedData) -> None:
        """The model trains on ``dataset`` now: its name, its split, its prediction inputs."""
        self.form.set_data(dataset)  # the memory rule checks the settings against this data
        pane = self.prediction
        if pane.dataset.feature_names != dataset.feature_names:
            pane.set_dataset(dataset)
        else:
            pane.dataset = dataset
        self.grid.mark_test_rows(prepared.test_mask)
        self.grid.border_title = f"Dataset · {dataset.name}"

    def show_split(self, test_mask: npt.NDArray[np.bool_]) -> None:
        """Mark the rows the split on screen holds out."""
        self.grid.mark_test_rows(test_mask)

    def show_phase(self) -> None:
        """Keys, editing and the status line follow the phase."""
        self.refresh_bindings()
        self.grid.read_only = self.workbench.busy
        self.show_status()
        self._show_inspection()

    def show_model(self, network: Network) -> None:
        """Answers of ``network``: per grid row (when its inputs fit), accuracy, predictions.

        While the user looks at the run's past, every panel shows the weights of that epoch
        instead; ``network`` is still kept as the model now.
        """
        self._shown_network = network
        network = self.workbench.past.network(network) or network
        self._show_views()
        prepared = self.workbench.prepared
        standardizer = prepared.standardizer
        rows = self.grid.table.feature_matrix()
        prediction = None
        if rows.shape[1] == network.layer_sizes[0] and rows.shape[0]:
            if standardizer is not None and standardizer.n_features == rows.shape[1]:
                rows = standardizer.transform(rows)
            prediction = network.predict(rows)
        self.grid.show_outputs(prediction)
        self.prediction.show_network(network, standardizer)
        self._accuracy = (
            _accuracy_on(network, prepared.train),
            _accuracy_on(network, prepared.test),
        )

    def show_now(self) -> None:
        """Every panel shows the model now, or the epoch of the run's past on show."""
        self.show_model(self._shown_network or self.workbench.trainer.network.copy())
        self.show_status()

    def model_snapshot(self) -> ModelSnapshot:
        """The model the views show: now, or the epoch of the run's past on show."""
        workbench = self.workbench
        live = self._shown_network or workbench.trainer.network
        past = workbench.past
        then = past.network(live)
        row = self.grid.cursor_row if workbench.dataset.n_rows else 0
        now = workbench.now_epoch
        snapshot = ModelSnapshot.of(then or live, workbench.dataset, workbench.prepared, now, row)
        if then is None:
            return snapshot
        return ModelSnapshot(
            then,
            snapshot.dataset,
            snapshot.test_mask,
            snapshot.standardizer,
            past.epoch or 0,
            now,
            row,
            past.position(),
        )

    def _show_views(self) -> None:
        """Hand the model to the chart area's views (only the visible one draws it)."""
        snapshot = self.model_snapshot()
        self.chart.show_model(snapshot)
        title = f"Chart · {snapshot.epoch_label}" if snapshot.in_past else "Chart"
        chart = self.chart
        if chart.border_title != title:  # setting it repaints the whole panel, tabs and all
            chart.border_title = title

    def show_progress(self, progress: Progress, model: bool) -> None:
        """A run's progress on the chart and the status line (and the model when asked).

        The visible view (map, table, network) follows every report; the grid and the
        prediction pane only when ``model`` says so. Under a dialog (help, a path, ...) the
        latest report waits until the dialog closes: a terminal redraws the whole screen for
        any change beneath a dialog, and keys in the dialog would wait on it.
        """
        if len(self.screen_stack) > 1:
            earlier = self._behind_dialog
            self._behind_dialog = (progress, model or (earlier is not None and earlier[1]))
            return
        self._behind_dialog = None
        if model:
            self.show_model(progress.network)
        else:
            self._shown_network = progress.network
            self._show_views()
        workbench = self.workbench
        frame, self._frame = self._frame, None
        self.chart.show(progress.history, workbench.trainer.hyperparams, workbench.target, frame)
        self.show_status()

    def _screen_changed(self, screen: Screen[Any]) -> None:
        """Back on the workbench: draw the progress that came while a dialog was open, once
        the workbench is back on screen (the dialog goes first, the catching up after)."""
        self._under_dialog = len(self.screen_stack) > 1
        if self._behind_dialog is not None and len(self.screen_stack) == 1:
            self.call_after_refresh(self._catch_up)

    def _catch_up(self) -> None:
        waiting = self._behind_dialog
        if waiting is not None and len(self.screen_stack) == 1:
            self.show_progress(*waiting)

    def _draw_ahead(self, progress: Progress) -> ChartFrame | None:
        """Draw the loss chart for a progress report in the link's thread, not the UI's.

        Not under a dialog: the workbench waits for it to close (``show_progress``), and the
        drawing would only take time from the dialog's keys.
        """
        panel = self._chart_panel
        if panel is None or self._under_dialog:
            return None
        workbench = self.workbench
        return panel.prepare(progress.history, workbench.trainer.hyperparams, workbench.target)

    def clear_chart(self) -> None:
        """Forget the drawn history; the kept runs (runs compared) are drawn behind."""
        self.chart.clear()
        self._show_kept_runs()

    def show_status(self) -> None:
        """The status line, from the workbench's figures and the model's accuracy."""
        standing = self.workbench.standing()
        train_accuracy, test_accuracy = self._accuracy
        stale = standing.stale
        note = f"⚠ The {stale}: the model is stale until Train or Reset (ctrl+r)." if stale else ""
        past = self.workbench.past
        if past.viewing_past:
            viewing = (
                f"⏪ Viewing epoch {past.epoch:,} of {standing.epoch:,}: "
                "ctrl+b/ctrl+f step, End for now."
            )
            note = f"{viewing} {note}".strip()
        self.status_bar.show(
            Status(
                phase=standing.phase,
                epoch=standing.epoch,
                target=standing.target,
                loss_name=standing.loss_name,
                loss=standing.loss,
                epochs_per_second=standing.epochs_per_second,
                elapsed=standing.elapsed,
                remaining=standing.remaining,
                train_accuracy=None if stale else train_accuracy,
                test_accuracy=None if stale else test_accuracy,
                note=note,
            )
        )

    def notify_user(self, notice: Notice) -> None:
        """A notification."""
        # markup=False: messages quote what users typed and files' [table] keys verbatim.
        if notice.timeout is None:
            self.notify(notice.message, title=notice.title, severity=notice.severity, markup=False)
        else:
            self.notify(
                notice.message,
                title=notice.title,
                severity=notice.severity,
                timeout=notice.timeout,
                markup=False,
            )

    def mark_data_saved(self) -> None:
        """The grid's data counts as saved: its recovery copy is no longer needed."""
        self.grid.table.mark_saved()
        self.autosave.saved()

    # Recovery -----------------------------------------------------------------------------

    def _unsaved_work(self) -> tuple[Hashable, Callable[[], tuple[Session, Path | None]]] | None:
        """For the autosave: a marker of the unsaved state and how to build its session."""
        workbench = self.workbench
        if not workbench.has_unsaved_changes:
            return None

        def build() -> tuple[Session, Path | None]:
            return workbench.session_now()[0], workbench.session_path

        return workbench.state_marker(), build

    def _restore(self, session: Session, path: Path | None) -> None:
        """Open work restored from a recovery copy; it stays unsaved until saved."""
        self.workbench.open(check_session(session, path))
        self.workbench.mark_unsaved()
        self.notify("Restored the unsaved work. Save it with ctrl+s.", title="Restore")

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A toast, with any pasted run of text cut short (see ``short_toast``)."""
        super().notify(
            short_toast(message), title=title, severity=severity, timeout=timeout, markup=markup
        )

    def exit(
        self,
        result: None = None,
        return_code: int = 0,
        message: RenderableType | None = None,
    ) -> None:
        """Quit cleanly: the recovery copy goes (only a crash or a kill leaves one)."""
        self.autosave.stop()
        super().exit(result, return_code, message)

    def settled(self, settled: bool) -> None:
        """Set or clear ``training_settled``."""
        if settled:
            self.training_settled.set()
            return
        self.training_settled.clear()


def _accuracy_on(network: Network, dataset: Dataset) -> float | None:
    if not dataset.n_rows or dataset.n_features != network.layer_sizes[0]:
        return None
    return float(np.mean(network.predict(dataset.features).classes == dataset.labels))


TOAST_RUN_LIMIT = 80
"""The longest unbroken run of text a toast shows (a pasted page is cut, sentences are not)."""
TOAST_LIMIT = 600
"""The longest toast: anything longer is cut."""


def short_toast(message: str) -> str:
    """``message`` with every run of more than 80 non-space characters cut with an ellipsis,
    and the whole cut at 600 characters."""
    cut = re.sub(
        rf"\S{{{TOAST_RUN_LIMIT + 1},}}",
        lambda found: found.group()[: TOAST_RUN_LIMIT - 1] + "…",
        message,
    )
    return cut if len(cut) <= TOAST_LIMIT else cut[: TOAST_LIMIT - 1] + "…"


def make_app(
    dataset: Dataset | None = None,
    hyperparams: Hyperparams | None = None,
    session: Session | None = None,
    session_path: Path | None = None,
) -> TuiNNApp:
    """The workbench on ``dataset`` with ``hyperparams`` (the tutorial's by default).

    The one way the CLI and the tests build the app.

    Args:
        dataset: The data to open on; the tutorial's when None.
        hyperparams: The settings; the tutorial's when None.
        session: A loaded session to open instead (its data, settings, weights, history).
        session_path: The file it came from: ctrl+s saves back to it.

    Raises:
        TuiNNError: when the session's data cannot train (nothing is shown then).
    """
    return TuiNNApp(
        dataset if dataset is not None else TUTORIAL_DATASET,
        hyperparams if hyperparams is not None else Hyperparams(),
        session=session,
        session_path=session_path,
    )
