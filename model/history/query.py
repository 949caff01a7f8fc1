"""Reading and purging the history database: counts, accept rates, export records.

Export records are plain dicts, one per row, with a ``type`` field; the schema is
documented in :mod:`nxedit.model.history.cli` (``nxedit history export``), which writes
them as JSONL for the training dataset builder.
"""

from __future__ import annotations

import heapq
import json
import sqlite3
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Iterator

GROUPINGS = ("source", "language", "project")


@dataclass(frozen=True)
class AcceptRow:
    key: str
    shown: int
    accepted: int
    partial: int
    rejected: int
    ignored: int

    @property
    def accept_rate(self) -> float:
        """Share of shown suggestions the user took, fully or in part."""
        return (self.accepted + self.partial) / self.shown if self.shown else 0.0


def counts(conn: sqlite3.Connection) -> dict:
    """Rows per table and the time span of the events (None when empty)."""
    out = {
        t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
        for t in ("events", "suggestions", "outcomes")
    }
    out["first"], out["last"] = conn.execute("SELECT MIN(t_start), MAX(t_end) FROM events").fetchone()
    return out


def accept_rates(conn: sqlite3.Connection, by: str) -> list[AcceptRow]:
    """Shown suggestions and what became of them, grouped by source, language or project.

    A suggestion with several outcomes counts its last; one without counts as shown only.
    """
    if by not in GROUPINGS:
        raise ValueError(f"group by one of {GROUPINGS}")
    rows = conn.execute(
        f"""SELECT COALESCE(s.{by}, '?'), COUNT(*),
                   SUM(o.kind = 'accepted'), SUM(o.kind = 'partial'),
                   SUM(o.kind = 'rejected'), SUM(o.kind = 'ignored')
            FROM suggestions s
            LEFT JOIN (SELECT sid, kind, MAX(decided_at) FROM outcomes GROUP BY sid) o ON o.sid = s.sid
            GROUP BY 1 ORDER BY 2 DESC, 1"""
    )
    return [AcceptRow(k, n, a or 0, p or 0, r or 0, i or 0) for k, n, a, p, r, i in rows]


def _project_clause(column_prefix: str, project: str | None) -> tuple[str, list]:
    if project is None:
        return "", []
    root = project.rstrip("/")
    return (
        f" AND ({column_prefix}project = ? OR substr({column_prefix}path, 1, ?) = ?)",
        [root, len(root) + 1, root + "/"],
    )


def iter_records(
    conn: sqlite3.Connection, since: float | None = None, project: str | None = None
) -> Iterator[dict]:
    """Events, suggestions and outcomes as export dicts, in time order (events by
    ``t_start``, suggestions by ``shown_at``, outcomes by ``decided_at``)."""
    since = float("-inf") if since is None else since
    where_p, args_p = _project_clause("", project)
    where_s, args_s = _project_clause("s.", project)
    events = conn.execute(
        "SELECT session, project, path, t_start, t_end, start_line, old_text, new_text, diff,"
        " cursor_line, cursor_column, origin, suggestion_sid"
        f" FROM events WHERE t_start >= ?{where_p} ORDER BY t_start, id",
        [since, *args_p],
    )
    suggestions = conn.execute(
        "SELECT sid, project, path, language, source, edits, confidence, latency_ms, shown_at, request"
        f" FROM suggestions WHERE shown_at >= ?{where_p} ORDER BY shown_at, id",
        [since, *args_p],
    )
    outcomes = conn.execute(
        "SELECT o.sid, o.kind, o.shown_at, o.decided_at, o.accepted_chars, o.suggested_chars FROM outcomes o"
        + (" JOIN suggestions s ON s.sid = o.sid" if project is not None else "")
        + f" WHERE COALESCE(o.decided_at, o.shown_at, 0) >= ?{where_s} ORDER BY o.decided_at, o.id",
        [since, *args_s],
    )
    # at equal times: a suggestion, then its outcome, then the edit accepting it made
    streams = (
        ((r[3], 2, _event_record(r)) for r in events),
        ((r[8], 0, _suggestion_record(r)) for r in suggestions),
        ((r[3] or 0.0, 1, _outcome_record(r)) for r in outcomes),
    )
    for _, _, record in heapq.merge(*streams, key=lambda x: (x[0], x[1])):
        yield record


def _event_record(r: tuple) -> dict:
    return {
        "type": "event",
        "session": r[0],
        "project": r[1],
        "path": r[2],
        "t_start": r[3],
        "t_end": r[4],
        "start_line": r[5],
        "old_text": r[6],
        "new_text": r[7],
        "diff": r[8],
        "cursor": {"line": r[9], "column": r[10]},
        "origin": r[11],
        "suggestion_id": r[12],
    }


def _suggestion_record(r: tuple) -> dict:
    return {
        "type": "suggestion",
        "id": r[0],
        "project": r[1],
        "path": r[2],
        "language": r[3],
        "source": r[4],
        "edits": json.loads(r[5]),
        "confidence": r[6],
        "latency_ms": r[7],
        "shown_at": r[8],
        "request": json.loads(r[9]) if r[9] else None,
    }


def _outcome_record(r: tuple) -> dict:
    return {
        "type": "outcome",
        "suggestion_id": r[0],
        "kind": r[1],
        "shown_at": r[2],
        "decided_at": r[3],
        "accepted_chars": r[4],
        "suggested_chars": r[5],
    }


def purge(conn: sqlite3.Connection, path_glob: str | None = None, *, dry_run: bool = False) -> dict[str, int]:
    """Delete everything, or the rows of files whose absolute path matches ``path_glob``
    (``fnmatch``: ``*`` also crosses ``/``), with the outcomes of their suggestions.
    Returns the counts; deleted text is overwritten on disk (``secure_delete``, then
    the WAL is truncated and the file vacuumed when no other editor holds it open)."""
    conn.create_function(
        "nx_match", 1, lambda p: p is not None and fnmatchcase(p, path_glob), deterministic=True
    )
    match = "1" if path_glob is None else "nx_match(path)"
    doomed_sids = f"SELECT sid FROM suggestions WHERE {match}"
    outcome_match = "1" if path_glob is None else f"sid IN ({doomed_sids})"
    found = {
        "events": conn.execute(f"SELECT COUNT(*) FROM events WHERE {match}").fetchone()[0],
        "suggestions": conn.execute(f"SELECT COUNT(*) FROM suggestions WHERE {match}").fetchone()[0],
        "outcomes": conn.execute(f"SELECT COUNT(*) FROM outcomes WHERE {outcome_match}").fetchone()[0],
    }
    if dry_run or not any(found.values()):
        return found
    conn.execute("PRAGMA secure_delete = ON")
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(f"UPDATE events SET suggestion_sid = NULL WHERE suggestion_sid IN ({doomed_sids})")
        conn.execute(f"DELETE FROM outcomes WHERE {outcome_match}")
        conn.execute(f"DELETE FROM suggestions WHERE {match}")
        conn.execute(f"DELETE FROM events WHERE {match}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # a full disk has SQLite roll back on its own
            conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("VACUUM")
    except sqlite3.OperationalError:
        pass  # another editor has it open: secure_delete already zeroed the pages
    return found
