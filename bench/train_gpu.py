#!/usr/bin/env python3
"""The training steps on a GPU: LoRA and SeleKT on a Qwen2.5-Coder-0.5B-shaped model, then
EXL2 export loaded by the editor's exllamav2 backend.

    python bench/train_gpu.py [--work DIR] [--steps 20] [--skip-exl2]
    python bench/train_gpu.py --shape tiny --skip-exl2     # the same path on a CPU, in a minute

1. A random-weight model with Qwen2.5-Coder-0.5B's shape (24 layers, hidden 896, 14 heads /
   2 KV heads, intermediate 4864, vocab 151936, tied embeddings) is written in FP16 with a
   byte-level tokenizer (``bench/gpu_latency.py``'s writers).
2. ``nxedit train dataset`` synthesizes next-edit examples from this repository's
   ``model/`` code (zeta format, token counts from that tokenizer).
3. ``nxedit train sft`` runs ``--steps`` updates of LoRA, then of SeleKT (alpha 0.05,
   every 5 updates); printed: seconds per update, peak GPU memory, the completion loss
   of 8 training examples before and after, and for SeleKT the share of weights that
   differ from the base (at most alpha per tensor, counted exactly).
4. ``nxedit train export`` merges the LoRA run and quantizes it to EXL2 4.0 bpw with
   exllamav2's converter; the result is loaded through :class:`ExLlamaV2Backend` from the
   ``[model]`` table the export wrote, and one next-edit prompt is completed (random
   weights: the text is noise; load, generate and latency are what is checked).

Needs torch with CUDA, transformers, peft, trl, accelerate and (step 4) exllamav2.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from gpu_latency import write_random_model  # noqa: E402

SHAPE_05B = dict(
    hidden_size=896,
    intermediate_size=4864,
    num_hidden_layers=24,
    num_attention_heads=14,
    num_key_value_heads=2,
    vocab_size=151936,
    max_position_embeddings=32768,
    rope_theta=1e6,
    tie_word_embeddings=True,
)
SHAPE_TINY = dict(
    hidden_size=64,
    intermediate_size=128,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    vocab_size=4096,
    max_position_embeddings=4096,
    tie_word_embeddings=True,
)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "nxedit-train-gpu")
    p.add_argument("--shape", choices=["0.5b", "tiny"], default="0.5b")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--skip-exl2", action="store_true")
    args = p.parse_args(argv)
    try:
        import torch
    except ImportError:
        print(
            "needs torch with CUDA, transformers, peft, trl and accelerate: pip install 'nxedit[train,gpu]'"
        )
        return 2
    cuda = torch.cuda.is_available()
    if not cuda and args.shape != "tiny":
        print("needs an NVIDIA GPU (torch sees none); --shape tiny --skip-exl2 runs the same steps on a CPU")
        return 2
    device = "cuda" if cuda else "cpu"
    where = torch.cuda.get_device_name() if cuda else "CPU"
    print(f"device: {where}, torch {torch.__version__}, CUDA {torch.version.cuda}", flush=True)

    from nxedit.training import dataset, export, sft
    from nxedit.training.examples import read_jsonl
    from nxedit.training.hf import completion_loss
    from nxedit.training.selekt import changed_weights

    work = args.work / args.shape
    shape = SHAPE_05B if args.shape == "0.5b" else SHAPE_TINY
    base = write_random_model(work / "base", shape, device)
    data = work / "data"
    dataset.run(dataset.Config(out=data, code=[str(ROOT / "model")], format="zeta", tokenizer=base))
    rows = list(read_jsonl(data / "train.jsonl"))[:8]
    before = completion_loss(base, rows, device)
    alpha = 0.05
    for method in ("lora", "selekt"):
        out = work / f"sft-{method}"
        cfg = sft.Config(
            data=data,
            base=str(base),
            out=out,
            method=method,
            max_steps=args.steps,
            batch_size=1,
            grad_accum=1,
            max_length=2048,
            save_steps=10**6,
            logging_steps=5,
            resume=False,
            selekt_alpha=alpha,
            selekt_every=5,
        )
        if cuda:
            torch.cuda.reset_peak_memory_stats()
        t0 = time.perf_counter()
        sft.run(cfg)
        seconds = (time.perf_counter() - t0) / args.steps
        peak = torch.cuda.max_memory_allocated() / 2**30 if cuda else float("nan")
        after = completion_loss(out / "final", rows, device)
        line = (
            f"{method:<7} {args.steps} updates: {seconds:.3f} s/update (with start-up), peak GPU memory "
            f"{peak:.1f} GiB, completion loss {before:.3f} -> {after:.3f}"
        )
        if method == "selekt":
            counts = changed_weights(base, out / "final")
            share = sum(c for _, c, _ in counts) / sum(n for _, _, n in counts)
            within = all(c <= math.floor(alpha * n) for _, c, n in counts)
            line += f", weights changed {share:.4f} (every tensor <= alpha {alpha}: {within})"
        print(line, flush=True)

    if args.skip_exl2:
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
