"""The help screen: every command with its keys, straight from the command table."""

from __future__ import annotations

from rich.table import Table
from textual import events
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from nxedit.editor.commands import COMMANDS, key_label


def help_table(keys: dict[str, tuple[str, ...]]) -> Table:
    table = Table(box=None, show_header=True, header_style="bold", expand=True, padding=(0, 1))
    table.add_column("Keys", no_wrap=True)
    table.add_column("Command")
    table.add_column("Name", style="dim", no_wrap=True)
    # editing and app commands first, the plain cursor motions after them
    for command in sorted(COMMANDS, key=lambda c: not c.palette):
        bound = ", ".join(key_label(k) for k in keys.get(command.name, ()))
        title = command.title + (f" — {command.description}" if command.description else "")
        table.add_row(bound or "—", title, command.name)
    return table


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 96; height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, keys: dict[str, tuple[str, ...]], config_path: str) -> None:
        super().__init__()
        self.keys = keys
        self.config_path = config_path

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(f"[b]nxedit keys[/b]  (Esc closes; rebind in \\[keys] of {self.config_path})\n", markup=True)
            yield Static(help_table(self.keys))

    def on_key(self, event: events.Key) -> None:
        if event.key in ("escape", "f1", "q"):
            event.stop()
            self.dismiss(None)
