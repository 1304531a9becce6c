"""The command palette (ctrl+p): every action by its plain name, a few letters away.

It lists what ``App.get_system_commands`` gives: the workbench's actions (the ACTIONS table)
and Textual's own (keys, theme, screenshot). Type to narrow the list (fuzzy, best match
first), Up/Down or PageUp/PageDown to move, Enter to run the highlighted command, Esc (or
ctrl+p again) to close.

Why not Textual's palette: it is built anew at each ctrl+p, composed and styled before its
first paint (~30 ms), and fills its list in a worker that lays the screen out several times
over; while training, the box took 120-190 ms (p95) to appear. This one is built once and kept,
like help: an open clears the search, shows the list it already holds, and paints once.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.fuzzy import Matcher
from textual.screen import ModalScreen
from textual.style import Style
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

PLACEHOLDER = "Search for commands…"
NO_MATCHES = "No matches found"

MATCH_STYLE = Style(bold=True, underline=True)
"""The letters a search matched, in each listed title."""


def command_prompt(command: SystemCommand, matcher: Matcher | None) -> Content:
    """A command as the list shows it: its title (matched letters marked), its help dimmed."""
    title = matcher.highlight(command.title) if matcher else Content(command.title)
    if not command.help:
        return title
    return Content("\n").join([title, Content(command.help).stylize_before("dim")])


def ranked(commands: list[SystemCommand], query: str) -> list[SystemCommand]:
    """The commands a search (stripped) finds, best match first; all by title for no search.

    Equal matches (common: "st" scores Step, Stop and Inspect step alike) put a title that
    starts with the search first, then keep the order of ``commands`` (the ACTIONS table's).
    """
    if not query:
        return sorted((command for command in commands if command.discover), key=_title)
    matcher = Matcher(query)
    found = [
        (-score, not command.title.lower().startswith(query.lower()), index, command)
        for index, command in enumerate(commands)
        if (score := matcher.match(command.title)) > 0
    ]
    found.sort(key=lambda entry: entry[:3])
    return [entry[3] for entry in found]


def _title(command: SystemCommand) -> str:
    return command.title


class WorkbenchPalette(ModalScreen[None]):
    """Find a command by name and run it; built once, opened again and again."""

    DEFAULT_CSS = """
    WorkbenchPalette {
        align-horizontal: center;
        background: $background;
    }
    WorkbenchPalette > #palette-box {
        margin-top: 3;
        height: auto;
        max-height: 100%;
        background: $surface;
    }
    WorkbenchPalette #palette-search, WorkbenchPalette #palette-search:focus {
        border: hkey $border;
        padding: 0 1;
        background: $surface;
        background-tint: 0%;
    }
    WorkbenchPalette #palette-list {
        height: auto;
        max-height: 70vh;
        border: none;
        border-bottom: hkey $border;
        padding: 0 1;
        background: $surface;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", show=False),
        Binding("down", "move('cursor_down')", "Next command", show=False),
        Binding("up", "move('cursor_up')", "Previous command", show=False),
        Binding("pagedown", "move('page_down')", "Next page", show=False),
        Binding("pageup", "move('page_up')", "Previous page", show=False),
    ]

    AUTO_FOCUS = "#palette-search"

    def __init__(self) -> None:
        super().__init__(id="palette")
        self._commands: list[SystemCommand] = []
        self._shown: list[SystemCommand] = []
        self._filled_for: tuple[str, tuple[str, ...]] | None = None

    def compose(self) -> ComposeResult:
        """The search box over the list."""
        with Vertical(id="palette-box"):
            yield Input(placeholder=PLACEHOLDER, id="palette-search", select_on_focus=False)
            commands = OptionList(id="palette-list")
            commands.can_focus = False  # the search box keeps the focus; Up/Down move the list
            yield commands

    @property
    def search(self) -> Input:
        """The search box."""
        return self.query_one("#palette-search", Input)

    @property
    def command_list(self) -> OptionList:
        """The commands found."""
        return self.query_one("#palette-list", OptionList)

    @property
    def shown(self) -> list[str]:
        """The titles listed, top to bottom."""
        return [command.title for command in self._shown]

    def on_screen_resume(self) -> None:
        """Each open: the commands of the screen beneath, no search, the first one highlighted."""
        stack = self.app.screen_stack
        beneath = stack[-2] if len(stack) > 1 else self
        self._commands = list(self.app.get_system_commands(beneath))
        search = self.search
        if search.value:
            with self.prevent(Input.Changed):
                search.value = ""
        self._fill("")
        search.focus()

    @on(Input.Changed, "#palette-search")
    def _search_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._fill(event.value)

    def _fill(self, query: str) -> None:
        """List the commands ``query`` finds (the list's lines are rebuilt only when they change).

        The commands themselves are always the ones just gathered: a title can stay while its
        callback changes (Textual's commands act on the screen beneath).
        """
        query = query.strip()
        self._shown = ranked(self._commands, query)
        command_list = self.command_list
        key = (query, tuple(self.shown))
        if key != self._filled_for:
            self._filled_for = key
            matcher = Matcher(query, match_style=MATCH_STYLE) if query else None
            command_list.clear_options()
            if self._shown:
                command_list.add_options(
                    Option(command_prompt(command, matcher)) for command in self._shown
                )
            else:
                command_list.add_option(Option(NO_MATCHES, disabled=True))
        command_list.highlighted = 0 if self._shown else None
        command_list.scroll_home(animate=False, immediate=True)

    def action_move(self, movement: str) -> None:
        """Move the highlight through the list (the search box keeps the focus)."""
        getattr(self.command_list, f"action_{movement}")()

    def action_close(self) -> None:
        """Close without running anything."""
        self.dismiss()

    @on(Input.Submitted, "#palette-search")
    def _run_highlighted(self, event: Input.Submitted) -> None:
        event.stop()
        highlighted = self.command_list.highlighted
        if highlighted is not None and highlighted < len(self._shown):
            self._run(self._shown[highlighted])

    @on(OptionList.OptionSelected, "#palette-list")
    def _run_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_index < len(self._shown):
            self._run(self._shown[event.option_index])

    def _run(self, command: SystemCommand) -> None:
        """Close, then run: the command sees the workbench, not the palette, as the screen."""
        self.dismiss()
        self.app.call_later(command.callback)
