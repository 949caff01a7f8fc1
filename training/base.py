"""nxedit train base: a GGUF model (llama.cpp's, Ollama's) -> a Hugging Face folder to fine-tune.

    nxedit train base --gguf ~/models/gemma-3-270m-q4_k_m.gguf --out runs/base
    nxedit train sft --base runs/base --data runs/data --out runs/sft
    nxedit train export --model runs/sft/final --no-quantize --llama-cpp LLAMA_CPP_DIR
    llama-server -m ~/models/gemma-3-270m-q4_k_m.gguf --lora runs/export/lora.gguf

A model you serve with llama.cpp or Ollama often exists on your disk only as a GGUF, and
``nxedit train sft`` fine-tunes a Hugging Face folder. transformers reads the GGUF (the
``gguf`` package, in the train extra) and dequantizes its weights to ``--dtype`` (a 4-bit
file becomes full precision: the folder is several times the file); the tokenizer comes
from the same file, and its chat template too where the file has one (``--chat-template``
sets one where it has none: the ``chat`` prompt format needs it). The LoRA that ``nxedit
train export`` converts from a run on this folder applies to the very GGUF you started
from, quantized as it is (``llama-server -m THAT.gguf --lora lora.gguf``). CPU; about a
minute for a 270M model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .cli import existing, need
from .progress import Stopwatch, summary

DTYPES = ("float32", "bfloat16", "float16")


@dataclass
class Config:
    gguf: Path = field(default=Path("model.gguf"), metadata={"help": "the GGUF model file"})
    out: Path = field(default=Path("runs/base"), metadata={"help": "folder for the Hugging Face model"})
    dtype: str = field(default="float32", metadata={"help": "dtype of the dequantized weights", "choices": DTYPES})
    chat_template: Path | None = field(
        default=None,
        metadata={"help": "a Jinja chat template for the tokenizer, where the GGUF has none", "type": Path},
    )
    dry_run: bool = field(default=False, metadata={"help": "say what would be done, write nothing"})


def run(cfg: Config) -> int:
    gguf = existing(cfg.gguf, "GGUF file")
    need(gguf.is_file(), f"not a file: {gguf}")
    template = existing(cfg.chat_template, "chat template").read_text(encoding="utf-8") if cfg.chat_template else None
    if cfg.dry_run:
        print(f"would dequantize {gguf} to {cfg.dtype} and save it with its tokenizer in {cfg.out}")
        return 0
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    clock = Stopwatch()
    folder, name = str(gguf.parent), gguf.name
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
        model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=getattr(torch, cfg.dtype))
    except (ValueError, OSError, KeyError) as exc:  # an architecture transformers cannot read from GGUF, a bad file
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        need(False, f"transformers cannot load {gguf.name}: {first[:200]}")
    if template is not None:
        tokenizer.chat_template = template
    _forget_gguf(model)
    cfg.out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(cfg.out)
    tokenizer.save_pretrained(cfg.out)
    params = sum(p.numel() for p in model.parameters())
    chat = "chat template set" if tokenizer.chat_template else "no chat template (the chat format needs one)"
    summary("nxedit train base", f"{model.config.model_type}, {params / 1e6:.0f}M parameters, {cfg.dtype}, "
            f"{chat} -> {cfg.out} in {clock}")
    return 0


def _forget_gguf(model) -> None:
    """The weights are dequantized already, but transformers keeps the GGUF "quantizer" on the
    model (and its note in the config), which refuses to save it and would make the folder look
    quantized when loaded again: a plain model is what was read."""
    model.hf_quantizer = None
    if getattr(model.config, "quantization_config", None) is not None:
        del model.config.quantization_config
