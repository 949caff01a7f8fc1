"""Candidate suggestions, how sites become one hunk, and the checks every candidate passes."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Iterable, Iterator

from nxedit.model.text.edits import LineEdit
from nxedit.model.text.plain import split_lines
from .history import Hunk

MERGE_GAP = 3  # sites fewer than this many unchanged lines apart form one hunk (as git -U0 + merge)
MAX_HUNK_LINES = 30  # a suggestion grows no further: one reviewable hunk, bounded work


@dataclass(frozen=True, slots=True)
class Site:
    """Lines [start, end) of the current text, rewritten to ``new_text``."""

    start: int
    end: int
    new_text: str


@dataclass(frozen=True, slots=True)
class Candidate:
    edit: LineEdit
    source: str  # "structural:rename", ...
    confidence: float
    rule: str  # the rule inside the behaviour that made it (for calibration and debugging)


def scan_lines(n_lines: int, cursor_line: int) -> Iterator[int]:
    """Lines after the cursor line, then from the top down to it (the next place "after" wraps)."""
    yield from range(cursor_line + 1, n_lines)
    yield from range(0, min(cursor_line + 1, n_lines))


def in_scan_order(lines: list[int], cursor_line: int) -> list[int]:
    """Sorted line numbers reordered like :func:`scan_lines` (after the cursor line first)."""
    cut = bisect_right(lines, cursor_line)
    return lines[cut:] + lines[:cut]


def scan_distance(line: int, cursor_line: int, n_lines: int) -> int:
    """How far ``line`` comes in that order: 0 for the line after the cursor's, wrapping
    past the end of the file (the cursor's own line comes last)."""
    return (line - cursor_line - 1) % max(n_lines, 1)


def cluster(sites: Iterable[Site], lines: list[str]) -> LineEdit | None:
    """The first site, merged with the sites right after it into one hunk (gaps < MERGE_GAP)."""
    return cluster_all(sites, lines)[0]


def cluster_all(sites: Iterable[Site], lines: list[str]) -> tuple[LineEdit | None, bool]:
    """:func:`cluster`, and whether the hunk holds every site (none is left after it: the
    whole ripple in one suggestion, a feature of the acceptance model)."""
    group: list[Site] = []
    sites = iter(sites)
    complete = True
    for site in sites:
        if not group:
            group.append(site)
        elif (group[-1].end <= site.start and site.start - group[-1].end < MERGE_GAP
              and max(site.end, site.start + 1) - group[0].start <= MAX_HUNK_LINES):
            group.append(site)
        else:
            complete = False
            break
    if not group:
        return None, False
    return join_sites(group, lines), complete and next(sites, None) is None


def join_sites(group: list[Site], lines: list[str]) -> LineEdit:
    """Sites in file order as one edit, with the unchanged lines between them."""
    parts = []
    for prev, site in zip([None, *group], group):
        if prev is not None:
            parts.append("".join(lines[prev.end : site.start]))
        parts.append(site.new_text)
    return LineEdit(group[0].start, group[-1].end, "".join(parts))


def is_noop(edit: LineEdit, lines: list[str]) -> bool:
    return "".join(lines[edit.start_line : edit.end_line]) == edit.new_text


def undoes(edit: LineEdit, lines: list[str], last: Hunk | None) -> bool:
    """Whether the edit would bring back text the user's last edit removed from the same lines."""
    if last is None or not last.intact:
        return False
    touches = edit.start_line < last.end and last.start < edit.end_line
    adjacent = edit.start_line == edit.end_line and last.start <= edit.start_line <= last.end
    if not (touches or adjacent):
        return False
    removed = {ln.strip() for ln in split_lines(last.old_text)} - {ln.strip() for ln in split_lines(last.new_text)}
    removed.discard("")
    if not removed:  # the last edit only added lines: undoing it is deleting them again
        added = last.new_lines
        after = split_lines(edit.new_text)
        return bool(added) and not any(a in after for a in added) and edit.start_line <= last.start < edit.end_line
    return any(ln.strip() in removed for ln in split_lines(edit.new_text))


def valid(edit: LineEdit, lines: list[str]) -> bool:
    return 0 <= edit.start_line <= edit.end_line <= len(lines)
