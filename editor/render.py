"""Draw one row of text as Rich segments: tabs expanded, wide characters kept whole,
control characters never sent to the terminal, styles painted in layers.

Only the visible part of a line is sliced and styled, so a 100 KB line costs as much as
the width of the screen (plus one pass over the part left of it when it has tabs or wide
characters).
"""

from __future__ import annotations

from typing import Iterable, Sequence

from rich.segment import Segment
from rich.style import Style

from nxedit.model.text import char_width

# (start_col, end_col, style) in line columns; later paints go on top of earlier ones
Paint = tuple[int, int, Style]


def visible_cells(text: str, start: int, end: int, skip: int, width: int, tab_width: int) -> tuple[int, list[str]]:
    """The characters of ``text[start:end]`` that fall in cells ``[skip, skip + width)``
    of the row, as ``(first_col, pieces)``: one display string per character (a tab
    becomes spaces, a character cut by an edge becomes spaces, a control character
    becomes nothing)."""
    if text.isascii() and text.isprintable():
        c0 = min(start + skip, end)
        c1 = min(end, c0 + width)
        return c0, list(text[c0:c1])
    cell = _line_cell(text, start, tab_width)
    row_cell = 0
    first = None
    pieces: list[str] = []
    limit = skip + width
    for col in range(start, end):
        ch = text[col]
        if ch == "\t":
            w = tab_width - cell % tab_width
            shown = " " * w
        else:
            w = char_width(ch)
            shown = ch if ch.isprintable() else "·" * w
        left, right = row_cell, row_cell + w
        cell += w
        row_cell = right
        if right <= skip:
            continue
        if left >= limit:
            break
        if first is None:
            first = col
        if left < skip or right > limit:  # cut by an edge: the visible part as blanks
            shown = " " * (min(right, limit) - max(left, skip))
        pieces.append(shown)
    return (first if first is not None else end), pieces


def _line_cell(text: str, col: int, tab_width: int) -> int:
    cell = 0
    for ch in text[:col]:
        cell += tab_width - cell % tab_width if ch == "\t" else char_width(ch)
    return cell


def paint_styles(base: Style, first: int, count: int, layers: Iterable[Sequence[Paint]]) -> list[Style]:
    """A style per visible character: ``base`` with each layer's ranges added on top."""
    styles = [base] * count
    last = first + count
    for layer in layers:
        for start, end, style in layer:
            a, b = max(start, first), min(end, last)
            if a >= b:
                continue
            for i in range(a - first, b - first):
                styles[i] = styles[i] + style
    return styles


def render_text(
    text: str,
    start: int,
    end: int,
    skip: int,
    width: int,
    tab_width: int,
    base: Style,
    layers: Iterable[Sequence[Paint]] = (),
    cursor: int | None = None,
    cursor_style: Style | None = None,
    inline: Sequence[tuple[int, str, Style]] = (),
    eol_style: Style | None = None,
) -> list[Segment]:
    """Segments exactly ``width`` cells wide for columns ``[start, end)`` of ``text``,
    scrolled ``skip`` cells to the left.

    ``cursor`` is a column (``end`` itself draws a block after the text); ``inline`` puts
    text before a column; ``eol_style`` paints the cell after the text (a selected line
    ending).
    """
    first, pieces = visible_cells(text, start, end, skip, width, tab_width)
    styles = paint_styles(base, first, len(pieces), layers)
    if cursor is not None and cursor_style is not None and first <= cursor < first + len(pieces):
        styles[cursor - first] = styles[cursor - first] + cursor_style
    chars = list(zip(pieces, styles))
    at_end = first + len(pieces) == end
    if at_end:
        if cursor == end and cursor_style is not None:
            chars.append((" ", (eol_style or base) + cursor_style))
        elif eol_style is not None:
            chars.append((" ", eol_style))
    for col, shown, style in sorted(inline, key=lambda t: t[0], reverse=True):
        if first <= col <= first + len(pieces):
            chars.insert(col - first, (shown, style))
    segments: list[Segment] = []
    run_text: list[str] = []
    run_style: Style | None = None
    for shown, style in chars:
        if style is not run_style and style != run_style:
            if run_text:
                segments.append(Segment("".join(run_text), run_style))
            run_text, run_style = [], style
        run_text.append(shown)
    if run_text:
        segments.append(Segment("".join(run_text), run_style))
    used = sum(s.cell_length for s in segments)
    if used > width:
        segments = list(Segment.adjust_line_length(segments, width, base))
    elif used < width:
        segments.append(Segment(" " * (width - used), base))
    return segments
