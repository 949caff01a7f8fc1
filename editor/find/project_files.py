"""The files of a project: git's own list in a git repository, else a walk of the folder
that honours ``.gitignore`` files (matched by pathspec).

Both come in batches, so the picker shows the first files while the rest are listed: git
lists the tracked files first (tens of ms for 50,000 files), then the untracked ones that
are not ignored (it has to walk the tree for those). Paths are relative to the root, with
``/`` separators. No Textual here: the picker runs this on a worker thread.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path
from typing import Iterator

from nxedit.model.vcs.git import git_root


BATCH = 5000  # paths per batch of the walk
ROOT_TTL = 300.0  # seconds a folder's project root is trusted (a `git init` meanwhile is seen after this)
_roots: dict[Path, tuple[float, Path]] = {}


def project_root_for(base: Path) -> Path:
    """The git work tree holding ``base``; outside one, the working directory when
    ``base`` is inside it, else ``base``. Runs git: call it off the UI thread."""
    root = git_root(base)
    if root is None:
        cwd = Path.cwd()
        root = cwd if base == cwd or cwd in base.parents else base
    _roots[base] = (time.monotonic(), root)
    return root


def known_root(base: Path) -> Path | None:
    """``base``'s project root if a recent lookup found it (no git run: safe on the UI thread)."""
    hit = _roots.get(base)
    return hit[1] if hit is not None and time.monotonic() - hit[0] < ROOT_TTL else None


def list_files(root: str | os.PathLike, cancel: threading.Event | None = None) -> Iterator[list[str]]:
    """Batches of the project's file paths, relative to ``root``."""
    root = os.fspath(root)
    if os.path.isdir(os.path.join(root, ".git")) or os.path.isfile(os.path.join(root, ".git")):
        batches = _git_files(root)
        first = next(batches, None)
        if first is not None:  # git answered: trust its list
            yield first
            for batch in batches:
                if cancel is not None and cancel.is_set():
                    return
                yield batch
            return
    yield from walk_files(root, cancel)


def _git_files(root: str) -> Iterator[list[str]]:
    """Tracked files, then untracked files that are not ignored; nothing when git fails."""
    for args in (["--cached"], ["--others", "--exclude-standard"]):
        try:
            done = subprocess.run(
                ["git", "-C", root, "-c", "core.quotepath=off", "ls-files", "-z", *args],
                capture_output=True, timeout=60,
            )
        except (OSError, subprocess.TimeoutExpired):
            return
        if done.returncode != 0:
            return
        yield [p for p in os.fsdecode(done.stdout).split("\0") if p]


def _load_ignore(folder: str):
    """The folder's ``.gitignore`` as a matcher, or None."""
    try:
        with open(os.path.join(folder, ".gitignore"), encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    if not any(line.strip() and not line.startswith("#") for line in lines):
        return None
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


def walk_files(root: str | os.PathLike, cancel: threading.Event | None = None) -> Iterator[list[str]]:
    """Every file under ``root`` that no ``.gitignore`` on its way ignores (each one's
    patterns are relative to its own folder, as git reads them); ``.git`` is skipped and
    symbolic links to folders are not followed."""
    root = os.fspath(root)
    batch: list[str] = []
    # (folder relative to root, the .gitignore matchers that apply: (their folder, spec))
    stack: list[tuple[str, tuple]] = [("", ())]
    while stack:
        if cancel is not None and cancel.is_set():
            return
        rel, inherited = stack.pop()
        folder = os.path.join(root, rel) if rel else root
        spec = _load_ignore(folder)
        rules = inherited + ((rel, spec),) if spec is not None else inherited
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        subfolders = []
        for entry in entries:
            name = entry.name
            if name == ".git":
                continue
            path = f"{rel}/{name}" if rel else name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if rules and _ignored(rules, path, is_dir):
                continue
            if is_dir:
                subfolders.append(path)
            else:
                batch.append(path)
        stack.extend((p, rules) for p in sorted(subfolders, reverse=True))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _ignored(rules: tuple, path: str, is_dir: bool) -> bool:
    """Whether the nearest ``.gitignore`` with a say on ``path`` ignores it (a deeper file's
    ``!pattern`` can take back what a file above it ignored)."""
    for base, spec in reversed(rules):
        sub = path[len(base) + 1 :] if base else path
        result = spec.check_file(sub + "/" if is_dir else sub)
        if result.include is not None:
            return bool(result.include)
    return False
