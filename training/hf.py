"""What the training steps share: their common options, loading the base model, turning
dataset rows into tokens, LoRA, the Trainer's arguments, checkpoints and the final folder.

Imports torch, transformers and peft only inside the functions that need them.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from nxedit.model.predict.prompts.base import ChatPrompt

from .cli import TrainError, need

RUN_INFO = "nxedit.json"  # written into every saved model folder: how it was made


@dataclass
class TrainingRun:
    """Options every training step has (the steps add their own)."""

    data: Path = field(
        default=Path("runs/data"),
        metadata={"help": "dataset folder (nxedit train dataset --out)", "metavar": "DIR"},
    )
    base: str = field(
        default="Qwen/Qwen2.5-Coder-0.5B",
        metadata={
            "help": "the model to start from: a folder, or a Hugging Face name (downloaded by transformers)",
            "metavar": "MODEL",
        },
    )
    out: Path = field(
        default=Path("runs/sft"),
        metadata={"help": "folder for checkpoints and the final model", "metavar": "DIR"},
    )
    epochs: float | None = field(
        default=None,
        metadata={"help": "passes over the training set (default: by the data's size, printed)", "type": float},
    )
    lr: float | None = field(
        default=None, metadata={"help": "peak learning rate (default: per method)", "type": float}
    )
    batch_size: int = field(default=1, metadata={"help": "sequences per device and step"})
    grad_accum: int = field(default=8, metadata={"help": "steps whose gradients add up to one update"})
    max_length: int = field(
        default=4096, metadata={"help": "longest prompt + completion in tokens (longer: skipped)"}
    )
    weight_decay: float = field(default=0.05, metadata={"help": "AdamW weight decay"})
    warmup: float = field(default=0.03, metadata={"help": "share of the updates spent warming up"})
    schedule: str = field(
        default="cosine",
        metadata={"help": "learning-rate schedule", "choices": ["cosine", "linear", "constant_with_warmup"]},
    )
    lora_r: int | None = field(
        default=None, metadata={"help": "LoRA rank (default: by the data's size, printed)", "type": int}
    )
    lora_alpha: int | None = field(default=None, metadata={"help": "LoRA alpha (default: twice the rank)", "type": int})
    lora_dropout: float = field(default=0.05, metadata={"help": "LoRA dropout"})
    max_steps: int = field(default=-1, metadata={"help": "stop after this many updates (-1: by epochs)"})
    save_steps: int = field(default=200, metadata={"help": "updates between checkpoints"})
    logging_steps: int = field(default=10, metadata={"help": "updates between loss lines"})
    gradient_checkpointing: bool | None = field(
        default=None,
        metadata={
            "help": "trade compute for memory (default: on for bases of 1B parameters or more)",
            "type": bool,
        },
    )
    early_stop: int = field(
        default=3,
        metadata={"help": "stop after this many evaluations without a lower validation loss (0: never)"},
    )
    memory: float | None = field(
        default=None,
        metadata={
            "help": "GiB to plan for (default: the GPU's free memory, or the free RAM without one)",
            "type": float,
            "metavar": "GIB",
        },
    )
    deepspeed: Path | None = field(
        default=None,
        metadata={
            "help": "a DeepSpeed JSON config (or use accelerate launch --config_file, see README)",
            "type": Path,
        },
    )
    seed: int = field(default=0, metadata={"help": "random seed"})
    resume: bool = field(default=True, metadata={"help": "continue from the last checkpoint in --out"})
    dry_run: bool = field(
        default=False, metadata={"help": "print the plan and the data's statistics, train nothing"}
    )


def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def compute_bytes() -> int:
    """Bytes per weight and activation of a full-precision run here: bf16 on a GPU that
    has it, else fp32 (what :func:`load_model` and :func:`trainer_arguments` pick)."""
    import torch

    return 2 if cuda_available() and torch.cuda.is_bf16_supported() else 4


def cpu_bf16() -> bool:
    """Whether training on this machine's CPU runs in bf16 mixed precision: where the CPU
    computes bfloat16 natively (AVX512-BF16 or AMX), about twice as fast as fp32 (Gemma 3
    270M LoRA, 1,200 tokens a step: 5.9 s against 9.4-12.6 s); elsewhere bf16 is emulated
    and slower, so fp32. The weights stay fp32 (the optimizer's too): only compute casts."""
    import torch

    if cuda_available():
        return False
    cpu = getattr(torch, "cpu", None)
    return any(getattr(cpu, check, lambda: False)() for check in ("_is_avx512_bf16_supported", "_is_amx_tile_supported"))


def precision() -> str:
    """How a full-precision run computes here, for the plan line."""
    import torch

    if cuda_available():
        return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    return "bf16 mixed precision on this CPU (AVX512-BF16/AMX)" if cpu_bf16() else "fp32 on this CPU"


def load_tokenizer(base: str):
    from transformers import AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(base)
    except (OSError, ValueError) as exc:
        raise TrainError(f"cannot load the tokenizer of {base}: {str(exc).splitlines()[0]}") from None
    # transformers 5 makes an empty tokenizer of a folder with a config but no tokenizer files
    need(len(tok) > 1, f"{base} has no tokenizer (its folder lacks the tokenizer files)")
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    need(tok.eos_token_id is not None, f"the tokenizer of {base} has no end-of-sequence token")
    return tok


def is_adapter(folder: str | Path) -> bool:
    """Whether a folder holds a LoRA adapter (peft) rather than a whole model."""
    return (Path(folder) / "adapter_config.json").is_file()


def adapter_base(folder: str | Path) -> str:
    """The model a LoRA adapter folder was trained on."""
    config = json.loads((Path(folder) / "adapter_config.json").read_text(encoding="utf-8"))
    return run_info(folder).get("base") or config["base_model_name_or_path"]


def load_model(base: str, dtype=None):
    """The base model in bfloat16 on a GPU that has it, else float32 (the Trainer places it);
    ``dtype="auto"`` keeps the one it was saved in. A LoRA adapter folder gives its base
    model (the one ``nxedit.json`` names, itself merged if it is an adapter) with the
    adapter merged in."""
    import torch
    from transformers import AutoModelForCausalLM

    if dtype is None:
        dtype = torch.bfloat16 if cuda_available() and torch.cuda.is_bf16_supported() else torch.float32
    try:
        if is_adapter(base):
            from peft import PeftModel

            return PeftModel.from_pretrained(load_model(adapter_base(base), dtype), base).merge_and_unload()
        return AutoModelForCausalLM.from_pretrained(base, dtype=dtype)
    except (OSError, ValueError) as exc:
        raise TrainError(f"cannot load {base}: {str(exc).splitlines()[0]}") from None


def save_merged(src: str | Path, dest: Path) -> Path:
    """A trained folder as a plain Hugging Face model folder: a LoRA adapter is merged into
    its base and saved to ``dest`` (reused when already there); a whole model is its own."""
    if not is_adapter(src):
        return Path(src)
    alpha = run_info(src).get("delta_alpha") or 0.0
    stamp = {
        "merged_from": str(Path(src).resolve()),
        "adapter_mtime": (Path(src) / "adapter_config.json").stat().st_mtime_ns,
        "delta_alpha": alpha,
    }
    if (dest / "config.json").is_file() and all(run_info(dest).get(k) == v for k, v in stamp.items()):
        return dest
    model = load_model(str(src), dtype="auto")
    if alpha:
        from .selekt import sparsify_merged

        sparsify_merged(model, adapter_base(src), alpha)
    model.save_pretrained(str(dest))
    load_tokenizer(str(src)).save_pretrained(str(dest))
    info = {**run_info(src), **stamp, "adapter": False}
    (dest / RUN_INFO).write_text(json.dumps(info, indent=2), encoding="utf-8")
    return dest


def changed_weights(base_dir: str | Path, tuned_dir: str | Path) -> list[tuple[str, int, int]]:
    """``(tensor, entries that differ from the base, entries)`` of a tuned model, per tensor."""
    before = load_model(str(base_dir)).state_dict()
    after = load_model(str(tuned_dir)).state_dict()
    return [(name, int((w != before[name]).sum()), w.numel()) for name, w in after.items()]


def row_prompt(row: dict):
    """A dataset row's prompt as the prompt formats made it (a chat prompt when it has messages)."""
    if row.get("messages"):
        return ChatPrompt(tuple((m["role"], m["content"]) for m in row["messages"]))
    return row["prompt"]


def prompt_ids(tokenizer, text: str) -> list[int]:
    """A prompt's ids as the editor's transformers backend (and llama.cpp) feed the model."""
    from nxedit.model.predict.backends.transformers import prompt_ids as ids

    return ids(tokenizer, text)


def prompt_string(tokenizer, row: dict) -> str:
    """The text the editor's transformers backend would feed ``tokenizer`` for this row's prompt."""
    from nxedit.model.predict.backends.transformers import tokenizer_prompt

    return tokenizer_prompt(tokenizer, row_prompt(row))


def encode(tokenizer, text: str) -> list[int]:
    return tokenizer(text, add_special_tokens=False).input_ids


def sft_features(tokenizer, rows: list[dict], max_length: int) -> tuple[list[dict], int]:
    """Token ids (the prompt's with its start token, as the model is served) with labels on
    the completion (and its end-of-sequence token) only; rows
    longer than ``max_length`` are skipped (cutting a prompt would break its format)."""
    features, skipped = [], 0
    for row in rows:
        prompt = prompt_ids(tokenizer, prompt_string(tokenizer, row))
        completion = encode(tokenizer, row["completion"]) + [tokenizer.eos_token_id]
        if len(prompt) + len(completion) > max_length:
            skipped += 1
            continue
        features.append({"input_ids": prompt + completion, "labels": [-100] * len(prompt) + completion})
    return features, skipped


class PadCollator:
    """Left-pads ``input_ids`` (and ``labels`` with -100) into a batch with an attention mask
    and positions: every sequence ends at the last column, so the completions (the end of
    each sequence) all lie in the batch's last columns, and only those need logits
    (:func:`completion_trainer`)."""

    def __init__(self, pad_id: int):
        self.pad_id = pad_id

    def __call__(self, batch: list[dict]) -> dict:
        import torch

        width = max(len(b["input_ids"]) for b in batch)
        pads = [width - len(b["input_ids"]) for b in batch]
        return {
            "input_ids": torch.tensor([[self.pad_id] * p + b["input_ids"] for p, b in zip(pads, batch)]),
            "labels": torch.tensor([[-100] * p + b["labels"] for p, b in zip(pads, batch)]),
            "attention_mask": torch.tensor([[0] * p + [1] * len(b["input_ids"]) for p, b in zip(pads, batch)]),
            "position_ids": torch.tensor([[0] * p + list(range(len(b["input_ids"]))) for p, b in zip(pads, batch)]),
        }


def completion_width(labels) -> int:
    """Columns from the batch's earliest labelled token to the end (left-padded labels)."""
    labelled = labels != -100
    if not labelled.any():
        return 1
    first = labelled.int().argmax(dim=1)[labelled.any(dim=1)]
    return int(labels.shape[1] - first.min())


def completion_trainer():
    """transformers' Trainer whose loss computes logits for the completions' columns only.
    The output layer's logits and the loss's fp32 copies cost 12-14 bytes per token and
    vocabulary entry: with a 152k vocabulary, 8 GB for a 4096-token prompt that has no
    labels; a next-edit completion is a small part of its sequence."""
    import torch
    from transformers import Trainer

    class CompletionTrainer(Trainer):
        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            labels = inputs["labels"]
            keep = min(labels.shape[1], completion_width(labels) + 1)  # +1: the token before predicts the first
            out = model(
                input_ids=inputs["input_ids"],
                attention_mask=inputs["attention_mask"],
                position_ids=inputs["position_ids"],
                logits_to_keep=keep,
                use_cache=False,
            )
            logits = out.logits[:, :-1].float()
            targets = labels[:, labels.shape[1] - keep + 1 :]
            total = torch.nn.functional.cross_entropy(
                logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100, reduction="sum"
            )
            count = num_items_in_batch if num_items_in_batch is not None else (targets != -100).sum()
            loss = total / torch.as_tensor(count, device=total.device).clamp(min=1)
            return (loss, {"loss": loss}) if return_outputs else loss

    return CompletionTrainer


def completion_loss(model_dir: str | Path, rows: list[dict], device: str = "cpu") -> float:
    """The mean SFT loss (completion tokens only) of ``rows`` under a saved model."""
    import torch

    tok = load_tokenizer(str(model_dir))
    model = load_model(str(model_dir)).to(device).eval()
    features, _ = sft_features(tok, rows, 1 << 30)
    collate = PadCollator(tok.pad_token_id)
    with torch.no_grad():
        losses = [model(**{k: v.to(device) for k, v in collate([f]).items()}).loss.item() for f in features]
    return sum(losses) / max(1, len(losses))


def lora_config(run: TrainingRun):
    from peft import LoraConfig

    rank = run.lora_r or 16
    return LoraConfig(
        r=rank,
        lora_alpha=run.lora_alpha or 2 * rank,
        lora_dropout=run.lora_dropout,
        target_modules="all-linear",
        task_type="CAUSAL_LM",
    )


def with_lora(model, run: TrainingRun):
    from peft import get_peft_model

    if run.gradient_checkpointing:
        model.enable_input_require_grads()  # checkpointed blocks need an input that wants gradients
    return get_peft_model(model, lora_config(run))


def trainer_arguments(
    run: TrainingRun, lr: float, has_eval: bool, optim: str | None = None, examples: int = 0
) -> dict:
    """Keyword arguments for ``TrainingArguments`` (or trl's configs built on it). With a
    validation set and ``--early-stop``, it is evaluated (and a checkpoint saved) every
    half epoch at most, and the best checkpoint is the final model."""
    import torch

    bf16 = (cuda_available() and torch.cuda.is_bf16_supported()) or cpu_bf16()  # on a CPU: autocast
    best = has_eval and run.early_stop > 0
    every = min(run.save_steps, max(1, updates_per_epoch(examples, run) // 2)) if best else run.save_steps
    return dict(
        output_dir=str(run.out),
        num_train_epochs=run.epochs,
        max_steps=run.max_steps,
        learning_rate=lr,
        per_device_train_batch_size=run.batch_size,
        per_device_eval_batch_size=run.batch_size,
        gradient_accumulation_steps=run.grad_accum,
        weight_decay=run.weight_decay,
        warmup_steps=run.warmup,
        lr_scheduler_type=run.schedule,
        logging_steps=run.logging_steps,
        logging_first_step=True,
        save_strategy="steps",
        save_steps=every,
        save_total_limit=2,
        eval_strategy="steps" if has_eval else "no",
        eval_steps=every,
        load_best_model_at_end=best,
        metric_for_best_model="eval_loss" if best else None,
        greater_is_better=False if best else None,
        bf16=bf16,
        use_cpu=not cuda_available(),
        deepspeed=str(run.deepspeed) if run.deepspeed else None,
        seed=run.seed,
        report_to="none",
        remove_unused_columns=False,
        save_only_model=False,
        prediction_loss_only=True,  # evaluation wants the loss, not every logit of the set kept in memory
        # named only when wanted: transformers 5 renamed it (and warns), 4.x knows only this name
        **(
            {"gradient_checkpointing": True, "gradient_checkpointing_kwargs": {"use_reentrant": False}}
            if run.gradient_checkpointing
            else {}
        ),
        **({"optim": optim} if optim else {}),
    )


def early_stopping(run: TrainingRun, has_eval: bool) -> list:
    """The Trainer callback that ends a run whose validation loss stopped falling (its
    count survives a resume: transformers keeps it in the checkpoint)."""
    if not (has_eval and run.early_stop > 0):
        return []
    from transformers import EarlyStoppingCallback

    return [EarlyStoppingCallback(early_stopping_patience=run.early_stop)]


def last_checkpoint(run: TrainingRun) -> str | None:
    """The checkpoint an interrupted run left in ``--out`` (None: start fresh)."""
    if not run.resume or not run.out.is_dir():
        return None
    from transformers.trainer_utils import get_last_checkpoint

    return get_last_checkpoint(str(run.out))


def updates_per_epoch(examples: int, run: TrainingRun, world: int = 1) -> int:
    return max(1, math.ceil(examples / (run.batch_size * run.grad_accum * world)))


def loss_trend(trainer) -> str:
    """``loss A -> B`` from the first and last logged training losses (and the last eval loss)."""
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    evals = [h["eval_loss"] for h in trainer.state.log_history if "eval_loss" in h]
    text = f"loss {losses[0]:.3f} -> {losses[-1]:.3f}" if losses else "no loss logged"
    return text + (f", eval loss {evals[-1]:.3f}" if evals else "")


def save_final(trainer, tokenizer, folder: Path, info: dict) -> None:
    """The trained model (or LoRA adapter), its tokenizer, and ``nxedit.json`` saying how it was made."""
    trainer.save_model(str(folder))
    if trainer.is_world_process_zero():
        tokenizer.save_pretrained(str(folder))
        (folder / RUN_INFO).write_text(json.dumps(info, indent=2), encoding="utf-8")


def run_info(folder: Path | str) -> dict:
    """What ``save_final`` wrote about a model folder ({} for a model made elsewhere)."""
    path = Path(folder) / RUN_INFO
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def read_rows(data: Path, name: str) -> list[dict]:
    from .examples import read_jsonl

    path = Path(data) / name
    need(path.is_file(), f"{path} not found: run `nxedit train dataset --out {data}` first")
    return list(read_jsonl(path))


def dataset_formats(rows: list[dict]) -> list[str]:
    """The prompt formats of a dataset's rows, the most common first (zeta when unnamed)."""
    counts = Counter(r["format"] for r in rows if r.get("format"))
    return [name for name, _ in counts.most_common()] or ["zeta"]


def dataset_format(rows: list[dict]) -> str:
    """The prompt format a model trained on ``rows`` is set up with (a mix: the most common)."""
    return dataset_formats(rows)[0]
