"""Sweep Next-Edit v2 (``sweepai/sweep-next-edit-v2-7B``): Sweep v1's blocks with the file
around the window, line-numbered change headers and the cursor.

Layout (the v2 model card's ``inference.py``; v1 is :mod:`.sweep`)::

    <|file_sep|>{path}
    {the file around the window: up to 800 lines whole, else a 300-line chunk; the
     window's own lines are left out, they follow in original/ and current/}
    <|file_sep|>{related path}
    {snippet}
    <|file_sep|>{path}:{start}:{end}
    original:
    {a recent edit's lines before it, with 1 unchanged line each side}
    updated:
    {the same lines after it}
    <|file_sep|>original/{path}:{s}:{e}
    {the 21-line window as it was before the last edit}
    <|file_sep|>current/{path}:{s}:{e}
    {the window now, <|cursor|> at the cursor}
    <|file_sep|>updated/{path}:{s}:{e}

``start:end`` are the 1-based lines the edit's block covers in the file after it, ``s:e``
the window's. The answer is the updated window, parsed as v1's.
"""

from __future__ import annotations

from nxedit.model.predict.context import EditContext, HistoryEvent, RegionSpec
from .base import with_cursor
from .sweep import BAN, CURSOR, FILE_SEP, MAX_CHANGE_BLOCKS, STOP, _block, change_lines, escape, original_window
from .sweep import grammar, parse, render_target  # the answer is v1's: the updated window

NAME = "sweep-v2"
REGION = RegionSpec(
    syntax=False, lines_above=10, lines_below=10, context_above=150, context_below=150, max_events=5,
    snippet_tokens=1024,
)
DIFF_CONTEXT = 1
WHOLE_FILE_LINES = 800  # up to this many lines the file block is the whole file

__all__ = ["BAN", "NAME", "REGION", "STOP", "escape", "grammar", "parse", "render", "render_target"]


def _file_block(ctx: EditContext, path: str) -> str:
    """The file around the window, without the window's lines."""
    (e0, e1), (r0, r1) = ctx.excerpt, ctx.region
    if len(ctx.lines) <= WHOLE_FILE_LINES:
        e0, e1 = 0, len(ctx.lines)
    above, below = "".join(ctx.lines[e0:r0]), "".join(ctx.lines[r1:e1])
    return _block(path, escape(above + below))


def _change_block(event: HistoryEvent, path: str) -> str:
    old, new = change_lines(event, DIFF_CONTEXT)
    shown = min(DIFF_CONTEXT, len(event.before))
    start = event.start_line - shown + 1
    end = start + len(new) - 1
    old_text, new_text = (escape("\n".join(side)).strip("\n") for side in (old, new))
    return f"{FILE_SEP}{path}:{start}:{end}\noriginal:\n{old_text}\nupdated:\n{new_text}\n"


def render(ctx: EditContext) -> str:
    path = escape.path(ctx.path)
    r0, r1 = ctx.region
    parts = [_file_block(ctx, path)]
    parts += [_block(escape.path(s.path), escape(s.text)) for s in ctx.snippets]
    parts += [_change_block(e, path) for e in ctx.events[-MAX_CHANGE_BLOCKS:]]
    original, o0, o1 = original_window(ctx)
    parts.append(_block(f"original/{path}:{o0}:{o1}", escape(original)))
    current = with_cursor(ctx.region_text, ctx.cursor_in_region, CURSOR, escape)
    parts.append(_block(f"current/{path}:{r0 + 1}:{r1}", current))
    parts.append(f"{FILE_SEP}updated/{path}:{r0 + 1}:{r1}\n")
    return "".join(parts)
