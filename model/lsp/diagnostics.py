"""Diagnostics in our terms: one value per problem, in our columns, sorted by place."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Iterable, NamedTuple

from lsprotocol import types as lsp

from nxedit.model.text.document import Document

from .edits import offset_of
from .positions import Encoding

SEVERITY_NAMES = {1: "error", 2: "warning", 3: "info", 4: "hint"}


class Diagnostic(NamedTuple):
    line: int
    col: int
    end_line: int
    end_col: int
    severity: int  # 1 error, 2 warning, 3 information, 4 hint (LSP's numbers)
    message: str
    source: str = ""
    code: str = ""

    @property
    def kind(self) -> str:
        return SEVERITY_NAMES.get(self.severity, "error")

    def summary(self) -> str:
        """One line for the status line or a list: ``error: "x" is not defined (pyright)``."""
        text = " ".join(self.message.split())
        where = f" ({self.source})" if self.source else ""
        return f"{self.kind}: {text}{where}"


def convert(doc: Document, items: Iterable[lsp.Diagnostic], encoding: Encoding) -> list[Diagnostic]:
    """The server's diagnostics for ``doc``, converted and sorted (most severe first on a
    line)."""
    out = []
    for d in items:
        start, end = offset_of(doc, d.range.start, encoding), offset_of(doc, d.range.end, encoding)
        (l0, c0), (l1, c1) = doc.position(start), doc.position(max(start, end))
        code = "" if d.code is None else str(d.code)
        out.append(Diagnostic(l0, c0, l1, c1, int(d.severity or 1), d.message, d.source or "", code))
    out.sort(key=lambda d: (d.line, d.severity, d.col))
    return out


def on_line(diagnostics: list[Diagnostic], line: int) -> list[Diagnostic]:
    """The diagnostics that start on ``line`` (the list is sorted by line)."""
    lines = [d.line for d in diagnostics]
    return diagnostics[bisect_left(lines, line) : bisect_right(lines, line)]


def next_after(diagnostics: list[Diagnostic], line: int, col: int, step: int) -> Diagnostic | None:
    """The diagnostic after (``step`` 1) or before (-1) the position, wrapping around."""
    if not diagnostics:
        return None
    ordered = sorted(diagnostics, key=lambda d: (d.line, d.col))
    if step > 0:
        return next((d for d in ordered if (d.line, d.col) > (line, col)), ordered[0])
    return next((d for d in reversed(ordered) if (d.line, d.col) < (line, col)), ordered[-1])
