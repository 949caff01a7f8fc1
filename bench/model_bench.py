"""What the model benchmarks share: a fixed sample of dev cases, requests made from them
(only the fields a predictor may read), replayed typing sessions, and a backend wrapper
that keeps each completion for the report.
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

from nxedit.model.predict.backends.openai import OpenAIBackend
from nxedit.model.predict.model_config import ModelConfig
from nxedit.model.predict.model_predictor import ModelPredictor
from nxedit.model.predict.prompts import get_format
from nxedit.model.predict.request import HistoryHunk, PredictionRequest, parse_request
from nxedit.model.text.edits import Position
from nxedit.model.text.plain import split_lines
from nxedit.training.metrics import find_bench

ROOT = Path(__file__).resolve().parent.parent
BENCH = find_bench(ROOT) or ROOT.parent / "shared" / "bench"
REQUEST_FIELDS = ("id", "path", "language", "history", "current", "cursor")
SEED = 17  # the sample is fixed: the same cases in every run
# a backend that always asks for token log-probabilities needs a server that keeps every logit
ASKS_LOGPROBS = not hasattr(ModelConfig(), "logprobs")


def load_scorer(bench_dir: Path = BENCH):
    sys.path.insert(0, str(bench_dir))
    import score  # shared/bench/score.py

    return score


def sample_cases(n: int, bench_dir: Path = BENCH) -> list[dict]:
    """``n`` dev cases drawn with a fixed seed, spread over the languages as the set is."""
    score = load_scorer(bench_dir)
    cases = score.read_jsonl(sorted(str(p) for p in (bench_dir / "dev").glob("*.jsonl")))
    cases.sort(key=lambda c: c["id"])
    return random.Random(SEED).sample(cases, min(n, len(cases)))


def request_of(case: dict) -> PredictionRequest:
    return parse_request({k: case[k] for k in REQUEST_FIELDS})


def typing_session(case: dict, keys: int) -> list[PredictionRequest] | None:
    """The requests an editor sends while the user types the last ``keys`` characters of the
    case's last history hunk, one per keystroke (None if that hunk is shorter).

    The hunk's old lines are gone and its new text is typed; the open hunk grows with each
    key, as the recorder reports a burst still being typed.
    """
    history = [HistoryHunk(h["start_line"], h["old_text"], h["new_text"]) for h in case["history"]]
    if not history:
        return None
    last = history[-1]
    typed = last.new_text
    if len(typed.rstrip("\n")) < keys or "\r" in typed:
        return None
    lines = split_lines(case["current"])
    s, n_new = last.start_line, len(split_lines(typed))
    head, tail = "".join(lines[:s]), "".join(lines[s + n_new :])
    requests = []
    end = len(typed.rstrip("\n"))
    for k in range(end - keys + 1, end + 1):
        part = typed[:k]
        shown = part + "\n" if typed.endswith("\n") and not part.endswith("\n") else part
        row_lines = part.split("\n")
        cursor = Position(s + len(row_lines) - 1, len(row_lines[-1]))
        requests.append(PredictionRequest(
            head + shown + tail, cursor, (*history[:-1], HistoryHunk(s, last.old_text, shown)),
            case["path"], case["language"], {}, f"{case['id']}@{k}",
        ))
    return requests


class RecordingBackend:
    """The real backend, keeping the last completion and its wall time for the report."""

    def __init__(self, backend):
        self.backend = backend
        self.name = backend.name
        self.last = None
        self.seconds = 0.0
        self.first_text_at: float | None = None
        self.prompt = None  # the last prompt sent

    def load(self, on_status=None):
        self.backend.load(on_status)

    def count_tokens(self, text):
        return self.backend.count_tokens(text)

    def close(self):
        self.backend.close()

    @property
    def uses_grammar(self):
        return getattr(self.backend, "uses_grammar", False)

    def complete(self, prompt, max_tokens, stop=(), cancel=None, on_text=None, **options):
        self.last, self.first_text_at, self.prompt = None, None, prompt
        t0 = time.perf_counter()

        def seen(piece):
            if self.first_text_at is None:
                self.first_text_at = time.perf_counter() - t0
            if on_text:
                on_text(piece)

        self.last = self.backend.complete(prompt, max_tokens, stop, cancel, seen, **options)
        self.seconds = time.perf_counter() - t0
        return self.last


def model_config(url: str, prompt_format: str, max_tokens: int, read_timeout: float = 300.0,
                 grammar: bool | str = "auto") -> ModelConfig:
    """The openai backend on ``url``; token log-probabilities are not asked for where the
    config can say so (they cost llama-cpp-python more than decoding)."""
    config = ModelConfig(backend="openai", base_url=url, prompt_format=prompt_format, max_tokens=max_tokens,
                         connect_timeout=5.0, read_timeout=read_timeout, grammar=grammar,
                         min_confidence=0.0)  # the formats' answers are measured, before the acceptance model
    if hasattr(config, "logprobs"):
        config = replace(config, logprobs=False)
    return config


def predictor(url: str, prompt_format: str, max_tokens: int, layout: str | None = None,
              grammar: bool | str = "auto"):
    """A loaded :class:`ModelPredictor` for ``prompt_format`` with a :class:`RecordingBackend`;
    ``layout`` picks another layout of a format that has several (chat: ``inline``); ``chatml``
    sends a chat format's messages as the ChatML text a Qwen2.5-based model (Instinct) reads,
    system prompt included (Gemma's chat template drops a system message)."""
    config = model_config(url, prompt_format, max_tokens, grammar=grammar)
    recorder = RecordingBackend(OpenAIBackend(config))
    p = ModelPredictor(config, backend=recorder)
    if layout is not None:
        fmt = get_format(prompt_format)
        render = (lambda ctx: fmt.render(ctx).to_text()) if layout == "chatml" else (lambda ctx: fmt.render(ctx, layout))
        p.format = SimpleNamespace(**{k: getattr(fmt, k) for k in ("NAME", "REGION", "STOP", "parse", "grammar")},
                                   render=render)
    if not p.load():
        raise RuntimeError(p.status)
    return p, recorder


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]
