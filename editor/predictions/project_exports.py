"""The project's top-level names for the structural engine's imports, kept fresh off the UI thread.

The engine asks, on its worker thread, for the index of the project a file belongs to
(:class:`ProjectExportsCache` is the ``exports`` callable of its predictor). The answer is
whatever was built last, at once; when there is none yet, or it is older than
``REFRESH_S``, a background thread finds the project's root (the folder with its
``.git``, ``pyproject.toml``, ``Cargo.toml``, ``package.json`` or ``go.mod``: where module
paths start), lists its files (git's list, or a walk that honours ``.gitignore``) and
re-reads the ones that changed. Neither the UI thread nor a
prediction ever waits on git or the disk: a name defined in another file gets its import
once the index has seen that file.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from nxedit.editor.find.project_files import list_files
from nxedit.model.predict.structural.exports import ProjectExports
from nxedit.model.project import project_root

REFRESH_S = 30.0  # an index older than this is rebuilt (changed files only) on the next request


class ProjectExportsCache:
    """File path -> its project's :class:`ProjectExports` (None until the first build)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._root_of: dict[Path, Path] = {}  # a file's folder -> its project root
        self._index: dict[Path, tuple[float, ProjectExports]] = {}  # root -> (built at, index)
        self._busy: set[Path] = set()  # folders whose refresh is running

    def __call__(self, path: str) -> ProjectExports | None:
        folder = Path(path).parent
        with self._lock:
            root = self._root_of.get(folder)
            built_at, exports = self._index.get(root, (0.0, None)) if root is not None else (0.0, None)
            if time.monotonic() - built_at > REFRESH_S and folder not in self._busy:
                self._busy.add(folder)
                threading.Thread(target=self._refresh, args=(folder,), name="nxedit-project-exports",
                                 daemon=True).start()
        return exports if exports is not None and exports.built else None

    def _refresh(self, folder: Path) -> None:
        try:
            root = project_root(folder / "_")  # the folder with the project's marker: module paths start there
            with self._lock:
                exports = self._index.get(root, (0.0, ProjectExports(root)))[1]
            exports.refresh([p for batch in list_files(root) for p in batch])
            with self._lock:
                self._root_of[folder] = root
                self._index[root] = (time.monotonic(), exports)
        except Exception:  # an unreadable project costs its imports, never the predictions
            pass
        finally:
            with self._lock:
                self._busy.discard(folder)

    def ready(self, path: str) -> bool:
        """Whether the index of ``path``'s project has been built (tests wait on it)."""
        with self._lock:
            root = self._root_of.get(Path(path).parent)
            return root is not None and root in self._index
