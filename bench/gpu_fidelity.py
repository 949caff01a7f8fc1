#!/usr/bin/env python3
"""The fidelity questions of issue 19 that only a GPU settles, in one prepared run (< 5 min).

    python bench/gpu_fidelity.py [--work DIR]

On a small random-weight Qwen2 (FP16, made here; exllamav2, torch with CUDA needed):
1. Unpaged + n-gram drafting: the exllamav2 backend forced into the unpaged generator
   (``EXLLAMA_NO_FLASH_ATTN`` semantics: ``can_page`` false) loads, answers, and a request
   for N new tokens gets N (the generator ends a job ``num_draft_tokens`` early unless
   the backend asks for that many more), with and without drafting; the mode is printed.
2. Stop tokens as ids: ``<|endoftext|>`` (the model's eos, a special token) ends a job
   as a token id, not as a string; the reason and the text are printed.
3. What Zeta's answer costs without the pre-fill: the tokens of ``<|editable_region_start|>``
   that the model now writes first, against the excerpt head it used to be handed (counted
   with the model's tokenizer on the dev set's first cases), and the time of a request of each
   length (random weights: the decode cost per token).
Not settled here (no download on the GPU machine): the eos id of the released Instinct
checkpoint (continuedev/instinct); run ``python -c "import json;print(json.load(open(
'<instinct>/generation_config.json'))['eos_token_id'])"`` where it is at hand.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gpu_latency import SHAPE_SMALL, write_random_model  # noqa: E402

from nxedit.model.predict.backends import exllamav2 as ex  # noqa: E402
from nxedit.model.predict.model_config import ModelConfig  # noqa: E402


def unpaged_backend(folder: Path, ngram: bool):
    backend = ex.ExLlamaV2Backend(ModelConfig(backend="exllamav2", model=str(folder), ngram_draft=ngram))
    real = ex.can_page
    ex.can_page = lambda *a: False  # as without flash-attn 2.5.7+
    try:
        backend.load(lambda s: print("  status:", s, flush=True))
    finally:
        ex.can_page = real
    return backend


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "nxedit-gpu-fidelity")
    args = p.parse_args(argv)
    import torch

    if not torch.cuda.is_available():
        print("needs an NVIDIA GPU: nothing measured")
        return 2
    print(f"device: {torch.cuda.get_device_name()}", flush=True)
    folder = write_random_model(args.work / "small-fp16", SHAPE_SMALL)
    prompt = "def total(items):\n    return sum(item.price for item in items)\n" * 8
    for ngram in (False, True):
        backend = unpaged_backend(folder, ngram)
        done = backend.complete(prompt, 64)
        print(f"1. unpaged={not backend.paged} ngram={ngram}: asked 64 new tokens, got {done.new_tokens} "
              f"({done.finish_reason})", flush=True)
        eos = backend.tokenizer.eos_token_id
        print(f"2. stop conditions for ('<|endoftext|>',): {backend.stop_conditions(('<|endoftext|>',))} "
              f"(eos id {eos})", flush=True)
        backend.close()
    backend = unpaged_backend(folder, True)
    marker = backend.count_tokens("<|editable_region_start|>\n")
    head = backend.count_tokens("```shop/inventory.py\n<|start_of_file|>\n" + prompt[:600])
    timings = {}
    for n in (marker, head):
        t0 = time.perf_counter()
        backend.complete(prompt, max(1, n))
        timings[n] = (time.perf_counter() - t0) * 1000
    print(f"3. Zeta without pre-fill writes {marker} marker tokens ({timings[marker]:.0f} ms); "
          f"a pre-filled head of this size is {head} tokens ({timings[head]:.0f} ms if generated)", flush=True)
    backend.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
