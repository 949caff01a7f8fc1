"""A one-line text field that leaves Alt+letter keys to the commands.

A terminal sends Alt+R as ESC r, which Textual reads as the key "alt+r" carrying the
character "r"; Textual's Input types any key with a printable character, so in a plain
Input, Alt+R (regular expressions), Alt+C (match case) and Alt+A (replace all) would type
a letter instead of reaching the find bar, the project search or the app's key bindings.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class Field(Input):
    async def _on_key(self, event: events.Key) -> None:
        if event.key.startswith("alt+"):
            event.prevent_default()  # Input's own handler does not type it; the key bubbles on


__all__ = ["Field"]
