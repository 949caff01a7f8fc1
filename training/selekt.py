"""SeleKT: full fine-tuning that keeps only the largest weight changes.

Every ``every`` optimizer steps (and once more at the end), each weight tensor is moved
back to the base model except for the ``alpha`` share of its entries that changed most
(largest ``|w - w_base|``, exactly ``floor(alpha * n)`` entries per tensor), so the
fine-tuned model stays a sparse edit of the base and keeps what the base knew. Continue's
Instinct used alpha = 0.05 every 25 steps (after Microsoft's NextCoder).

The base weights are read from the base model's safetensors files, memory-mapped, one
tensor at a time: no second copy of the model in memory, and processes on one machine
share the pages. Without DeepSpeed every process holds the same weights and edits its own
copy. Under DeepSpeed (ZeRO 1-3) the optimizer keeps fp32 master weights that would undo
an edit of the model's bf16 copy at the next step, so the masters are edited (through
``deepspeed.utils.safe_get/set_full_fp32_param``) and the parameter updated from them.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path


class BaseWeights:
    """The base model's tensors by parameter name, read lazily from its safetensors files."""

    def __init__(self, folder: str | Path):
        folder = Path(folder)
        if not folder.is_dir():
            from huggingface_hub import snapshot_download  # a hub name: the files transformers downloaded

            folder = Path(snapshot_download(str(folder), allow_patterns=["*.safetensors", "*.json"]))
        index = folder / "model.safetensors.index.json"
        if index.is_file():
            weight_map = json.loads(index.read_text(encoding="utf-8"))["weight_map"]
            self.files = {name: folder / f for name, f in weight_map.items()}
        else:
            single = folder / "model.safetensors"
            if not single.is_file():
                raise FileNotFoundError(f"{folder}: SeleKT needs the base model's .safetensors weights")
            from safetensors import safe_open

            with safe_open(str(single), framework="pt") as f:
                self.files = dict.fromkeys(f.keys(), single)
        self._open: dict[Path, object] = {}

    def __contains__(self, name: str) -> bool:
        return name in self.files

    def get(self, name: str):
        from safetensors import safe_open

        path = self.files[name]
        if path not in self._open:
            self._open[path] = safe_open(str(path), framework="pt")
        return self._open[path].get_tensor(name)


def keep_top_changes(weights, base, alpha: float) -> None:
    """Reset ``weights`` (a tensor, in place) to ``base`` except its ``floor(alpha * n)``
    largest changes."""
    import torch

    with torch.no_grad():
        base = base.to(device=weights.device, dtype=weights.dtype)
        delta = (weights.data - base).flatten()
        k = int(alpha * delta.numel())
        keep = torch.zeros_like(delta, dtype=torch.bool)
        if k:
            keep[torch.topk(delta.abs(), k, sorted=False).indices] = True
        weights.data.copy_(
            (base.flatten() + torch.where(keep, delta, torch.zeros_like(delta))).view_as(weights)
        )


def _param_name(name: str) -> str:
    for prefix in ("module.", "_orig_mod."):
        name = name.replace(prefix, "")
    return name


def _under_deepspeed(param) -> bool:
    """Whether DeepSpeed's optimizer keeps this parameter's fp32 master copy (ZeRO 1-3)."""
    return hasattr(param, "ds_id") or getattr(param, "_hp_mapping", None) is not None


def _sparsify_deepspeed(param, base, alpha: float) -> None:
    """SeleKT on DeepSpeed's fp32 master weights (else its next step would undo it), then on
    the parameter itself (what gets saved). Collective: every rank calls it."""
    import torch
    from deepspeed import zero
    from deepspeed.utils import safe_get_full_fp32_param, safe_set_full_fp32_param

    full = safe_get_full_fp32_param(param)
    keep_top_changes(full, base, alpha)
    safe_set_full_fp32_param(param, full)
    zero3 = hasattr(param, "ds_id")
    with zero.GatheredParameters([param], modifier_rank=0) if zero3 else contextlib.nullcontext():
        if not zero3 or int(os.environ.get("RANK", "0")) == 0:
            with torch.no_grad():
                param.data.copy_(full.to(param.dtype).view_as(param))


def apply_selekt(model, base: BaseWeights, alpha: float) -> int:
    """Sparsify every trainable tensor of ``model`` against ``base``; returns how many tensors."""
    done = 0
    for name, param in model.named_parameters():
        key = _param_name(name)
        if not param.requires_grad or key not in base:
            continue
        if _under_deepspeed(param):
            _sparsify_deepspeed(param, base.get(key), alpha)
        else:
            keep_top_changes(param, base.get(key), alpha)
        done += 1
    return done


def sparsify_merged(model, base_dir: str | Path, alpha: float) -> int:
    """SeleKT's rule applied once to a merged LoRA delta: each weight the adapter changed
    keeps only the ``alpha`` share of its largest changes from the base (the rest reset);
    returns how many tensors it touched."""
    import torch

    base = BaseWeights(base_dir)
    done = 0
    for name, param in model.named_parameters():
        key = _param_name(name)
        if key not in base:
            continue
        before = base.get(key)
        if torch.equal(param.data, before.to(param.dtype)):
            continue  # a weight without an adapter (embeddings, norms)
        keep_top_changes(param, before, alpha)
        done += 1
    return done


def selekt_callback(base: BaseWeights, alpha: float, every: int):
    """A Trainer callback applying SeleKT after every ``every``-th optimizer step."""
    from transformers import TrainerCallback

    class SeleKT(TrainerCallback):
        def on_step_end(self, args, state, control, model=None, **kwargs):
            if model is not None and state.global_step % every == 0:
                apply_selekt(model, base, alpha)

    return SeleKT()
