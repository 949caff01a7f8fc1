"""The ``nxedit`` command: open files in the editor, or run a subcommand.

``nxedit [FILE[:LINE[:COL]] | +LINE ...]`` opens the editor. The first argument may
instead name a subcommand (``predict``, ``history``, ``doctor``, ``train``); each lives in
its own module and is imported only when used, so start-up stays lean. To open a file
whose name is a subcommand, write ``./predict``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

# subcommand -> "module:function"; the function takes argv (the arguments after the name)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "predict": ("nxedit.model.predict_cli:main", "predict next edits for JSON requests (wire format)"),
    "history": ("nxedit.editor.history_cli:main", "show, export or purge your recorded edit history"),
    "doctor": ("nxedit.model.doctor:main", "say which model backends can run here, and how to fix the rest"),
    "train": ("nxedit.training.cli:main", "build datasets, fine-tune, evaluate and export the next-edit model"),
}


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # ~20 ms: only for --version

    try:
        return version("nxedit")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


@dataclass(frozen=True)
class FileArg:
    path: Path
    line: int | None = None  # 0-based
    column: int | None = None  # 0-based


class CliError(Exception):
    """A bad command line: one line for the user, exit status 2."""


_LINE_SUFFIX = re.compile(r"^(?P<path>.+?):(?P<line>\d+)(?::(?P<col>\d+))?$")


def parse_file_args(items: list[str]) -> list[FileArg]:
    """``FILE``, ``FILE:LINE``, ``FILE:LINE:COL`` and ``+LINE FILE`` (1-based on the command line).

    ``FILE:LINE`` is only read as a line number when ``FILE:LINE`` itself is not an
    existing file (a file may really be called ``notes:12``).
    """
    out: list[FileArg] = []
    pending_line: int | None = None
    for item in items:
        if item.startswith("+") and item[1:].isdigit():
            pending_line = max(int(item[1:]) - 1, 0)
            continue
        line = col = None
        m = _LINE_SUFFIX.match(item)
        if m and not os.path.exists(item):
            item = m["path"]
            line = max(int(m["line"]) - 1, 0)
            col = max(int(m["col"]) - 1, 0) if m["col"] else None
        if pending_line is not None and line is None:
            line, pending_line = pending_line, None
        out.append(FileArg(Path(item).expanduser(), line, col))
    if pending_line is not None:
        raise CliError(f"+{pending_line + 1} needs a file after it")
    for fa in out:
        check_openable(fa.path)
    return out


def check_openable(path: Path) -> None:
    """Refuse what can never become a buffer, in one line; a missing file is fine."""
    if path.is_dir():
        raise CliError(f"{path}: is a directory")
    parent = path.parent if str(path.parent) else Path(".")
    if not path.exists() and not parent.is_dir():
        raise CliError(f"{path}: directory {parent} does not exist")


class _VersionAction(argparse.Action):
    """``--version``: looks the version up only when asked (start-up stays lean)."""

    def __init__(self, option_strings, dest, **kwargs) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        parser.exit(message=f"nxedit {package_version()}\n")


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
