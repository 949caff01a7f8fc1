"""nxedit train prefs: preference training from accepted and rejected suggestions (KTO, ActionRL).

    nxedit train prefs --data runs/data --base runs/sft/final --method kto --out runs/kto
    nxedit train prefs --data runs/data --base runs/sft/final --method actionrl --out runs/actionrl

Reads ``prefs.jsonl`` from the dataset folder (``nxedit train dataset`` writes it from
the outcomes in your history):

* ``--method kto``: every shown suggestion the user accepted is desirable, every one they
  rejected undesirable, and the edit the user made instead of a rejected one desirable
  too; trained with trl's ``KTOTrainer`` (the weights of the two kinds balanced by their
  counts, as the KTO paper advises). Needs ``--batch-size`` 2 or more (KTO estimates its
  KL term inside a batch).
* ``--method actionrl``: pairs of a rejected suggestion and what the user did instead;
  the loss is DPO restricted to the first action where they diverge
  (:mod:`nxedit.training.action_rl` says exactly what and why). The reference model's
  log-probabilities are computed once before training (kept in ``--out``).

``--base`` is usually the SFT result (a LoRA adapter folder is merged first). ``--tuning
lora`` trains adapters, ``--tuning full`` every weight. Progress bar, loss lines,
checkpoints and resuming as for ``nxedit train sft``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
from dataclasses import dataclass, field
from pathlib import Path

from .action_rl import action_rl_loss, token_mask
from .budget import choose, device, report, shrink_hint
from .cli import TrainError, need
from .hf import (
    TrainingRun,
    compute_bytes,
    dataset_format,
    encode,
    last_checkpoint,
    load_model,
    load_tokenizer,
    lora_config,
    loss_trend,
    prompt_string,
    read_rows,
    save_final,
    trainer_arguments,
    updates_per_epoch,
    with_lora,
)
from .memory import architecture, estimate
from .progress import Stopwatch, progress, say, summary
from .recipe import fill_defaults

DEFAULT_LR = {"lora": 5e-5, "full": 1e-6}


@dataclass
class Config(TrainingRun):
    base: str = field(
        default="runs/sft/final",
        metadata={"help": "the model to improve (usually the SFT result)", "metavar": "MODEL"},
    )
    out: Path = field(
        default=Path("runs/prefs"),
        metadata={"help": "folder for checkpoints and the final model", "metavar": "DIR"},
    )
    method: str = field(
        default="kto",
        metadata={"help": "kto (unpaired labels) or actionrl (pairs)", "choices": ["kto", "actionrl"]},
    )
    tuning: str = field(
        default="lora",
        metadata={"help": "lora (adapters) or full (every weight)", "choices": ["lora", "full"]},
    )
    beta: float = field(
        default=0.1, metadata={"help": "how far from the reference model the loss lets it go"}
    )
    epochs: float = field(default=1.0, metadata={"help": "passes over the preference data"})
    batch_size: int = field(default=4, metadata={"help": "sequences per device and step (KTO: 2 or more)"})
    grad_accum: int = field(default=2, metadata={"help": "steps whose gradients add up to one update"})


# -- KTO (trl) ------------------------------------------------------------------------


def kto_trainer(cfg: Config, model, tokenizer, rows: list[dict], lr: float):
    """trl's KTOTrainer on the labelled completions (shuffled: trl reads them in order)."""
    from datasets import Dataset
    from trl import KTOConfig, KTOTrainer

    need(cfg.batch_size >= 2, "KTO needs --batch-size 2 or more (its KL term is estimated within a batch)")
    rows = list(rows)
    random.Random(cfg.seed).shuffle(rows)
    data = Dataset.from_list(
        [
            {"prompt": prompt_string(tokenizer, r), "completion": r["completion"], "label": bool(r["label"])}
            for r in rows
        ]
    )
    good = sum(r["label"] for r in rows)
    bad = len(rows) - good
    weights = {"undesirable_weight": good / bad} if good and bad else {}
    args = KTOConfig(
        **{"gradient_checkpointing": cfg.gradient_checkpointing, **trainer_arguments(cfg, lr, False)},
        beta=cfg.beta,
        max_length=cfg.max_length,
        **weights,
    )
    peft = lora_config(cfg) if cfg.tuning == "lora" else None
    return KTOTrainer(
        model=model, args=args, train_dataset=data, processing_class=tokenizer, peft_config=peft
    )


# -- ActionRL ---------------------------------------------------------------------------


def pair_features(tokenizer, rows: list[dict], max_length: int) -> tuple[list[dict], int]:
    """Token ids of each pair's prompt and two completions (each ending in end-of-sequence),
    with the masks of their divergent actions."""
    features, skipped = [], 0
    for row in rows:
        prompt = encode(tokenizer, prompt_string(tokenizer, row))
        feature = {"prompt_ids": prompt}
        start, chosen_end, rejected_end = row["span"]
        for side, end in (("chosen", chosen_end), ("rejected", rejected_end)):
            enc = tokenizer(row[side], add_special_tokens=False, return_offsets_mapping=True)
            feature[f"{side}_ids"] = enc.input_ids + [tokenizer.eos_token_id]
            feature[f"{side}_mask"] = token_mask(enc.offset_mapping, start, end)
        if len(prompt) + max(len(feature["chosen_ids"]), len(feature["rejected_ids"])) > max_length:
            skipped += 1
            continue
        features.append(feature)
    return features, skipped


class PairCollator:
    """A batch of B pairs as 2B left-padded sequences (chosen rows, then rejected rows) whose
    completions end together: the last ``K`` positions hold every completion, right-aligned,
    and ``action_mask`` marks the divergent action's tokens among them."""

    def __init__(self, pad_id: int):
        self.pad_id = pad_id

    def __call__(self, batch: list[dict]) -> dict:
        import torch

        seqs, masks, refs = [], [], []
        for side in ("chosen", "rejected"):
            for b in batch:
                seqs.append(b["prompt_ids"] + b[f"{side}_ids"])
                masks.append(b[f"{side}_mask"])
                refs.append(b.get(f"ref_{side}", 0.0))
        width = max(map(len, seqs))
        k = max(map(len, masks))
        ids = [[self.pad_id] * (width - len(s)) + s for s in seqs]
        attention = [[0] * (width - len(s)) + [1] * len(s) for s in seqs]
        positions = [[0] * (width - len(s)) + list(range(len(s))) for s in seqs]
        action = [[0] * (k - len(m)) + m for m in masks]
        return {
            "input_ids": torch.tensor(ids),
            "attention_mask": torch.tensor(attention),
            "position_ids": torch.tensor(positions),
            "action_mask": torch.tensor(action),
            "ref": torch.tensor(refs, dtype=torch.float32),
        }


def completion_logps(model, batch: dict):
    """Per-token log-probabilities ``[2B, K]`` of the last ``K`` tokens of each sequence."""
    import torch

    k = batch["action_mask"].shape[1]
    out = model(
        input_ids=batch["input_ids"],
        attention_mask=batch["attention_mask"],
        position_ids=batch["position_ids"],
        logits_to_keep=k + 1,
        use_cache=False,
    )
    logits = out.logits[:, :-1].float()
    targets = batch["input_ids"][:, -k:]
    return torch.log_softmax(logits, -1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)


def action_sums(model, batch: dict):
    """Summed log-probabilities of each sequence's divergent action ``[2B]``."""
    logps = completion_logps(model, batch)
    return (logps * batch["action_mask"]).sum(-1)


def add_reference(model, features: list[dict], collate: PairCollator, cache: Path, batch_size: int) -> None:
    """Each feature's reference sums (``ref_chosen``, ``ref_rejected``) from the model before
    training; stored in ``cache`` so a resumed run reuses them."""
    import torch

    key = hashlib.sha256(
        json.dumps([[f["prompt_ids"], f["chosen_ids"], f["rejected_ids"]] for f in features]).encode()
    ).hexdigest()
    if cache.is_file():
        stored = json.loads(cache.read_text(encoding="utf-8"))
        if stored.get("key") == key:
            for f, (c, r) in zip(features, stored["sums"]):
                f["ref_chosen"], f["ref_rejected"] = c, r
            return
    device = next(model.parameters()).device
    model.eval()
    sums = []
    with torch.no_grad():
        batches = range(0, len(features), batch_size)
        for i in progress(batches, "reference log-probs", len(batches)):
            chunk = features[i : i + batch_size]
            batch = {k: v.to(device) for k, v in collate(chunk).items()}
            s = action_sums(model, batch).tolist()
            sums += list(zip(s[: len(chunk)], s[len(chunk) :]))
    for f, (c, r) in zip(features, sums):
        f["ref_chosen"], f["ref_rejected"] = c, r
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({"key": key, "sums": sums}), encoding="utf-8")


def action_rl_trainer(cfg: Config, model, tokenizer, rows: list[dict], lr: float):
    """A Trainer whose loss is :func:`~nxedit.training.action_rl.action_rl_loss`."""
    from transformers import Trainer, TrainingArguments

    features, skipped = pair_features(tokenizer, rows, cfg.max_length)
    need(bool(features), f"every preference pair is longer than --max-length {cfg.max_length}")
    if skipped:
        say(f"skipped {skipped} pairs longer than {cfg.max_length} tokens")
    collate = PairCollator(tokenizer.pad_token_id)
    add_reference(model, features, collate, cfg.out / "reference_logps.json", cfg.batch_size)
    if cfg.tuning == "lora":
        model = with_lora(model, cfg)
    beta = cfg.beta

    class ActionRLTrainer(Trainer):
        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            logps = completion_logps(model, inputs)
            mask, ref = inputs["action_mask"], inputs["ref"]
            b = len(ref) // 2
            loss, margins = action_rl_loss(logps[:b], logps[b:], mask[:b], mask[b:], ref[:b], ref[b:], beta)
            return (loss, {"margins": margins}) if return_outputs else loss

    args = TrainingArguments(**trainer_arguments(cfg, lr, False))
    return ActionRLTrainer(model=model, args=args, train_dataset=features, data_collator=collate)


# ---------------------------------------------------------------------------------------


def longest_row(cfg: Config, rows: list[dict], tokenizer) -> int:
    """Tokens of the longest prompt + completion (``--max-length`` without a tokenizer)."""
    if tokenizer is None:
        return cfg.max_length
    sides = ("completion",) if cfg.method == "kto" else ("chosen", "rejected")
    longest = max(
        len(encode(tokenizer, prompt_string(tokenizer, r))) + max(len(encode(tokenizer, r[s])) for s in sides) + 1
        for r in rows
    )
    return min(longest, cfg.max_length)


def memory_check(cfg: Config, arch, seq_len: int) -> None:
    """Print what each kind of tuning needs and stop (one line) when the chosen one does not
    fit. Each step holds two sequences per example (KTO: the completion and a mismatched one
    for its KL term; ActionRL: chosen and rejected); KTO tuning every weight keeps a frozen
    copy of the model as its reference."""
    from dataclasses import replace

    options = dict(
        seq_len=seq_len,
        batch=2 * cfg.batch_size,
        lora_r=cfg.lora_r or 16,
        lora_dropout=cfg.lora_dropout,
        checkpointing=bool(cfg.gradient_checkpointing),
        compute_bytes=2 if cfg.memory is not None else compute_bytes(),  # --memory plans for a bf16 GPU
    )
    full = estimate(arch, "selekt", **options)
    if cfg.method == "kto":
        full = replace(full, weights=2 * full.weights)
    estimates = {"lora": estimate(arch, "lora", **options), "full": replace(full, method="full")}
    dev = device(cfg.memory)
    for line in report(estimates, dev, arch, options):
        say(line)
    if cfg.deepspeed or int(os.environ.get("WORLD_SIZE", "1")) > 1:
        return

    def hint(name: str) -> str:
        return shrink_hint(arch, "selekt" if name == "full" else "lora", dev, **options)

    _, reason = choose(
        cfg.tuning, estimates, dev, arch.name, {}, hint, alternatives=("lora",), flag="--tuning",
        labels={"full": "full tuning"},
    )
    say(reason)


def run(cfg: Config) -> int:
    clock = Stopwatch()
    if Path(cfg.base).is_dir():
        cfg.base = str(Path(cfg.base).resolve())
    rows = read_rows(cfg.data, "prefs.jsonl")
    kind = "kto" if cfg.method == "kto" else "pair"
    chosen = [r for r in rows if r["kind"] == kind]
    need(
        bool(chosen),
        f"{cfg.data}/prefs.jsonl has no {'KTO rows' if kind == 'kto' else 'ActionRL pairs'}: "
        "the history needs shown suggestions that were accepted or rejected",
    )
    lr = cfg.lr or DEFAULT_LR[cfg.tuning]
    arch = architecture(cfg.base)
    chosen_defaults = fill_defaults(cfg, len(chosen), "selekt" if cfg.tuning == "full" else "lora", arch.params)
    if chosen_defaults:
        say(chosen_defaults)
    tokenizer = None if cfg.dry_run else load_tokenizer(cfg.base)
    if cfg.dry_run and Path(cfg.base).is_dir():
        with contextlib.suppress(TrainError):
            tokenizer = load_tokenizer(cfg.base)
    memory_check(cfg, arch, longest_row(cfg, chosen, tokenizer))
    what = (
        f"{sum(r['label'] for r in chosen)} desirable / {sum(not r['label'] for r in chosen)} undesirable"
        if kind == "kto"
        else "pairs"
    )
    say(
        f"{cfg.method} ({cfg.tuning}) on {cfg.base}: {len(chosen)} rows ({what}), "
        f"{updates_per_epoch(len(chosen), cfg)} updates an epoch, lr {lr}, beta {cfg.beta} "
        f"-> {cfg.out / 'final'}"
    )
    if cfg.dry_run:
        summary("prefs", f"dry run: nothing trained ({clock})")
        return 0
    model = load_model(cfg.base)
    build = kto_trainer if cfg.method == "kto" else action_rl_trainer
    trainer = build(cfg, model, tokenizer, chosen, lr)
    resume = last_checkpoint(cfg)
    if resume:
        say(f"resuming from {resume}")
    trainer.train(resume_from_checkpoint=resume)
    final = cfg.out / "final"
    save_final(
        trainer,
        tokenizer,
        final,
        {
            "step": "prefs",
            "method": cfg.method,
            "base": cfg.base,
            "prompt_format": dataset_format(rows),
            "adapter": cfg.tuning == "lora",
        },
    )
    summary(
        "prefs",
        f"{cfg.method} ({cfg.tuning}), {trainer.state.global_step} updates, {loss_trend(trainer)} "
        f"-> {final} ({clock})",
    )
    return 0
