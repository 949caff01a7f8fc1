"""Run the behaviours on one request, filter what they propose, and pick one suggestion."""

from __future__ import annotations

import logging
from dataclasses import replace

from nxedit.model.text.edits import Position
from nxedit.model.text.plain import split_lines
from . import calls, imports, rename, repeat, signature
from .buffer import Buffer
from .candidates import Candidate, is_noop, scan_distance, undoes, valid
from .context import Context
from .exports import ProjectExports
from .history import place_hunks
from .ranker import Ranker, features
from .ranker import load as load_ranker
from .scope import unresolved_names

log = logging.getLogger(__name__)

BEHAVIOURS = (rename.predict, repeat.predict, calls.predict, signature.predict, imports.predict)
# without the acceptance model (ranker.py) the engine abstains below this hand-set confidence;
# with it, below the model's own threshold (chosen on repositories its fit never saw)
MIN_CONFIDENCE = 0.6
SHIPPED = "shipped"  # the ranker argument meaning "the weights file that ships with the engine"
TIE = 0.05  # confidences this close are a tie the larger of two nested candidates wins (_container)
WRAP_PENALTY = 0.25  # people edit downwards: a site above the cursor is a weaker guess
# candidates the acceptance model cannot judge keep their rule's confidence: cases are cut
# from commits in file order (so are their line-at-a-time replays), so an import, at the
# top, is always among the edits already made, never one still to make (the model would
# learn that imports are never wanted); a `<placeholder>` is never anyone's final text
RULES_ONLY = (imports.SOURCE,)


def rated_by_rules(c: Candidate) -> bool:
    return c.source in RULES_ONLY or c.rule.startswith("placeholder") or _finishes_a_use_rename(c) or _inline(c)


def _inline(c: Candidate) -> bool:
    """A rename finished on the user's own line (`lambda v: -v` renamed at `v`): the cases the
    model learns from are cut from whole-line hunks, so it has never seen one; the user's line
    is not "above" the cursor either."""
    return c.source == rename.SOURCE and "-inline" in c.rule


def _finishes_a_use_rename(c: Candidate) -> bool:
    """A local renamed first at a use (`return total` -> `return count`, nothing declares
    `count`): its other uses and its declaration are mostly above the cursor. Cut in file
    order, the cases the model learns from rename a declaration before its uses, so the
    model has never seen this and rates the ripple upwards near 0 (it never showed)."""
    return c.source == rename.SOURCE and "-undeclared" in c.rule


def make_context(current: str, cursor: Position, history: list[dict], language: str, path: str = "",
                 files: dict[str, str] | None = None, exports: ProjectExports | None = None) -> Context:
    buf = Buffer(current, language, path)
    return Context(buf, place_hunks(history, buf.lines), cursor, dict(files or {}), exports)


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
                if c.source == repeat.SOURCE and _writes_unknown_names(ctx, c.edit):
                    continue
                if c.edit.start_line <= ctx.cursor.line and c.source != imports.SOURCE and not _inline(c):
                    # (imports sit on top; a rename finished on the user's line is where they are)
                    c = replace(c, confidence=c.confidence - WRAP_PENALTY)
                out.append(replace(c, confidence=round(c.confidence, 3)))  # 0.8 - 0.2 is 0.6, not 0.5999...
    return _ripple_first(ctx, out)


def _ripple_first(ctx: Context, found: list[Candidate]) -> list[Candidate]:
    """Drop replays of a local's rename that lie past the ripple's own next site.

    A local's rename replayed by the repeat behaviour (the same line renamed the same way further
    down) is one site of the ripple. Offered first, its Tab jumps over the sites between:
    they are then above the cursor, where people rarely edit and the acceptance model
    (trained on commits cut in file order) all but never looks, so the ripple stopped
    half done (exllamav2's `unhealed_token` -> `unhealed`: the jump to the function's last
    use left six uses behind). The ripple walks its sites in order instead. Only a scoped
    ripple: its sites are one binding's for sure; a file-wide one (a type, `Any` ->
    `Instance` in one overload) may be partial, and the replayed line is then the surer."""
    if not ctx.examples or not rename.rename_ops(ctx.examples[0]):
        return found
    ahead = lambda c: scan_distance(c.edit.start_line, ctx.cursor.line, len(ctx.buf.lines))  # noqa: E731
    sites = [ahead(c) for c in found if c.source == rename.SOURCE and c.rule.startswith("scoped")]
    if not sites:
        return found
    return [c for c in found if c.source != repeat.SOURCE or ahead(c) <= min(sites)]


def _container(found: list[Candidate], i: int, kept: list[int], lines: list[str]) -> int:
    """``i``, or a candidate rated about as high (within TIE) that rewrites ``i``'s lines the
    same way together with the changed lines right next to them (a replayed `switch
    pa.Command() {` inside the rename ripple that also renames the `case ansi.Command(...)`
    below it): accepting it does ``i``'s edit too, and a tie should not leave the hunk half
    done. Sites joined across unchanged lines are no such hunk (the looser pattern that found
    them may be wrong there); a block replayed whole (`lines-*`) is one. Only near a tie: a
    larger candidate rated much lower was wrong as often as right (train and held-out)."""
    low = found[i].confidence - TIE
    return next((j for j in kept if found[j].confidence >= low and _contains(
        found[j].edit, found[i].edit, lines, found[j].rule.startswith("lines-"))), i)


def _contains(a, b, lines: list[str], block: bool = False) -> bool:
    """Whether edit ``a`` changes every line it covers (or is one ``block``), more lines than
    ``b``, and ``b``'s lines as ``b`` does (both line for line)."""
    inside = a.start_line <= b.start_line and b.end_line <= a.end_line
    if not inside or a.end_line - a.start_line <= b.end_line - b.start_line:
        return False
    new_a, new_b = split_lines(a.new_text), split_lines(b.new_text)
    if len(new_a) != a.end_line - a.start_line or len(new_b) != b.end_line - b.start_line or not new_b:
        return False
    if not block and any(new == old for new, old in zip(new_a, lines[a.start_line : a.end_line])):
        return False
    return new_a[b.start_line - a.start_line : b.end_line - a.start_line] == new_b


def _writes_unknown_names(ctx: Context, edit) -> bool:
    """A replayed edit that names something the target cannot see would not compile."""
    old = "".join(ctx.buf.lines[edit.start_line : edit.end_line])
    return bool(unresolved_names(ctx, old, edit.new_text, edit.start_line, range(edit.start_line, edit.end_line)))


def best(ctx: Context, min_confidence: float | None = None, strict: bool = False,
         ranker: Ranker | str | None = SHIPPED) -> Candidate | None:
    """The most likely candidate (nearest after the cursor on ties), or None to abstain.

    With a ranker (default: the shipped weights) a candidate's confidence is the model's
    probability that it is the user's next edit, and ``min_confidence`` defaults to the
    model's threshold; ``ranker=None`` keeps the behaviours' hand-set confidences."""
    chosen = best_with_features(ctx, min_confidence, strict, ranker)
    return None if chosen is None else chosen[0]


def best_with_features(ctx: Context, min_confidence: float | None = None, strict: bool = False,
                       ranker: Ranker | str | None = SHIPPED) -> tuple[Candidate, dict[str, float]] | None:
    """:func:`best`, and the acceptance model's features of the chosen candidate (the
    editor keeps them with the shown suggestion: ``nxedit train ranker`` refits from them)."""
    if not ctx.hunks:
        return None
    model = load_ranker() if ranker == SHIPPED else ranker
    found, feats = rate(ctx, candidates(ctx, strict), model)
    if min_confidence is None:
        min_confidence = model.threshold if model is not None else MIN_CONFIDENCE
    return choose(ctx, found, feats, min_confidence)


def rate(ctx: Context, raw: list[Candidate],
         model: Ranker | None) -> tuple[list[Candidate], list[dict[str, float] | None]]:
    """The candidates with the acceptance model's probability as their confidence (those
    :func:`rated_by_rules` keep theirs), and each one's features (None without a model)."""
    if model is None:
        return list(raw), [None] * len(raw)
    feats = [features(ctx, c, raw) for c in raw]
    return [c if rated_by_rules(c) else replace(c, confidence=round(model.probability(f), 3))
            for c, f in zip(raw, feats)], feats


def choose(ctx: Context, found: list[Candidate], feats: list[dict[str, float] | None],
           min_confidence: float) -> tuple[Candidate, dict[str, float]] | None:
    """The suggestion among :func:`rate`'s candidates, with its features, or None to abstain."""
    # the signature behaviour knows which names exist at a call: over the same lines it wins
    informed = [c.edit for c in found if c.source == signature.SOURCE]
    kept = [i for i, c in enumerate(found) if c.confidence >= min_confidence and (
        c.source == signature.SOURCE or not any(c.edit.overlaps(e) for e in informed))]
    if not kept:
        return None
    n = len(ctx.buf.lines)
    i = max(kept, key=lambda i: (found[i].confidence, -scan_distance(found[i].edit.start_line, ctx.cursor.line, n)))
    i = _container(found, i, kept, ctx.buf.lines)
    # without a model the candidates are the behaviours' own, unchanged: their features as the model would see them
    return found[i], feats[i] if feats[i] is not None else features(ctx, found[i], found)
