"""EditorView: the buffer on screen, our own Line-API widget (``render_line(y) -> Strip``).

Only the rows on screen are laid out and drawn. A *frame* (the visible rows, their
highlight spans, find matches and layer annotations) is rebuilt when the text, the scroll
position, the size or a layer changes. Each row is described by a small value
(:class:`render.TextRow`) that is also its cache key; after a keystroke only the rows whose
description changed are repainted. An edit within lines (typing) patches the frame and the
descriptions of the lines it touched instead of rebuilding them for the whole screen. Nothing here walks the whole file: the virtual size
comes from ``Document.line_count`` and ``Document.max_width`` (kept per edit, measured
once after the first paint), and soft wrap is computed for visible lines only. A row with
a gutter marker or a label (layer annotations) is described by :class:`Decorated`, which
wraps the row's own description.

Scrolling: ``scroll_y`` is the first visible *line*; ``subrow`` says which of its rows
(wrap segments, virtual rows) is on top, so a line taller than the screen still scrolls.
"""

from __future__ import annotations

import asyncio
import re
from itertools import chain
from typing import Callable, NamedTuple, Protocol

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.actions import parse as parse_action
from textual.binding import Binding, BindingsMap
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from nxedit.model.text.plain import cell_to_column, column_to_cell, display_width

from . import editing, motion
from nxedit.editor.buffer import Buffer, BufferEdit, Selection
from .layers import Annotation, Layer, LineAnnotations, group_by_line
from .layout import Row, layout, line_rows, segment_index, wrap_starts
from .render import BlankRow, RowStyles, TextRow, VirtualRow, draw_row
from nxedit.editor.find.search import line_matches


class ThemeLike(Protocol):
    name: str

    def ui(self, name: str) -> Style: ...

    def syntax(self, scope: str) -> Style: ...


class HighlighterLike(Protocol):
    version: int
    on_update: Callable[[], None] | None

    def line_spans(self, first: int, last: int) -> list[list[tuple[int, int, str]]]: ...


class _Geometry(NamedTuple):
    """The view's size and scroll position, read from Textual once per paint."""

    width: int  # content cells, scrollbars excluded
    height: int
    gutter: int
    top: int  # first line shown
    skip: int  # cells scrolled off to the left (0 with soft wrap)
    wrap: int | None  # wrap width, None without soft wrap

    @property
    def text_width(self) -> int:
        return max(1, self.width - self.gutter)


class _Frame:
    """What the visible window shows, rebuilt when ``key`` changes."""

    __slots__ = ("key", "rows", "spans", "notes", "matches", "labels", "edited", "expect")

    def __init__(self, key: tuple, rows: list[Row], notes: dict[int, LineAnnotations]) -> None:
        self.key = key
        self.rows = rows
        self.notes = notes
        self.spans: dict[int, tuple] = {}
        self.matches: dict[int, tuple] = {}
        self.labels: dict[int, tuple[str, str]] = {}  # screen row -> (text, ui style)
        self.edited: set[int] = set()  # lines edited since: patch them in (see _get_frame)
        self.expect: tuple | None = None  # the key's versions once the edits are patched in


class Decorated(NamedTuple):
    """A row with a gutter marker, a sign or a label over its right end (layer annotations)."""

    row: TextRow | VirtualRow | BlankRow
    marker: str
    marker_style: str
    label: str
    label_style: str
    sign: str = ""  # the gutter's last cell, beside the text (changes since the last commit)
    sign_style: str = ""


def place_labels(labels: list[Annotation], rows: list[Row], height: int) -> dict[int, tuple[str, str]]:
    """Screen rows for "label" annotations: their line's first row, or the top or bottom
    edge (with the line number) when the line is off screen."""
    placed: dict[int, tuple[str, str]] = {}
    for a in labels:
        y = next((i for i, r in enumerate(rows) if r.line == a.line and r.virtual is None), None)
        if y is None and rows:
            y = 0 if a.line < rows[0].line else height - 1
            placed[y] = (f"{a.text.rstrip()} to line {a.line + 1} ", a.style)
        elif y is not None:
            placed[y] = (a.text, a.style)
    return placed


def decorate(strip: Strip, spec: Decorated, styles: RowStyles, width: int) -> Strip:
    """``strip`` with the marker in its first cell, the sign in the gutter's last one and
    the label over its right end."""
    if spec.sign and spec.row.gutter >= 2:
        at = spec.row.gutter - 1
        style = styles.ui["gutter"] + styles.named(spec.sign_style, "gutter")
        strip = Strip.join([strip.crop(0, at), Strip([Segment(spec.sign, style)], 1), strip.crop(at + 1, width)])
    if spec.marker:
        style = styles.ui["gutter"] + styles.named(spec.marker_style, "ghost.marker")
        marker = Strip([Segment(spec.marker, style)], 1)
        strip = Strip.join([marker, strip.crop(1, width)])
    if spec.label:
        n = min(cell_len(spec.label), width)
        style = styles.text + styles.named(spec.label_style, "ghost.hint")
        label = Strip([Segment(spec.label, style)]).crop(0, n)
        strip = Strip.join([strip.crop(0, width - n), label])
    return strip


class _Place(NamedTuple):
    """Where a buffer was scrolled, remembered while another buffer is shown."""

    x: float = 0
    y: float = 0
    subrow: int = 0


class EditorView(ScrollView, can_focus=True):
    """Shows and edits one Buffer at a time (switch with :meth:`show`)."""

    DEFAULT_CSS = """
    EditorView {
        height: 1fr;
        width: 1fr;
        scrollbar-size: 1 1;
    }
    """

    def __init__(
        self,
        theme: ThemeLike,
        *,
        tab_width: int = 4,
        soft_wrap: bool = False,
        bindings: list[Binding] | None = None,
        id: str | None = None,
    ):
        super().__init__(id=id)
        if bindings is not None:  # from the command table, with the user's keys applied
            self._bindings = BindingsMap(bindings)
        self.buffer = Buffer("", tab_width=tab_width)
        self.highlighter: HighlighterLike | None = None
        self.tab_width = tab_width
        self.soft_wrap = soft_wrap
        self.text_layers: list[Layer] = []
        self.find_pattern: re.Pattern[str] | None = None
        self.current_match: tuple[int, int] | None = None
        self.subrow = 0
        # called after every cursor, selection or text change (the status line, later the predictor)
        self.state_listeners: list[Callable[[], None]] = []
        self._places: dict[int, _Place] = {}
        self._geometry: _Geometry | None = None
        self._frame: _Frame | None = None
        self._strips: LRUCache[tuple, Strip] = LRUCache(1024)
        self._drawn: dict[int, tuple] = {}  # screen row -> the row description last drawn there
        self._repaint_pending = False
        self._sel_key: tuple | None = None
        self._sel_lines: tuple[int, int, int, int] = (0, 0, 0, 0)
        self._specs: list[tuple] = []
        self._specs_key: tuple | None = None
        self._specs_selected: tuple[int, int, int, int] = (0, 0, 0, 0)
        self._respec: set[int] = set()  # lines whose rows' descriptions must be made again
        self._setting_scroll = False
        self._dragging = False
        self._max_width_known = False
        self._measuring = False
        self._language: str | None = None
        self._scroll_pending: bool | None = None
        self.set_theme(theme)

    # -- commands (bound from the command table; the app runs them) --------------------

    def action_command(self, name: str) -> None:
        self.app.run_command(name)  # type: ignore[attr-defined]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "command" and parameters:
            return self.app.command_enabled(str(parameters[0]))  # type: ignore[attr-defined]
        return True

    # -- what is shown ----------------------------------------------------------------

    def set_theme(self, theme: ThemeLike) -> None:
        self.theme = theme
        self.styles_for_rows = RowStyles(theme)
        self._theme_gen = id(self.styles_for_rows)
        self._invalidate()

    def show(self, buffer: Buffer, highlighter: HighlighterLike | None = None) -> None:
        """Display ``buffer`` (its scroll position is remembered per buffer)."""
        if buffer is self.buffer and highlighter is self.highlighter:
            return
        old = self.buffer
        self._places[id(old)] = _Place(self.scroll_x, self.scroll_y, self.subrow)
        if self._on_edit in old.listeners:
            old.listeners.remove(self._on_edit)
        self.buffer = buffer
        buffer.document.tab_width = self.tab_width
        buffer.listeners.append(self._on_edit)
        self.set_highlighter(highlighter)
        self._max_width_known = False
        self._update_virtual_size()
        place = self._places.pop(id(buffer), _Place())
        self._set_scroll(place.x, place.y, place.subrow)
        self._invalidate()
        self._state_changed()

    def set_highlighter(self, highlighter: HighlighterLike | None) -> None:
        """Colour the shown buffer with ``highlighter`` (None: plain text)."""
        if self.highlighter is not None and self.highlighter.on_update == self._highlights_changed:
            self.highlighter.on_update = None
        self.highlighter = highlighter
        if highlighter is not None:
            highlighter.on_update = self._highlights_changed
        self.refresh_layers()

    def forget(self, buffer: Buffer) -> None:
        """Drop what the view remembers of a closed buffer."""
        self._places.pop(id(buffer), None)
        if self._on_edit in buffer.listeners:
            buffer.listeners.remove(self._on_edit)

    def add_layer(self, layer: Layer) -> None:
        self.text_layers.append(layer)
        self.refresh_layers()

    def remove_layer(self, layer: Layer) -> None:
        if layer in self.text_layers:
            self.text_layers.remove(layer)
            self.refresh_layers()

    def refresh_layers(self) -> None:
        """A layer's annotations or the highlights changed: repaint what differs."""
        self._frame = None
        self.repaint()

    def set_find(self, pattern: re.Pattern[str] | None, current: tuple[int, int] | None = None) -> None:
        """Highlight matches of ``pattern`` on screen; ``current`` is the selected one."""
        self.find_pattern = pattern
        self.current_match = current
        self._frame = None
        self.repaint()

    @property
    def wrapping(self) -> bool:
        """Soft wrap is on and the shown buffer allows it (a huge line turns it off: limits.py)."""
        limits = self.buffer.limits
        return self.soft_wrap and not (limits is not None and limits.no_wrap)

    def limits_changed(self) -> None:
        """The shown buffer crossed a limit: lay the screen out again."""
        self._geometry = None
        self.subrow = 0
        self._update_virtual_size()
        self._invalidate()
        self.scroll_to_cursor()

    def set_soft_wrap(self, on: bool) -> None:
        self.soft_wrap = on
        self.subrow = 0
        self._geometry = None
        self._update_virtual_size()
        if on:
            self._set_scroll(0, self.scroll_y, 0)
        self._invalidate()
        self.scroll_to_cursor()

    # -- geometry ---------------------------------------------------------------------

    def geometry(self) -> _Geometry:
        """Size and scroll position (cached: Textual's properties are slow to read)."""
        geom = self._geometry
        if geom is None:
            region = self.scrollable_content_region
            gutter = max(3, len(str(self.buffer.document.line_count))) + 2
            wrap = max(2, region.width - gutter - 1) if self.wrapping else None  # a cell for the cursor
            skip = 0 if self.wrapping else int(self.scroll_x)
            geom = self._geometry = _Geometry(region.width, max(1, region.height), gutter, int(self.scroll_y), skip, wrap)
        return geom

    @property
    def page_height(self) -> int:
        return self.geometry().height

    @property
    def top_line(self) -> int:
        return self.geometry().top

    def _update_virtual_size(self) -> None:
        doc = self.buffer.document
        geom = self.geometry()
        gutter = max(3, len(str(doc.line_count))) + 2
        if gutter != geom.gutter:
            self._geometry = None
        if self.wrapping:
            width = geom.width
        elif self._max_width_known:
            # rounded up, so typing at the end of the longest line rarely resizes (a full repaint)
            width = gutter + (doc.max_width // 32 + 1) * 32
        else:  # the widest line is measured after the first paint (that reads every line)
            width = geom.width
        size = Size(width, doc.line_count + max(geom.height - 1, 0))
        if size != self.virtual_size:
            # Not ``self.virtual_size = size``: that lays out the whole screen (~10 ms, on
            # every Enter). The scrollbars are updated instead, as Textual does after a
            # layout; one that appears or goes still asks for a layout itself.
            self.set_reactive(ScrollView.virtual_size, size)
            if self.is_mounted:
                self._scroll_update(size)
            self._geometry = None

    def _measure_width(self) -> None:
        self._measuring = False
        if not self._max_width_known:
            self._max_width_known = True
            self._update_virtual_size()

    def on_resize(self, event: events.Resize) -> None:
        self._geometry = None
        self._update_virtual_size()
        self._invalidate()
        if self._scroll_pending is not None:
            center, self._scroll_pending = self._scroll_pending, None
            self.scroll_to_cursor(center=center)

    def render_lines(self, crop: Region) -> list[Strip]:
        self._geometry = None  # read the size and scroll position once per paint
        lines = super().render_lines(crop)
        if not self._max_width_known and not self._measuring:
            # soon after the first paint (and after the colours): it reads every line
            self._measuring = True
            self.set_timer(0.3, self._measure_width)
        return lines

    # -- invalidation and repaint -----------------------------------------------------

    def _invalidate(self) -> None:
        """Everything may look different (theme, buffer, size): repaint all rows."""
        self._frame = None
        self._geometry = None
        self._drawn.clear()
        self.refresh()

    def repaint(self) -> None:
        """Repaint, soon, the rows whose description changed (once per batch of changes)."""
        if not self._repaint_pending:
            self._repaint_pending = True
            self.call_later(self._repaint_changed_rows)

    def _repaint_changed_rows(self) -> None:
        self._repaint_pending = False
        if not self.is_mounted:
            return
        geom = self.geometry()
        drawn = self._drawn
        specs = self._row_specs()
        dirty = [y for y, spec in enumerate(specs) if drawn.get(y) != spec]
        while dirty:  # one region per run of consecutive rows
            first = last = dirty.pop(0)
            while dirty and dirty[0] == last + 1:
                last = dirty.pop(0)
            super().refresh(Region(0, first, geom.width, last - first + 1))

    def _on_edit(self, event: BufferEdit) -> None:
        frame = self._frame
        hl = self.highlighter
        if (frame is not None and not self.wrapping and not frame.notes
                and all(c.within_line for c in event.changes)):
            # no line moved (typing): the highlighter re-colours just these lines, so the
            # frame can take them in (the highlighter has already seen the edit)
            frame.edited.update(c.start_line for c in event.changes)
            frame.expect = (event.version, hl.version if hl else None)
        else:
            self._frame = None
        self._update_virtual_size()
        self.repaint()

    def on_mount(self) -> None:
        self._loop = asyncio.get_running_loop()

    def _highlights_changed(self) -> None:
        """Called by the highlighter, from its worker thread: new colours (or language).
        Never blocks that thread; the redraw happens on the UI thread."""
        loop = getattr(self, "_loop", None)
        if loop is not None:
            try:
                loop.call_soon_threadsafe(self._highlights_arrived)
            except RuntimeError:  # the app has closed: nothing to redraw
                pass

    def _highlights_arrived(self) -> None:
        self.refresh_layers()
        language = getattr(self.highlighter, "language", None)
        if language != self._language:  # detected late (from the content): the status line shows it
            self._language = language
            for listener in self.state_listeners:
                listener()

    def _state_changed(self) -> None:
        self.repaint()
        for listener in self.state_listeners:
            listener()

    # -- scrolling --------------------------------------------------------------------

    def _set_scroll(self, x: float | None, y: float | None, subrow: int) -> None:
        self._setting_scroll = True
        try:
            self.scroll_to(x, y, animate=False, immediate=True, force=True)
        finally:
            self._setting_scroll = False
        self._geometry = None
        new_subrow = subrow if y is None or int(self.scroll_y) == int(y) else 0
        if new_subrow != self.subrow:
            self.subrow = new_subrow
            self.refresh()
        self._frame = None

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if not self._setting_scroll:
            self.subrow = 0  # the user scrolled: whole lines from here
        self._geometry = None
        self._frame = None

    def watch_scroll_x(self, old: float, new: float) -> None:
        super().watch_scroll_x(old, new)
        self._geometry = None
        self._frame = None

    def _annotated(self, first: int, last: int) -> Callable[[int], LineAnnotations | None]:
        if not self.text_layers:
            return lambda line: None
        return group_by_line(chain.from_iterable(layer.annotations(first, last) for layer in self.text_layers)).get

    def _rows_of(self, line: int, annotated) -> list[Row]:
        return line_rows(self.buffer.document, line, self.geometry().wrap, annotated(line))

    @staticmethod
    def _cursor_row(col: int, rows: list[Row]) -> int:
        for i, row in enumerate(rows):
            if row.virtual is None and row.start <= col and (row.end is None or col < row.end):
                return i
        return 0

    def scroll_to_cursor(self, center: bool = False) -> None:
        """Scroll so the cursor is on screen (in the middle when ``center``)."""
        if not self.is_mounted or not self.size.height:
            self._scroll_pending = center or self._scroll_pending  # done once laid out
            return
        doc = self.buffer.document
        line, col = doc.position(self.buffer.selection.head)
        geom = self.geometry()
        height = geom.height
        top, sub = geom.top, self.subrow
        annotated = self._annotated(max(0, line - height), line + height)
        idx = self._cursor_row(col, self._rows_of(line, annotated))
        new_top: tuple[int, int] | None = None
        if center and not self._row_visible(line, idx, annotated):
            new_top = self._top_above(line, idx, height // 2, annotated)
        elif (line, idx) < (top, sub):
            new_top = (line, idx)
        elif not center and not self._row_visible(line, idx, annotated):
            new_top = self._top_above(line, idx, height - 1, annotated)
        x = None
        if not self.wrapping:
            cell = column_to_cell(doc.line_text(line), col, doc.tab_width)
            width = geom.text_width
            if cell < geom.skip:
                x = max(0, cell - width // 4)
            elif cell >= geom.skip + width:
                x = cell - width + 1 + width // 4
                if not self._max_width_known:
                    self._measure_width()  # room to scroll into
        if new_top is not None and new_top == (top, sub):
            new_top = None
        if new_top is not None or x is not None:
            self._set_scroll(x, new_top[0] if new_top else None, new_top[1] if new_top else self.subrow)

    def _row_visible(self, line: int, idx: int, annotated) -> bool:
        """Is row ``idx`` of ``line`` on screen now?"""
        geom = self.geometry()
        if (line, idx) < (geom.top, self.subrow) or line - geom.top > geom.height:
            return False
        if geom.wrap is None and not self.text_layers:  # one row per line: no need to lay them out
            return line - geom.top < geom.height
        seen = -self.subrow
        for ln in range(geom.top, line):
            seen += len(self._rows_of(ln, annotated))
            if seen > geom.height:
                return False
        return seen + idx < geom.height

    def _top_above(self, line: int, idx: int, rows_above: int, annotated) -> tuple[int, int]:
        """The top (line, subrow) that puts row ``idx`` of ``line`` ``rows_above`` rows down."""
        if idx >= rows_above:
            return line, idx - rows_above
        remaining = rows_above - idx
        ln = line - 1
        while ln >= 0:
            n = len(self._rows_of(ln, annotated))
            if n >= remaining:
                return ln, n - remaining
            remaining -= n
            ln -= 1
        return 0, 0

    # -- frame and rows ---------------------------------------------------------------

    def _get_frame(self) -> _Frame:
        doc = self.buffer.document
        hl = self.highlighter
        geom = self.geometry()
        key = (
            id(self.buffer), geom, self.subrow, tuple(layer.version for layer in self.text_layers),
            self.find_pattern, doc.version, hl.version if hl else None,
        )
        frame = self._frame
        if frame is not None and frame.key == key:
            return frame
        if frame is not None and frame.expect == key[5:] and frame.key[:5] == key[:5]:
            return self._patch_frame(frame, key)
        top = min(geom.top, doc.line_count - 1)
        first, last = top, min(doc.line_count, top + geom.height + 1)
        notes: dict[int, LineAnnotations] = {}
        labels: list[Annotation] = []
        if self.text_layers:
            found = list(chain.from_iterable(layer.annotations(first, last) for layer in self.text_layers))
            labels = [a for a in found if a.kind == "label"]
            notes = group_by_line(found)
        rows = layout(doc, top, self.subrow, geom.height, geom.wrap, notes.get if notes else None)
        last = (rows[-1].line + 1) if rows else first
        frame = _Frame(key, rows, notes=notes)
        if labels:
            frame.labels = place_labels(labels, rows, geom.height)
        if hl is not None:
            for line, spans in enumerate(hl.line_spans(first, last), first):
                if spans:
                    frame.spans[line] = tuple(spans)
        if self.find_pattern is not None:
            frame.matches = {ln: tuple(m) for ln, m in line_matches(doc, first, last, self.find_pattern).items()}
        self._frame = frame
        return frame

    def _patch_frame(self, frame: _Frame, key: tuple) -> _Frame:
        """The frame after edits within the lines in ``frame.edited``: their spans and matches
        are fetched again; their rows' descriptions are remade by :meth:`_row_specs`."""
        first, last = frame.rows[0].line, frame.rows[-1].line + 1
        hl = self.highlighter
        # the whole window, as a full rebuild asks: the highlighter re-colours only what it lacks
        window = hl.line_spans(first, last) if hl is not None and frame.edited else []
        for line in frame.edited:
            if first <= line < last:
                frame.spans[line] = tuple(window[line - first]) if window else ()
                if self.find_pattern is not None:
                    found = line_matches(self.buffer.document, line, line + 1, self.find_pattern)
                    frame.matches[line] = tuple(found.get(line, ()))
        self._respec.update(frame.edited)
        frame.edited.clear()
        frame.key, frame.expect = key, None
        return frame

    def _selection_lines(self) -> tuple[int, int, int, int]:
        """Selection start and end as (line, col, line, col), cached per selection."""
        sel = self.buffer.selection
        key = (id(self.buffer), self.buffer.version, sel.anchor, sel.head)
        if key != self._sel_key:
            doc = self.buffer.document
            self._sel_lines = (*doc.position(sel.start), *doc.position(sel.end))
            self._sel_key = key
        return self._sel_lines

    def _row_spec(self, frame: _Frame, y: int, geom: _Geometry) -> tuple:
        """The description (and cache key) of screen row ``y``."""
        spec = self._plain_row_spec(frame, y, geom)
        label = frame.labels.get(y) if frame.labels else None
        row = frame.rows[y] if y < len(frame.rows) else None
        notes = frame.notes.get(row.line) if frame.notes and row and row.virtual is None and not row.start else None
        gutter = notes.gutter if notes else ()
        marker = next((a for a in gutter if a.col == 0), None)
        sign = next((a for a in gutter if a.col != 0), None)  # col -1: the cell beside the text
        if label is None and marker is None and sign is None:
            return spec
        return Decorated(spec, marker.text if marker else "", marker.style if marker else "",
                         *(label or ("", "")), sign.text if sign else "", sign.style if sign else "")

    def _plain_row_spec(self, frame: _Frame, y: int, geom: _Geometry) -> tuple:
        if y >= len(frame.rows):
            return BlankRow(geom.width, geom.gutter, self._theme_gen)
        row = frame.rows[y]
        if row.virtual is not None:
            note = row.virtual
            return VirtualRow(note.text, note.style, geom.skip, geom.width, geom.gutter, self._theme_gen)
        doc = self.buffer.document
        line = row.line
        text = doc.line_text(line)
        last = row.end is None
        end = len(text) if last else row.end
        l0, c0, l1, c1 = self._selection_lines()
        sel = self.buffer.selection
        cursor_line, cursor_col = (l1, c1) if sel.head >= sel.anchor else (l0, c0)
        current = line == cursor_line
        cursor = None
        if current and row.start <= cursor_col and (cursor_col < end or last):
            cursor = cursor_col
        selection = None
        selected_eol = False
        if (l0, c0) != (l1, c1) and l0 <= line <= l1:
            selection = (c0 if line == l0 else 0, c1 if line == l1 else len(text))
            selected_eol = line < l1 and last
        current_match = None
        if self.current_match is not None:
            (m0, mc0), (m1, mc1) = doc.position(self.current_match[0]), doc.position(self.current_match[1])
            if m0 == line == m1:
                current_match = (mc0, mc1)
        notes = frame.notes.get(line)
        return TextRow(
            text, row.start, end, last, line + 1 if row.start == 0 else 0, current, cursor, selection, selected_eol,
            frame.spans.get(line, ()), frame.matches.get(line, ()), current_match,
            tuple((a.col, a.end, a.style) for a in notes.overlay) if notes else (),
            tuple((a.col, a.text, a.style) for a in notes.inline) if notes else (),
            geom.skip, geom.width, geom.gutter, self._theme_gen,
        )

    def _row_specs(self) -> list[tuple]:
        """The descriptions of all screen rows, kept until the frame or the selection changes
        (the repaint compares them all, then draws the changed ones)."""
        frame = self._get_frame()
        selected = self._selection_lines()
        key = (frame, self.current_match, self._theme_gen)  # frame: by identity
        geom = self.geometry()
        if key != self._specs_key:
            self._specs = [self._row_spec(frame, y, geom) for y in range(geom.height)]
            self._specs_key = key
        elif frame.rows and (self._respec or selected != self._specs_selected):
            redo = self._respec
            for l0, _, l1, _ in (selected, self._specs_selected):  # the cursor's lines, then and now
                redo.update(range(max(l0, frame.rows[0].line), min(l1, frame.rows[-1].line) + 1))
            specs = self._specs
            for y, row in enumerate(frame.rows):
                if row.line in redo:
                    specs[y] = self._row_spec(frame, y, geom)
        self._respec.clear()
        self._specs_selected = selected
        return self._specs

    def render_line(self, y: int) -> Strip:
        specs = self._row_specs()
        spec = specs[y] if y < len(specs) else self._row_spec(self._get_frame(), y, self.geometry())
        self._drawn[y] = spec
        strip = self._strips.get(spec)
        if strip is None:
            tab_width = self.buffer.document.tab_width
            if isinstance(spec, Decorated):
                strip = decorate(draw_row(spec.row, self.styles_for_rows, tab_width), spec, self.styles_for_rows,
                                 spec.row.width)
            else:
                strip = draw_row(spec, self.styles_for_rows, tab_width)
            self._strips[spec] = strip
        return strip

    def visible_rows(self) -> list[Row]:
        """The rows on screen, top first (real lines, wrap segments, virtual rows)."""
        return list(self._get_frame().rows)

    # -- cursor and selection ---------------------------------------------------------

    def select(self, selection: Selection, center: bool = False) -> None:
        """Set the selection (a jump: closes the undo group) and bring the cursor into view."""
        self.buffer.select(selection)
        self.scroll_to_cursor(center=center)
        self._state_changed()

    def move_to(self, offset: int, extend: bool = False, goal: int | None = None) -> None:
        sel = self.buffer.selection
        self.select(Selection(sel.anchor if extend else offset, offset, goal))

    def move(self, fn: Callable[..., int], extend: bool = False) -> None:
        """Move the cursor with a motion from :mod:`motion` (extend: keep the anchor)."""
        sel = self.buffer.selection
        if not extend and not sel.is_empty and fn in (motion.char_left, motion.char_right):
            # an arrow collapses a selection to its edge, as in every other editor
            return self.move_to(sel.start if fn is motion.char_left else sel.end)
        self.move_to(fn(self.buffer.document, sel.head), extend)

    def move_vertical(self, rows: int, extend: bool = False) -> None:
        """Up/down ``rows`` screen rows (wrapped segments count when soft wrap is on)."""
        sel = self.buffer.selection
        if self.wrapping:
            offset, goal = self._visual_vertical(sel.head, rows, sel.goal)
        else:
            offset, goal = motion.vertical(self.buffer.document, sel.head, rows, sel.goal)
        self.move_to(offset, extend, goal)

    def _visual_vertical(self, offset: int, rows: int, goal: int | None) -> tuple[int, int]:
        doc = self.buffer.document
        width = self.geometry().wrap or 2
        tw = doc.tab_width
        line, col = doc.position(offset)
        text = doc.line_text(line)
        starts = wrap_starts(text, width, tw)
        seg = segment_index(starts, col)
        if goal is None:
            goal = display_width(text[starts[seg] : col], tw)
        step = 1 if rows > 0 else -1
        for _ in range(abs(rows)):
            seg += step
            if seg < 0:
                if line == 0:
                    return 0, goal
                line -= 1
                starts = wrap_starts(doc.line_text(line), width, tw)
                seg = len(starts) - 1
            elif seg >= len(starts):
                if line + 1 >= doc.line_count:
                    return len(doc), goal
                line += 1
                starts = wrap_starts(doc.line_text(line), width, tw)
                seg = 0
        text = doc.line_text(line)
        start = starts[seg]
        end = starts[seg + 1] if seg + 1 < len(starts) else len(text)
        col = start + cell_to_column(text[start:end], goal, tw)
        if seg + 1 < len(starts):
            col = min(col, end - 1)  # the end of a wrapped row is drawn on the next one
        return doc.offset(line, col), goal

    def page(self, direction: int, extend: bool = False) -> None:
        """Page down (1) or up (-1): the cursor and the view move by one screen."""
        amount = max(1, self.page_height - 1)
        y = self.scroll_y + direction * amount
        self.move_vertical(direction * amount, extend)
        self._set_scroll(None, y, 0)
        self.scroll_to_cursor()

    def select_all(self) -> None:
        self.select(Selection(0, len(self.buffer.document)))

    def select_line(self) -> None:
        """Select the current line; again, and the selection takes the next line too."""
        doc = self.buffer.document
        sel = self.buffer.selection
        first, _ = doc.position(sel.start)
        last, _ = doc.position(sel.end)  # after a whole-line selection: the next line, which joins
        end = doc.offset(last + 1, 0) if last + 1 < doc.line_count else len(doc)
        self.select(Selection(doc.offset(first, 0), end))

    def collapse_selection(self) -> None:
        self.move_to(self.buffer.selection.head)

    # -- editing ----------------------------------------------------------------------

    def run_edit(self, fn: Callable[..., object], *args) -> object:
        """Run a text command from :mod:`editing` on the buffer, then show the cursor."""
        result = fn(self.buffer, *args)
        self.scroll_to_cursor()
        self._state_changed()
        return result

    def undo(self) -> None:
        if self.buffer.undo():
            self.scroll_to_cursor()
            self._state_changed()

    def redo(self) -> None:
        if self.buffer.redo():
            self.scroll_to_cursor()
            self._state_changed()

    def on_key(self, event: events.Key) -> None:
        # Our commands run here, not as Textual bindings: those run on the app's queue once
        # the key has bubbled up, so while the app is busy (its start-up work) a key pressed
        # before some typing acted after it
        for bindings in (self._bindings, self.app._bindings):
            for binding in bindings.key_to_bindings.get(event.key, ()):
                _, action, params = parse_action(binding.action)
                if action == "command" and params and self.app.command_enabled(str(params[0])):  # type: ignore[attr-defined]
                    event.stop()
                    event.prevent_default()
                    self.app.run_command(str(params[0]))  # type: ignore[attr-defined]
                    return
        if event.is_printable and event.character and event.key not in self._bindings.key_to_bindings:
            event.stop()
            event.prevent_default()
            self.run_edit(editing.type_text, event.character)

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        if event.text:
            self.run_edit(editing.paste, event.text)

    # -- mouse ------------------------------------------------------------------------

    def offset_at(self, x: int, y: int) -> int:
        """The text offset under content cell ``(x, y)`` (clamped to the text)."""
        frame = self._get_frame()
        geom = self.geometry()
        doc = self.buffer.document
        if not frame.rows or y >= len(frame.rows):
            return len(doc)
        row = frame.rows[max(y, 0)]
        text = doc.line_text(row.line)
        if row.virtual is not None:
            return doc.offset(row.line, len(text))
        end = len(text) if row.end is None else row.end
        cell = max(0, x - geom.gutter) + geom.skip
        start_cell = display_width(text[: row.start], doc.tab_width) if row.start else 0
        col = cell_to_column(text, start_cell + cell, doc.tab_width)
        col = max(row.start, min(col, end if row.end is None else end - 1))
        return doc.offset(row.line, col)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if event.button != 1:
            return
        offset = event.get_content_offset(self)
        if offset is None:
            return
        self.focus()
        self.move_to(self.offset_at(offset.x, offset.y), extend=event.shift)
        self._dragging = True
        self.capture_mouse()

    def on_click(self, event: events.Click) -> None:
        """Double click selects a word, triple click the line."""
        offset = event.get_content_offset(self)
        if offset is None or event.chain < 2:
            return
        doc = self.buffer.document
        pos = self.offset_at(offset.x, offset.y)
        if event.chain == 2:
            self.select(Selection(*motion.word_at(doc, pos)))
        else:
            line, _ = doc.position(pos)
            end = doc.offset(line + 1, 0) if line + 1 < doc.line_count else len(doc)
            self.select(Selection(doc.offset(line, 0), end))

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if not self._dragging:
            return
        offset = event.get_content_offset_capture(self)
        height = self.page_height
        if offset.y < 0 and self.scroll_y > 0:
            self._set_scroll(None, self.scroll_y - 1, 0)
        elif offset.y >= height:
            self._set_scroll(None, self.scroll_y + 1, 0)
        pos = self.offset_at(offset.x, min(max(offset.y, 0), height - 1))
        sel = self.buffer.selection
        if pos != sel.head:
            self.buffer.select(Selection(sel.anchor, pos))
            self._state_changed()

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._dragging:
            self._dragging = False
            self.release_mouse()
