#!/usr/bin/env python3
"""Does refitting the acceptance model on a user's own outcomes help? A simulated user.

    python bench/ranker_personal.py --cases 'CASES/validation/*.jsonl'

Each repository is one user, its cases in file order. The user sees the engine's best
suggestion for a case when the shipped model rates it at least ``--show`` (a user who asks
for guesses too, so that outcomes accrue), accepts it when it is right (every change it
makes is one the developer made next: what the model predicts, training/ranker.py's
``is_right``) and rejects it otherwise, and the outcome is kept with the model's features,
as the editor keeps them. After the first ``--split`` share of the cases, the model is
refitted on those outcomes (``nxedit train ranker``'s refit); on the later cases the shipped
and the personal model are compared at the shipped threshold: the share of shown
suggestions that are right and that are exact hits (score.py's), recall of right ones, and
the log loss of their probabilities (against "right") for the suggestions rated ``--show``+.
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import sys
from collections import defaultdict
from pathlib import Path

from nxedit.model.predict.structural.engine import best_with_features, make_context
from nxedit.model.predict.structural.ranker import load
from nxedit.model.text.edits import Position
from nxedit.training.metrics import find_bench
from nxedit.training.ranker import is_hit, is_right, refit

ROOT = Path(__file__).resolve().parent.parent


def top(case: dict, model):
    """(probability, right, exact hit, features) of the model's best suggestion for a case, or None."""
    cur = case["cursor"]
    ctx = make_context(case["current"], Position(cur["line"], cur["column"]), case["history"], case["language"],
                       case["path"])
    chosen = best_with_features(ctx, 0.0, ranker=model)
    if chosen is None:
        return None
    cand, feats = chosen
    return cand.confidence, is_right(case, [cand.edit.to_dict()]), is_hit(case, cand.edit), feats


def figures(results: list, threshold: float, n_cases: int) -> tuple[float, float, float, int]:
    """(right share, exact share of the shown, recall of right ones, shown) at the threshold."""
    shown = [(p, r, h) for p, r, h in results if p >= threshold]
    right, exact = sum(r for _, r, _ in shown), sum(h for _, _, h in shown)
    n = max(len(shown), 1)
    return right / n, exact / n, right / max(n_cases, 1), len(shown)


def log_loss(results: list) -> float:
    return -sum(math.log(max(1e-9, p if r else 1 - p)) for p, r, _ in results) / max(len(results), 1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", nargs="+", required=True)
    ap.add_argument("--show", type=float, default=0.3, help="the simulated user's min confidence")
    ap.add_argument("--split", type=float, default=0.5, help="share of each user's cases before the refit")
    ap.add_argument("--strength", type=float, default=3.0)
    args = ap.parse_args(argv)
    bench = find_bench(ROOT)
    if bench is not None:
        sys.path.insert(0, str(bench))  # textops, for the exact hit
    shipped = load(str(ROOT / "model" / "predict" / "structural" / "ranker.json"))
    by_repo: dict[str, list[dict]] = defaultdict(list)
    for path in sorted({p for pattern in args.cases for p in glob.glob(pattern)}):
        with open(path, encoding="utf-8") as f:
            for line in f:
                case = json.loads(line)
                by_repo[case["repo"]].append(case)
    t = shipped.threshold
    print("user (repository)               outcomes  later   shipped: right exact recall  loss"
          "   personal: right exact recall  loss")
    pooled = {"shipped": [], "personal": [], "n": 0}

    def cells(results: list, n: int) -> str:
        right, exact, recall, shown = figures(results, t, n)
        loss = log_loss([x for x in results if x[0] >= args.show])
        return f"{right:15.3f} {exact:5.3f} {recall:6.3f} {loss:5.3f} ({shown:>3} shown)"

    for repo, cases in sorted(by_repo.items()):
        cut = int(len(cases) * args.split)
        rows = []
        for case in cases[:cut]:
            got = top(case, shipped)
            if got is not None and got[0] >= args.show:
                rows.append((got[3], got[1]))  # (features, accepted: the suggestion was right)
        personal = refit(rows, shipped, args.strength) if rows else shipped
        later = {"shipped": [], "personal": []}
        for case in cases[cut:]:
            for name, model in (("shipped", shipped), ("personal", personal)):
                got = top(case, model)
                if got is not None:
                    later[name].append(got[:3])
        n = len(cases) - cut
        for name in ("shipped", "personal"):
            pooled[name] += later[name]
        pooled["n"] += n
        print(f"{repo:<32} {len(rows):>7} {n:>6} {cells(later['shipped'], n)} {cells(later['personal'], n)}")
    print(f"{'ALL':<32} {'':>7} {pooled['n']:>6} {cells(pooled['shipped'], pooled['n'])} "
          f"{cells(pooled['personal'], pooled['n'])}")
    print(f"(right/exact: shares of the suggestions shown at the shipped threshold {t:.2f}; recall: right shown "
          f"/ later cases; loss over suggestions rated >= {args.show}, against right)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
