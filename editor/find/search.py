"""Find and replace over a Document: plain-text queries, smart case.

A query is matched literally; it ignores case unless it contains an upper-case letter.
Finding the next match scans the text from the cursor (a user action, not per key);
highlighting asks only for the lines on screen.
"""

from __future__ import annotations

import re

from nxedit.model.text.changeset import ChangeSet
from nxedit.model.text.document import Document

from nxedit.editor.buffer import Buffer, Selection


def compile_query(query: str) -> re.Pattern[str] | None:
    """The pattern for a literal query (None for an empty one); smart case."""
    if not query:
        return None
    flags = 0 if any(ch.isupper() for ch in query) else re.IGNORECASE
    return re.compile(re.escape(query), flags)


def line_matches(doc: Document, first: int, last: int, pattern: re.Pattern[str]) -> dict[int, list[tuple[int, int]]]:
    """Column ranges of the matches on lines ``[first, last)`` (lines without one are left out)."""
    out: dict[int, list[tuple[int, int]]] = {}
    for line in range(max(first, 0), min(last, doc.line_count)):
        spans = [m.span() for m in pattern.finditer(doc.line_text(line)) if m.end() > m.start()]
        if spans:
            out[line] = spans
    return out


class Finder:
    """Searches one document, reusing its joined text while the document is unchanged."""

    def __init__(self) -> None:
        self._version: tuple[int, int] | None = None
        self._text = ""

    def text(self, doc: Document) -> str:
        key = (id(doc), doc.version)
        if key != self._version:
            self._text, self._version = doc.text, key
        return self._text

    def find(
        self, doc: Document, pattern: re.Pattern[str], offset: int, backwards: bool = False
    ) -> tuple[int, int] | None:
        """The next match at or after ``offset`` (before it when ``backwards``), wrapping
        around the end of the file; None when there is none."""
        text = self.text(doc)
        if not backwards:
            m = pattern.search(text, offset) or pattern.search(text, 0)
            return m.span() if m else None
        last = None
        for m in pattern.finditer(text, 0, offset):
            last = m
        if last is None:
            for m in pattern.finditer(text, offset):
                last = m
        return last.span() if last else None

    def rank(self, doc: Document, pattern: re.Pattern[str], start: int) -> tuple[int, int]:
        """``(n, total)``: the match starting at ``start`` is the n-th (1-based) of ``total``."""
        starts = [m.start() for m in pattern.finditer(self.text(doc))]
        return sum(1 for s in starts if s <= start), len(starts)


def replace_current(buf: Buffer, pattern: re.Pattern[str], replacement: str) -> bool:
    """Replace the selection if it is a match; returns whether it was."""
    sel = buf.selection
    doc = buf.document
    if sel.is_empty:
        return False
    line, col = doc.position(sel.start)
    end_line, end_col = doc.position(sel.end)
    if end_line != line or not pattern.fullmatch(doc.line_text(line), col, end_col):
        return False
    buf.history.seal()
    changes = ChangeSet.from_edits(len(doc), [(sel.start, sel.end, replacement)])
    buf.edit(changes, Selection.cursor(sel.start + len(replacement)), origin="command")
    buf.history.seal()
    return True


def replace_all(buf: Buffer, pattern: re.Pattern[str], replacement: str, finder: Finder | None = None) -> int:
    """Replace every match in one undo step; returns how many were replaced."""
    doc = buf.document
    text = (finder or Finder()).text(doc)
    edits = [(m.start(), m.end(), replacement) for m in pattern.finditer(text) if m.end() > m.start()]
    if edits:
        buf.history.seal()
        buf.edit(ChangeSet.from_edits(len(doc), edits), origin="command")
        buf.history.seal()
    return len(edits)
