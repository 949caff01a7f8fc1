"""A GGUF of the trained model for llama.cpp's server, by llama.cpp's own converters.

A LoRA adapter becomes a LoRA GGUF (``convert_lora_to_gguf.py``, a few MB) that
``llama-server -m BASE.gguf --lora lora.gguf`` applies to any GGUF of the same base, its
quantized ones included; a whole model (SeleKT, or a merged folder) becomes a full GGUF
(``convert_hf_to_gguf.py``). The converters live in a llama.cpp checkout (``--llama-cpp
DIR`` or ``$LLAMA_CPP_DIR``; llama-cpp-python's sdist carries one in ``vendor/llama.cpp``)
and need the ``gguf`` package (the train extra) or the checkout's ``gguf-py``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

LORA_CONVERTER = "convert_lora_to_gguf.py"
MODEL_CONVERTER = "convert_hf_to_gguf.py"


def llama_cpp_dir(given: Path | None) -> Path | None:
    """The llama.cpp checkout holding the converters: ``given``, else ``$LLAMA_CPP_DIR``."""
    folder = given or (Path(os.environ["LLAMA_CPP_DIR"]) if os.environ.get("LLAMA_CPP_DIR") else None)
    return folder if folder is not None and (folder / LORA_CONVERTER).is_file() else None


def gguf_name(adapter: bool) -> str:
    return "lora.gguf" if adapter else "model-f16.gguf"


def converter_command(llama_cpp: Path, src: Path, out: Path, base: str | None) -> list[str]:
    """The converter's command line: an adapter on its base's folder, or a whole model folder."""
    if base is not None:
        return [sys.executable, str(llama_cpp / LORA_CONVERTER), "--base", base,
                "--outfile", str(out / gguf_name(True)), str(src)]
    return [sys.executable, str(llama_cpp / MODEL_CONVERTER), "--outtype", "f16",
            "--outfile", str(out / gguf_name(False)), str(src)]


def serve_line(out: Path, adapter: bool) -> str:
    """How to serve the result with llama.cpp (the editor's openai backend talks to it)."""
    if adapter:
        return f"llama-server -m BASE.gguf --lora {out / gguf_name(True)}  (BASE.gguf: any GGUF of the base model)"
    return f"llama-server -m {out / gguf_name(False)}"
