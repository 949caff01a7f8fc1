"""Turn a highlight query's matches over a window of rows into per-line spans.

Two things py-tree-sitter leaves to us:

- **Text predicates** (``#match?``, ``#eq?``, ``#any-of?`` and their ``not-``/``any-``
  forms). py-tree-sitter checks them against the text the tree was parsed from, and
  silently skips all of them once a tree has been edited. Our trees are always edited
  (shifted by each keystroke until the reparse lands), so we read the predicates from the
  query text and check them against the document as it is now. Other predicates
  (``#is-not? local``, ``#set!``) are ignored: they need scope analysis we do not run.
- **Overlaps**. Captured nodes are nested or disjoint. The innermost node wins. When
  several patterns capture the same range, the most specific one wins: first a pattern
  with a text predicate (``(#match? @constant "^[A-Z_]+$")``) over one without, then the
  deeper capture (``(call function: (attribute attribute: (identifier) @function.method))``
  over ``(attribute attribute: (identifier) @property)`` over ``(identifier) @variable``),
  then the later pattern. The bundled queries do not agree on an order — Python's and
  JavaScript's list ``(identifier) @variable`` first and expect later patterns to win,
  Go's list it last and expect the first to win — so order alone cannot be the rule;
  specificity gives both their intended colours.

A capture named ``none`` resets to plain text; captures starting with ``_`` are helpers
and colour nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from nxedit.model.languages import highlights_query, highlights_source
from nxedit.model.text.plain import strip_eol

from .base import Span

_TOKEN = re.compile(r'\s+|;[^\n]*|"(?:\\.|[^"\\])*"|\(#[^\s()]+|@[\w.\-]+|[()\[\]]|[^\s()\[\]";@]+', re.S)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}


def _unquote(token: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), token[1:-1], flags=re.S)


@dataclass(frozen=True, slots=True)
class Predicate:
    """One text predicate of a pattern, e.g. ``(#match? @constant "^[A-Z]")``."""

    kind: str  # "eq" | "match" | "any-of"
    capture: str
    negate: bool = False
    quantifier_any: bool = False  # "any-" forms: one captured node satisfying it is enough
    values: tuple[str, ...] = ()
    other_capture: str | None = None  # (#eq? @a @b)
    regex: re.Pattern[str] | None = None

    def holds(self, texts: list[str], other: list[str]) -> bool:
        results = (self._one(text, i, other) != self.negate for i, text in enumerate(texts))
        return any(results) if self.quantifier_any else all(results)

    def _one(self, text: str, i: int, other: list[str]) -> bool:
        if self.kind == "match":
            return self.regex.search(text) is not None
        if self.other_capture is not None:
            return i < len(other) and text == other[i]
        return text in self.values  # eq: one value; any-of: several


_KINDS = {"eq?": "eq", "match?": "match", "any-of?": "any-of"}


def _predicate(name: str, args: list[tuple[str, str]]) -> Predicate | None:
    negate = name.startswith("not-") or name.startswith("any-not-")
    quantifier_any = name.startswith("any-") and name != "any-of?"
    kind = _KINDS.get(name.removeprefix("any-").removeprefix("not-"))
    if kind is None or not args or args[0][0] != "capture":
        return None  # not a text predicate (#is-not?, #set!, ...)
    capture, rest = args[0][1], args[1:]
    if kind == "eq" and rest and rest[0][0] == "capture":
        return Predicate(kind, capture, negate, quantifier_any, other_capture=rest[0][1])
    values = tuple(value for _, value in rest)
    if kind == "match":
        try:
            return Predicate(kind, capture, negate, quantifier_any, values, regex=re.compile(values[0]))
        except (re.error, IndexError):
            return None
    return Predicate(kind, capture, negate, quantifier_any, values)


def analyse_pattern(text: str) -> tuple[dict[str, int], tuple[Predicate, ...]]:
    """A pattern's captures with the depth of the node each captures, and its text predicates."""
    depths: dict[str, int] = {}
    predicates: list[Predicate] = []
    depth = 0  # open node parentheses (not grouping ones)
    stack: list[str] = []  # "(" node, "g" group, "?" not known yet, "[" alternation, "#" predicate
    target = 1  # depth of the node a capture written now refers to
    pred_name, pred_args = "", []
    for m in _TOKEN.finditer(text):
        tok = m.group()
        head = tok[0]
        if head.isspace() or head == ";":
            continue
        if stack and stack[-1] == "#":  # inside a predicate: collect its arguments
            if tok == ")":
                stack.pop()
                pred = _predicate(pred_name, pred_args)
                if pred is not None:
                    predicates.append(pred)
            elif head == "@":
                pred_args.append(("capture", tok[1:]))
            else:
                pred_args.append(("string", _unquote(tok) if head == '"' else tok))
            continue
        if stack and stack[-1] == "?":  # "(" then a node type opens a node; anything else groups
            if tok.isidentifier():
                stack[-1] = "("
                depth += 1
                continue
            stack[-1] = "g"
        if tok.startswith("(#"):
            stack.append("#")
            pred_name, pred_args = tok[2:], []
        elif tok == "(":
            stack.append("?")
        elif tok == ")":
            kind = stack.pop() if stack else "("
            if kind == "(":
                target = depth
                depth -= 1
            else:
                target = depth + 1
        elif tok == "[":
            stack.append("[")
            target = depth + 1
        elif tok == "]":
            if stack:
                stack.pop()
            target = depth + 1
        elif head == "@":
            name = tok[1:]
            depths[name] = max(depths.get(name, 0), target)
        elif head == '"' or tok == "_" or tok.isidentifier():
            target = depth + 1  # a token or a bare node at this depth
    return depths, tuple(predicates)


@dataclass(frozen=True)
class QueryRules:
    """Per pattern of a highlight query: its text predicates and its captures' ranks."""

    predicates: tuple[tuple[Predicate, ...], ...]
    # capture name -> (has text predicate, depth, scope): with the pattern index, the rank
    # of a capture when several capture one range (the higher wins); scope "" = plain
    colours: tuple[dict[str, tuple[int, int, str]], ...]


@lru_cache(maxsize=None)
def query_rules(language: str) -> QueryRules:
    """Predicates and ranks of a language's highlight query (cached)."""
    query = highlights_query(language)
    source = highlights_source(language).encode("utf-8")
    scopes = {}
    for i in range(query.capture_count):
        name = query.capture_name(i)
        if not name.startswith("_"):
            scopes[name] = "" if name == "none" else name
    predicates, colours = [], []
    for i in range(query.pattern_count):
        text = source[query.start_byte_for_pattern(i) : query.end_byte_for_pattern(i)].decode("utf-8")
        depths, preds = analyse_pattern(text)
        predicates.append(preds)
        has_pred = 1 if preds else 0
        colours.append({name: (has_pred, depths.get(name, 1), scope) for name, scope in scopes.items()})
    return QueryRules(tuple(predicates), tuple(colours))


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


class WindowText:
    """The document lines a window query reads: node text for predicates, byte-to-char columns."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self._rows: dict[int, tuple[str, bytes | None]] = {}  # row -> (text, UTF-8 if not ASCII)

    def row(self, row: int) -> tuple[str, bytes | None]:
        found = self._rows.get(row)
        if found is None:
            text = strip_eol(self.lines[row]) if 0 <= row < len(self.lines) else ""
            found = self._rows[row] = (text, None if text.isascii() else _utf8(text))
        return found

    def line(self, row: int) -> str:
        return self.row(row)[0]

    def encoded(self, row: int) -> bytes:
        text, data = self.row(row)
        return text.encode("ascii") if data is None else data

    def byte_len(self, row: int) -> int:
        text, data = self.row(row)
        return len(text) if data is None else len(data)

    def char_col(self, row: int, col: int) -> int:
        text, data = self.row(row)
        if data is None:
            return min(col, len(text))
        return len(data[:col].decode("utf-8", "ignore"))

    def text(self, start: tuple[int, int], end: tuple[int, int]) -> str:
        (r0, c0), (r1, c1) = start, end
        if r0 == r1:
            text, data = self.row(r0)
            return text[c0:c1] if data is None else data[c0:c1].decode("utf-8", "replace")
        parts = [self.encoded(r0)[c0:]] + [self.encoded(r) for r in range(r0 + 1, r1)] + [self.encoded(r1)[:c1]]
        return b"\n".join(parts).decode("utf-8", "replace")


def window_spans(matches, rules: QueryRules, text: WindowText, first: int, last: int, row0: int = 0):
    """Per-line spans of lines ``[first, last)`` from ``QueryCursor.matches`` output.

    ``row0`` is added to the rows of nodes (a tree parsed from a slice of the document).
    """
    items = []
    append = items.append
    colours = rules.colours
    predicates = rules.predicates
    for pattern, captures in matches:
        preds = predicates[pattern]
        if preds and not _satisfied(preds, captures, text, row0):
            continue
        table = colours[pattern]
        for name, nodes in captures.items():
            info = table.get(name)
            if info is None:
                continue
            has_pred, depth, scope = info
            for node in nodes:
                s, e = node.start_point, node.end_point
                # sorted: by start, outer (later end) first, then by rank; see _flatten
                append((s[0] + row0, s[1], -e[0] - row0, -e[1], has_pred, depth, pattern, scope))
    return _split_lines(_flatten(items), text, first, last)


def _satisfied(preds, captures, text: WindowText, row0: int) -> bool:
    def texts(name):
        return [
            text.text((s[0] + row0, s[1]), (e[0] + row0, e[1]))
            for s, e in ((n.start_point, n.end_point) for n in captures.get(name, ()))
        ]

    for pred in preds:
        if not pred.holds(texts(pred.capture), texts(pred.other_capture) if pred.other_capture else []):
            return False
    return True


def _flatten(items) -> list[tuple[int, int, int, int, str]]:
    """Nested captures -> disjoint ``(row0, col0, row1, col1, scope)`` segments.

    Items come sorted by start, outer before inner, and for one range by rank; painting
    them in that order with a stack makes the innermost node and, for one range, the
    highest rank win.
    """
    items.sort()
    out: list[tuple[int, int, int, int, str]] = []
    stack: list[list] = []  # [start, end, scope], outermost first
    pos = (0, 0)

    def emit(a, b, scope):
        if scope and a < b:
            if out and out[-1][4] == scope and (out[-1][2], out[-1][3]) == a:
                out[-1] = (*out[-1][:2], *b, scope)
            else:
                out.append((*a, *b, scope))

    for sr, sc, ner, nec, _pred, _depth, _pattern, scope in items:
        start, end = (sr, sc), (-ner, -nec)
        while stack and stack[-1][1] <= start:
            _, stop, inner = stack.pop()
            emit(pos, stop, inner)
            pos = stop
        if stack:
            emit(pos, start, stack[-1][2])
        pos = start
        top = stack[-1] if stack else None
        if top is not None and top[0] == start and top[1] == end:
            top[2] = scope  # same range: sorted by rank, so this one wins
        elif end > start:
            stack.append([start, end, scope])
    while stack:
        _, stop, inner = stack.pop()
        emit(pos, stop, inner)
        pos = stop
    return out


def _split_lines(segments, text: WindowText, first: int, last: int) -> list[list[Span]]:
    """Cut (row, byte col) segments into per-line character spans, clipped to the lines."""
    result: list[list[Span]] = [[] for _ in range(last - first)]
    row_of = text.row
    for r0, c0, r1, c1, scope in segments:
        for row in range(max(r0, first), min(r1, last - 1) + 1):
            line, data = row_of(row)
            size = len(line) if data is None else len(data)
            a = min(c0 if row == r0 else 0, size)
            b = min(c1 if row == r1 else size, size)
            if a >= b:
                continue
            if data is not None:  # byte columns -> character columns
                a, b = len(data[:a].decode("utf-8", "ignore")), len(data[:b].decode("utf-8", "ignore"))
            if line[a:b].isspace():
                continue  # indentation inside a comment, the gaps of a captured pair: nothing to colour
            spans = result[row - first]
            if spans and spans[-1][1] == a and spans[-1][2] == scope:
                spans[-1] = (spans[-1][0], b, scope)
            elif a < b:
                spans.append((a, b, scope))
    return result
