"""The files the command line (or the open prompt) names: ``FILE[:LINE[:COL]]`` and ``+LINE``.

Both ``nxedit``'s argument parser and the application use these, so they live apart from either
(the application never imports the command line module).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path


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
