"""Diagnostics on screen: a sign in the gutter of each line with a problem, and the
problem's text underlined (errors and warnings; information and hints get the sign only)."""

from __future__ import annotations

from bisect import bisect_left
from typing import TYPE_CHECKING, Iterator

from nxedit.editor.view.layers import Annotation

if TYPE_CHECKING:
    from .features import LanguageFeatures

SPAN = 200  # lines a diagnostic may span above the window and still be underlined there
SIGNS = {1: "●", 2: "▲", 3: "·", 4: "·"}


class DiagnosticLayer:
    """A view layer over the shown buffer's diagnostics."""

    def __init__(self, features: "LanguageFeatures") -> None:
        self.features = features
        self.version = 0
        self._starts_of: list | None = None
        self._starts: list[int] = []

    def changed(self) -> None:
        self.version += 1
        self.features.app.view.refresh_layers()

    def _first_from(self, found: list, first_line: int) -> int:
        """Where the diagnostics that may reach ``first_line`` start (sorted by start line;
        few problems span many lines, so looking back :data:`SPAN` lines finds them)."""
        if self._starts_of is not found:
            self._starts_of, self._starts = found, [d.line for d in found]
        return bisect_left(self._starts, first_line - SPAN)

    def annotations(self, first_line: int, last_line: int) -> Iterator[Annotation]:
        buffer = self.features.app.view.buffer
        found = self.features.diagnostics_of(buffer)
        if not found:
            return
        doc = buffer.document
        signed: set[int] = set()
        for d in found[self._first_from(found, first_line):]:
            if d.line >= last_line:
                break
            if d.end_line < first_line:
                continue
            if first_line <= d.line and d.line not in signed:  # the most severe comes first
                signed.add(d.line)
                yield Annotation("gutter", d.line, text=SIGNS.get(d.severity, "●"), style=f"diagnostic.{d.kind}.sign")
            if d.severity > 2:
                continue
            for line in range(max(d.line, first_line), min(d.end_line, last_line - 1, doc.line_count - 1) + 1):
                length = doc.line_length(line)
                col = d.col if line == d.line else 0
                end = d.end_col if line == d.end_line else length
                if end <= col:  # an empty range: mark the character there (or the one before the end)
                    col, end = (col, col + 1) if col < length else (max(0, length - 1), length)
                if end > col:
                    yield Annotation("overlay", line, col, end, style=f"diagnostic.{d.kind}")
