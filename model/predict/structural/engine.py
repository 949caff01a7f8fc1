"""Run the behaviours on one request, filter what they propose, and pick one suggestion."""

from __future__ import annotations

import logging
from dataclasses import replace

from nxedit.model.text.edits import Position
from . import calls, imports, rename, repeat, signature
from .buffer import Buffer
from .candidates import Candidate, is_noop, undoes, valid
from .context import Context
from .history import place_hunks

log = logging.getLogger(__name__)

BEHAVIOURS = (rename.predict, repeat.predict, calls.predict, signature.predict, imports.predict)
# below this the engine abstains: precision first. Confidences estimate the chance of an exact
# hit; at 0.6 the dev cases of bench/predict_quality.py score a precision above 0.85.
MIN_CONFIDENCE = 0.6
WRAP_PENALTY = 0.25  # people edit downwards: a site above the cursor is a weaker guess


def make_context(current: str, cursor: Position, history: list[dict], language: str, path: str = "",
                 files: dict[str, str] | None = None) -> Context:
    buf = Buffer(current, language, path)
    return Context(buf, place_hunks(history, buf.lines), cursor, dict(files or {}))


def candidates(ctx: Context, strict: bool = False) -> list[Candidate]:
    """Every acceptable candidate of every behaviour (an error in one behaviour skips it)."""
    out: list[Candidate] = []
    for behaviour in BEHAVIOURS:
        try:
            found = behaviour(ctx)
        except Exception as exc:  # a bug in one behaviour must not cost the others or the stream
            if strict:
                raise
            log.warning("%s failed: %s: %s", behaviour.__module__, type(exc).__name__, exc)
            continue
        lines = ctx.buf.lines
        for c in found:
            if valid(c.edit, lines) and not is_noop(c.edit, lines) and not undoes(c.edit, lines, ctx.last):
                if c.edit.start_line <= ctx.cursor.line and c.source != imports.SOURCE:  # imports sit on top
                    c = replace(c, confidence=c.confidence - WRAP_PENALTY)
                out.append(replace(c, confidence=round(c.confidence, 3)))  # 0.8 - 0.2 is 0.6, not 0.5999...
    return out


def _overlap(a, b) -> bool:
    return a.start_line < max(b.end_line, b.start_line + 1) and b.start_line < max(a.end_line, a.start_line + 1)


def best(ctx: Context, min_confidence: float = MIN_CONFIDENCE, strict: bool = False) -> Candidate | None:
    """The most confident candidate (nearest after the cursor on ties), or None to abstain."""
    if not ctx.hunks:
        return None
    n = max(len(ctx.buf.lines), 1)
    found = candidates(ctx, strict)
    # the signature behaviour knows which names exist at a call: over the same lines it wins
    informed = [c.edit for c in found if c.source == signature.SOURCE]
    found = [c for c in found if c.confidence >= min_confidence and (
        c.source == signature.SOURCE or not any(_overlap(c.edit, e) for e in informed))]
    if not found:
        return None
    return max(found, key=lambda c: (c.confidence, -((c.edit.start_line - ctx.cursor.line - 1) % n)))
