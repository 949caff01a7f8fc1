"""Cursor motions: where the cursor goes, as character offsets into a Document.

Pure functions: each takes a document and an offset and returns the new offset (vertical
motions also take and return the goal cell, the column the cursor tries to keep). They
move by characters, words, lines, pages and the whole file; line endings (``\\r\\n``
included) count as one step.
"""

from __future__ import annotations

from nxedit.model.text.document import Document
from nxedit.model.text.plain import cell_to_column, column_to_cell, is_word_char


def _kind(ch: str) -> int:
    """0 space, 1 word, 2 punctuation: a word motion stops where the kind changes."""
    if ch.isspace():
        return 0
    return 1 if is_word_char(ch) else 2


def char_left(doc: Document, offset: int) -> int:
    line, col = doc.position(offset)
    if col > 0:
        return offset - 1
    return doc.offset(line - 1, doc.line_length(line - 1)) if line > 0 else 0


def char_right(doc: Document, offset: int) -> int:
    line, col = doc.position(offset)
    if col < doc.line_length(line):
        return offset + 1
    return doc.offset(line + 1, 0) if line + 1 < doc.line_count else offset


def word_right(doc: Document, offset: int) -> int:
    """To the end of the next word (or run of punctuation); at a line's end, to the next line."""
    line, col = doc.position(offset)
    text = doc.line_text(line)
    if col >= len(text):
        return char_right(doc, offset)
    n = len(text)
    while col < n and text[col].isspace():
        col += 1
    if col < n:
        kind = _kind(text[col])
        while col < n and _kind(text[col]) == kind:
            col += 1
    return doc.offset(line, col)


def word_left(doc: Document, offset: int) -> int:
    """To the start of the previous word (or run of punctuation); at column 0, to the line above."""
    line, col = doc.position(offset)
    if col == 0:
        return char_left(doc, offset)
    text = doc.line_text(line)
    while col > 0 and text[col - 1].isspace():
        col -= 1
    if col > 0:
        kind = _kind(text[col - 1])
        while col > 0 and _kind(text[col - 1]) == kind:
            col -= 1
    return doc.offset(line, col)


def word_at(doc: Document, offset: int) -> tuple[int, int]:
    """The ``(start, end)`` offsets of the word (or punctuation run) at ``offset``."""
    line, col = doc.position(offset)
    text = doc.line_text(line)
    if not text:
        return offset, offset
    at = min(col, len(text) - 1)
    if col == len(text) or (not is_word_char(text[at]) and col > 0 and is_word_char(text[col - 1])):
        at = col - 1  # just after a word: take that word
    kind = _kind(text[at])
    start, end = at, at + 1
    while start > 0 and _kind(text[start - 1]) == kind:
        start -= 1
    while end < len(text) and _kind(text[end]) == kind:
        end += 1
    base = offset - col
    return base + start, base + end


def indentation(text: str) -> str:
    """The leading blanks of a line."""
    return text[: len(text) - len(text.lstrip(" \t"))]


def line_start(doc: Document, offset: int, smart: bool = True) -> int:
    """Home: to the first non-blank character, or to column 0 if already there."""
    line, col = doc.position(offset)
    first = len(indentation(doc.line_text(line)))
    target = first if smart and col != first else 0
    return doc.offset(line, target)


def line_end(doc: Document, offset: int) -> int:
    line, _ = doc.position(offset)
    return doc.offset(line, doc.line_length(line))


def doc_start(doc: Document, offset: int = 0) -> int:
    return 0


def doc_end(doc: Document, offset: int = 0) -> int:
    return len(doc)


def vertical(doc: Document, offset: int, lines: int, goal: int | None = None) -> tuple[int, int]:
    """``lines`` lines down (negative: up), keeping the goal cell; returns ``(offset, goal)``.

    Past the first line the cursor goes to the start of the file, past the last to its end.
    """
    line, col = doc.position(offset)
    tw = doc.tab_width
    if goal is None:
        goal = column_to_cell(doc.line_text(line), col, tw)
    target = line + lines
    if target < 0:
        return 0, goal
    if target >= doc.line_count:
        return len(doc), goal
    return doc.offset(target, cell_to_column(doc.line_text(target), goal, tw)), goal


def line_of(doc: Document, offset: int) -> int:
    return doc.position(offset)[0]
