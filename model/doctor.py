"""``nxedit doctor``: which model backends can run here, and how to fix the rest (one line each).

Checks Python, torch and its CUDA, the GPUs and their free VRAM, exllamav2 (without
triggering its minutes-long kernel build unless ``--build`` is given), flash-attn,
transformers, and the configured model: its folder, or its server and the models it
serves. Never crashes: a check that fails says so on its line.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tomllib
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Callable

from .paths import config_dir

GIB = 1 << 30
OK, FIX, INFO = "ok  ", "fix ", "    "


def _version(dist: str) -> str | None:
    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def check_python() -> list[tuple[str, str]]:
    return [(OK, f"python {sys.version.split()[0]} ({sys.executable})")]


def check_torch() -> list[tuple[str, str]]:
    if importlib.util.find_spec("torch") is None:
        return [(FIX, "torch: not installed; pip install 'nxedit[gpu]' (exllamav2) or 'nxedit[train]' (transformers)")]
    import torch

    from .predict.backends.exllamav2 import no_cuda_reason

    lines = [(OK, f"torch {torch.__version__} (CUDA {torch.version.cuda or 'none: CPU-only build'})")]
    reason = no_cuda_reason(torch)
    if reason:
        return lines + [(FIX, f"GPU: {reason}")]
    for i in range(torch.cuda.device_count()):
        free, total = torch.cuda.mem_get_info(i)
        lines.append((OK, f"GPU {i}: {torch.cuda.get_device_name(i)}, {free / GIB:.1f} of {total / GIB:.1f} GiB free"))
    return lines


def check_exllamav2(build: bool) -> list[tuple[str, str]]:
    from .predict.backends.exllamav2 import build_failure, extension_state

    state = extension_state()
    if state == "absent":
        return [(FIX, "exllamav2: not installed; pip install 'nxedit[gpu]' (needs a CUDA build of torch)")]
    where = f"exllamav2 {_version('exllamav2') or '?'}"
    if build and state == "unbuilt":
        print(f"{INFO}{where}: building its CUDA kernels now (several minutes)...", flush=True)
        try:
            import exllamav2  # noqa: F401  (the import is the build)
        except Exception as exc:
            return [(FIX, build_failure(exc))]
        state = "built"
    if state == "unbuilt":
        return [(INFO, f"{where}: its CUDA kernels are not built yet; the first load compiles them for "
                       "minutes (needs nvcc and ninja): run `nxedit doctor --build` to do it now")]
    return [(OK, f"{where}: CUDA kernels {'prebuilt' if state == 'prebuilt' else 'built'}")]


def check_flash_attn() -> list[tuple[str, str]]:
    if importlib.util.find_spec("flash_attn") is None:
        return [(INFO, "flash-attn: not installed; exllamav2 uses its unpaged generator (batch 1: fine for an editor)")]
    return [(OK, f"flash-attn {_version('flash-attn') or '?'}: exllamav2 can use its paged generator")]


def check_transformers() -> list[tuple[str, str]]:
    found = _version("transformers")
    if found is None:
        return [(INFO, "transformers: not installed (only for small CPU models: pip install 'nxedit[train]')")]
    return [(OK, f"transformers {found}")]


def read_model_table(path: Path | None) -> tuple[dict | None, list[str]]:
    """The ``[model]`` table of the config file (the editor owns the file; this only reads it)."""
    path = path or config_dir() / "config.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, []
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return None, [f"{path}: cannot read it ({exc})"]
    return data.get("model"), []


def check_model(args) -> list[tuple[str, str]]:
    from .predict.model_config import model_config_from

    table, problems = read_model_table(args.config)
    config, messages = model_config_from(table, args.backend, args.model)
    if args.base_url:
        config = replace(config, base_url=args.base_url)
    lines = [(FIX, m) for m in problems + messages]
    if not config.enabled:
        return lines + [(INFO, "model: none configured (set [model] backend, or --backend): structural engine only")]
    lines.append((INFO, f"model: backend {config.backend}, model {config.model or '(server default)'}, "
                        f"prompt format {config.prompt_format}"))
    if config.backend == "openai":
        from .predict.backends import BackendError
        from .predict.backends.openai import OpenAIBackend

        try:
            models = OpenAIBackend(config).list_models()
        except BackendError as exc:
            return lines + [(FIX, f"server: {exc}; start it or fix [model] base_url")]
        served = ", ".join(models[:8]) or "no models listed"
        lines.append((OK, f"server {config.base_url}: reachable, serves {served}"))
        if config.model and models and config.model not in models:
            lines.append((FIX, f"server does not list {config.model!r}: set [model] model to one it serves"))
        return lines
    from .predict.backends import BackendError
    from .predict.backends.exllamav2 import check_model_dir

    try:
        weights = check_model_dir(config.model_path)
    except BackendError as exc:
        return lines + [(FIX, f"model: {exc}")]
    return lines + [(OK, f"model folder {config.model_path}: {len(weights)} safetensors file(s)")]


def check_language_servers(args) -> list[tuple[str, str]]:
    """Per language, the server the editor will start, or what to install."""
    from .lsp.servers import doctor_lines, server_table

    table_source, problems = read_config_tables(args.config)
    table, messages = server_table(table_source)
    lines = [(FIX, m) for m in problems + messages]
    return lines + [(OK if found else INFO, f"language server for {text}") for found, text in doctor_lines(table)]


def read_config_tables(path: Path | None) -> tuple[dict, list[str]]:
    """The ``[language-server.*]`` and ``[[language]]`` entries of the config file."""
    path = path or config_dir() / "config.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, []
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, [f"{path}: cannot read it ({exc})"]
    return {k: data[k] for k in ("language-server", "language") if k in data}, []


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="nxedit doctor", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", type=Path, metavar="PATH", help="the config file to read [model] from")
    p.add_argument("--backend", help="check this backend instead of the configured one")
    p.add_argument("--model", help="check this model folder or server model name")
    p.add_argument("--base-url", help="check this OpenAI-compatible server")
    p.add_argument("--build", action="store_true", help="build exllamav2's CUDA kernels now if they are not built")
    return p


def main(argv: list[str] | None = None) -> int:
    """Print one line per check; exit status 1 when the configured model cannot run."""
    args = build_parser().parse_args(argv)
    checks: list[tuple[str, Callable[[], list[tuple[str, str]]]]] = [
        ("python", check_python), ("torch", check_torch), ("exllamav2", lambda: check_exllamav2(args.build)),
        ("flash-attn", check_flash_attn), ("transformers", check_transformers), ("model", lambda: check_model(args)),
        ("language servers", lambda: check_language_servers(args)),
    ]
    model_ok = True
    for name, check in checks:
        try:
            lines = check()
        except Exception as exc:  # a check must never take the doctor down
            lines = [(FIX, f"{name}: the check itself failed: {type(exc).__name__}: {exc}")]
        for mark, text in lines:
            print(f"{mark}{text}", flush=True)
            if name == "model" and mark == FIX:
                model_ok = False
    return 0 if model_ok else 1
