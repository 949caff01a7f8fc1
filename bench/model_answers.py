#!/usr/bin/env python3
"""Record a real model's answers to next-edit cases: the data the model candidates' acceptance
model is fitted on (``training/model_ranker.py``).

    flock /work/llama.lock python bench/model_answers.py --cases 'cases/train/*.jsonl' \\
        --per-repo 6 --formats sweep zeta --out answers.jsonl --threads 1

Starts llama-cpp-python's server on the Gemma 3 270M GGUF (``bench/llama_server.py``) unless
``--base-url`` names a running one. Each case goes through the model predictor exactly as
``nxedit predict`` sends it; the backend's raw answer (text, finish reason, mean
log-probability) is written as one JSON line with the case id, its repository, the prompt
format and a hash of the prompt. Nothing is judged here: the fit replays these answers
through the current parser, gate and features, so changing a feature needs no new run
(a changed prompt does: its hash no longer matches). An interrupted run resumes: answers
already in ``--out`` are not asked again. Use the train split only (never held-out cases or
reserved repositories).
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from nxedit.model.predict.backends import BackendError
from nxedit.model.predict.model_config import ModelConfig
from nxedit.model.predict.model_predictor import ModelPredictor
from nxedit.model.predict.request import parse_request
from nxedit.training.model_ranker import prompt_hash

REQUEST_FIELDS = ("id", "path", "language", "history", "current", "cursor")


def spread(cases: list[dict], per_repo: int) -> list[dict]:
    """Up to ``per_repo`` cases of each repository, evenly through its file (deterministic)."""
    by_repo: dict[str, list[dict]] = defaultdict(list)
    for case in cases:
        by_repo[case["repo"]].append(case)
    out = []
    for repo in sorted(by_repo):
        rows = by_repo[repo]
        step = max(1, len(rows) // per_repo)
        out += rows[::step][:per_repo]
    return out


class Recorder:
    """Wraps the real backend: asks it, and keeps the last prompt and answer."""

    def __init__(self, backend):
        self.backend, self.name, self.last = backend, backend.name, None

    def __getattr__(self, attr):
        return getattr(self.backend, attr)

    def complete(self, prompt, max_tokens, stop=(), cancel=None, on_text=None, **options):
        completion = self.backend.complete(prompt, max_tokens, stop, cancel, on_text, **options)
        self.last = (prompt, completion)
        return completion


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", nargs="+", required=True, help="case files (globs ok), the train split")
    ap.add_argument("--per-repo", type=int, default=6)
    ap.add_argument("--formats", nargs="+", default=["sweep", "zeta"])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--base-url", help="a running OpenAI-compatible server (default: start Gemma 3 270M)")
    ap.add_argument("--model", help="the server's model name")
    ap.add_argument("--max-tokens", type=int, default=384)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    paths = sorted({p for pattern in args.cases for p in glob.glob(pattern)})
    if any("heldout" in p for p in paths):
        print("held-out cases are never used for fitting", file=sys.stderr)
        return 2
    cases = spread([json.loads(x) for p in paths for x in Path(p).read_text(encoding="utf-8").splitlines()
                    if x.strip()], args.per_repo)
    done = set()
    if args.out.exists():
        for x in args.out.read_text(encoding="utf-8").splitlines():
            if x.strip():
                r = json.loads(x)
                done.add((r["case"], r["format"]))
    with tempfile.TemporaryDirectory() as tmp:
        server = None
        url = args.base_url
        if url is None:
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            from llama_server import LlamaServer

            server = LlamaServer(Path(tmp), threads=args.threads, n_ctx=4096).__enter__()
            url = server.url
        try:
            return collect(args, cases, done, url)
        finally:
            if server is not None:
                server.__exit__()


def collect(args, cases: list[dict], done: set, url: str) -> int:
    t0, asked = time.perf_counter(), 0
    with args.out.open("a", encoding="utf-8") as out:
        for fmt in args.formats:
            config = ModelConfig(backend="openai", base_url=url, model=args.model, prompt_format=fmt,
                                 read_timeout=180.0, max_tokens=args.max_tokens)
            predictor = ModelPredictor(config, raise_failures=True)
            if not predictor.load():
                print(predictor.status, file=sys.stderr)
                return 1
            recorder = Recorder(predictor._backend)
            predictor._backend = recorder
            for case in cases:
                if (case["id"], fmt) in done:
                    continue
                recorder.last = None
                error = None
                t = time.perf_counter()
                try:
                    predictor.predict(parse_request({k: case[k] for k in REQUEST_FIELDS}))
                except BackendError as exc:
                    error = str(exc)
                row = {"case": case["id"], "repo": case["repo"], "format": fmt, "error": error,
                       "seconds": round(time.perf_counter() - t, 2)}
                if recorder.last is not None:
                    prompt, c = recorder.last
                    row.update(prompt=prompt_hash(prompt), text=c.text, finish_reason=c.finish_reason,
                               mean_logprob=c.mean_logprob)
                out.write(json.dumps(row) + "\n")
                out.flush()
                asked += 1
                print(f"{fmt} {case['id']}: {row['seconds']} s {'error' if error else ''}", file=sys.stderr, flush=True)
    print(f"{asked} answers in {time.perf_counter() - t0:.0f} s -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
