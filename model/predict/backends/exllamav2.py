"""ExLlamaV2: an EXL2-quantized (or FP16 safetensors) model on the user's own NVIDIA GPU.

Uses the dynamic generator (exllamav2 0.3.2) with n-gram (prompt-lookup) drafting, since a
next-edit answer mostly copies its prompt. Its paged mode needs flash-attn 2.5.7 or later
on an Ampere or newer GPU, still enabled once the model's architecture overrides are
applied; otherwise it runs the generator's unpaged mode (batch 1: all an editor needs).
Jobs are streamed one generator step at a time, so a job that a
newer keystroke made stale is cancelled within a step. Loading ends with a warm-up
request, so the first real request does not pay for CUDA's lazy start.

The exllamav2 wheel compiles its CUDA extension the first time it is imported, which
takes minutes: :func:`extension_state` tells whether that will happen without importing
it, and ``load`` reports it through the status callback. Every way this can fail (no
torch, a CPU-only torch, no GPU, too little VRAM, no compiler for the extension) ends in
one :class:`BackendError` line that says what to do.
"""

from __future__ import annotations

import glob
import importlib.util
import json
import os
import threading
from typing import Sequence

from nxedit.model.predict.prompts.base import Prompt
from .base import (BackendError, CancelToken, Completion, StatusCallback, TextCallback, one_line, prompt_text,
                   single_token_ids)

GIB = 1 << 30
NUM_DRAFT_TOKENS = 6  # n-gram draft length (the generator's max_q_size is 8)
WARMUP_PROMPT = "def fibonacci(n):\n    "
KV_BYTES_PER_TOKEN_FP16 = 2 * 2  # keys and values, 2 bytes each, per layer and KV channel


def extension_state() -> str:
    """``"absent"`` (exllamav2 not installed), ``"prebuilt"``, ``"built"`` (JIT build cached)
    or ``"unbuilt"`` (the first import will compile it for minutes). Imports neither."""
    if importlib.util.find_spec("exllamav2") is None:
        return "absent"
    if importlib.util.find_spec("exllamav2_ext") is not None:
        return "prebuilt"
    try:
        from torch.utils.cpp_extension import _get_build_directory

        build_dir = _get_build_directory("exllamav2_ext", False)
    except Exception:  # torch missing or its private helper moved: assume the worst
        return "unbuilt"
    return "built" if glob.glob(os.path.join(build_dir, "exllamav2_ext*.so")) else "unbuilt"


def no_cuda_reason(torch) -> str | None:
    """Why torch cannot use a CUDA GPU here, or None when it can."""
    if torch.cuda.is_available():
        return None
    if not torch.version.cuda:
        return (f"torch {torch.__version__} is a CPU-only build: install a CUDA build of torch "
                "to run exllamav2 (or use the openai backend with a server)")
    return "no CUDA GPU is visible (is the NVIDIA driver loaded? is CUDA_VISIBLE_DEVICES hiding it?)"


def build_failure(exc: BaseException) -> str:
    """A one-line message for an exception raised while importing exllamav2."""
    text = str(exc)
    if "Ninja is required" in text or "ninja" in text.lower() and "not found" in text.lower():
        return "exllamav2 needs ninja to build its CUDA kernels: pip install ninja"
    if "CUDA_HOME" in text or "nvcc" in text:
        return "exllamav2 needs the CUDA toolkit (nvcc) to build its kernels: install it and set CUDA_HOME"
    if "undefined symbol" in text:
        return "exllamav2's compiled extension does not match this torch: reinstall exllamav2 for it"
    return f"exllamav2 could not build or load its CUDA extension: {one_line(exc)}"


def check_model_dir(path: str | None) -> list[str]:
    """The safetensors files of a model folder; BackendError saying what is missing."""
    if not path or not os.path.isdir(path):
        raise BackendError(f"model folder not found: {path}")
    if not os.path.isfile(os.path.join(path, "config.json")):
        raise BackendError(f"{path} has no config.json: not a model folder")
    weights = sorted(glob.glob(os.path.join(path, "*.safetensors")))
    if not weights:
        raise BackendError(f"{path} has no .safetensors weights (EXL2 or FP16 safetensors are needed)")
    return weights


def vram_needed(path: str, weights: list[str], max_seq_len: int, q4_cache: bool) -> int:
    """Bytes of VRAM a model needs: its weights plus an FP16 (or Q4) cache of ``max_seq_len``."""
    total = sum(os.path.getsize(w) for w in weights)
    try:
        with open(os.path.join(path, "config.json"), encoding="utf-8") as f:
            cfg = json.load(f)
        heads = cfg["num_attention_heads"]
        kv_channels = cfg.get("num_key_value_heads", heads) * cfg.get("head_dim", cfg["hidden_size"] // heads)
        per_token = KV_BYTES_PER_TOKEN_FP16 * cfg["num_hidden_layers"] * kv_channels
    except (OSError, ValueError, KeyError, TypeError, ZeroDivisionError):
        per_token = 0
    cache = max_seq_len * per_token // (4 if q4_cache else 1)
    return int(total * 1.05) + cache + GIB // 4  # plus scratch space and CUDA's own


class ExLlamaV2Backend:
    name = "exllamav2"

    def __init__(self, config):
        self.path = config.model_path
        self.max_seq_len = config.max_seq_len
        self.q4_cache = config.cache == "q4"
        self.ngram_draft = config.ngram_draft
        self.paged: bool | None = None
        self.generator = None
        self.tokenizer = None
        self._model = None
        self._cache = None
        self._lock = threading.Lock()  # the generator is driven by one request at a time

    # -- loading -----------------------------------------------------------------------

    def load(self, on_status: StatusCallback | None = None) -> None:
        status = on_status or (lambda message: None)
        weights = check_model_dir(self.path)
        try:
            import torch
        except ImportError:
            raise BackendError("exllamav2 needs torch with CUDA: pip install 'nxedit[gpu]'") from None
        reason = no_cuda_reason(torch)
        if reason:
            raise BackendError(reason)
        need = vram_needed(self.path, weights, self.max_seq_len, self.q4_cache)
        free, _ = torch.cuda.mem_get_info()
        if need > free:
            raise BackendError(
                f"not enough VRAM: the model needs about {need / GIB:.1f} GiB, {free / GIB:.1f} GiB free on "
                f"{torch.cuda.get_device_name()} (try cache = \"q4\", a lower max_seq_len or a smaller quantization)"
            )
        state = extension_state()
        if state == "absent":
            raise BackendError("exllamav2 is not installed: pip install 'nxedit[gpu]'")
        if state == "unbuilt":
            status("compiling exllamav2's CUDA kernels (first run only: this takes several minutes)...")
        try:
            import exllamav2  # noqa: F401  (this import builds the extension when it must)
            from exllamav2 import attn as ex_attn
        except Exception as exc:  # the JIT build raises RuntimeError, OSError, CalledProcessError...
            raise BackendError(build_failure(exc)) from None
        status(f"loading {os.path.basename(self.path.rstrip('/'))} into VRAM ({need / GIB:.1f} GiB)...")
        try:
            self._load_model(lambda config: can_page(ex_attn, config, torch))
        except torch.cuda.OutOfMemoryError:
            self.close()
            raise BackendError("ran out of VRAM while loading: try cache = \"q4\", a lower max_seq_len "
                               "or a smaller quantization") from None
        except (AssertionError, RuntimeError, ValueError, OSError, KeyError) as exc:
            self.close()
            raise BackendError(f"exllamav2 cannot load {self.path}: {one_line(exc)}") from None
        status("warming up the model...")
        self.complete(WARMUP_PROMPT, max_tokens=16)
        used = torch.cuda.memory_allocated() / GIB
        mode = "paged" if self.paged else "unpaged (no flash-attn)"
        draft = ", n-gram drafting" if self.ngram_draft else ""
        status(f"ready: {os.path.basename(self.path.rstrip('/'))} (exllamav2, {mode}{draft}, {used:.1f} GiB VRAM)")

    def _load_model(self, pageable) -> None:
        """Load the model; ``pageable(config)`` says whether the paged generator can run,
        asked after the architecture's overrides (which may switch flash-attn off)."""
        from exllamav2 import ExLlamaV2, ExLlamaV2Cache, ExLlamaV2Cache_Q4, ExLlamaV2Config, ExLlamaV2Tokenizer
        from exllamav2.generator import ExLlamaV2DynamicGenerator

        config = ExLlamaV2Config(self.path)
        config.arch_compat_overrides()
        config.max_seq_len = min(config.max_seq_len, self.max_seq_len)
        config.max_seq_len -= config.max_seq_len % 256  # the generator works in pages of 256 tokens
        paged = pageable(config)
        model = ExLlamaV2(config)
        cache_cls = ExLlamaV2Cache_Q4 if self.q4_cache else ExLlamaV2Cache
        cache = cache_cls(model, max_seq_len=config.max_seq_len, lazy=True)
        model.load_autosplit(cache, progress=False)
        self._model, self._cache = model, cache
        self.tokenizer = ExLlamaV2Tokenizer(config)
        self.generator = ExLlamaV2DynamicGenerator(
            model=model, cache=cache, tokenizer=self.tokenizer, max_batch_size=1, paged=paged,
            use_ngram_draft=self.ngram_draft, num_draft_tokens=NUM_DRAFT_TOKENS if self.ngram_draft else 4,
        )
        self.paged = paged
        self.max_seq_len = config.max_seq_len

    def close(self) -> None:
        with self._lock:
            if self._model is not None:
                self._model.unload()
            self.generator = self.tokenizer = self._model = self._cache = None

    # -- generating ----------------------------------------------------------------------

    def count_tokens(self, text: str) -> int | None:
        if self.tokenizer is None:
            return None
        return self.tokenizer.encode(text, add_bos=False, encode_special_tokens=True).shape[-1]

    def _encode(self, text: str) -> list[int]:
        return self.tokenizer.encode(text, add_bos=False, encode_special_tokens=True).flatten().tolist()

    def _make_job(self, input_ids, max_tokens: int, stop: Sequence[str], ban: Sequence[str] = ()):
        from exllamav2.generator import ExLlamaV2DynamicJob, ExLlamaV2Sampler

        return ExLlamaV2DynamicJob(
            input_ids=input_ids, max_new_tokens=job_max_new_tokens(max_tokens, self.generator),
            stop_conditions=self.stop_conditions(stop, ban),
            gen_settings=ExLlamaV2Sampler.Settings.greedy(), return_probs=True,
        )

    def stop_conditions(self, stop: Sequence[str], ban: Sequence[str] = ()) -> list:
        """Stop strings, and as token ids the stops and control tokens that are one token
        (the generator decodes without special tokens, so those strings never match)."""
        ids = single_token_ids(self._encode, [*stop, *ban])
        eos = self.tokenizer.eos_token_id
        return [s for s in stop if s] + ids + ([eos] if eos is not None and eos not in ids else [])

    def complete(self, prompt: Prompt, max_tokens: int, stop: Sequence[str] = (),
                 cancel: CancelToken | None = None, on_text: TextCallback | None = None,
                 ban: Sequence[str] = ()) -> Completion:
        if self.generator is None:
            raise BackendError("the exllamav2 model is not loaded")
        ids = self.tokenizer.encode(prompt_text(prompt), add_bos=False, encode_special_tokens=True)
        if ids.shape[-1] + job_max_new_tokens(max_tokens, self.generator) > self.max_seq_len:
            raise BackendError(f"the prompt ({ids.shape[-1]} tokens) and {max_tokens} new tokens do not fit "
                               f"max_seq_len {self.max_seq_len}")
        with self._lock:
            if cancel is not None and cancel.cancelled:
                return Completion("", "cancelled")
            return self._run(self._make_job(ids, max_tokens, stop, ban), cancel, on_text)

    def _run(self, job, cancel: CancelToken | None, on_text: TextCallback | None) -> Completion:
        """Drive the generator step by step until ``job`` ends or ``cancel`` fires."""
        generator = self.generator
        generator.enqueue(job)
        pieces: list[str] = []
        probs: list[float] = []
        try:
            while True:
                if cancel is not None and cancel.cancelled:
                    generator.cancel(job)
                    return Completion("".join(pieces), "cancelled", len(probs))
                for result in generator.iterate():
                    if result.get("job") is not job or result.get("stage") != "streaming":
                        continue
                    text = result.get("text", "")
                    if text:
                        pieces.append(text)
                        if on_text:
                            on_text(text)
                    if "token_probs" in result:
                        probs += result["token_probs"].flatten().tolist()
                    if result.get("eos"):
                        held = held_text(result)
                        if held:
                            pieces.append(held)
                            if on_text:
                                on_text(held)
                        reason = "length" if result.get("eos_reason") == "max_new_tokens" else "stop"
                        logs = [_log(p) for p in probs]
                        return Completion(
                            "".join(pieces), reason, result.get("new_tokens", len(probs)),
                            result.get("prompt_tokens"), sum(logs) / len(logs) if logs else None,
                        )
        except Exception as exc:  # CUDA errors, OOM: this request fails, the editor goes on
            try:
                generator.cancel(job)
            except Exception:
                pass
            raise BackendError(f"exllamav2 generation failed: {one_line(exc)}") from None


def can_page(ex_attn, config, torch) -> bool:
    """Whether the paged generator can run: flash-attn 2.5.7+ (``has_flash_attn_with_paged``,
    false under ``EXLLAMA_NO_FLASH_ATTN``), not switched off by the architecture's
    overrides, and an Ampere or newer GPU (flash-attn's kernels need one)."""
    if not getattr(ex_attn, "has_flash_attn_with_paged", False) or getattr(config, "no_flash_attn", False):
        return False
    try:
        return torch.cuda.get_device_capability()[0] >= 8
    except Exception:  # no device to ask: the unpaged mode runs everywhere
        return False


def job_max_new_tokens(max_tokens: int, generator) -> int:
    """``max_new_tokens`` for a job that should generate ``max_tokens``: with drafting the
    generator ends a job ``num_draft_tokens`` early (so drafts never overrun the limit)."""
    return max_tokens + int(getattr(generator, "num_draft_tokens", 0) or 0)


def held_text(result: dict) -> str:
    """The text a job held back when it ended at a stop token (exllamav2 0.3.2 reports it
    under ``held`` instead of streaming it): a prefix of a stop string that turned out not
    to be one, less the stop token's own piece."""
    if result.get("eos_reason") != "stop_token":
        return ""
    text = (result.get("held") or {}).get("text") or ""
    piece = result.get("eos_triggering_token_str") or ""
    return text[: len(text) - len(piece)] if piece and text.endswith(piece) else text


def _log(p: float) -> float:
    import math

    return math.log(max(p, 1e-12))
