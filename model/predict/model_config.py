"""The ``[model]`` table of the config file: which next-edit model runs, where, and how.

```toml
[model]
backend = "exllamav2"            # exllamav2, openai, transformers; absent: no model, structural only
model = "~/models/zeta-exl2-4.0bpw"  # a model folder (exllamav2, transformers) or a server's model name
prompt_format = "zeta"           # zeta (Zeta-1), instinct, sweep (Sweep 1.5B/0.5B), sweep-v2 (Sweep v2 7B), chat (any chat model),
                                 # zeta-cache (Zeta in cache order: models fine-tuned with nxedit train --format zeta-cache)
base_url = "http://127.0.0.1:8080/v1"   # openai: the server
api_key_env = "NXEDIT_API_KEY"   # openai: the environment variable holding the key
connect_timeout = 2.0            # seconds
read_timeout = 10.0              # seconds without a byte from the server (a CPU server may need 60)
logprobs = false                 # openai: ask for token log-probabilities (slow on llama-cpp-python)
cache_prompt = true              # openai: ask llama.cpp's server to reuse the previous prompt's cache
grammar = "auto"                 # openai: force each answer into its format's structure (a GBNF grammar);
                                 # "auto": on for llama.cpp's server (cheap there), true: always sent
max_tokens = 512                 # longest rewrite generated without a grammar (with one, the grammar bounds it)
ngram_draft = true               # exllamav2: n-gram (prompt-lookup) speculative decoding
max_seq_len = 4096               # exllamav2: cache length (VRAM)
cache = "fp16"                   # exllamav2: fp16 or q4 (quantized cache: less VRAM)
device = "cpu"                   # transformers: cpu, cuda, cuda:1 ...
min_confidence = 0.65            # the acceptance model's probability a suggestion needs (default: its threshold)
acceptance_weights = "~/my-acceptance.json"  # another acceptance model (training/model_ranker.py)
```

The editor reads the file and passes the table here; this module only understands it.
Bad values become one-line messages and the default applies.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from typing import Any

BACKEND_NAMES = ("exllamav2", "openai", "transformers")
FORMAT_NAMES = ("zeta", "zeta-cache", "instinct", "sweep", "sweep-v2", "chat")
CACHE_KINDS = ("fp16", "q4")


@dataclass(frozen=True, slots=True)
class ModelConfig:
    backend: str | None = None
    model: str | None = None
    prompt_format: str = "zeta"
    base_url: str = "http://127.0.0.1:8080/v1"
    api_key_env: str | None = None
    connect_timeout: float = 2.0
    read_timeout: float = 10.0
    max_tokens: int = 512
    ngram_draft: bool = True
    max_seq_len: int = 4096
    cache: str = "fp16"
    device: str = "cpu"
    logprobs: bool = False
    cache_prompt: bool = True
    grammar: bool | str = "auto"  # True, False or "auto" (see openai.OpenAIBackend.load)
    min_confidence: float | None = None  # the acceptance model's probability a suggestion needs (None: its threshold)
    acceptance_weights: str | None = None  # another acceptance model (JSON weights), e.g. refitted for your model

    @property
    def enabled(self) -> bool:
        return self.backend is not None

    @property
    def model_path(self) -> str | None:
        """``model`` with ``~`` expanded (for backends that load a folder)."""
        return os.path.expanduser(self.model) if self.model else None


def _check(name: str, value: Any) -> str | None:
    """Why ``value`` is not acceptable for setting ``name``, or None."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "backend":
        return None if value in BACKEND_NAMES else f"one of {', '.join(BACKEND_NAMES)}"
    if name == "prompt_format":
        return None if value in FORMAT_NAMES else f"one of {', '.join(FORMAT_NAMES)}"
    if name == "cache":
        return None if value in CACHE_KINDS else f"one of {', '.join(CACHE_KINDS)}"
    if name == "min_confidence":
        return None if number and 0 <= value <= 1 else "a number from 0 to 1"
    if name == "acceptance_weights":
        ok = isinstance(value, str) and os.path.isfile(os.path.expanduser(value))
        return None if ok else "the path of a JSON weights file"
    if name in ("model", "base_url", "api_key_env", "device"):
        return None if isinstance(value, str) and value.strip() else "a non-empty string"
    if name in ("connect_timeout", "read_timeout"):
        return None if number and 0 < value <= 600 else "a number of seconds (0 to 600)"
    if name == "max_tokens":
        return None if number and isinstance(value, int) and 1 <= value <= 8192 else "a whole number from 1 to 8192"
    if name == "max_seq_len":
        ok = number and isinstance(value, int) and 256 <= value <= 131072 and value % 256 == 0
        return None if ok else "a multiple of 256 from 256 to 131072"
    if name == "grammar":
        return None if isinstance(value, bool) or value == "auto" else 'true, false or "auto"'
    if name in ("ngram_draft", "logprobs", "cache_prompt"):
        return None if isinstance(value, bool) else "true or false"
    return "a known setting"


def parse_model_table(table: dict | None) -> tuple[ModelConfig, list[str]]:
    """The config of a ``[model]`` table, and one-line messages about what was wrong in it."""
    known = {f.name for f in fields(ModelConfig)}
    values: dict[str, Any] = {}
    messages: list[str] = []
    if table is not None and not isinstance(table, dict):
        return ModelConfig(), ["[model] must be a table; no model is used"]
    for name, value in (table or {}).items():
        if name not in known:
            messages.append(f"[model] unknown setting {name!r} (ignored)")
            continue
        problem = _check(name, value)
        if problem:
            default = getattr(ModelConfig(), name)
            messages.append(f"[model] {name} must be {problem} (got {value!r}); using {default!r}")
            continue
        values[name] = float(value) if name.endswith("_timeout") or name == "min_confidence" else value
    return ModelConfig(**values), messages


def model_config_from(table: dict | None, cli_backend: str | None = None,
                      cli_model: str | None = None) -> tuple[ModelConfig, list[str]]:
    """The config in effect: the ``[model]`` table with ``--backend`` / ``--model`` over it."""
    config, messages = parse_model_table(table)
    if cli_backend is not None:
        problem = _check("backend", cli_backend)
        if problem:
            messages.append(f"--backend must be {problem} (got {cli_backend!r})")
        else:
            config = replace(config, backend=cli_backend)
    if cli_model is not None:
        config = replace(config, model=cli_model)
    if config.backend and not config.model and config.backend != "openai":
        messages.append(f"the {config.backend} backend needs a model folder: set [model] model or --model")
    return config, messages
