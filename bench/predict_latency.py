#!/usr/bin/env python3
"""Latency of the structural engine on large buffers (2,000 lines), per behaviour.

    python bench/predict_latency.py [--lines 2000] [--runs 20]

The editor calls the engine after every (debounced) keystroke on the whole buffer, so
what matters is the cost on big files with many look-alike places. Each scenario is a
synthetic buffer of about ``--lines`` lines where the user's last edit makes the engine
work hard (thousands of occurrences or similar lines); times are in-process, per call.
"""

from __future__ import annotations

import argparse
import statistics
import time

from nxedit.model.text.edits import Position
from nxedit.model.predict.request import HistoryHunk, PredictionRequest
from nxedit.model.predict.structural import StructuralPredictor


def scenario(text: str, old: str, new: str, language: str, path: str) -> PredictionRequest:
    """The user replaced the first ``old`` chunk of lines by ``new``."""
    at = text.index(old)
    line = text.count("\n", 0, at)
    current = text[:at] + new + text[at + len(old):]
    last = new.split("\n")[-2] if new.endswith("\n") else new
    cursor = Position(line + new.count("\n") - 1, len(last))
    return PredictionRequest(current, cursor, (HistoryHunk(line, old, new),), path, language)


def scenarios(n: int) -> dict[str, PredictionRequest]:
    py_uses = "".join(f"    total = total + compute(value_{i}, total)\n" for i in range(n))
    py_calls = "".join(f"    result_{i} = compute(alpha_{i}, beta)\n" for i in range(n))
    rs_items = "".join(f"fn f{i}(e: &InnerImpl) -> usize {{\n    e.len() + {i}\n}}\n" for i in range(n // 3))
    go_calls = "".join(f"\tx{i} := lookup(ctx, key{i})\n" for i in range(n))
    ts_lines = "".join(f"export const v{i} = compute(a{i}, b);\n" for i in range(n))
    return {
        "python rename of a local used everywhere": scenario(
            "def f(value):\n    total = 0\n" + py_uses, "    total = 0\n", "    count = 0\n", "python", "a.py"),
        "python repeated edit over similar lines": scenario(
            "def f():\n" + py_calls, "    result_0 = compute(alpha_0, beta)\n",
            "    result_0 = compute(alpha_0, beta, strict=True)\n", "python", "a.py"),
        "rust rename of a type used everywhere": scenario(
            "struct InnerImpl;\n" + rs_items, "struct InnerImpl;\n", "struct ErrorImpl;\n", "rust", "src/lib.rs"),
        "go argument added to one of many calls": scenario(
            "package m\n\nfunc f() {\n" + go_calls + "}\n", "\tx0 := lookup(ctx, key0)\n",
            "\tx0 := lookup(ctx, key0, true)\n", "go", "m.go"),
        "typescript edit with no pattern": scenario(
            ts_lines, "export const v7 = compute(a7, b);\n", "export const v7 = compute(a7, b) + 1;\n",
            "typescript", "m.ts"),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args(argv)
    predictor = StructuralPredictor()
    print(f"{'scenario':<45}{'lines':>7}{'p50 ms':>9}{'max ms':>9}  suggestion")
    for name, request in scenarios(args.lines).items():
        predictor.predict(request)  # grammar loading is a one-time cost, not per keystroke
        times, suggestion = [], None
        for _ in range(args.runs):
            t0 = time.perf_counter()
            suggestion = predictor.predict(request)
            times.append((time.perf_counter() - t0) * 1000)
        lines = request.current.count("\n")
        what = f"{suggestion.source} ({suggestion.edits[0].end_line - suggestion.edits[0].start_line} lines)" \
            if suggestion else "abstain"
        print(f"{name:<45}{lines:>7}{statistics.median(times):>9.1f}{max(times):>9.1f}  {what}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
