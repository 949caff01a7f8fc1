#!/usr/bin/env python3
"""What a change to the structural engine did, case by case: every candidate it proposes.

    python bench/structural_candidates.py dump --out before.jsonl 'CASES/train/*.jsonl' 'CASES/fresh/*.jsonl'
    (change the engine)
    python bench/structural_candidates.py dump --out after.jsonl 'CASES/train/*.jsonl' 'CASES/fresh/*.jsonl'
    python bench/structural_candidates.py compare before.jsonl after.jsonl

``dump`` runs the engine in process on each case (no ``nxedit predict`` round trip: a few
minutes for 3,000 cases) and writes one line per case: every candidate with its rule, the
acceptance model's probability, whether it is an exact hit (shared/bench/score.py's) and
whether it is right (every change one the developer made next), and the suggestion the
engine chose at its default threshold. ``compare`` prints, for each dump, the suggestions
shown and their hits, recall of repeated edits and renames, then every case whose chosen
suggestion changed and every candidate one dump has and the other lacks.

This is the tool to decide a change on the repositories the ranker is fitted on (train and
fresh), before the held-out ones are run once (bench/predict_quality.py): never the other way.
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
from collections import Counter

from nxedit.model.predict.structural.engine import candidates, choose, make_context, rate
from nxedit.model.predict.structural.ranker import load
from nxedit.model.text.edits import Position
from nxedit.training.metrics import find_bench


def dump(paths: list[str], out: str) -> int:
    shared = find_bench()
    if shared is None:
        sys.exit("shared/bench (score.py) is not beside this checkout")
    sys.path.insert(0, str(shared))
    from nxedit.training.ranker import is_hit, is_right  # (they import shared/bench's textops)

    model = load()
    n = 0
    with open(out, "w", encoding="utf-8") as fh:
        for path in sorted({p for g in paths for p in glob.glob(g)}):
            for line in open(path, encoding="utf-8"):
                case = json.loads(line)
                cur = case["cursor"]
                ctx = make_context(case["current"], Position(cur["line"], cur["column"]), case["history"],
                                   case["language"], case.get("path", ""))
                rows, chosen = [], None
                if ctx.hunks:
                    found, feats = rate(ctx, candidates(ctx), model)  # confidence: the model's p
                    for c in found:
                        rows.append({"source": c.source, "rule": c.rule, "p": c.confidence,
                                     "hit": is_hit(case, c.edit), "right": is_right(case, [c.edit.to_dict()]),
                                     "start_line": c.edit.start_line, "end_line": c.edit.end_line,
                                     "new_text": c.edit.new_text})
                    best = choose(ctx, found, feats, model.threshold)
                    if best is not None:
                        c = best[0]
                        chosen = {"rule": c.rule, "p": c.confidence, "hit": is_hit(case, c.edit),
                                  "start_line": c.edit.start_line, "end_line": c.edit.end_line}
                fh.write(json.dumps({"id": case["id"], "category": case.get("category", ""),
                                     "candidates": rows, "chosen": chosen}) + "\n")
                n += 1
    print(f"{n} cases -> {out}")
    return n


def _load(path: str) -> dict[str, dict]:
    return {row["id"]: row for row in map(json.loads, open(path, encoding="utf-8"))}


def summary(rows: dict[str, dict]) -> dict[str, float]:
    """Shown suggestions, their hits, and recall of the repeated edits and renames."""
    shown = [r for r in rows.values() if r["chosen"]]
    hits = [r for r in shown if r["chosen"]["hit"]]
    per = Counter(r["category"] for r in rows.values())
    found = Counter(r["category"] for r in hits)
    return {"cases": len(rows), "shown": len(shown), "hits": len(hits),
            "precision": len(hits) / len(shown) if shown else 0.0,
            **{f"{cat}_recall": found[cat] / per[cat] if per[cat] else 0.0 for cat in ("repeated", "rename")}}


def compare(a_path: str, b_path: str) -> list[str]:
    """The two dumps' summaries and what changed between them, case by case."""
    a, b = _load(a_path), _load(b_path)
    lines = []
    for name, rows in (("A", a), ("B", b)):
        s = summary(rows)
        lines.append(f"{name}: {s['shown']} shown, {s['hits']} hits (precision {s['precision']:.3f}), "
                     f"repeated recall {s['repeated_recall']:.3f}, rename recall {s['rename_recall']:.3f} "
                     f"({s['cases']} cases)")

    def key(c: dict | None):
        return None if c is None else (c["hit"], c["rule"], c["start_line"], c["end_line"])

    for case_id in a.keys() & b.keys():
        before, after = a[case_id], b[case_id]
        if key(before["chosen"]) != key(after["chosen"]):
            lines.append(f"chosen  {case_id} [{after['category']}] {key(before['chosen'])} -> "
                         f"{key(after['chosen'])}")
        had = {(c["rule"], c["start_line"], c["new_text"]) for c in before["candidates"]}
        has = {(c["rule"], c["start_line"], c["new_text"]) for c in after["candidates"]}
        for sign, rows, others in (("+", after["candidates"], had), ("-", before["candidates"], has)):
            for c in rows:
                if (c["rule"], c["start_line"], c["new_text"]) not in others:
                    lines.append(f"{sign} {case_id} [{after['category']}] {c['rule']} p={c['p']} "
                                 f"hit={c['hit']} {c['new_text'][:70]!r}")
    print("\n".join(lines))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump", help="every candidate of every case, with the model's probability")
    d.add_argument("cases", nargs="+", help="case files (globs)")
    d.add_argument("--out", required=True)
    c = sub.add_parser("compare", help="what changed between two dumps")
    c.add_argument("before")
    c.add_argument("after")
    args = parser.parse_args(argv)
    if args.command == "dump":
        dump(args.cases, args.out)
    else:
        compare(args.before, args.after)
    return 0


if __name__ == "__main__":
    sys.exit(main())
