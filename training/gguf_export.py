"""A GGUF of the trained model for llama.cpp's server, by llama.cpp's own converters.

A LoRA adapter becomes a LoRA GGUF (``convert_lora_to_gguf.py``, a few MB) that
``llama-server -m BASE.gguf --lora lora.gguf`` applies to any GGUF of the same base, its
quantized ones included; a whole model (SeleKT, or a merged folder) becomes a full GGUF
(``convert_hf_to_gguf.py``). The converters live in a llama.cpp checkout (``--llama-cpp
DIR`` or ``$LLAMA_CPP_DIR``; llama-cpp-python's sdist carries one in ``vendor/llama.cpp``)
and need the ``gguf`` package (the train extra) or the checkout's ``gguf-py``.

Runs stack: an adapter trained on an earlier run's adapter becomes a LoRA GGUF on that run's
merged folder, and the server adds the LoRAs up in training order (``--lora A,B``).
Each export records its stack (``gguf_loras`` in its merged folder's ``nxedit.json``) for the
run after it.
"""

from __future__ import annotations

import json
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


def stack(below: Path | None, out: Path) -> list[str]:
    """The LoRA GGUFs to serve, in training order: those of the merged folder ``below`` (the
    earlier run's export; one made before exports recorded their stack has its own
    ``lora.gguf`` beside it), then this export's."""
    loras: list[str] = []
    if below is not None:
        info_path = below / "nxedit.json"
        info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.is_file() else {}
        beside = below.parent / gguf_name(True)
        loras = info.get("gguf_loras") or ([str(beside.resolve())] if beside.is_file() else [])
    return [*loras, str((out / gguf_name(True)).resolve())]


def record_stack(merged: Path, loras: list[str]) -> None:
    """Note the LoRA GGUFs that ``merged`` equals on its base, for a run stacked on it."""
    path = merged / "nxedit.json"
    info = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    path.write_text(json.dumps({**info, "gguf_loras": loras}, indent=2), encoding="utf-8")


def serve_line(out: Path, loras: list[str]) -> str:
    """How to serve the result with llama.cpp (the editor's openai backend talks to it)."""
    if loras:
        return f"llama-server -m BASE.gguf --lora {','.join(loras)}  (BASE.gguf: any GGUF of the base model)"
    return f"llama-server -m {out / gguf_name(False)}"
