"""``nxedit train``: build datasets, fine-tune, evaluate and export the next-edit model.

    nxedit train base      a GGUF model (llama.cpp's, Ollama's) -> a Hugging Face folder to fine-tune
    nxedit train dataset   examples from your history, git repositories and code -> JSONL
    nxedit train sft       supervised fine-tuning: LoRA or SeleKT (full fine-tune, sparse delta)
    nxedit train prefs     preference training from accepted/rejected suggestions: KTO or ActionRL
    nxedit train eval      exact match, kept rate, keystroke savings, reversals: base vs fine-tuned
    nxedit train export    merge LoRA, save the Hugging Face folder, quantize to EXL2 for the editor
    nxedit train ranker    refit the structural engine's acceptance model on your own outcomes (CPU, seconds)

Each step is one module with a config dataclass at its top (its fields are the command's
options), prints a progress bar and ends with a one-line summary, resumes from what an
interrupted run left, and with ``--dry-run`` says what it would do. torch, transformers,
peft, trl and accelerate are imported only by the steps that train or run a model.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from dataclasses import MISSING, fields
from pathlib import Path

JOBS = {
    "base": "nxedit.training.base",
    "dataset": "nxedit.training.dataset",
    "sft": "nxedit.training.sft",
    "prefs": "nxedit.training.prefs",
    "eval": "nxedit.training.evaluate",
    "export": "nxedit.training.export",
    "ranker": "nxedit.training.ranker",
}


# what the train extra brings (pyproject.toml): a step that needs one says so in a line, not a traceback
TRAIN_EXTRA = frozenset({"numpy", "torch", "transformers", "tokenizers", "peft", "trl", "accelerate",
                         "bitsandbytes", "gguf", "sentencepiece"})


class TrainError(Exception):
    """A one-line reason a training command cannot go on (exit status 1)."""


def _default(f):
    return f.default_factory() if f.default_factory is not MISSING else f.default


def add_config_arguments(parser: argparse.ArgumentParser, config_cls) -> None:
    """One option per field of ``config_cls``: ``--field-name``; help, choices and element
    types come from the field's metadata; booleans get ``--x/--no-x``, lists repeat."""
    for f in fields(config_cls):
        meta, default = f.metadata, _default(f)
        kind = meta.get("type") or type(default)
        shown = f" (default: {default})" if default not in (None, [], False, "") else ""
        kwargs = {"help": meta.get("help", "") + shown, "dest": f.name}
        if meta.get("metavar"):
            kwargs["metavar"] = meta["metavar"]
        if kind is bool:
            kwargs.update(action=argparse.BooleanOptionalAction, default=default)
        elif kind is list:
            kwargs.update(action="append", type=meta.get("item", str), default=None)
        else:
            kwargs.update(type=kind, default=default, choices=meta.get("choices"))
        parser.add_argument("--" + f.name.replace("_", "-"), **kwargs)


def config_from(args: argparse.Namespace, config_cls):
    values = {}
    for f in fields(config_cls):
        value = getattr(args, f.name)
        values[f.name] = _default(f) if value is None and _default(f) == [] else value
    return config_cls(**values)


def build_parser() -> tuple[argparse.ArgumentParser, dict]:
    p = argparse.ArgumentParser(
        prog="nxedit train",
        description=__doc__.split("\n\n")[0].split(": ", 1)[1].replace("``", ""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1].replace("``", ""),  # the docstring's markup is not for users
    )
    sub = p.add_subparsers(dest="job", metavar="STEP")
    modules = {}
    for name, module_name in JOBS.items():
        module = importlib.import_module(module_name)
        about = (module.__doc__ or "").strip().split("\n")[0]
        sp = sub.add_parser(
            name,
            help=about.split(": ", 1)[-1],
            description=module.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        add_config_arguments(sp, module.Config)
        modules[name] = module
    return p, modules


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser, modules = build_parser()
    args = parser.parse_args(argv)
    if not args.job:
        parser.print_help()
        return 2
    module = modules[args.job]
    try:
        return int(module.run(config_from(args, module.Config)) or 0)
    except TrainError as exc:
        print(f"nxedit train {args.job}: {exc}", file=sys.stderr)
        return 1
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in TRAIN_EXTRA:
            raise
        print(f"nxedit train {args.job}: needs {exc.name} (the train extra): pip install 'nxedit[train]'",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"nxedit train {args.job}: interrupted; run it again to resume", file=sys.stderr)
        return 130


def need(condition: bool, message: str) -> None:
    """Stop the command with ``message`` unless ``condition``."""
    if not condition:
        raise TrainError(message)


def existing(path: Path | str | None, what: str) -> Path:
    need(path is not None and Path(path).exists(), f"{what} not found: {path}")
    return Path(path)
