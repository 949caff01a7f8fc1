"""Which files are private: never recorded in the edit history, never sent to a model.

One place that the recorder, the history store and the model predictors all consult.
A file is private when

* its path matches one of :data:`DEFAULT_SECRET_GLOBS` or the user's own globs
  (config ``[history] private_globs``), or
* a folder above it -- its project root or any ancestor -- holds the opt-out file
  :data:`OPT_OUT_FILE` (``.nxedit-private``): nothing below that folder is recorded or
  sent to a model (the structural engine, which runs in-process, still works there).

Glob rules (case-insensitive, ``*``/``?``/``[...]`` within one path component):

* a glob without ``/`` matches any component of the path below the project root, so
  ``secrets`` hides a ``secrets/`` folder and everything in it, and ``*.pem`` hides every
  PEM file at any depth;
* a glob with ``/`` matches the trailing components of the absolute path
  (``.aws/credentials``, ``.ssh/**``); ``**`` matches any number of components;
* a glob starting with ``/`` or ``~`` is anchored: it matches the absolute path from the
  top (``~/work/client-x/**``);
* a glob ending with ``/`` names a folder: everything below it (``config/keys/`` is
  ``config/keys/**``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Iterable, NamedTuple

from .project import project_root as find_project_root

OPT_OUT_FILE = ".nxedit-private"

DEFAULT_SECRET_GLOBS: tuple[str, ...] = (
    # environment files (dotenv, direnv)
    ".env*",
    "*.env",
    # private keys, certificates and key stores
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.p8",
    "*.crt",
    "*.cer",
    "*.der",
    "*.csr",
    "*.keystore",
    "*.jks",
    "*.ppk",
    "*.kdbx",
    "*.gpg",
    "*.pgp",
    "*.asc",
    "*.age",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    ".ssh/**",
    ".gnupg/**",
    # folders of secrets: everything below them, at any depth
    "secrets/**",
    ".secrets/**",
    "secret/**",
    ".secret/**",
    "credentials/**",
    ".credentials/**",
    ".password-store/**",
    # files named as secrets or credentials
    "secret.*",
    "secrets.*",
    "*.secret",
    "*.secrets",
    "credentials*",
    "client_secret*.json",
    "*service-account*.json",
    "*serviceaccount*.json",
    "*.tfvars",
    "*.tfstate",
    "*.tfstate.*",
    # credential stores of common tools
    ".netrc",
    "_netrc",
    ".pgpass",
    ".my.cnf",
    ".git-credentials",
    ".npmrc",
    ".pypirc",
    ".dockercfg",
    ".docker/config.json",
    ".aws/credentials",
    ".aws/config",
    ".azure/**",
    ".config/gcloud/**",
    ".kube/config",
    "kubeconfig*",
    ".vault-token",
    ".htpasswd",
    "*.ovpn",
)


def _components(path: str) -> list[str]:
    return [part for part in path.lower().replace(os.sep, "/").split("/") if part]


def _match_parts(pattern: list[str], parts: list[str]) -> bool:
    """Whole-list match of pattern components against path components (``**`` = any run)."""
    if not pattern:
        return not parts
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_match_parts(rest, parts[i:]) for i in range(len(parts) + 1))
    return bool(parts) and fnmatchcase(parts[0], head) and _match_parts(rest, parts[1:])


def glob_matches(glob: str, path: str | os.PathLike, root: str | os.PathLike) -> bool:
    """Whether one privacy glob matches ``path`` (absolute) in the project at ``root``."""
    glob = glob.strip()
    if not glob or glob.startswith("#"):
        return False
    path = os.path.abspath(path)
    if glob.endswith("/") and len(_components(glob)) > 1:  # a folder: what is below it
        glob += "**"
    if glob.startswith(("/", "~")):
        return _match_parts(_components(os.path.expanduser(glob)), _components(path))
    pattern = _components(glob)
    if len(pattern) == 1:
        rel = os.path.relpath(path, root) if _is_below(path, root) else os.path.basename(path)
        return any(fnmatchcase(part, pattern[0]) for part in _components(rel))
    parts = _components(path)
    return any(_match_parts(pattern, parts[i:]) for i in range(len(parts)))


def _is_below(path: str, root: str | os.PathLike) -> bool:
    root = os.path.abspath(root)
    return path.startswith(root.rstrip(os.sep) + os.sep)


def opted_out(path: str | os.PathLike) -> bool:
    """Whether a folder above ``path`` holds :data:`OPT_OUT_FILE`."""
    folder = Path(os.path.abspath(path)).parent
    return any(os.path.lexists(f / OPT_OUT_FILE) for f in (folder, *folder.parents))


def is_private(
    path: str | os.PathLike, user_globs: Iterable[str] = (), project_root: str | os.PathLike | None = None
) -> bool:
    """Whether ``path`` must never be recorded or sent to a model (see the module doc)."""
    root = project_root if project_root is not None else find_project_root(path)
    globs = (*DEFAULT_SECRET_GLOBS, *user_globs)
    return any(glob_matches(g, path, root) for g in globs) or opted_out(path)


class PathInfo(NamedTuple):
    path: str  # absolute
    project: str  # the project root, absolute
    private: bool


@dataclass
class PrivacyRules:
    """The rules in effect for one editor session, with a per-path cache.

    :meth:`classify` touches the file system (a few ``stat`` calls) the first time it
    sees a path; afterwards it is a dictionary look-up, cheap enough per keystroke.
    """

    user_globs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.user_globs = tuple(self.user_globs)
        self._cache: dict[str, PathInfo] = {}

    def classify(self, path: str | os.PathLike) -> PathInfo:
        key = os.fspath(path)
        info = self._cache.get(key)
        if info is None:
            absolute = os.path.abspath(key)
            root = find_project_root(absolute)
            info = PathInfo(absolute, str(root), is_private(absolute, self.user_globs, root))
            self._cache[key] = info
        return info

    def is_private(self, path: str | os.PathLike) -> bool:
        return self.classify(path).private

    def forget(self) -> None:
        """Drop the cache (after the user changed globs or added an opt-out file)."""
        self._cache.clear()
