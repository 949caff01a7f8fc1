"""The help screen: every command with its keys, straight from the command table.

The next-edit keys come first (they are what nxedit is for), then the rest grouped by
area, the plain cursor motions last. Typing filters the table: every word typed must
appear in a row's keys, title, description or command name.
"""

from __future__ import annotations

from typing import Iterator, NamedTuple

from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from nxedit.editor.commands import COMMANDS, Command, key_label

# (group title, command name prefixes), in the order shown
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Next-edit suggestions", ("predict.",)),
    ("Editing", ("edit.",)),
    ("Selection", ("select.all", "select.line", "select.collapse")),
    ("Files and buffers", ("file.", "buffer.")),
    ("Find and go to", ("find.", "search.", "goto.", "vcs.")),
    ("Language server", ("lsp.",)),
    ("View and help", ("view.", "app.")),
    ("More", ()),  # a command of an area not named above
    ("Cursor motions (with Shift: select)", ("cursor.", "select.")),
)


class Row(NamedTuple):
    group: str
    keys: str
    title: str
    name: str


def _group(command: Command) -> str:
    for title, prefixes in GROUPS:
        if command.name.startswith(prefixes):
            return title
    return "More"


def help_rows(keys: dict[str, tuple[str, ...]], query: str = "") -> Iterator[Row]:
    """The rows of the help table, grouped, keeping those that match every word of ``query``."""
    words = query.lower().split()
    order = {title: i for i, (title, _) in enumerate(GROUPS)}
    for command in sorted(COMMANDS, key=lambda c: order[_group(c)]):  # stable: table order within a group
        bound = ", ".join(key_label(k) for k in keys.get(command.name, ())) or "—"
        title = command.title + (f" — {command.description}" if command.description else "")
        row = Row(_group(command), bound, title, command.name)
        haystack = f"{bound} {title} {command.name}".lower()
        if all(w in haystack for w in words):
            yield row


def help_table(keys: dict[str, tuple[str, ...]], query: str = "") -> Table:
    return rows_table(list(help_rows(keys, query)), query)


def rows_table(rows: list[Row], query: str = "") -> Table:
    table = Table(box=None, show_header=True, header_style="bold", expand=True, padding=(0, 1))
    table.add_column("Keys", no_wrap=True)
    table.add_column("Command")
    table.add_column("Name", style="dim", no_wrap=True)
    group = None
    for row in rows:
        if row.group != group:
            if group is not None:
                table.add_row("", "", "")
            group = row.group
            table.add_row("", Text(group, style="bold underline"), "")
        table.add_row(row.keys, row.title, row.name)
    if group is None:
        table.add_row("", Text(f"no command matches {query!r}", style="italic"), "")
    return table


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 100; height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    HelpScreen Input, HelpScreen Input:focus { border: none; height: 1; padding: 0 1; margin: 1 0; }
    """

    def __init__(self, keys: dict[str, tuple[str, ...]], config_path: str) -> None:
        super().__init__()
        self.keys = keys
        self.config_path = config_path
        self.rows = list(help_rows(keys))  # the rows shown (the filter's matches)

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(f"[b]nxedit keys[/b]  (type to filter; Esc closes; rebind in \\[keys] of "
                         f"{self.config_path})", markup=True)
            yield Input(placeholder="Filter: a key, a word of a title, or a command name", id="filter")
            yield Static(rows_table(self.rows), id="table")

    def on_mount(self) -> None:
        self.query_one("#filter", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.rows = list(help_rows(self.keys, event.value))
        self.query_one("#table", Static).update(rows_table(self.rows, event.value))
        self.query_one(VerticalScroll).scroll_home(animate=False)

    def on_key(self, event: events.Key) -> None:
        if event.key in ("escape", "f1"):
            event.stop()
            self.dismiss(None)
        elif event.key in ("down", "up", "pagedown", "pageup"):
            event.stop()
            scroll = self.query_one(VerticalScroll)
            {"down": scroll.scroll_down, "up": scroll.scroll_up,
             "pagedown": scroll.scroll_page_down, "pageup": scroll.scroll_page_up}[event.key](animate=False)
