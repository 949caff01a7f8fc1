"""Prompt formats of the open next-edit models, one module each.

Every format module has ``NAME``, ``REGION`` (a :class:`~nxedit.model.predict.context.RegionSpec`:
how it wants the region cut), ``STOP`` (stop strings), ``BAN`` (control tokens the
model may not write), ``render(context) -> Prompt``,
``render_target(context, rewritten_region) -> str`` (the text a model should answer:
training reuses it), ``grammar(context) -> Grammar`` (the answer's structure as a GBNF grammar,
for servers that constrain decoding, and the token limit its answers end within) and ``parse(output, context, truncated=False) -> Parsed | Rejected``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

FORMATS: dict[str, str] = {
    "zeta": "nxedit.model.predict.prompts.zeta",
    "zeta-cache": "nxedit.model.predict.prompts.zeta_cache",  # Zeta in cache order, for models nxedit fine-tunes
    "instinct": "nxedit.model.predict.prompts.instinct",
    "sweep": "nxedit.model.predict.prompts.sweep",  # Sweep Next-Edit 1.5B and 0.5B (v1)
    "sweep-v2": "nxedit.model.predict.prompts.sweep_v2",  # Sweep Next-Edit v2 7B
    "chat": "nxedit.model.predict.prompts.chat",  # any instruction-tuned model behind a chat endpoint
}


def get_format(name: str) -> ModuleType:
    """The module of prompt format ``name``; LookupError if there is none."""
    if name not in FORMATS:
        raise LookupError(f"unknown prompt format {name!r} (known: {', '.join(sorted(FORMATS))})")
    return importlib.import_module(FORMATS[name])
