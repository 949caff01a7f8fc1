"""nxedit train sft on a tiny model: a LoRA step and a SeleKT step lower the loss on the
completion; after SeleKT at most alpha of each weight tensor differs from the base; an
interrupted run resumes from its checkpoint."""

import json
import math

import pytest

from requires import train_extra

torch = train_extra("torch")
train_extra("peft")

from nxedit.training import hf, sft  # noqa: E402
from nxedit.training.examples import write_jsonl  # noqa: E402
from nxedit.training.hf import changed_weights  # noqa: E402
from tiny_models import QUICK_RUN, make_model  # noqa: E402

PAIRS = [
    (
        "<|editable_region_start|>\ndef area(w, h):\n    return w * h\n",
        "def area(width, h):\n    return width * h",
    ),
    (
        "<|editable_region_start|>\ndef scale(v, k):\n    return v * k\n",
        "def scale(value, k):\n    return value * k",
    ),
    ("<|editable_region_start|>\nfor i in items:\n    print(i)\n", "for item in items:\n    print(item)"),
    ("<|editable_region_start|>\nx = load(p)\nreturn x\n", "data = load(p)\nreturn data"),
]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    torch.set_num_threads(2)
    root = tmp_path_factory.mktemp("sft")
    base = root / "base"
    make_model(base, [p + c for p, c in PAIRS] * 3)
    rows = [
        {
            "prompt": p,
            "completion": c,
            "messages": None,
            "format": "zeta",
            "prompt_tokens": len(p) // 3,
            "completion_tokens": len(c) // 3,
        }
        for p, c in PAIRS
    ]
    write_jsonl(root / "data" / "train.jsonl", rows)
    return root, base, rows


def config(root, base, name, **kw):
    return sft.Config(**{"data": root / "data", "base": str(base), "out": root / name, **QUICK_RUN, **kw})


def test_a_lora_run_lowers_the_loss_and_resumes_from_its_checkpoint(setup, capsys):
    root, base, rows = setup
    first = config(root, base, "lora", method="lora", lr=1e-2, max_steps=2, save_steps=2)
    assert sft.run(first) == 0
    assert (root / "lora" / "checkpoint-2").is_dir()
    again = config(root, base, "lora", method="lora", lr=1e-2, max_steps=6, save_steps=2)
    assert sft.run(again) == 0
    out = capsys.readouterr().out
    assert "resuming from" in out and "checkpoint-2" in out
    assert out.strip().splitlines()[-1].startswith("sft: lora, 6 updates, loss ")
    final = root / "lora" / "final"
    assert hf.is_adapter(final) and json.loads((final / "nxedit.json").read_text())["prompt_format"] == "zeta"
    assert hf.completion_loss(final, rows) < hf.completion_loss(base, rows) - 0.1


def test_selekt_lowers_the_loss_and_keeps_at_most_alpha_of_the_changes(setup):
    root, base, rows = setup
    alpha = 0.05
    cfg = config(
        root, base, "selekt", method="selekt", lr=2e-2, max_steps=6, selekt_alpha=alpha, selekt_every=3
    )
    assert sft.run(cfg) == 0
    final = root / "selekt" / "final"
    assert not hf.is_adapter(final)
    assert hf.completion_loss(final, rows) < hf.completion_loss(base, rows) - 0.1
    changed_total = total = 0
    for name, changed, n in changed_weights(base, final):
        assert changed <= math.floor(alpha * n), name  # the top alpha of |delta| per tensor, no more
        changed_total += changed
        total += n
    assert 0 < changed_total <= alpha * total


def test_a_dry_run_prints_the_plan_and_trains_nothing(setup, capsys):
    root, base, _ = setup
    assert sft.run(config(root, base, "dry", method="selekt", dry_run=True)) == 0
    out = capsys.readouterr().out
    assert "selekt on" in out and "SeleKT alpha 0.05 every 25 updates" in out and "lr 2e-05" in out
    assert not (root / "dry").exists()


def cpu_4bit() -> str | None:
    from test_memory import cpu_4bit as probe

    return probe()


def test_qlora_trains_adapters_on_a_4bit_base_and_resumes(setup, capsys):
    if why := cpu_4bit():
        pytest.skip(why)
    root, base, rows = setup
    first = config(root, base, "qlora", method="qlora", lr=1e-2, max_steps=2, save_steps=2,
                   gradient_checkpointing=True)
    assert sft.run(first) == 0
    assert (root / "qlora" / "checkpoint-2").is_dir()
    seen = {}
    original = sft.with_lora

    def spy(model, cfg):
        seen["model"] = model
        return original(model, cfg)

    sft.with_lora = spy
    try:
        again = config(root, base, "qlora", method="qlora", lr=1e-2, max_steps=8, save_steps=2,
                       gradient_checkpointing=True)
        assert sft.run(again) == 0
    finally:
        sft.with_lora = original
    out = capsys.readouterr().out
    assert "resuming from" in out and "checkpoint-2" in out
    assert "on a 4-bit NF4 base" in out and "qlora needs ~" in out
    import bitsandbytes as bnb

    linear = seen["model"].model.layers[0].mlp.up_proj.base_layer  # under its adapter
    assert isinstance(linear, bnb.nn.Linear4bit)
    state = linear.weight.quant_state
    assert state.quant_type == "nf4" and state.nested  # double quantization: the scales are quantized too
    assert linear.compute_dtype == torch.bfloat16
    state = json.loads((root / "qlora" / "checkpoint-8" / "trainer_state.json").read_text())
    assert state["global_step"] == 8
    args = torch.load(root / "qlora" / "checkpoint-8" / "training_args.bin", weights_only=False)
    assert args.optim == "paged_adamw_32bit" and args.gradient_checkpointing
    final = root / "qlora" / "final"
    info = json.loads((final / "nxedit.json").read_text())
    assert hf.is_adapter(final) and info["method"] == "qlora"
    # the merged export: the adapter on the full-precision base, learning kept
    merged = hf.save_merged(final, root / "qlora-merged")
    assert json.loads((merged / "config.json").read_text()).get("quantization_config") is None
    assert hf.completion_loss(merged, rows) < hf.completion_loss(base, rows) - 0.1


def test_lora_delta_sparsified_at_export_keeps_at_most_alpha_of_each_weight(setup):
    root, base, rows = setup
    alpha = 0.05
    cfg = config(root, base, "lora-sparse", method="lora", lr=1e-2, max_steps=4, delta_alpha=alpha)
    assert sft.run(cfg) == 0
    merged = hf.save_merged(root / "lora-sparse" / "final", root / "lora-sparse-merged")
    changed = [(name, c, n) for name, c, n in changed_weights(base, merged) if c]
    assert changed and all(c <= math.floor(alpha * n) for _, c, n in changed)
    assert json.loads((merged / "nxedit.json").read_text())["delta_alpha"] == alpha


def test_early_stop_on_validation_loss_keeps_the_best_checkpoint(setup, capsys):
    root, base, rows = setup
    data = root / "data-val"
    write_jsonl(data / "train.jsonl", rows)
    unrelated = [dict(rows[0], prompt="<|editable_region_start|>\nclass Q:\n    pass\n", completion="class Queue:\n    pass")]
    write_jsonl(data / "validation.jsonl", unrelated * 2)
    cfg = sft.Config(data=data, base=str(base), out=root / "early", method="lora", lr=5e-2, epochs=20.0,
                     **{**QUICK_RUN, "save_steps": 1000}, early_stop=2)
    assert sft.run(cfg) == 0
    out = capsys.readouterr().out
    assert "early stop after 2 evaluations without a lower validation loss" in out
    last = max((root / "early").glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    state = json.loads((last / "trainer_state.json").read_text())
    assert state["global_step"] < 40  # 20 epochs of 2 updates planned; stopped when the loss rose
    evals = [h["eval_loss"] for h in state["log_history"] if "eval_loss" in h]
    assert state["best_metric"] == min(evals) and evals[-1] > min(evals)


def test_defaults_and_warnings_follow_the_amount_of_data(setup, capsys):
    root, base, rows = setup
    write_jsonl(root / "data-300" / "train.jsonl", rows * 75)
    cfg = sft.Config(data=root / "data-300", base=str(base), out=root / "dry300", method="selekt", dry_run=True)
    assert sft.run(cfg) == 0
    out = capsys.readouterr().out
    assert "defaults for 300 training examples: 8 epochs, gradient checkpointing off" in out
    assert "warning: no validation examples: early stopping is off" in out
    assert "warning: SeleKT changes every weight: 300 examples" in out
    cfg = sft.Config(data=root / "data", base=str(base), out=root / "dry4", method="lora", dry_run=True)
    assert sft.run(cfg) == 0
    out = capsys.readouterr().out
    assert "defaults for 4 training examples: 8 epochs, LoRA rank 8, alpha 16" in out
    assert "warning: only 4 training examples: too few" in out


def test_one_adapter_trains_on_a_mix_of_formats_in_bf16_where_the_cpu_has_it(setup, capsys):
    root, base, rows = setup
    mixed = [{**r, "format": f} for r, f in zip(rows * 2, ["sweep", "zeta", "sweep", "chat"] * 2)]
    write_jsonl(root / "mixed" / "train.jsonl", mixed)
    cfg = config(root, base, "mixed-run", data=root / "mixed", method="lora", max_steps=1)
    assert sft.run(cfg) == 0
    info = json.loads((root / "mixed-run" / "final" / "nxedit.json").read_text())
    assert info["prompt_formats"] == ["sweep", "zeta", "chat"] and info["prompt_format"] == "sweep"
    # a CPU that computes bf16 natively trains in mixed precision (about twice fp32's speed)
    assert hf.trainer_arguments(cfg, 1e-4, False)["bf16"] == (hf.cpu_bf16() and not torch.cuda.is_available())
    assert ("bf16 mixed precision on this CPU" in capsys.readouterr().out) == hf.cpu_bf16()
