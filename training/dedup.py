"""Dropping near-duplicate training examples: MinHash over the edit, LSH to find candidates.

Two examples are duplicates when they teach the same edit in the same place: the same
change recorded by the editor and found again in git, a file copied with its edits, a
cherry-picked commit. So the fingerprint is the target hunk with two lines of context
on each side (not the whole prompt: two different edits in one function share most of
their prompt). Fingerprints are compared as sets of token 3-grams; a MinHash of 16
values in 8 bands of 2 finds candidates, and the exact Jaccard similarity of the two
sets decides (at least ``threshold``). Deterministic (CRC-32, a seeded permutation
family), standard library only.
"""

from __future__ import annotations

import random
import re
import zlib
from collections import defaultdict

from nxedit.model.text.plain import split_lines

_TOKEN = re.compile(r"\w+|[^\w\s]")
_PRIME = (1 << 61) - 1
BANDS, ROWS = 8, 2
CONTEXT_LINES = 2


def fingerprint_text(current: str, hunk: dict) -> str:
    """The hunk with :data:`CONTEXT_LINES` lines of context each side, as one text."""
    lines = split_lines(current)
    s, e = hunk["start_line"], hunk["end_line"]
    above = "".join(lines[max(0, s - CONTEXT_LINES) : s])
    below = "".join(lines[e : e + CONTEXT_LINES])
    return f"{above}\0{''.join(lines[s:e])}\0{hunk['new_text']}\0{below}"


def shingles(text: str, n: int = 3) -> frozenset[int]:
    """Hashes of the token ``n``-grams of ``text`` (whitespace ignored)."""
    toks = _TOKEN.findall(text)
    if len(toks) < n:
        return frozenset({zlib.crc32(" ".join(toks).encode())})
    return frozenset(zlib.crc32(" ".join(toks[i : i + n]).encode()) for i in range(len(toks) - n + 1))


class NearDuplicates:
    """Remembers fingerprints; :meth:`seen` says whether a new one is a near-duplicate."""

    def __init__(self, threshold: float = 0.8, seed: int = 0):
        self.threshold = threshold
        rng = random.Random(seed)
        self._perms = [(rng.randrange(1, _PRIME), rng.randrange(_PRIME)) for _ in range(BANDS * ROWS)]
        self._buckets: dict[tuple, list[int]] = defaultdict(list)
        self._sets: list[frozenset[int]] = []

    def _signature(self, items: frozenset[int]) -> list[int]:
        return [min((a * x + b) % _PRIME for x in items) for a, b in self._perms]

    def seen(self, text: str) -> bool:
        """True if ``text`` is a near-duplicate of one added before; otherwise remember it."""
        items = shingles(text)
        sig = self._signature(items)
        keys = [(band, *sig[band * ROWS : (band + 1) * ROWS]) for band in range(BANDS)]
        candidates = {i for key in keys for i in self._buckets.get(key, ())}
        for i in candidates:
            other = self._sets[i]
            if len(items & other) >= self.threshold * len(items | other):
                return True
        index = len(self._sets)
        self._sets.append(items)
        for key in keys:
            self._buckets[key].append(index)
        return False
