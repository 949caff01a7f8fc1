"""Lines inserted at an edge of a definition, inserted at the same edge of the next one.

Two edges of a function (method, class) are places people change in every sibling in
turn, and the editor can find them without two examples: the attributes or decorators
right above the header (``#[inline]`` above ``fn len``, ``@pytest.mark.benchmark()`` above
``def test_fields``) and the first line of the body (``t.Helper()`` after ``func
assertNoError(t *testing.T, err error) {``). The next definition of the same kind, at the
same indentation, that lacks the lines gets them at the same edge. For a body's first line,
the target's header must declare every name the lines take from the example's header
(``t``): ``t.Helper()`` goes into the next helper taking a ``t``, not into any function.
Deletions work alike: a line taken off one edge (an attribute right above the header, the
first line of the body) goes off the same edge of the next one, where a line of that
attribute's name or of that shape sits. A third edge is the header's own modifiers: ``pub`` or ``async`` added to one header goes to
the next header of that kind (a pattern of keywords and names alone would match anything).
A fourth is the end of a block (brace languages): lines put last in it, a method at the end
of an impl, go last in the next block of that kind whose header begins alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .candidates import Candidate, Site, cluster, scan_lines
from .context import Context
from .lexer import DEFINITION, IDENT, KEYWORDS, Token, squash, token_shape, tokenize
from .rewrite import Example, indent_of, reindent

SOURCE = "structural:repeat"
RULE = "insert-sibling"  # the acceptance model's rule for all of them (modifiers too: one family, few cases)
ATTRIBUTE_CONFIDENCE = 0.55
BODY_CONFIDENCE = 0.5
MODIFIER_CONFIDENCE = 0.5
DELETE_CONFIDENCE = 0.45
# words that qualify a whole definition (its visibility, its kind of function), not a value or a binding
MODIFIERS = frozenset("""pub pure priv async static const unsafe export default public private protected abstract
    override final extern inline readonly declare virtual""".split())
MAX_LINES = 3  # a longer block inserted once is one-off code (see similar.py)
MAX_BLOCK_LINES = 8  # ... except last in a block: a method added to the end of one impl, then the next
_CLOSERS = frozenset(("}", "};", "},"))  # a block's last line (brace languages)
_ATTRIBUTE = re.compile(r"^\s*(?:@[^\W\d][\w.]*|#\[)")  # `@decorator`, `@pytest.mark.x(...)`, Rust `#[attr]`
# a marker: an attribute without arguments (`#[inline]`, `@staticmethod`, `@pytest.mark.benchmark()`)
# is a property many siblings share; one with arguments (`#[derive(Clone)]`, `#[cfg(miri)]`,
# `@settings(...)`) configures its own item (train: 4 of 6 markers right, 0 of 4 with arguments)
_MARKER = re.compile(r"^\s*(?:@[^\W\d][\w.]*(?:\(\))?|#\[\w+\])\s*$")
# the kinds of definition whose edges this behaviour knows (lexer.DEFINITION reads the header)
_KINDS = frozenset(("def", "class", "fn", "func", "function", "struct", "enum", "trait", "impl"))


def _kind(line: str) -> str | None:
    """The kind of definition whose header ``line`` is (`def`, `fn`, `class`, ...), if any."""
    m = DEFINITION.match(line)
    return m["kind"] if m is not None and m["kind"] in _KINDS else None


def insertions(ctx: Context, new: list[str]) -> list[Candidate]:
    """Candidates for lines ``new`` the last hunk inserted at a definition's edge."""
    last = ctx.last
    lines = ctx.buf.lines
    if last is None or not last.intact:
        return []
    at = last.start + last.core()[2]
    if at <= 0 or at + len(new) >= len(lines) or len(new) > MAX_BLOCK_LINES:
        return []
    if not any(t.kind == IDENT and t.text not in KEYWORDS for t in tokenize("".join(new), ctx.buf.dollar)):
        return []
    at_end = _last_lines(ctx, new, at) if squash(lines[at + len(new)]) in _CLOSERS else []
    if at_end or len(new) > MAX_LINES:
        return at_end  # (lines both first and last in a body are also judged as its first lines)
    if all(_ATTRIBUTE.match(ln) for ln in new):
        return _attributes(ctx, new, at) if all(_MARKER.match(ln) for ln in new) else []
    return _first_lines(ctx, new, at)


def deletions(ctx: Context, old: list[str]) -> list[Candidate]:
    """A line deleted at a definition's edge: a marker attribute right above its header
    (``#[inline(always)]``), or the first line of its body (``print("on_field_start")``) goes at
    the same edge of the next definition of that kind, where a line of that name (the
    attribute's) or that shape (names aside: ``print("on_field_name")``) sits."""
    last, lines = ctx.last, ctx.buf.lines
    if last is None or not last.intact:
        return []
    at = last.start + last.core()[2]
    if len(old) != 1 or at <= 0 or at >= len(lines):
        return []
    dollar = ctx.buf.dollar
    line = old[0]
    if _MARKER.match(line) or (_ATTRIBUTE.match(line) and _kind(lines[at])):
        kind = _kind(lines[at])
        if kind is None:
            return []
        head = _head(line)
        indent = indent_of(lines[at])

        def sites() -> Iterator[Site]:
            for p in _headers(ctx, kind, indent):
                q = p - 1
                while q >= 0 and _ATTRIBUTE.match(lines[q]) and _head(lines[q]) != head:
                    q -= 1
                if q >= 0 and _ATTRIBUTE.match(lines[q]) and not ctx.in_history(q):
                    yield Site(q, q + 1, "")
    else:
        kind = _kind(lines[at - 1])
        if kind is None or not lines[at - 1].rstrip().endswith(("{", ":")):
            return []
        indent = indent_of(lines[at - 1])
        shape = token_shape(tokenize(line, dollar))
        if not any(t.kind == IDENT and t.text not in KEYWORDS for t in tokenize(line, dollar)):
            return []

        def sites() -> Iterator[Site]:
            for p in _headers(ctx, kind, indent):
                if p + 1 < len(lines) and not ctx.in_history(p + 1) and token_shape(tokenize(lines[p + 1], dollar)) == shape:
                    yield Site(p + 1, p + 2, "")

    return _one(ctx, sites(), DELETE_CONFIDENCE)


def modifiers(ctx: Context) -> list[Candidate]:
    """The last edit only added or removed modifiers on a one-line header (``pub fn`` -> ``pub
    pure fn``, ``fn new`` -> ``pub fn new``, ``def`` -> ``async def``): the next header of that
    kind, at that indentation, gets the same change where it reads as the example did."""
    ex, last = ctx.examples[0] if ctx.examples else None, ctx.last
    if ex is None or last is None or not last.intact or ex.old.count("\n") > 1 or ex.new.count("\n") > 1:
        return []
    kind = _kind(ex.old)
    if kind is None or not all(t.text in MODIFIERS for i1, i2, j1, j2 in ex.opcodes
                                 for t in (*ex.old_tokens[i1:i2], *ex.new_tokens[j1:j2])):
        return []
    indent = indent_of(ex.old)
    lines = ctx.buf.lines
    dollar = ctx.buf.dollar

    def sites() -> Iterator[Site]:
        for p in _headers(ctx, kind, indent):
            text = lines[p]
            new_text = _apply_keywords(ex, text, tokenize(text, dollar))
            if new_text is not None and new_text != text:
                yield Site(p, p + 1, new_text)

    return _one(ctx, sites(), MODIFIER_CONFIDENCE)


def _apply_keywords(ex: Example, text: str, tokens: list[Token]) -> str | None:
    """``text`` with the example's keyword changes made, left to right, where the tokens next
    to each change (one each side) are the example's; None where one is not."""
    ot, nt = ex.old_tokens, ex.new_tokens
    out, pos, first = [], 0, 0
    for i1, i2, j1, j2 in ex.opcodes:
        changed = [t.text for t in ot[i1:i2]]
        before = ot[i1 - 1].text if i1 > 0 else None
        after = ot[i2].text if i2 < len(ot) else None

        def fits(k: int) -> bool:
            end = k + len(changed)
            return ([t.text for t in tokens[k:end]] == changed
                    and (before is None or (k > 0 and tokens[k - 1].text == before))
                    and (after is None or (end < len(tokens) and tokens[end].text == after)))

        at = next((k for k in range(first, len(tokens) + 1) if fits(k)), None)
        if at is None:
            return None
        end = at + len(changed)
        first = end
        if changed:  # removed keywords go with the spacing after them
            out.append(text[pos : tokens[at].start])
            pos = tokens[end].start if end < len(tokens) else tokens[end - 1].end
        else:  # inserted keywords go before the token that followed them, with their spacing
            start = tokens[at].start if after is not None else tokens[at - 1].end
            out += [text[pos:start], ex.new[nt[j1].start : nt[j2].start if j2 < len(nt) else nt[j2 - 1].end]]
            pos = start
    return "".join(out) + text[pos:]


def _attributes(ctx: Context, new: list[str], at: int) -> list[Candidate]:
    """``new`` (attribute lines) above a header: above the next header of that kind, as high in
    its attribute stack as the example was (right above the header, or on top of the others)."""
    lines = ctx.buf.lines
    below = at + len(new)
    while below < len(lines) and _ATTRIBUTE.match(lines[below]):
        below += 1
    kind = _kind(lines[below]) if below < len(lines) else None
    if kind is None:
        return []
    on_top = below > at + len(new)  # other attributes between the example and its header
    indent = indent_of(lines[below])
    key = [squash(x) for x in new]
    # the example's other attributes (`@given(...)`, `@pytest.mark.parametrize(...)`) say which
    # definitions are its siblings: the target has attributes of those names too
    top = at
    while top > 0 and _ATTRIBUTE.match(lines[top - 1]):
        top -= 1
    kin = {_head(lines[q]) for q in (*range(top, at), *range(at + len(new), below))}

    def sites() -> Iterator[Site]:
        for p in _headers(ctx, kind, indent):
            top = p
            while top > 0 and _ATTRIBUTE.match(lines[top - 1]) and indent_of(lines[top - 1]) == indent:
                top -= 1
            if any(squash(lines[q]) in key for q in range(top, p)) or ctx.in_history(top - 1):
                continue  # it has them already (or the user is editing there)
            if not kin <= {_head(lines[q]) for q in range(top, p)}:
                continue
            yield Site(top if on_top else p, top if on_top else p, "".join(new))

    return _one(ctx, sites(), ATTRIBUTE_CONFIDENCE)


def _first_lines(ctx: Context, new: list[str], at: int) -> list[Candidate]:
    """``new`` right after a one-line header: right after the next header of that kind whose
    own declarations include the names the lines take from the example's header."""
    lines = ctx.buf.lines
    kind = _kind(lines[at - 1])
    if kind is None or not lines[at - 1].rstrip().endswith(("{", ":")):
        return []
    indent = indent_of(lines[at - 1])
    dollar = ctx.buf.dollar
    declared = _names(lines[at - 1], dollar)
    needed = _names("".join(new), dollar) & declared
    key = [squash(x) for x in new]
    # lines that use nothing of the header (a lock, a guard on self) are this function's own,
    # unless an earlier edit put them first in another body of that kind too
    if not needed and not _first_before(ctx, new, kind):
        return []

    def sites() -> Iterator[Site]:
        for p in _headers(ctx, kind, indent):
            if not lines[p].rstrip().endswith(("{", ":")) or not needed <= _names(lines[p], dollar):
                continue
            if [squash(x) for x in lines[p + 1 : p + 1 + len(new)]] == key or ctx.in_history(p + 1):
                continue
            yield Site(p + 1, p + 1, reindent("\n" + "".join(new), indent_of(new[0]),
                                              indent_of(lines[p + 1]) if p + 1 < len(lines) else indent)[1:])

    if any(ln.lstrip().startswith(("#", "//", "/*", "*", '"', "'", "`")) for ln in new):
        return []  # a comment or docstring says something of its own function
    return _one(ctx, sites(), BODY_CONFIDENCE)


def _first_before(ctx: Context, new: list[str], kind: str) -> bool:
    """Whether an earlier hunk inserted the lines ``new`` right after a header of ``kind``."""
    lines = ctx.buf.lines
    for hunk in ctx.made_before([], new):
        at = hunk.start + hunk.core()[2]
        if hunk.intact and 0 < at <= len(lines) and _kind(lines[at - 1]) == kind:
            return True
    return False


def _last_lines(ctx: Context, new: list[str], at: int) -> list[Candidate]:
    """``new`` last in a block (a method at the end of an impl, ``os.Exit(1)`` at the end of a
    function): last in the next block of that kind whose header begins like this one's
    (``impl PartialOrd<LevelFilter> for Level`` -> ``impl PartialOrd for LevelFilter``) and
    whose last line is the example's line above (``}``, ``// ...``)."""
    lines = ctx.buf.lines
    closer = at + len(new)
    indent = indent_of(lines[closer])
    top = next((q for q in range(at - 1, -1, -1) if indent_of(lines[q]) == indent and lines[q].strip()), None)
    kind = _kind(lines[top]) if top is not None else None
    if kind is None or not lines[top].rstrip().endswith("{"):
        return []
    head = ctx.buf.tokens(top)
    above, key = squash(lines[at - 1]), [squash(x) for x in new]

    def sites() -> Iterator[Site]:
        for p in _headers(ctx, kind, indent):
            if p == top or not lines[p].rstrip().endswith("{"):
                continue
            if not _begins_alike(head, ctx.buf.tokens(p)):
                continue
            end = next((q for q in range(p + 1, len(lines))
                        if indent_of(lines[q]) == indent and lines[q].strip()), None)
            if end is None or squash(lines[end]) != squash(lines[closer]) or squash(lines[end - 1]) != above:
                continue
            if ctx.in_history(end) or [squash(x) for x in lines[max(end - len(new), 0) : end]] == key:
                continue
            piece = reindent("\n" + "".join(new), indent_of(lines[at - 1]), indent_of(lines[end - 1]))
            yield Site(end, end, piece[1:])

    return _one(ctx, sites(), BODY_CONFIDENCE)


def _begins_alike(a: list[Token], b: list[Token]) -> bool:
    """Whether two headers begin with the same two tokens and a name among them
    (``impl PartialOrd``, ``pub trait``, ``func (entry``)."""
    return (len(a) >= 2 and len(b) >= 2 and [t.text for t in a[:2]] == [t.text for t in b[:2]]
            and any(t.kind == IDENT for t in a[:2]))


def _headers(ctx: Context, kind: str, indent: str) -> Iterator[int]:
    """Lines, in scan order from the cursor, that are headers of ``kind`` at ``indent``, outside
    the user's edits."""
    lines = ctx.buf.lines
    for p in scan_lines(len(lines), ctx.cursor.line):
        if kind in lines[p] and indent_of(lines[p]) == indent and not ctx.in_history(p):
            if _kind(lines[p]) == kind:
                yield p


def _one(ctx: Context, sites: Iterator[Site], confidence: float) -> list[Candidate]:
    site = next(sites, None)  # the next sibling only: the one after it may be meant to differ
    if site is None:
        return []
    return [Candidate(cluster([site], ctx.buf.lines), SOURCE, confidence, RULE)]


def _head(line: str) -> str:
    """An attribute's name: ``@pytest.mark.parametrize(...)`` -> ``@pytest.mark.parametrize``."""
    return re.split(r"[(\s=\]]", line.strip(), maxsplit=1)[0]


def _names(text: str, dollar: bool) -> set[str]:
    return {t.text for t in tokenize(text, dollar) if t.kind == IDENT and t.text not in KEYWORDS}
