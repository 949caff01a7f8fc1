"""Defaults chosen for the data at hand, and what to say before a run that would go badly.

A user's own history holds a few hundred examples, not the tens of thousands most
fine-tuning recipes assume. With few examples a model learns them by heart within a few
passes, so: a smaller LoRA rank (fewer weights to memorise with), enough epochs for a
few dozen updates, and the validation loss deciding when to stop (``--early-stop``, on by
default: the best checkpoint is the result). Every default filled in here is printed.
"""

from __future__ import annotations

import math

TOO_FEW = 50  # below this, expect little from fine-tuning and say so
FEW = 500  # below this: rank 8, more epochs
SELEKT_FEW = 2000  # SeleKT moves every weight: it wants more data than adapters
LARGE_BASE = 1e9  # parameters from which gradient checkpointing is on by default


def fill_defaults(cfg, n_train: int, method: str, params: float | None = None) -> str:
    """Set the options left at None (epochs, LoRA rank and alpha, gradient checkpointing)
    for ``n_train`` examples and a base of ``params`` parameters; returns the line saying
    which were chosen."""
    chosen = []
    if cfg.epochs is None:
        cfg.epochs = 3.0 if n_train >= 5000 else 5.0 if n_train >= FEW else 8.0
        chosen.append(f"{cfg.epochs:g} epochs")
    if method != "selekt" and cfg.lora_r is None:
        cfg.lora_r = 8 if n_train < FEW else 16
        chosen.append(f"LoRA rank {cfg.lora_r}")
    if method != "selekt" and cfg.lora_alpha is None:
        cfg.lora_alpha = 2 * (cfg.lora_r or 16)
        chosen.append(f"alpha {cfg.lora_alpha}")
    if cfg.gradient_checkpointing is None:
        cfg.gradient_checkpointing = bool(params and params >= LARGE_BASE)
        chosen.append(f"gradient checkpointing {'on' if cfg.gradient_checkpointing else 'off'}")
    if not chosen:
        return ""
    return f"defaults for {n_train} training examples: " + ", ".join(chosen)


def data_warnings(cfg, n_train: int, n_val: int, method: str) -> list[str]:
    """What is wrong with this much data for this run, one line each (empty: nothing)."""
    found = []
    if n_train < TOO_FEW:
        found.append(
            f"only {n_train} training examples: too few to expect much (a few hundred or more "
            "help: record more edits, or add --git repositories to nxedit train dataset)"
        )
    if n_val == 0:
        found.append(
            "no validation examples: early stopping is off and overfitting goes unseen "
            "(nxedit train dataset --val-fraction 0.1)"
        )
    elif cfg.early_stop <= 0:
        found.append("--early-stop 0: the last update is kept even if the validation loss rose")
    if method == "selekt" and n_train < SELEKT_FEW:
        found.append(
            f"SeleKT changes every weight: {n_train} examples will be learnt by heart before "
            "the model generalises; --method lora or qlora suits this much data"
        )
    updates = math.ceil(n_train / (cfg.batch_size * cfg.grad_accum)) * (cfg.epochs or 1)
    if n_train and (cfg.epochs or 0) > 10 and n_val == 0:
        found.append(f"{cfg.epochs:g} epochs without a validation set will overfit")
    if 0 < updates < 10 and cfg.max_steps <= 0:
        found.append(
            f"only {updates:g} updates in all: lower --grad-accum (now {cfg.grad_accum}) "
            "for more, smaller steps"
        )
    return found
