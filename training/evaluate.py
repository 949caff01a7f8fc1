"""nxedit train eval: exact match, kept rate, keystroke savings and reversals, base vs fine-tuned.

    nxedit train eval --base ~/models/base --model runs/sft/final --data runs/data
    nxedit train eval --base ~/models/base --model runs/sft/final --bench ../shared/bench --limit 100

Every case goes through the editor's own model pipeline (:class:`ModelPredictor` with the
transformers backend: context -> prompt -> generate -> parse -> suggestion), so the
numbers are those of what the editor would show. Sets: the dataset's validation split
(``--split``), and the benchmark's dev cases (``--bench``: the folder with ``dev/`` and
``score.py``, found beside the source tree by default; ``--bench none`` skips them).
The models (``--base`` and each ``--model``) are printed side by side in one table;
metrics are defined in :mod:`nxedit.training.metrics`. A LoRA adapter is merged into a
folder under ``--out`` first. Predictions are kept in ``--out/predictions``, so an
interrupted evaluation continues where it stopped.
"""

from __future__ import annotations

import glob
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from nxedit.model.predict.prompts import FORMATS

from .cli import existing, need
from .examples import read_jsonl
from .hf import is_adapter, run_info, save_merged
from .metrics import evaluate_case, find_bench, format_table, summarise
from .progress import Stopwatch, progress, summary

REQUEST_FIELDS = ("path", "language", "current", "cursor", "history", "files")


@dataclass
class Config:
    base: str | None = field(
        default=None, metadata={"help": "the model before fine-tuning (a folder)", "type": str}
    )
    model: list = field(
        default_factory=list,
        metadata={"help": "a fine-tuned model folder (repeat to compare)", "metavar": "DIR"},
    )
    data: Path = field(
        default=Path("runs/data"), metadata={"help": "dataset folder (nxedit train dataset --out)"}
    )
    split: str = field(
        default="validation",
        metadata={
            "help": "which split of the dataset to evaluate",
            "choices": ["validation", "train", "none"],
        },
    )
    bench: str = field(
        default="auto",
        metadata={"help": "benchmark folder with dev/*.jsonl (auto: find shared/bench; none: skip)"},
    )
    prompt_format: str | None = field(
        default=None,
        metadata={
            "help": "prompt format (default: the fine-tuned model's, else the dataset's)",
            "type": str,
            "choices": sorted(FORMATS),
        },
    )
    device: str = field(
        default="auto", metadata={"help": "cpu, cuda, cuda:1 ... (auto: cuda when there is one)"}
    )
    limit: int = field(default=0, metadata={"help": "at most this many cases per set (0: all)"})
    max_tokens: int = field(default=512, metadata={"help": "longest answer generated"})
    out: Path = field(default=Path("runs/eval"), metadata={"help": "folder for predictions and the results"})
    dry_run: bool = field(default=False, metadata={"help": "print the sets and models, predict nothing"})


def validation_cases(data: Path, split: str) -> list[dict]:
    """Benchmark-shaped cases from a dataset split: id, request fields, expected."""
    path = Path(data) / f"{split}.jsonl"
    need(path.is_file(), f"{path} not found: run `nxedit train dataset --out {data}` first")
    cases = []
    for row in read_jsonl(path):
        case = {k: row["request"].get(k) for k in REQUEST_FIELDS}
        cases.append({**case, "id": row["id"], "expected": row["expected"], "format": row.get("format")})
    return cases


def bench_cases(cfg: Config) -> list[dict]:
    if cfg.bench == "none":
        return []
    folder = find_bench() if cfg.bench == "auto" else existing(cfg.bench, "benchmark folder")
    if folder is None:
        print("no benchmark folder found (shared/bench): evaluating the dataset only")
        return []
    files = sorted(glob.glob(str(Path(folder) / "dev" / "*.jsonl")))
    need(bool(files), f"{folder}/dev has no case files")
    return [case for f in files for case in read_jsonl(Path(f))]


def _label(folder: str) -> str:
    p = Path(folder)
    return f"{p.parent.name}/{p.name}" if p.name in ("final", "hf") else p.name


def predictions(
    model_dir: Path, label: str, set_name: str, cases: list[dict], cfg: Config, prompt_format: str
) -> dict:
    """``{case id: {"edits", "reversal"}}`` from the model pipeline; cached in ``--out``."""
    from nxedit.model.predict.model_config import ModelConfig
    from nxedit.model.predict.model_predictor import ModelPredictor
    from nxedit.model.predict.prompts.base import UNDOES_LAST_EDIT
    from nxedit.model.predict.request import parse_request

    key = hashlib.sha256(f"{model_dir.resolve()}|{prompt_format}|{cfg.max_tokens}".encode()).hexdigest()[:10]
    cache = cfg.out / "predictions" / f"{set_name}-{label.replace('/', '_')}-{key}.jsonl"
    done = {r["id"]: r for r in read_jsonl(cache)} if cache.is_file() else {}
    todo = [c for c in cases if c["id"] not in done]
    if todo:
        device = cfg.device
        if device == "auto":
            import torch

            device = "cuda" if torch.cuda.is_available() else "cpu"
        config = ModelConfig(
            backend="transformers",
            model=str(model_dir),
            prompt_format=prompt_format,
            device=device,
            max_tokens=cfg.max_tokens,
            min_confidence=0.0,  # the model's own edits are measured, not what the acceptance model lets through
        )
        predictor = ModelPredictor(config)
        need(predictor.load(), f"{model_dir}: {predictor.status}")
        cache.parent.mkdir(parents=True, exist_ok=True)
        with cache.open("a", encoding="utf-8") as f:
            for case in progress(todo, f"{set_name}: {label}", len(todo)):
                predictor.last_rejection = None
                request = parse_request(
                    {"id": case["id"], **{k: case.get(k) for k in REQUEST_FIELDS if k in case}}
                )
                suggestion = predictor.predict(request)
                row = {
                    "id": case["id"],
                    "edits": [e.to_dict() for e in suggestion.edits] if suggestion else [],
                    "reversal": predictor.last_rejection == UNDOES_LAST_EDIT,
                    "rejection": predictor.last_rejection,
                }
                f.write(json.dumps(row) + "\n")
                f.flush()  # each answer kept as it comes: an interrupted run resumes after it
                done[case["id"]] = row
        predictor.close()
    return done


def run(cfg: Config) -> int:
    clock = Stopwatch()
    models = ([("base", cfg.base)] if cfg.base else []) + [(_label(m), m) for m in cfg.model]
    need(bool(models), "name a model to evaluate: --base and/or --model")
    sets = []
    if cfg.split != "none":
        sets.append((cfg.split, validation_cases(cfg.data, cfg.split)))
    dev = bench_cases(cfg)
    if dev:
        sets.append(("dev", dev))
    if cfg.limit:
        sets = [(name, cases[: cfg.limit]) for name, cases in sets]
    need(any(cases for _, cases in sets), "no cases to evaluate")
    tuned_info = next((run_info(m) for m in cfg.model if run_info(m)), {})
    data_format = next((c.get("format") for _, cases in sets for c in cases if c.get("format")), None)
    prompt_format = cfg.prompt_format or tuned_info.get("prompt_format") or data_format or "zeta"
    print(
        f"sets: {', '.join(f'{name} ({len(cases)} cases)' for name, cases in sets)}; "
        f"models: {', '.join(label for label, _ in models)}; prompt format {prompt_format}"
    )
    if cfg.dry_run:
        summary("eval", f"dry run: nothing predicted ({clock})")
        return 0
    table, results = [], {}
    for label, folder in models:
        src = existing(folder, f"model {label}")
        model_dir = save_merged(src, cfg.out / "merged" / label.replace("/", "_")) if is_adapter(src) else src
        for set_name, cases in sets:
            preds = predictions(model_dir, label, set_name, cases, cfg, prompt_format)
            per_case = [evaluate_case(c, preds[c["id"]]["edits"], preds[c["id"]]["reversal"]) for c in cases]
            results.setdefault(set_name, {})[label] = summarise(per_case)
    for set_name, _ in sets:
        table += [(set_name, label, results[set_name][label]) for label, _ in models]
    print(format_table(table))
    cfg.out.mkdir(parents=True, exist_ok=True)
    (cfg.out / "results.json").write_text(
        json.dumps({"prompt_format": prompt_format, "results": results}, indent=2), encoding="utf-8"
    )
    first = sets[0][0]
    trend = " -> ".join(f"{results[first][label]['exact_match']:.3f}" for label, _ in models)
    summary(
        "eval",
        f"exact match on {first} ({len(sets[0][1])} cases): {trend} "
        f"({', '.join(label for label, _ in models)}); results in {cfg.out / 'results.json'} ({clock})",
    )
    return 0
