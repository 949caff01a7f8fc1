"""Preference training: ActionRL's loss on hand-built log-probabilities (zero gradient
before and after the divergent action), its action spans and token masks, and one
training step each of ActionRL and KTO (trl) on a tiny model."""

import math

import pytest

from requires import train_extra

torch = train_extra("torch")
train_extra("trl")

from nxedit.training import prefs  # noqa: E402
from nxedit.training.action_rl import action_rl_loss, first_divergent_action, token_mask  # noqa: E402
from tiny_models import QUICK_RUN, make_model  # noqa: E402

REGION = "def area(w, h):\n    return w * h"
CHOSEN = "def area(width, h):\n    return width * h"
REJECTED = "def area(width, h):\n    return w * height"


def test_actionrl_loss_is_dpo_on_the_divergent_action_only():
    chosen = torch.tensor([[-0.1, -0.2, -1.5, -0.7, -3.0, -0.4]], requires_grad=True)
    rejected = torch.tensor([[-0.1, -0.2, -0.9, -2.0, -0.3, -0.6]], requires_grad=True)
    chosen_mask = torch.tensor([[0, 0, 1, 1, 0, 0]])  # the action: tokens 2-3; 0-1 shared, 4-5 after it
    rejected_mask = torch.tensor([[0, 0, 1, 0, 0, 0]])
    ref_chosen, ref_rejected = torch.tensor([-2.5]), torch.tensor([-1.6])
    beta = 0.5
    loss, margins = action_rl_loss(
        chosen, rejected, chosen_mask, rejected_mask, ref_chosen, ref_rejected, beta
    )
    margin = beta * ((-1.5 - 0.7 - (-2.5)) - (-0.9 - (-1.6)))
    assert margins.item() == pytest.approx(margin, abs=1e-6) and margin != 0
    assert loss.item() == pytest.approx(-math.log(1 / (1 + math.exp(-margin))), abs=1e-6)
    loss.backward()
    weight = beta / (1 + math.exp(margin))  # -d loss / d margin, times beta
    assert chosen.grad.tolist()[0] == pytest.approx([0, 0, -weight, -weight, 0, 0], abs=1e-6)
    assert rejected.grad.tolist()[0] == pytest.approx([0, 0, weight, 0, 0, 0], abs=1e-6)


def test_the_divergent_action_starts_where_the_rewrites_part_and_ends_with_the_hunk():
    div = first_divergent_action(REGION, CHOSEN, REJECTED)
    assert CHOSEN[: div.start] == REJECTED[: div.start] == "def area(width, h):\n    return w"
    assert (
        CHOSEN[div.start : div.chosen_end] == "idth * h"
        and REJECTED[div.start : div.rejected_end] == " * height"
    )
    # declining to act: the rejected rewrite copies the line the chosen one changes
    div = first_divergent_action(REGION, CHOSEN, "def area(width, h):\n    return w * h")
    assert CHOSEN[div.start : div.chosen_end] == "idth * h"
    assert first_divergent_action(REGION, CHOSEN, CHOSEN) is None


def test_token_masks_cover_the_span_and_an_empty_span_marks_where_it_would_start():
    offsets = [(0, 3), (3, 4), (4, 9), (9, 12)]
    assert token_mask(offsets, 3, 5) == [0, 1, 1, 0, 0]
    assert token_mask(offsets, 5, 5) == [0, 0, 1, 0, 0]
    assert token_mask(offsets, 12, 12) == [0, 0, 0, 0, 1]  # at the end: the end-of-sequence token


def pair_row(chosen_region, rejected_region):
    div = first_divergent_action(REGION, chosen_region, rejected_region)
    tail = "\n<|editable_region_end|>\n```"
    return {
        "kind": "pair",
        "prompt": f"### User Excerpt:\n{REGION}\n### Response:\n",
        "messages": None,
        "chosen": chosen_region + tail,
        "rejected": rejected_region + tail,
        "span": [div.start, div.chosen_end, div.rejected_end],
        "format": "zeta",
    }


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    torch.set_num_threads(2)
    folder = tmp_path_factory.mktemp("prefs-base")
    rows = [pair_row(CHOSEN, REJECTED), pair_row(CHOSEN, "def area(w, height):\n    return w * height")]
    make_model(folder, [r["prompt"] + r["chosen"] + r["rejected"] for r in rows] * 3)
    return folder, rows


def test_pair_features_mask_exactly_the_tokens_of_each_action(tiny):
    folder, rows = tiny
    from nxedit.training.hf import load_tokenizer

    tok = load_tokenizer(str(folder))
    (feature,), _ = prefs.pair_features(tok, rows[:1], 4096)
    for side, end in (("chosen", rows[0]["span"][1]), ("rejected", rows[0]["span"][2])):
        start = rows[0]["span"][0]
        ids = [t for t, m in zip(feature[f"{side}_ids"], feature[f"{side}_mask"]) if m]
        text = tok.decode(ids)
        assert rows[0][side][start:end] in text and len(text) < len(rows[0][side][start:end]) + 8


def run_config(tmp_path, base, method, **kw):
    return prefs.Config(data=tmp_path, base=str(base), out=tmp_path / method, method=method, tuning="full",
                        max_steps=1, **QUICK_RUN, **kw)


def test_one_actionrl_step_raises_the_chosen_action_over_the_rejected_one(tiny, tmp_path):
    folder, rows = tiny
    from nxedit.training.hf import load_model, load_tokenizer

    tok, model = load_tokenizer(str(folder)), load_model(str(folder))
    trainer = prefs.action_rl_trainer(run_config(tmp_path, folder, "actionrl"), model, tok, rows, lr=5e-3)
    batch = trainer.data_collator(trainer.train_dataset)
    assert batch["ref"].abs().sum() > 0  # the reference sums were filled in before training
    with torch.no_grad():
        before = trainer.compute_loss(trainer.model, batch).item()
    assert before == pytest.approx(math.log(2), abs=1e-4)  # policy == reference: margin 0
    trainer.train()
    with torch.no_grad():
        after = trainer.compute_loss(trainer.model, batch).item()
    assert after < before - 0.01


def sequence_logp(model, prompt_ids, completion_ids) -> float:
    ids = torch.tensor([prompt_ids + completion_ids])
    with torch.no_grad():
        logits = model(input_ids=ids).logits[0, len(prompt_ids) - 1 : -1].float()
    return torch.log_softmax(logits, -1).gather(-1, torch.tensor(completion_ids)[:, None]).sum().item()


def test_one_kto_step_matches_the_kto_formula_and_lowers_the_loss(tiny, tmp_path, monkeypatch):
    folder, rows = tiny
    from nxedit.training import hf
    from nxedit.training.hf import load_model, load_tokenizer

    # the formula is checked in fp32: on a CPU with AVX512-BF16/AMX the trainer computes in
    # bf16 (hf.cpu_bf16), and the policy's rounded log-probs no longer equal the reference's
    monkeypatch.setattr(hf, "cpu_bf16", lambda: False)

    tok, model = load_tokenizer(str(folder)), load_model(str(folder))
    kto_rows = [
        {"prompt": rows[0]["prompt"], "messages": None, "completion": rows[0]["chosen"], "label": True},
        {"prompt": rows[0]["prompt"], "messages": None, "completion": rows[0]["rejected"], "label": False},
    ]
    cfg = run_config(tmp_path, folder, "kto", beta=0.5)
    trainer = prefs.kto_trainer(cfg, model, tok, kto_rows, lr=5e-3)
    batch = next(iter(trainer.get_train_dataloader()))
    with torch.no_grad():
        before = trainer.compute_loss(trainer.model, batch).item()
    assert before == pytest.approx(0.5, abs=1e-4)  # policy == reference: 1 - sigmoid(0) for every row
    trainer.train()
    data = trainer.train_dataset
    logratio, kl = {}, []
    for i in range(len(data)):
        p, c, k = data[i]["prompt_ids"], data[i]["completion_ids"], data[i]["KL_completion_ids"]
        logratio[data[i]["label"]] = sequence_logp(trainer.model, p, c) - sequence_logp(
            trainer.ref_model, p, c
        )
        kl.append(sequence_logp(trainer.model, p, k) - sequence_logp(trainer.ref_model, p, k))
    z = max(0.0, sum(kl) / len(kl))
    sigmoid = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    expected = ((1 - sigmoid(0.5 * (logratio[True] - z))) + (1 - sigmoid(0.5 * (z - logratio[False])))) / 2
    batch = next(iter(trainer.get_train_dataloader()))
    with torch.no_grad():
        after = trainer.compute_loss(trainer.model, batch).item()
    assert after == pytest.approx(expected, abs=1e-4)
    assert after < before
