"""``nxedit doctor``: can next-edit prediction run here? One line per check.

First what every user relies on: the structural engine (it answers a rename, as in the tour)
and each language's grammar (it loads and its highlight query compiles). Then the optional
model backends (exllamav2, openai, transformers), each with what it needs and whether that is
here; only the backend you chose (``[model] backend`` or ``--backend``) is checked in depth
(torch and its CUDA, the GPUs' free memory, exllamav2's kernels, flash-attn, the model folder
or the server), and only it can get a "fix" line. Never crashes: a check that fails says so
on its line.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import time
import tomllib
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Callable

from .paths import config_dir
from .text.sanitise import print_safely, sanitise

GIB = 1 << 30
OK, FIX, INFO = "ok  ", "fix ", "    "


def _version(dist: str) -> str | None:
    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def check_python() -> list[tuple[str, str]]:
    return [(OK, f"python {sys.version.split()[0]} ({sys.executable})")]


# the tour's first step: renaming ``total`` on the first line ripples to its other uses
_RENAME_BEFORE = (  # the tour's cart_total (editor/samples/tour.py), whose rename the tour's test checks
    "def cart_total(items):\n    total = 0.0\n    for item in items:\n        total += item.price * item.quantity\n"
    "    if total > 100:\n        total *= 0.95\n    return total\n"
)
_RENAME_EDIT = ("    total = 0.0\n", "    subtotal = 0.0\n")


def check_structural() -> list[tuple[str, str]]:
    """The structural engine answers the tour's rename (tree-sitter, no model)."""
    from .predict.request import HistoryHunk, PredictionRequest
    from .predict.structural import StructuralPredictor
    from .text.edits import Position

    old, new = _RENAME_EDIT
    current = _RENAME_BEFORE.replace(old, new)
    request = PredictionRequest(current=current, cursor=Position(1, len(new) - len(" = 0.0\n")),
                                history=(HistoryHunk(1, old, new),), path="doctor.py", language="python")
    started = time.perf_counter()
    suggestion = StructuralPredictor(min_confidence=0.0).predict(request)  # does it answer (whatever its confidence)
    ms = (time.perf_counter() - started) * 1000
    if suggestion is None or not any("subtotal" in e.new_text for e in suggestion.edits):
        return [(FIX, "structural engine: no answer to a plain rename; reinstall nxedit (pip install --force-reinstall .)")]
    return [(OK, f"structural engine: answers a rename in {ms:.0f} ms (tree-sitter, no model)")]


def check_grammars() -> list[tuple[str, str]]:
    """Each language's tree-sitter grammar loads and its highlight query compiles."""
    from .languages import LANGUAGES, highlights_query

    good, lines = [], []
    for spec in LANGUAGES:
        if not spec.has_grammar:
            continue
        try:
            highlights_query(spec.name)
            good.append(spec.name)
        except Exception as exc:  # one broken grammar must not hide the others
            package = spec.module.replace("_", "-") if spec.module else spec.name
            lines.append((FIX, f"grammar {spec.name}: {type(exc).__name__}: {str(exc)[:120]}; "
                               f"pip install --force-reinstall {package}"))
    total = len(good) + len(lines)
    return [(OK if not lines else FIX, f"grammars: {len(good)} of {total} load and highlight ({', '.join(good)})"),
            *lines]


# what each optional backend is for and needs; "here" is found without importing anything heavy
BACKENDS = {
    "exllamav2": "a quantized model on your NVIDIA GPU; needs 'nxedit[gpu]' and a CUDA build of torch",
    "openai": "any OpenAI-compatible server (vLLM, llama.cpp, Ollama...); needs only [model] base_url",
    "transformers": "small models on the CPU; needs 'nxedit[train]'",
}


def _here(backend: str) -> str:
    """What of ``backend``'s needs is installed here (no import of torch or the backend)."""
    torch = _version("torch")
    if backend == "exllamav2":
        found = _version("exllamav2")
        if found is None:
            return "exllamav2 not installed"
        return f"exllamav2 {found}, torch {torch}" if torch else f"exllamav2 {found}, but no torch"
    if backend == "transformers":
        found = _version("transformers")
        if found and torch:
            return f"transformers {found}, torch {torch}: ready"
        return "not installed" if not found and not torch else f"transformers {found or 'missing'}, torch {torch or 'missing'}"
    return "nothing to install"


def check_backends(chosen: str | None) -> list[tuple[str, str]]:
    """Every model backend, as optional: what it is for and needs, and what of that is here."""
    lines = []
    for name, about in BACKENDS.items():
        mark = "chosen" if name == chosen else "optional"
        lines.append((INFO, f"{name} ({mark}): {about}; here: {_here(name)}"))
    return lines


def check_torch(gpu: bool = True) -> list[tuple[str, str]]:
    """torch and its GPUs (a GPU is only needed by ``gpu`` backends: transformers runs on the CPU)."""
    if importlib.util.find_spec("torch") is None:
        return [(FIX, "torch: not installed; install a CUDA build of torch, then pip install 'nxedit[gpu]'" if gpu
                 else "torch: not installed; pip install 'nxedit[train]'")]
    import torch

    from .predict.backends.exllamav2 import no_cuda_reason

    lines = [(OK, f"torch {torch.__version__} (CUDA {torch.version.cuda or 'none: CPU-only build'})")]
    reason = no_cuda_reason(torch)
    if reason:
        return lines + [(FIX if gpu else INFO, f"GPU: {reason}" if gpu else "GPU: none usable; the CPU answers")]
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
        print_safely(f"{INFO}{where}: building its CUDA kernels now (several minutes)...")
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
        return [(INFO, "flash-attn: not installed; exllamav2 runs its unpaged generator: one request at a "
                       "time, and its prompt cache holds only the previous request (typing in one place reuses "
                       "it; moving to another file prefills the whole prompt again, 1,000-4,000 tokens); "
                       "flash-attn >= 2.5.7 pages the cache and keeps the prompts of several places")]
    return [(OK, f"flash-attn {_version('flash-attn') or '?'}: exllamav2 can use its paged generator")]


def check_transformers() -> list[tuple[str, str]]:
    found = _version("transformers")
    if found is None:
        return [(FIX, "transformers: not installed; pip install 'nxedit[train]'")]
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


def model_config(args):
    """The chosen model (``--backend``/``--model``/``--base-url`` over ``[model]``) and the
    problems found reading it."""
    from .predict.model_config import model_config_from

    table, problems = read_model_table(args.config)
    config, messages = model_config_from(table, args.backend, args.model)
    if args.base_url:
        config = replace(config, base_url=args.base_url)
    return config, problems + messages


def check_model(config) -> list[tuple[str, str]]:
    lines = []
    lines.append((INFO, f"model: backend {config.backend}, model {config.model or '(server default)'}, "
                        f"prompt format {config.prompt_format}"))
    if config.backend == "openai":
        from .predict.backends import BackendError
        from .predict.backends.openai import OpenAIBackend

        backend = OpenAIBackend(config)
        try:
            backend.load()
        except BackendError as exc:
            return lines + [(FIX, f"server: {exc}; start it or fix [model] base_url")]
        models = backend.list_models()
        served = ", ".join(models[:8]) or "no models listed"
        lines.append((OK, f"server {config.base_url}: reachable, serves {served}"))
        lines.append((INFO, "answers constrained by the prompt format's grammar" if backend.uses_grammar else
                      "answers not constrained by a grammar ([model] grammar = true if the server takes GBNF)"
                      if config.grammar == "auto" else "answers not constrained by a grammar ([model] grammar = false)"))
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
    # optional, as a missing one is: an INFO line that says what to do, not a failed check
    return lines + [(OK if found else INFO, f"language server for {text}")
                    for found, text in doctor_lines(table, _proxy_problem)]


def _proxy_problem(spec) -> str | None:
    """Why a server that rustup put on PATH will not run, or None. rustup puts a proxy for
    every component there (rust-analyzer too) and the proxy fails until the component is
    installed; other servers are not started here (not every server has --version)."""
    exe = spec.executable()
    if exe is None or not Path(exe).resolve().name.startswith("rustup"):
        return None
    try:
        done = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return sanitise(str(exc))
    if done.returncode == 0:
        return None
    said = [line for line in done.stderr.splitlines() if line.strip()]
    first = next((line for line in said if line.lower().startswith("error")), said[0] if said else "")
    hint = f" (rustup component add {spec.command})" if "Unknown binary" in first else ""
    return sanitise(first or f"exit code {done.returncode}") + hint


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
    p = argparse.ArgumentParser(
        prog="nxedit doctor", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Can next-edit prediction run here? One line per check, 'fix' lines say what to do.\n\n"
                    "First the structural engine and each language's grammar (what every user relies on),\n"
                    "then the optional model backends (exllamav2, openai, transformers) with what each\n"
                    "needs; the backend you chose ([model] backend, or --backend) is checked in depth.")
    p.add_argument("--config", type=Path, metavar="PATH", help="the config file to read [model] from")
    p.add_argument("--backend", help="check this backend instead of the configured one")
    p.add_argument("--model", help="check this model folder or server model name")
    p.add_argument("--base-url", help="check this OpenAI-compatible server")
    p.add_argument("--build", action="store_true", help="build exllamav2's CUDA kernels now if they are not built")
    return p


Check = tuple[str, Callable[[], list[tuple[str, str]]]]


def chosen_backend_checks(backend: str, build: bool) -> list[Check]:
    """The in-depth checks of the backend the user chose."""
    if backend == "exllamav2":
        return [("torch", check_torch), ("exllamav2", lambda: check_exllamav2(build)), ("flash-attn", check_flash_attn)]
    if backend == "transformers":
        return [("torch", lambda: check_torch(gpu=False)), ("transformers", check_transformers)]
    return []


def main(argv: list[str] | None = None) -> int:
    """Print one line per check; exit status 1 when something the user relies on or the
    chosen model cannot run."""
    args = build_parser().parse_args(argv)
    try:
        config, problems = model_config(args)
    except Exception as exc:
        config, problems = None, [f"[model]: cannot read it: {type(exc).__name__}: {exc}"]
    chosen = config.backend if config is not None and config.enabled else None
    checks: list[Check] = [("python", check_python), ("structural engine", check_structural),
                           ("grammars", check_grammars), ("backends", lambda: check_backends(chosen))]
    if chosen:
        checks += chosen_backend_checks(chosen, args.build)
        checks.append(("model", lambda: check_model(config)))
    checks.append(("language servers", lambda: check_language_servers(args)))
    ok = True
    for mark, text in [(FIX, p) for p in problems]:
        print_safely(f"{mark}{text}")
        ok = False
    for name, check in checks:
        try:
            lines = check()
        except Exception as exc:  # a check must never take the doctor down
            lines = [(FIX, f"{name}: the check itself failed: {type(exc).__name__}: {exc}")]
        for mark, text in lines:
            print_safely(f"{mark}{text}")
            ok = ok and mark != FIX
    if not chosen:
        print_safely(f"{INFO}model: none chosen (set [model] backend, or --backend): the structural engine answers alone")
    return 0 if ok else 1
