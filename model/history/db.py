"""The edit-history database file: where it lives, its schema and migrations, and how
a broken one is moved aside.

SQLite in WAL mode (readers never block the writer; two editors can write at once, each
waiting up to ``BUSY_TIMEOUT_MS`` for the other's transaction), ``synchronous=NORMAL``
(a process killed mid-write loses at most its last transaction; the file stays
consistent). The file is created with mode 0600 in a 0700 folder: it holds the user's
code. ``PRAGMA user_version`` is the schema version; :data:`MIGRATIONS` step it up.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import time
from pathlib import Path

from nxedit.model import paths

DB_NAME = "history.sqlite3"
BUSY_TIMEOUT_MS = 10_000
TRANSIENT_RETRIES = 6  # about 3 s of retries when another editor holds the file

# MIGRATIONS[v] takes a database at version v-1 to version v. Never edit a released one:
# add the next.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    # v1: edits and verdicts
    1: (
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            session TEXT NOT NULL,
            project TEXT,
            path TEXT NOT NULL,
            t_start REAL NOT NULL,
            t_end REAL NOT NULL,
            start_line INTEGER NOT NULL,
            old_text TEXT NOT NULL,
            new_text TEXT NOT NULL,
            diff TEXT NOT NULL,
            cursor_line INTEGER,
            cursor_column INTEGER,
            origin TEXT NOT NULL)""",
        """CREATE TABLE suggestions (
            id INTEGER PRIMARY KEY,
            sid TEXT NOT NULL UNIQUE,
            project TEXT,
            path TEXT NOT NULL,
            language TEXT,
            source TEXT NOT NULL,
            edits TEXT NOT NULL,
            confidence REAL,
            latency_ms REAL,
            shown_at REAL NOT NULL)""",
        """CREATE TABLE outcomes (
            id INTEGER PRIMARY KEY,
            sid TEXT NOT NULL,
            kind TEXT NOT NULL,
            shown_at REAL,
            decided_at REAL)""",
    ),
    # v2: what training needs -- the request a suggestion answered, how much of a partial
    # accept was taken, which event an accepted suggestion became; indexes for export
    2: (
        "ALTER TABLE events ADD COLUMN suggestion_sid TEXT",
        "ALTER TABLE suggestions ADD COLUMN request TEXT",
        "ALTER TABLE outcomes ADD COLUMN accepted_chars INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE outcomes ADD COLUMN suggested_chars INTEGER NOT NULL DEFAULT 0",
        "CREATE INDEX events_time ON events(t_start)",
        "CREATE INDEX suggestions_time ON suggestions(shown_at)",
        "CREATE INDEX outcomes_sid ON outcomes(sid)",
    ),
}
SCHEMA_VERSION = max(MIGRATIONS)

# errors that mean "this file is not a usable database"; anything else (busy, locked, disk
# full) is transient and must never get the user's history moved aside
BROKEN = {
    "SQLITE_NOTADB",
    "SQLITE_CORRUPT",
    "SQLITE_CANTOPEN",
    "SQLITE_PERM",
    "SQLITE_READONLY",
    "SQLITE_AUTH",
}


class BrokenDatabase(Exception):
    """The database file is unusable (corrupt, not a database, unreadable, a folder...)."""


class NewerSchema(Exception):
    """The database was written by a newer nxedit: left alone, not recorded into."""


def default_path() -> Path:
    return paths.data_dir() / DB_NAME


def is_broken(exc: BaseException) -> bool:
    if isinstance(exc, (BrokenDatabase, PermissionError, IsADirectoryError, NotADirectoryError)):
        return True
    name = getattr(exc, "sqlite_errorname", "") or ""
    return any(name.startswith(code) for code in BROKEN)


def _prepare_file(path: Path) -> None:
    """The folder 0700, the file 0600, created before SQLite opens it."""
    folder = path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.stat().st_mode & 0o077:
        folder.chmod(0o700)
    if os.path.lexists(path) and not path.is_file():
        raise BrokenDatabase(f"{path} is not a regular file")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def connect(path: Path | None = None, *, create: bool = True) -> sqlite3.Connection:
    """Open (and create, and migrate) the history database; autocommit mode.

    Raises :class:`BrokenDatabase` or ``sqlite3.Error``; use :func:`is_broken` to tell
    a file to move aside from a transient failure. ``create=False`` raises
    ``FileNotFoundError`` when there is no database yet.
    """
    path = Path(path or default_path())
    if not create and not os.path.lexists(path):
        raise FileNotFoundError(path)
    _prepare_file(path)
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema up to :data:`SCHEMA_VERSION`; returns the version found."""
    found = conn.execute("PRAGMA user_version").fetchone()[0]
    if found == SCHEMA_VERSION:
        return found
    if found > SCHEMA_VERSION:
        raise NewerSchema(f"history database has schema v{found}; this nxedit knows up to v{SCHEMA_VERSION}")
    conn.execute("BEGIN IMMEDIATE")  # one migrator at a time; a second editor waits, then sees it done
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for v in range(version + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[v]:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # SQLite already rolled back after a full disk: the cause is the news
            conn.execute("ROLLBACK")
        raise
    return found


def describe(exc: BaseException, path: Path) -> str:
    """A database failure in plain words: a full disk says which disk."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith("SQLITE_FULL") or getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT):
        return f"disk full on {paths.mount_point(path)} (where {path.name} lives)"
    return str(exc)


def broken_copies(path: Path | None = None) -> list[Path]:
    """The databases moved aside as broken (:func:`move_aside`): they still hold history."""
    path = Path(path or default_path())
    if not path.parent.is_dir():
        return []
    found = path.parent.glob(f"{path.name}.broken-*")
    return sorted(p for p in found if not p.name.endswith(("-wal", "-shm", "-journal")))


def delete_database(path: Path) -> None:
    """Delete a database file with its -wal, -shm and -journal files."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def move_aside(path: Path) -> Path:
    """Rename a broken database (and its -wal/-shm files) out of the way; returns the
    new name of the main file. Nothing is deleted."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.broken-{stamp}")
    n = 1
    while os.path.lexists(target):
        n += 1
        target = path.with_name(f"{path.name}.broken-{stamp}-{n}")
    os.rename(path, target)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if os.path.lexists(side):
            try:
                os.rename(side, target.with_name(target.name + suffix))
            except OSError:
                pass  # a stale side file is harmless next to a fresh database
    return target


def connect_or_recover(path: Path | None = None, notify=print) -> sqlite3.Connection | None:
    """:func:`connect`, moving a broken database aside (with a one-line ``notify``)
    and starting a fresh one; None (after a message) when even that fails."""
    path = Path(path or default_path())
    for attempt in range(TRANSIENT_RETRIES + 1):
        try:
            return connect(path)
        except Exception as exc:  # noqa: BLE001 -- anything that stops recording is reported
            if is_broken(exc):
                reason = exc
                break
            # busy/locked: another editor is creating or migrating the same file right now
            # (switching to WAL can fail with SQLITE_BUSY without waiting); this runs in the
            # writer thread, so waiting a little costs the user nothing
            if attempt == TRANSIENT_RETRIES:
                notify(f"edit history off: cannot open {path}: {describe(exc, path)}")
                return None
            time.sleep(0.05 * 2**attempt)
    try:
        aside = move_aside(path)
        notify(f"edit history: {path} was unusable ({reason}); moved to {aside.name}, starting a fresh one")
        return connect(path)
    except Exception as exc:  # noqa: BLE001
        notify(f"edit history off: cannot recover {path}: {describe(exc, path)}")
        return None
