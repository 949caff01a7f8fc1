"""Columns between our documents (Python string indices: code points) and a server's.

LSP counts columns in UTF-16 code units unless the server agrees to another encoding at
``initialize``; we offer UTF-32 (code points: no conversion at all) first, then UTF-16.
A line of ASCII or of characters inside the Basic Multilingual Plane converts for free;
only lines with astral characters (emoji, some CJK) are walked.
"""

from __future__ import annotations

from typing import Callable

from lsprotocol import types as lsp

from nxedit.model.text.document import Change

LineSource = Callable[[int], str]  # line number -> that line's text, without its ending


class Encoding:
    """Converts columns for one server's position encoding ("utf-32", "utf-16" or "utf-8")."""

    def __init__(self, name: str = "utf-16") -> None:
        self.name = name

    def to_server(self, line: str, col: int) -> int:
        """Our column in ``line`` -> the server's."""
        if self.name == "utf-32" or line.isascii():
            return col
        head = line[:col]
        if self.name == "utf-8":
            return len(head.encode("utf-8", "surrogatepass"))
        return col + sum(1 for ch in head if ch > "\uffff")

    def from_server(self, line: str, col: int) -> int:
        """The server's column in ``line`` -> ours (clamped to the line)."""
        if self.name == "utf-32" or line.isascii():
            return min(col, len(line))
        if self.name == "utf-8":
            return len(line.encode("utf-8", "surrogatepass")[:col].decode("utf-8", "ignore"))
        units = 0
        for i, ch in enumerate(line):
            if units >= col:
                return i
            units += 2 if ch > "\uffff" else 1
        return len(line)

    def length(self, text: str) -> int:
        """``text``'s length in the server's units."""
        if self.name == "utf-32" or text.isascii():
            return len(text)
        if self.name == "utf-8":
            return len(text.encode("utf-8", "surrogatepass"))
        return len(text) + sum(1 for ch in text if ch > "\uffff")


def change_events(changes: list[Change], line_text: LineSource, encoding: Encoding) -> list[lsp.TextDocumentContentChangePartial] | None:
    """The incremental ``didChange`` events for ``changes`` (as :meth:`Document.apply`
    returned them: last first, each in the coordinates just before it, which is the order
    LSP applies them in), or None when they cannot be converted without the old text.

    ``line_text(i)`` reads line ``i`` of the document *after* the changes. For one change
    the text before its start is untouched, so the new line gives its column; with several
    changes that holds only where no conversion is needed.
    """
    exact = len(changes) == 1 or encoding.name == "utf-32"
    ascii_changes = exact or all(c.deleted.isascii() and c.inserted.isascii() for c in changes)
    events = []
    for change in changes:
        prefix_line = line_text(change.start_line)
        if not exact and not (ascii_changes and prefix_line.isascii()):
            return None  # an earlier change on this line may have moved its non-ASCII characters
        start = encoding.to_server(prefix_line, change.start_col)
        deleted = change.deleted
        breaks = deleted.count("\n")
        if breaks:
            end = lsp.Position(change.start_line + breaks, encoding.length(deleted[deleted.rfind("\n") + 1 :]))
        else:
            end = lsp.Position(change.start_line, start + encoding.length(deleted))
        events.append(lsp.TextDocumentContentChangePartial(
            range=lsp.Range(lsp.Position(change.start_line, start), end), text=change.inserted))
    return events


def to_server_position(lines: LineSource, line: int, col: int, encoding: Encoding) -> lsp.Position:
    return lsp.Position(line, encoding.to_server(lines(line), col))


def from_server_range(lines: LineSource, rng: lsp.Range, encoding: Encoding) -> tuple[int, int, int, int]:
    """A server range -> ``(line, col, end_line, end_col)`` in our columns."""
    s, e = rng.start, rng.end
    return (s.line, encoding.from_server(lines(s.line), s.character),
            e.line, encoding.from_server(lines(e.line), e.character))


def text_lines(text: str) -> LineSource:
    """A ``line -> text`` reader over a whole text (for files that are not open)."""
    lines = text.split("\n")

    def line(i: int) -> str:
        return lines[i].rstrip("\r") if 0 <= i < len(lines) else ""

    return line
