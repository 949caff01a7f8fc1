"""Which lines of a text changed against an older version: added, changed, deleted.

The lines both ends share are trimmed first (an edit usually touches one place), and the
rest is aligned by rapidfuzz's longest common subsequence over whole lines (in C). A run of
removed and inserted lines between two kept ones is one hunk: "changed" when it has both,
"added" or "deleted" otherwise.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Literal, NamedTuple, Sequence

from rapidfuzz.distance import Indel

# past this many line pairs in the untrimmed middle, the exact alignment's memory (a bit per
# pair) is too much: difflib's heuristic alignment is used instead
EXACT_LIMIT = 400_000_000


class Hunk(NamedTuple):
    kind: Literal["added", "changed", "deleted"]
    start: int  # first line of the new text; for "deleted", the line the removed ones stood before
    end: int  # one past the last line ([start, end); start == end for "deleted")


def line_changes(old: Sequence[str], new: Sequence[str]) -> list[Hunk]:
    """The hunks that turn ``old`` into ``new`` (lines without their endings)."""
    head = 0
    limit = min(len(old), len(new))
    while head < limit and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < limit - head and old[len(old) - 1 - tail] == new[len(new) - 1 - tail]:
        tail += 1
    old_mid = old[head : len(old) - tail]
    new_mid = new[head : len(new) - tail]
    if not old_mid and not new_mid:
        return []
    hunks: list[Hunk] = []
    removed = added = 0
    start = head
    for tag, a0, a1, b0, b1 in _opcodes(old_mid, new_mid):
        if tag == "equal":
            if removed or added:
                hunks.append(_hunk(start, removed, added))
            removed = added = 0
            start = head + b1
            continue
        if not removed and not added:
            start = head + b0
        removed += a1 - a0
        added += b1 - b0
    if removed or added:
        hunks.append(_hunk(start, removed, added))
    return hunks


def _hunk(start: int, removed: int, added: int) -> Hunk:
    if not removed:
        return Hunk("added", start, start + added)
    if not added:
        return Hunk("deleted", start, start)
    return Hunk("changed", start, start + added)


def _opcodes(old: Sequence[str], new: Sequence[str]):
    if not old or not new:
        return [("replace" if old and new else "delete" if old else "insert", 0, len(old), 0, len(new))]
    if len(old) * len(new) <= EXACT_LIMIT:
        return [(op.tag, op.src_start, op.src_end, op.dest_start, op.dest_end)
                for op in Indel.opcodes(list(old), list(new))]
    return SequenceMatcher(None, old, new).get_opcodes()
