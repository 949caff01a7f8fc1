"""End to end on the CPU: edits recorded in the history store -> nxedit train dataset -> sft
(LoRA on a tiny model) -> eval (exact match rises over the untrained model) -> export ->
the editor's own pipeline (ModelPredictor, transformers backend) predicts a trained edit.
The model is built from a config in the test and learns the recorded edits by heart, so
exact match is measured on the training split: the point is that every stage hands the
next one what it needs, not that a 2-layer model generalizes."""

import json

import pytest

from requires import train_extra

torch = train_extra("torch")
train_extra("peft")

from nxedit.model.predict.model_config import ModelConfig  # noqa: E402
from nxedit.model.predict.model_predictor import ModelPredictor  # noqa: E402
from nxedit.model.predict.request import parse_request  # noqa: E402
from nxedit.model.history.store import HistoryStore  # noqa: E402
from nxedit.training.cli import main as train  # noqa: E402
from nxedit.training.examples import read_jsonl  # noqa: E402
from nxedit.training.metrics import find_bench  # noqa: E402
from recorded_history import record  # noqa: E402
from tiny_models import make_model  # noqa: E402

MODULES = {
    "shapes.py": ("area", "w", "width"),
    "money.py": ("total", "p", "price"),
    "files.py": ("load", "f", "folder"),
    "users.py": ("greet", "n", "name"),
}


def session(func: str, old: str, new: str) -> tuple[str, list[tuple[str, str]]]:
    """A small module, and the user renaming a parameter: the signature first, then its use."""
    text = f"def {func}({old}, k):\n    return {old} * k\n\n\ndef other(a):\n    return a\n"
    steps = [
        (f"def {func}({old}, k):\n", f"def {func}({new}, k):\n"),
        (f"    return {old} * k\n", f"    return {new} * k\n"),
    ]
    return text, steps


def test_history_to_a_trained_model_the_editor_uses(tmp_path, capsys):
    torch.set_num_threads(2)
    project = tmp_path / "proj"
    (project / ".git").mkdir(parents=True)
    store = HistoryStore()
    t = 1000.0
    for name, (func, old, new) in MODULES.items():
        text, steps = session(func, old, new)
        _, t = record(store, project / name, text, steps, t)
    assert store.close()

    data = tmp_path / "data"
    assert train(["dataset", "--history", "--out", str(data), "--val-fraction", "0.25"]) == 0
    rows = list(read_jsonl(data / "train.jsonl"))
    validation = list(read_jsonl(data / "validation.jsonl"))
    assert len(rows) == 3 and len(validation) == 1  # one example per module: the use after the signature

    base = tmp_path / "base"
    # embeddings large enough that adapters alone can make the (tied, frozen) output layer confident
    make_model(
        base, [r["prompt"] + r["completion"] for r in rows + validation] * 2, vocab_size=500, init_range=0.3
    )
    run = tmp_path / "sft"
    assert (
        train(
            [
                "sft",
                "--data",
                str(data),
                "--base",
                str(base),
                "--out",
                str(run),
                "--method",
                "lora",
                "--lr",
                "5e-3",
                "--max-steps",
                "200",
                "--batch-size",
                "1",
                "--grad-accum",
                "1",
                "--warmup",
                "0",
                "--schedule",
                "constant_with_warmup",
                "--logging-steps",
                "40",
                "--save-steps",
                "1000",
                # learnt by heart on purpose (see the docstring): no early stop, the rank this was tuned with
                "--early-stop",
                "0",
                "--lora-r",
                "16",
            ]
        )
        == 0
    )

    evaluation = tmp_path / "eval"
    bench = find_bench()  # the dev cases too, when shared/bench is beside this checkout (a few: CPU)
    assert (
        train(
            [
                "eval",
                "--base",
                str(base),
                "--model",
                str(run / "final"),
                "--data",
                str(data),
                "--split",
                "train",
                "--bench",
                str(bench or "none"),
                "--limit",
                "3",
                "--max-tokens",
                "48",
                "--out",
                str(evaluation),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    everything = json.loads((evaluation / "results.json").read_text())["results"]
    results = everything["train"]
    if bench is not None:
        assert set(everything["dev"]) == {"base", "sft/final"} and everything["dev"]["base"]["cases"] == 3
    assert results["base"]["exact_match"] == 0.0
    assert results["sft/final"]["exact_match"] == 1.0 and results["sft/final"]["reversal_rate"] == 0.0
    assert results["sft/final"]["kept_rate"] == 1.0 and results["sft/final"]["ks_saved"] > 0
    table = printed[printed.index("set ") :].splitlines()
    assert table[2].startswith("train       base") and table[3].startswith("train       sft/final")

    exported = tmp_path / "export"
    assert train(["export", "--model", str(run / "final"), "--out", str(exported), "--dry-run"]) == 0
    plan = capsys.readouterr().out
    assert f"-m exllamav2.conversion.convert_exl2 -i {exported / 'hf'} -o {exported / 'exl2-work'}" in plan
    assert not exported.exists()
    assert train(["export", "--model", str(run / "final"), "--out", str(exported), "--no-quantize"]) == 0
    snippet = (exported / "model.toml").read_text()
    assert 'backend = "transformers"' in snippet and 'prompt_format = "zeta"' in snippet
    predictor = ModelPredictor(
        # min_confidence 0: the trained model's edits themselves (the acceptance model is tested on its own)
        ModelConfig(backend="transformers", model=str(exported / "hf"), prompt_format="zeta", min_confidence=0.0)
    )
    for row in rows:
        suggestion = predictor.predict(parse_request({"id": row["id"], **row["request"]}))
        assert suggestion is not None, predictor.last_rejection
        assert [e.to_dict() for e in suggestion.edits] == row["expected"][:1]
        assert suggestion.source == "model:transformers"

    assert (
        train(["export", "--model", str(run / "final"), "--out", str(exported)]) == 1
    )  # no GPU, no exllamav2
    message = capsys.readouterr().err.strip().splitlines()[-1]
    assert message.startswith("nxedit train export: cannot quantize to EXL2 here: ")
    assert message.endswith(f"the Hugging Face folder is {exported / 'hf'}")
