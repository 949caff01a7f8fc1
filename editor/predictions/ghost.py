"""GhostLayer: the shown suggestion drawn as view annotations (a ghost diff).

* an insertion: dim inline ghost text at its column ("ghost.insert");
* new whole lines, or the further lines of a multi-line insertion: ghost rows (virtual
  rows under or above a line, pushing the lines below down);
* a deletion: the old text struck through on a tinted background ("ghost.delete"; syntax
  colours override foregrounds, so the tint carries the meaning); an empty line that goes
  shows a struck ``⏎``;
* a replacement: the old text struck, the new text as ghost text after it or ghost rows;
* a suggestion away from the cursor: a ``⇥`` marker in the gutter at its line and a
  "Tab ⇥ jump" label ("ghost.marker", "ghost.hint"); the view moves the label to the top
  or bottom edge, with the line number, when that line is off screen.

In subtle mode only the gutter marker shows until the user asks for the diff. Without
colour (``NO_COLOR``) a tint and a dim shade do not show, so old and new text would run
together: ``marks`` then brackets them as ``[-old-]{+new+}`` (git's word diff).
"""

from __future__ import annotations

from typing import Sequence

from nxedit.model.text.document import Document
from nxedit.model.predict.suggestion_diff import Piece

from nxedit.editor.view.layers import Annotation

MARKER = "⇥"
JUMP_LABEL = " Tab ⇥ jump "
DELETED_LINE = "⏎"
DELETE_MARKS = ("[-", "-]")
INSERT_MARKS = ("{+", "+}")


class GhostLayer:
    """A :class:`~.layers.Layer` showing one suggestion's pieces over a document."""

    def __init__(self) -> None:
        self.version = 0
        self.document: Document | None = None
        self.pieces: tuple[Piece, ...] = ()
        self.diff = True  # draw the ghost diff (else only the gutter marker)
        self.jump = False  # away from the cursor: marker and "Tab ⇥ jump"
        self.marks = False  # no colour: bracket deleted and inserted text
        self.further_line = -1  # a label for an edit in another file, at this line (the cursor's)
        self.further = ""

    def show(self, document: Document, pieces: Sequence[Piece], diff: bool, jump: bool) -> None:
        self.document, self.pieces, self.diff, self.jump = document, tuple(pieces), diff, jump
        self.further_line, self.further = -1, ""
        self.version += 1

    def show_further(self, document: Document, line: int, label: str) -> None:
        """No piece here, but an edit in another file: "Tab ⇥ <label>" at ``line``."""
        self.document, self.pieces, self.further_line, self.further = document, (), line, label
        self.version += 1

    def clear(self) -> None:
        if self.pieces or self.further:
            self.document, self.pieces, self.further_line, self.further = None, (), -1, ""
            self.version += 1

    def lines(self) -> frozenset[int]:
        """The document lines the ghost draws on (its pieces' lines, the rows hung under
        them, a jump label's line): what a menu or a box should not cover."""
        doc = self.document
        if doc is None:
            return frozenset()
        if self.further:
            return frozenset((self.further_line,))
        out: set[int] = set()
        for piece in self.pieces:
            out.update(range(doc.position(piece.start)[0], doc.position(piece.end)[0] + 1))
        return frozenset(out)

    def annotations(self, first_line: int, last_line: int) -> list[Annotation]:
        doc = self.document
        if doc is not None and self.further:
            return [Annotation("gutter", self.further_line, text=MARKER, style="ghost.marker"),
                    Annotation("label", self.further_line, text=f" Tab {MARKER} {self.further} ", style="ghost.hint")]
        if doc is None or not self.pieces:
            return []
        out: list[Annotation] = []
        target = doc.position(self.pieces[0].start)[0]
        if self.jump or not self.diff:
            out.append(Annotation("gutter", target, text=MARKER, style="ghost.marker"))
        if self.jump and self.diff:
            out.append(Annotation("label", target, text=JUMP_LABEL, style="ghost.hint"))
        if self.diff:
            for piece in self.pieces:
                out += piece_annotations(doc, piece, first_line, last_line, self.marks)
        return out


def _rows(text: str) -> list[str]:
    return [row.removesuffix("\r") for row in text.split("\n")]


def piece_annotations(doc: Document, piece: Piece, first: int, last: int, marks: bool = False) -> list[Annotation]:
    """The annotations drawing one piece, for lines ``[first, last)`` (``marks``: bracket
    the deleted and the inserted text, for screens without colour)."""
    (l0, c0), (l1, c1) = doc.position(piece.start), doc.position(piece.end)
    out: list[Annotation] = []
    opens, closes = INSERT_MARKS if marks else ("", "")
    if piece.end > piece.start:
        stop = l1 - 1 if c1 == 0 and l1 > l0 else l1  # a deletion up to a line start leaves that line
        for line in range(max(l0, first), min(stop, last - 1) + 1):
            a = c0 if line == l0 else 0
            b = c1 if line == l1 else doc.line_length(line)
            if b > a:
                out.append(Annotation("overlay", line, a, b, style="ghost.delete"))
            elif a == 0 and line < l1:  # an empty line removed whole
                out.append(Annotation("inline", line, 0, text=DELETED_LINE, style="ghost.delete"))
    text = piece.text
    whole_lines = c0 == 0 and text.endswith("\n") and (piece.end == piece.start or (c1 == 0 and l1 > l0))
    # the closing mark of a deletion leads the inline text inserted at the same place
    inline_after = bool(text) and not whole_lines
    if marks and piece.end > piece.start:
        if first <= l0 < last:
            out.append(Annotation("inline", l0, c0, text=DELETE_MARKS[0], style="ghost.delete"))
        if first <= stop < last and not inline_after:
            end_col = c1 if stop == l1 else doc.line_length(stop)
            out.append(Annotation("inline", stop, end_col, text=DELETE_MARKS[1], style="ghost.delete"))
    if not text:
        return out
    rows = _rows(text)
    if whole_lines:  # new lines between lines: ghost rows
        rows.pop()
        anchor, above = (l1 - 1, False) if piece.end > piece.start else (l0, True)
        if first <= anchor < last:
            out += [Annotation("line", anchor, text=f"{opens}{row}{closes}", above=above) for row in rows]
        return out
    tail = rows[1:]
    if tail and not tail[-1]:
        tail.pop()  # the line break ends the insertion: the rest of the line moves down
    if marks:
        rows[0] = (DELETE_MARKS[1] if piece.end > piece.start else "") + opens + rows[0] + ("" if tail else closes)
        if tail:
            tail[-1] += closes
    if first <= l1 < last:
        if rows[0]:
            out.append(Annotation("inline", l1, c1, text=rows[0].expandtabs(doc.tab_width)))
        out += [Annotation("line", l1, text=row) for row in tail]
    return out
