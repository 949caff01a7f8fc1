"""Keys that a terminal sends but Textual reads as something else.

xterm (and tmux, which speaks xterm to the programs in it) sends F3 with modifiers as
``ESC [1;<m>R``: exactly a cursor position report for row 1, column <m>. Textual takes it
for one, so Shift+F3 (find previous) never arrived as a key. A full-screen app never asks
for its cursor position, so in it such a "report" is the key.
"""

from __future__ import annotations

# column of the report (0-based, as Textual gives it) -> the F3 that xterm meant
_F3_MODIFIERS = {1: "shift+f3", 2: "alt+f3", 3: "alt+shift+f3", 4: "ctrl+f3", 5: "ctrl+shift+f3"}


def key_of_cursor_report(x: int, y: int) -> str | None:
    """The key meant by a cursor position report at ``(x, y)`` (0-based), or None."""
    return _F3_MODIFIERS.get(x) if y == 0 else None
