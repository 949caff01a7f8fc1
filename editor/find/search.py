"""Find and replace over a Document: literal or regular-expression queries, case rules.

A query is matched literally unless regular expressions are on; it ignores case unless it
contains an upper-case letter ("smart case") or "match case" is on. In regex mode ``^`` and
``$`` match at line ends, and the replacement may name capture groups (``\\1``, ``$1``,
``${name}``, ``\\g<name>``). A bad pattern or replacement is a :class:`QueryError` whose
message is one line. Finding the next match scans the text from the cursor (a user action,
not per key); highlighting asks only for the lines on screen. Project search and the buffer's
find bar share these rules.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from nxedit.model.text.changeset import ChangeSet
from nxedit.model.text.document import Document

from nxedit.editor.buffer import Buffer, Selection


class QueryError(ValueError):
    """An invalid pattern or replacement; ``str()`` is one line for the status bar."""


class Query(NamedTuple):
    text: str
    regex: bool = False
    match_case: bool = False  # False: smart case

    def compile(self) -> re.Pattern[str] | None:
        return compile_query(self.text, self.regex, self.match_case)

    def ignores_case(self) -> bool:
        return not self.match_case and not has_upper(self.text, self.regex)


def has_upper(text: str, regex: bool = False) -> bool:
    """Whether the query asks for exact case: an upper-case letter, not counting the
    letters of regex escapes (``\\S``, ``\\W``, ``\\B``...)."""
    if regex:
        text = re.sub(r"\\.", "", text)
    return any(ch.isupper() for ch in text)


def compile_query(query: str, regex: bool = False, match_case: bool = False) -> re.Pattern[str] | None:
    """The pattern for a query (None for an empty one); raises :class:`QueryError`."""
    if not query:
        return None
    flags = 0 if match_case or has_upper(query, regex) else re.IGNORECASE
    if not regex:
        return re.compile(re.escape(query), flags)
    try:
        return re.compile(query, flags | re.MULTILINE)
    except re.error as exc:
        raise QueryError(f"bad regular expression: {_one_line(exc)}") from None
    except (OverflowError, RecursionError):
        raise QueryError("bad regular expression: too large") from None


def _one_line(exc: re.error) -> str:
    text = exc.msg if hasattr(exc, "msg") else str(exc)
    if getattr(exc, "pos", None) is not None:
        text += f" at position {exc.pos}"
    return text.replace("\n", " ")


_DOLLAR = re.compile(r"\$(?:(\d+)|\{(\w+)\}|(\$))")


def replacement_template(replacement: str) -> str:
    """A replacement in the usual spellings (``$1``, ``${name}``, ``$$``, ``\\1``, ``\\g<1>``,
    ``\\n``) as a template for :meth:`re.Match.expand`."""
    out = []
    last = 0
    for m in _DOLLAR.finditer(replacement):
        out.append(replacement[last : m.start()])
        group = m.group(1) or m.group(2)
        out.append("$" if m.group(3) else f"\\g<{group}>")
        last = m.end()
    out.append(replacement[last:])
    return "".join(out)


class Replacer:
    """Turns a match into its replacement text: literal, or expanded with capture groups."""

    def __init__(self, replacement: str, regex: bool) -> None:
        self.text = replacement
        self.template = replacement_template(replacement) if regex else None

    def __call__(self, match: re.Match[str]) -> str:
        if self.template is None:
            return self.text
        try:
            return match.expand(self.template)
        except (re.error, IndexError) as exc:
            raise QueryError(f"bad replacement: {_one_line(exc) if isinstance(exc, re.error) else exc}") from None


def line_matches(doc: Document, first: int, last: int, pattern: re.Pattern[str]) -> dict[int, list[tuple[int, int]]]:
    """Column ranges of the matches on lines ``[first, last)`` (lines without one are left out)."""
    out: dict[int, list[tuple[int, int]]] = {}
    for line in range(max(first, 0), min(last, doc.line_count)):
        spans = [m.span() for m in pattern.finditer(doc.line_text(line)) if m.end() > m.start()]
        if spans:
            out[line] = spans
    return out


def _non_empty(pattern: re.Pattern[str], text: str, start: int = 0, end: int | None = None):
    """The matches that are not empty (an empty match selects nothing to jump to)."""
    found = pattern.finditer(text, start) if end is None else pattern.finditer(text, start, end)
    return (m for m in found if m.end() > m.start())


class Finder:
    """Searches one document, reusing its joined text while the document is unchanged."""

    def __init__(self) -> None:
        self._version: tuple[int, int] | None = None
        self._text = ""

    def text(self, doc: Document) -> str:
        key = (id(doc), doc.version)
        if key != self._version:
            self._text, self._version = doc.text, key
        return self._text

    def find(
        self, doc: Document, pattern: re.Pattern[str], offset: int, backwards: bool = False
    ) -> tuple[int, int] | None:
        """The next match at or after ``offset`` (before it when ``backwards``), wrapping
        around the end of the file; None when there is none."""
        text = self.text(doc)
        if not backwards:
            m = next(_non_empty(pattern, text, offset), None) or next(_non_empty(pattern, text), None)
            return m.span() if m else None
        last = None
        for m in _non_empty(pattern, text, 0, offset):
            last = m
        if last is None:
            for m in _non_empty(pattern, text, offset):
                last = m
        return last.span() if last else None

    def rank(self, doc: Document, pattern: re.Pattern[str], start: int) -> tuple[int, int]:
        """``(n, total)``: the match starting at ``start`` is the n-th (1-based) of ``total``."""
        starts = [m.start() for m in _non_empty(pattern, self.text(doc))]
        return sum(1 for s in starts if s <= start), len(starts)


def replace_current(
    buf: Buffer, pattern: re.Pattern[str], replacement: str, regex: bool = False, finder: Finder | None = None
) -> bool:
    """Replace the selection if it is a match; returns whether it was. Raises
    :class:`QueryError` for a replacement naming a group the pattern lacks."""
    sel = buf.selection
    doc = buf.document
    if sel.is_empty:
        return False
    m = pattern.match((finder or Finder()).text(doc), sel.start)
    if m is None or m.end() != sel.end:
        return False
    new = Replacer(replacement, regex)(m)
    buf.history.seal()
    changes = ChangeSet.from_edits(len(doc), [(sel.start, sel.end, new)])
    buf.edit(changes, Selection.cursor(sel.start + len(new)), origin="command")
    buf.history.seal()
    return True


def replace_all(
    buf: Buffer, pattern: re.Pattern[str], replacement: str, finder: Finder | None = None, regex: bool = False
) -> int:
    """Replace every match in one undo step; returns how many were replaced. Raises
    :class:`QueryError` (and changes nothing) for a bad replacement."""
    doc = buf.document
    text = (finder or Finder()).text(doc)
    expand = Replacer(replacement, regex)
    edits = [(m.start(), m.end(), expand(m)) for m in _non_empty(pattern, text)]
    if edits:
        buf.history.seal()
        buf.edit(ChangeSet.from_edits(len(doc), edits), origin="command")
        buf.history.seal()
    return len(edits)
