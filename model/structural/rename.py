"""Rename ripple: the user renamed an identifier -> its next remaining occurrence.

Scope-aware where the grammar allows: a name declared inside the function of the edit (a
parameter or local) is renamed only inside that function, and never where it follows a
``.`` (that is a member of something else); any other name is renamed across the file,
except inside functions that declare a local of the same name (they shadow it) and at
another declaration of the same kind (a same-named field of another struct is another
field). Occurrences in strings and comments follow only when the name is distinctive or
the user renamed one there. Renaming *to* a name that already existed is a change of
meaning, not a rename: it needs two examples before the engine believes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .candidates import Candidate, Site, cluster, in_scan_order
from .context import Context
from .lexer import IDENT, KEYWORDS, NUMBER, word_regex
from .rewrite import Example

SOURCE = "structural:rename"
MEMBER_PREFIXES = (".", "?.", "->")


def rename_ops(ex: Example | None) -> list[tuple[str, str]] | None:
    """The (old, new) name of every change if the edit only swaps single names, else None.

    Version-like numbers count too (``1.31 -> 1.36``: the same value elsewhere follows), but
    only when every change is one: a name and a value changed together are a new argument."""
    if ex is None:
        return None
    ops = [_swap(ex, op) for op in ex.opcodes]
    if not ops or None in ops:
        return None
    numbers = [a[:1].isdigit() for a, _ in ops]
    if len({a for a, _ in ops}) != len(set(ops)):
        return None  # one name became several: that is not a rename of it
    return ops if all(numbers) or not any(numbers) else None


def _swap(ex: Example, op) -> tuple[str, str] | None:
    i1, i2, j1, j2 = op
    if i2 - i1 != 1 or j2 - j1 != 1:
        return None
    a, b = ex.old_tokens[i1], ex.new_tokens[j1]
    if a.kind == b.kind == IDENT or (a.kind == b.kind == NUMBER and "." in a.text):
        return (a.text, b.text)
    return None


def distinctive(name: str) -> bool:
    """Names unlikely to be an ordinary word in prose: snake_case, camelCase, digits, or long."""
    return "_" in name.strip("_") or any(c.isdigit() for c in name) or (
        name[:1].islower() and any(c.isupper() for c in name)) or len(name) >= 12


@dataclass
class _Pair:
    """One renamed name and what is known about the place the user renamed it."""

    old: str
    new: str
    existed: bool = False  # `new` was already used outside the user's edits
    scope: object = None  # the function the name is local to (None: the file)
    site_kind: str | None = None  # what the renamed occurrence declares, if anything
    site_in_text: bool = False  # the user renamed it inside a string or comment
    site_member: bool = False  # the renamed occurrence follows a "."


def predict(ctx: Context) -> list[Candidate]:
    """A rename from the last edit; when it has no occurrence left, from the one before, ..."""
    for age in range(len(ctx.examples)):
        found = _from_example(ctx, age)
        if found:
            return found
    return []


def _declared_swaps(ctx: Context, age: int) -> list[tuple[str, str]]:
    """Names swapped at a declaration inside a larger edit (``type A = {`` -> ``export type B = {``)."""
    ex, hunk, syntax = ctx.examples[age], ctx.recent_hunk(age), ctx.buf.syntax
    if ex is None or syntax is None or not hunk.intact:
        return []
    out = []
    for op in ex.opcodes:
        pair = _swap(ex, op)
        if pair is None or ex.new_tokens[op[2]].kind != IDENT:
            continue
        site = _site(ctx, hunk, pair[1])
        if site is not None and syntax.declaration_kind(syntax.node_at(*site)) not in (None, "local"):
            out.append(pair)
    return out


def _from_example(ctx: Context, age: int) -> list[Candidate]:
    ops = rename_ops(ctx.examples[age])
    partial = False
    if ops is None and age == 0:
        ops, partial = _declared_swaps(ctx, age), True
    pairs = set(ops or ())
    if not pairs or len(pairs) > 4:
        return []
    # seen twice (in this edit or an earlier one): the user is renaming, not changing one use
    earlier = [op for ex in ctx.examples[age + 1 :] for op in rename_ops(ex) or ()]
    confirmed = len(ops) > len(pairs) or bool(pairs & set(earlier))
    hunk = ctx.recent_hunk(age)
    infos = [_study(ctx, hunk, old, new) for old, new in sorted(pairs) if not (old in KEYWORDS and not confirmed)]
    if not infos:
        return []
    buf = ctx.buf
    found: dict[int, list[tuple[int, int, _Pair]]] = {}  # line -> occurrences of an old name
    for info in infos:
        for line, start, end in _occurrences(ctx, info.old):
            found.setdefault(line, []).append((start, end, info))
    prose_lines = set()  # lines where a code rename would also rewrite a comment or string

    def sites():  # occurrences are judged lazily: only as far as the hunk reaches
        for line in in_scan_order(sorted(found), ctx.cursor.line):
            spans = []
            for start, end, info in sorted(found[line], key=lambda o: o[0]):
                where = _where(ctx, info, line, start, end)
                if where is not None:
                    spans.append((start, end, info.new))
                    if where == "text" and not info.site_in_text:
                        prose_lines.add(line)
            if spans:
                text, pos, parts = buf.lines[line], 0, []
                for start, end, new in spans:
                    parts += [text[pos:start], new]
                    pos = end
                parts.append(text[pos:])
                yield Site(line, line + 1, "".join(parts))

    edit = cluster(sites(), buf.lines)
    if edit is None:
        return []
    scoped = all(i.scope is not None for i in infos)
    confidence = 0.75 if scoped else 0.7
    if confirmed:
        confidence += 0.05
    if any(i.existed for i in infos):
        confidence = 0.55 if confirmed else 0.3
    if min(len(i.old) for i in infos) <= 2:
        confidence -= 0.15
    if any(edit.start_line <= line < edit.end_line for line in prose_lines):
        confidence -= 0.1  # the user renamed code; this also rewrites prose
    if any(i.site_in_text and not distinctive(i.old) for i in infos) and not confirmed:
        confidence -= 0.3  # a changed word in prose is an edit of the text, not a rename
    rule = "scoped" if scoped else "file"
    if partial:
        confidence, rule = confidence - 0.25, "declared"
    if age:
        confidence, rule = confidence - 0.1, rule + "-earlier"
    return [Candidate(edit, SOURCE, min(confidence, 0.97), rule)]


def _occurrences(ctx: Context, name: str):
    """(line, start, end) of every whole-word ``name`` outside the user's recent edits."""
    buf = ctx.buf
    regex = word_regex(name, buf.dollar)
    for line in buf.lines_containing(name):
        if not ctx.in_history(line):
            for m in regex.finditer(buf.line_text(line)):
                yield line, m.start(), m.end()


def _is_member(ctx: Context, line: int, start: int) -> bool:
    return ctx.buf.line_text(line)[:start].rstrip().endswith(MEMBER_PREFIXES)


def _site(ctx: Context, hunk, name: str) -> tuple[int, int, int] | None:
    """(line, start, end) of ``name`` inside the hunk's lines of the current text."""
    buf = ctx.buf
    regex = word_regex(name, buf.dollar)
    for line in range(hunk.start, min(hunk.end, len(buf.lines))):
        m = regex.search(buf.line_text(line))
        if m:
            return line, m.start(), m.end()
    return None


def _study(ctx: Context, hunk, old: str, new: str) -> _Pair:
    info = _Pair(old, new)
    buf = ctx.buf
    for m in word_regex(new, buf.dollar).finditer(buf.text):
        if not ctx.in_history(buf.line_of(m.start())):
            info.existed = True
            break
    site = _site(ctx, hunk, new) if hunk.intact else None
    if site is None:
        return info
    info.site_member = _is_member(ctx, site[0], site[1])
    syntax = buf.syntax
    if syntax is not None:
        node = syntax.node_at(*site)
        info.site_in_text = syntax.in_string_or_comment(node)
        if not info.site_in_text:
            info.site_kind = syntax.declaration_kind(node)
            if not info.site_member:
                info.scope = syntax.scope_declaring(node, {old, new})
    return info


def _where(ctx: Context, info: _Pair, line: int, start: int, end: int) -> str | None:
    """"code" or "text" (string, comment) if this occurrence is the renamed thing, else None."""
    syntax = ctx.buf.syntax
    if syntax is None:
        return "code"
    node = syntax.node_at(line, start, end)
    scope = info.scope
    if scope is not None:
        if not (scope.start_byte <= node.start_byte and node.end_byte <= scope.end_byte):
            return None
        if _is_member(ctx, line, start):
            return None
    if syntax.in_string_or_comment(node):
        return "text" if info.site_in_text or distinctive(info.old) else None
    if info.site_kind is not None and info.site_kind != "local" and syntax.declaration_kind(node) == info.site_kind:
        return None  # another declaration of the same kind: a different thing with the same name
    if scope is None and syntax.scope_declaring(node, {info.old}) is not None:
        return None  # file-wide rename, but this function has its own local of that name
    return "code"
