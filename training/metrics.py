"""Offline metrics of next-edit predictions: exact match, kept rate, keystroke savings, reversals.

A case is what the benchmark calls one (``current``, ``history``, ``expected`` hunks of
which any one is a right answer); a prediction is a list of line edits against
``current``, empty for an abstention.

* **exact match**, **keystroke savings** (``ks_saved``), coverage, whitespace-insensitive
  hits: exactly the definitions of ``shared/bench/score.py`` (:func:`score_case` is that
  scorer's ``score_case``; ``tests/test_training_metrics.py`` checks it gives the same
  numbers on the benchmark's dev cases when they are there). It lives here because the
  benchmark folder is not part of an installed nxedit.
* **kept rate** (Zed's ``kept_rate``): of the characters a prediction adds, the share the
  user kept. The prediction, the buffer before it and the buffer the user ended with (all
  expected hunks made) are split into tokens (runs of word characters, runs of
  whitespace, single other characters); tokens of the prediction that are on the longest
  common subsequence (LCS) with both the old buffer and the final one are context, the rest
  is new; kept characters are those of the new tokens on the LCS with the final buffer's
  new tokens. Summed over cases: kept / predicted new characters.
* **reversal rate**: of the edits a model proposed, the share that undo the user's last
  edit (:func:`~nxedit.model.predict.rewrite_diff.undoes_edit`). The editor never shows those, so
  evaluation counts the outputs the pipeline refused for that reason.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from nxedit.model.text.edits import LineEdit
from nxedit.model.predict.rewrite_diff import undoes_edit
from nxedit.model.text.plain import apply_line_edits, shared_line_ends, split_lines
from rapidfuzz.distance import LCSseq, Levenshtein

_WS = re.compile(r"\s+")
_TOKEN = re.compile(r"[\w]+|\s+|[^\w\s]", re.UNICODE)
MAX_DIRTY_DELTA = 512  # Zed: a final text this much longer or shorter than the prediction is not comparable


def find_bench(start: Path | None = None) -> Path | None:
    """``shared/bench`` beside the source tree or a folder above (the dev cases and score.py)."""
    here = Path(start or __file__).resolve()
    for base in [here, *here.parents, Path.cwd(), *Path.cwd().parents]:
        if (base / "shared" / "bench" / "score.py").is_file():
            return base / "shared" / "bench"
    return None


# -- exact match and keystrokes (score.py's definitions) --------------------------------


def levenshtein(a: str, b: str) -> int:
    return Levenshtein.distance(a, b)


def region_distance(a: str, b: str) -> int:
    """Levenshtein distance of two whole texts, summed over their differing line regions."""
    if a == b:
        return 0
    la, lb = split_lines(a), split_lines(b)
    p, s = shared_line_ends(la, lb)
    la, lb = la[p : len(la) - s], lb[p : len(lb) - s]
    sm = difflib.SequenceMatcher(None, la, lb, autojunk=False)
    return sum(
        levenshtein("".join(la[i1:i2]), "".join(lb[j1:j2]))
        for tag, i1, i2, j1, j2 in sm.get_opcodes()
        if tag != "equal"
    )


def score_case(case: dict, edits: list[dict]) -> dict:
    """``predicted``, ``invalid``, ``hit``, ``ws_hit``, ``ks_without``, ``ks_with`` of one prediction."""
    current = case["current"]
    cur_lines = split_lines(current)
    expected = case["expected"]
    by_hand = [
        1 + levenshtein("".join(cur_lines[h["start_line"] : h["end_line"]]), h["new_text"]) for h in expected
    ]
    res = {
        "predicted": bool(edits),
        "invalid": False,
        "hit": False,
        "ws_hit": False,
        "ks_without": sum(by_hand),
        "ks_with": sum(by_hand),
    }
    if not edits:
        return res
    try:
        pred = apply_line_edits(current, edits)
    except ValueError:
        res["invalid"] = True
        return res
    if pred == current:
        return res
    targets = [apply_line_edits(current, [h]) for h in expected]
    res["hit"] = pred in targets
    pred_sq = _WS.sub("", pred)
    res["ws_hit"] = any(pred_sq == _WS.sub("", t) for t in targets)
    best_saving = 0
    for t, cost_by_hand in zip(targets, by_hand):
        if best_saving >= cost_by_hand - 1:  # cannot do better than an exact hit here
            continue
        best_saving = max(best_saving, cost_by_hand - (1 + region_distance(pred, t)))
    res["ks_with"] -= best_saving
    return res


# -- kept rate -----------------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _on_lcs(a: list[str], b: list[str]) -> list[bool]:
    """Which items of ``a`` one longest common subsequence with ``b`` uses."""
    keep = [True] * len(a)
    for op in LCSseq.editops(a, b):
        if op.tag == "delete":
            keep[op.src_pos] = False
    return keep


def kept_chars(base: str, predicted: str, final: str) -> tuple[int, int]:
    """``(kept, predicted_new)`` characters of ``predicted`` (the module doc says how)."""
    if base == predicted:
        return 0, 0
    if abs(abs(len(predicted) - len(base)) - abs(len(final) - len(base))) > MAX_DIRTY_DELTA:
        return 0, abs(len(predicted) - len(base))
    lb, lp, lf = split_lines(base), split_lines(predicted), split_lines(final)
    (top1, bottom1), (top2, bottom2) = shared_line_ends(lb, lp), shared_line_ends(lb, lf)
    head, tail = min(top1, top2), min(bottom1, bottom2)  # lines all three share: context, left out
    b, p, f = ("".join(x[head : len(x) - tail]) for x in (lb, lp, lf))
    bt, pt, ft = _tokens(b), _tokens(p), _tokens(f)
    p_context = [x and y for x, y in zip(_on_lcs(pt, bt), _on_lcs(pt, ft))]
    f_context = [x and y for x, y in zip(_on_lcs(ft, bt), _on_lcs(ft, pt))]
    p_new = [t for t, c in zip(pt, p_context) if not c]
    f_new = [t for t, c in zip(ft, f_context) if not c]
    kept = sum(len(t) for t, k in zip(p_new, _on_lcs(p_new, f_new)) if k)
    return kept, sum(map(len, p_new))


# -- one case, and a set of them -------------------------------------------------------------


def last_edit_undone(case: dict, edits: list[dict]) -> bool:
    """Whether ``edits`` put back what the case's last history hunk replaced."""
    if not edits or not case.get("history"):
        return False
    last = case["history"][-1]
    try:
        line_edits = tuple(LineEdit.from_dict(e) for e in edits)
        return undoes_edit(
            case["current"], last["start_line"], last["old_text"], last["new_text"], line_edits
        )
    except ValueError:
        return False


def evaluate_case(case: dict, edits: list[dict], refused_as_reversal: bool = False) -> dict:
    """Every metric's per-case numbers for one prediction (``refused_as_reversal``: the
    pipeline refused the model's output because it undid the last edit)."""
    res = score_case(case, edits)
    res["kept"] = res["new"] = 0
    if res["predicted"] and not res["invalid"]:
        final = apply_line_edits(case["current"], case["expected"])
        res["kept"], res["new"] = kept_chars(case["current"], apply_line_edits(case["current"], edits), final)
    res["reversal"] = refused_as_reversal or last_edit_undone(case, edits)
    return res


def summarise(results: list[dict]) -> dict:
    """The metrics of a set of cases."""
    n = len(results)
    predicted = sum(r["predicted"] for r in results)
    without = sum(r["ks_without"] for r in results)
    new = sum(r["new"] for r in results)
    proposals = sum(r["predicted"] or r["reversal"] for r in results)
    return {
        "cases": n,
        "coverage": predicted / n if n else 0.0,
        "exact_match": sum(r["hit"] for r in results) / n if n else 0.0,
        "precision": sum(r["hit"] for r in results) / predicted if predicted else 0.0,
        "ws_match": sum(r["ws_hit"] for r in results) / n if n else 0.0,
        "kept_rate": sum(r["kept"] for r in results) / new if new else 0.0,
        "ks_saved": 1 - sum(r["ks_with"] for r in results) / without if without else 0.0,
        "reversal_rate": sum(r["reversal"] for r in results) / proposals if proposals else 0.0,
        "invalid": sum(r["invalid"] for r in results),
    }


COLUMNS = ("cases", "coverage", "exact_match", "kept_rate", "ks_saved", "reversal_rate")


def format_table(rows: list[tuple[str, str, dict]]) -> str:
    """``(set, model, summary)`` rows side by side, one line each."""
    width = max([len(model) for _, model, _ in rows] + [5])
    head = f"{'set':<12}{'model':<{width + 2}}" + "".join(f"{c:>14}" for c in COLUMNS)
    lines = [head, "-" * len(head)]
    for name, model, s in rows:
        cells = [f"{s[c]:>14d}" if isinstance(s[c], int) else f"{s[c]:>14.3f}" for c in COLUMNS]
        lines.append(f"{name:<12}{model:<{width + 2}}" + "".join(cells))
    return "\n".join(lines)
