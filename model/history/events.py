"""EditEvent: one semantic edit the user made (the recorder builds them from changes)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from nxedit.model.text.edits import Position
from nxedit.model.text.plain import split_lines, strip_eol

ORIGINS = ("typed", "paste", "undo", "redo", "suggestion", "reload")


@dataclass(frozen=True, slots=True)
class EditEvent:
    """A region of whole lines before and after one burst of editing.

    ``start_line`` is 0-based in the text as it was before the event; ``old_text`` are
    the region's lines then and ``new_text`` the lines that replaced them (endings kept),
    which is exactly a history hunk of the ``nxedit predict`` wire format.
    ``suggestion_id`` is the :class:`~nxedit.model.predict.suggestion.Suggestion` id when the
    event is an accepted suggestion (origin ``"suggestion"``); ``project`` is the root
    directory of the file's project (None for a buffer without a file).
    """

    path: str | None
    t_start: float
    t_end: float
    start_line: int
    old_text: str
    new_text: str
    cursor: Position
    origin: str = "typed"
    suggestion_id: int | None = None
    project: str | None = None

    def to_hunk(self) -> dict:
        return {"start_line": self.start_line, "old_text": self.old_text, "new_text": self.new_text}


def apply_hunk(text: str, hunk: dict) -> str:
    """Apply one history hunk to ``text`` (the text it was made against).

    Raises ``ValueError`` when the hunk's ``old_text`` is not what ``text`` has there.
    """
    lines = split_lines(text)
    start = hunk["start_line"]
    old = split_lines(hunk["old_text"])
    if not 0 <= start <= len(lines) or "".join(lines[start : start + len(old)]) != hunk["old_text"]:
        raise ValueError(f"history hunk at line {start} does not match the text")
    return "".join(lines[:start]) + hunk["new_text"] + "".join(lines[start + len(old) :])


def replay_hunks(text: str, hunks: list[dict]) -> str:
    """Apply history hunks in order (oldest first), as the wire format defines them."""
    for hunk in hunks:
        text = apply_hunk(text, hunk)
    return text


_HUNK_HEADER = re.compile(r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@")


def hunk_diff(hunk: dict, path: str = "file", context: int = 3) -> str:
    """A history hunk as a unified diff with the file's real line numbers (line endings
    normalised to ``\n``; the exact text stays in the hunk)."""
    old = [strip_eol(line) for line in split_lines(hunk["old_text"])]
    new = [strip_eol(line) for line in split_lines(hunk["new_text"])]
    offset = hunk["start_line"]
    out = []
    for line in difflib.unified_diff(old, new, f"a/{path}", f"b/{path}", n=context, lineterm=""):
        m = _HUNK_HEADER.match(line)
        if m:  # difflib numbers from the region's first line; shift to the file's
            line = f"@@ -{int(m[1]) + offset}{m[2] or ''} +{int(m[3]) + offset}{m[4] or ''} @@"
        out.append(line)
    return "\n".join(out) + "\n" if out else ""
