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
from nxedit.training.selekt import changed_weights  # noqa: E402
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
