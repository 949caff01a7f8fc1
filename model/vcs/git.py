"""What git says about a file: its work tree, the branch, the file's text at HEAD.

Each call runs the ``git`` command (a few ms); callers run them off the UI thread. Every
failure -- no git installed, not a repository, no commit yet, a file git does not track --
is None or an empty answer, never an exception: change marks are a help, not a duty.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

TIMEOUT = 10  # seconds; a git that hangs (a network file system) must not hold a worker forever


def run_git(folder: str | os.PathLike, *args: str) -> bytes | None:
    """``git -C folder args...``'s output; None when it fails."""
    try:
        done = subprocess.run(["git", "-C", os.fspath(folder), *args], capture_output=True, timeout=TIMEOUT,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def git_root(folder: str | os.PathLike) -> Path | None:
    """The top folder of the git work tree holding ``folder``; None outside one."""
    out = run_git(folder, "rev-parse", "--show-toplevel")
    text = os.fsdecode(out).strip() if out else ""
    return Path(text) if text else None


def branch(root: str | os.PathLike) -> str:
    """The checked-out branch; ``"detached <short id>"`` without one; "" when unknown."""
    out = run_git(root, "symbolic-ref", "--short", "-q", "HEAD")
    if out and out.strip():
        return os.fsdecode(out).strip()
    out = run_git(root, "rev-parse", "--short", "HEAD")
    return f"detached {os.fsdecode(out).strip()}" if out and out.strip() else ""


def head_text(root: str | os.PathLike, path: str | os.PathLike) -> bytes | None:
    """The bytes of ``path`` (absolute, or relative to ``root``) as HEAD has them; None
    when HEAD has no such file (untracked, new, no commit yet)."""
    rel = os.path.relpath(os.path.abspath(os.path.join(root, path)), os.path.abspath(root))
    if rel.startswith(".."):
        return None
    return run_git(root, "cat-file", "blob", f"HEAD:{Path(rel).as_posix()}")
