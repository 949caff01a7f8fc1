"""The history store: writes edit events, shown suggestions and their outcomes to the
history database from a background thread, in batches.

Typing never waits on the disk: ``submit_*`` puts a reference on a bounded queue and
returns (no copy, no SQL, no diff). A writer thread opens the database (so a slow or
broken disk never delays start-up), turns items into rows, and commits them in one
transaction every ``flush_interval`` seconds, on :meth:`HistoryStore.flush` and on
:meth:`HistoryStore.close`. If the queue fills up (the disk is stuck) items are dropped
and counted, with one warning. A broken database is moved aside and a fresh one started;
if that fails too, recording turns itself off with a message. Nothing raises into the
caller.

**What a suggestion row keeps** (to rebuild the training example "context -> the edit
that was shown -> what the user did"): source, edits (wire format), confidence, latency,
time shown, and the request the predictor answered as JSON -- path, language, cursor,
history hunks -- with the buffer cut down to *excerpts*: the lines within
``EXCERPT_RADIUS`` of the cursor and of each suggested edit (``{"start_line", "text"}``,
plus ``line_count``). A whole buffer per shown suggestion would grow the database by
megabytes an hour for text no prompt uses: every prompt layout we target reads at most a
few dozen lines around the cursor (Zeta ~350+150 tokens, Sweep 21 lines, Instinct 25).
Related files (``files``) are not kept.
"""

from __future__ import annotations

import json
import logging
import queue
import secrets
import sqlite3
import threading
import time
from pathlib import Path
from typing import Callable, Iterable

from .events import EditEvent, hunk_diff
from .db import connect_or_recover, default_path, describe, is_broken, move_aside
from nxedit.model.privacy import PrivacyRules
from nxedit.model.predict.suggestion import Outcome, Suggestion
from nxedit.model.text.plain import split_lines

log = logging.getLogger("nxedit.history")

EXCERPT_RADIUS = 40

_STOP = object()


class _Flush:
    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = threading.Event()


class HistoryStore:
    """Records to the history database without blocking the caller.

    ``notify`` receives one-line messages for the user (it may be called from the writer
    thread: the editor should hand them to its UI thread). ``privacy`` is consulted
    again here, so a private path never becomes a row even if a caller forgets.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        privacy: PrivacyRules | None = None,
        notify: Callable[[str], None] | None = None,
        flush_interval: float = 0.5,
        max_queue: int = 20_000,
    ) -> None:
        self.path = Path(path or default_path())
        self.privacy = privacy or PrivacyRules()
        self.notify = notify or log.warning
        self.flush_interval = flush_interval
        self.session = secrets.token_hex(6)  # suggestion ids are per process: make them unique
        self.enabled = True
        self.written = 0
        self.dropped = 0
        self._warned: set[str] = set()  # one message per kind of trouble, not per record
        self._queue: queue.Queue = queue.Queue(maxsize=max_queue)
        self._conn: sqlite3.Connection | None = None
        self._private_sids: set[str] = set()  # writer thread only
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="nxedit-history-writer", daemon=True)
        self._thread.start()

    # -- the editor's side: never blocks --------------------------------------------

    def sid(self, suggestion_id: int) -> str:
        """The database's id for this process's suggestion ``suggestion_id``."""
        return f"{self.session}-{suggestion_id}"

    def submit_event(self, event: EditEvent) -> None:
        self._put(("event", event))

    def submit_suggestion(self, suggestion: Suggestion, request: dict, shown_at: float, path: str) -> None:
        """A suggestion was shown. ``request``: the predictor request as sent (wire
        format, with ``current``); cut down to excerpts in the writer thread."""
        self._put(("suggestion", (suggestion, request, shown_at, path)))

    def submit_outcome(self, outcome: Outcome) -> None:
        self._put(("outcome", outcome))

    def _put(self, item) -> None:
        if not self.enabled or self._closed:
            return
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            self.dropped += 1
            self._warn_once("full", "edit history: the disk is not keeping up; dropping records")

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            self.notify(message)

    def flush(self, timeout: float = 10.0) -> bool:
        """Write everything submitted so far; True once it is on disk (or dropped)."""
        if self._closed or not self._thread.is_alive():
            return False
        marker = _Flush()
        try:
            self._queue.put(marker, timeout=timeout)
        except queue.Full:
            return False
        return marker.done.wait(timeout)

    def close(self, timeout: float = 10.0) -> bool:
        """Write what is queued and stop the writer; True if it finished in time."""
        if self._closed:
            return not self._thread.is_alive()
        self._closed = True
        try:
            self._queue.put(_STOP, timeout=timeout)
        except queue.Full:
            return False
        self._thread.join(timeout)
        return not self._thread.is_alive()

    # -- the writer thread ----------------------------------------------------------

    def _run(self) -> None:
        self._conn = connect_or_recover(self.path, self.notify)
        if self._conn is None:
            self.enabled = False
        batch: list = []
        deadline = None
        while True:
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                item = self._queue.get(timeout=timeout)
            except queue.Empty:
                item = None
            if item is _STOP or isinstance(item, _Flush) or item is None:
                self._write(batch)
                batch, deadline = [], None
                if item is _STOP:
                    break
                if isinstance(item, _Flush):
                    item.done.set()
                continue
            batch.append(item)
            if deadline is None:
                deadline = time.monotonic() + self.flush_interval
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _write(self, batch: list) -> None:
        if not batch:
            return
        if self._conn is None:
            self.dropped += len(batch)
            return
        rows = self._rows(batch)
        for attempt in (1, 2):
            try:
                self._insert(rows)
                self.written += sum(map(len, rows.values()))
                return
            except sqlite3.Error as exc:
                if attempt == 1 and is_broken(exc) and self._recover(exc):
                    continue
                self.dropped += len(batch)
                self._warn_once("write", f"edit history: could not write {len(batch)} records: "
                                         f"{describe(exc, self.path)}; later failures are not shown")
                return

    def _recover(self, exc: Exception) -> bool:
        """The database broke while open: move it aside and carry on in a fresh one."""
        self._conn.close()
        self._conn = None
        try:
            aside = move_aside(self.path)
            self.notify(
                f"edit history: {self.path} broke ({exc}); moved to {aside.name}, starting a fresh one"
            )
        except OSError:
            pass
        self._conn = connect_or_recover(self.path, self.notify)
        if self._conn is None:
            self.enabled = False
        return self._conn is not None

    def _insert(self, rows: dict[str, list[tuple]]) -> None:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(
                "INSERT INTO events (session, project, path, t_start, t_end, start_line, old_text, new_text,"
                " diff, cursor_line, cursor_column, origin, suggestion_sid)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows["event"],
            )
            conn.executemany(
                "INSERT OR IGNORE INTO suggestions (sid, project, path, language, source, edits, confidence,"
                " latency_ms, shown_at, request) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows["suggestion"],
            )
            conn.executemany(
                "INSERT INTO outcomes (sid, kind, shown_at, decided_at, accepted_chars, suggested_chars)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                rows["outcome"],
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _rows(self, batch: list) -> dict[str, list[tuple]]:
        rows: dict[str, list[tuple]] = {"event": [], "suggestion": [], "outcome": []}
        for kind, item in batch:
            try:
                if kind == "event":
                    row = self._event_row(item)
                elif kind == "suggestion":
                    row = self._suggestion_row(*item)
                else:
                    row = self._outcome_row(item)
            except Exception as exc:  # noqa: BLE001 -- one bad record must not stop recording
                self.dropped += 1
                self._warn_once(f"bad {kind}", f"edit history: skipped a {kind} record: {exc!r}")
                continue
            if row is not None:
                rows[kind].append(row)
        return rows

    def _event_row(self, e: EditEvent) -> tuple | None:
        if not e.path or self.privacy.is_private(e.path):
            return None
        project = e.project or self.privacy.classify(e.path).project
        rel = _relative(e.path, project)
        return (
            self.session,
            project,
            e.path,
            e.t_start,
            e.t_end,
            e.start_line,
            e.old_text,
            e.new_text,
            hunk_diff(e.to_hunk(), rel),
            e.cursor[0],
            e.cursor[1],
            e.origin,
            self.sid(e.suggestion_id) if e.suggestion_id is not None else None,
        )

    def _suggestion_row(self, s: Suggestion, request: dict, shown_at: float, path: str) -> tuple | None:
        if not path or self.privacy.is_private(path):
            self._private_sids.add(self.sid(s.id))  # its outcome is not kept either
            return None
        info = self.privacy.classify(path)
        edits = [e.to_dict() for e in s.edits]
        return (
            self.sid(s.id),
            info.project,
            info.path,
            request.get("language"),
            s.source,
            json.dumps(edits),
            s.confidence,
            s.latency_ms,
            shown_at,
            json.dumps(training_request(request, edits)),
        )

    def _outcome_row(self, o: Outcome) -> tuple | None:
        if self.sid(o.suggestion_id) in self._private_sids:
            return None
        return (
            self.sid(o.suggestion_id),
            o.kind,
            o.shown_at,
            o.decided_at,
            o.accepted_chars,
            o.suggested_chars,
        )


def _relative(path: str, project: str | None) -> str:
    if project and path.startswith(project.rstrip("/") + "/"):
        return path[len(project.rstrip("/")) + 1 :]
    return path.lstrip("/")


def training_request(request: dict, edits: Iterable[dict], radius: int = EXCERPT_RADIUS) -> dict:
    """The request as stored: ``current`` becomes ``excerpts`` (the lines within
    ``radius`` of the cursor and of each edit, merged) and ``line_count``; ``files`` is
    dropped. Everything else is kept as sent."""
    out = {k: v for k, v in request.items() if k not in ("current", "files")}
    text = request.get("current")
    if not isinstance(text, str):
        return out
    lines = split_lines(text)
    anchors = [(e["start_line"], e["end_line"]) for e in edits]
    cursor = request.get("cursor")
    if isinstance(cursor, dict) and isinstance(cursor.get("line"), int):
        anchors.append((cursor["line"], cursor["line"] + 1))
    spans: list[list[int]] = []
    for lo, hi in sorted((max(0, a - radius), min(len(lines), b + radius)) for a, b in anchors):
        if spans and lo <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], hi)
        else:
            spans.append([lo, hi])
    out["excerpts"] = [{"start_line": lo, "text": "".join(lines[lo:hi])} for lo, hi in spans]
    out["line_count"] = len(lines)
    return out
