"""nxedit train export: merge LoRA, save the Hugging Face folder, quantize to EXL2 for the editor.

    nxedit train export --model runs/sft/final --out runs/export --bits 4.0
    nxedit train export --model runs/sft/final --no-quantize        # the merged folder only
    nxedit train export --model runs/sft/final --dry-run            # prints the converter command

1. **Merge**: a LoRA adapter is merged into its base and saved as a Hugging Face folder
   (``--out/hf``, in the base's own dtype); a fully fine-tuned model (SeleKT) already is one.
2. **Quantize** (a GPU step): exllamav2's own converter
   (``python -m exllamav2.conversion.convert_exl2``) measures and quantizes the folder to
   ``--bits`` bits per weight into ``--out/exl2-<bits>bpw``. Its working folder
   (``--out/exl2-work``) holds its job file, so an interrupted conversion resumes where it
   stopped when this command runs again. Without an NVIDIA GPU or exllamav2 it stops
   (after the GGUF) with one line saying so.
3. **GGUF for llama.cpp** (CPU, seconds): with llama.cpp's converters at hand (``--llama-cpp
   DIR``, a llama.cpp checkout, or ``$LLAMA_CPP_DIR``), a LoRA adapter becomes
   ``--out/lora.gguf`` for ``llama-server --lora`` on any GGUF of its base, quantized ones
   included (:mod:`nxedit.training.gguf_export`); a whole model ``--out/model-f16.gguf``. An
   adapter trained on another run's adapter, given that run's export (``--stack-on``), becomes a
   LoRA GGUF on the merged model there, served on top of that run's LoRA GGUFs.
   Without them one line says so.
4. **Editor config**: ``--out/model.toml`` holds the ``[model]`` table that loads the result
   in the editor's ``exllamav2`` backend (the prompt format the model was trained on
   included); paste it into your config file.
"""

from __future__ import annotations

import importlib.util
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from nxedit.model.predict.prompts import FORMATS

from . import gguf_export
from .cli import TrainError, existing
from .hf import adapter_base, is_adapter, run_info, save_merged
from .progress import Stopwatch, summary


@dataclass
class Config:
    model: Path = field(
        default=Path("runs/sft/final"), metadata={"help": "the trained model folder (or adapter)"}
    )
    out: Path = field(default=Path("runs/export"), metadata={"help": "folder for the exported model"})
    bits: float = field(default=4.0, metadata={"help": "EXL2 bits per weight (decoder layers)"})
    head_bits: int = field(default=6, metadata={"help": "EXL2 bits per weight of the output layer"})
    quantize: bool = field(default=True, metadata={"help": "quantize to EXL2 (a GPU step)"})
    calibration: Path | None = field(
        default=None, metadata={"help": "a .parquet calibration set (default: exllamav2's own)", "type": Path}
    )
    prompt_format: str | None = field(
        default=None,
        metadata={
            "help": "prompt format for the editor (default: the one it was trained on)",
            "type": str,
            "choices": sorted(FORMATS),
        },
    )
    max_seq_len: int = field(default=4096, metadata={"help": "the editor's cache length for it"})
    llama_cpp: Path | None = field(
        default=None,
        metadata={
            "help": "a llama.cpp checkout: also write a GGUF for llama.cpp's server with its converter "
            "(default: $LLAMA_CPP_DIR)",
            "type": Path,
            "metavar": "DIR",
        },
    )
    stack_on: Path | None = field(
        default=None,
        metadata={
            "help": "for an adapter trained on another run's adapter (sft --base RUN/final): that run's "
            "export folder; the GGUF is then a LoRA on its merged model, served on top of its LoRA GGUFs",
            "type": Path,
            "metavar": "EXPORT",
        },
    )
    dry_run: bool = field(default=False, metadata={"help": "print the steps and the converter command"})


def exl2_folder(cfg: Config) -> Path:
    return cfg.out / f"exl2-{cfg.bits:g}bpw"


def converter_command(cfg: Config, hf: Path) -> list[str]:
    """exllamav2's converter, as a command line (it resumes from its working folder)."""
    cmd = [
        sys.executable,
        "-m",
        "exllamav2.conversion.convert_exl2",
        "-i",
        str(hf),
        "-o",
        str(cfg.out / "exl2-work"),
        "-cf",
        str(exl2_folder(cfg)),
        "-b",
        f"{cfg.bits:g}",
        "-hb",
        str(cfg.head_bits),
    ]
    if cfg.calibration:
        cmd += ["-c", str(cfg.calibration)]
    return cmd


def cannot_quantize() -> str | None:
    """Why the EXL2 conversion cannot run here (one line), or None."""
    if importlib.util.find_spec("exllamav2") is None:
        return "exllamav2 is not installed (pip install 'nxedit[gpu]', with a CUDA build of torch)"
    try:
        import torch
    except ImportError:
        return "torch is not installed"
    from nxedit.model.predict.backends.exllamav2 import no_cuda_reason

    return no_cuda_reason(torch)


def model_table(folder: Path, prompt_format: str, max_seq_len: int, backend: str = "exllamav2") -> str:
    """The ``[model]`` table that loads ``folder`` in the editor."""
    lines = [
        "[model]",
        f'backend = "{backend}"',
        f'model = "{folder.resolve()}"',
        f'prompt_format = "{prompt_format}"',
    ]
    if backend == "exllamav2":
        lines.append(f"max_seq_len = {max_seq_len}")
    return "\n".join(lines) + "\n"


def stacked_below(cfg: Config, src: Path, base: str | None) -> Path | None:
    """The merged model folder of ``--stack-on``, checked to be the model ``src`` was trained on."""
    if cfg.stack_on is None:
        return None
    if base is None or not is_adapter(base):
        raise TrainError(f"--stack-on is for an adapter trained on another run's adapter; {src} was trained on "
                         f"{base or 'nothing (it is a whole model)'}")
    merged = cfg.stack_on / "hf" if (cfg.stack_on / "hf").is_dir() else cfg.stack_on
    made = run_info(merged)
    mtime = (Path(base) / "adapter_config.json").stat().st_mtime_ns
    if made.get("merged_from") != str(Path(base).resolve()) or made.get("adapter_mtime") != mtime:
        raise TrainError(f"{cfg.stack_on} holds no merged model of {base}, the adapter {src} was trained on "
                         f"(make it with: nxedit train export --model {base} --out {cfg.stack_on} --no-quantize)")
    return merged


def run(cfg: Config) -> int:
    clock = Stopwatch()
    src = existing(cfg.model, "trained model")
    prompt_format = cfg.prompt_format or run_info(src).get("prompt_format") or "zeta"
    hf = cfg.out / "hf" if is_adapter(src) else src
    alpha = run_info(src).get("delta_alpha") if is_adapter(src) else None
    sparse = f", then each weight keeps its top {alpha:.0%} of changes (SeleKT on the delta)" if alpha else ""
    trained = " (trained on a 4-bit copy; merged into the full-precision base)" if run_info(src).get("method") == "qlora" else ""
    steps = [
        f"merge the LoRA adapter {src} into its base{trained}{sparse} -> {hf}"
        if is_adapter(src)
        else f"Hugging Face folder: {src}"
    ]
    llama_cpp = gguf_export.llama_cpp_dir(cfg.llama_cpp)
    base = adapter_base(src) if is_adapter(src) else None
    below = stacked_below(cfg, src, base)
    # an adapter trained on another run's adapter (sft --base ADAPTER) applies to that run's
    # merged model: with that run's export (--stack-on) it becomes a LoRA GGUF on the merged
    # folder there, which llama.cpp's server adds on top of that run's LoRA GGUFs; without it
    # no GGUF of the merged model exists to apply it to, so the merged whole becomes the GGUF
    lora_base = str(below) if below else (base if base is not None and not is_adapter(base) else None)
    gguf_cmd = None
    if llama_cpp is None:
        where = f"no {gguf_export.LORA_CONVERTER} in {cfg.llama_cpp}" if cfg.llama_cpp else "no --llama-cpp DIR"
        print(f"no GGUF for llama.cpp: its converter was not found ({where}; a llama.cpp checkout)")
    elif lora_base is not None and not Path(lora_base).is_dir():
        print(f"no GGUF for llama.cpp: the adapter's base {lora_base} is not a local folder")
    else:
        gguf_cmd = gguf_export.converter_command(llama_cpp, src if lora_base else hf, cfg.out, lora_base)
        steps.append(f"GGUF for llama.cpp: {shlex.join(gguf_cmd)}")
        if base is not None and is_adapter(base) and below is None:
            steps[-1] += f" (or, with --stack-on EXPORT, {base}'s export folder, a LoRA GGUF on top of its own)"
    if cfg.quantize:
        steps.append(f"quantize to EXL2 {cfg.bits:g} bpw: {shlex.join(converter_command(cfg, hf))}")
    steps.append(
        f"write {cfg.out / 'model.toml'} ([model] table for the editor, prompt format {prompt_format})"
    )
    for i, step in enumerate(steps, 1):
        print(f"{i}. {step}")
    if cfg.dry_run:
        summary("export", f"dry run: nothing written ({clock})")
        return 0
    cfg.out.mkdir(parents=True, exist_ok=True)
    hf = save_merged(src, cfg.out / "hf")
    if gguf_cmd is not None:
        done = subprocess.run(gguf_cmd, check=False, capture_output=True, text=True)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise TrainError(f"llama.cpp's converter failed (status {done.returncode}): {last}")
        loras = gguf_export.stack(below, cfg.out) if lora_base else []
        if loras:
            gguf_export.record_stack(hf, loras)
        print(f"GGUF: {gguf_export.serve_line(cfg.out, loras)}")
    if not cfg.quantize:
        table = model_table(hf, prompt_format, cfg.max_seq_len, backend="transformers")
        (cfg.out / "model.toml").write_text(table, encoding="utf-8")
        print(table, end="")
        summary("export", f"Hugging Face folder {hf}, editor config {cfg.out / 'model.toml'} ({clock})")
        return 0
    reason = cannot_quantize()
    if reason:
        raise TrainError(f"cannot quantize to EXL2 here: {reason}; the Hugging Face folder is {hf}")
    done = subprocess.run(converter_command(cfg, hf), check=False)
    if done.returncode != 0 or not (exl2_folder(cfg) / "config.json").is_file():
        raise TrainError(
            f"exllamav2's converter failed (status {done.returncode}); run this again to resume it"
        )
    table = model_table(exl2_folder(cfg), prompt_format, cfg.max_seq_len)
    (cfg.out / "model.toml").write_text(table, encoding="utf-8")
    print(table, end="")
    summary(
        "export",
        f"EXL2 {cfg.bits:g} bpw in {exl2_folder(cfg)}, editor config {cfg.out / 'model.toml'} ({clock})",
    )
    return 0
