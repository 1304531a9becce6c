"""Every action a user has, in one table: keys, footer label, palette name, help, when allowed.

The app's ``BINDINGS``, the footer, the help screen (F1) and the command palette (ctrl+p) are
all made from ``ACTIONS``; the dataset grid's keys (which work while the grid has focus) from
``GRID_ACTIONS``. Adding an action is one row here plus an ``action_<name>`` method on the app
(or the grid, for a grid row).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from textual.binding import Binding, BindingType

from tui_nn.core.workbench import BUSY_PHASES, PHASES, Phase

Target = Literal["app", "grid"]


@dataclass(frozen=True)
class Action:
    """One thing a user can do.

    Attributes:
        name: The action's name: the method ``action_<name>`` runs it.
        title: Its plain name in the command palette and the help screen.
        help: What it does, in a line that reads on from the title ("Title: help").
        keys: Keys bound to it, Textual spelling (``ctrl+t``, ``f5``); empty for palette only.
        footer: The footer's short label; None keeps it out of the footer.
        phases: The training phases in which it runs; outside them its key does nothing.
        dimmed: Outside ``phases``, show it dimmed in the footer (True) or hide it (False).
        dialog: It opens a dialog, so it waits while another dialog is open.
        target: Whose ``action_<name>`` runs it: the app's, or the dataset grid's.
        palette: Whether the command palette lists it.
    """

    name: str
    title: str
    help: str
    keys: tuple[str, ...] = ()
    footer: str | None = None
    phases: frozenset[Phase] = PHASES
    dimmed: bool = False
    dialog: bool = False
    target: Target = "app"
    palette: bool = True

    @property
    def description(self) -> str:
        """The help as a sentence, for the command palette."""
        return self.help[:1].upper() + self.help[1:]

    @property
    def help_line(self) -> str:
        """The help screen's line: ``Title: help``."""
        return f"{self.title}: {self.help}"

    @property
    def shown_keys(self) -> str:
        """The keys as the help screen shows them: ``ctrl+t / F5``."""
        return " / ".join(show_key(key) for key in self.keys)

    def allowed(self, phase: Phase) -> bool | None:
        """Textual's ``check_action`` answer in ``phase``: True, None (dimmed) or False."""
        if phase in self.phases:
            return True
        return None if self.dimmed else False


NOT_TRAINING = PHASES - {"training"}
IDLE = PHASES - BUSY_PHASES

ACTIONS: tuple[Action, ...] = (
    Action("help", "Help", "keys and what each panel shows (this screen)", ("f1",), "Help"),
    Action("quit", "Quit", "asks first when there are unsaved changes", ("ctrl+q",), "Quit"),
    Action(
        "train",
        "Train",
        "start, or resume when paused; while training the same key pauses",
        ("ctrl+t", "f5"),
        "Train",
        phases=NOT_TRAINING,
    ),
    Action(
        "pause",
        "Pause",
        "pause the training run; Train resumes it",
        ("ctrl+t", "f5"),
        "Pause",
        phases=frozenset({"training"}),
    ),
    Action(
        "step",
        "Step",
        "train one epoch",
        ("ctrl+n", "f6"),
        "Step",
        phases=NOT_TRAINING,
        dimmed=True,
    ),
    Action(
        "stop",
        "Stop",
        "end the run (the next Train starts again from the seed)",
        ("ctrl+g", "f7"),
        "Stop",
    ),
    Action(
        "reset",
        "Reset",
        "new weights from the seed and the settings on screen; the chart starts over",
        ("ctrl+r", "f8"),
        "Reset",
    ),
    Action(
        "toggle_log_scale",
        "Toggle log scale",
        "the loss chart in linear or log10 values",
        ("ctrl+l", "f9"),
        "Log",
    ),
    Action(
        "next_view",
        "Next view",
        "the chart area's next tab: Loss, Decision map, Every input, Network",
        ("ctrl+e",),
    ),
    Action(
        "show_loss",
        "Loss chart",
        "how the error falls as the network trains, epoch by epoch",
    ),
    Action(
        "show_decision_map",
        "Decision map",
        "what the network answers everywhere on the plane, not only at the data's points",
    ),
    Action(
        "show_every_input",
        "Every input",
        "the answer for every 0/1 input, also the ones the data never asks about",
    ),
    Action(
        "show_network",
        "Network",
        "how each neuron weighs its inputs, and what each one fires for",
    ),
    Action(
        "back_in_time",
        "Back in time",
        "every view, the grid's outputs and the predictions one kept epoch earlier",
        ("ctrl+b",),
    ),
    Action(
        "forward_in_time",
        "Forward in time",
        "one kept epoch later; after the last one, the model now",
        ("ctrl+f",),
    ),
    Action(
        "back_to_now",
        "Back to now",
        "the views show the model as it is now (End in a view, or Train, does too)",
    ),
    Action(
        "save",
        "Save session",
        "data, settings, weights and chart history in one TOML file",
        ("ctrl+s",),
        "Save",
        dialog=True,
    ),
    Action(
        "save_as",
        "Save session as",
        "the session to a new file",
        dialog=True,
    ),
    Action(
        "open_session",
        "Open session",
        "a saved session (asks first about unsaved changes)",
        ("ctrl+o",),
        dialog=True,
    ),
    Action(
        "pick_dataset",
        "Built-in dataset",
        "tutorial, and, or, xor, circle, gauss, spiral, moons, ...",
        ("f2",),
        dialog=True,
    ),
    Action(
        "import_csv",
        "Import CSV",
        "data from a CSV file (choose the label column)",
        ("f3",),
        dialog=True,
    ),
    Action("export_csv", "Export CSV", "the data on screen to a CSV file", dialog=True),
    Action(
        "export_model",
        "Export model",
        "the trained model: .json/.npz, a NumPy or PyTorch script (.py), or ONNX",
        ("f4",),
        dialog=True,
    ),
    Action(
        "toggle_normalize",
        "Toggle standardisation",
        "features standardised to mean 0, std 1, or not",
    ),
    Action("focus_test_split", "Test split", "go to the share of rows held out for testing"),
    Action(
        "inspect_step",
        "Inspect step",
        "the next epoch's arithmetic for the grid's cursor row, number by number (a view in "
        "the chart area; ctrl+n steps and it follows)",
    ),
    Action(
        "compare_recipes",
        "Compare recipes",
        "train the tutorial and the textbook recipe from the same weights and draw both mse "
        "curves, with the epoch each gets every row right",
        ("ctrl+k",),
        phases=IDLE,
        dialog=True,
    ),
    Action(
        "clear_kept_runs",
        "Clear runs compared",
        "forget the earlier runs drawn faintly behind the loss curve",
        ("ctrl+x",),
    ),
    Action(
        "tour",
        "Tour",
        "the seed tutorial's steps panel by panel, with its code, ending with Train; Esc leaves",
        phases=IDLE,
        dialog=True,
    ),
)
"""The app's actions, in footer order."""

GRID_ACTIONS: tuple[Action, ...] = (
    Action(
        "edit",
        "Edit cell",
        "edit the cell (a value, a label, or a new class name); Esc cancels",
        ("enter",),
        target="grid",
    ),
    Action(
        "toggle_cell",
        "Toggle cell",
        "flip a 0/1 value (or a two-class label)",
        ("space",),
        target="grid",
    ),
    Action("add_row", "Add row", "add a row below the cursor", ("a", "insert"), target="grid"),
    Action("delete_row", "Delete row", "delete the row", ("delete",), target="grid"),
    Action(
        "add_column",
        "Add column",
        "add a feature column after the cursor",
        ("c",),
        target="grid",
    ),
    Action("rename_column", "Rename column", "rename the column", ("r",), target="grid"),
    Action("delete_column", "Delete column", "delete the feature column", ("x",), target="grid"),
    Action("undo", "Undo edit", "undo the last edit of the data", ("ctrl+z",), target="grid"),
    Action("redo", "Redo edit", "redo the last undone edit", ("ctrl+y",), target="grid"),
)
"""The dataset grid's actions: their keys work while the grid has focus."""

VIEW_ACTIONS: dict[str, str] = {
    "show_loss": "view-loss",
    "show_decision_map": "view-map",
    "show_every_input": "view-every",
    "show_network": "view-network",
    "inspect_step": "view-inspect",
}
"""The actions that bring a view of the chart area forward, and the view's tab id."""

OTHER_KEYS: tuple[tuple[str, str], ...] = (
    ("Home / End", "In a view: the earliest kept epoch / back to now"),
    ("ctrl+p", "Command palette: every action by name (Export CSV, Save session as, ...)"),
    ("Tab / shift+Tab", "Next / previous field; in a path field Tab completes"),
)
"""Keys that are Textual's own, listed in the help beside the actions."""

ACTIONS_BY_NAME: dict[str, Action] = {action.name: action for action in ACTIONS}
"""The app's actions by name, for ``check_action``."""

_KEY_NAMES = {"enter": "Enter", "space": "Space", "insert": "Insert", "delete": "Delete"}


def show_key(key: str) -> str:
    """A key as people write it: ``f5`` as ``F5``, ``enter`` as ``Enter``."""
    if key.startswith("f") and key[1:].isdigit():
        return key.upper()
    return _KEY_NAMES.get(key, key)


def bindings(actions: Iterable[Action], priority: bool) -> list[BindingType]:
    """Textual bindings for the actions that have keys (footer ones shown, in table order)."""
    return [
        Binding(
            ",".join(action.keys),
            action.name,
            action.footer or action.title,
            show=action.footer is not None,
            priority=priority,
        )
        for action in actions
        if action.keys
    ]


def view_lessons() -> str:
    """The help screen's paragraph on the chart area's views: what each one teaches."""
    lines = [
        "**Views**: the chart area's tabs; ctrl+e brings the next one forward, ctrl+b / ctrl+f "
        "step back and forward through the run's kept epochs (Home / End in a view), and every "
        "view, the grid's outputs and the predictions show the model at that epoch.",
        "",
    ]
    lines += [
        f"- **{action.title}**: {action.help}." for action in ACTIONS if action.name in VIEW_ACTIONS
    ]
    return "\n".join(lines)


def help_rows() -> list[tuple[str, str]]:
    """(keys, what they do) rows for the help screen: app keys, grid keys, Textual's keys."""
    rows: list[tuple[str, str]] = []
    shown: set[tuple[str, ...]] = set()
    for action in ACTIONS:
        # Pause shares Train's keys and Train's line says so.
        if action.keys and action.keys not in shown:
            shown.add(action.keys)
            rows.append((action.shown_keys, action.help_line))
    rows += [(action.shown_keys, f"Dataset: {action.help}") for action in GRID_ACTIONS]
    rows += OTHER_KEYS
    return rows
