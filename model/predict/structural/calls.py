"""The same argument added to another call: ``f(a, b)`` -> ``f(a, b, ctx=c)``, then ``f(x)``.

The user's last edit inserted text at the start or the end of one call's argument list;
the next call of the same function that lacks it gets the same text. Lexical: the
argument list is found by matching parentheses, so calls may span lines. Where the
grammar knows, both the edited place and the target must be calls: a definition's
parameters (``fn f(a)``) and a pattern (``Ok(e) =>``) look like calls but are not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .candidates import Candidate, Site, cluster_all, scan_lines
from .context import Context
from .lexer import IDENT, KEYWORDS
from .rewrite import Example

SOURCE = "structural:repeat"
MAX_CALL_CHARS = 2000  # an argument list longer than this is not looked into
DEFINERS = frozenset({"def", "fn", "func", "function"})


@dataclass(frozen=True)
class ArgumentEdit:
    callee: str
    text: str  # what was inserted, as typed ("seconds=", ", ctx=self.ctx")
    at_end: bool  # appended before ")" (else inserted right after "(")
    paren: int = field(default=0, compare=False)  # the example's token index of the "("


def argument_edit(ex: Example | None) -> ArgumentEdit | None:
    """The edit as an insertion at one edge of a call's arguments, or None."""
    if ex is None or len(ex.opcodes) != 1:
        return None
    i1, i2, j1, j2 = ex.opcodes[0]
    ot, nt = ex.old_tokens, ex.new_tokens
    if i1 != i2 or j1 == 0 or j2 >= len(nt):
        return None
    depth, p = 0, i1 - 1
    while p >= 0:  # the "(" that opens the argument list the insertion is in
        if ot[p].text == ")":
            depth += 1
        elif ot[p].text == "(":
            if depth == 0:
                break
            depth -= 1
        p -= 1
    if p < 1 or ot[p - 1].kind != IDENT or ot[p - 1].text in KEYWORDS:
        return None
    if any(t.text in DEFINERS for t in ot[max(0, p - 4) : p - 1]):
        return None  # a definition's parameters changed: that is a signature change
    text = ex.new[nt[j1 - 1].end : nt[j2].start]
    if not text.strip() or "\n" in text:
        return None
    if i1 == p + 1:
        return ArgumentEdit(ot[p - 1].text, text, at_end=False, paren=p)
    if ot[i1].text == ")" and _closing(ot, p) == i1:
        return ArgumentEdit(ot[p - 1].text, text, at_end=True, paren=p)
    return None


def _closing(tokens, p: int) -> int | None:
    depth = 0
    for i in range(p, len(tokens)):
        if tokens[i].text == "(":
            depth += 1
        elif tokens[i].text == ")":
            depth -= 1
            if depth == 0:
                return i
    return None


def _matching_paren(text: str, open_at: int) -> int | None:
    depth = 0
    for i in range(open_at, min(len(text), open_at + MAX_CALL_CHARS)):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
    return None


def _is_call(ctx: Context, line: int, column: int) -> bool:
    """Whether the "(" at ``column`` opens a call's arguments (True when the grammar cannot tell)."""
    syntax = ctx.buf.syntax
    if syntax is None:
        return True
    node = syntax.node_at(line, column, column + 1)
    for _ in range(3):  # "(" -> its argument list -> the call (a macro's token tree has one more)
        node = node.parent
        if node is None:
            return False
        if any(k in node.type for k in ("call", "new_expression", "invocation")):
            return True
    return False


def _example_is_call(ctx: Context, ex: Example, edit: ArgumentEdit) -> bool:
    """Whether the user's edit was made to a call (tokens before the insertion are unchanged,
    so the "(" has the same index in the new text)."""
    hunk = ctx.last
    if not hunk.intact:
        return True
    _, _, top = hunk.core()
    paren = ex.new_tokens[edit.paren]
    line = hunk.start + top + ex.new.count("\n", 0, paren.start)
    return _is_call(ctx, line, paren.start - (ex.new.rfind("\n", 0, paren.start) + 1))


def _in_text(ctx: Context, line: int, column: int) -> bool:
    syntax = ctx.buf.syntax
    return syntax is not None and syntax.in_string_or_comment(syntax.node_at(line, column, column + 1))


def predict(ctx: Context) -> list[Candidate]:
    if not ctx.examples:
        return []
    edit = argument_edit(ctx.examples[0])
    if edit is None or not _example_is_call(ctx, ctx.examples[0], edit):
        return []
    twin = any(argument_edit(ex) == edit for ex in ctx.examples[1:])
    buf = ctx.buf
    call = re.compile(rf"(?<![\w$]){re.escape(edit.callee)}\s*\(")
    wanted = edit.text.strip(" ,")
    starts: dict[int, list[re.Match]] = {}
    for m in call.finditer(buf.text):
        starts.setdefault(buf.line_of(m.start()), []).append(m)

    def sites():
        busy = -1
        for line in scan_lines(len(buf.lines), ctx.cursor.line):
            if line < busy or line not in starts or ctx.in_history(line):
                continue
            m = starts[line][0]
            if _in_text(ctx, line, m.start() - buf.line_start(line)):
                continue  # a call mentioned in a comment or string is not a call
            open_at = m.end() - 1
            close_at = _matching_paren(buf.text, open_at)
            if close_at is None or not _is_call(ctx, line, open_at - buf.line_start(line)):
                continue
            args = buf.text[open_at + 1 : close_at]
            if wanted in args:
                continue  # this call has it already
            last_line = buf.line_of(close_at)
            if any(ctx.in_history(x) for x in range(line, last_line + 1)):
                continue
            if edit.at_end:
                insert_at, piece = close_at, edit.text if args.strip() else edit.text.lstrip(" ,")
            else:
                insert_at, piece = open_at + 1, edit.text if args.strip() else edit.text.rstrip(" ,")
            region_start, region_end = buf.line_start(line), buf.line_start(last_line + 1)
            region = buf.text[region_start:region_end]
            offset = insert_at - region_start
            busy = last_line + 1
            yield Site(line, last_line + 1, region[:offset] + piece + region[offset:])

    found, complete = cluster_all(sites(), buf.lines)
    if found is None:
        return []
    return [Candidate(found, SOURCE, 0.8 if twin else 0.65, "call-args" + ("-complete" if complete else ""))]
