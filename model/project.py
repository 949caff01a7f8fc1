"""Which project a file belongs to: the nearest folder above it with a project marker."""

from __future__ import annotations

import os
from pathlib import Path

# a version-control folder or a build manifest marks a project's root
ROOT_MARKERS = (".git", ".hg", ".jj", ".svn", "pyproject.toml", "Cargo.toml", "package.json", "go.mod")


def project_root(path: str | os.PathLike) -> Path:
    """The nearest parent folder of ``path`` holding one of :data:`ROOT_MARKERS`,
    else the file's own folder. Absolute; symbolic links are not resolved."""
    folder = Path(os.path.abspath(path)).parent
    for candidate in (folder, *folder.parents):
        if any(os.path.lexists(candidate / marker) for marker in ROOT_MARKERS):
            return candidate
    return folder
