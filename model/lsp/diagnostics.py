"""Diagnostics in our terms: one value per problem, in our columns, sorted by place."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Iterable, NamedTuple

from nxedit.model.text.document import Document

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


def convert(doc: Document, items: Iterable[dict], encoding: Encoding) -> list[Diagnostic]:
    """The server's diagnostics for ``doc`` (plain JSON, as published), converted and sorted
    (most severe first on a line). A column needs converting only on a line with non-ASCII
    text, so thousands of diagnostics cost a few milliseconds."""
    out = []
    count = doc.line_count
    for d in items:
        try:
            start, end = d["range"]["start"], d["range"]["end"]
            l0, c0, l1, c1 = int(start["line"]), int(start["character"]), int(end["line"]), int(end["character"])
        except (KeyError, TypeError, ValueError):
            continue  # a malformed entry: skip it, keep the rest
        if l0 >= count:
            l0, c0 = count - 1, doc.line_length(count - 1)
        if l1 >= count or (l1, c1) < (l0, c0):
            l1, c1 = l0, c0 if l1 < count else doc.line_length(l0)
        text0, text1 = doc.line_text(l0), doc.line_text(l1)
        c0, c1 = encoding.from_server(text0, c0), encoding.from_server(text1, c1)
        code = d.get("code")
        severity = d.get("severity") if d.get("severity") in SEVERITY_NAMES else 1
        out.append(Diagnostic(l0, c0, l1, c1, severity, str(d.get("message", "")), str(d.get("source") or ""),
                              "" if code is None else str(code)))
    out.sort(key=lambda d: (d.line, d.severity, d.col))
    return out


def on_line(diagnostics: list[Diagnostic], line: int) -> list[Diagnostic]:
    """The diagnostics that start on ``line`` (the list is sorted by line)."""
    lo = bisect_left(diagnostics, line, key=_line)
    return diagnostics[lo : bisect_right(diagnostics, line, lo, key=_line)]


def _line(d: Diagnostic) -> int:
    return d.line


def next_after(diagnostics: list[Diagnostic], line: int, col: int, step: int) -> Diagnostic | None:
    """The diagnostic after (``step`` 1) or before (-1) the position, wrapping around."""
    if not diagnostics:
        return None
    ordered = sorted(diagnostics, key=lambda d: (d.line, d.col))
    if step > 0:
        return next((d for d in ordered if (d.line, d.col) > (line, col)), ordered[0])
    return next((d for d in reversed(ordered) if (d.line, d.col) < (line, col)), ordered[-1])
