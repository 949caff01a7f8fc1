"""nxedit train sft: supervised fine-tuning on the dataset: LoRA, QLoRA or SeleKT.

    nxedit train sft --data runs/data --base ~/models/Qwen2.5-Coder-7B --out runs/sft --dry-run
    nxedit train sft --data runs/data --base ~/models/Qwen2.5-Coder-7B --out runs/sft
    accelerate launch --config_file training/accelerate/deepspeed_zero3.yaml \\
        -m nxedit.editor.cli train sft --method selekt ...

* ``--method auto`` (default): the memory check below picks ``lora`` where it fits, else
  ``qlora``.
* ``--method lora``: low-rank adapters on every linear layer (peft) of the base in
  bf16; lr 2e-4. The adapter is merged into the base at export.
* ``--method qlora``: the same adapters on the base held in 4 bits (bitsandbytes NF4,
  double quantization, bf16 compute, paged AdamW; :mod:`nxedit.training.qlora`): a 7B
  base in about a third of LoRA's memory. At export the adapter is merged into the
  full-precision base (the 4-bit copy was only for training), then quantized to EXL2.
* ``--method selekt``: full fine-tuning; every ``--selekt-every`` updates each weight
  tensor keeps only the ``--selekt-alpha`` share of its largest changes from the base and
  the rest is reset (Instinct: alpha 0.05 every 25 steps, lr 2e-5, cosine, weight decay
  0.05). It needs the memory of a full fine-tune (at 7B, far beyond one consumer GPU).
* ``--delta-alpha A`` (LoRA, QLoRA): SeleKT's rule applied once, to the merged adapter:
  at export each weight keeps only the share A of its largest changes. Default 0: the
  whole low-rank change is kept. The plan line says which you get.

**Memory check.** Before loading anything (and with ``--dry-run``) the command prints
what each method needs for this base, the longest example and the batch (weights,
gradients, optimizer state, activations; :mod:`nxedit.training.memory`) and the GPU's
free memory, then trains with the method that fits or stops with one line saying what
would (``--memory GIB`` plans for another amount; under DeepSpeed, which shards the
state over GPUs, the check only prints).

**Small data.** Epochs, LoRA rank and gradient checkpointing left unset are chosen for
the number of examples and the base's size and printed; with a validation split the run
evaluates every half epoch at most and stops after ``--early-stop`` evaluations without a
lower validation loss, keeping the best checkpoint. Too little data, no validation split
or SeleKT on a few hundred examples are said before the run starts.

The loss is on the completion only (the prompt's tokens are masked), tokenized exactly as
the editor's transformers backend tokenizes a request. transformers' Trainer does the
rest: a progress bar and the loss every ``--logging-steps`` updates, checkpoints in
``--out`` (an interrupted run continues from the last one; so does a finished one given a
higher ``--max-steps``, its schedule stretched to the new end: with other ``--data`` the
Trainer skips as many rows of the new order as the checkpoint had seen), and ``accelerate launch``
(several GPUs, DeepSpeed) with no change here. The model is saved to ``--out/final``
(for LoRA and QLoRA the adapter: ``nxedit train export`` merges it).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from .budget import choose, device, report, shrink_hint
from .cli import TrainError, need
from .hf import (
    PadCollator,
    TrainingRun,
    completion_trainer,
    compute_bytes,
    dataset_formats,
    early_stopping,
    is_adapter,
    last_checkpoint,
    load_model,
    load_tokenizer,
    loss_trend,
    precision,
    read_rows,
    save_final,
    sft_features,
    trainer_arguments,
    updates_per_epoch,
    with_lora,
)
from .memory import METHODS, architecture, estimate
from .progress import Stopwatch, say, summary
from .recipe import data_warnings, fill_defaults

DEFAULT_LR = {"lora": 2e-4, "qlora": 2e-4, "selekt": 2e-5}


@dataclass
class Config(TrainingRun):
    out: Path = field(
        default=Path("runs/sft"),
        metadata={"help": "folder for checkpoints and the final model", "metavar": "DIR"},
    )
    method: str = field(
        default="auto",
        metadata={
            "help": "auto (lora if it fits, else qlora), lora (adapters), qlora (adapters on a "
            "4-bit base) or selekt (sparse full fine-tune)",
            "choices": ["auto", *METHODS],
        },
    )
    selekt_alpha: float = field(
        default=0.05, metadata={"help": "SeleKT: share of each tensor's changes kept"}
    )
    selekt_every: int = field(default=25, metadata={"help": "SeleKT: updates between sparsifications"})
    delta_alpha: float = field(
        default=0.0,
        metadata={"help": "LoRA/QLoRA: at export keep only this share of each merged weight's changes (0: all)"},
    )


def what_you_get(cfg: Config, method: str) -> str:
    if method == "selekt":
        return f"SeleKT alpha {cfg.selekt_alpha} every {cfg.selekt_every} updates"
    merged = (
        f"merged at export, then each weight keeps its top {cfg.delta_alpha:.0%} of changes (SeleKT on the delta)"
        if cfg.delta_alpha
        else "merged whole at export"
    )
    base = "a 4-bit NF4 base" if method == "qlora" else "the base in full precision"
    return f"LoRA r {cfg.lora_r} alpha {cfg.lora_alpha} on {base}, {merged}"


def plan(cfg: Config, method: str, train: list[dict], validation: list[dict], longest: int) -> str:
    per_epoch = updates_per_epoch(len(train), cfg)
    total = cfg.max_steps if cfg.max_steps > 0 else int(per_epoch * cfg.epochs)
    lr = cfg.lr or DEFAULT_LR[method]
    stop = (
        f", early stop after {cfg.early_stop} evaluations without a lower validation loss"
        if validation and cfg.early_stop > 0
        else ""
    )
    return (
        f"{method} on {cfg.base}: {len(train)} training / {len(validation)} validation examples "
        f"(prompt+completion up to {longest} tokens), {per_epoch} updates an epoch "
        f"(batch {cfg.batch_size} x accumulation {cfg.grad_accum} per device), {total} updates "
        f"({cfg.epochs:g} epochs{stop}), lr {lr} {cfg.schedule}, weight decay {cfg.weight_decay}, "
        f"{what_you_get(cfg, method)}, {precision()} -> {cfg.out / 'final'}"
    )


def lengths(cfg: Config, rows: list[dict], tokenizer) -> tuple[int, int]:
    """Tokens of the longest example the run will see and of the longest completion (+1:
    the token before it, whose logits predict its first), by the base's tokenizer when
    loaded, else by the dataset's counts; examples over ``--max-length`` left out."""
    if tokenizer is not None:
        features, _ = sft_features(tokenizer, rows, cfg.max_length)
        sizes = [(len(f["input_ids"]), sum(t != -100 for t in f["labels"]) + 1) for f in features]
    else:
        sizes = [
            (r["prompt_tokens"] + r["completion_tokens"] + 1, r["completion_tokens"] + 2)
            for r in rows
            if r["prompt_tokens"] + r["completion_tokens"] + 1 <= cfg.max_length
        ]
    return max((s for s, _ in sizes), default=0), max((c for _, c in sizes), default=0)


def memory_check(cfg: Config, arch, seq_len: int, head_len: int) -> str:
    """Print each method's estimate and the device's memory; the method to train with (or
    TrainError with the one line that says what would fit)."""
    from . import qlora

    options = dict(
        seq_len=seq_len,
        batch=cfg.batch_size,
        lora_r=cfg.lora_r or 16,
        lora_dropout=cfg.lora_dropout,
        checkpointing=bool(cfg.gradient_checkpointing),
        compute_bytes=2 if cfg.memory is not None else compute_bytes(),  # --memory plans for a bf16 GPU
        head_len=head_len,
    )
    estimates = {m: estimate(arch, m, **options) for m in METHODS}
    dev = device(cfg.memory)
    for line in report(estimates, dev, arch, options):
        say(line)
    sharded = cfg.deepspeed or int(os.environ.get("WORLD_SIZE", "1")) > 1
    if sharded and cfg.memory is None:
        method = "lora" if cfg.method == "auto" else cfg.method
        say(f"several processes / DeepSpeed: the estimates are for one unsharded device; training with {method}")
        return method
    unavailable = {"qlora": why} if (why := qlora.unavailable()) else {}

    def hint(method: str) -> str:
        return shrink_hint(arch, method, dev, **options)

    method, reason = choose(cfg.method, estimates, dev, arch.name, unavailable, hint)
    say(reason)
    return method


def run(cfg: Config) -> int:
    clock = Stopwatch()
    if Path(cfg.base).is_dir():
        cfg.base = str(Path(cfg.base).resolve())  # recorded in the final folder: export and eval find it
    train_rows = read_rows(cfg.data, "train.jsonl")
    val_path = Path(cfg.data) / "validation.jsonl"
    val_rows = read_rows(cfg.data, "validation.jsonl") if val_path.is_file() else []
    need(bool(train_rows), f"{cfg.data}/train.jsonl has no examples")
    prompt_formats = dataset_formats(train_rows)  # a mixed dataset: the most common first
    arch = architecture(cfg.base)
    chosen = fill_defaults(cfg, len(train_rows), cfg.method, arch.params)
    if chosen:
        say(chosen)
    tokenizer = None if cfg.dry_run else load_tokenizer(cfg.base)
    if cfg.dry_run and Path(cfg.base).is_dir():
        with contextlib.suppress(TrainError):  # a dry run can go by the dataset's own counts
            tokenizer = load_tokenizer(cfg.base)
    method = memory_check(cfg, arch, *lengths(cfg, train_rows + val_rows, tokenizer))
    for line in data_warnings(cfg, len(train_rows), len(val_rows), method):
        say(f"warning: {line}")
    say(plan(cfg, method, train_rows, val_rows, lengths(cfg, train_rows, tokenizer)[0]))
    if cfg.dry_run:
        say(
            "several GPUs: accelerate launch --config_file training/accelerate/multi_gpu.yaml "
            "-m nxedit.editor.cli train sft ..."
        )
        summary("sft", f"dry run: nothing trained ({clock})")
        return 0

    from transformers import TrainingArguments

    train, skipped = sft_features(tokenizer, train_rows, cfg.max_length)
    validation, _ = sft_features(tokenizer, val_rows, cfg.max_length)
    need(bool(train), f"every training example is longer than --max-length {cfg.max_length}")
    if skipped:
        say(f"skipped {skipped} examples longer than {cfg.max_length} tokens")
    callbacks = early_stopping(cfg, bool(validation))
    optim = None
    if method == "qlora":
        from .qlora import OPTIMIZER, load_quantized

        need(not is_adapter(cfg.base), f"QLoRA needs a whole base model, not an adapter: {cfg.base}")
        model, optim = with_lora(load_quantized(cfg.base), cfg), OPTIMIZER
    elif method == "lora":
        model = with_lora(load_model(cfg.base), cfg)
    else:
        from .selekt import BaseWeights, selekt_callback

        model = load_model(cfg.base)
        base = BaseWeights(cfg.base)
        callbacks.append(selekt_callback(base, cfg.selekt_alpha, cfg.selekt_every))
    lr = cfg.lr or DEFAULT_LR[method]
    args = TrainingArguments(**trainer_arguments(cfg, lr, bool(validation), optim, len(train)))
    trainer = completion_trainer()(
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
    if method == "selekt":
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
            "method": method,
            "base": cfg.base,
            "prompt_format": prompt_formats[0],
            "prompt_formats": prompt_formats,
            "adapter": method != "selekt",
            "delta_alpha": cfg.delta_alpha if method != "selekt" else 0.0,
        },
    )
    summary(
        "sft",
        f"{method}, {trainer.state.global_step} updates, {loss_trend(trainer)} -> {final} ({clock})",
    )
    return 0
