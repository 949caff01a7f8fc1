"""Fit the acceptance model for a next-edit model's candidates on that model's real answers.

    flock /work/llama.lock python bench/model_answers.py --cases 'cases/train/*.jsonl' --out answers.jsonl
    python -m nxedit.training.model_ranker --cases 'cases/train/*.jsonl' --answers answers.jsonl \\
        --out model/predict/model_acceptance.json

``bench/model_answers.py`` records what the model answered to cases of the train split. Here
each answer is replayed through the model predictor (the same parser, sanity gate and
features as at run time: ``model_acceptance.py``); every answer that becomes a candidate is
a row, labelled by whether it is exactly one of the case's expected hunks (score.py's hit).
A logistic regression (``training/ranker.py``'s fit: Newton's method, numpy) is fitted with
its weights pulled towards a prior, not towards zero: a small model is rarely right, and
with few or no right answers the data cannot say when to trust it. The prior trusts a model
candidate only when the structural engine proposes the same edit, about as far as the
structural ranker trusts that edit; the data then moves the weights as far as it supports.
Folds are whole repositories: the strength of the pull is chosen on out-of-fold log loss,
and the figures printed are for repositories the fit never saw.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from collections import defaultdict
from pathlib import Path

from nxedit.model.predict.backends.base import Completion
from nxedit.model.predict.model_acceptance import WEIGHTS
from nxedit.model.predict.model_config import ModelConfig
from nxedit.model.predict.model_predictor import ModelPredictor
from nxedit.model.predict.request import parse_request
from nxedit.model.predict.structural.ranker import WEIGHTS as STRUCTURAL_WEIGHTS, Ranker
from nxedit.model.predict.structural.ranker import load as structural_load
from nxedit.training.ranker import fit, is_right, load_cases, precision_at, reliability

REQUEST_FIELDS = ("id", "path", "language", "history", "current", "cursor")
# the threshold is the structural ranker's shipped one: the same bar for both kinds of candidate
_STRUCTURAL = structural_load(str(STRUCTURAL_WEIGHTS))
THRESHOLD = _STRUCTURAL.threshold if _STRUCTURAL is not None else 0.6
# the prior: logit = -3 + 0.5 * same + 5 * p_structural(same) - 0.5 * overlap. Without the
# structural engine's agreement a candidate gets p ~ 0.05; with it, p is about what the
# structural ranker gives that edit alone (0.4 -> 0.38, 0.55 -> 0.56, 0.7 -> 0.73, 0.9 -> 0.88)
PRIOR = Ranker({"agree_same": 0.5, "agree_same_p": 5.0, "agree_overlap": -0.5}, -3.0, THRESHOLD, {"prior": True})


def prompt_hash(prompt) -> str:
    """Which prompt an answer was given to (a replay under a changed prompt format is skipped)."""
    return hashlib.sha1(repr(prompt).encode("utf-8")).hexdigest()[:16]


class Replay:
    """A backend that answers with one recorded completion."""

    name = "openai"

    def __init__(self):
        self.completion: Completion | None = None
        self.prompt = None

    def load(self, on_status=None) -> None:
        pass

    def count_tokens(self, text: str):
        return None  # as the openai backend: the context is cut with the same estimate

    def close(self) -> None:
        pass

    def complete(self, prompt, max_tokens, stop=(), cancel=None, on_text=None, **options):
        self.prompt = prompt
        return self.completion


class Capture:
    """Stands in for the acceptance model: keeps the candidate's features, accepts it."""

    threshold = 0.0

    def __init__(self):
        self.features: dict[str, float] | None = None

    def probability(self, feats: dict[str, float]) -> float:
        self.features = feats
        return 1.0


def replay_rows(cases: dict[str, dict], answers: list[dict], score) -> tuple[dict[str, list], dict]:
    """Rows by repository: (features, hit) of every answer that the predictor turns into a
    candidate; and counts of what became of the answers."""
    predictors: dict[str, tuple[ModelPredictor, Replay, Capture]] = {}
    rows: dict[str, list] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for answer in answers:
        case = cases.get(answer["case"])
        counts["answers"] += 1
        if case is None or answer.get("text") is None:
            counts["no case or no answer" if case is None else "not asked (refused or error)"] += 1
            continue
        fmt = answer["format"]
        if fmt not in predictors:
            replay, capture = Replay(), Capture()
            predictor = ModelPredictor(ModelConfig(backend="openai", prompt_format=fmt, max_tokens=384),
                                       backend=replay)
            predictor.acceptance = capture
            predictors[fmt] = (predictor, replay, capture)
        predictor, replay, capture = predictors[fmt]
        replay.completion = Completion(answer["text"], answer["finish_reason"], mean_logprob=answer.get("mean_logprob"))
        capture.features = None
        suggestion = predictor.predict(parse_request({k: case[k] for k in REQUEST_FIELDS}))
        if replay.prompt is not None and prompt_hash(replay.prompt) != answer.get("prompt"):
            counts["prompt changed since recorded (skipped)"] += 1
            continue
        if suggestion is None or capture.features is None:
            counts["no candidate"] += 1
            continue
        hit = score.score_case(case, [e.to_dict() for e in suggestion.edits])["hit"]
        counts["candidates"] += 1
        counts["hits"] += hit
        # reported, not fitted on: the structural ranker's looser label (every change is one the
        # developer made next), to say how far from right the misses are
        counts["right (part of the next change)"] += is_right(case, [e.to_dict() for e in suggestion.edits])
        rows[case["repo"]].append((capture.features, hit))
    return rows, counts


def log_loss(scored: list[tuple[float, bool]]) -> float:
    return -sum(math.log(max(1e-9, p if h else 1 - p)) for p, h in scored) / max(len(scored), 1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", nargs="+", required=True, help="the cases the answers were recorded on (globs ok)")
    ap.add_argument("--answers", nargs="+", type=Path, required=True, help="bench/model_answers.py's output")
    ap.add_argument("--out", type=Path, default=WEIGHTS)
    ap.add_argument("--model", default="Gemma 3 270M Q4_K_M (llama-cpp-python server)",
                    help="the model that answered (kept in the weights file)")
    args = ap.parse_args(argv)
    if any("heldout" in c for c in args.cases):
        print("held-out cases are never used for fitting", file=sys.stderr)
        return 2
    cases = {c["id"]: c for c in load_cases(args.cases)}  # also puts shared/bench on the path
    import score

    answers = [json.loads(x) for path in args.answers for x in path.read_text(encoding="utf-8").splitlines()
               if x.strip()]
    by_repo, counts = replay_rows(cases, answers, score)
    print(", ".join(f"{k}: {v}" for k, v in counts.items()), file=sys.stderr)
    repos = sorted(by_repo)
    folds = [repos[i::4] for i in range(4)] if len(repos) >= 4 else [[r] for r in repos]
    best = (math.inf, 3.0, [])
    for l2 in (1.0, 3.0, 10.0, 30.0):
        scored: list[tuple[float, bool]] = []
        for held in folds:
            model = fit([r for repo in repos if repo not in held for r in by_repo[repo]], l2, prior=PRIOR)
            scored += [(model.probability(f), h) for repo in held for f, h in by_repo[repo]]
        loss = log_loss(scored)
        prec, shown, hits = precision_at(scored, THRESHOLD)
        print(f"l2 {l2:5}: out-of-fold log loss {loss:.4f} (prior alone "
              f"{log_loss([(PRIOR.probability(f), h) for rs in by_repo.values() for f, h in rs]):.4f}), "
              f"shown at {THRESHOLD}: {shown}, right {hits}", file=sys.stderr)
        if scored and loss < best[0]:
            best = (loss, l2, scored)
    _, l2, scored = best
    rows = [r for rs in by_repo.values() for r in rs]
    model = fit(rows, l2, prior=PRIOR) if rows else PRIOR
    meta = {"model": args.model, "repositories": sorted({a["repo"] for a in answers}), "answers": counts["answers"],
            "candidates": len(rows), "hits": sum(h for _, h in rows), "l2": l2, "prior": {
                "bias": PRIOR.bias, "weights": PRIOR.weights}}
    model = Ranker(model.weights, model.bias, THRESHOLD, meta)
    if scored:
        print(reliability(scored), file=sys.stderr)
    args.out.write_text(model.to_json() + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {len(rows)} candidates ({meta['hits']} right) from {len(repos)} repositories, "
          f"l2 {l2}, threshold {THRESHOLD}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
