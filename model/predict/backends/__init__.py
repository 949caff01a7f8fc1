"""Where the next-edit model runs: ExLlamaV2 on the local GPU, an OpenAI-compatible server,
or transformers (small models on CPU, and the tests).

Each backend module is imported only when that backend is used, so torch, transformers
and exllamav2 never load at editor start or for the structural engine.
"""

from __future__ import annotations

import importlib

from .base import Backend, BackendError, CancelToken, Completion

BACKENDS: dict[str, str] = {
    "exllamav2": "nxedit.model.predict.backends.exllamav2:ExLlamaV2Backend",
    "openai": "nxedit.model.predict.backends.openai:OpenAIBackend",
    "transformers": "nxedit.model.predict.backends.transformers:TransformersBackend",
}

__all__ = ["BACKENDS", "Backend", "BackendError", "CancelToken", "Completion", "create_backend"]


def create_backend(config) -> Backend:
    """The backend ``config.backend`` names, built from a :class:`ModelConfig` (not loaded yet)."""
    if config.backend not in BACKENDS:
        raise BackendError(f"unknown backend {config.backend!r} (known: {', '.join(sorted(BACKENDS))})")
    module_name, _, cls = BACKENDS[config.backend].partition(":")
    return getattr(importlib.import_module(module_name), cls)(config)
