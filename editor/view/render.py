"""Draw one row of text as Rich segments: tabs expanded, wide characters kept whole,
control characters never sent to the terminal, styles painted in layers.

Only the visible part of a line is sliced and styled, so a 100 KB line costs as much as
the width of the screen (plus one pass over the part left of it when it has tabs or wide
characters).
"""

from __future__ import annotations

from typing import Iterable, NamedTuple, Sequence

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from nxedit.model.text.plain import char_width

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
    """A style per visible character: ``base`` with each layer's ranges added on top.

    Characters painted alike share one Style object (each distinct sum is made once).
    """
    styles = [base] * count
    last = first + count
    for layer in layers:
        for start, end, style in layer:
            a, b = max(start, first), min(end, last)
            if a >= b:
                continue
            under = painted = None
            for i in range(a - first, b - first):
                if styles[i] is not under:
                    under = styles[i]
                    painted = under + style
                styles[i] = painted
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
    text before a column (the cursor at that column sits on its first character, since
    the text is not there yet); ``eol_style`` paints the cell after the text (a selected
    line ending).
    """
    first, pieces = visible_cells(text, start, end, skip, width, tab_width)
    count = len(pieces)
    styles = paint_styles(base, first, count, layers)
    on_inline = cursor is not None and any(col == cursor and shown for col, shown, _ in inline)
    if cursor_style is not None and not on_inline and cursor is not None and first <= cursor < first + count:
        styles[cursor - first] = styles[cursor - first] + cursor_style
    if first + count == end:
        if cursor == end and cursor_style is not None and not on_inline:
            pieces.append(" ")
            styles.append((eol_style or base) + cursor_style)
        elif eol_style is not None:
            pieces.append(" ")
            styles.append(eol_style)
    for col, shown, style in sorted(inline, key=lambda t: t[0], reverse=True):
        if first <= col <= first + count:
            at = col - first
            if col == cursor and shown and cursor_style is not None:
                pieces[at:at] = [shown[0], shown[1:]] if len(shown) > 1 else [shown]
                styles[at:at] = [style + cursor_style, style] if len(shown) > 1 else [style + cursor_style]
            else:
                pieces.insert(at, shown)
                styles.insert(at, style)
    # one segment per run of equal styles (runs of one Style object, then equal neighbours joined)
    cuts = [i for i in range(1, len(styles)) if styles[i] is not styles[i - 1]]
    segments: list[Segment] = []
    for a, b in zip([0, *cuts], [*cuts, len(styles)]) if styles else ():
        style = styles[a]
        if segments and segments[-1].style == style:
            segments[-1] = Segment(segments[-1].text + "".join(pieces[a:b]), style)
        else:
            segments.append(Segment("".join(pieces[a:b]), style))
    simple = text.isascii() and text.isprintable() and not inline
    used = len(pieces) if simple else sum(s.cell_length for s in segments)
    if used > width:
        segments = list(Segment.adjust_line_length(segments, width, base))
    elif used < width:
        segments.append(Segment(" " * (width - used), base))
    return segments


# -- whole rows ---------------------------------------------------------------------------


class TextRow(NamedTuple):
    """Everything one row of real text shows: what it draws from, and its cache key."""

    text: str  # the line, without its ending
    start: int  # the row's columns [start, end) (a wrap segment, or the whole line)
    end: int
    last: bool  # the line's last row: the cursor may sit after its text
    number: int  # line number in the gutter (1-based); 0 on continuation rows
    current: bool  # the cursor's line
    cursor: int | None
    selection: tuple[int, int] | None
    selected_eol: bool  # the selection runs on past this line's end
    spans: tuple  # syntax (start, end, scope)
    matches: tuple  # find matches (start, end)
    current_match: tuple[int, int] | None
    overlays: tuple  # (start, end, ui style name)
    inline: tuple  # (col, text, ui style name)
    skip: int  # cells scrolled off to the left
    width: int  # cells of the whole row, gutter included
    gutter: int
    theme: int


class VirtualRow(NamedTuple):
    text: str
    style: str  # ui style name
    skip: int
    width: int
    gutter: int
    theme: int


class BlankRow(NamedTuple):
    width: int
    gutter: int
    theme: int


class RowStyles:
    """The theme's styles as rows use them (looked up once, scopes cached)."""

    def __init__(self, theme) -> None:
        self.theme = theme
        self.ui = {name: theme.ui(name) for name in UI_STYLES}
        self.text = self.ui["text"]
        self.current_line = self.text + self.ui["line.current"]
        self._scopes: dict[str, Style] = {}

    def scope(self, name: str) -> Style:
        style = self._scopes.get(name)
        if style is None:
            style = self._scopes[name] = self.theme.syntax(name)
        return style

    def named(self, name: str, fallback: str) -> Style:
        return self.ui.get(name) or self.theme.ui(name) or self.ui[fallback]


UI_STYLES = (
    "text", "gutter", "gutter.current", "cursor", "selection", "line.current",
    "find.match", "find.current", "ghost.insert", "ghost.delete", "ghost.marker", "ghost.hint",
)


def draw_row(row: TextRow | VirtualRow | BlankRow, styles: RowStyles, tab_width: int) -> Strip:
    """The strip for one screen row (gutter included)."""
    ui = styles.ui
    if isinstance(row, BlankRow):
        return Strip([Segment(" " * row.gutter, ui["gutter"]), Segment(" " * (row.width - row.gutter), styles.text)],
                     row.width)
    gutter = [Segment(" " * row.gutter, ui["gutter"])]
    if isinstance(row, VirtualRow):
        style = styles.text + styles.named(row.style, "ghost.insert")
        body = render_text(row.text, 0, len(row.text), row.skip, row.width - row.gutter, tab_width, style)
        return Strip(gutter + body, row.width)
    base = styles.current_line if row.current else styles.text
    if row.number:
        number_style = ui["gutter.current"] if row.current else ui["gutter"]
        gutter = [Segment(f" {row.number:>{row.gutter - 2}} ", number_style)]
    layers: list[list[Paint]] = [[(s, e, styles.scope(scope)) for s, e, scope in row.spans]]
    if row.overlays:
        layers.append([(s, e, styles.named(name, "ghost.delete")) for s, e, name in row.overlays])
    if row.matches:
        layers.append([(s, e, ui["find.match"]) for s, e in row.matches])
    if row.selection:
        layers.append([(*row.selection, ui["selection"])])
    if row.current_match:  # over the selection: find selects the match it jumps to
        layers.append([(*row.current_match, ui["find.current"])])
    body = render_text(
        row.text, row.start, row.end, row.skip, row.width - row.gutter, tab_width, base, layers,
        cursor=row.cursor, cursor_style=ui["cursor"],
        inline=[(col, text, base + styles.named(name, "ghost.insert")) for col, text, name in row.inline],
        eol_style=base + ui["selection"] if row.selected_eol else None,
    )
    return Strip(gutter + body, row.width)
