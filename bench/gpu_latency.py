"""Latency of a next-edit request through the exllamav2 backend, on an NVIDIA GPU.

    python bench/gpu_latency.py [--work DIR] [--requests 20] [--skip-7b] [--skip-exl2]

1. A random-weight model with Qwen2.5-Coder-7B's shape (28 layers, hidden 3584, 28
   heads / 4 KV heads, vocab 152064) is written in FP16 safetensors with a byte-level
   tokenizer, loaded through :class:`ExLlamaV2Backend`, and timed on next-edit-sized
   requests: a ~1,500-token prompt and a ~120-token rewrite (max_new_tokens=120; random
   weights never stop early), p50 and p90 of ``--requests`` runs, the first streamed token
   (prefill) and decoding tokens per second, with and without n-gram drafting (their
   ratio), and a cold prefill of the whole prompt (what a new file costs). Each request changes the end of the prompt, as typing does, so the shared
   prefix is cached as it would be in the editor. Random weights do not copy their
   prompt, so drafting shows its overhead here, not its gain on a real next-edit model.
2. A small random model (hidden 512, 4 layers) is quantized to EXL2 (4.0 bpw) with
   exllamav2's own converter and loaded and timed through the backend the same way.

Prints the device and the figures. Goal: p50 <= 150 ms (Zeta: <= 300 ms; Sweep 1.5B:
< 500 ms on a laptop). Needs torch with CUDA, exllamav2, transformers and ~18 GiB VRAM.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CODE = '''\
def order_total(products, quantities, rebate):
    total = 0.0
    for product, quantity in zip(products, quantities):
        total += product.unit_price * quantity
    total = apply_discount(total, rebate)
    return format_money(total)


class Warehouse:
    def __init__(self, products=()):
        self.products = {p.sku: p for p in products}

    def find(self, sku):
        return self.products.get(sku)
'''
SHAPE_7B = dict(hidden_size=3584, intermediate_size=18944, num_hidden_layers=28, num_attention_heads=28,
                num_key_value_heads=4, vocab_size=152064, max_position_embeddings=32768, rope_theta=1e6)
SHAPE_SMALL = dict(hidden_size=512, intermediate_size=1408, num_hidden_layers=4, num_attention_heads=8,
                   num_key_value_heads=2, vocab_size=152064, max_position_embeddings=32768, rope_theta=1e6)


def write_tokenizer(folder: Path, vocab_size: int) -> None:
    """A byte-level BPE learned from :data:`CODE`, padded with filler tokens to ``vocab_size``
    (a random model samples any id: each must decode)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=2000, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    bpe.train_from_iterator([CODE * 20], trainer)
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|endoftext|>")
    tok.add_tokens([f"<|filler_{i}|>" for i in range(vocab_size - len(tok))])
    tok.save_pretrained(folder)


def write_random_model(folder: Path, shape: dict, device: str = "cuda") -> Path:
    """A random-weight Qwen2 of ``shape`` in FP16 safetensors (made on the GPU: fast); ``shape``
    may set ``tie_word_embeddings`` (default: untied)."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    if (folder / "config.json").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    config = Qwen2Config(**{"tie_word_embeddings": False, **shape}, torch_dtype="float16",
                         bos_token_id=0, eos_token_id=0)
    with torch.device(device):
        model = Qwen2ForCausalLM(config).half()
    model.save_pretrained(folder, safe_serialization=True)
    del model
    if device.startswith("cuda"):
        torch.cuda.empty_cache()
    write_tokenizer(folder, shape["vocab_size"])
    return folder


def quantize_exl2(fp16: Path, out: Path, work: Path) -> Path:
    if (out / "config.json").exists():
        return out
    subprocess.run([sys.executable, "-m", "exllamav2.conversion.convert_exl2", "-i", str(fp16), "-o", str(work),
                    "-cf", str(out), "-b", "4.0", "-l", "512", "-ml", "512", "-r", "8", "-mr", "4"], check=True)
    return out


def prompts(backend, n: int, target_tokens: int = 1500) -> list[str]:
    base = CODE
    while backend.count_tokens(base) < target_tokens:
        base += CODE
    return [base + f"\n# request {i}: {'x' * (i % 7)}\n" for i in range(n)]


def time_requests(backend, texts: list[str], new_tokens: int) -> list[tuple[float, float, int]]:
    """Per request: ms to the first streamed text (prefill of the changed prompt end, one
    token), ms in all, and tokens generated."""
    backend.complete(texts[0], new_tokens)  # one more warm-up on this prompt size
    runs = []
    for text in texts:
        first: list[float] = []
        t0 = time.perf_counter()
        done = backend.complete(text, new_tokens, on_text=lambda piece: first or first.append(time.perf_counter()))
        end = time.perf_counter()
        runs.append(((first[0] - t0) * 1000 if first else (end - t0) * 1000, (end - t0) * 1000, done.new_tokens))
        assert done.new_tokens >= new_tokens * 0.9, f"stopped early at {done.new_tokens} tokens"
    return runs


def cold_prefill_ms(backend, text: str) -> float:
    """ms to the first token of a prompt that shares nothing with the cached one (a new file)."""
    first: list[float] = []
    t0 = time.perf_counter()
    backend.complete("# another file\n" + text[::-1], 1, on_text=lambda piece: first or first.append(time.perf_counter()))
    return ((first[0] if first else time.perf_counter()) - t0) * 1000


def report(label: str, runs: list[tuple[float, float, int]]) -> float:
    """Prints p50/p90 of whole requests and of the first token, and decoding speed; returns it."""
    times = [total for _, total, _ in runs]
    q = statistics.quantiles(times, n=10)
    ttft = statistics.median(first for first, _, _ in runs)
    rate = sum(n - 1 for _, _, n in runs) / (sum(total - first for first, total, _ in runs) / 1000)
    print(f"{label:<44} p50 {statistics.median(times):7.1f} ms   p90 {q[-1]:7.1f} ms   first token p50 "
          f"{ttft:6.1f} ms   decode {rate:6.1f} tok/s   (n={len(times)})", flush=True)
    return rate


def bench(folder: Path, label: str, n: int, new_tokens: int) -> None:
    from nxedit.model.predict.backends.exllamav2 import ExLlamaV2Backend
    from nxedit.model.predict.model_config import ModelConfig

    rates = {}
    for ngram in (False, True):
        backend = ExLlamaV2Backend(ModelConfig(backend="exllamav2", model=str(folder), ngram_draft=ngram,
                                               max_seq_len=4096))
        backend.load(lambda s: print(f"  {s}", flush=True))
        texts = prompts(backend, n)
        tokens = backend.count_tokens(texts[0])
        rates[ngram] = report(f"{label}, {tokens}-token prompt, {new_tokens} new, ngram={ngram}",
                              time_requests(backend, texts, new_tokens))
        if not ngram:
            mode = "paged" if backend.paged else "unpaged"
            print(f"{'':<44} cold prefill of {tokens} tokens ({mode}): {cold_prefill_ms(backend, texts[0]):.1f} ms",
                  flush=True)
        backend.close()
    print(f"{label}: n-gram / plain decoding = {rates[True] / rates[False]:.2f}x "
          "(random weights copy nothing: this is the drafting overhead)", flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "nxedit-gpu-bench")
    p.add_argument("--requests", type=int, default=20)
    p.add_argument("--new-tokens", type=int, default=120)
    p.add_argument("--skip-7b", action="store_true")
    p.add_argument("--skip-exl2", action="store_true")
    args = p.parse_args(argv)
    try:
        import torch
    except ImportError:
        print("needs torch with CUDA, exllamav2 and transformers: pip install 'nxedit[gpu,train]'")
        return 2
    if not torch.cuda.is_available():
        print("needs an NVIDIA GPU (torch sees none): nothing measured")
        return 2
    print(f"device: {torch.cuda.get_device_name()}, torch {torch.__version__}, CUDA {torch.version.cuda}", flush=True)
    os.makedirs(args.work, exist_ok=True)
    if not args.skip_7b:
        bench(write_random_model(args.work / "qwen7b-shape-fp16", SHAPE_7B), "7B shape FP16 (random)",
              args.requests, args.new_tokens)
    if not args.skip_exl2:
        small = write_random_model(args.work / "small-fp16", SHAPE_SMALL)
        exl2 = quantize_exl2(small, args.work / "small-exl2-4.0bpw", args.work / "exl2-work")
        bench(exl2, "small EXL2 4.0 bpw (random)", args.requests, args.new_tokens)
    return 0


if __name__ == "__main__":
    sys.exit(main())
