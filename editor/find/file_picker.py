"""The file picker (``file.find``): the project's files ranked fuzzily as you type,
recently used files first, a preview of the highlighted one; Enter opens it.

Nothing here waits on the disk or on ranking: the file list comes from a worker thread
(the last list of the project shows at once while a fresh one is made) and each query is
ranked on another, one at a time -- while one ranks, further keys only update the query
the next one will use. The screen opens before any of it has finished.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from rich.style import Style
from rich.text import Text

from .file_index import FileIndex
from .fuzzy import Ranker, match_positions
from .picker import PickerScreen
from .project_files import known_root, list_files, project_root_for

MATCH = Style(bold=True, underline=True)
FOLDER = Style(dim=True)




class FilePicker(PickerScreen):
    placeholder = "Find a file (fuzzy; Enter opens, Esc closes)"

    def __init__(self, index: FileIndex, base: Path) -> None:
        super().__init__()
        self.index = index
        self.base = base
        self.root: Path | None = None
        self.ranker: Ranker | None = None
        self.file_count = 0
        self.listed = False
        self._wanted: tuple[str, Ranker] | None = None
        self._ranking = False
        self._stop = threading.Event()
        self._shown_cached = False  # on_mount showed the last opening's ranker: the worker need not
        # for bench/find_speed.py: when the screen was made and first showed files
        self.created_at = time.perf_counter()
        self.first_results_at: float | None = None

    def on_mount(self) -> None:  # after PickerScreen.on_mount (Textual calls each class's handler)
        self.info("listing files…")
        self._shown_cached = self._show_cached()
        self.run_worker(self._list, thread=True, group="list-files", description="list the project's files")

    def _show_cached(self) -> bool:
        """Rows in the first frame when an earlier opening left a ranker for this project:
        the empty query's ranking is only the recent files and the list's head (no worker
        round trip, no git, no disk). The worker still lists afresh."""
        root = known_root(self.base)
        ranker = self.index.ranker(root) if root is not None else None
        if ranker is None or self.query_text or not self.index.recent_loaded:
            return False
        ranker = ranker.with_recent(self.index.recent_under(root))
        self.root, self.ranker, self.file_count = root, ranker, len(ranker.paths)
        self._wanted = ("", ranker)
        self._ranked(self._wanted, ranker.rank(""))
        return True

    def on_unmount(self) -> None:
        self._stop.set()

    # -- listing (worker thread) --------------------------------------------------------

    def _list(self) -> None:
        root = project_root_for(self.base)
        cached = self.index.cached(root)
        if cached is not None and not self._shown_cached:
            self._post(root, cached, done=False)
        files: list[str] = []
        for batch in list_files(root, self._stop):
            files.extend(batch)
            if cached is None:  # a fresh list replaces the cached one only when complete
                self._post(root, list(files), done=False)
        if self._stop.is_set():
            return
        self._post(root, files, done=True)

    def _post(self, root: Path, files: list[str], done: bool) -> None:
        ranker = Ranker(files, self.index.recent_under(root))
        if done:
            self.index.remember(root, files, ranker)
        try:
            self.app.call_from_thread(self._files_arrived, root, ranker, len(files), done)
        except RuntimeError:  # the app has closed
            self._stop.set()

    def _files_arrived(self, root: Path, ranker: Ranker, count: int, done: bool) -> None:
        self.root, self.ranker, self.file_count, self.listed = root, ranker, count, done
        self._show_info()
        self._request_rank()

    def _show_info(self) -> None:
        more = "" if self.listed else " (listing…)"
        self.info(f"{self.file_count:,} files in {self.root}{more}")

    # -- ranking (one worker at a time) -------------------------------------------------

    def query_changed(self, text: str) -> None:
        self._request_rank()

    def _request_rank(self) -> None:
        if self.ranker is None:
            return
        self._wanted = (self.query_text, self.ranker)
        if not self._ranking:
            self._start_rank()

    def _start_rank(self) -> None:
        self._ranking = True
        wanted = self._wanted
        self.run_worker(lambda: self._rank(wanted), thread=True, group="rank", description="rank files")

    def _rank(self, wanted: tuple[str, Ranker]) -> None:
        query, ranker = wanted
        paths = ranker.rank(query)
        try:
            self.app.call_from_thread(self._ranked, wanted, paths)
        except RuntimeError:
            pass

    def _ranked(self, wanted: tuple[str, Ranker], paths: list[str]) -> None:
        self._ranking = False
        if wanted != self._wanted:
            self._start_rank()  # the query moved on while this one ranked
            if wanted[0] != self.query_text:
                return
        if paths != self.results.items:  # a fresh list that ranks the same keeps the user's highlight
            self.results.set_items(paths)
        if not paths:
            self.info(f"no file matches {self.query_text!r}" if self.query_text else "no files")
        else:
            self._show_info()
        if paths and self.first_results_at is None:
            self.call_after_refresh(self._first_shown)

    def _first_shown(self) -> None:
        self.first_results_at = time.perf_counter()

    # -- rows and choosing --------------------------------------------------------------

    def describe(self, path: str) -> Text:
        text = Text(path)
        cut = path.rfind("/") + 1
        if cut:
            text.stylize(FOLDER, 0, cut)
        for at in match_positions(self.query_text, path):
            text.stylize(MATCH, at, at + 1)
        return text

    def preview_of(self, path: str | None):
        if path is None or self.root is None:
            return None, 0, ()
        return self.root / path, 0, ()

    def choose(self, path: str) -> None:
        if self.root is not None:
            self.dismiss(Path(os.path.join(self.root, path)))
