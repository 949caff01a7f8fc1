#!/usr/bin/env python3
"""Does refitting the acceptance model on a user's own outcomes help? A simulated user.

    python bench/ranker_personal.py --cases 'CASES/validation/*.jsonl'

Each repository is one user, its cases in file order. The user sees the engine's best
suggestion for a case when the shipped model rates it at least ``--show`` (a user who asks
for guesses too, so that outcomes accrue), accepts it when it is the next edit (an exact
hit) and rejects it otherwise, and the outcome is kept with the model's features, as the
editor keeps them. After the first ``--split`` share of the cases, the model is refitted on
those outcomes (``nxedit train ranker``'s refit); on the later cases the shipped and the
personal model are compared: precision and recall at the shipped threshold, and the log
loss of their probabilities for the suggestions shown.
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
from nxedit.training.ranker import is_hit, refit

ROOT = Path(__file__).resolve().parent.parent


def top(case: dict, model):
    """(probability, hit, features) of the model's best suggestion for a case, or None."""
    cur = case["cursor"]
    ctx = make_context(case["current"], Position(cur["line"], cur["column"]), case["history"], case["language"],
                       case["path"])
    chosen = best_with_features(ctx, 0.0, ranker=model)
    if chosen is None:
        return None
    cand, feats = chosen
    return cand.confidence, is_hit(case, cand.edit), feats


def figures(results: list, threshold: float, n_cases: int) -> tuple[float, float, int, int]:
    shown = [(p, h) for p, h in results if p >= threshold]
    hits = sum(h for _, h in shown)
    return (hits / len(shown) if shown else 0.0), hits / max(n_cases, 1), len(shown), hits


def log_loss(results: list) -> float:
    return -sum(math.log(max(1e-9, p if h else 1 - p)) for p, h in results) / max(len(results), 1)


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
    print(f"user (repository)               outcomes  later  shipped: prec  recall  loss   personal: prec  recall  loss")
    pooled = {"shipped": [], "personal": [], "n": 0}
    for repo, cases in sorted(by_repo.items()):
        cut = int(len(cases) * args.split)
        rows = []
        for case in cases[:cut]:
            got = top(case, shipped)
            if got is not None and got[0] >= args.show:
                rows.append((got[2], got[1]))
        personal = refit(rows, shipped, args.strength) if rows else shipped
        later = {"shipped": [], "personal": []}
        for case in cases[cut:]:
            for name, model in (("shipped", shipped), ("personal", personal)):
                got = top(case, model)
                if got is not None:
                    later[name].append((got[0], got[1]))
        n = len(cases) - cut
        cells = []
        for name in ("shipped", "personal"):
            prec, rec, _, _ = figures(later[name], t, n)
            shown = [(p, h) for p, h in later[name] if p >= args.show]
            cells.append(f"{prec:14.3f} {rec:7.3f} {log_loss(shown):5.3f}")
            pooled[name] += later[name]
        pooled["n"] += n
        print(f"{repo:<32} {len(rows):>7} {n:>6} {cells[0]}  {cells[1]}")
    cells = []
    for name in ("shipped", "personal"):
        prec, rec, shown, hits = figures(pooled[name], t, pooled["n"])
        loss = log_loss([(p, h) for p, h in pooled[name] if p >= args.show])
        cells.append(f"{prec:14.3f} {rec:7.3f} {loss:5.3f}")
    print(f"{'ALL':<32} {'':>7} {pooled['n']:>6} {cells[0]}  {cells[1]}")
    print(f"(precision and recall at the shipped threshold {t:.2f}; loss over suggestions rated >= {args.show})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
