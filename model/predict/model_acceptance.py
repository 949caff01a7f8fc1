"""The acceptance model for a next-edit model's candidate: is it likely the user's next edit?

The sanity gate (``answer_gate.py``) refuses answers that would damage the file; what passes
may still be wrong. Like the structural engine's candidates, a model's candidate is shown
only when a logistic model gives it a high enough probability of being exactly the next
edit. It is evaluated by the structural ranker's evaluator (``structural/ranker.py``: a dot
product over a small JSON file of weights) with weights of its own
(``model_acceptance.json``) over features of its own: how many lines it deletes and inserts,
how much of the region the rewrite copies, how far from the cursor it lands, whether the
structural engine, asked the same request, proposes the same edit (and how sure its ranker
is of it) or one over the same lines, what the gate had to clean (fences, a run-on tail, a
control token, a truncated answer), whether the user's recent edits support it, and the
model's token confidence when the backend reports one.

The weights are fitted offline on a real model's answers to cases of the train split
(``training/model_ranker.py``, split by repository); the shipped file says on which model
and how many candidates. Where the data holds few or no right answers the fit stays near
its prior: trust a model candidate only when the structural engine proposes the same edit.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from rapidfuzz.distance import Indel

from nxedit.model.text.edits import LineEdit, Position
from nxedit.model.text.plain import apply_line_edits, split_lines
from .context import EditContext
from .structural import ranker as structural_ranker
from .structural.engine import candidates, make_context
from .structural.ranker import Ranker

WEIGHTS = Path(__file__).with_name("model_acceptance.json")
_WORD = re.compile(r"[A-Za-z_$][\w$]*")


def load(path: str | Path | None = None) -> Ranker | None:
    """The model candidates' acceptance model (the shipped weights by default); None if missing."""
    return structural_ranker.load(str(path or WEIGHTS))


def structural_agreement(request, edits: tuple[LineEdit, ...]) -> dict[str, float]:
    """What the structural engine says of the same request: ``agree_same`` (it proposes an
    edit giving the same text) with ``agree_same_p`` (its ranker's probability for that
    edit), or ``agree_overlap`` (it proposes another edit over the same lines)."""
    if not request.history or not edits:
        return {}
    ctx = make_context(request.current, Position(*request.cursor), [h.to_dict() for h in request.history],
                       request.language, request.path, request.files)
    if not ctx.hunks:
        return {}
    found = candidates(ctx)
    if not found:
        return {}
    ranker = structural_ranker.load()
    target = apply_line_edits(request.current, [e.to_dict() for e in edits])
    same: list[float] = []
    overlap = False
    for cand in found:
        if apply_line_edits(request.current, [cand.edit.to_dict()]) == target:
            p = ranker.probability(structural_ranker.features(ctx, cand, found)) if ranker else cand.confidence
            same.append(p)
        elif any(cand.edit.overlaps(e) for e in edits):
            overlap = True
    if same:
        return {"agree_same": 1.0, "agree_same_p": max(same)}
    return {"agree_overlap": 1.0} if overlap else {}


def features(ctx: EditContext, rewrite: str, edits: tuple[LineEdit, ...], flags: tuple[str, ...] = (),
             confidence: float | None = None, agreement: dict[str, float] | None = None) -> dict[str, float]:
    """The features of a model candidate: ``rewrite`` of ``ctx``'s region, diffed into ``edits``."""
    f: dict[str, float] = {}
    old = [ctx.lines[e.start_line : e.end_line] for e in edits]
    new = [split_lines(e.new_text) for e in edits]
    f["log_deleted"] = math.log1p(sum(map(len, old)))
    f["log_inserted"] = math.log1p(sum(map(len, new)))
    f["log_hunks"] = math.log1p(len(edits))
    region = ctx.region_text
    f["copy_ratio"] = Indel.normalized_similarity(region, rewrite) if region.strip() else 0.0
    cursor = ctx.cursor.line
    distance = min((_distance(e, cursor) for e in edits), default=0)
    f["log_distance"] = math.log1p(distance)
    f["above"] = 1.0 if edits and all(e.end_line <= cursor for e in edits) else 0.0
    for flag in flags:
        f[f"flag:{flag}"] = 1.0
    f.update(_history_support(ctx, old, new))
    if confidence is not None:
        f["has_confidence"] = 1.0
        f["confidence"] = confidence
    f.update(agreement or {})
    return f


def _distance(edit: LineEdit, line: int) -> int:
    if edit.start_line <= line < max(edit.end_line, edit.start_line + 1):
        return 0
    return edit.start_line - line if edit.start_line > line else line - max(edit.end_line - 1, edit.start_line)


def _history_support(ctx: EditContext, old: list[list[str]], new: list[list[str]]) -> dict[str, float]:
    """Whether the recent edits did the like: changed the line count the same way
    (``history_lines``), and wrote the names this edit writes (``history_words``: the share
    of the new names, those not in the lines it replaces, that a recent edit wrote)."""
    out: dict[str, float] = {}
    if not ctx.events:
        out["no_history"] = 1.0
        return out
    change = sum(map(len, new)) - sum(map(len, old))
    deltas = [len(split_lines(e.new_text)) - len(split_lines(e.old_text)) for e in ctx.events]
    if change and any(d * change > 0 and abs(d) * 2 >= abs(change) for d in deltas):
        out["history_lines"] = 1.0
    old_words = set(_WORD.findall("".join(x for lines in old for x in lines)))
    written = set(_WORD.findall("".join(x for lines in new for x in lines))) - old_words
    if written:
        recent = set(_WORD.findall("".join(e.new_text for e in ctx.events)))
        out["history_words"] = len(written & recent) / len(written)
    else:
        out["no_new_words"] = 1.0
    return out
