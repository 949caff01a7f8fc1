"""Inserted or deleted lines, repeated where the surrounding code looks alike.

``repeat.py`` inserts or deletes lines again only between the very same neighbour lines
(the very same lines). Real repeats go next to look-alike code instead: ``t.Helper()`` at
the top of the next assertion helper (``func assertEqual(t *testing.T, ...) {``), a doc
comment above the next function of the same shape (``// WrapH is ...`` above ``func
WrapH(h http.Handler)``: the names the examples copied from their neighbour follow the
target's neighbour), or ``print("on_field_name")`` deleted in the next handler as
``print("on_field_start")`` was in the one before (lines of the same shape). Insertions
need two examples (one says little: see ``DELETE_CONFIDENCE``): the same lines twice, or
lines of the same shape and mostly the same names (a template filled in for each place);
after one, only where both neighbours are the example's own lines with names changed
(``insert-renamed``: ``// SAFETY: `NonZeroU128` ...`` above ``fn from(v: &'v NonZeroU128)``
goes above ``fn from(v: &'v NonZeroI128)`` as ``// SAFETY: `NonZeroI128` ...``);
a deletion is offered as a guess after one. Lines that went into a list (imports, fields, entries) are never repeated
in the next list.

A place qualifies when the lines on both sides look like the example's: each *key* line
(the nearest line that says something, past at most one brace or blank line, which must
then be the same as the example's) is the same line, a line of the same shape sharing a
name, or one that begins with the same three or more tokens including a name; and at
least one side says something. Indentation moves by the same amount on both sides.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from nxedit.model.text.plain import is_word_char
from .candidates import Candidate, Site, cluster, scan_lines
from .context import RECENT, Context
from .lexer import IDENT, KEYWORDS, PUNCT, Token, squash, token_shape, tokenize
from .rewrite import indent_of, reindent

SOURCE = "structural:repeat"
RULE_INSERT = "insert-similar"  # the acceptance model's rule for inserts at look-alike neighbours
RULE_DELETE = "same-shape"  # ... and for lines of the example's shape
# Inserted once, lines were the next edit at the first look-alike place only a third of the
# time (train split, out of fold: 7 of 20; shown suggestions are right three times in four):
# an insertion is repeated once an earlier hunk made it too. Deleted once: 1 of 1, a guess.
DELETE_CONFIDENCE = 0.4
CONFIRMED_CONFIDENCE = 0.7  # an earlier hunk made the same insertion (or deletion)
RULE_RENAMED, RENAMED_CONFIDENCE = "insert-renamed", 0.45  # once, between the example's neighbours renamed
PREFIX = 3  # lines beginning with this many equal tokens (one of them a name) are alike
# longer blocks are one-off code, not a repeated edit (train, out of fold: no block of more
# than 3 lines inserted once at a look-alike place was the developer's next edit, 5 of 5 wrong)
MAX_LINES = 3


def _says_something(tokens: list[Token]) -> bool:
    """A line a place can be recognised by: a name (not a keyword) and three tokens."""
    return len(tokens) >= 3 and any(t.kind == IDENT and t.text not in KEYWORDS for t in tokens)


def _alike(a: list[Token], b: list[Token]) -> int:
    """How alike two lines are: 2, the same construct (the same shape and a name in common,
    or the same first ``PREFIX`` tokens, one of them a name); 1, the same first two tokens,
    one of them a name (``if err != nil`` / ``if err == nil``); else 0."""
    if token_shape(a) == token_shape(b):
        names = {t.text for t in a if t.kind == IDENT and t.text not in KEYWORDS}
        if names & {t.text for t in b}:
            return 2
    same = 0
    for x, y in zip(a, b):
        if x.text != y.text:
            break
        same += 1
    if not any(t.kind == IDENT and t.text not in KEYWORDS for t in a[:same]):
        return 0
    return 2 if same >= PREFIX else 1 if same == 2 else 0


class _Side:
    """One side of an example's place: the lines next to it, up to its key line."""

    def __init__(self, ctx: Context, line: int, step: int):
        self.ctx, self.step = ctx, step
        lines = ctx.buf.lines
        self.near: list[str] = []
        self.key: list[Token] | None = None
        self.indent = indent_of(lines[line]) if 0 <= line < len(lines) else ""
        for d in range(2):  # past at most one line that says nothing (`}`, a blank line)
            i = line + d * step
            if not 0 <= i < len(lines):
                return
            tokens = ctx.buf.tokens(i)
            if _says_something(tokens):
                self.key = tokens
                self.key_text = lines[i]
                return
            self.near.append(squash(lines[i]))

    def matches(self, line: int) -> tuple[list[Token] | None, int]:
        """At a target place whose neighbour on this side is ``line``: its key line and how
        alike it is to this side's (``_alike``; 0: not at all; 1 with no key line: this
        side says nothing, and the target's lines are the same nothing)."""
        lines = self.ctx.buf.lines
        for d, near in enumerate(self.near):
            i = line + d * self.step
            if not 0 <= i < len(lines) or squash(lines[i]) != near:
                return None, 0
        i = line + len(self.near) * self.step
        if self.key is None:
            return None, 1
        if not 0 <= i < len(lines):
            return None, 0
        tokens = self.ctx.buf.tokens(i)
        return tokens, _alike(self.key, tokens)

    def mapping(self, tokens: list[Token] | None) -> dict[str, str] | None:
        return _names_map(self.key, tokens) if self.key is not None and tokens is not None else {}


def _place(above: _Side, below: _Side, up: int, down: int) -> bool:
    """Both sides alike, one of them as the same construct."""
    return min(up, down) >= 1 and max(up if above.key else 0, down if below.key else 0) >= 2


def _names_map(a: list[Token], b: list[Token]) -> dict[str, str] | None:
    """The names of key line ``a`` that stand where ``b`` has other names (lines of one
    shape); None when a name would map to two names."""
    if token_shape(a) != token_shape(b):
        return {}
    out: dict[str, str] = {}
    for x, y in zip(a, b):
        if x.kind == IDENT and x.text != y.text:
            if out.get(x.text, y.text) != y.text:
                return None
            out[x.text] = y.text
    return out


def _in_a_list(ctx: Context, block: list[str], above: _Side, below: _Side) -> bool:
    """Whether the lines went into (or out of) a run of lines like them (imports, fields,
    list items): another item of the list is not another place for the same item."""
    for line in block:
        tokens = tokenize(line, ctx.buf.dollar)
        if any(side.key is not None and _list_items(side.key, tokens) for side in (above, below)):
            return True
    return False


def _list_items(a: list[Token], b: list[Token]) -> bool:
    """Whether two lines are items of one list: alike, of one shape, or both ``key:`` /
    ``name =`` / ``value,`` entries."""
    shape_a, shape_b = token_shape(a), token_shape(b)
    return bool(_alike(a, b)) or shape_a == shape_b or (
        len(shape_a) >= 2 and shape_a[:2] == shape_b[:2] and shape_a[1] in (":", "=", ","))


def _merged(a: dict[str, str] | None, b: dict[str, str] | None) -> dict[str, str] | None:
    if a is None or b is None or any(a.get(k, v) != v for k, v in b.items()):
        return None
    return {**a, **b}


_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'')


def _substitute(text: str, mapping: dict[str, str], dollar: bool) -> str:
    """``text`` with the mapped names replaced, outside string literals (a message's words
    are not the code's names: ``s.chars()`` -> ``s.iter()`` leaves "2 tick chars" alone)."""
    if not mapping:
        return text
    quoted = [m.span() for m in _STRING.finditer(text)]
    out, at = [], 0
    for t in tokenize(text, dollar):
        if t.kind == IDENT and t.text in mapping and not any(a <= t.start < b for a, b in quoted):
            out += [text[at : t.start], mapping[t.text]]
            at = t.end
    return "".join(out) + text[at:]


def _confirmed_in_shape(ctx: Context, new: list[str]) -> bool:
    """Whether an earlier hunk inserted lines of the same shape, most of their names the same
    (``For the prefix to be visible, `{prefix}` ...`` then ``For the message ... `{msg}` ...``):
    the same template filled in for another place, a pattern as much as the same lines are."""
    dollar = ctx.buf.dollar
    mine = [tokenize(x, dollar) for x in new]
    names = {t.text for line in mine for t in line if t.kind == IDENT}
    for h in ctx.hunks[-RECENT:-1]:
        old, ins, _ = h.core()
        if old or len(ins) != len(new):
            continue
        theirs = [tokenize(x, dollar) for x in ins]
        if all(token_shape(a) == token_shape(b) for a, b in zip(mine, theirs)):
            shared = names & {t.text for line in theirs for t in line if t.kind == IDENT}
            if 2 * len(shared) >= len(names):
                return True
    return False


def insertions(ctx: Context, new: list[str]) -> list[Candidate]:
    """The user inserted ``new`` (and had before): insert it again where the neighbours look
    alike, with the names it shares with a neighbour of the same shape taken from the target's."""
    last = ctx.last
    confirmed = bool(ctx.made_before([], new)) or _confirmed_in_shape(ctx, new)
    lines = ctx.buf.lines
    at = last.start + last.core()[2]
    if not last.intact or at <= 0 or at + len(new) >= len(lines) or len(new) > MAX_LINES:
        return []
    if not _says_something(tokenize("".join(new), ctx.buf.dollar)):
        return []
    above, below = _Side(ctx, at - 1, -1), _Side(ctx, at + len(new), 1)
    if above.key is None and below.key is None or _in_a_list(ctx, new, above, below):
        return []
    # once, only between lines that are the example's own with some names changed (the
    # next test, `#[test]` / `fn field_filter_spans() {`): a template of the place, not a look
    if not confirmed and (above.near or below.near or above.key is None or below.key is None):
        return []
    indent = indent_of(lines[at - 1])
    new_key = [squash(x) for x in new]
    text = "".join(new)
    # once, the neighbours must be the example's renamed: their punctuation is the same (a cheap
    # test before the lines are tokenized: this looks at every line of the file)
    skeletons = None if confirmed else (_skeleton(lines[at - 1]), _skeleton(lines[at + len(new)]))
    ends = (_end(lines[at - 1]), _end(lines[at + len(new)]))

    def sites() -> Iterator[Site]:
        for p in scan_lines(len(lines), ctx.cursor.line):
            if p <= 0:
                continue
            if skeletons is not None and ((_end(lines[p - 1]), _end(lines[p])) != ends
                                          or (_skeleton(lines[p - 1]), _skeleton(lines[p])) != skeletons):
                continue
            if ctx.in_history(p) or ctx.in_history(p - 1):
                continue
            if (len(indent_of(lines[p - 1])) - len(above.indent)) != (len(indent_of(lines[p])) - len(below.indent)):
                continue  # the place must move by the same indentation on both sides
            up, up_level = above.matches(p - 1)
            if not up_level:
                continue
            down, down_level = below.matches(p)
            if not _place(above, below, up_level, down_level):
                continue
            if not confirmed and not (_renamed(above.key, up) and _renamed(below.key, down)):
                continue
            if [squash(x) for x in lines[p : p + len(new)]] == new_key or \
                    [squash(x) for x in lines[max(p - len(new), 0) : p]] == new_key:
                continue  # already there
            mapping = _merged(above.mapping(up), below.mapping(down))
            if mapping is None:
                continue  # the neighbours disagree on what a name becomes
            piece = _substitute(text, mapping, ctx.buf.dollar)
            if [squash(x) for x in lines[p : p + len(new)]] == [squash(x) for x in piece.splitlines(True)]:
                continue
            yield Site(p, p, reindent("\n" + piece, indent, indent_of(lines[p - 1]))[1:])

    edit = next(sites(), None)  # one place: look-alike places side by side are a list, not a pattern
    if edit is None:
        return []
    edit = cluster([edit], lines)
    if not confirmed:
        return [Candidate(edit, SOURCE, RENAMED_CONFIDENCE, RULE_RENAMED)]
    return [Candidate(edit, SOURCE, CONFIRMED_CONFIDENCE, RULE_INSERT)]


_WORDS = re.compile(r"[\w$]+|\s+")


def _skeleton(line: str) -> str:
    """A line without its names, numbers and spaces: equal for a line and its renamed copy."""
    return _WORDS.sub("", line)


def _end(line: str) -> str:
    """A line's last character, any name's or number's as one: a first, cheap look at a line."""
    ch = line.rstrip()[-1:]
    return "w" if ch and (is_word_char(ch) or ch == "$") else ch


def _renamed(a: list[Token], b: list[Token] | None) -> bool:
    """Whether line ``b`` is line ``a`` with at most its names (or numbers) changed."""
    def same_or_renamed(x: Token, y: Token) -> bool:
        return x.text == y.text or (
            x.kind == y.kind != PUNCT and x.text not in KEYWORDS and y.text not in KEYWORDS)

    return b is not None and len(a) == len(b) and all(same_or_renamed(x, y) for x, y in zip(a, b))


def deletions(ctx: Context, old: list[str]) -> list[Candidate]:
    """The user deleted ``old``: delete lines of the same shapes (sharing a name with them)
    where the neighbours look alike (``print("on_field_name")`` in the next handler)."""
    last = ctx.last
    lines = ctx.buf.lines
    at = last.start + last.core()[2]
    n = len(old)
    if not last.intact or at <= 0 or at >= len(lines) or n > MAX_LINES:
        return []
    old_tokens = [tokenize(x, ctx.buf.dollar) for x in old]
    if not _says_something([t for ts in old_tokens for t in ts]):
        return []
    shapes = [token_shape(ts) for ts in old_tokens]
    names = {t.text for ts in old_tokens for t in ts if t.kind == IDENT and t.text not in KEYWORDS}
    above, below = _Side(ctx, at - 1, -1), _Side(ctx, at, 1)
    if above.key is None and below.key is None or _in_a_list(ctx, old, above, below):
        return []
    indent = indent_of(old[0])
    keys = [squash(x) for x in old]

    def sites() -> Iterator[Site]:
        for p in scan_lines(len(lines), ctx.cursor.line):
            if p <= 0 or p + n >= len(lines) or any(ctx.in_history(x) for x in range(p - 1, p + n + 1)):
                continue
            if indent_of(lines[p]) != indent or [squash(x) for x in lines[p : p + n]] == keys:
                continue  # the very same lines are repeat.py's delete-lines
            target = [ctx.buf.tokens(i) for i in range(p, p + n)]
            if [token_shape(ts) for ts in target] != shapes or not names & {t.text for ts in target for t in ts}:
                continue
            (_, up), (_, down) = above.matches(p - 1), below.matches(p + n)
            if _place(above, below, up, down):
                yield Site(p, p + n, "")

    edit = next(sites(), None)
    if edit is None:
        return []
    edit = cluster([edit], lines)
    confidence = CONFIRMED_CONFIDENCE if ctx.made_before(old, []) else DELETE_CONFIDENCE
    return [Candidate(edit, SOURCE, confidence, RULE_DELETE)]
