"""Repeated edit: the user's last edit, generalised, applied at the next place it fits.

The last hunk is learned as a rewrite (``rewrite.py``) at several levels of generality,
from "the same lines" to "the same change with a few tokens of context". Each level looks
for the next site after the cursor (wrapping to the top); a more specific level is more
confident. When an earlier hunk made the same edit, the two examples are anti-unified
(what differs between them becomes a hole) and every level gets more confident.
Pure line insertions are placed between the same neighbour lines; pure deletions remove
the same lines elsewhere. An edit that changes several lines alike (a header and its body,
or the same argument on four lines) is also learned one line at a time, each changed line a
window of its own (``lines-2``, ``lines-1``), so a block whose lines between differ still
takes it; one-line edits the user made in turn on lines right below each other count as one
such edit (the editor records them apart, git as one hunk).

Lines inserted twice are also inserted where one neighbour is the same line and the other
a line of the same shape (the next argument list that ends like the examples did).
Lines inserted or deleted once are repeated next to look-alike code (``similar.py``), and
lines inserted at an edge of a definition (a marker attribute above it, a first line using
its parameters) at the same edge of the next definition of that kind (``siblings.py``).

Two kinds of edit generalise only once two recent hunks agree on them. Edits of prose
(every change inside strings, docstrings or comments: text is reworded differently each
time) are repeated from one example only on the very same lines, and then with a confidence
below the engine's default threshold (a guess, for clients that ask for guesses). Edits of
numbers only (data, expected values) are not repeated from one example at all. And an edit
is never repeated where it would define a second function, class or type of a name that
the class (or file) it lands in already defines (the history added that method already).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import lru_cache
from textwrap import dedent

from nxedit.model.text.edits import LineEdit
from nxedit.model.text.plain import common_prefix, split_lines
from .candidates import Candidate, Site, cluster, cluster_all, in_scan_order, scan_lines
from .context import RECENT, Context
from .lexer import DEFINITION, IDENT, KEYWORDS, NUMBER, PUNCT, keywords_of, squash, token_shape, tokenize
from .rename import rename_ops
from .rewrite import (Example, LineRewrite, Rewrite, copied_names, indent_of, learn, learn_lines, reindent,
                      renamed_twin)
from .scope import same_function, string_prefix
from . import siblings, similar

SOURCE = "structural:repeat"
# Confidences are the measured chance of an exact hit (bench/predict_quality.py, dev and held-out
# cases): the same lines once ~0.75, two agreeing examples ~0.85, looser patterns less.
CONFIRMED_BONUS = 0.05  # an earlier hunk made the same edit
EARLIER_PENALTY = 0.2  # learned from an edit before the last one (1 hit in 5 for the same lines)
SHORT_PATTERN, SHORT_PENALTY = 8, 0.3  # an edit of a few tokens looks like many unrelated places
LONG_PATTERN = 10  # whole lines of this many tokens, two of them keywords, are one construct (`pub fn _(&self) -> _ {`)
ELSEWHERE_PENALTY = 0.2  # an edit seen once, replayed in another function than its own
PROSE_PENALTY = 0.2  # words of a string or comment changed once: right about half the time
_QUOTES = frozenset("\"'`")
_DATA_PUNCT = frozenset(",.-+[]()\"'")  # what separates and signs numbers in a data entry
# definitions whose scope is the class (or file) they sit in, not the function body they may land in
_CLASS_KINDS = ("class", "impl_item", "trait_item", "interface")


def pattern_key(ex: Example) -> tuple:
    """What an edit does with copied names abstracted: equal keys = the same edit elsewhere."""
    copied = copied_names(ex)

    def norm(tokens):
        return tuple("\0" if t.kind == IDENT and t.text in copied else t.text for t in tokens)

    o, n = ex.old_tokens, ex.new_tokens
    return tuple((norm(o[i1:i2]), norm(n[j1:j2])) for i1, i2, j1, j2 in ex.opcodes)


def predict(ctx: Context) -> list[Candidate]:
    last = ctx.last
    if last is None or not ctx.examples:
        return []
    old, new, _ = last.core()
    out: list[Candidate] = []
    if new and not old:
        out += _insertions(ctx, new)
        out += _new_edits(out, similar.insertions(ctx, new))
        out += _new_edits(out, siblings.insertions(ctx, new))
    elif old and not new:
        out += _deletions(ctx, old)
        out += _new_edits(out, similar.deletions(ctx, old))
        out += _new_edits(out, siblings.deletions(ctx, old))
    out += _rewrites(ctx, 0)
    out += _new_edits(out, siblings.modifiers(ctx))
    for age in range(1, len(ctx.examples)):  # the last edit leads nowhere: an earlier one may
        if out:
            break
        out += [replace(c, confidence=c.confidence - EARLIER_PENALTY) for c in _rewrites(ctx, age)]
    return [c for c in out if not redefines(ctx, c.edit)]


def _new_edits(found: list[Candidate], more: list[Candidate]) -> list[Candidate]:
    """``more`` without the edits already ``found`` (a second rule for one edit is no evidence)."""
    return [c for c in more if all(c.edit != f.edit for f in found)]


def _defined(line: str) -> str | None:
    """The name a line defines (`def f(`, `pub fn f`, `func (r T) f(`, `export class C`, `type T`),
    if any (an `impl` block defines nothing new)."""
    m = DEFINITION.match(line)
    return m["name"] if m is not None and m["kind"] != "impl" else None


def redefines(ctx: Context, edit: LineEdit) -> bool:
    """Whether the edit adds the definition of a name (function, class, type) that the class
    or file it lands in already defines: repeating it would define the thing twice."""
    lines = ctx.buf.lines
    had = {_defined(ln) for ln in lines[edit.start_line : edit.end_line]}
    names = {_defined(ln) for ln in split_lines(edit.new_text)} - had - {None}
    if not names:
        return False
    first, last = 0, len(lines)
    syntax = ctx.buf.syntax
    if syntax is not None and edit.start_line < len(lines):
        text = lines[edit.start_line]
        col = len(text) - len(text.lstrip())
        node = syntax.node_at(edit.start_line, col, col + 1)
        while node is not None and not any(k in node.type for k in _CLASS_KINDS):
            node = node.parent
        if node is not None:
            first, last = node.start_point[0], node.end_point[0] + 1
    return any(first <= line < last for name in names for line in ctx.buf.definition_lines(name))


def _rewrites(ctx: Context, age: int) -> list[Candidate]:
    """Candidates from the example ``age`` hunks back (0: the last), at every level of generality."""
    ex = ctx.examples[age]
    if ex is None:
        return []
    # a pure rename: the rename behaviour knows its scope, text patterns do not; but a partial
    # one (`inst: Any` -> `inst: AttrsInstance` in each overload, the other `Any`s stay) is
    # the very same lines again, so that level alone is offered beside the ripple
    # A keyword argument renamed (`hash=1` -> `unsafe_hash=1`) is no binding the rename
    # behaviour follows: the next call of that function wants the same, like any edit.
    # Nor is a call switched to another function the file defines beside the old one
    # (`to_term(t, 15)` -> `term(t, 15)`, `to_term` kept): the next call of the old one wants it.
    same_lines_only = rename_ops(ex) is not None and not _keyword_arguments(ex) and not _calls_another(ctx, ex)
    key = pattern_key(ex)
    twin = next((e for e in ctx.examples[age + 1 :] if e is not None and pattern_key(e) == key), None)
    if twin is None:  # the same edit, in code that names other things (one method's block, then another's)
        twin = next((e for e in ctx.examples[age + 1 :] if e is not None and renamed_twin(ex, e)), None)
    numbers_once = twin is None and values_only(ex)
    if numbers_once and _data_entries(ex):
        return []  # data values are rarely changed twice the same way: wait for a second example
    bonus = CONFIRMED_BONUS if twin is not None else 0.0
    block = (ctx.recent_block if age == 0 else None) or ex
    levels: list[tuple[str, Rewrite | LineRewrite | None, float]] = []
    if twin is not None:
        levels += [
            ("two-examples", learn(ex, holes_from=twin), 0.85),
        ]
    levels += [
        ("same-lines", learn(ex), 0.75 + bonus),
        ("same-shape", learn(ex, radius=1), 0.65 + bonus),
        # the same arguments changed in a call of another method of the same receiver
        # (`std.Debug(args)` -> `std.Debug(args...)`, then `std.Info(args)`)
        ("same-shape", learn(ex, radius=1, any_call=True) if _receiver_call(ex) else None, 0.6 + bonus),
        ("local-2", learn(ex, window=2), 0.62 + bonus),
        ("local-1", learn(ex, window=1), 0.55 + bonus),
        # the same with a name each side, past punctuation (`w.WriteHeader(` -> `w.ResponseWriter.
        # WriteHeader(`: one token each side is `w .`, too loose; two take in the `defer` before)
        ("local-1", (wider := learn(ex, window=1, names=True)), 0.55 + bonus),
        # the changed tokens alone (`atomic.AddUint64(&n, 1)` -> `n.Add(1)` after `:=` or `return`)
        ("local-0", learn(ex, window=0), 0.5 + bonus),
        # the changed tokens around the one name they enclose, that name any (a call rewritten
        # around its method: `Self::get_u32(self)` -> `self.get_u32()`, then `Self::get_u32_le(self)`;
        # pinned by two other names, keywords included: `_pinned_around`)
        ("local-0", (around := learn(ex, window=0, between=True)), 0.5 + bonus),
        # several lines changed alike, each matched by its own window (what lies between may differ)
        ("lines-2", learn_lines(block, 2, ctx.buf.dollar), 0.6 + bonus),
        ("lines-1", learn_lines(block, 1, ctx.buf.dollar, names=True), 0.5 + bonus),
    ]  # most specific first, and never less confident than a looser level
    if len(ex.old_tokens) < SHORT_PATTERN and twin is None:
        levels = [(rule, rw, c - SHORT_PENALTY) for rule, rw, c in levels]
    if same_lines_only:
        levels = [level for level in levels if level[0] in ("two-examples", "same-lines")]
    if numbers_once:  # a constant of code changed (`== 308` -> `== 307`): where the very same code is
        levels = [level for level in levels if level[0] == "same-lines"]
    out = []
    keywords = keywords_of(ctx.buf.language)
    hunk = ctx.recent_hunk(age)
    # both parse the file: asked only once a site is found
    code_only = lru_cache(maxsize=1)(lambda: _code_edit(ctx, hunk, ex))
    prose = lru_cache(maxsize=1)(lambda: twin is None and prose_only(ctx, hunk, ex))
    unfinished = lru_cache(maxsize=1)(lambda: age == 0 and _unfinished(ctx, hunk))
    for rule, rw, confidence in levels:
        if isinstance(rw, LineRewrite):
            if not _specific_lines(rw):
                continue
            sites = line_sites(ctx, rw, code_only)
        elif rw is None or not (_pinned_around(rw) if rw is around else
                                _specific(rw, ex, rule.startswith("two-examples"), keywords)):
            continue
        elif rule == "local-0" and not ((rw is around or _names_pinned(rw, keywords)) and code_only()):
            continue  # the changed tokens alone: only code that names two things is specific enough
        else:
            sites = rewrite_sites(ctx, rw, code_only)
        edit, complete = cluster_all(sites, ctx.buf.lines)
        if edit is not None and prose():  # prose is reworded differently each time: only the very same lines
            edit, confidence = (edit, confidence - PROSE_PENALTY) if rule == "same-lines" else (None, 0.0)
        if edit is not None and unfinished():
            break  # the user is still typing it: a half edit is nothing to repeat
        block_level = isinstance(rw, LineRewrite)
        if edit is None or any(edit.overlaps(c.edit) and (
                rw is wider or (edit != c.edit and not block_level)) for c in out):
            continue  # a more specific pattern already says what to do with these lines (or, for the
            # wider window, the plain one did); a block of lines may say more than one line's pattern
        verbatim = _same_text(ctx, edit, ex)
        if verbatim:
            rule += "-verbatim"  # the very lines the user edited, again (a feature of the ranker)
        elif twin is None and same_function(ctx, hunk.start, edit.start_line) is False:
            # an edit seen once belongs to its function: look-alike (not the same) code in
            # another function or test is usually meant to stay as it is
            confidence, rule = confidence - ELSEWHERE_PENALTY, rule + "-elsewhere"
        if complete:
            rule += "-complete"
        out.append(Candidate(edit, SOURCE, min(confidence, 0.95), rule))
    return out


def _receiver_call(ex: Example) -> bool:
    """Whether the edit changed only the arguments of one call of a method of a named
    receiver (``std.Debug(args)``), whole line: ``receiver . method ( ... )``."""
    ot = ex.old_tokens
    return (len(ot) >= 5 and ot[0].kind == IDENT and ot[1].text == "." and ot[2].kind == IDENT
            and ot[3].text == "(" and ot[-1].text == ")" and min(i1 for i1, _, _, _ in ex.opcodes) > 3)


def _keyword_arguments(ex: Example) -> bool:
    """Whether every name the edit changed is a keyword argument: ``(`` or ``,`` before it,
    a lone ``=`` after it (``f(a, hash=1)``; not ``x = 1`` nor ``a == b``)."""
    old = ex.old_tokens

    def text(i: int) -> str:
        return old[i].text if 0 <= i < len(old) else ""

    return all(i2 - i1 == 1 and text(i1 - 1) in ("(", ",") and text(i1 + 1) == "=" and text(i1 + 2) != "="
               for i1, i2, _, _ in ex.opcodes)


def _calls_another(ctx: Context, ex: Example) -> bool:
    """Whether every name the edit changed is a function called (``(`` after it) and both
    the old and the new function are defined in the file, outside the user's edits: a
    migration from one to the other, which the rename behaviour leaves alone."""
    old, new = ex.old_tokens, ex.new_tokens

    def defined(name: str) -> bool:
        return any(not ctx.in_history(ln) for ln in ctx.buf.definition_lines(name))

    return all(i2 - i1 == 1 and j2 - j1 == 1 and i2 < len(old) and old[i2].text == "("
               and defined(old[i1].text) and defined(new[j1].text) for i1, i2, j1, j2 in ex.opcodes)


def _same_text(ctx: Context, edit: LineEdit, ex: Example) -> bool:
    """Whether the target lines are the example's old lines (spacing aside), not look-alikes."""
    return squash("".join(ctx.buf.lines[edit.start_line : edit.end_line])) == squash(ex.old)


def _specific(rw: Rewrite, ex: Example, confirmed: bool, keywords: frozenset[str]) -> bool:
    """A pattern must pin down names or numbers; punctuation and keywords alone match anything.

    Whole-line patterns need one literal name (or, learned from two examples, just some
    literal structure: the examples showed how far it generalises); windows need two, or
    one that the edit replaces (a changed name is specific in itself). ``keywords``: the
    file's language's (`loop` is a name in Python, `type` in Go's neighbours)."""
    literal = _literals(rw, keywords)
    if rw.full_lines:
        kept = len({s.text for s in rw.slots if s.hole is None and s.text in keywords})
        return bool(literal) or (confirmed and len(rw.slots) >= 3 and any(s.hole is None for s in rw.slots)) or (
            len(rw.slots) >= LONG_PATTERN and kept >= 2)
    replaced = {ex.old_tokens[i].text for i in ex.changed_old} & literal
    return len(literal) >= 2 or bool(replaced)


# keywords that are values: they pin a pattern as a number does (`f(None, many=...)`)
_VALUES = frozenset(("None", "True", "False", "true", "false", "null", "nil", "undefined"))


def _literals(rw: Rewrite, keywords: frozenset[str]) -> set[str]:
    """The names and numbers a pattern keeps as they are (its slots that are no hole), keywords
    aside but for the values among them."""
    return {s.text for s in rw.slots if s.hole is None and s.kind in (IDENT, NUMBER)
            and (s.text not in keywords or s.text in _VALUES)}


def _specific_lines(lr: LineRewrite) -> bool:
    """Every line's window has a name or number to find it by (two lines or more, laid out as
    the example's were, pin the place down as a second name would)."""
    return all(rw.anchors for _, rw in lr.parts)


def _pinned_around(rw: Rewrite) -> bool:
    """A pattern around a name hole is pinned by two other names it keeps, keywords too
    (`Self::<0>(self`: the change is what the keywords do, so they are what to find)."""
    return rw.line_count == 1 and len({s.text for s in rw.slots if s.hole is None and s.kind == IDENT}) >= 2


def _names_pinned(rw: Rewrite, keywords: frozenset[str]) -> bool:
    """Whether a one-line pattern has two different literal names or numbers."""
    literal = _literals(rw, keywords)
    return rw.line_count == 1 and len(literal) >= 2


def values_only(ex: Example) -> bool:
    """Whether the edit only changed numbers (data values, expected results)."""
    return all(t.kind == NUMBER for i1, i2, j1, j2 in ex.opcodes for t in (*ex.old_tokens[i1:i2], *ex.new_tokens[j1:j2]))


def _data_entries(ex: Example) -> bool:
    """Whether the edited lines are entries of data (``weight: 101,``, ``"size": 10``, ``[1, 2],``):
    a key at most, then numbers and punctuation. Code holding a number (``assert r.status ==
    308``, ``0x7F..=0xFF => {``) is not data: the same code elsewhere wants the same constant."""
    for line in ex.old.splitlines():
        tokens = tokenize(line)
        key = next((i for i, t in enumerate(tokens) if t.text in ":="), None)
        if key is not None and tokens[key + 1 : key + 2] and tokens[key + 1].text in "=>":
            return False  # `==`, `=>`, `:=`: an expression, not a key
        values = tokens[key + 1 :] if key is not None and key <= 3 else tokens
        if any(t.kind == IDENT or (t.kind == PUNCT and t.text not in _DATA_PUNCT) for t in values):
            return False
    return True


def prose_only(ctx: Context, hunk, ex: Example) -> bool:
    """Whether every change of the edit is inside strings and comments (the words of a
    docstring, a message, a template); False when unknown. Commenting code out or in is a
    change of code: a comment marker alone is not prose."""
    syntax = ctx.buf.syntax
    if syntax is None or not hunk.intact:
        return False
    _, _, top = hunk.core()
    for i1, i2, j1, j2 in ex.opcodes:
        inserted = ex.new_tokens[j1:j2]
        if inserted and all(t.kind == PUNCT for t in inserted) and i1 == i2:
            return False  # only a comment marker put before code: the code was commented out
        if i1 == i2 and all(string_prefix(ex.new_tokens, j) for j in range(j1, j2)):
            return False  # `''` -> `b''`: the literal's type changed, as code changes, not its words
        # where the change sits now: its new tokens, or the token before (after) a deletion
        for t in inserted or ex.new_tokens[max(j1 - 1, 0) : max(j1, 1)]:
            line = hunk.start + top + ex.new.count("\n", 0, t.start)
            col = t.start - (ex.new.rfind("\n", 0, t.start) + 1)
            node = syntax.node_at(line, col, col + len(t.text))
            if not syntax.in_string_or_comment(node) or _a_word_value(ctx, node):
                return False
    return True


def _a_word_value(ctx: Context, node) -> bool:
    """Whether a node is inside a string literal without spaces (a key, a feature name, a
    URL): a value of the code that is repeated as code is, not words reworded each time."""
    while node is not None and not (node.is_named and ("string" in node.type or "comment" in node.type)):
        node = node.parent
    if node is None or "comment" in node.type or node.start_point[0] != node.end_point[0]:
        return False
    line = ctx.buf.lines[node.start_point[0]].encode("utf-8")
    text = line[node.start_point[1] : node.end_point[1]].decode("utf-8", "replace")
    return len(text) >= 3 and not any(ch.isspace() for ch in text)


def _code_edit(ctx: Context, hunk, ex: Example) -> bool:
    """Whether the user's edit (where it first differs, in the current text) is in code,
    not in a string or comment; False when unknown. An edit that adds or removes quotes
    made a string code or code a string (``"10"`` -> ``10``, ``"time"`` -> ``FieldKeyTime``):
    its next place is a string, so it is not "code only"."""
    syntax = ctx.buf.syntax
    if syntax is None or not hunk.intact or hunk.start >= hunk.end:
        return False
    if any(t.text in _QUOTES for i1, i2, j1, j2 in ex.opcodes for t in (*ex.old_tokens[i1:i2], *ex.new_tokens[j1:j2])):
        return False
    old, new, top = hunk.core()
    old_text, new_text = "".join(old), "".join(new)
    at = common_prefix(old_text, new_text)
    line = hunk.start + top + new_text.count("\n", 0, at)
    col = at - (new_text.rfind("\n", 0, at) + 1)
    return not syntax.in_string_or_comment(syntax.node_at(line, col, col + 1))


def _unfinished(ctx: Context, hunk) -> bool:
    """Whether the user's last edit broke its own lines (`indent = x` with the name deleted, the
    new one not typed yet: `= x`): a half-made edit, not a pattern to replay elsewhere. The old
    and new lines are each parsed alone, so an error elsewhere in the file (a grammar that does
    not know some construct) says nothing, and lines that were no whole statement before say nothing."""
    syntax = ctx.buf.syntax
    old, new, _ = hunk.core()
    if syntax is None or not old or not new:
        return False
    return syntax.parses(dedent("".join(old))) and not syntax.parses(dedent("".join(new)))


def _target_in_text(ctx: Context, start: int, text: str, offset: int) -> bool | None:
    syntax = ctx.buf.syntax
    if syntax is None:
        return None
    line = start + text.count("\n", 0, offset)
    col = offset - (text.rfind("\n", 0, offset) + 1)
    return syntax.in_string_or_comment(syntax.node_at(line, col, col + 1))


def rewrite_sites(ctx: Context, rw: Rewrite, code_only: Callable[[], bool] = bool) -> Iterator[Site]:
    """Every place the rewrite applies, in scan order from the cursor, not overlapping.

    ``code_only()``: the edit was made to code, so it is not repeated inside a comment or
    a string (an edit of prose, or one that comments code out, may go anywhere)."""
    buf = ctx.buf
    lines = buf.lines
    if not rw.anchors:
        return  # only holes and punctuation (`// • <any>`): no literal to search from, nor to trust
    anchor = _rarest_anchor(buf, rw)
    anchor_text, anchor_line = rw.slots[anchor].text, rw.slot_lines[anchor]
    literals = {s.text for s in rw.slots if s.hole is None}
    k = rw.line_count
    busy_until = -1
    starts = [x - anchor_line for x in buf.lines_containing(anchor_text) if x >= anchor_line]
    for start in in_scan_order(starts, ctx.cursor.line):
        if start < busy_until and start > ctx.cursor.line:
            continue
        if start + k > len(lines):
            continue
        region = lines[start] if k == 1 else "".join(lines[start : start + k])
        if not all(t in region for t in literals) or any(ctx.in_history(x) for x in range(start, start + k)):
            continue
        if k == 1:  # the common case: one line, whose tokens the buffer caches
            text, tokens = region, buf.tokens(start)
        else:
            text, tokens = region, tokenize(region, buf.dollar)
        if rw.full_lines:
            if len(tokens) != len(rw.slots):
                continue
            binding = rw.match(tokens, 0)
            if binding is None:
                continue
            new_text = rw.apply(text, tokens, 0, binding)
        else:
            new_text = _apply_windows(rw, text, tokens, anchor)
            if new_text is None:
                continue
        if new_text == text or _already_done(rw, new_text, text):
            continue
        # where the rewrite first changes the target (one text may be a prefix of the other)
        first = common_prefix(text, new_text)
        if code_only() and _target_in_text(ctx, start, text, first):
            continue
        busy_until = start + k
        yield Site(start, start + k, new_text)


def _rarest_anchor(buf, rw: Rewrite) -> int:
    """The slot to search from: the literal on the fewest lines (of the three longest: long
    names are rare)."""
    return min(rw.anchors[:3], key=lambda i: len(buf.lines_containing(rw.slots[i].text)))


def line_sites(ctx: Context, lr: LineRewrite, code_only: Callable[[], bool] = bool) -> Iterator[Site]:
    """Every block of lines where each line's window rewrite applies on its own line, in scan
    order from the cursor, not overlapping."""
    buf, lines, k = ctx.buf, ctx.buf.lines, lr.line_count
    offset, first = lr.parts[0]
    anchors = [_rarest_anchor(buf, rw) for _, rw in lr.parts]
    literals = [{s.text for s in rw.slots if s.hole is None} for _, rw in lr.parts]
    starts = [x - offset for x in buf.lines_containing(first.slots[anchors[0]].text) if x >= offset]
    busy_until = -1
    for start in in_scan_order(starts, ctx.cursor.line):
        if (start < busy_until and start > ctx.cursor.line) or start + k > len(lines):
            continue
        if any(ctx.in_history(x) for x in range(start, start + k)):
            continue
        block = list(lines[start : start + k])
        for (d, rw), anchor, literal in zip(lr.parts, anchors, literals):
            text = block[d]
            if not all(t in text for t in literal):
                break
            new_text = _apply_windows(rw, text, buf.tokens(start + d), anchor)
            if new_text is None or new_text == text or _already_done(rw, new_text, text):
                break
            if code_only() and _target_in_text(ctx, start + d, text, common_prefix(text, new_text)):
                break
            block[d] = new_text
        else:
            busy_until = start + k
            yield Site(start, start + k, "".join(block))


def _apply_windows(rw: Rewrite, text: str, tokens, anchor: int) -> str | None:
    """Apply a window rewrite at every match that starts on the first line and keeps the
    pattern's line breaks (right to left, so earlier offsets stay valid)."""
    hits = []
    first_line_end = text.find("\n")
    for p, tok in enumerate(tokens):
        if tok.text == rw.slots[anchor].text:
            at = p - anchor
            binding = rw.match(tokens, at)
            if binding is None or (hits and at < hits[-1][0] + len(rw.slots)):
                continue
            if first_line_end != -1 and tokens[at].start > first_line_end:
                continue
            base = tokens[at].start
            if any(text.count("\n", base, tokens[at + i].start) != ln for i, ln in enumerate(rw.slot_lines)):
                continue
            hits.append((at, binding))
    if not hits:
        return None
    for at, binding in reversed(hits):
        text = rw.apply(text, tokens, at, binding)
    return text


def _already_done(rw: Rewrite, new_text: str, text: str) -> bool:
    """A window rewrite that only inserts must not insert twice (``f(x=1, x=1)``): the text it
    inserts is already right where it would go. Only that place counts, not the whole line
    (an ``=`` to insert is not present because the line holds a ``+=`` somewhere)."""
    if rw.full_lines or not all(ch.start == ch.end for ch in rw.changes) or len(new_text) <= len(text):
        return False
    at = next((i for i, (a, b) in enumerate(zip(text, new_text)) if a != b), len(text))
    inserted = new_text[at : at + len(new_text) - len(text)]
    if text[at:] != new_text[at + len(inserted):]:
        return False  # more than one insertion: judged by the first is not enough, keep it
    core = inserted.strip(" \t,;")
    if not core:
        return False
    # the insertion point is ambiguous by a rotation (``x=1, `` before or ``, x=1`` after):
    # look for the core right before and right after it, as whole tokens
    near = text[max(0, at - len(inserted) - 1) : at + len(inserted) + 1]
    edge = r"[\w$]" if core[0].isalnum() or core[0] in "_$" else r"[^\w\s$]"
    tail = r"[\w$]" if core[-1].isalnum() or core[-1] in "_$" else r"[^\w\s$]"
    return re.search(rf"(?<!{edge}){re.escape(core)}(?!{tail})", near) is not None


def _names(text: str) -> int:
    """How many names and numbers (not keywords) a text has."""
    return sum(1 for t in tokenize(text) if t.kind != PUNCT and t.text not in KEYWORDS)


def _meaningful(text: str) -> bool:
    """Enough to recognise a place by: three tokens, one of them a name or number."""
    return _names(text) >= 1 and len(tokenize(text)) >= 3


def _deletions(ctx: Context, old: list[str]) -> list[Candidate]:
    """The user deleted some lines: the same lines, at the same indentation, elsewhere go too.

    One deletion says little (the same line elsewhere is often still needed); a second
    deletion of the same lines makes it a pattern."""
    key = [squash(ln) for ln in old]
    earlier = [h.core() for h in ctx.hunks[-RECENT:-1]]
    deleted_before = bool(ctx.made_before(old, []))
    # inserted just before elsewhere: a line moved (an import hoisted to the top of the file),
    # whose other copies go too (blank lines aside)
    filled = [k for k in key if k]
    moved = any(not gone and [k for k in map(squash, new) if k] == filled for gone, new, _ in earlier)
    confirmed = deleted_before or moved
    text = "".join(old)
    # a short line (`continue`, `import os`) says little once; deleted again, or moved, it is a pattern
    if not (_meaningful(text) or (confirmed and any(t.kind == IDENT for t in tokenize(text)))):
        return []
    lines = ctx.buf.lines
    n = len(old)
    indent = indent_of(old[0])

    def sites():
        busy = -1
        for start in scan_lines(len(lines), ctx.cursor.line):
            if start < busy or start + n > len(lines) or ctx.in_history(start):
                continue
            # two lines or more are recognised by themselves: one nesting level deeper is the same code
            if (indent_of(lines[start]) == indent or n >= 2) and all(squash(lines[start + i]) == key[i] for i in range(n)):
                busy = start + n
                yield Site(start, start + n, "")

    edit = cluster(sites(), lines)
    if edit is None:
        return []
    return [Candidate(edit, SOURCE, 0.7 if confirmed else 0.35, "delete-lines")]


def _between(ctx: Context, hunk, above: str, below: str) -> bool:
    """Whether an earlier hunk's inserted lines sit between lines ``above`` and ``below`` (spacing aside)."""
    _, inserted, top = hunk.core()
    lines, at = ctx.buf.lines, hunk.start + top
    end = at + len(inserted)
    return hunk.intact and 0 < at and end < len(lines) and squash(lines[at - 1]) == above and squash(lines[end]) == below


def _insertions(ctx: Context, new: list[str]) -> list[Candidate]:
    """The user inserted lines: insert them again between the same neighbours elsewhere, or,
    once the same lines were inserted twice, also where one neighbour is the same line and the
    other a line of the same shape (``retries=retries,`` / ``http2=http2,`` above ``)``)."""
    last = ctx.last
    lines = ctx.buf.lines
    top = last.core()[2]
    at = last.start + top
    if not last.intact or at <= 0 or at + len(new) >= len(lines):
        return []
    above, below = squash(lines[at - 1]), squash(lines[at + len(new)])
    new_key = [squash(ln) for ln in new]
    earlier = ctx.made_before([], new)
    confirmed = bool(earlier)
    if not _names("".join(new)):
        return []
    if not (_meaningful(lines[at - 1]) or _meaningful(lines[at + len(new)])) and not any(
            _between(ctx, h, above, below) for h in earlier):
        return []  # neighbours that say nothing (`// ...`, `}`), unless the lines went between them twice
    shapes = (token_shape(tokenize(lines[at - 1])), token_shape(tokenize(lines[at + len(new)])))
    indent = indent_of(lines[at - 1])

    def sites(look_alike: bool):
        for p in scan_lines(len(lines), ctx.cursor.line):
            if p <= 0 or p >= len(lines) or ctx.in_history(p) or ctx.in_history(p - 1):
                continue
            same = (squash(lines[p - 1]) == above, squash(lines[p]) == below)
            if look_alike:
                # one neighbour the same, the other a meaningful line of the same shape
                alike = (token_shape(tokenize(lines[p - 1])) == shapes[0] and _meaningful(lines[p - 1]),
                         token_shape(tokenize(lines[p])) == shapes[1] and _meaningful(lines[p]))
                if all(same) or not ((same[0] and alike[1]) or (same[1] and alike[0])):
                    continue
            elif not all(same):
                continue
            if [squash(x) for x in lines[p : p + len(new)]] == new_key or (
                    look_alike and [squash(lines[p - 1])] == new_key[-1:]):
                continue  # already there
            text = reindent("\n" + "".join(new), indent, indent_of(lines[p - 1]))[1:]
            yield Site(p, p, text)

    out = []
    levels = [(False, "insert-between", 0.75 if confirmed else 0.45)]
    if confirmed:  # one example says little about which look-alike places get the lines too
        levels.append((True, "insert-similar", 0.7))
    for look_alike, rule, confidence in levels:
        edit = cluster(sites(look_alike), lines)
        if edit is not None:
            out.append(Candidate(edit, SOURCE, confidence, rule))
    return out
