"""EditorView: the buffer on screen, our own Line-API widget (``render_line(y) -> Strip``).

Only the rows on screen are laid out and drawn. A *frame* (the visible rows, their
highlight spans, find matches and layer annotations) is rebuilt when the text, the scroll
position, the size or a layer changes; each drawn row is cached under exactly what it
shows, so a keystroke redraws the rows it touched and looks up the rest. Nothing here
walks the whole file: the virtual size comes from ``Document.line_count`` and
``Document.max_width`` (kept per edit), and soft wrap is computed for visible lines only.

Scrolling: ``scroll_y`` is the first visible *line*; ``subrow`` says which of its rows
(wrap segments, virtual rows) is on top, so a line taller than the screen still scrolls.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import chain
from typing import Callable, Protocol

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingsMap
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from nxedit.model.text import cell_to_column, column_to_cell, display_width

from . import editing, motion
from .buffer import Buffer, BufferEdit, Selection
from .layers import Layer, LineAnnotations, group_by_line
from .layout import Row, layout, line_rows, segment_index, wrap_starts
from .render import Paint, render_text
from .search import line_matches

UI_STYLES = (
    "text", "gutter", "gutter.current", "cursor", "selection", "line.current",
    "find.match", "find.current", "ghost.insert", "ghost.delete", "ghost.marker", "ghost.hint",
)


class ThemeLike(Protocol):
    name: str

    def ui(self, name: str) -> Style: ...

    def syntax(self, scope: str) -> Style: ...


class HighlighterLike(Protocol):
    version: int
    on_update: Callable[[], None] | None

    def line_spans(self, first: int, last: int) -> list[list[tuple[int, int, str]]]: ...


@dataclass
class _Frame:
    """What the visible window shows, rebuilt when ``key`` changes."""

    key: tuple
    rows: list[Row]
    spans: dict[int, tuple] = field(default_factory=dict)
    notes: dict[int, LineAnnotations] = field(default_factory=dict)
    matches: dict[int, tuple] = field(default_factory=dict)


@dataclass
class _Place:
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

    class StateChanged(Message):
        """The cursor, selection or text changed (the status line listens)."""

    class Edited(Message):
        """The text changed (sent once per edit)."""

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
        self._places: dict[int, _Place] = {}
        self._frame: _Frame | None = None
        self._strips: LRUCache[tuple, Strip] = LRUCache(1024)
        self._sel_key: tuple | None = None
        self._sel_lines: tuple[int, int, int, int] = (0, 0, 0, 0)
        self._setting_scroll = False
        self._dragging = False
        self._max_width_known = False
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
        self._ui = {name: theme.ui(name) for name in UI_STYLES}
        text = self._ui["text"]
        self._text_style = text
        self._current_style = text + self._ui["line.current"]
        self._scope_styles: dict[str, Style] = {}
        self._theme_gen = id(theme)
        self._invalidate()

    def show(self, buffer: Buffer, highlighter: HighlighterLike | None = None) -> None:
        """Display ``buffer`` (its scroll position is remembered per buffer)."""
        if buffer is self.buffer and highlighter is self.highlighter:
            return
        old = self.buffer
        self._places[id(old)] = _Place(self.scroll_x, self.scroll_y, self.subrow)
        if self._on_edit in old.listeners:
            old.listeners.remove(self._on_edit)
        if self.highlighter is not None and self.highlighter.on_update == self._highlights_changed:
            self.highlighter.on_update = None
        self.buffer = buffer
        self.highlighter = highlighter
        buffer.document.tab_width = self.tab_width
        buffer.listeners.append(self._on_edit)
        if highlighter is not None:
            highlighter.on_update = self._highlights_changed
        self._max_width_known = False
        self._update_virtual_size()
        place = self._places.pop(id(buffer), _Place())
        self._set_scroll(place.x, place.y, place.subrow)
        self._invalidate()
        self._state_changed()

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
        """A layer's annotations changed: redraw (the frame key sees its version)."""
        self._frame = None
        self.refresh()

    def set_find(self, pattern: re.Pattern[str] | None, current: tuple[int, int] | None = None) -> None:
        """Highlight matches of ``pattern`` on screen; ``current`` is the selected one."""
        self.find_pattern = pattern
        self.current_match = current
        self._frame = None
        self.refresh()

    def set_soft_wrap(self, on: bool) -> None:
        self.soft_wrap = on
        self.subrow = 0
        self._update_virtual_size()
        if on:
            self._set_scroll(0, self.scroll_y, 0)
        self._invalidate()
        self.scroll_to_cursor()

    def set_tab_width(self, width: int) -> None:
        self.tab_width = width
        self.buffer.document.tab_width = width
        self._invalidate()

    # -- geometry ---------------------------------------------------------------------

    @property
    def gutter_width(self) -> int:
        return max(3, len(str(self.buffer.document.line_count))) + 2

    @property
    def text_width(self) -> int:
        return max(1, self.scrollable_content_region.width - self.gutter_width)

    @property
    def page_height(self) -> int:
        return max(1, self.scrollable_content_region.height)

    @property
    def top_line(self) -> int:
        return int(self.scroll_y)

    def _wrap_width(self) -> int | None:
        return self.text_width - 1 if self.soft_wrap else None  # one cell for the cursor

    def _update_virtual_size(self) -> None:
        doc = self.buffer.document
        if self.soft_wrap:
            width = self.gutter_width + self.text_width
        elif self._max_width_known:
            width = self.gutter_width + doc.max_width + 1
        else:  # the widest line is measured after the first paint (it reads every line)
            width = self.gutter_width + self.text_width
            self.call_after_refresh(self._measure_width)
        size = Size(width, doc.line_count + max(self.page_height - 1, 0))
        if size != self.virtual_size:
            self.virtual_size = size

    def _measure_width(self) -> None:
        if not self._max_width_known:
            self._max_width_known = True
            self._update_virtual_size()

    def on_resize(self, event: events.Resize) -> None:
        self._update_virtual_size()
        self._invalidate()

    # -- invalidation -----------------------------------------------------------------

    def _invalidate(self) -> None:
        self._frame = None
        self._strips.clear()
        self.refresh()

    def _on_edit(self, event: BufferEdit) -> None:
        self._frame = None
        self._update_virtual_size()
        self.refresh()
        self.post_message(self.Edited())

    def _highlights_changed(self) -> None:
        """Called by the highlighter from its worker thread."""
        try:
            self.app.call_from_thread(self.refresh_layers)
        except Exception:  # the app is closing: nothing to redraw
            pass

    def _state_changed(self) -> None:
        self.refresh()
        self.post_message(self.StateChanged())

    # -- scrolling --------------------------------------------------------------------

    def _set_scroll(self, x: float | None, y: float | None, subrow: int) -> None:
        self._setting_scroll = True
        try:
            self.scroll_to(x, y, animate=False, immediate=True)
        finally:
            self._setting_scroll = False
        self.subrow = subrow if y is None or int(self.scroll_y) == int(y) else 0
        self._frame = None
        self.refresh()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if not self._setting_scroll:
            self.subrow = 0  # the user scrolled: whole lines from here
        self._frame = None

    def watch_scroll_x(self, old: float, new: float) -> None:
        super().watch_scroll_x(old, new)
        self._frame = None

    def _annotated_range(self, first: int, last: int) -> Callable[[int], LineAnnotations | None]:
        if not self.text_layers:
            return lambda line: None
        notes = group_by_line(chain.from_iterable(layer.annotations(first, last) for layer in self.text_layers))
        return notes.get

    def _rows_of(self, line: int, annotated) -> list[Row]:
        return line_rows(self.buffer.document, line, self._wrap_width(), annotated(line))

    def _cursor_row(self, line: int, col: int, rows: list[Row]) -> int:
        for i, row in enumerate(rows):
            if row.virtual is None and row.start <= col and (row.end is None or col < row.end):
                return i
        return 0

    def scroll_to_cursor(self, center: bool = False) -> None:
        """Scroll so the cursor is on screen (in the middle when ``center``)."""
        if not self.is_mounted:
            return
        doc = self.buffer.document
        line, col = doc.position(self.buffer.selection.head)
        height = self.page_height
        top, sub = self.top_line, self.subrow
        annotated = self._annotated_range(max(0, line - height), line + height)
        rows = self._rows_of(line, annotated)
        idx = self._cursor_row(line, col, rows)
        new_top: tuple[int, int] | None = None
        if center:
            new_top = self._top_above(line, idx, height // 2, annotated)
        elif (line, idx) < (top, sub):
            new_top = (line, idx)
        elif line - top <= height:
            seen = 0
            for ln in range(top, line):
                seen += len(self._rows_of(ln, annotated))
                if seen - sub > height:
                    break
            if seen - sub + idx >= height:
                new_top = self._top_above(line, idx, height - 1, annotated)
        else:
            new_top = self._top_above(line, idx, height - 1, annotated)
        x = None
        if not self.soft_wrap:
            cell = column_to_cell(doc.line_text(line), col, doc.tab_width)
            width = self.text_width
            if cell < self.scroll_x:
                x = max(0, cell - width // 4)
            elif cell >= self.scroll_x + width:
                x = cell - width + 1 + width // 4
                if x + width > self.virtual_size.width - self.gutter_width:
                    self._max_width_known = False  # make room while the width is measured
                    self._update_virtual_size()
        if new_top is not None or x is not None:
            y = new_top[0] if new_top else None
            self._set_scroll(x, y, new_top[1] if new_top else self.subrow)

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

    def _layer_versions(self) -> tuple:
        return tuple(layer.version for layer in self.text_layers)

    def _get_frame(self) -> _Frame:
        doc = self.buffer.document
        hl = self.highlighter
        pattern = self.find_pattern
        key = (
            id(self.buffer), doc.version, self.top_line, self.subrow, self.page_height, self._wrap_width(),
            hl.version if hl else None, self._layer_versions(), pattern, self._theme_gen,
        )
        frame = self._frame
        if frame is not None and frame.key == key:
            return frame
        height = self.page_height
        top = min(self.top_line, doc.line_count - 1)
        first, last = top, min(doc.line_count, top + height + 1)
        notes: dict[int, LineAnnotations] = {}
        if self.text_layers:
            notes = group_by_line(chain.from_iterable(layer.annotations(first, last) for layer in self.text_layers))
        rows = layout(doc, top, self.subrow, height, self._wrap_width(), notes.get)
        last = (rows[-1].line + 1) if rows else first
        frame = _Frame(key, rows, notes=notes)
        if hl is not None:
            for line, spans in enumerate(hl.line_spans(first, last), first):
                if spans:
                    frame.spans[line] = tuple(spans)
        if pattern is not None:
            frame.matches = {ln: tuple(m) for ln, m in line_matches(doc, first, last, pattern).items()}
        self._frame = frame
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

    def _scope_style(self, scope: str) -> Style:
        style = self._scope_styles.get(scope)
        if style is None:
            style = self._scope_styles[scope] = self.theme.syntax(scope)
        return style

    def render_line(self, y: int) -> Strip:
        frame = self._get_frame()
        width = self.scrollable_content_region.width
        gutter = self.gutter_width
        if y >= len(frame.rows):
            return Strip([Segment(" " * gutter, self._ui["gutter"]), Segment(" " * (width - gutter), self._text_style)], width)
        row = frame.rows[y]
        if row.virtual is not None:
            return self._virtual_strip(row, width, gutter)
        return self._text_strip(frame, row, width, gutter)

    def _virtual_strip(self, row: Row, width: int, gutter: int) -> Strip:
        note = row.virtual
        skip = 0 if self.soft_wrap else int(self.scroll_x)
        key = ("v", note, width, gutter, skip, self._theme_gen)
        strip = self._strips.get(key)
        if strip is None:
            style = self._text_style + self._ui.get(note.style, self._ui["ghost.insert"])
            segments = [Segment(" " * gutter, self._ui["gutter"])]
            segments += render_text(note.text, 0, len(note.text), skip, width - gutter, self.tab_width, style)
            strip = self._strips[key] = Strip(segments, width)
        return strip

    def _text_strip(self, frame: _Frame, row: Row, width: int, gutter: int) -> Strip:
        doc = self.buffer.document
        line = row.line
        text = doc.line_text(line)
        end = len(text) if row.end is None else row.end
        last_segment = row.end is None
        l0, c0, l1, c1 = self._selection_lines()
        cursor_line, cursor_col = (l1, c1) if self.buffer.selection.head >= self.buffer.selection.anchor else (l0, c0)
        is_current = line == cursor_line
        cursor = None
        if is_current and row.start <= cursor_col and (cursor_col < end or last_segment):
            cursor = cursor_col
        sel = None
        sel_eol = False
        if (l0, c0) != (l1, c1) and l0 <= line <= l1:
            sel = (c0 if line == l0 else 0, c1 if line == l1 else len(text))
            sel_eol = line < l1 and last_segment
        current = None
        if self.current_match is not None:
            (m0, mc0), (m1, mc1) = doc.position(self.current_match[0]), doc.position(self.current_match[1])
            if m0 == line == m1:
                current = (mc0, mc1)
        notes = frame.notes.get(line)
        overlays = tuple((a.col, a.end, a.style) for a in notes.overlay) if notes else ()
        inline = tuple((a.col, a.text, a.style) for a in notes.inline) if notes else ()
        spans = frame.spans.get(line, ())
        matches = frame.matches.get(line, ())
        skip = 0 if self.soft_wrap else int(self.scroll_x)
        key = (
            text, row.start, end, last_segment, line + 1 if row.start == 0 else 0, is_current, cursor, sel,
            sel_eol, spans, matches, current, overlays, inline, skip, width, gutter, self._theme_gen,
        )
        strip = self._strips.get(key)
        if strip is not None:
            return strip
        ui = self._ui
        base = self._current_style if is_current else self._text_style
        if row.start == 0:
            number_style = ui["gutter.current"] if is_current else ui["gutter"]
            segments = [Segment(f" {line + 1:>{gutter - 2}} ", number_style)]
        else:
            segments = [Segment(" " * gutter, ui["gutter"])]
        layers: list[list[Paint]] = [[(s, e, self._scope_style(scope)) for s, e, scope in spans]]
        if overlays:
            layers.append([(s, e, ui.get(name, ui["ghost.delete"])) for s, e, name in overlays])
        if matches:
            layers.append([(s, e, ui["find.match"]) for s, e in matches])
        if current:
            layers.append([(current[0], current[1], ui["find.current"])])
        if sel:
            layers.append([(sel[0], sel[1], ui["selection"])])
        segments += render_text(
            text, row.start, end, skip, width - gutter, doc.tab_width, base, layers,
            cursor=cursor, cursor_style=ui["cursor"],
            inline=[(col, t, base + ui.get(name, ui["ghost.insert"])) for col, t, name in inline],
            eol_style=base + ui["selection"] if sel_eol else None,
        )
        strip = self._strips[key] = Strip(segments, width)
        return strip

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
        doc = self.buffer.document
        if not extend and not sel.is_empty and fn in (motion.char_left, motion.char_right):
            # an arrow collapses a selection to its edge, as in every other editor
            return self.move_to(sel.start if fn is motion.char_left else sel.end)
        self.move_to(fn(doc, sel.head), extend)

    def move_vertical(self, rows: int, extend: bool = False) -> None:
        """Up/down ``rows`` screen rows (wrapped segments count when soft wrap is on)."""
        sel = self.buffer.selection
        if self.soft_wrap:
            offset, goal = self._visual_vertical(sel.head, rows, sel.goal)
        else:
            offset, goal = motion.vertical(self.buffer.document, sel.head, rows, sel.goal)
        self.move_to(offset, extend, goal)

    def _visual_vertical(self, offset: int, rows: int, goal: int | None) -> tuple[int, int]:
        doc = self.buffer.document
        width = self._wrap_width() or 1
        tw = doc.tab_width
        line, col = doc.position(offset)
        starts = wrap_starts(doc.line_text(line), width, tw)
        seg = segment_index(starts, col)
        text = doc.line_text(line)
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
            col = min(col, end - 1)
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
        """Select the current line (again: the next one too)."""
        doc = self.buffer.document
        sel = self.buffer.selection
        first, _ = doc.position(sel.start)
        last, last_col = doc.position(sel.end)
        if not sel.is_empty and last_col == 0 and last > first:
            last -= 1
            if doc.offset(first, 0) == sel.start:
                last += 1  # whole lines already selected: take one more
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
        doc = self.buffer.document
        if y < 0:
            line = max(0, self.top_line - 1)
            return doc.offset(line, 0)
        if not frame.rows or y >= len(frame.rows):
            return len(doc)
        row = frame.rows[y]
        text = doc.line_text(row.line)
        if row.virtual is not None:
            return doc.offset(row.line, len(text))
        end = len(text) if row.end is None else row.end
        cell = max(0, x - self.gutter_width) + (0 if self.soft_wrap else int(self.scroll_x))
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
        pos = self.offset_at(offset.x, offset.y)
        doc = self.buffer.document
        if event.chain == 2:
            start, end = motion.word_at(doc, pos)
            self.select(Selection(start, end))
        elif event.chain >= 3:
            line, _ = doc.position(pos)
            end = doc.offset(line + 1, 0) if line + 1 < doc.line_count else len(doc)
            self.select(Selection(doc.offset(line, 0), end))
        else:
            self.move_to(pos, extend=event.shift)
        self._dragging = True
        self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if not self._dragging:
            return
        offset = event.get_content_offset_capture(self)
        height = self.page_height
        if offset.y < 0:
            self._set_scroll(None, max(0, self.scroll_y - 1), 0)
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

    def visible_rows(self) -> list[Row]:
        """The rows on screen, top first (real lines, wrap segments, virtual rows)."""
        return list(self._get_frame().rows)
