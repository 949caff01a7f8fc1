"""What the file picker remembers: each project's file list (shown at once the next time
while a fresh list is made) and the files used most recently (kept across sessions in
``state_dir()/recent-files.json``; private files are never written there)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from nxedit.model.paths import state_dir

if TYPE_CHECKING:
    from .fuzzy import Ranker

MAX_RECENT = 100


class FileIndex:
    def __init__(self, store: Path | None = None) -> None:
        self.store = store
        self._lists: dict[str, list[str]] = {}
        self._rankers: dict[str, "Ranker"] = {}
        self._session: list[str] = []  # absolute paths used this session, most recent first
        self._saved: list[str] | None = None  # read lazily, off the UI thread
        self._lock = threading.Lock()

    def _store(self) -> Path:
        return self.store or state_dir() / "recent-files.json"

    # -- file lists ---------------------------------------------------------------------

    def cached(self, root: Path) -> list[str] | None:
        with self._lock:
            return self._lists.get(str(root))

    def remember(self, root: Path, files: list[str], ranker: "Ranker | None" = None) -> None:
        with self._lock:
            self._lists[str(root)] = files
            if ranker is not None:
                self._rankers[str(root)] = ranker

    def ranker(self, root: Path) -> "Ranker | None":
        """The ranker made for ``root``'s last complete list (the picker's next opening
        shows its first rows at once)."""
        with self._lock:
            return self._rankers.get(str(root))

    # -- recent files -------------------------------------------------------------------

    def touch(self, path: Path | None) -> None:
        """``path`` was just shown in the editor (cheap: no disk access)."""
        if path is None:
            return
        text = os.path.abspath(path)
        with self._lock:
            if text in self._session:
                self._session.remove(text)
            self._session.insert(0, text)
            del self._session[MAX_RECENT:]

    def recent(self) -> list[str]:
        """Absolute paths, most recent first (reads the saved list on first use)."""
        if self._saved is None:
            try:
                saved = json.loads(self._store().read_text(encoding="utf-8"))
                self._saved = [p for p in saved if isinstance(p, str)] if isinstance(saved, list) else []
            except (OSError, ValueError):
                self._saved = []
        with self._lock:
            session = list(self._session)
        seen = set(session)
        return session + [p for p in self._saved if p not in seen]

    @property
    def recent_loaded(self) -> bool:
        """Whether :meth:`recent` can answer without reading the disk."""
        return self._saved is not None

    def recent_under(self, root: Path) -> list[str]:
        """The recent files inside ``root``, relative to it with "/" separators."""
        prefix = os.path.abspath(root) + os.sep
        return [p[len(prefix):].replace(os.sep, "/") for p in self.recent() if p.startswith(prefix)]

    def save(self) -> None:
        """Write the recent list (at exit), leaving out private files."""
        if not self._session:
            return
        from nxedit.model.privacy import is_private

        paths = [p for p in self.recent()[:MAX_RECENT] if not is_private(p)]
        target = self._store()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(".tmp")
            tmp.write_text(json.dumps(paths), encoding="utf-8")
            os.replace(tmp, target)
        except OSError:
            pass  # losing the recent list costs an ordering, nothing else
