"""Positions and edits in the two shapes the project uses.

* :class:`TextEdit` -- a character range (0-based line and column) plus replacement text:
  the simple form of a one-hunk ChangeSet, used inside the editor and by suggestions.
* :class:`LineEdit` -- ``{start_line, end_line, new_text}``: lines ``[start_line, end_line)``
  are replaced by ``new_text`` (lines keep their endings). The wire format of
  ``nxedit predict`` and of the benchmark data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from .changeset import ChangeSet
from .document import Document
from .plain import split_lines


class Position(NamedTuple):
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class TextEdit:
    start: Position
    end: Position
    text: str

    def offsets(self, doc: Document) -> tuple[int, int]:
        return doc.offset(*self.start), doc.offset(*self.end)

    @staticmethod
    def changeset(doc: Document, edits: "list[TextEdit]") -> ChangeSet:
        """One change set applying all ``edits`` (against the same text) to ``doc``."""
        return ChangeSet.from_edits(len(doc), [(*e.offsets(doc), e.text) for e in edits])


@dataclass(frozen=True, slots=True)
class LineEdit:
    start_line: int
    end_line: int
    new_text: str

    def to_dict(self) -> dict:
        return {"start_line": self.start_line, "end_line": self.end_line, "new_text": self.new_text}

    @classmethod
    def from_dict(cls, d: dict) -> "LineEdit":
        s, e, t = d["start_line"], d["end_line"], d["new_text"]
        if not (isinstance(s, int) and isinstance(e, int) and isinstance(t, str)) or not 0 <= s <= e:
            raise ValueError(f"bad line edit {d!r}")
        return cls(s, e, t)

    def overlaps(self, other: "LineEdit") -> bool:
        """Whether the two edits touch a common line (an insertion counts as its line)."""
        return (self.start_line < max(other.end_line, other.start_line + 1)
                and other.start_line < max(self.end_line, self.start_line + 1))

    def offsets(self, text: str) -> tuple[int, int]:
        """Character range of lines ``[start_line, end_line)`` in ``text``."""
        lines = split_lines(text)
        if self.end_line > len(lines):
            raise ValueError(f"line edit [{self.start_line},{self.end_line}) beyond {len(lines)} lines")
        start = sum(map(len, lines[: self.start_line]))
        end = start + sum(map(len, lines[self.start_line : self.end_line]))
        return start, end

    def line_offset(self, doc: Document, line: int) -> int:
        return doc.offset(line, 0) if line < doc.line_count else len(doc)

    def to_text_edit(self, doc: Document) -> TextEdit:
        """The same replacement as a character range of ``doc`` (cheap: cached offsets)."""
        if self.end_line > doc.line_count:
            raise ValueError(f"line edit [{self.start_line},{self.end_line}) beyond {doc.line_count} lines")
        start = self.line_offset(doc, self.start_line)
        end = self.line_offset(doc, self.end_line)
        return TextEdit(Position(*doc.position(start)), Position(*doc.position(end)), self.new_text)


def line_edits_to_changeset(doc: Document, edits: list[LineEdit]) -> ChangeSet:
    """All ``edits`` (against the document's current text) as one change set."""
    spans = []
    for e in edits:
        if e.end_line > doc.line_count:
            raise ValueError(f"line edit [{e.start_line},{e.end_line}) beyond {doc.line_count} lines")
        spans.append((e.line_offset(doc, e.start_line), e.line_offset(doc, e.end_line), e.new_text))
    return ChangeSet.from_edits(len(doc), spans)
