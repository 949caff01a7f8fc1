"""A window of the buffer around the cursor, so a prediction request costs the same on a
100,000-line file as on a 2,000-line one.

The structural engine parses all of a request's text and a model reads a few dozen lines
of it, so the editor sends lines ``[first, stop)`` around the cursor instead of the
whole buffer. History hunks are moved into the window's coordinates (the ones that do not
fit are left out) and a suggestion's lines are moved back.
"""

from __future__ import annotations

from dataclasses import dataclass

from nxedit.model.text.edits import LineEdit
from nxedit.model.text.plain import split_lines

RADIUS = 1000  # lines above and below the cursor: room for any prompt, a bounded parse


@dataclass(frozen=True, slots=True)
class RequestWindow:
    first: int  # first buffer line in the window
    stop: int  # one past its last line

    @classmethod
    def around(cls, line: int, line_count: int, radius: int = RADIUS) -> "RequestWindow":
        first = max(0, line - radius)
        return cls(first, min(line_count, max(line + radius + 1, first + 1)))

    def history(self, hunks: list[dict]) -> list[dict]:
        """The newest of ``hunks`` (wire format, oldest first) that lie inside the window,
        with window line numbers; older ones are dropped from the first that does not fit.

        A hunk is expressed against the text before it, so the window's end moves back
        through each newer hunk; its start stays put because every kept hunk is below it.
        """
        kept: list[dict] = []
        stop = self.stop
        for h in reversed(hunks):
            start = h["start_line"]
            n_old, n_new = len(split_lines(h["old_text"])), len(split_lines(h["new_text"]))
            if start < self.first or start + n_new > stop:
                break
            stop -= n_new - n_old
            kept.append({**h, "start_line": start - self.first})
        kept.reverse()
        return kept

    def to_buffer(self, edits: tuple[LineEdit, ...]) -> tuple[LineEdit, ...]:
        """Line edits against the window as line edits against the buffer."""
        if not self.first:
            return edits
        return tuple(LineEdit(e.start_line + self.first, e.end_line + self.first, e.new_text) for e in edits)
