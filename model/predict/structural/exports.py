"""Which file of the project defines a name at its top level: where the import of a name
that no open file defines comes from.

A request's ``files`` hold the few files a client chose to send; the editor sends none.
This index holds every project file's top-level definitions instead (functions, classes,
types, constants; exported ones in TypeScript, ``pub`` ones in Rust), read once and
re-read only when a file's modification time changes. It is built off the UI thread
(:meth:`refresh`); a prediction only looks names up in the last complete build, so
typing never waits on the disk, and a name the index has not seen yet gets no import.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable

MAX_FILES = 5000  # a bigger project is indexed this far (bounded work on a worker thread)
MAX_BYTES = 512 * 1024  # bigger files are generated or vendored: not where a name is defined
# the name each language's top-level definitions give (the imports behaviour uses the same)
DEFINITIONS = {
    "python": re.compile(r"^(?:async\s+def|def|class)\s+([A-Za-z_]\w*)|^([A-Za-z_]\w*)\s*(?::[^=\n]*)?=(?!=)", re.M),
    "rust": re.compile(r"^\s*pub(?:\([^)]*\))?\s+(?:async\s+)?(?:fn|struct|enum|trait|type|const|static|mod)\s+"
                       r"([A-Za-z_]\w*)", re.M),
    "typescript": re.compile(r"^export\s+(?:default\s+)?(?:declare\s+)?(?:async\s+)?(?:abstract\s+)?"
                             r"(?:function\*?|const|let|var|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)", re.M),
}
EXTENSIONS = {
    ".py": "python", ".pyi": "python", ".rs": "rust",
    **{ext: "typescript" for ext in (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs")},
}
FAMILY = {"python": "python", "rust": "rust", "typescript": "typescript", "tsx": "typescript",
          "javascript": "typescript"}


class ProjectExports:
    """The top-level names of a project's files, by language (safe to read from any thread)."""

    def __init__(self, root: str | os.PathLike):
        self.root = os.path.abspath(root)
        self._files: dict[str, tuple[float, frozenset[str]]] = {}  # relative path -> (mtime, names)
        self._where: dict[tuple[str, str], tuple[str, ...]] = {}  # (family, name) -> relative paths
        self._lock = threading.Lock()  # one refresh at a time
        self.built = False

    def refresh(self, paths: Iterable[str], cancel: threading.Event | None = None) -> None:
        """Read the project files among ``paths`` (relative to the root) that are new or
        changed since the last refresh, and publish the new index. Runs on a worker thread."""
        with self._lock:
            files: dict[str, tuple[float, frozenset[str]]] = {}
            for n, rel in enumerate(p for p in paths if os.path.splitext(p)[1] in EXTENSIONS):
                if n >= MAX_FILES or (cancel is not None and cancel.is_set()):
                    break
                full = os.path.join(self.root, rel)
                try:
                    stat = os.stat(full)
                except OSError:
                    continue
                known = self._files.get(rel)
                if known is not None and known[0] == stat.st_mtime:
                    files[rel] = known
                elif stat.st_size <= MAX_BYTES:
                    files[rel] = (stat.st_mtime, _names(full, EXTENSIONS[os.path.splitext(rel)[1]]))
            where: dict[tuple[str, str], list[str]] = {}
            for rel, (_, names) in sorted(files.items()):
                family = EXTENSIONS[os.path.splitext(rel)[1]]
                for name in names:
                    where.setdefault((family, name), []).append(rel)
            # swap in whole: a prediction reading meanwhile sees the old index or the new one
            self._files, self._where = files, {k: tuple(v) for k, v in where.items()}
            self.built = True

    def defining(self, name: str, language: str, exclude: str = "") -> str | None:
        """The project file (relative to the root, ``/`` separators) that defines ``name``
        at its top level, other than ``exclude``; the first in path order, or None."""
        family = FAMILY.get(language)
        for rel in self._where.get((family, name), ()) if family else ():
            if rel != exclude:
                return rel.replace(os.sep, "/")
        return None

    def relative(self, path: str) -> str | None:
        """``path`` relative to the root (``/`` separators), or None outside the project."""
        rel = os.path.relpath(os.path.abspath(path), self.root)
        return None if rel.startswith("..") else rel.replace(os.sep, "/")


def _names(path: str, family: str) -> frozenset[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return frozenset()
    return frozenset(next(g for g in m.groups() if g) for m in DEFINITIONS[family].finditer(text))
