"""Edits as data: a change set of retain / delete / insert operations over a text.

Modelled on Helix's ``transaction.rs``. A :class:`ChangeSet` walks the whole text from
offset 0 to its end: *retain n* keeps n characters, *delete n* drops n characters,
*insert s* adds ``s``. It can be applied to a text, inverted (given the text it was made
for), composed with the change that follows it, and used to map a position through the
change. Undo/redo, the edit recorder and accepted suggestions all carry ChangeSets.

Operations are stored compactly: a positive ``int`` is a retain, a negative ``int`` a
delete of that many characters, a ``str`` an insert. The canonical form merges neighbours
of the same kind and puts an insert before a delete at the same place, so two change sets
that do the same thing compare equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator, Literal, Union

Op = Union[int, str]
Assoc = Literal["before", "after"]


class _Builder:
    """Accumulates operations in canonical form."""

    __slots__ = ("ops", "len_before", "len_after")

    def __init__(self) -> None:
        self.ops: list[Op] = []
        self.len_before = 0
        self.len_after = 0

    def retain(self, n: int) -> None:
        if n <= 0:
            return
        self.len_before += n
        self.len_after += n
        ops = self.ops
        if ops and isinstance(ops[-1], int) and ops[-1] > 0:
            ops[-1] += n
        else:
            ops.append(n)

    def delete(self, n: int) -> None:
        if n <= 0:
            return
        self.len_before += n
        ops = self.ops
        if ops and isinstance(ops[-1], int) and ops[-1] < 0:
            ops[-1] -= n
        else:
            ops.append(-n)

    def insert(self, s: str) -> None:
        if not s:
            return
        self.len_after += len(s)
        ops = self.ops
        if ops and isinstance(ops[-1], str):
            ops[-1] += s
        elif ops and isinstance(ops[-1], int) and ops[-1] < 0:
            # canonical order: insert before delete at the same place
            if len(ops) >= 2 and isinstance(ops[-2], str):
                ops[-2] += s
            else:
                ops.insert(len(ops) - 1, s)
        else:
            ops.append(s)

    def build(self) -> "ChangeSet":
        return ChangeSet(tuple(self.ops), self.len_before, self.len_after)


@dataclass(frozen=True, slots=True)
class ChangeSet:
    """A change from a text of ``len_before`` characters to one of ``len_after``."""

    ops: tuple[Op, ...]
    len_before: int
    len_after: int

    # -- construction ---------------------------------------------------------------

    @classmethod
    def identity(cls, length: int) -> "ChangeSet":
        return cls((length,) if length else (), length, length)

    @classmethod
    def from_edits(cls, length: int, edits: Iterable[tuple[int, int, str]]) -> "ChangeSet":
        """Build from ``(start, end, text)`` replacements, all against the same text.

        The edits may come in any order but must not overlap (two insertions at the same
        offset are kept in the given order).
        """
        b = _Builder()
        pos = 0
        for start, end, text in sorted(edits, key=lambda e: (e[0], e[1])):
            if start < pos or end < start or end > length:
                raise ValueError(f"bad or overlapping edit ({start}, {end}) in a text of {length}")
            b.retain(start - pos)
            b.insert(text)
            b.delete(end - start)
            pos = end
        b.retain(length - pos)
        return b.build()

    @classmethod
    def insert_at(cls, length: int, offset: int, text: str) -> "ChangeSet":
        return cls.from_edits(length, [(offset, offset, text)])

    @classmethod
    def delete_range(cls, length: int, start: int, end: int) -> "ChangeSet":
        return cls.from_edits(length, [(start, end, "")])

    # -- queries --------------------------------------------------------------------

    @property
    def is_identity(self) -> bool:
        return all(isinstance(op, int) and op > 0 for op in self.ops)

    def changes(self) -> Iterator[tuple[int, int, str]]:
        """The replacements ``(start, end, text)`` in the coordinates of the old text."""
        pos = 0
        start = None
        text = ""
        for op in self.ops:
            if isinstance(op, str):
                if start is None:
                    start = pos
                text += op
            elif op < 0:
                if start is None:
                    start = pos
                pos -= op
            else:
                if start is not None:
                    yield start, pos, text
                    start, text = None, ""
                pos += op
        if start is not None:
            yield start, pos, text

    # -- application ----------------------------------------------------------------

    def apply(self, text: str) -> str:
        if len(text) != self.len_before:
            raise ValueError(f"change set expects a text of {self.len_before} characters, got {len(text)}")
        out = []
        pos = 0
        for op in self.ops:
            if isinstance(op, str):
                out.append(op)
            elif op > 0:
                out.append(text[pos : pos + op])
                pos += op
            else:
                pos -= op
        return "".join(out)

    def invert(self, original: str) -> "ChangeSet":
        """The change that undoes this one; ``original`` is the text it was made for."""
        if len(original) != self.len_before:
            raise ValueError("invert needs the text the change set was made for")
        b = _Builder()
        pos = 0
        for op in self.ops:
            if isinstance(op, str):
                b.delete(len(op))
            elif op > 0:
                b.retain(op)
                pos += op
            else:
                b.insert(original[pos : pos - op])
                pos -= op
        return b.build()

    def compose(self, after: "ChangeSet") -> "ChangeSet":
        """One change equivalent to applying ``self`` and then ``after``."""
        if self.len_after != after.len_before:
            raise ValueError(f"cannot compose: {self.len_after} != {after.len_before}")
        b = _Builder()
        a_ops, b_ops = list(self.ops), list(after.ops)
        ia = ib = 0
        ha: Op | None = a_ops[0] if a_ops else None
        hb: Op | None = b_ops[0] if b_ops else None

        def next_a() -> Op | None:
            nonlocal ia
            ia += 1
            return a_ops[ia] if ia < len(a_ops) else None

        def next_b() -> Op | None:
            nonlocal ib
            ib += 1
            return b_ops[ib] if ib < len(b_ops) else None

        while ha is not None or hb is not None:
            # deletions of the first change never reach the second
            if isinstance(ha, int) and ha < 0:
                b.delete(-ha)
                ha = next_a()
                continue
            # insertions of the second change do not consume the first
            if isinstance(hb, str):
                b.insert(hb)
                hb = next_b()
                continue
            if ha is None or hb is None:
                raise ValueError("change sets do not line up")
            if isinstance(ha, str):
                k = min(len(ha), abs(hb))
                if hb > 0:  # inserted, then kept
                    b.insert(ha[:k])
                # inserted, then deleted: both vanish
                ha = ha[k:] or next_a()
                rest = abs(hb) - k
                hb = (rest if hb > 0 else -rest) if rest else next_b()
            else:  # ha is a retain
                k = min(ha, abs(hb))
                if hb > 0:
                    b.retain(k)
                else:
                    b.delete(k)
                ha = (ha - k) or next_a()
                rest = abs(hb) - k
                hb = (rest if hb > 0 else -rest) if rest else next_b()
        return b.build()

    def map_pos(self, pos: int, assoc: Assoc = "after") -> int:
        """Where offset ``pos`` of the old text lands in the new text.

        At an insertion point, ``assoc="before"`` stays in front of the inserted text and
        ``"after"`` moves past it (a cursor typing text moves with it). A position inside
        deleted text lands where the deletion was.
        """
        old = new = 0
        for op in self.ops:
            if isinstance(op, str):
                if old == pos and assoc == "before":
                    return new
                new += len(op)
            elif op > 0:
                if pos < old + op:
                    return new + (pos - old)
                old += op
                new += op
            else:
                if pos < old - op:
                    return new
                old -= op
        return new + (pos - old)
