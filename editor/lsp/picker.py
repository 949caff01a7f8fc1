"""A list to pick from (references, diagnostics, code actions), in the command palette:
the items show in order, typing filters them fuzzily, Enter runs the chosen one."""

from __future__ import annotations

from typing import Callable, Iterable, Sequence

from textual.command import CommandPalette

from nxedit.editor.ui.palette import Item, _ItemsProvider

Entry = tuple[str, str, Callable[[], object]]  # text, help, what choosing it does


def pick(app, entries: Sequence[Entry], placeholder: str) -> None:
    """Show ``entries`` in a palette (the palette's own matching and keys)."""
    items: list[Item] = [(text, help, run, "") for text, help, run in entries]

    class Entries(_ItemsProvider):
        def items(self) -> Iterable[Item]:
            return items

    app.push_screen(CommandPalette(providers=[Entries], placeholder=placeholder))
