"""Related snippets from other files (open buffers, recently edited files) for a prompt.

Candidates are the definitions a file's tree-sitter tags query finds (functions,
classes, methods...), or windows of lines when its language has no tags. They are
ranked by the identifiers they share with the editable region, with a bonus for
defining a name used near the cursor, and taken best first within a token budget.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable

from nxedit.model.languages import spec_for_path, tags_query, new_parser
from nxedit.model.text.plain import split_lines

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")
# words every language is full of: sharing them says nothing
_COMMON = frozenset(
    "and are as assert async await bool break case catch char class const continue def default del do "
    "double elif else enum except export extends false final finally float fn for from func function "
    "get global if impl import in int interface is lambda let long match mod mut new nil none not null "
    "of or package pass private protected pub public raise return self set static str string struct "
    "super switch this throw true try type typeof use var void while with yield".split()
)
WINDOW_LINES = 20  # a window candidate when a file has no tags
MAX_SNIPPET_LINES = 40
MAX_FILE_CHARS = 300_000  # bigger files are cut: ranking must stay cheap


@dataclass(frozen=True, slots=True)
class Snippet:
    path: str
    start_line: int  # 0-based
    text: str
    score: float


def identifiers(text: str) -> set[str]:
    """The identifiers of a text worth matching on (3+ characters, not a common keyword)."""
    return {w for w in _IDENT.findall(text) if w.lower() not in _COMMON}


def _definitions(path: str, text: str) -> list[tuple[int, int, str]] | None:
    """``(first line, end line, defined name)`` of a file's definitions, or None without tags."""
    spec = spec_for_path(path)
    if spec is None or not spec.tags:
        return None
    try:
        import tree_sitter

        query = tags_query(spec.name)
        tree = new_parser(spec.name).parse(text.encode("utf-8", "surrogatepass"))
        matches = tree_sitter.QueryCursor(query).matches(tree.root_node)
    except Exception:  # a broken grammar or query: fall back to windows
        return None
    found = []
    for _, captures in matches:
        names = captures.get("name", [])
        defs = [n for key, nodes in captures.items() if key.startswith("definition.") for n in nodes]
        if defs and names:
            node = defs[0]
            end = node.end_point.row + (0 if node.end_point.column == 0 else 1)
            found.append((node.start_point.row, max(end, node.start_point.row + 1), names[0].text.decode("utf-8", "replace")))
    return found


def _candidates(path: str, text: str) -> list[tuple[int, list[str], set[str]]]:
    """``(first line, lines, names defined)`` of each candidate snippet of one file."""
    text = text[:MAX_FILE_CHARS]
    lines = split_lines(text)
    defs = _definitions(path, text)
    if defs is None:
        step = WINDOW_LINES // 2
        return [(i, lines[i : i + WINDOW_LINES], set()) for i in range(0, max(1, len(lines) - step), step)]
    by_span: dict[tuple[int, int], set[str]] = {}
    for start, end, name in defs:
        by_span.setdefault((start, min(end, start + MAX_SNIPPET_LINES)), set()).add(name)
    return [(s, lines[s:e], names) for (s, e), names in sorted(by_span.items())]


def related_snippets(
    files: dict[str, str],
    region: str,
    near_cursor: str,
    budget_tokens: int,
    count_tokens: Callable[[str], int],
    limit: int = 8,
) -> tuple[Snippet, ...]:
    """The snippets of ``files`` most related to ``region``, best first, within the budget.

    Score: shared identifiers over the square root of the snippet's own (so a long
    snippet does not win by size), plus 1 for defining a name used near the cursor and
    0.5 for defining another name of the region. Unrelated snippets (score 0) are left out.
    """
    region_ids = identifiers(region)
    near_ids = identifiers(near_cursor)
    if not region_ids:
        return ()
    scored: list[Snippet] = []
    for path, text in files.items():
        for start, lines, defined in _candidates(path, text):
            body = "".join(lines)
            ids = identifiers(body)
            shared = len(ids & region_ids)
            score = shared / math.sqrt(len(ids) + 1)
            if defined & near_ids:
                score += 1.0
            elif defined & region_ids:
                score += 0.5
            if score > 0:
                scored.append(Snippet(path, start, body, round(score, 4)))
    scored.sort(key=lambda s: (-s.score, s.path, s.start_line))
    chosen, used = [], 0
    for snippet in scored:
        cost = count_tokens(snippet.text)
        if used + cost > budget_tokens:
            continue
        chosen.append(snippet)
        used += cost
        if len(chosen) == limit:
            break
    return tuple(chosen)
