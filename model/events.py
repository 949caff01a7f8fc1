"""EditEvent: one semantic edit the user made (the recorder builds them from changes)."""

from __future__ import annotations

from dataclasses import dataclass

from .edits import Position

ORIGINS = ("typed", "paste", "undo", "redo", "suggestion", "reload")


@dataclass(frozen=True, slots=True)
class EditEvent:
    """A region of whole lines before and after one burst of editing.

    ``start_line`` is 0-based in the text as it was before the event; ``old_text`` are
    the region's lines then and ``new_text`` the lines that replaced them (endings kept),
    which is exactly a history hunk of the ``nxedit predict`` wire format.
    """

    path: str
    t_start: float
    t_end: float
    start_line: int
    old_text: str
    new_text: str
    cursor: Position
    origin: str = "typed"

    def to_hunk(self) -> dict:
        return {"start_line": self.start_line, "old_text": self.old_text, "new_text": self.new_text}
