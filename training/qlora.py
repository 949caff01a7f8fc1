"""QLoRA: LoRA adapters on a base model held in 4 bits (Dettmers et al., 2023).

The base's linear layers are loaded through bitsandbytes as NF4 (4-bit NormalFloat) with
double quantization (the per-block scales are themselves quantized) and computed in bf16
(fp16 on a GPU without bf16); the output layer, embeddings and norms stay in 16 bits.
Only the adapters train, in fp32; the optimizer is bitsandbytes' paged AdamW, whose state
moves to CPU memory under pressure instead of failing. Unlike peft's
``prepare_model_for_kbit_training``, the embeddings and output layer are not cast to fp32:
at 7B with a 152k vocabulary that cast alone costs 4 GB and buys nothing for adapters.

bitsandbytes is imported only here, only when QLoRA runs. Its 4-bit layers run on a CPU
too (bitsandbytes 0.48 and later), which is how the tests exercise this path.
"""

from __future__ import annotations

import importlib.util

OPTIMIZER = "paged_adamw_32bit"  # transformers' name for bitsandbytes' paged AdamW


def unavailable() -> str | None:
    """Why QLoRA cannot run here (one line), or None."""
    if importlib.util.find_spec("bitsandbytes") is None:
        return "bitsandbytes is not installed (pip install 'nxedit[train]')"
    return None


def compute_dtype():
    import torch

    if torch.cuda.is_available() and not torch.cuda.is_bf16_supported():
        return torch.float16
    return torch.bfloat16


def quantization_config():
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=compute_dtype(),
    )


def load_quantized(base: str):
    """``base`` with its decoder's linear layers in NF4, on the GPU (or the CPU without one),
    every weight frozen."""
    import torch
    from transformers import AutoModelForCausalLM

    from .cli import TrainError

    device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        model = AutoModelForCausalLM.from_pretrained(
            base, quantization_config=quantization_config(), dtype=compute_dtype(), device_map={"": device}
        )
    except (OSError, ValueError) as exc:
        raise TrainError(f"cannot load {base} in 4 bits: {str(exc).splitlines()[0]}") from None
    for param in model.parameters():
        param.requires_grad_(False)
    return model


def is_quantized(model) -> bool:
    return bool(getattr(model, "is_loaded_in_4bit", False))
