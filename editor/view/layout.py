"""Screen rows of the view: which real line, wrap segment or virtual row each row shows.

Pure functions over a Document; they only ever look at the lines near the viewport, so
laying out a screen costs the same on a 100-line file as on a 100,000-line one (a line
longer than the screen is wrapped once and the result cached).
"""

from __future__ import annotations

from bisect import bisect_right
from functools import lru_cache
from typing import Callable, NamedTuple

from nxedit.model.text.document import Document
from nxedit.model.text.plain import char_width

from .layers import Annotation, LineAnnotations


class Row(NamedTuple):
    """One screen row: columns ``[start, end)`` of ``line`` (``end`` None = to its end),
    or, when ``virtual`` is set, that virtual row (drawn after or before ``line``)."""

    line: int
    start: int = 0
    end: int | None = None
    virtual: Annotation | None = None


@lru_cache(maxsize=4096)
def wrap_starts(text: str, width: int, tab_width: int) -> tuple[int, ...]:
    """The columns where each wrapped row of ``text`` starts (the first is 0).

    Rows break after the last space that fits, or mid-word when a word is wider than the
    row; every row fits in ``width`` cells.
    """
    width = max(width, 2)
    starts = [0]
    n = len(text)
    if text.isascii() and text.isprintable():  # one cell per character: no walk needed
        pos = 0
        while n - pos > width:
            limit = pos + width
            space = text.rfind(" ", pos + 1, limit)
            pos = space + 1 if space != -1 else limit
            starts.append(pos)
        return tuple(starts)
    cell = 0  # cell within the current row
    col_cell = 0  # cell within the line (tab stops are counted from the line start)
    last_space = -1
    after_space = 0  # col_cell just after last_space
    row_start = 0
    i = 0
    while i < n:
        ch = text[i]
        w = tab_width - col_cell % tab_width if ch == "\t" else char_width(ch)
        if cell + w > width and i > row_start:
            if last_space >= row_start:
                row_start, col_cell = last_space + 1, after_space
            else:
                row_start = i
            starts.append(row_start)
            last_space = -1
            cell = 0
            i = row_start
            continue
        cell += w
        col_cell += w
        if ch == " ":
            last_space, after_space = i, col_cell
        i += 1
    return tuple(starts)


def line_rows(doc: Document, line: int, wrap_width: int | None, annotations: LineAnnotations | None) -> list[Row]:
    """The rows one line takes: virtual rows above, its wrap segments, virtual rows below."""
    rows = [Row(line, virtual=a) for a in annotations.above] if annotations else []
    if wrap_width:
        starts = wrap_starts(doc.line_text(line), wrap_width, doc.tab_width)
        last = len(starts) - 1
        rows.extend(Row(line, s, starts[i + 1] if i < last else None) for i, s in enumerate(starts))
    else:
        rows.append(Row(line))
    if annotations:
        rows.extend(Row(line, virtual=a) for a in annotations.below)
    return rows


Annotated = Callable[[int], LineAnnotations | None]


def layout(
    doc: Document, top: int, subrow: int, height: int, wrap_width: int | None, annotated: Annotated | None
) -> list[Row]:
    """The rows of a screen ``height`` rows tall whose first row is row ``subrow`` of line
    ``top`` (``annotated`` None: no line has annotations)."""
    if wrap_width is None and annotated is None and not subrow:  # one row per line (typing's case)
        return [Row(line) for line in range(top, min(top + height, doc.line_count))]
    annotated = annotated or (lambda line: None)
    rows: list[Row] = []
    line = top
    while len(rows) < height + subrow and line < doc.line_count:
        rows.extend(line_rows(doc, line, wrap_width, annotated(line)))
        if line == top:
            del rows[:subrow]
            subrow = 0
        line += 1
    return rows[:height]


def segment_index(starts: tuple[int, ...], col: int) -> int:
    """Which wrap segment column ``col`` is drawn on (the end of a row's text stays on it)."""
    return max(0, bisect_right(starts, col) - 1)
