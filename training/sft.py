"""nxedit train sft: supervised fine-tuning on the dataset, with LoRA or SeleKT.

    nxedit train sft --data runs/data --base ~/models/Qwen2.5-Coder-7B --method selekt --out runs/sft
    accelerate launch --config_file training/accelerate/deepspeed_zero3.yaml \\
        -m nxedit.editor.cli train sft --method selekt ...

* ``--method lora`` (default): low-rank adapters on every linear layer (peft); lr 2e-4.
* ``--method selekt``: full fine-tuning; every ``--selekt-every`` updates each weight
  tensor keeps only the ``--selekt-alpha`` share of its largest changes from the base and
  the rest is reset (Instinct: alpha 0.05 every 25 steps, lr 2e-5, 5 epochs, cosine,
  weight decay 0.05 -- the defaults here).

The loss is on the completion only (the prompt's tokens are masked), tokenized exactly as
the editor's transformers backend tokenizes a request. transformers' Trainer does the
rest: a progress bar and the loss every ``--logging-steps`` updates, checkpoints in
``--out`` every ``--save-steps`` (an interrupted run continues from the last one), and
``accelerate launch`` (several GPUs, DeepSpeed) with no change here. The model is saved
to ``--out/final`` (for LoRA the adapter: ``nxedit train export`` merges it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .cli import need
from .hf import (
    PadCollator,
    TrainingRun,
    dataset_format,
    last_checkpoint,
    load_model,
    load_tokenizer,
    loss_trend,
    read_rows,
    save_final,
    sft_features,
    trainer_arguments,
    updates_per_epoch,
    with_lora,
)
from .progress import Stopwatch, say, summary

DEFAULT_LR = {"lora": 2e-4, "selekt": 2e-5}


@dataclass
class Config(TrainingRun):
    out: Path = field(
        default=Path("runs/sft"),
        metadata={"help": "folder for checkpoints and the final model", "metavar": "DIR"},
    )
    method: str = field(
        default="lora",
        metadata={"help": "lora (adapters) or selekt (sparse full fine-tune)", "choices": ["lora", "selekt"]},
    )
    selekt_alpha: float = field(
        default=0.05, metadata={"help": "SeleKT: share of each tensor's changes kept"}
    )
    selekt_every: int = field(default=25, metadata={"help": "SeleKT: updates between sparsifications"})


def plan(cfg: Config, train: list[dict], validation: list[dict]) -> str:
    tokens = sorted(r["prompt_tokens"] + r["completion_tokens"] for r in train)
    longest = tokens[-1] if tokens else 0
    per_epoch = updates_per_epoch(len(train), cfg)
    total = cfg.max_steps if cfg.max_steps > 0 else int(per_epoch * cfg.epochs)
    lr = cfg.lr or DEFAULT_LR[cfg.method]
    extra = (
        f", SeleKT alpha {cfg.selekt_alpha} every {cfg.selekt_every} updates"
        if cfg.method == "selekt"
        else f", LoRA r {cfg.lora_r} alpha {cfg.lora_alpha}"
    )
    return (
        f"{cfg.method} on {cfg.base}: {len(train)} training / {len(validation)} validation examples "
        f"(prompt+completion up to ~{longest} tokens as counted by the dataset), "
        f"{per_epoch} updates an epoch "
        f"(batch {cfg.batch_size} x accumulation {cfg.grad_accum} per device), {total} updates, lr {lr} "
        f"{cfg.schedule}, weight decay {cfg.weight_decay}{extra} -> {cfg.out / 'final'}"
    )


def run(cfg: Config) -> int:
    clock = Stopwatch()
    if Path(cfg.base).is_dir():
        cfg.base = str(Path(cfg.base).resolve())  # recorded in the final folder: export and eval find it
    train_rows = read_rows(cfg.data, "train.jsonl")
    val_path = Path(cfg.data) / "validation.jsonl"
    val_rows = read_rows(cfg.data, "validation.jsonl") if val_path.is_file() else []
    need(bool(train_rows), f"{cfg.data}/train.jsonl has no examples")
    prompt_format = dataset_format(train_rows)
    say(plan(cfg, train_rows, val_rows))
    if cfg.dry_run:
        say(
            "several GPUs: accelerate launch --config_file training/accelerate/multi_gpu.yaml "
            "-m nxedit.editor.cli train sft ..."
        )
        summary("sft", f"dry run: nothing trained ({clock})")
        return 0

    from transformers import Trainer, TrainingArguments

    tokenizer = load_tokenizer(cfg.base)
    train, skipped = sft_features(tokenizer, train_rows, cfg.max_length)
    validation, _ = sft_features(tokenizer, val_rows, cfg.max_length)
    need(bool(train), f"every training example is longer than --max-length {cfg.max_length}")
    if skipped:
        say(f"skipped {skipped} examples longer than {cfg.max_length} tokens")
    model = load_model(cfg.base)
    callbacks = []
    if cfg.method == "lora":
        model = with_lora(model, cfg)
    else:
        from .selekt import BaseWeights, selekt_callback

        base = BaseWeights(cfg.base)
        callbacks.append(selekt_callback(base, cfg.selekt_alpha, cfg.selekt_every))
    args = TrainingArguments(**trainer_arguments(cfg, cfg.lr or DEFAULT_LR[cfg.method], bool(validation)))
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=train,
        eval_dataset=validation or None,
        data_collator=PadCollator(tokenizer.pad_token_id),
        callbacks=callbacks,
    )
    resume = last_checkpoint(cfg)
    if resume:
        say(f"resuming from {resume}")
    trainer.train(resume_from_checkpoint=resume)
    if cfg.method == "selekt":
        from .selekt import apply_selekt

        apply_selekt(
            trainer.model, base, cfg.selekt_alpha
        )  # the last updates since the previous sparsification
    if validation:
        trainer.evaluate()  # the summary's eval loss is the final model's
    final = cfg.out / "final"
    save_final(
        trainer,
        tokenizer,
        final,
        {
            "step": "sft",
            "method": cfg.method,
            "base": cfg.base,
            "prompt_format": prompt_format,
            "adapter": cfg.method == "lora",
        },
    )
    summary(
        "sft",
        f"{cfg.method}, {trainer.state.global_step} updates, {loss_trend(trainer)} -> {final} ({clock})",
    )
    return 0
