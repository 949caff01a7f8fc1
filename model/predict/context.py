"""What a next-edit model sees of a request: the editable region, its surroundings, the
user's recent edits and related snippets from other files.

The editable region is grown around the cursor to the enclosing syntax nodes within a
token budget (Zeta: up to 350 tokens, plus about 150 tokens of read-only context around
it), or is a fixed window of lines for prompt formats trained on one (Instinct, Sweep).
Budgets are counted with the model's tokenizer when one is loaded, else estimated.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

from nxedit.model.text.edits import Position
from nxedit.model.languages import BY_NAME, new_parser
from .snippets import Snippet, related_snippets
from nxedit.model.text.plain import split_editor_lines, split_lines, strip_eol

TokenCounter = Callable[[str], int]

PARSE_WINDOW = 400  # lines parsed on each side of the cursor: the cost stays bounded in big files
EVENT_CONTEXT = 8  # lines kept around each history hunk for its diff


def estimate_tokens(text: str) -> int:
    """A deliberately low guess of a code tokenizer's count (about 3 UTF-8 bytes a token)."""
    return max(1, len(text.encode("utf-8", "surrogatepass")) // 3) if text else 0


def guess_tokens(text: str) -> int:
    """Zed's guess of a line's tokens (``cursor_excerpt.rs``: ``line_len / 3``, at least 1,
    the line break not counted): the unit Zeta's budgets were trained with."""
    return max(1, len(strip_eol(text).encode("utf-8", "surrogatepass")) // 3)


@dataclass(frozen=True, slots=True)
class RegionSpec:
    """How a prompt format wants its region and context cut.

    ``syntax=True``: grow the region to syntax nodes around the cursor within
    ``region_tokens``, then the read-only context within ``context_tokens``.
    ``syntax=False``: a fixed window, ``lines_above``/``lines_below`` the cursor line for
    the region and ``context_above``/``context_below`` for the excerpt around it. With
    ``snap`` the window is anchored on a block of ``snap`` lines holding the cursor instead
    of the cursor line itself, so it stays put while the cursor moves within the block: the
    prompt's file context stays the same from keystroke to keystroke and a server reuses
    its cached prefix.
    """

    syntax: bool = True
    region_tokens: int = 350
    context_tokens: int = 150
    lines_above: int = 0
    lines_below: int = 0
    context_above: int = 0
    context_below: int = 0
    max_events: int = 5
    snippet_tokens: int = 0
    # the unit of the budgets when the model was trained with a fixed guess (Zeta: Zed's
    # bytes / 3), whatever tokenizer is loaded; None: the model's tokenizer when there is one
    count_tokens: Callable[[str], int] | None = None
    snap: int = 0  # fixed windows: the cursor line rounded down to a multiple of this anchors them
    # fixed windows: a region whose first line would be blank starts up to this many lines
    # higher, on the nearest line with text. After a blank first line a small model has no
    # anchor to copy from: it goes on from another blank line of the excerpt and rewrites
    # code that is not the region's (Gemma 3 270M with Instinct's window, runs 1-6 of issue
    # 17: 9 of the 25 regions that began blank refused so, none of the other 75).
    anchor_start: int = 0


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """One recent edit of the file: lines ``old_text`` became ``new_text`` at ``start_line``
    (0-based, in the text as it was then), with unchanged lines around it when known."""

    path: str
    start_line: int
    old_text: str
    new_text: str
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()

    def unified_diff(self, context_lines: int = 3) -> str:
        """The edit as unified-diff hunks (``@@ -a,b +c,d @@`` lines first, no file header)."""
        before = [strip_eol(x) for x in self.before[len(self.before) - context_lines :]] if context_lines else []
        after = [strip_eol(x) for x in self.after[:context_lines]]
        old = before + [strip_eol(x) for x in split_lines(self.old_text)] + after
        new = before + [strip_eol(x) for x in split_lines(self.new_text)] + after
        shift = self.start_line - len(before)
        out = []
        for line in list(difflib.unified_diff(old, new, n=context_lines, lineterm=""))[2:]:
            if line.startswith("@@"):
                line = _HUNK_HEADER.sub(lambda m: _shifted_header(m, shift), line)
            out.append(line)
        return "\n".join(out)


_HUNK_HEADER = re.compile(r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@")


def _shifted_header(m: re.Match, shift: int) -> str:
    return f"@@ -{int(m[1]) + shift}{m[2] or ''} +{int(m[3]) + shift}{m[4] or ''} @@"


@dataclass(frozen=True)
class EditContext:
    """Everything a prompt format renders for one request (lines are the editor's lines)."""

    path: str
    language: str
    current: str
    lines: list[str]
    cursor: Position
    region: tuple[int, int]  # editable lines [start, end)
    excerpt: tuple[int, int]  # read-only lines around it [start, end), containing the region
    events: tuple[HistoryEvent, ...] = ()  # newest last
    snippets: tuple[Snippet, ...] = ()  # best first
    count_tokens: TokenCounter = field(default=estimate_tokens, repr=False, compare=False)
    line_offsets: tuple[int, ...] = field(default=(), repr=False, compare=False)  # of excerpt lines
    diagnostics: tuple = ()  # the request's Problems on excerpt lines, nearest the cursor first

    def offset(self, line: int) -> int:
        """Character offset in ``current`` of the start of an excerpt line (or one past it)."""
        return self.line_offsets[line - self.excerpt[0]]

    @property
    def region_start(self) -> int:
        return self.offset(self.region[0])

    @property
    def region_end(self) -> int:
        """End of the region's last line, before its line ending."""
        return self.region_start + len(self.region_text)

    @property
    def region_text(self) -> str:
        """The region as the model sees it: its lines without the last one's ending."""
        start, end = self.region
        return "".join(self.lines[start : end - 1]) + strip_eol(self.lines[end - 1])

    @property
    def cursor_offset(self) -> int:
        return self.offset(self.cursor.line) + self.cursor.column

    @property
    def cursor_in_region(self) -> int:
        return self.cursor_offset - self.region_start

    def text(self, start_line: int, end_line: int) -> str:
        return "".join(self.lines[start_line:end_line])

    @property
    def last_event(self) -> HistoryEvent | None:
        return self.events[-1] if self.events else None


def build_context(
    request,
    spec: RegionSpec,
    count_tokens: TokenCounter | None = None,
    exclude: Callable[[str], bool] | None = None,
) -> EditContext:
    """The context of a :class:`~nxedit.model.predict.request.PredictionRequest` cut as ``spec`` says.

    ``count_tokens`` is the model tokenizer's counter when one is loaded; ``exclude``
    says which paths of ``request.files`` must never reach a model (private files).
    """
    count = spec.count_tokens or count_tokens or estimate_tokens
    lines = split_editor_lines(request.current)
    cursor = Position(*request.cursor)
    if spec.syntax:
        region, excerpt = _syntax_region(lines, cursor, request.language, spec, count)
    else:
        region, excerpt = _fixed_region(lines, cursor.line, spec)
    start = sum(map(len, lines[: excerpt[0]]))
    offsets = [start]
    for line in lines[excerpt[0] : excerpt[1]]:
        offsets.append(offsets[-1] + len(line))
    events = history_events(request.path, request.current, request.history, spec.max_events)
    snippets: tuple[Snippet, ...] = ()
    if spec.snippet_tokens:
        files = {p: t for p, t in (request.files or {}).items() if p != request.path and not (exclude and exclude(p))}
        near = "".join(lines[max(0, cursor.line - 2) : cursor.line + 3])
        snippets = related_snippets(
            files, "".join(lines[region[0] : region[1]]), near, spec.snippet_tokens, count
        )
    problems = tuple(p for p in getattr(request, "diagnostics", ()) if excerpt[0] <= p.line < excerpt[1])
    return EditContext(
        request.path, request.language, request.current, lines, cursor, region, excerpt,
        events, snippets, count, tuple(offsets), problems,
    )


def history_events(path: str, current: str, history: Iterable, limit: int = 5) -> tuple[HistoryEvent, ...]:
    """The last ``limit`` history hunks (oldest first) as events with their surrounding lines.

    Hunks are sequential, so the text before each one is rebuilt from ``current`` by
    undoing the later hunks; once a hunk does not match the text, older events keep no
    surrounding lines (their diffs still show what changed).
    """
    hunks = [h for h in history if h.old_text != h.new_text][-limit:] if limit else []
    events = []
    after: list[str] | None = split_lines(current)
    for h in reversed(hunks):
        old, new = split_lines(h.old_text), split_lines(h.new_text)
        s = h.start_line
        if after is not None and after[s : s + len(new)] == new:
            before_lines = tuple(after[max(0, s - EVENT_CONTEXT) : s])
            after_lines = tuple(after[s + len(new) : s + len(new) + EVENT_CONTEXT])
            after = after[:s] + old + after[s + len(new) :]
        else:
            before_lines = after_lines = ()
            after = None
        events.append(HistoryEvent(path, s, h.old_text, h.new_text, before_lines, after_lines))
    return tuple(reversed(events))


# ---------------------------------------------------------------------------------------
# cutting the region


def _fixed_region(lines: list[str], row: int, spec: RegionSpec) -> tuple[tuple[int, int], tuple[int, int]]:
    n = len(lines)
    first, last = (row - row % spec.snap, row - row % spec.snap + spec.snap - 1) if spec.snap else (row, row)
    region = (max(0, first - spec.lines_above), min(n, last + spec.lines_below + 1))
    start = region[0]
    while 0 < start < n and region[0] - start < spec.anchor_start and not lines[start].strip():
        start -= 1
    if start < region[0] and lines[start].strip():
        region = (start, region[1])
    excerpt = (
        min(region[0], max(0, first - spec.context_above)),
        max(region[1], min(n, last + spec.context_below + 1)),
    )
    return region, excerpt


def _parse_window(lines: list[str], row: int, language: str):
    """``(tree, first line)`` for a window of :data:`PARSE_WINDOW` lines around ``row``, or None.

    Only that window is parsed, so a huge file costs no more than a small one (outer
    nodes are cut at the window's edges).
    """
    spec = BY_NAME.get(language)
    if spec is None or not spec.has_grammar:
        return None
    w0 = max(0, row - PARSE_WINDOW)
    source = "".join(lines[w0 : row + PARSE_WINDOW + 1]).encode("utf-8", "surrogatepass")
    try:
        return new_parser(language).parse(source), w0
    except Exception:  # a grammar that cannot load must not stop the model path
        return None


def _node_spans(parsed, lines: list[str], span: tuple[int, int]) -> list[tuple[int, int]]:
    """Line spans ``[start, end)`` of the syntax nodes enclosing ``span``, innermost first."""
    if parsed is None:
        return []
    tree, w0 = parsed
    end_column = len(strip_eol(lines[span[1] - 1]).encode("utf-8", "surrogatepass"))
    node = tree.root_node.named_descendant_for_point_range((span[0] - w0, 0), (span[1] - 1 - w0, end_column))
    spans: list[tuple[int, int]] = []
    while node is not None:
        start, end = node.start_point, node.end_point
        stop = end.row if end.column == 0 and end.row > start.row else end.row + 1
        s = (w0 + start.row, w0 + stop)
        if not spans or s != spans[-1]:
            spans.append(s)
        node = node.parent
    return spans


def _grow(lines: list[str], span: tuple[int, int], budget: int, parsed, count: TokenCounter) -> tuple[int, int]:
    """``span`` grown to enclosing syntax nodes, then line by line, within ``budget`` tokens."""
    lo, hi = span
    for s_lo, s_hi in _node_spans(parsed, lines, span):
        s_lo, s_hi = min(s_lo, lo), max(s_hi, hi)
        if (s_lo, s_hi) == (lo, hi):
            continue
        cost = sum(count(x) for x in lines[s_lo:lo]) + sum(count(x) for x in lines[hi:s_hi])
        if cost > budget:
            break
        lo, hi, budget = s_lo, s_hi, budget - cost
    while budget > 0:  # then alternate: the line below first (edits tend to follow the cursor)
        grew = False
        if hi < len(lines) and count(lines[hi]) <= budget:
            budget -= count(lines[hi])
            hi, grew = hi + 1, True
        if lo > 0 and count(lines[lo - 1]) <= budget:
            budget -= count(lines[lo - 1])
            lo, grew = lo - 1, True
        if not grew:
            break
    return lo, hi


def _syntax_region(lines: list[str], cursor: Position, language: str, spec: RegionSpec,
                   count: TokenCounter) -> tuple[tuple[int, int], tuple[int, int]]:
    row = cursor.line
    parsed = _parse_window(lines, row, language)
    region = _grow(lines, (row, row + 1), max(0, spec.region_tokens - count(lines[row])), parsed, count)
    return region, _grow(lines, region, spec.context_tokens, parsed, count)
