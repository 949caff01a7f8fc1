"""Where nxedit keeps its files (platformdirs), in one place.

Tests and users can redirect all of them with ``NXEDIT_HOME`` (then config/, data/ and
state/ live under it); otherwise the platform's own directories are used
(``~/.config/nxedit``, ``~/.local/share/nxedit``, ``~/.local/state/nxedit`` on Linux).
"""

from __future__ import annotations

import os
from pathlib import Path

APP = "nxedit"


def _dir(kind: str) -> Path:
    home = os.environ.get("NXEDIT_HOME")
    if home:
        return Path(home) / kind
    import platformdirs

    return Path(getattr(platformdirs, f"user_{kind}_dir")(APP, appauthor=False))


def config_dir() -> Path:
    """Config file (config.toml), user themes (themes/*.toml)."""
    return _dir("config")


def data_dir() -> Path:
    """The edit-history database: it never leaves the machine."""
    return _dir("data")


def state_dir() -> Path:
    """Crash-recovery journal, logs."""
    return _dir("state")


def mount_point(path: str | os.PathLike) -> str:
    """The mount point of the file system that holds ``path`` (or would hold it): what a
    "disk full" message names, so the user knows which disk to clear."""
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        path = path.parent
    while not os.path.ismount(path) and path != path.parent:
        path = path.parent
    return str(path)
