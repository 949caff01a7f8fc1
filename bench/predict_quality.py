#!/usr/bin/env python3
"""Next-edit quality and latency of ``nxedit predict`` on benchmark cases, per split.

    python bench/predict_quality.py                                   # the 480 dev cases of ../shared/bench/dev
    python bench/predict_quality.py --split dev=../shared/bench/dev/*.jsonl --split heldout='CASES/heldout/*.jsonl'
    python bench/predict_quality.py --predictor structural --out bench/out/preds.jsonl

A split is a name and the case files (globs) it holds; bench/heldout/README.md says how the
held-out repositories' cases are cut. Every case goes through a real ``nxedit predict
--jsonl`` process, one request at a time (as the editor sends them), with only id, path,
language, history, current and cursor: the engine never sees ``expected``, ``category``,
``commit`` or ``before``. Requests ask with ``--min-confidence 0`` so that every case's best
suggestion and its confidence come back; the figures at the engine's default threshold
(the acceptance model's, or ``--min-confidence``) keep only suggestions at or above it, and
the precision-vs-threshold table shows what any other threshold would give. Predictions are
scored by ``shared/bench/score.py`` (imported, not copied).

Printed per split: the score tables per category and per language (coverage, precision,
recall, ks_saved), precision and recall per source, the calibration (reliability) table
of the confidences, precision and recall by min confidence, and latency per request (the
engine's own ``latency_ms``, with the ranker in the loop, and the wall time of the round trip).
"""

from __future__ import annotations

import argparse
import glob
import json
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from nxedit.training.metrics import find_bench
from nxedit.model.predict.structural.rename import SOURCE as RENAME_SOURCE
from nxedit.training.ranker import is_right  # a rename ripple's label (the others': an exact hit)

ROOT = Path(__file__).resolve().parent.parent


BENCH = find_bench(ROOT) or ROOT.parent / "shared" / "bench"  # of the main checkout, for a worktree beside it
REQUEST_FIELDS = ("id", "path", "language", "history", "current", "cursor")
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
BUCKETS = (0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01)


def load_scorer(bench_dir: Path):
    sys.path.insert(0, str(bench_dir))
    import score  # shared/bench/score.py

    return score


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run_predict(cases: list[dict], predictor: str) -> tuple[list[dict], list[float]]:
    """Send each case to one ``nxedit predict --jsonl`` process; responses and wall ms per request."""
    cmd = [sys.executable, "-m", "nxedit.editor.cli", "predict", "--jsonl", "--predictor", predictor,
           "--min-confidence", "0"]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8")
    responses, walls = [], []
    try:
        for case in cases:
            request = {k: case[k] for k in REQUEST_FIELDS}
            t0 = time.perf_counter()
            proc.stdin.write(json.dumps(request) + "\n")
            proc.stdin.flush()
            line = proc.stdout.readline()
            walls.append((time.perf_counter() - t0) * 1000)
            if not line:
                raise RuntimeError(f"nxedit predict exited early (status {proc.poll()})")
            responses.append(json.loads(line))
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    return responses, walls


def default_threshold(predictor: str) -> float:
    """The threshold the engine applies when a client does not ask for another."""
    if predictor != "structural":
        return 0.0
    from nxedit.model.predict.structural.engine import MIN_CONFIDENCE
    from nxedit.model.predict.structural.ranker import load

    ranker = load()
    return ranker.threshold if ranker is not None else MIN_CONFIDENCE


def shown(resp: dict, threshold: float) -> list[dict]:
    """The response's edits if its confidence reaches the threshold, else an abstention."""
    edits = resp.get("edits") or []
    return edits if edits and (resp.get("confidence") or 0.0) >= threshold else []


def report(name: str, cases: list[dict], responses: list[dict], walls: list[float], threshold: float, score) -> dict:
    by_cat, by_lang, everything = defaultdict(list), defaultdict(list), []
    by_source: dict[str, Counter] = defaultdict(Counter)
    scored = []  # (confidence, hit, source, right) of every case's best suggestion, shown or not
    for case, resp in zip(cases, responses):
        edits = resp.get("edits") or []
        if edits:
            scored.append((resp.get("confidence") or 0.0, bool(score.score_case(case, edits)["hit"]),
                           resp.get("source") or "?", is_right(case, edits)))
        res = score.score_case(case, shown(resp, threshold))
        by_cat[case["category"]].append(res)
        by_lang[case["language"]].append(res)
        everything.append(res)
        if res["predicted"]:
            src = resp.get("source") or "?"
            by_source[src]["suggested"] += 1
            by_source[src]["hits"] += res["hit"]
    summary = {
        "category": {k: score.summarise(v) for k, v in sorted(by_cat.items())},
        "language": {k: score.summarise(v) for k, v in sorted(by_lang.items())},
        "all": score.summarise(everything),
    }
    engine_ms = [r["latency_ms"] for r in responses if "latency_ms" in r]
    print(f"=== split {name}: {len(cases)} cases, default min confidence {threshold:.2f}")
    print()
    print(score.format_table("category", {**summary["category"], "ALL": summary["all"]}))
    print()
    print(score.format_table("language", summary["language"]))
    print()
    print(f"source                 suggested  hits  precision  recall (of {len(cases)} cases)")
    for src, c in sorted(by_source.items()):
        print(f"{src:<22} {c['suggested']:>9} {c['hits']:>5} {c['hits'] / c['suggested']:>10.3f} "
              f"{c['hits'] / max(len(cases), 1):>7.3f}")
    print()
    # the acceptance model predicts its label (training/ranker.py's is_wanted): an exact hit
    # (score.py's precision), for a rename ripple "right" (every change is one the developer made next)
    print("calibration: confidence bucket   n   mean confidence   observed right   observed exact   observed label")
    calibration = []
    for lo, hi in zip(BUCKETS, BUCKETS[1:]):
        b = [(p, h, r, src) for p, h, src, r in scored if lo <= p < hi]
        if b:
            mean_p, observed = sum(p for p, *_ in b) / len(b), sum(h for _, h, *_ in b) / len(b)
            right = sum(r for _, _, r, _ in b) / len(b)
            label = sum(r if src == RENAME_SOURCE else h for _, h, r, src in b) / len(b)
            calibration.append({"from": lo, "to": min(hi, 1.0), "n": len(b), "mean": mean_p, "observed": observed,
                                "observed_right": right, "observed_label": label})
            print(f"             {lo:.1f}-{min(hi, 1.0):.1f} {len(b):>13} {mean_p:>17.3f} {right:>16.3f} {observed:>16.3f}"
                  f" {label:>16.3f}")
    print()
    print("min confidence   shown   hits  precision  recall   right")
    by_threshold = []
    for t in sorted({*THRESHOLDS, round(threshold, 3)}):
        s = [h for p, h, _, _ in scored if p >= t]
        right = sum(r for p, _, _, r in scored if p >= t)
        prec = sum(s) / len(s) if s else 0.0
        by_threshold.append({"min_confidence": t, "shown": len(s), "hits": sum(s), "precision": prec,
                             "recall": sum(s) / max(len(cases), 1), "right": right / len(s) if s else 0.0})
        mark = "  <- default" if abs(t - threshold) < 1e-9 else ""
        print(f"{t:>14.2f} {len(s):>7} {sum(s):>6} {prec:>10.3f} {sum(s) / max(len(cases), 1):>7.3f}"
              f" {right / len(s) if s else 0.0:>7.3f}{mark}")
    print()
    for label, values in (("engine latency_ms", engine_ms), ("wall ms per request", walls)):
        print(f"{label:<20} p50 {percentile(values, 0.5):7.2f}   p95 {percentile(values, 0.95):7.2f}"
              f"   max {max(values, default=0.0):7.2f}")
    errors = [r for r in responses if "error" in r]
    if errors:
        print(f"\n{len(errors)} requests answered with an error, e.g. {errors[0]}")
    print()
    summary.update(calibration=calibration, by_threshold=by_threshold, threshold=threshold,
                   latency_ms={q: percentile(engine_ms, v) for q, v in (("p50", 0.5), ("p95", 0.95), ("max", 1.0))})
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", action="append", metavar="NAME=GLOB[,GLOB]",
                    help="a named group of case files (repeatable; default: dev=the shared dev set)")
    ap.add_argument("--cases", nargs="+", help="case files (globs ok), as one split named 'cases'")
    ap.add_argument("--bench", type=Path, default=BENCH, help="folder holding score.py")
    ap.add_argument("--predictor", default="structural")
    ap.add_argument("--min-confidence", type=float, help="the threshold to report at (default: the engine's)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "predictions.jsonl")
    ap.add_argument("--json", type=Path, help="also write the summary as JSON")
    args = ap.parse_args(argv)

    splits: list[tuple[str, list[str]]] = []
    for spec in args.split or []:
        name, _, patterns = spec.partition("=")
        splits.append((name, patterns.split(",")))
    if args.cases:
        splits.append(("cases", args.cases))
    if not splits:
        splits = [("dev", [str(args.bench / "dev" / "*.jsonl")])]
    score = load_scorer(args.bench)
    threshold = args.min_confidence if args.min_confidence is not None else default_threshold(args.predictor)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    summaries = {}
    with args.out.open("w", encoding="utf-8") as out:
        for name, patterns in splits:
            files = sorted({p for pattern in patterns for p in glob.glob(pattern)})
            if not files:
                print(f"no case files match {patterns} (split {name})", file=sys.stderr)
                return 2
            cases = score.read_jsonl(files)
            responses, walls = run_predict(cases, args.predictor)
            for r in responses:
                out.write(json.dumps({"split": name, "id": r.get("id"), "edits": r.get("edits", []),
                                      "source": r.get("source"), "confidence": r.get("confidence")}) + "\n")
            print(f"{len(cases)} cases from {len(files)} files, predictor {args.predictor}")
            summaries[name] = report(name, cases, responses, walls, threshold, score)
    if args.json:
        args.json.write_text(json.dumps(summaries, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
