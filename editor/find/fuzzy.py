"""Fuzzy ranking of file paths for the picker (rapidfuzz), recently used files first.

A path is a candidate when every word of the query appears in it in order, letters
possibly apart ("edvw" finds ``editor/view/widget.py``); case is ignored. rapidfuzz does
the work in C: the in-order test is "the longest common subsequence of word and path is
the whole word", then candidates are scored by how well the words match the file name
and the whole path, with a bonus for recently used files. Each narrowing of the query
(typing one more letter) only re-tests the previous candidates.
"""

from __future__ import annotations

import copy
import heapq
from typing import Sequence

from rapidfuzz import fuzz, process
from rapidfuzz.distance import LCSseq

RECENT_BONUS = 40.0  # a recently used file that matches outranks a slightly better stranger
BOUNDARY_BONUS = 30.0  # per query letter at the start of a word of the path
RESCORE = 300  # how many of the best candidates get the (Python) word-start score
_SEPARATORS = "/_-. "


class Ranker:
    """Ranks one list of paths against queries, reusing the last query's candidates."""

    def __init__(self, paths: Sequence[str], recent: Sequence[str] = ()) -> None:
        self.paths = list(paths)
        self.lower = [p.lower() for p in self.paths]
        self.known = set(self.paths)
        self._set_recent(recent)

    def _set_recent(self, recent: Sequence[str]) -> None:
        # the most recent first; a path's bonus fades with its age in the list
        self.recent = {p: RECENT_BONUS * (1 - i / (len(recent) + 1)) for i, p in enumerate(recent)}
        self._last: tuple[tuple[str, ...], list[int]] | None = None

    def with_recent(self, recent: Sequence[str]) -> "Ranker":
        """The same paths with another recent list: cheap (the lists are shared), so an
        earlier ranker serves a new opening of the picker on the UI thread."""
        other = copy.copy(self)
        other._set_recent(recent)
        return other

    def rank(self, query: str, limit: int = 200) -> list[str]:
        """The best ``limit`` paths for ``query``; for an empty query the recent files,
        then the rest in list order."""
        words = tuple(query.lower().split())
        if not words:
            known = self.known
            recent = [p for p in self.recent if p in known]
            taken = set(recent)
            rest = (p for p in self.paths if p not in taken)
            out = recent[:limit]
            for p in rest:
                if len(out) >= limit:
                    break
                out.append(p)
            return out
        indices = self._candidates(words)
        scores = self._scores(words, indices)
        paths = self.paths
        # the best few also score letters that start words ("edvw": editor/view/widget.py)
        top = heapq.nlargest(max(limit, RESCORE), range(len(indices)), key=scores.__getitem__)
        for k in top:
            scores[k] += BOUNDARY_BONUS * sum(boundary_hits(w, self.lower[indices[k]]) for w in words)
        top.sort(key=lambda k: (-scores[k], len(paths[indices[k]]), paths[indices[k]]))
        return [paths[indices[k]] for k in top[:limit]]

    def _candidates(self, words: tuple[str, ...]) -> list[int]:
        last = self._last
        indices = last[1] if last is not None and _narrows(last[0], words) else None
        for word in words:
            choices = self.lower if indices is None else [self.lower[i] for i in indices]
            hits = process.extract(word, choices, scorer=LCSseq.similarity, score_cutoff=len(word), limit=None)
            found = sorted(key for _, _, key in hits)  # positions in choices
            indices = found if indices is None else [indices[k] for k in found]
        self._last = (words, indices)
        return indices

    def _scores(self, words: tuple[str, ...], indices: list[int]) -> list[float]:
        """Scores of ``indices``, in their order."""
        recent = self.recent
        scores = [recent.get(self.paths[i], 0.0) for i in indices] if recent else [0.0] * len(indices)
        if not indices:
            return scores
        lower = self.lower
        names = [lower[i][lower[i].rfind("/") + 1 :] for i in indices]
        for word in words:
            # the file name decides most (partial_ratio: its best-aligned stretch); the
            # rest of the path only says whether the word is there whole
            for _, score, k in process.extract(word, names, scorer=fuzz.partial_ratio, limit=None):
                scores[k] += 2 * score
            for k, i in enumerate(indices):
                if word in names[k]:
                    scores[k] += 40 if names[k].startswith(word) else 15
                elif word in lower[i]:
                    scores[k] += 10
        return scores


def _narrows(old: tuple[str, ...], new: tuple[str, ...]) -> bool:
    """Whether every path matching ``new`` also matches ``old`` (each old word is a
    prefix of the new word at its place: the query only grew)."""
    return len(new) >= len(old) and all(n.startswith(o) for o, n in zip(old, new))


def _is_start(path: str, at: int) -> bool:
    return at == 0 or path[at - 1] in _SEPARATORS


def _placed(word: str, path: str, at: int = 0) -> list[int]:
    """Positions of ``word``'s letters in order from ``at``, each at the start of a word of
    the path where one follows, else at the next plain occurrence ([] when they do not fit)."""
    out = []
    for ch in word:
        plain = path.find(ch, at)
        if plain < 0:
            return []
        start = plain
        while start >= 0 and not _is_start(path, start):
            start = path.find(ch, start + 1)
        pos = start if start >= 0 else plain
        out.append(pos)
        at = pos + 1
    return out


def boundary_hits(word: str, path: str) -> int:
    """How well ``word`` reads as an abbreviation or a word of ``path``: found whole at the
    start of a word (after ``/``, ``_``, ``-``, ``.``), all its letters count; otherwise
    the letters that sit at word starts ("edvw" for editor/view/widget)."""
    whole = path.rfind(word)
    if whole >= 0:
        return len(word) if _is_start(path, whole) else 0
    return sum(1 for at in _placed(word, path) if _is_start(path, at))


def match_positions(query: str, path: str) -> list[int]:
    """Which characters of ``path`` the query's words match, for highlighting: a word found
    whole where it is found last (file names before folders), else its letters placed at
    word starts where they can be."""
    lower = path.lower()
    positions: list[int] = []
    at = 0
    for word in query.lower().split():
        whole = lower.rfind(word, at)
        found = list(range(whole, whole + len(word))) if whole >= 0 else _placed(word, lower, at)
        if not found:
            break
        positions.extend(found)
        at = found[-1] + 1
    return sorted(positions)
