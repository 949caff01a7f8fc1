"""A list to pick from (references, diagnostics, code actions), in the command palette:
the items show in order, typing filters them fuzzily, Enter runs the chosen one."""

from __future__ import annotations

from typing import Iterable, Sequence

from textual.command import CommandPalette

from nxedit.editor.ui.palette import Item, _ItemsProvider


def pick(app, entries: Sequence[Item], placeholder: str) -> None:
    """Show ``entries`` (text, help, callback) in a palette."""

    class Entries(_ItemsProvider):
        def items(self) -> Iterable[Item]:
            return entries

    app.push_screen(CommandPalette(providers=[Entries], placeholder=placeholder))
