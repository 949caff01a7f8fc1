"""The sanity gate every model answer passes before a suggestion is made of it.

A next-edit model answers with a rewritten region, and a model that is unsure, not
trained for the task or cut off answers with something else: Markdown fences and chat
prose around the code, the lines that follow the region typed again (it ran past the
window), half a window, or nothing. Diffed as they are, such answers become edits that
delete or duplicate the user's code. So the answer is cleaned first (fences and prose
dropped, a tail that repeats the lines after the region trimmed), and a rewrite that
changes the region's size, or replaces its lines, far beyond what the user's recent edits
did is refused: the edit shown must look like the next step of the user's own edits.

Nothing here knows a prompt format: each format extracts its rewrite, and
:func:`~nxedit.model.predict.prompts.base.finish` runs these checks on it.
"""

from __future__ import annotations

from dataclasses import replace
from difflib import SequenceMatcher

from rapidfuzz.distance import Indel

from nxedit.model.predict.context import EditContext
from nxedit.model.text.plain import split_lines, strip_eol

RUN_ON_LOOKAHEAD = 40  # lines after the region compared with the answer's tail
RUN_ON_PROBE = 6  # the most following lines a run-on is recognised by
DESTRUCTIVE_LINES = 3  # deleting more lines than this needs the history's support
GROWTH_LINES = 8  # adding more lines than this (and than the region has) needs it too
MIN_COPY_RATIO = 0.5  # a next edit keeps most of its region: below this the answer is another text
SIMILAR_LINE = 0.7  # a rewritten line this similar to an old one replaces it (an edit, not a loss)
EMPTY_ANSWER = "the model answered with an empty rewrite (it abstains)"
ANCHOR_LINES = 2  # a cut answer is placed by its last run of this many lines equal to the file's
ANCHOR_CHARS = 12  # ... holding this many characters that are not spaces (not "}" and a blank)


def _is_fence(line: str) -> bool:
    return line.lstrip().startswith("```")


def strip_chatter(text: str, region: str) -> str:
    """``text`` without Markdown fences and the prose around a fenced block.

    Only when the region itself has no fence line (a Markdown file may hold real ones):
    an answer that opens with a fence (after prose such as "Here is the code:") is cut
    to the fenced block; a fence line further down ends the code (what follows is
    chatter, or the fence closing a partial window).
    """
    lines = text.split("\n")
    if any(_is_fence(x) for x in region.split("\n")) or not any(_is_fence(x) for x in lines):
        return text
    first = next(i for i, x in enumerate(lines) if _is_fence(x))
    before = [x for x in lines[:first] if x.strip()]
    if first == 0 or (before and _looks_like_prose(before)):
        lines = lines[first + 1 :]  # the block's opening fence (and the prose above it)
    end = next((i for i, x in enumerate(lines) if _is_fence(x)), len(lines))
    kept = "\n".join(lines[:end])
    if region.endswith("\n") and end < len(lines) and kept and not kept.endswith("\n"):
        kept += "\n"  # the region ends with a line break the fence line took away
    return kept


def _looks_like_prose(lines: list[str]) -> bool:
    """Chat prose before a code block: short sentences ending in ``:`` or ``.``."""
    return all(x.rstrip().endswith((":", ".")) and " " in x.strip() for x in lines)


def trim_run_on(rewrite: str, ctx: EditContext) -> str:
    """``rewrite`` cut where it starts typing the lines that follow the region again.

    A model that runs past the end of its window copies the read-only lines after it;
    diffed, that inserts them a second time. The answer is cut at the first place where
    two or more of the following lines (one when it is the only one, or long) appear in
    order. Where the region itself holds that run (a closing ``};`` and a blank line end
    many blocks), more of the following lines are compared, up to :data:`RUN_ON_PROBE`:
    Gemma 3 270M, fine-tuned for Instinct, ran past a region ending in ``};`` into the next
    type declarations, and the two-line probe, found in the region, let the copy through.
    """
    end = ctx.region[1]
    after = [strip_eol(x) for x in ctx.lines[end : end + RUN_ON_LOOKAHEAD]]
    while after and not after[0].strip():  # blank lines prove nothing
        after.pop(0)
    if not after:
        return rewrite
    k = min(2, len(after))
    if k == 1 and len(after[0].strip()) < 12:
        return rewrite
    old = ctx.region_text.split("\n")
    while any(old[i : i + k] == after[:k] for i in range(len(old) - k + 1)):
        if k >= min(RUN_ON_PROBE, len(after)):
            return rewrite  # the region holds these lines too: no telling a copy from a run-on
        k += 1
    probe = after[:k]
    new = rewrite.split("\n")
    for i in range(1, len(new) - k + 1):
        if new[i : i + k] == probe:
            cut = "\n".join(new[:i]).rstrip("\n")
            return cut + ("\n" if ctx.region_text.endswith("\n") else "")
    return rewrite


def anchor_cut(rewrite: str, ctx: EditContext) -> tuple[EditContext, str] | None:
    """The part of a cut-off ``rewrite`` that can be placed, and the context whose region it
    rewrites; None when too little of it matches the file.

    An answer stopped at the token limit (or at the grammar's bound, where a model ran past
    its region) ends at an arbitrary point: diffed as if whole, the lines it never reached
    would be deleted. Its last line is unfinished and dropped; the complete lines are
    matched with the region's and kept up to their last run of :data:`ANCHOR_LINES` lines
    equal to the region's. The region becomes its lines up to that run: what the answer
    changes before it is an edit, and what it never reached stays as it is. What it wrote
    after (past the region, where it ran on) is not the region's, and is dropped.
    """
    answer = rewrite.split("\n")[:-1]
    start = ctx.region[0]
    file = [strip_eol(x) for x in ctx.lines[start : ctx.region[1]]]
    keys = [x.removesuffix("\r") for x in answer]  # a chat answer given the file's CRLF
    blocks = SequenceMatcher(None, keys, file, autojunk=False).get_matching_blocks()
    for a, b, size in reversed(blocks):
        run = answer[a : a + size]
        if size >= ANCHOR_LINES and sum(len(x.strip()) for x in run) >= ANCHOR_CHARS:
            return replace(ctx, region=(start, start + b + size)), "\n".join(answer[: a + size])
    return None


def _line_change(event) -> int:
    return len(split_lines(event.new_text)) - len(split_lines(event.old_text))


def _replaced(event) -> int:
    return len(split_lines(event.old_text))


def lost_lines(region: str, rewrite: str) -> int:
    """Non-blank lines of ``region`` with no equal or similar line left in ``rewrite``."""
    new = [x.rstrip() for x in rewrite.split("\n") if x.strip()]
    kept = set(new)
    lost = 0
    for line in (x.rstrip() for x in region.split("\n") if x.strip()):
        if line in kept:
            continue
        if not any(Indel.normalized_similarity(line, n) >= SIMILAR_LINE for n in new):
            lost += 1
    return lost


def deletable_lines(events) -> int:
    """The most lines a rewrite may take from its region's count: :data:`DESTRUCTIVE_LINES`,
    or more when a recent edit deleted at least half as many (one that deleted ``m`` lines
    supports up to ``2m + 1``). The answer grammar holds a model's rewrite to it as well."""
    most = max((-_line_change(e) for e in events), default=0)
    return max(DESTRUCTIVE_LINES, 2 * most + 1 if most >= 1 else 0)


def gate_reason(ctx: EditContext, rewrite: str) -> str | None:
    """Why ``rewrite`` is not shown, or None: it changes the region's size, or replaces
    its lines, beyond what the recent edits support, or it is hardly the region at all.

    Deleting (or replacing with unrelated text) more than :data:`DESTRUCTIVE_LINES`
    lines is allowed only when a recent edit deleted (replaced) at least half as many;
    adding more than :data:`GROWTH_LINES` (and more than the region has) only when a
    recent edit added about half as many.
    """
    region = ctx.region_text
    old_n = len(region.split("\n"))
    new_n = len(rewrite.split("\n")) if rewrite else 0
    changes = [_line_change(e) for e in ctx.events]
    deleted = old_n - new_n
    if deleted > deletable_lines(ctx.events):
        return f"the rewrite deletes {deleted} of the region's {old_n} lines (no recent edit deleted as many)"
    grown = new_n - old_n
    if grown > max(GROWTH_LINES, old_n) and not any(c >= grown // 2 for c in changes):
        return f"the rewrite adds {grown} lines to a {old_n}-line region (no recent edit added as many)"
    if region.strip() and Indel.normalized_similarity(region, rewrite) < MIN_COPY_RATIO:
        return "the rewrite has little in common with the region (another text, not an edit)"
    lost = lost_lines(region, rewrite)
    if lost > DESTRUCTIVE_LINES and not any(_replaced(e) >= max(1, lost // 2) for e in ctx.events):
        return f"the rewrite drops or replaces {lost} of the region's lines with unrelated text"
    return None
