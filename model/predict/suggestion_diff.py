"""A suggestion as the editor shows and applies it: the few characters that change.

Predictors answer with line edits (whole lines replaced). The ghost diff shows only what
changes, as Zed does: each edit is diffed at character level against the lines it
replaces (rapidfuzz's Indel, an LCS diff) and becomes :class:`Piece` s -- ``(start, end,
text)`` replacements at document offsets. A change inside a word grows to the whole word,
so a rename reads as one replaced word rather than a scatter of letters. A hunk that still
falls apart into many different pieces is shown as whole lines instead; the same
replacement made many times (a rename, an argument added at every call) always stays
word-level, in any language.

Pieces belong to one version of the document. :func:`follow_typing` carries them over a
keystroke that types exactly the start of a piece's new text (the rest stays shown: Zed's
interpolation); any other change ends them. :func:`take` splits off the next word or line
of a piece for a partial accept.
"""

from __future__ import annotations

from typing import Iterable, Literal, NamedTuple, Sequence

from nxedit.model.text.changeset import ChangeSet
from nxedit.model.text.document import Document
from nxedit.model.text.edits import LineEdit
from nxedit.model.text.plain import is_word_char

MAX_PIECES = 4  # per hunk; beyond that whole lines read better than scattered fragments


class Piece(NamedTuple):
    """Replace document offsets ``[start, end)`` with ``text``."""

    start: int
    end: int
    text: str

    @property
    def size(self) -> int:
        """Characters the piece changes: inserted plus deleted."""
        return len(self.text) + self.end - self.start


def _grow(old: str, new: str, span: list[int], lo: int, hi: int) -> None:
    """Widen a change ``[a, b) -> [a2, b2)`` that sits inside a word to that whole word,
    staying within the equal text around it (``old[lo:a]``, ``old[b:hi]``)."""
    a, b, a2, b2 = span
    inside = a > 0 and b < len(old) and is_word_char(old[a - 1]) and is_word_char(old[b])
    replaced = a < b and a2 < b2
    if not (inside or replaced):
        return  # "count" -> "counter" stays an insertion of "er"
    if a > lo and is_word_char(old[a - 1]) and (inside or is_word_char(old[a]) or is_word_char(new[a2])):
        k = a
        while k > lo and is_word_char(old[k - 1]):
            k -= 1
        span[0], span[2] = k, a2 - (a - k)
    if b < hi and is_word_char(old[b]) and (inside or is_word_char(old[b - 1]) or is_word_char(new[b2 - 1])):
        k = b
        while k < hi and is_word_char(old[k]):
            k += 1
        span[1], span[3] = k, b2 + (k - b)


def diff_pieces(old: str, new: str, base: int = 0) -> list[Piece]:
    """The pieces turning ``old`` into ``new`` (offsets plus ``base``), word-snapped."""
    if old == new:
        return []
    from rapidfuzz.distance import Indel  # here: the editor diffs in worker threads only

    ops = _whole_words(old, new, [(op.tag == "equal", op.src_start, op.src_end, op.dest_start, op.dest_end)
                                  for op in Indel.opcodes(old, new)])
    spans: list[list[int]] = []
    for i, (equal, a, b, a2, b2) in enumerate(ops):
        if equal:
            continue
        lo = ops[i - 1][1] if i > 0 and ops[i - 1][0] else a
        hi = ops[i + 1][2] if i + 1 < len(ops) and ops[i + 1][0] else b
        span = [a, b, a2, b2]
        _grow(old, new, span, lo, hi)
        if spans and span[0] <= spans[-1][1]:  # touching or overlapping: one change
            last = spans[-1]
            last[1], last[3] = max(last[1], span[1]), max(last[3], span[3])
        else:
            spans.append(span)
    if len(spans) > MAX_PIECES and not _alike(old, new, spans):
        spans = [_joined(old, new, spans)]
    else:
        spans = _whole_lines_where_needed(old, new, spans)
    return [Piece(base + a, base + b, new[a2:b2]) for a, b, a2, b2 in spans]


def _whole_words(old: str, new: str, ops: list[tuple[bool, int, int, int, int]]) -> list[tuple[bool, int, int, int, int]]:
    """Join changes on both sides of letters they share inside one word: an LCS diff of
    ``len_rv`` -> ``size`` keeps the ``e`` and shows "l|siz|e|n_rv"; one word replaced reads."""
    out: list[tuple[bool, int, int, int, int]] = []
    for op in ops:
        if (len(out) >= 2 and not op[0] and out[-1][0] and not out[-2][0]
                and all(is_word_char(c) for c in old[out[-1][1]:out[-1][2]])
                and _word_edge(old, new, out[-2], True) and _word_edge(old, new, op, False)):
            out[-2:] = [(False, out[-2][1], op[2], out[-2][3], op[4])]
        elif out and not op[0] and not out[-1][0]:
            out[-1] = (False, out[-1][1], op[2], out[-1][3], op[4])
        else:
            out.append(op)
    return out


def _word_edge(old: str, new: str, op: tuple[bool, int, int, int, int], before: bool) -> bool:
    """Whether a change touches the shared letters with a letter of its own (on the side
    ``before`` or after them), on the old or the new side."""
    _, a, b, a2, b2 = op
    if before:
        return (a < b and is_word_char(old[b - 1])) or (a2 < b2 and is_word_char(new[b2 - 1]))
    return (a < b and is_word_char(old[a])) or (a2 < b2 and is_word_char(new[a2]))


def _alike(old: str, new: str, spans: list[list[int]]) -> bool:
    """Do all changes make the same replacement (a rename, one argument added at each call)?"""
    return len({(old[a:b], new[a2:b2]) for a, b, a2, b2 in spans}) == 1


def _delta(span: list[int]) -> int:
    return (span[3] - span[2]) - (span[1] - span[0])


def _line_start(old: str, at: int) -> int:
    return old.rfind("\n", 0, at) + 1


def _line_stop(old: str, at: int, start: int) -> int:
    """One past the line break ending the line that holds ``at`` (``at`` itself when it
    already starts a line after ``start``)."""
    if at > start and old[at - 1] == "\n":
        return at
    nl = old.find("\n", at)
    return len(old) if nl < 0 else nl + 1


def _joined(old: str, new: str, spans: list[list[int]]) -> list[int]:
    """One change covering all of ``spans`` (whole lines when it spans several)."""
    a, b, a2, b2 = spans[0][0], spans[-1][1], spans[0][2], spans[-1][3]
    if "\n" in old[a:b] or "\n" in new[a2:b2]:
        la = _line_start(old, a)
        lb = _line_stop(old, b, a)
        return [la, lb, a2 - (a - la), b2 + (lb - b)]  # the text around the changes is equal
    return [a, b, a2, b2]


def _whole_lines_where_needed(old: str, new: str, spans: list[list[int]]) -> list[list[int]]:
    """A change that breaks or joins lines mid-line reads best as whole lines replaced:
    widen those (absorbing the changes on the same lines), keep the rest."""
    out: list[list[int]] = []
    i = 0
    while i < len(spans):
        span = spans[i]
        if _line_shaped(old, new, span):
            out.append(span)
            i += 1
            continue
        group = [span]
        a = _line_start(old, span[0])
        while out and (out[-1][1] > a or out[-1][0] >= a):  # changes earlier on these lines
            group.insert(0, out.pop())
            a = min(a, _line_start(old, group[0][0]))
        b = _line_stop(old, span[1], a)
        i += 1
        while i < len(spans) and spans[i][0] < b:  # changes later on these lines
            group.append(spans[i])
            b = max(b, _line_stop(old, spans[i][1], a))
            i += 1
        shift = sum(_delta(s) for s in out)
        out.append([a, b, a + shift, b + shift + sum(_delta(s) for s in group)])
    return out


def _line_shaped(old: str, new: str, span: list[int]) -> bool:
    """Whether a change stays within one line, or adds or removes whole lines only."""
    a, b, a2, b2 = span
    gone, added = old[a:b], new[a2:b2]
    if "\n" not in gone and "\n" not in added:
        return True
    line_start = a == 0 or old[a - 1] == "\n"
    line_end = b == len(old) or old[b] in "\r\n"
    if not gone:  # new lines before a line, or after the end of one
        return (line_start and added.endswith("\n")) or (line_end and added.startswith(("\n", "\r\n")))
    if not added:  # whole lines, or the break and text after a line's end
        return line_start and (b == len(old) or old[b - 1] == "\n") or (line_end and gone.startswith(("\n", "\r\n")))
    return line_start and gone.endswith("\n") and added.endswith("\n")


def suggestion_pieces(doc: Document, edits: Iterable[LineEdit], base: int = 0) -> tuple[Piece, ...]:
    """Pieces of line edits against ``doc``; offsets plus ``base`` (where ``doc`` starts
    in the buffer, when it holds a window of it)."""
    out: list[Piece] = []
    lines = doc.lines
    for e in sorted(edits, key=lambda e: e.start_line):
        start = e.line_offset(doc, e.start_line)
        old = "".join(lines[e.start_line : e.end_line])
        out += diff_pieces(old, e.new_text, base + start)
    return tuple(out)


def changeset_of(pieces: Sequence[Piece], length: int) -> ChangeSet:
    return ChangeSet.from_edits(length, [(p.start, p.end, p.text) for p in pieces])


def follow_typing(pieces: Sequence[Piece], changes: ChangeSet) -> tuple[Piece, ...] | None:
    """The pieces after ``changes`` when it typed exactly the start of a piece's new text
    at that piece (the rest of it stays suggested); None when the change went elsewhere
    or differed. An empty tuple: the user typed the whole suggestion."""
    edits = list(changes.changes())
    if len(edits) != 1:
        return None
    at, end, typed = edits[0]
    if at != end or not typed:
        return None
    n = len(typed)
    out: list[Piece] = []
    followed = False
    for p in pieces:
        if not followed and p.start == at and p.text.startswith(typed):
            followed = True
            p = Piece(at + n, p.end + n, p.text[n:])
            if p.start != p.end or p.text:
                out.append(p)
        elif p.start >= at:
            out.append(Piece(p.start + n, p.end + n, p.text))
        elif p.end > at:  # typed inside a piece's struck text
            return None
        else:
            out.append(p)
    return tuple(out) if followed else None


Unit = Literal["word", "line", "all"]


def _word_end(text: str) -> int:
    """Where the next word of ``text`` ends: a line break with the next line's indentation,
    then spaces, then one run of word or of punctuation characters."""
    i, n = 0, len(text)
    if text.startswith("\r\n"):
        i = 2
    elif text.startswith("\n"):
        i = 1
    while i < n and text[i] in " \t":
        i += 1
    if i < n and text[i] not in "\r\n":
        word = is_word_char(text[i])
        while i < n and text[i] not in " \t\r\n" and is_word_char(text[i]) == word:
            i += 1
    return i


def _line_end(text: str) -> int:
    """Where the next line of ``text`` ends: through its line break, or, when ``text``
    starts with a break, up to the next one (each step adds a line that has content)."""
    if text.startswith(("\n", "\r\n")):
        start = 2 if text.startswith("\r\n") else 1
        nl = text.find("\n", start)
        return len(text) if nl < 0 else (nl - 1 if text[nl - 1] == "\r" else nl)
    nl = text.find("\n")
    return len(text) if nl < 0 else nl + 1


def take(piece: Piece, unit: Unit) -> tuple[Piece, Piece | None]:
    """Split ``piece`` for a partial accept: what to apply now (its deletion and the next
    word or line of its text) and what stays suggested after it (None when nothing)."""
    if unit == "all" or not piece.text:
        return piece, None
    n = _word_end(piece.text) if unit == "word" else _line_end(piece.text)
    n = max(n, 1)
    if n >= len(piece.text):
        return piece, None
    at = piece.start + n
    return Piece(piece.start, piece.end, piece.text[:n]), Piece(at, at, piece.text[n:])


def shift_after(pieces: Sequence[Piece], applied: Piece) -> tuple[Piece, ...]:
    """``pieces`` (all after ``applied``, against the same text) once ``applied`` is in."""
    delta = len(applied.text) - (applied.end - applied.start)
    return tuple(Piece(p.start + delta, p.end + delta, p.text) for p in pieces)
