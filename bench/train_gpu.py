#!/usr/bin/env python3
"""Fine-tuning on a GPU: QLoRA and LoRA steps on a Qwen2.5-Coder-7B-shaped model, peak memory
and step time next to the estimate ``nxedit train sft --dry-run`` prints.

    python bench/train_gpu.py                        # 7B shape: QLoRA, LoRA (about 6 minutes on an H100)
    python bench/train_gpu.py --shape 0.5b --selekt --exl2   # also SeleKT and the EXL2 export
    python bench/train_gpu.py --shape tiny --selekt  # the same steps on a CPU, in a minute

1. A random-weight model of the shape (7B: 28 layers, hidden 3584, 28 heads / 4 KV heads,
   intermediate 18944, vocab 152064, untied output layer) is written in FP16 with a
   byte-level tokenizer (``bench/gpu_latency.py``'s writers).
2. ``nxedit train dataset`` synthesizes next-edit examples from this repository's
   ``model/`` code (zeta format, token counts from that tokenizer).
3. ``nxedit train sft`` runs ``--steps`` updates of each method (batch 1, gradient
   checkpointing as the command's default for the base's size, examples up to
   ``--max-length`` tokens). Printed per method: the estimate for the longest example
   (:mod:`nxedit.training.memory`), the measured peak (``torch.cuda.max_memory_allocated``,
   and what the caching allocator reserved), their ratio, and seconds per update, with
   the GPU's name.
4. With ``--exl2``: ``nxedit train export`` merges the LoRA run and quantizes it to EXL2
   4.0 bpw; the result is loaded through :class:`ExLlamaV2Backend` and completes one
   next-edit prompt (random weights: the text is noise; load and latency are checked).

Needs torch with CUDA, transformers, peft, bitsandbytes (QLoRA) and, for step 4, exllamav2.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from gpu_latency import write_random_model  # noqa: E402

SHAPES = {
    "7b": dict(
        hidden_size=3584,
        intermediate_size=18944,
        num_hidden_layers=28,
        num_attention_heads=28,
        num_key_value_heads=4,
        vocab_size=152064,
        max_position_embeddings=32768,
        rope_theta=1e6,
        tie_word_embeddings=False,
    ),
    "0.5b": dict(
        hidden_size=896,
        intermediate_size=4864,
        num_hidden_layers=24,
        num_attention_heads=14,
        num_key_value_heads=2,
        vocab_size=151936,
        max_position_embeddings=32768,
        rope_theta=1e6,
        tie_word_embeddings=True,
    ),
    "tiny": dict(
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        vocab_size=4096,
        max_position_embeddings=4096,
        tie_word_embeddings=True,
    ),
}


def timed_training():
    """Wraps ``Trainer.train`` to record its seconds; returns the list they go to."""
    from transformers import Trainer

    seconds = []
    original = Trainer.train

    def train(self, *args, **kwargs):
        import torch

        if torch.cuda.is_available():  # the training's peak, not the loading's
            torch.cuda.reset_peak_memory_stats()
        t0 = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            seconds.append(time.perf_counter() - t0)

    Trainer.train = train
    return seconds


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "nxedit-train-gpu")
    p.add_argument("--shape", choices=sorted(SHAPES), default="7b")
    p.add_argument("--steps", type=int, default=6)
    p.add_argument("--max-length", type=int, default=2048)
    p.add_argument("--selekt", action="store_true", help="also SeleKT (a full fine-tune: not at 7B on one GPU)")
    p.add_argument("--exl2", action="store_true", help="export the LoRA run to EXL2 and load it")
    args = p.parse_args(argv)
    try:
        import torch
    except ImportError:
        print("needs torch with CUDA, transformers, peft and bitsandbytes: pip install 'nxedit[train,gpu]'")
        return 2
    cuda = torch.cuda.is_available()
    if not cuda and args.shape != "tiny":
        print("needs an NVIDIA GPU (torch sees none); --shape tiny runs the same steps on a CPU")
        return 2
    device = "cuda" if cuda else "cpu"
    where = torch.cuda.get_device_name() if cuda else "CPU"
    print(f"device: {where}, torch {torch.__version__}, CUDA {torch.version.cuda}", flush=True)

    from nxedit.training import dataset, export, sft
    from nxedit.training.examples import read_jsonl
    from nxedit.training.hf import compute_bytes, load_tokenizer, sft_features
    from nxedit.training.memory import architecture, estimate, gib
    from nxedit.training.qlora import unavailable

    work = args.work / args.shape
    t0 = time.perf_counter()
    base = write_random_model(work / "base", SHAPES[args.shape], device)
    print(f"random {args.shape} model written in {time.perf_counter() - t0:.0f} s", flush=True)
    data = work / "data"
    dataset.run(dataset.Config(out=data, code=[str(ROOT / "model")], format="zeta", tokenizer=base))
    rows = list(read_jsonl(data / "train.jsonl"))
    features, _ = sft_features(load_tokenizer(str(base)), rows, args.max_length)
    longest = max(len(f["input_ids"]) for f in features)
    head = max(sum(t != -100 for t in f["labels"]) + 1 for f in features)  # logits: the completion only
    arch = architecture(str(base))
    checkpointing = arch.params >= 1e9  # the command's default (training/recipe.py)
    print(f"{arch.params / 1e9:.2f}B parameters, {len(features)} examples up to {longest} tokens, "
          f"gradient checkpointing {'on' if checkpointing else 'off'}", flush=True)
    seconds = timed_training()
    methods = ["qlora", "lora"] + (["selekt"] if args.selekt else [])
    if unavailable():
        print(f"qlora skipped: {unavailable()}")
        methods.remove("qlora")
    for method in methods:
        cfg = sft.Config(data=data, base=str(base), out=work / f"sft-{method}", method=method,
                         max_steps=args.steps, batch_size=1, grad_accum=1, max_length=args.max_length,
                         save_steps=10**6, logging_steps=1, resume=False, selekt_every=3, lora_r=16,
                         early_stop=0, memory=1e6)  # measured, not refused: the estimate is printed beside it
        e = estimate(arch, method, seq_len=longest, batch=1, lora_r=16, checkpointing=checkpointing,
                     compute_bytes=compute_bytes(), head_len=head)
        gc.collect()
        if cuda:
            torch.cuda.empty_cache()
        sft.run(cfg)
        per_update = seconds[-1] / args.steps
        if cuda:
            peak, reserved = torch.cuda.max_memory_allocated(), torch.cuda.max_memory_reserved()
            measured = f"peak {gib(peak)} (reserved {gib(reserved)}), estimate/peak {e.total / peak:.2f}"
        else:
            measured = "peak not measured on a CPU (tests/training/test_memory.py does)"
        print(f"{where}: {e.line()}\n         measured: {measured}; "
              f"{per_update:.2f} s/update over {args.steps} updates (first included)", flush=True)

    if not args.exl2:
        return 0
    t0 = time.perf_counter()
    exported = work / "export"
    export.run(export.Config(model=work / "sft-lora" / "final", out=exported, bits=4.0))
    print(f"export: merge + EXL2 4.0 bpw in {time.perf_counter() - t0:.0f} s", flush=True)
    from nxedit.model.predict.backends.exllamav2 import ExLlamaV2Backend
    from nxedit.model.predict.model_config import parse_model_table
    from nxedit.model.predict.prompts import zeta

    table = tomllib.loads((exported / "model.toml").read_text())["model"]
    config, problems = parse_model_table(table)
    assert not problems, problems
    backend = ExLlamaV2Backend(config)
    backend.load(lambda s: print(f"  {s}", flush=True))
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        done = backend.complete(rows[0]["prompt"], 64, zeta.STOP)
        times.append((time.perf_counter() - t0) * 1000)
    print(
        f"exllamav2 backend: {done.prompt_tokens}-token prompt, {done.new_tokens} new tokens, "
        f"median {sorted(times)[2]:.1f} ms",
        flush=True,
    )
    backend.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
