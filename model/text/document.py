"""The buffer's text as lines, with lazily cached offsets and display widths.

Pure Python, no UI. An edit costs time proportional to the lines it touches: the line
list is updated by slice assignment (a memmove in C), and offset caches are only
invalidated from the first edited line onward and recomputed up to the line someone asks
for, so typing on one line never walks the rest of the file in Python.

Lines keep their endings (``"\\n"`` or ``"\\r\\n"``; mixed endings survive); the last line
has none. A document always has at least one line: ``"a\\n"`` is ``["a\\n", ""]``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from itertools import accumulate

from .changeset import ChangeSet
from .plain import display_width, dominant_eol, split_editor_lines, strip_eol


@dataclass(frozen=True, slots=True)
class Change:
    """One replacement as it was applied, in the coordinates just before it.

    ``start_byte`` (UTF-8) is filled only when the document tracks byte offsets
    (the syntax highlighter asks for it); it is -1 otherwise.
    """

    start_line: int
    start_col: int
    start_offset: int
    deleted: str
    inserted: str
    start_byte: int = -1

    @property
    def old_end(self) -> tuple[int, int]:
        return _end_of(self.start_line, self.start_col, self.deleted)

    @property
    def new_end(self) -> tuple[int, int]:
        return _end_of(self.start_line, self.start_col, self.inserted)

    @property
    def within_line(self) -> bool:
        """Whether the change stays inside one line (no line ending added or removed)."""
        return "\n" not in self.inserted and "\n" not in self.deleted


def _end_of(line: int, col: int, text: str) -> tuple[int, int]:
    n = text.count("\n")
    if not n:
        return line, col + len(text)
    return line + n, len(text) - text.rfind("\n") - 1


class _Prefix:
    """Prefix sums of a per-line measure, valid for the first ``len(starts)`` lines."""

    __slots__ = ("starts", "measure")

    def __init__(self, measure) -> None:
        self.measure = measure
        self.starts: list[int] = [0]

    def invalidate_after(self, line: int) -> None:
        # starts[i] is the offset of line i; an edit on `line` leaves starts[:line+1] right
        if len(self.starts) > line + 1:
            del self.starts[line + 1 :]

    def upto(self, lines: list[str], line: int) -> int:
        starts = self.starts
        have = len(starts)
        if line >= have:
            # extend in one C-level pass, a few lines beyond what was asked for: each edit cuts
            # the sums back to its line, and the next lookup there needs just one more
            stop = min(len(lines) - 1, max(line, have + 32))
            starts.extend(accumulate(map(self.measure, lines[have - 1 : stop]), initial=starts[-1]))
            del starts[have]  # `initial` repeated the last known start
        return starts[line]


def _utf8_len(line: str) -> int:
    return len(line) if line.isascii() else len(line.encode("utf-8", "surrogatepass"))


class Document:
    """Lines of text with version, offsets and widths; knows nothing of screens."""

    def __init__(self, text: str = "", tab_width: int = 4) -> None:
        self.tab_width = tab_width
        self.version = 0
        self.track_bytes = False
        self._set_text(text)

    # -- whole text -----------------------------------------------------------------

    def _set_text(self, text: str) -> None:
        self._lines = split_editor_lines(text)
        self._len = len(text)
        self._chars = _Prefix(len)
        self._bytes = _Prefix(_utf8_len)
        self._widths: Counter[int] | None = None

    @property
    def text(self) -> str:
        return "".join(self._lines)

    def __len__(self) -> int:
        """Length in characters."""
        return self._len

    @property
    def line_count(self) -> int:
        return len(self._lines)

    @property
    def lines(self) -> list[str]:
        """The lines, with endings. Read-only by convention: edit through :meth:`apply`."""
        return self._lines

    def line(self, i: int) -> str:
        """Line ``i`` with its ending."""
        return self._lines[i]

    def line_text(self, i: int) -> str:
        """Line ``i`` without its ending."""
        return strip_eol(self._lines[i])

    def line_length(self, i: int) -> int:
        return len(strip_eol(self._lines[i]))

    @property
    def eol(self) -> str:
        """The ending a new line gets: the one most lines use."""
        sample = "".join(self._lines[:1000])
        return dominant_eol(sample)

    # -- positions ------------------------------------------------------------------

    def offset(self, line: int, col: int = 0) -> int:
        """Character offset of ``(line, col)``; the column is clamped to the line."""
        line = max(0, min(line, len(self._lines) - 1))
        col = max(0, min(col, self.line_length(line)))
        return self._chars.upto(self._lines, line) + col

    def position(self, offset: int) -> tuple[int, int]:
        """``(line, col)`` of a character offset, clamped to the text and to the line's
        content (an offset between ``"\r"`` and ``"\n"`` gives the end of the line)."""
        line, col = self._raw_position(max(0, min(offset, self._len)))
        return line, min(col, self.line_length(line))

    def _raw_position(self, offset: int) -> tuple[int, int]:
        starts = self._chars.starts
        lines = self._lines
        step = 32
        while len(starts) < len(lines) and starts[-1] <= offset:
            self._chars.upto(lines, min(len(lines) - 1, len(starts) - 1 + step))
            step *= 2  # far offsets: a few long passes, not many short ones
        line = bisect_right(starts, offset) - 1
        return line, offset - starts[line]

    def byte_offset(self, line: int, col: int = 0) -> int:
        """UTF-8 byte offset of ``(line, col)`` (for tree-sitter)."""
        start = self._bytes.upto(self._lines, line)
        text = self._lines[line]
        return start + (col if text.isascii() else len(text[:col].encode("utf-8", "surrogatepass")))

    # -- widths ---------------------------------------------------------------------

    def line_width(self, i: int) -> int:
        """Terminal cells line ``i`` takes (tabs expanded, wide characters counted)."""
        return display_width(self.line_text(i), self.tab_width)

    @property
    def max_width(self) -> int:
        """The widest line's width; kept up to date per edit through a width histogram."""
        if self._widths is None:
            tw = self.tab_width
            self._widths = Counter(display_width(strip_eol(s), tw) for s in self._lines)
        return max(self._widths) if self._widths else 0

    # -- editing --------------------------------------------------------------------

    def apply(self, changes: ChangeSet) -> list[Change]:
        """Apply a change set; returns the replacements made, each in the coordinates
        just before it (last first, as tree-sitter's ``Tree.edit`` wants them)."""
        if changes.len_before != self._len:
            raise ValueError(f"change set is for a text of {changes.len_before} chars, document has {self._len}")
        applied: list[Change] = []
        for start, end, text in reversed(list(changes.changes())):
            applied.append(self._replace(start, end, text))
        if applied:
            self.version += 1
        return applied

    def _replace(self, start: int, end: int, text: str) -> Change:
        l0, c0 = self._raw_position(start)
        l1, c1 = self._raw_position(end)
        lines = self._lines
        start_byte = self.byte_offset(l0, c0) if self.track_bytes else -1
        first = lines[l0]
        last = lines[l1]
        # the deleted text spans lines l0..l1 (c1 may sit after a "\r" of "\r\n": use raw slices)
        if l0 == l1:
            deleted = first[c0:c1]
        else:
            deleted = first[c0:] + "".join(lines[l0 + 1 : l1]) + last[:c1]
        new_lines = split_editor_lines(first[:c0] + text + last[c1:])
        # the last piece carries whatever followed on line l1 (its ending included),
        # so an empty tail piece only belongs when l1 was the document's last line
        if new_lines[-1] == "" and l1 < len(lines) - 1:
            new_lines.pop()
        if self._widths is not None:
            widths, tw = self._widths, self.tab_width
            for s in lines[l0 : l1 + 1]:
                w = display_width(strip_eol(s), tw)
                widths[w] -= 1
                if not widths[w]:
                    del widths[w]
            for s in new_lines:
                widths[display_width(strip_eol(s), tw)] += 1
        lines[l0 : l1 + 1] = new_lines
        self._len += len(text) - (end - start)
        self._chars.invalidate_after(l0)
        self._bytes.invalidate_after(l0)
        return Change(l0, c0, start, deleted, text, start_byte)

    def replace_text(self, text: str) -> ChangeSet:
        """A change set that turns this document into ``text`` (not applied).

        Only the middle that differs is replaced, so undo and the recorder stay small.
        """
        old = self.text
        p = 0
        n = min(len(old), len(text))
        while p < n and old[p] == text[p]:
            p += 1
        s = 0
        while s < n - p and old[-1 - s] == text[-1 - s]:
            s += 1
        return ChangeSet.from_edits(len(old), [(p, len(old) - s, text[p : len(text) - s])])
