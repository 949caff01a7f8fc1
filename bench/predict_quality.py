#!/usr/bin/env python3
"""Next-edit quality and latency of ``nxedit predict`` on the benchmark cases.

    python bench/predict_quality.py                       # the 480 dev cases of ../shared/bench/dev
    python bench/predict_quality.py --cases bench/out/heldout/*.jsonl
    python bench/predict_quality.py --predictor structural --out bench/out/preds.jsonl

Every case goes through a real ``nxedit predict --jsonl`` process, one request at a time
(as the editor sends them), with only id, path, language, history, current and cursor: the
engine never sees ``expected``, ``category``, ``commit`` or ``before``. Predictions are
scored by ``shared/bench/score.py`` (imported, not copied). Printed: the score tables per
category and per language, hits per source, and latency per request: the engine's own
``latency_ms`` and the wall time of the round trip.
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

ROOT = Path(__file__).resolve().parent.parent


def find_bench() -> Path:
    """``../shared/bench`` of the repository (of the main checkout, for a worktree beside it)."""
    for base in ROOT.parents:
        if (base / "shared" / "bench" / "score.py").is_file():
            return base / "shared" / "bench"
    return ROOT.parent / "shared" / "bench"


BENCH = find_bench()
REQUEST_FIELDS = ("id", "path", "language", "history", "current", "cursor")


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
    cmd = [sys.executable, "-m", "nxedit.editor.cli", "predict", "--jsonl", "--predictor", predictor]
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", nargs="+", default=[str(BENCH / "dev" / "*.jsonl")], help="case files (globs ok)")
    ap.add_argument("--bench", type=Path, default=BENCH, help="folder holding score.py")
    ap.add_argument("--predictor", default="structural")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "predictions.jsonl")
    ap.add_argument("--json", type=Path, help="also write the summary as JSON")
    args = ap.parse_args(argv)

    files = sorted({p for pattern in args.cases for p in glob.glob(pattern)})
    if not files:
        print(f"no case files match {args.cases}", file=sys.stderr)
        return 2
    score = load_scorer(args.bench)
    cases = score.read_jsonl(files)
    responses, walls = run_predict(cases, args.predictor)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as f:
        for r in responses:
            f.write(json.dumps({"id": r.get("id"), "edits": r.get("edits", []), "source": r.get("source"),
                                "confidence": r.get("confidence")}) + "\n")

    errors = [r for r in responses if "error" in r]
    by_cat, by_lang, everything = defaultdict(list), defaultdict(list), []
    by_source: dict[str, Counter] = defaultdict(Counter)
    for case, resp in zip(cases, responses):
        res = score.score_case(case, resp.get("edits") or [])
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
    print(f"{len(cases)} cases from {len(files)} files, predictor {args.predictor}")
    print()
    print(score.format_table("category", {**summary["category"], "ALL": summary["all"]}))
    print()
    print(score.format_table("language", summary["language"]))
    print()
    print("source                 suggested  hits  precision")
    for src, c in sorted(by_source.items()):
        print(f"{src:<22} {c['suggested']:>9} {c['hits']:>5} {c['hits'] / c['suggested']:>10.3f}")
    print()
    for name, values in (("engine latency_ms", engine_ms), ("wall ms per request", walls)):
        print(f"{name:<20} p50 {percentile(values, 0.5):7.2f}   p95 {percentile(values, 0.95):7.2f}"
              f"   max {max(values, default=0.0):7.2f}")
    if errors:
        print(f"\n{len(errors)} requests answered with an error, e.g. {errors[0]}")
    if args.json:
        summary["latency_ms"] = {q: percentile(engine_ms, v) for q, v in (("p50", 0.5), ("p95", 0.95), ("max", 1.0))}
        args.json.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
