"""From a rewritten region to the smallest line edits, and the checks that reject bad rewrites.

A next-edit model rewrites a whole region of the buffer; the suggestion is what changed.
:func:`rewrite_edits` diffs the region against its rewrite at character level (rapidfuzz),
trims the common prefix and suffix, groups the changes into hunks of whole lines and
returns them as :class:`LineEdit` s against the buffer. :func:`repetition` (:func:`repetition_reason`) and
:func:`undoes_edit` catch two ways a model output goes wrong.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from rapidfuzz.distance import Indel

from nxedit.model.text.changeset import ChangeSet
from nxedit.model.text.edits import LineEdit
from nxedit.model.text.plain import apply_line_edits, common_prefix, shared_line_ends, split_lines


def _common_suffix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[-1 - i] == b[-1 - i]:
        i += 1
    return i


class _Lines:
    """Line numbers of offsets in the lines of ``text`` around ``[start, end]`` only."""

    def __init__(self, text: str, start: int, end: int):
        self.text = text
        self.first_line = text.count("\n", 0, start)
        self.base = text.rfind("\n", 0, start) + 1  # start of the first line touched
        stop = text.find("\n", end)
        stop = len(text) if stop < 0 else stop + 1
        self.starts = [self.base]
        pos = text.find("\n", self.base, stop)
        while pos >= 0:
            self.starts.append(pos + 1)
            pos = text.find("\n", pos + 1, stop)

    def line_of(self, offset: int) -> int:
        return self.first_line + bisect_right(self.starts, offset) - 1

    def start_of(self, line: int) -> int:
        i = line - self.first_line
        return self.starts[i] if i < len(self.starts) else len(self.text)

    def is_line_start(self, offset: int) -> bool:
        return offset == self.starts[bisect_right(self.starts, offset) - 1]


def _char_changes(old: str, new: str, base: int) -> list[tuple[int, int, str]]:
    """Non-equal opcodes of an LCS diff as ``(start, end, replacement)`` offsets + ``base``."""
    changes: list[list] = []
    for op in Indel.opcodes(old, new):
        if op.tag == "equal":
            continue
        a, b, text = base + op.src_start, base + op.src_end, new[op.dest_start : op.dest_end]
        if changes and changes[-1][1] == a:  # a delete followed by an insert: one replacement
            changes[-1][1] = b
            changes[-1][2] += text
        else:
            changes.append([a, b, text])
    return [tuple(c) for c in changes]


def rewrite_edits(text: str, start: int, end: int, rewrite: str) -> tuple[LineEdit, ...]:
    """Line edits against ``text`` that turn ``text[start:end]`` into ``rewrite``.

    Applying them to ``text`` gives exactly ``text[:start] + rewrite + text[end:]``. Each
    edit is one hunk of whole lines with no unchanged line at either end; hunks are
    sorted, apart, and empty when the rewrite changes nothing.
    """
    old = text[start:end]
    if old == rewrite:
        return ()
    p = common_prefix(old, rewrite)
    s = _common_suffix(old[p:], rewrite[p:])
    changes = _char_changes(old[p : len(old) - s], rewrite[p : len(rewrite) - s], start + p)
    lines = _Lines(text, start + p, end - s)

    groups: list[tuple[int, int, list]] = []  # (first line, end line, changes)
    for a, b, new in changes:
        first = lines.line_of(a)
        if a == b and lines.is_line_start(a) and (new.endswith("\n") or a == len(text)):
            span = (first, first)  # whole new lines inserted between two lines
        elif a == b:
            span = (first, first + 1)
        else:
            span = (first, lines.line_of(b - 1) + 1)
        if groups and span[0] <= groups[-1][1]:  # touching hunks become one
            lo, hi, members = groups[-1]
            groups[-1] = (lo, max(hi, span[1]), members + [(a, b, new)])
        else:
            groups.append((*span, [(a, b, new)]))

    edits = []
    for lo, hi, members in groups:
        base = lines.start_of(lo)
        chunk = text[base : lines.start_of(hi)]
        pieces, at = [], base
        for a, b, new in members:
            pieces += [text[at:a], new]
            at = b
        pieces.append(text[at : lines.start_of(hi)])
        edit = _trim_equal_lines(LineEdit(lo, hi, "".join(pieces)), chunk)
        if edit is not None:
            edits.append(edit)
    return tuple(edits)


def _trim_equal_lines(edit: LineEdit, old_chunk: str) -> LineEdit | None:
    """The edit without unchanged whole lines at its ends; None if nothing is left."""
    old, new = split_lines(old_chunk), split_lines(edit.new_text)
    top, bottom = shared_line_ends(old, new)
    if top == len(old) == len(new):
        return None
    return LineEdit(edit.start_line + top, edit.end_line - bottom, "".join(new[top : len(new) - bottom]))


# ---------------------------------------------------------------------------------------
# checks on a rewrite

_RUN_OF_CHUNK = re.compile(r"(.{1,16}?)\1{24,}")  # a short piece repeated 25+ times in a row


def _max_repeats(lines: list[str], period: int) -> tuple[int, str, int]:
    """The most times one non-blank block of ``period`` lines occurs back to back, the
    block's first non-blank line (what a message shows of it), and the line the run starts at."""
    best, best_block, best_start = 1, "", 0
    for phase in range(period):
        run = 1
        for i in range(phase + period, len(lines) - period + 1, period):
            block = lines[i : i + period]
            if block == lines[i - period : i] and any(block):
                run += 1
                if run > best:
                    best, best_block = run, next(line for line in block if line)
                    best_start = i - (run - 1) * period
            else:
                run = 1
    return best, best_block, best_start


def repetition(original: str, rewrite: str) -> tuple[str, int] | None:
    """Why ``rewrite`` looks like a model stuck in a loop (compared with ``original``), and
    where in it the loop begins (its first repeated block or piece), or None.

    Flags a line or a block of up to 4 lines repeated back to back at least 4 times and
    more than once beyond what the original has, and a short piece of text repeated 25
    or more times in a row, well beyond its longest run in the original.
    """
    # indentation counts: closing braces at four depths are four different lines
    raw = rewrite.split("\n")
    new_lines = [line.rstrip() for line in raw]
    old_lines = [line.rstrip() for line in original.split("\n")]
    for period in (1, 2, 3, 4):
        repeats, block, start = _max_repeats(new_lines, period)
        if repeats >= 4 and repeats > _max_repeats(old_lines, period)[0] + 1:
            return (f"endless repetition: {block[:40]!r} repeated {repeats} times",
                    sum(len(line) + 1 for line in raw[:start]))
    for m in _RUN_OF_CHUNK.finditer(rewrite):
        unit = m.group(1)
        runs = [len(r.group(0)) // len(unit) for r in re.finditer(f"(?:{re.escape(unit)})+", original)]
        repeats = len(m.group(0)) // len(unit)
        if unit.strip() and repeats > max(runs, default=0) + 8:
            return f"endless repetition: {unit!r} repeated {repeats} times", m.start()
    return None


def repetition_reason(original: str, rewrite: str) -> str | None:
    """:func:`repetition`'s reason alone."""
    found = repetition(original, rewrite)
    return found[0] if found else None


def undoes_edit(text: str, start_line: int, old_text: str, new_text: str, edits: tuple[LineEdit, ...]) -> bool:
    """Whether ``edits`` (against ``text``) put back what the user's last edit replaced.

    The last edit replaced lines ``old_text`` by ``new_text`` at ``start_line``, so
    ``new_text`` sits there in ``text``. Only its changed core counts: the suggestion
    undoes it when it touches that core and the core reads as before the edit again.
    """
    lines = split_lines(text)
    n_new = len(split_lines(new_text))
    if start_line + n_new > len(lines) or "".join(lines[start_line : start_line + n_new]) != new_text:
        return False  # the history does not match the buffer: nothing to compare
    p = common_prefix(old_text, new_text)
    s = _common_suffix(old_text[p:], new_text[p:])
    removed = old_text[p : len(old_text) - s]
    if removed == new_text[p : len(new_text) - s]:
        return False
    base = sum(map(len, lines[:start_line]))
    core_start, core_end = base + p, base + len(new_text) - s
    spans = []
    for e in edits:  # each edit narrowed to the characters it changes
        a, b = e.offsets(text)
        p = common_prefix(text[a:b], e.new_text)
        s = _common_suffix(text[a + p : b], e.new_text[p:])
        spans.append((a + p, b - s, e.new_text[p : len(e.new_text) - s]))
    if not any(a <= core_end and b >= core_start for a, b, _ in spans):
        return False
    changes = ChangeSet.from_edits(len(text), spans)
    result = apply_line_edits(text, [e.to_dict() for e in edits])
    return result[changes.map_pos(core_start, "before") : changes.map_pos(core_end, "after")] == removed
