"""A small real git project for the find, search and change-tracking tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent",
}

FILES = {
    "src/pkg/core.py": "def alpha(x):\n    return beta(x)  # alpha\n",
    "src/main.py": "from pkg.core import alpha\nprint(alpha(1))\n",
    "docs/notes.md": "Alpha notes: naïve café alpha\n",
    "build/out.txt": "alpha in a build product\n",
    ".gitignore": "build/\n*.log\n",
}


def git(root: Path, *args: str) -> str:
    import os

    env = {**os.environ, **GIT_ENV}
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True, env=env).stdout


def make_project(root: Path, files: dict[str, str] = FILES, commit: bool = True) -> Path:
    """``files`` written under ``root``, committed to a fresh repository when ``commit``."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if commit:
        git(root, "init", "-q", "-b", "main")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "first")
    return root
