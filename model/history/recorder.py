"""The recorder: turns the raw stream of buffer changes into EditEvents.

Pure Python, no I/O of its own (the privacy classifier it is given may ``stat`` a file
the first time it sees a path). The editor reports every change it applies; the recorder
keeps one *burst* open -- the changes of one file that come close together in time and
place -- and closes it into events when

* a pause: the last change is ``gap`` seconds old (:meth:`Recorder.tick`, or the next
  change comes late);
* a jump: the cursor moves more than ``jump_lines`` lines away from the burst
  (:meth:`Recorder.cursor_moved`), or a change lands away from it, or away from the line
  the last change left the cursor on (the user went back to edit what they just wrote);
* a different kind of change: undo, redo, paste and reload are events of their own;
  typing and an accepted suggestion do not merge;
* a save (:meth:`Recorder.saved`), a switch of file (:meth:`Recorder.focus`, or a change
  in another file), or the end (:meth:`Recorder.close_all`).

**Region tracking.** A burst holds one or more regions (several only when one change
set edits several places, e.g. multiple cursors). A region is a span of whole lines
``[start, end)`` in the *current* text plus the text those lines had when the burst
began. Each change maps it: a change inside only moves ``end``; a change on or next to it
(within ``near_lines``) widens it, the widened lines' old text being rebuilt from the
change's deleted text; changes above shift it. So a keystroke costs O(the change + the
lines it touches), never O(file), and no text is copied until the burst closes. Closing
compares the region's lines now with its old text: typing undone within a burst leaves
nothing; common leading and trailing lines are trimmed from the event.

Events use the wire convention of ``nxedit predict`` history hunks: ``start_line`` is in
the text as it was when the event was applied, so replaying events in order on the old
text gives the new one (regions of one burst are emitted top to bottom, which keeps this
true).

The recorder relies on seeing *every* change applied to a document it was told about;
before a buffer changes behind its back, :meth:`Recorder.end` its burst.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Iterable, NamedTuple

from nxedit.model.text.document import Change, Document
from nxedit.model.text.edits import Position
from .events import ORIGINS, EditEvent
from nxedit.model.privacy import PathInfo, PrivacyRules
from nxedit.model.text.plain import shared_line_ends, split_editor_lines, split_lines

# origins whose changes merge into one event; the others stand alone
MERGING_ORIGINS = frozenset({"typed", "suggestion"})


@dataclass(slots=True)
class _Region:
    start: int  # first line, in the current text
    end: int  # one past the last line, in the current text (end > start)
    old: str  # the text of these lines when the burst began (whole lines)


@dataclass(slots=True)
class _Burst:
    info: PathInfo
    doc: Document
    origin: str
    suggestion_id: int | None
    t_start: float
    t_last: float
    cursor: Position
    regions: list[_Region] = field(default_factory=list)


class _Span(NamedTuple):
    """A change set's change, as lines: old lines ``[first, last]`` of the text before."""

    first: int
    last: int
    change: Change

    @property
    def line_delta(self) -> int:
        return self.change.inserted.count("\n") - self.change.deleted.count("\n")


_UNTITLED = PathInfo("", "", False)


class Recorder:
    """Chunks buffer changes into :class:`EditEvent` s; keeps the last few per project.

    ``sink`` gets every closed event of a file (not of private files, not of buffers
    without a path); ``classify`` says where a path lives and whether it is private
    (default: :class:`PrivacyRules` with no user globs). Every method returns the events
    it closed, in the order to replay them.
    """

    def __init__(
        self,
        *,
        sink: Callable[[EditEvent], None] | None = None,
        classify: Callable[[str], PathInfo] | None = None,
        gap: float = 1.0,
        jump_lines: int = 3,
        near_lines: int = 1,
        keep: int = 16,
    ) -> None:
        self.sink = sink
        self.classify = classify or PrivacyRules().classify
        self.gap = gap
        self.jump_lines = jump_lines
        self.near_lines = near_lines
        self.keep = keep
        self._burst: _Burst | None = None
        self._recent: dict[str, deque[EditEvent]] = {}

    # -- what the editor reports ----------------------------------------------------

    def record_change(
        self,
        path: str | None,
        doc: Document,
        changes: list[Change],
        cursor: Position | tuple[int, int],
        now: float,
        origin: str = "typed",
        suggestion_id: int | None = None,
    ) -> list[EditEvent]:
        """Take one applied change set: ``changes`` is what ``doc.apply`` returned (the
        document already holds the new text), ``cursor`` the cursor after it, ``now``
        wall-clock seconds (``time.time()``), ``origin`` one of :data:`ORIGINS`."""
        if origin not in ORIGINS:
            raise ValueError(f"unknown origin {origin!r}; expected one of {ORIGINS}")
        info = self.classify(path) if path is not None else _UNTITLED
        spans = [_span(c) for c in reversed(changes)]  # doc.apply lists them last first
        before = _TextBefore(doc, spans)
        burst = self._burst
        closed: list[EditEvent] = []
        if burst is not None and (
            not self._continues(burst, info, doc, origin, suggestion_id, now)
            # a change away from the burst: the user jumped
            or not any(self._touches(s, r) for s in spans for r in burst.regions)
            or (len(spans) == 1 and not _goes_on(burst.cursor, spans[0]))
        ):
            closed += self._close(before)
            burst = None
        if info.private or not spans:
            return closed
        if burst is None:
            burst = self._burst = _Burst(info, doc, origin, suggestion_id, now, now, Position(*cursor))
        self._absorb(burst, spans, before)
        burst.t_last = now
        burst.cursor = Position(*cursor)
        if origin not in MERGING_ORIGINS:
            closed += self._close()
        return closed

    def cursor_moved(
        self, path: str | None, cursor: Position | tuple[int, int], now: float
    ) -> list[EditEvent]:
        """The cursor moved without an edit: a jump away from the burst closes it."""
        burst = self._burst
        if burst is None:
            return []
        if self._path_of(path) != burst.info.path or now - burst.t_last >= self.gap:
            return self._close()
        line = cursor[0]
        distance = min(max(r.start - line, line - (r.end - 1), 0) for r in burst.regions)
        return self._close() if distance > self.jump_lines else []

    def tick(self, now: float) -> list[EditEvent]:
        """Call on idle (every few hundred ms): closes a burst that has paused."""
        burst = self._burst
        if burst is not None and now - burst.t_last >= self.gap:
            return self._close()
        return []

    def saved(self, path: str | None) -> list[EditEvent]:
        """The file was saved: its burst ends here."""
        return self.end(path)

    def end(self, path: str | None) -> list[EditEvent]:
        """End ``path``'s burst now: its buffer was closed, or will change without
        :meth:`record_change` being told."""
        return self._close_if(lambda b: b.info.path == self._path_of(path))

    def focus(self, path: str | None) -> list[EditEvent]:
        """``path``'s buffer became the active one: the burst of any other file ends."""
        return self._close_if(lambda b: b.info.path != self._path_of(path))

    def close_all(self) -> list[EditEvent]:
        """Close whatever is open (the editor is quitting)."""
        return self._close()

    # -- what the predictor reads ---------------------------------------------------

    def recent_hunks(self, path: str | None, n: int = 5, *, whole_project: bool = False) -> list[dict]:
        """The last ``n`` edits, oldest first, as wire-format history hunks.

        Only ``path``'s own edits unless ``whole_project`` (then every file of its
        project). Each hunk is ``{start_line, old_text, new_text, path}`` against the
        text as it was when it was applied; the still-open burst is included (the
        predictor asks while the user is typing), so replaying them in order on a file's
        older text gives its current text. An edit undone is left out with its undo (the
        user took it back: it is no pattern to repeat). Call it on the thread that edits
        the buffer.
        """
        info = self.classify(path) if path is not None else _UNTITLED
        if info.private or n <= 0:
            return []
        own = info.path or None  # events of a buffer without a file have path None
        events = [e for e in self._recent.get(info.project, ()) if whole_project or e.path == own]
        burst = self._burst
        if burst is not None and burst.info.project == info.project and (whole_project or burst.info == info):
            events += self._events_of(burst)
        return [{**e.to_hunk(), "path": e.path} for e in _without_undone(events)[-n:]]

    # -- inside -----------------------------------------------------------------------

    def _path_of(self, path: str | None) -> str:
        return self.classify(path).path if path is not None else ""

    def _continues(
        self, burst: _Burst, info: PathInfo, doc: Document, origin: str, suggestion_id: int | None, now: float
    ) -> bool:
        return (
            burst.info.path == info.path
            and burst.doc is doc
            and origin == burst.origin
            and suggestion_id == burst.suggestion_id
            and 0 <= now - burst.t_last < self.gap
        )

    def _touches(self, span: _Span, region: _Region) -> bool:
        return max(span.first, region.start) - min(span.last + 1, region.end) < self.near_lines

    def _absorb(self, burst: _Burst, spans: list[_Span], before: _TextBefore) -> None:
        """Map the burst's regions through one change set (spans top to bottom)."""
        regions = burst.regions
        if len(spans) == 1 and len(regions) == 1:  # the keystroke fast path
            span, region = spans[0], regions[0]
            if region.start <= span.first and span.last < region.end:
                region.end += span.line_delta
                return
        # sweep regions and changes top to bottom, grouping those on or next to each other
        items = sorted(
            [(r.start, r.end, r) for r in regions] + [(s.first, s.last + 1, s) for s in spans],
            key=lambda item: (item[0], isinstance(item[2], _Region)),
        )
        clusters: list[list] = []
        end = None
        for first, stop, item in items:
            if clusters and first - end < self.near_lines:
                clusters[-1].append(item)
                end = max(end, stop)
            else:
                clusters.append([item])
                end = stop
        shift = 0  # lines the changes above have added
        merged: list[_Region] = []
        for cluster in clusters:
            old_regions = [x for x in cluster if isinstance(x, _Region)]
            cluster_spans = [x for x in cluster if isinstance(x, _Span)]
            if not cluster_spans:
                for r in old_regions:
                    merged.append(_Region(r.start + shift, r.end + shift, r.old))
                continue
            region = self._widen(before, old_regions, cluster_spans, shift)
            merged.append(region)
            shift += sum(s.line_delta for s in cluster_spans)
        burst.regions = merged

    def _widen(self, before: _TextBefore, regions: list[_Region], spans: list[_Span], shift: int) -> _Region:
        """One region covering ``regions`` and ``spans`` (one cluster), in the new text."""
        first = min([r.start for r in regions] + [s.first for s in spans])
        stop = max([r.end for r in regions] + [s.last + 1 for s in spans])
        pieces, line = [], first
        for region in sorted(regions, key=lambda r: r.start):
            pieces.append(before.text(line, region.start))  # changed now, not before
            pieces.append(region.old)
            line = region.end
        pieces.append(before.text(line, stop))
        delta = sum(s.line_delta for s in spans)
        return _Region(first + shift, stop + shift + delta, "".join(pieces))

    def _close_if(self, predicate: Callable[[_Burst], bool]) -> list[EditEvent]:
        burst = self._burst
        return self._close() if burst is not None and predicate(burst) else []

    def _close(self, before: _TextBefore | None = None) -> list[EditEvent]:
        """Close the burst into events. ``before``: the change set being recorded now,
        which the burst does not include (the document already holds it)."""
        burst, self._burst = self._burst, None
        if burst is None:
            return []
        events = self._events_of(burst, before if before is not None and before.doc is burst.doc else None)
        if events:  # a buffer without a file has project "": kept for the predictor only
            self._recent.setdefault(burst.info.project, deque(maxlen=self.keep)).extend(events)
        if self.sink is not None and burst.info.path:
            for event in events:
                self.sink(event)
        return events

    def _events_of(self, burst: _Burst, before: _TextBefore | None = None) -> list[EditEvent]:
        """The burst's regions as events, top to bottom; regions that came back to
        their old text give none."""
        events = []
        lines = burst.doc.lines
        for region in burst.regions:
            new = (
                before.text(region.start, region.end) if before else "".join(lines[region.start : region.end])
            )
            trimmed = _trim(region.start, region.old, new)
            if trimmed is None:
                continue
            start, old, new = trimmed
            events.append(
                EditEvent(
                    path=burst.info.path or None,
                    t_start=burst.t_start,
                    t_end=burst.t_last,
                    start_line=start,
                    old_text=old,
                    new_text=new,
                    cursor=burst.cursor,
                    origin=burst.origin,
                    suggestion_id=burst.suggestion_id,
                    project=burst.info.project or None,
                )
            )
        return events


def _goes_on(cursor: Position, span: _Span) -> bool:
    """Whether a change goes on from where the last one left the cursor: on its line or
    the next, or joining its line to the one above (Backspace at the start of a line).
    Anything else is the user going back to edit something, often what they just wrote
    (typed ``count = ...`` and two lines, then renamed it): an event of its own, the one a
    predictor learns from."""
    if cursor.line <= span.first <= cursor.line + 1:
        return True
    return span.first == cursor.line - 1 and "\n" in span.change.deleted


def _span(change: Change) -> _Span:
    return _Span(change.start_line, change.start_line + change.deleted.count("\n"), change)


def _line_groups(spans: list[_Span]) -> Iterable[list[_Span]]:
    """Consecutive changes that share a line (their old text must be rebuilt together)."""
    group: list[_Span] = []
    for span in spans:
        if group and span.first > group[-1].last:
            yield group
            group = []
        group.append(span)
    if group:
        yield group


def _without_undone(events: list[EditEvent]) -> list[EditEvent]:
    """``events`` less each undo that exactly reverses its file's latest kept edit, and
    that edit. Only the latest of the same file: dropping the pair then leaves the later
    edits' line numbers as true as before."""
    kept: list[EditEvent] = []
    for e in events:
        if e.origin == "undo":
            at = next((i for i in range(len(kept) - 1, -1, -1) if kept[i].path == e.path), None)
            last = kept[at] if at is not None else None
            if (last is not None and last.start_line == e.start_line
                    and last.old_text == e.new_text and last.new_text == e.old_text):
                del kept[at]  # by position: an equal event further back is not this one
                continue
        kept.append(e)
    return kept


class _TextBefore:
    """The document's lines as they were before one change set (``spans``, top to
    bottom), rebuilt on demand from the new lines and the changes' deleted text."""

    def __init__(self, doc: Document, spans: list[_Span]) -> None:
        self.doc = doc
        self.groups = list(_line_groups(spans))

    def text(self, first: int, stop: int) -> str:
        """The old text of old lines ``[first, stop)``."""
        lines = self.doc.lines
        pieces, line, shift = [], first, 0  # shift: lines the groups above `line` added
        for group in self.groups:
            g_first, g_last = group[0].first, group[-1].last
            delta = sum(s.line_delta for s in group)
            if g_last < line:
                shift += delta
                continue
            if g_first >= stop:
                break
            pieces.append("".join(lines[line + shift : g_first + shift]))  # untouched lines
            old = _old_lines(lines, group, shift)
            hi = min(stop, g_last + 1)
            pieces.extend(old[max(line, g_first) - g_first : hi - g_first])
            line = hi
            shift += delta
        if line < stop:
            pieces.append("".join(lines[line + shift : stop + shift]))
        return "".join(pieces)


def _old_lines(lines: list[str], group: list[_Span], shift: int) -> list[str]:
    """The old lines one group of changes replaced, rebuilt from the new ``lines``.
    ``shift``: lines the changes above the group added."""
    first, last = group[0].first, group[-1].last
    new_last = last + sum(s.line_delta for s in group)
    new = "".join(lines[first + shift : new_last + shift + 1])
    origin = group[0].change.start_offset - group[0].change.start_col  # old offset of line `first`
    pieces, new_pos, old_pos = [], 0, 0
    for span in group:
        c = span.change
        at = c.start_offset - origin
        pieces.append(new[new_pos : new_pos + at - old_pos])
        pieces.append(c.deleted)
        new_pos += at - old_pos + len(c.inserted)
        old_pos = at + len(c.deleted)
    pieces.append(new[new_pos:])
    old = split_editor_lines("".join(pieces))
    if len(old) > last - first + 1:  # the text ended in a newline: no phantom last line
        old.pop()
    return old


def _trim(start: int, old: str, new: str) -> tuple[int, str, str] | None:
    """Drop the whole lines ``old`` and ``new`` share at both ends; None if equal."""
    if old == new:
        return None
    a, b = split_lines(old), split_lines(new)
    head, tail = shared_line_ends(a, b)
    return start + head, "".join(a[head : len(a) - tail]), "".join(b[head : len(b) - tail])
