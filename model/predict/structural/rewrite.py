"""Generalised rewrites learned from one or two example edits, and applied elsewhere.

An example is an edit of a few lines (old -> new). It is diffed token by token (lexical
tokens, whitespace ignored); the old tokens become a *pattern* and each differing run a
*change* that replaces the text between two pattern tokens by a template. Some pattern
tokens are *holes*: they match any identifier or number, consistently, and a template
may copy them (``let error = MessageError(m)`` -> ``let error: MessageError<M> = ...``
learns ``MessageError`` as a hole, so it also rewrites ``let error = DisplayError(m)``).

Applying a rewrite to a target keeps the target's own spacing everywhere except inside
the changed gaps, and re-indents inserted lines to the target's indentation.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from nxedit.model.text.plain import split_lines
from .lexer import IDENT, KEYWORDS, NUMBER, PUNCT, Token, tokenize


@dataclass(frozen=True, slots=True)
class Slot:
    text: str
    kind: str
    hole: int | None = None  # tokens sharing a hole number must bind the same text


@dataclass(frozen=True, slots=True)
class Change:
    start: int  # pattern tokens [start, end) are replaced (start == end: insertion before start)
    end: int
    template: tuple  # str pieces and int hole references
    only_if: str | None = None  # a spacing change: made only where the target is spaced like this
    at_start: bool = False  # the gap reaches back to the start of the first line (whole-line patterns)
    at_end: bool = False  # ... or on to the end of the last line, with its line ending
    # the example only widened or narrowed the spaces at the gap's left (right) edge (`= ()` ->
    # `=  Error`): a slip of the keyboard, not part of the edit: the target keeps its own there
    own_left: bool = False
    own_right: bool = False
    # the window begins (ends) inside the change: the gap to the token before (after) it is the change's
    outer_left: bool = False
    outer_right: bool = False


@dataclass(frozen=True, slots=True)
class Example:
    """One observed edit, tokenized and diffed."""

    old: str  # old core lines joined (line endings kept)
    new: str
    old_tokens: tuple[Token, ...]
    new_tokens: tuple[Token, ...]
    opcodes: tuple[tuple[int, int, int, int], ...]  # non-equal runs (i1, i2, j1, j2)
    indent: str

    @property
    def changed_old(self) -> set[int]:
        out: set[int] = set()
        for i1, i2, _, _ in self.opcodes:
            out.update(range(i1, i2))
        return out


def indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def make_example(old_lines: list[str], new_lines: list[str], dollar: bool) -> Example | None:
    """Diff an edit of whole lines; None when it changes no token (whitespace only)."""
    old, new = "".join(old_lines), "".join(new_lines)
    ot, nt = tokenize(old, dollar), tokenize(new, dollar)
    sm = difflib.SequenceMatcher(None, [t.text for t in ot], [t.text for t in nt], autojunk=False)
    ops = tuple((i1, i2, j1, j2) for tag, i1, i2, j1, j2 in sm.get_opcodes() if tag != "equal")
    if not ops or not ot:
        return None
    return Example(old, new, tuple(ot), tuple(nt), ops, indent_of(old_lines[0]) if old_lines else "")


def copied_names(ex: Example) -> set[str]:
    """Identifiers the new text takes from the unchanged part of the old: they become holes."""
    changed = ex.changed_old
    kept = {t.text for i, t in enumerate(ex.old_tokens) if i not in changed and t.kind == IDENT}
    inserted = {t.text for i1, i2, j1, j2 in ex.opcodes for t in ex.new_tokens[j1:j2] if t.kind == IDENT}
    return (kept & inserted) - KEYWORDS


def renamed_twin(ex: Example, other: Example) -> bool:
    """Whether ``other`` is the same edit as ``ex`` made to code that names other things: the
    same diff, token for token, once each name of ``ex``'s old code is read as the one
    ``other`` has in its place (one name for one name, throughout; keywords, numbers and
    punctuation as they are)."""
    if (ex.opcodes != other.opcodes or len(ex.old_tokens) != len(other.old_tokens)
            or len(ex.new_tokens) != len(other.new_tokens)):
        return False
    names: dict[str, str] = {}
    for a, b in zip((*ex.old_tokens, *ex.new_tokens), (*other.old_tokens, *other.new_tokens)):
        if a.kind != b.kind:
            return False
        if a.kind != IDENT or a.text in KEYWORDS or b.text in KEYWORDS:
            if a.text != b.text:
                return False
        elif names.setdefault(a.text, b.text) != b.text:
            return False
    # a name read otherwise must be one the old code has, for the target to give its own; one
    # only the new text has is what the edit writes, and the two examples wrote other things
    # (`case 'H': // HEAD`, `case 'O': // OPTIONS`: each comment says what its case is)
    old = {t.text for t in ex.old_tokens}
    renamed = [a for a, b in names.items() if a != b]
    return bool(renamed) and all(a in old for a in renamed) and len(set(names.values())) == len(names)


@dataclass(frozen=True, slots=True)
class Rewrite:
    slots: tuple[Slot, ...]
    changes: tuple[Change, ...]
    indent: str  # indentation of the example's first old line
    full_lines: bool  # the pattern covers whole lines (else a window inside one line)
    slot_lines: tuple[int, ...]  # the pattern line each slot is on (0 = first)

    @property
    def line_count(self) -> int:
        return self.slot_lines[-1] + 1

    @property
    def anchors(self) -> list[int]:
        """Literal slots worth searching for (identifiers and numbers), longest first."""
        idx = [i for i, s in enumerate(self.slots) if s.hole is None and s.kind != PUNCT]
        return sorted(idx, key=lambda i: -len(self.slots[i].text))

    def match(self, tokens: list[Token], at: int) -> dict[int, str] | None:
        """Bindings when the pattern matches ``tokens[at:at+len(slots)]``, else None."""
        if at < 0 or at + len(self.slots) > len(tokens):
            return None
        binding: dict[int, str] = {}
        for slot, tok in zip(self.slots, tokens[at : at + len(self.slots)]):
            if slot.hole is None:
                if tok.text != slot.text:
                    return None
            elif tok.kind != slot.kind or tok.text in KEYWORDS:
                return None
            elif binding.setdefault(slot.hole, tok.text) != tok.text:
                return None
        return binding

    def apply(self, text: str, tokens: list[Token], at: int, binding: dict[int, str]) -> str:
        """``text`` with the changes made to the matched tokens ``tokens[at:...]``."""
        matched = tokens[at : at + len(self.slots)]
        target_indent = indent_of(text[text.rfind("\n", 0, matched[0].start) + 1 :])
        out, pos = [], 0
        n = len(matched)
        for ch in self.changes:
            left = 0 if ch.at_start else matched[ch.start - 1].end if ch.start > 0 else matched[0].start
            right = len(text) if ch.at_end else matched[ch.end].start if ch.end < n else matched[-1].end
            piece = "".join(binding[p] if isinstance(p, int) else p for p in ch.template)
            if ch.outer_left:
                if at > 0 and "\n" not in text[tokens[at - 1].end : left]:
                    left = tokens[at - 1].end
                else:
                    piece = piece.lstrip(" \t")
            if ch.outer_right:
                if at + n < len(tokens) and "\n" not in text[right : tokens[at + n].start]:
                    right = tokens[at + n].start
                else:
                    piece = piece.rstrip(" \t")
            if ch.only_if is not None and reindent(text[left:right], target_indent, self.indent) != ch.only_if:
                continue
            gap = text[left:right]
            if "\n" not in gap:  # (a gap the target spreads over lines has no in-line spacing to keep)
                if ch.own_left:
                    piece = _spaces(gap) + piece.lstrip(" \t")
                if ch.own_right:
                    piece = piece.rstrip(" \t") + _spaces(gap[::-1])
            out.append(text[pos:left])
            if ch.at_start:  # the first line's own indentation is part of the template
                out.append(reindent("\n" + piece, self.indent, target_indent)[1:])
            else:
                out.append(reindent(piece, self.indent, target_indent))
            pos = right
        out.append(text[pos:])
        return "".join(out)


def _spaces(text: str) -> str:
    """The spaces and tabs ``text`` starts with."""
    return text[: len(text) - len(text.lstrip(" \t"))]


def _resized(old_gap: str, new_gap: str) -> tuple[bool, bool]:
    """Whether the spaces at the left (right) edge of a changed gap only changed in width:
    spaces there before and after, of another width, in a gap within one line."""
    if "\n" in old_gap or "\n" in new_gap:
        return False, False

    def edge(o: str, n: str) -> bool:
        a, b = _spaces(o), _spaces(n)
        return bool(a) and bool(b) and a != b and len(a) < len(o) and len(b) < len(n)
    return edge(old_gap, new_gap), edge(old_gap[::-1], new_gap[::-1])


def reindent(piece: str, old_indent: str, new_indent: str) -> str:
    """Move lines after the first from ``old_indent`` to ``new_indent``."""
    if old_indent == new_indent or "\n" not in piece:
        return piece
    first, *rest = piece.split("\n")
    return "\n".join([first] + [new_indent + r[len(old_indent):] if r.startswith(old_indent) else r for r in rest])


def _distances(ex: Example) -> list[int]:
    """For each old token, how many tokens away the nearest change is (0: changed itself)."""
    far = len(ex.old_tokens) + 1
    out = [far] * len(ex.old_tokens)
    for i1, i2, _, _ in ex.opcodes:
        for t in range(len(out)):
            d = i1 - t if t < i1 else (t - i2 + 1 if t >= i2 else 0)
            out[t] = min(out[t], d)
    return out


def _heads(ex: Example) -> set[int]:
    """Old tokens naming a call whose arguments the edit changes (``f(a)`` -> ``f(a, b)``):
    generalising over them would make an edit of one function's calls apply to every call."""
    ot = ex.old_tokens
    points = {i1 for i1, _, _, _ in ex.opcodes} | ex.changed_old
    out = set()
    for i in range(len(ot) - 1):
        if ot[i].kind == IDENT and ot[i + 1].text == "(":
            close = _closing_paren(ot, i + 1)
            if any(i + 1 < p <= close for p in points):
                out.add(i)
    return out


def _closing_paren(tokens, open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(tokens)):
        depth += {"(": 1, ")": -1}.get(tokens[i].text, 0)
        if depth == 0:
            return i
    return len(tokens)


def _extend_to_head(ex: Example, lo: int) -> int:
    """Move a window's start back to the call whose argument list it starts in (for an
    argument inserted, the call says where it belongs; an argument replaced says it itself)."""
    ot, depth = ex.old_tokens, 0
    for p in range(lo - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(ot[p].text, 0)
        if depth < 0:
            return p - 1 if p > 0 and ot[p - 1].kind == IDENT else lo
    return lo


def window_bounds(ex: Example, window: int, names: bool = False) -> tuple[int, int]:
    """Old-token range of the changes plus ``window`` tokens of context each side
    (``names``: ``window`` names or numbers each side, with the punctuation before them)."""
    first = min(i1 for i1, _, _, _ in ex.opcodes)
    last = max(i2 for _, i2, _, _ in ex.opcodes)
    if not names:
        return max(0, first - window), min(len(ex.old_tokens), last + window)
    ot = ex.old_tokens
    lo, seen = first, 0
    while lo > 0 and seen < window:
        lo -= 1
        seen += ot[lo].kind != PUNCT
    hi, seen = last, 0
    while hi < len(ot) and seen < window:
        seen += ot[hi].kind != PUNCT
        hi += 1
    return lo, hi


def learn(ex: Example, *, radius: int | None = None, window: int | None = None,
          holes_from: Example | None = None, any_call: bool = False, names: bool = False,
          to_head: bool = True, between: bool = False) -> Rewrite | None:
    """A rewrite from an example.

    ``radius``: unchanged identifiers/numbers more than this many tokens from every
    change become holes (None: keep them literal). ``window``: instead of whole lines,
    the pattern is the changed tokens plus this many tokens each side. ``holes_from``: a
    second example of the same edit; tokens where the two differ become holes
    (anti-unification), so two examples generalise exactly as far as they disagree.
    ``any_call``: the name of a call whose arguments the edit changes may be a hole too
    (``std.Debug(args)``: another method of ``std``); the first token, its receiver, stays.
    ``names``: the window counts names and numbers, not punctuation (``window_bounds``).
    ``to_head``: a window that only inserts reaches back to the call it inserts into.
    ``between``: the one name the changes enclose is a hole (``Self::get_u32(self)`` ->
    ``self.get_u32()``: the call is rewritten around its name, whichever method it calls;
    ``z.extend(x.iter().cloned())`` -> ``z.extend_from_slice(x)``: around its argument);
    None when they enclose no name or several, or more than one line.
    """
    ot, nt = ex.old_tokens, ex.new_tokens
    changed = ex.changed_old
    lo, hi = (0, len(ot)) if window is None else window_bounds(ex, window, names)
    inserts_only = all(i1 == i2 for i1, i2, _, _ in ex.opcodes)
    if window is not None and inserts_only and to_head:
        lo = _extend_to_head(ex, lo)
    if lo >= hi:
        return None
    differs: set[int] = set()
    if holes_from is not None:
        tlo, thi = (0, len(holes_from.old_tokens)) if window is None else window_bounds(holes_from, window, names)
        if window is not None and inserts_only:
            tlo = _extend_to_head(holes_from, tlo)
        twin = holes_from.old_tokens[tlo:thi]
        if thi - tlo != hi - lo:
            return None
        for i, (a, b) in enumerate(zip(ot[lo:hi], twin), lo):
            if a.text != b.text:
                # a name the edit removes may differ too (`otherSet.union(this)` in one method's
                # block, `.intersection(this)` in the other's): a twin found by renamed_twin
                # writes the same name back wherever this example does
                if (a.kind == PUNCT or a.kind != b.kind or (i in changed and a.kind != IDENT)
                        or a.text in KEYWORDS):
                    return None  # the examples disagree on structure: not the same edit
                differs.add(i)
    inner: set[int] = set()
    if between:  # a name and at most one punctuation token between two changes, on one line
        ops = ex.opcodes
        gaps = [range(a2, b1) for (_, a2, _, _), (b1, _, _, _) in zip(ops, ops[1:]) if b1 > a2]
        inner = {i for gap in gaps for i in gap
                 if ot[i].kind in (IDENT, NUMBER) and ot[i].text not in KEYWORDS}
        # (a change at either end replaces tokens: a pure insertion there has no token to find
        # the window's edge by, and its template would carry the gap before it twice)
        one_line = "\n" not in ex.old.rstrip("\r\n") and "\n" not in ex.new.rstrip("\r\n")
        if (len(inner) != 1 or sum(len(gap) for gap in gaps) > 2 or not one_line
                or ops[0][0] == ops[0][1] or ops[-1][0] == ops[-1][1]):
            return None
    distance = _distances(ex)
    copied = copied_names(ex)
    heads = {0} if any_call else _heads(ex)  # (the receiver, first, stays what it is)
    holes: dict[str, int] = {}
    slots = []
    for i in range(lo, hi):
        t = ot[i]
        generic = t.kind in (IDENT, NUMBER) and t.text not in KEYWORDS and i not in changed
        far = radius is not None and distance[i] > radius and i not in heads
        # a copied name is one hole wherever it is, in the changed tokens too (`o.width = i.width`
        # -> `v := *i.width; o.width = &v`: both `width`s are the field, `o.align = i.align` next)
        hole = t.text in copied or far or i in differs or i in inner
        if (generic and hole) or (i in changed and (t.text in copied or i in differs)):
            slots.append(Slot(t.text, t.kind, holes.setdefault(t.text, len(holes))))
        else:
            slots.append(Slot(t.text, t.kind))
    changes = []
    for i1, i2, j1, j2 in ex.opcodes:
        # the changed gap runs from the end of the token before to the start of the token after;
        # for whole lines, a change at either edge takes the edge's blank lines with it
        at_start = window is None and i1 == 0 and j1 == 0
        at_end = window is None and i2 == len(ot) and j2 == len(nt)
        new_left = 0 if at_start else nt[j1 - 1].end if j1 > 0 else (nt[0].start if nt else 0)
        new_right = len(ex.new) if at_end else nt[j2].start if j2 < len(nt) else (nt[-1].end if nt else 0)
        # a window that starts (ends) with the change: the template reaches to the token before
        # (after) the window, as the target's gap will, unless that gap is a line break
        edge_left = window is not None and i1 == lo < i2
        edge_right = window is not None and i2 == hi > i1
        outer_left = edge_left and j1 > 0 and "\n" not in ex.new[new_left : nt[j1].start if j1 < j2 else new_right]
        outer_right = edge_right and j2 < len(nt) and "\n" not in ex.new[nt[j2 - 1].end if j1 < j2 else new_left : new_right]
        if j1 == j2 and ((edge_left and not outer_left) or (edge_right and not outer_right)):
            new_left = new_right  # a deletion at the window's edge: nothing to put back
        if j1 < j2 and edge_left and not outer_left:
            new_left = nt[j1].start
        if j1 < j2 and edge_right and not outer_right:
            new_right = nt[j2 - 1].end
        template = _template(ex.new[new_left:new_right], nt, new_left, j1, j2, holes)
        own_left = own_right = False
        if not (at_start or at_end) and 0 < i1 and i2 < len(ot) and 0 < j1 and j2 < len(nt):
            own_left, own_right = _resized(ex.old[ot[i1 - 1].end : ot[i2].start], ex.new[new_left:new_right])
        changes.append(Change(i1 - lo, i2 - lo, template, None, at_start, at_end, own_left, own_right,
                              outer_left, outer_right))
    changes += _spacing_changes(ex, lo, hi)
    changes.sort(key=lambda c: (c.start, c.end))
    first = ot[lo].start
    slot_lines = tuple(ex.old.count("\n", first, ot[i].start) for i in range(lo, hi))
    return Rewrite(tuple(slots), tuple(changes), ex.indent, window is None, slot_lines)


@dataclass(frozen=True, slots=True)
class LineRewrite:
    """An edit of several lines that keeps their number, learned line by line: one window
    rewrite for each line it changes, at that line's offset in the block. Its windows need
    not match what lies between them (``padLeft(..., style *ansi.Style) string {`` /
    ``return pad(str, -n, style)``, each given ``r``: the next function's block reads
    ``n`` where this one read ``-n``, which one window over both lines would require)."""

    parts: tuple[tuple[int, Rewrite], ...]  # (line offset in the block, that line's rewrite)
    line_count: int  # the block's lines


def learn_lines(ex: Example, window: int, dollar: bool, names: bool = False) -> LineRewrite | None:
    """The edit as one window rewrite per changed line; None unless it keeps its line count
    and changes two lines or more, each in a way a window can say (a line whose change is
    spacing alone is left as the target has it)."""
    old, new = split_lines(ex.old), split_lines(ex.new)
    if len(old) != len(new) or len(old) < 2:
        return None
    parts = []
    for offset, (a, b) in enumerate(zip(old, new)):
        if a == b:
            continue
        one = make_example([a], [b], dollar)
        if one is None:
            continue
        rw = learn(one, window=window, names=names, to_head=False)  # (the block's layout places it)
        if rw is None or rw.line_count != 1:
            return None
        parts.append((offset, rw))
    return LineRewrite(tuple(parts), len(old)) if len(parts) >= 2 else None


def _spacing_changes(ex: Example, lo: int, hi: int) -> list[Change]:
    """Changes of spacing (a reflowed line, realigned columns) between tokens the edit kept."""
    ot, nt, out = ex.old_tokens, ex.new_tokens, []
    equal_pairs = []
    prev_i2 = prev_j2 = 0
    for i1, i2, _, j2 in (*ex.opcodes, (len(ot), len(ot), len(nt), len(nt))):
        equal_pairs += [(prev_i2 + k, prev_j2 + k) for k in range(i1 - prev_i2)]
        prev_i2, prev_j2 = i2, j2
    for (i0, j0), (i, j) in zip(equal_pairs, equal_pairs[1:]):
        if i == i0 + 1 and j == j0 + 1 and lo < i < hi:
            old_gap, new_gap = ex.old[ot[i0].end : ot[i].start], ex.new[nt[j0].end : nt[j].start]
            if old_gap != new_gap:
                out.append(Change(i - lo, i - lo, (new_gap,), only_if=old_gap))
    return out


def _template(text: str, new_tokens, base: int, j1: int, j2: int, holes: dict[str, int]) -> tuple:
    """The inserted text with identifiers bound to holes replaced by hole references."""
    pieces: list = []
    pos = 0
    for t in new_tokens[j1:j2]:
        if t.kind == IDENT and t.text in holes:
            pieces.append(text[pos : t.start - base])
            pieces.append(holes[t.text])
            pos = t.end - base
    pieces.append(text[pos:])
    return tuple(p for p in pieces if p != "")
