"""The ``nxedit`` command: open files in the editor, or run a subcommand.

``nxedit [FILE[:LINE[:COL]] | +LINE ...]`` opens the editor. The first argument may
instead name a subcommand (``predict``, ``history``, ``doctor``, ``train``); each lives in
its own module and is imported only when used, so start-up stays lean. To open a file
whose name is a subcommand, write ``./predict``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from .files.args import CliError, FileArg, parse_file_args

# subcommand -> "module:function"; the function takes argv (the arguments after the name)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "predict": ("nxedit.model.predict.cli:main", "predict next edits for JSON requests (wire format)"),
    "history": ("nxedit.model.history.cli:main", "show, export or purge your recorded edit history"),
    "doctor": ("nxedit.model.doctor:main", "say which model backends can run here, and how to fix the rest"),
    "train": ("nxedit.training.cli:main", "build datasets, fine-tune, evaluate and export the next-edit model"),
}


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # ~20 ms: only for --version

    try:
        return version("nxedit")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


class _VersionAction(argparse.Action):
    """``--version``: looks the version up only when asked (start-up stays lean)."""

    def __init__(self, option_strings, dest, **kwargs) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print(f"nxedit {package_version()}")  # to stdout, like every --version
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    sub_help = "\n".join(f"  {name:<9} {about}" for name, (_, about) in SUBCOMMANDS.items())
    p = argparse.ArgumentParser(
        prog="nxedit",
        description="A terminal code editor with next-edit prediction.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "files:\n  FILE            open FILE (created on first save if missing)\n"
            "  FILE:LINE[:COL] open FILE at a line (and column), 1-based\n"
            "  +LINE FILE      the same, vim style\n\n"
            f"subcommands (nxedit NAME --help):\n{sub_help}"
        ),
    )
    p.add_argument("files", nargs="*", metavar="FILE", help="files to open")
    p.add_argument("--version", action=_VersionAction)
    p.add_argument("--config", type=Path, help="use this config file instead of the default one")
    p.add_argument("--theme", help="theme name for this session")
    p.add_argument("--backend", help="model backend for next edits (structural, exllamav2, openai, transformers)")
    p.add_argument("--model", help="model directory or name for the backend")
    return p


def run_subcommand(name: str, argv: list[str]) -> int:
    target, _ = SUBCOMMANDS[name]
    module_name, func_name = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("nxedit"):
            print(f"nxedit {name}: not available in this build", file=sys.stderr)
            return 2
        raise
    return int(getattr(module, func_name)(argv) or 0)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in SUBCOMMANDS:
        return run_subcommand(argv[0], argv[1:])
    args = build_parser().parse_args(argv)
    try:
        files = parse_file_args(args.files)
    except CliError as exc:
        print(f"nxedit: {exc}", file=sys.stderr)
        return 2
    import gc

    gc.disable()  # start-up allocates much and frees little; the app re-enables it after its first paint
    from .app import run_app  # Textual is imported only when the editor really starts

    return run_app(files, args)


if __name__ == "__main__":
    sys.exit(main())
