"""The history store: schema and migrations, batching off the caller's thread, two
writers at once, kill -9, broken databases, export and purge."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import threading
import time
from contextlib import closing

import pytest
from nxedit.model.history import db as history_db, query as history_query
from nxedit.model.text.changeset import ChangeSet
from nxedit.model.text.document import Document
from nxedit.model.text.edits import LineEdit, Position
from nxedit.model.history.events import EditEvent
from nxedit.model.history.session import start_history
from nxedit.model.history.settings import set_recording
from nxedit.model.privacy import PrivacyRules
from nxedit.model.history.store import HistoryStore, training_request
from nxedit.model.predict.suggestion import Outcome, Suggestion

ROOT = "/home/u/proj"


def event(i: int = 0, path: str = f"{ROOT}/src/app.py", **kw) -> EditEvent:
    fields = dict(
        path=path,
        t_start=1000.0 + i,
        t_end=1000.5 + i,
        start_line=i,
        old_text=f"x = {i}\n",
        new_text=f"x = {i + 1}\n",
        cursor=Position(i, 5),
        origin="typed",
        project=ROOT,
    )
    fields.update(kw)
    return EditEvent(**fields)


def rows(path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


@pytest.fixture
def db_path():
    return history_db.default_path()


def test_a_new_database_has_the_schema_in_wal_mode_and_is_private(db_path):
    store = HistoryStore()
    store.submit_event(event())
    assert store.close()
    assert db_path.parent == history_db.paths.data_dir()
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(db_path.parent.stat().st_mode) == 0o700
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == history_db.SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"events", "suggestions", "outcomes"} <= tables
        row = conn.execute(
            "SELECT path, project, start_line, old_text, new_text, diff, origin FROM events"
        ).fetchone()
    assert row[:5] == (f"{ROOT}/src/app.py", ROOT, 0, "x = 0\n", "x = 1\n")
    assert row[5].startswith("--- a/src/app.py\n+++ b/src/app.py\n@@ -1 +1 @@\n-x = 0\n+x = 1")
    assert row[6] == "typed"


def test_a_v1_database_is_migrated_and_keeps_its_rows(db_path):
    db_path.parent.mkdir(parents=True)
    with sqlite3.connect(db_path) as conn:  # what the first release wrote
        for statement in history_db.MIGRATIONS[1]:
            conn.execute(statement)
        conn.execute("PRAGMA user_version = 1")
        conn.execute(
            "INSERT INTO events (session, project, path, t_start, t_end, start_line, old_text, new_text,"
            " diff, origin) VALUES ('old', '/p', '/p/a.py', 1.0, 2.0, 0, 'a\n', 'b\n', '', 'typed')"
        )
        conn.execute(
            "INSERT INTO outcomes (sid, kind, shown_at, decided_at) VALUES ('old-1', 'accepted', 1, 2)"
        )
    store = HistoryStore()
    store.submit_event(event(suggestion_id=7, origin="suggestion"))
    store.submit_outcome(Outcome(7, "partial", 3.0, 4.0, accepted_chars=4, suggested_chars=10))
    assert store.close()
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == history_db.SCHEMA_VERSION
        assert conn.execute("SELECT path, suggestion_sid FROM events ORDER BY id").fetchall() == [
            ("/p/a.py", None),
            (f"{ROOT}/src/app.py", store.sid(7)),
        ]
        assert conn.execute(
            "SELECT kind, accepted_chars, suggested_chars FROM outcomes ORDER BY id"
        ).fetchall() == [
            ("accepted", 0, 0),
            ("partial", 4, 10),
        ]


def test_a_database_from_a_newer_nxedit_is_left_alone(db_path):
    db_path.parent.mkdir(parents=True)
    with sqlite3.connect(db_path) as conn:
        conn.execute(f"PRAGMA user_version = {history_db.SCHEMA_VERSION + 1}")
    messages = []
    store = HistoryStore(notify=messages.append)
    store.submit_event(event())
    store.close()
    assert not store.enabled and "knows up to" in messages[0]
    assert not list(db_path.parent.glob("*.broken-*"))


def test_submits_return_at_once_and_rows_arrive_on_flush_and_close(db_path):
    store = HistoryStore(flush_interval=60.0)
    for i in range(200):
        store.submit_event(event(i))
    assert store.flush()
    assert rows(db_path, "events") == 200
    store.submit_event(event(200))
    assert store.close()
    assert rows(db_path, "events") == 201 and store.written == 201 and store.dropped == 0


def test_the_timer_writes_without_an_explicit_flush(db_path):
    store = HistoryStore(flush_interval=0.05)
    store.submit_event(event())
    deadline = time.monotonic() + 10
    found = 0
    while time.monotonic() < deadline and not found:
        time.sleep(0.02)
        with closing(history_db.connect()) as conn:  # (creates the schema if the writer has not yet)
            found = conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    assert found == 1
    store.close()


def test_a_stuck_disk_drops_records_instead_of_blocking(db_path):
    messages = []
    store = HistoryStore(flush_interval=0.01, max_queue=10, notify=messages.append)
    assert store.flush()  # the writer has opened the database
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        store.submit_event(event(0))
        time.sleep(0.3)  # the writer is now waiting for the lock
        started = time.monotonic()
        for i in range(1, 200):
            store.submit_event(event(i))
        elapsed = time.monotonic() - started
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert store.close()
    assert elapsed < 2.0  # the busy timeout is 10 s: nobody waited for it
    assert store.dropped >= 150
    assert messages == ["edit history: the disk is not keeping up; dropping records"]
    assert rows(db_path, "events") == store.written


WRITER = textwrap.dedent(
    """
    import sys, time
    from nxedit.model.text.edits import Position
    from nxedit.model.history.events import EditEvent
    from nxedit.model.history.store import HistoryStore

    name, count, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    store = HistoryStore(flush_interval=3600)
    i = 0
    while count < 0 or i < count:
        for _ in range(batch):
            store.submit_event(EditEvent(f"/p/{name}.py", time.time(), time.time(), i, "a\\n", "b\\n" * 20,
                                         Position(i, 0), project="/p"))
            i += 1
        assert store.flush()
        print(i, flush=True)
    store.close()
    """
)


def spawn_writer(name: str, count: int, batch: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, name, str(count), str(batch)], stdout=subprocess.PIPE, text=True
    )


@pytest.mark.slow
def test_two_editors_write_to_one_database_at_once(db_path):
    writers = [spawn_writer(name, 400, 20) for name in ("left", "right")]
    for w in writers:
        w.communicate(timeout=120)
        assert w.returncode == 0
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert dict(conn.execute("SELECT path, COUNT(*) FROM events GROUP BY path")) == {
            "/p/left.py": 400,
            "/p/right.py": 400,
        }


def test_a_second_editor_opening_while_the_first_holds_the_file_waits_and_records(db_path):
    """Switching a fresh file to WAL fails at once with SQLITE_BUSY while another editor
    holds its write lock (no busy handler); the store must retry, not turn recording off."""
    db_path.parent.mkdir(parents=True)
    holder = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA user_version = 0")
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.4, lambda: holder.execute("COMMIT"))
    release.start()
    messages = []
    try:
        conn = history_db.connect_or_recover(db_path, notify=messages.append)
    finally:
        release.join()
        holder.close()
    assert conn is not None and messages == []
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


@pytest.mark.slow
@pytest.mark.parametrize("reports, delay", [(1, 0.0), (4, 0.004), (9, 0.013)])
def test_kill_9_mid_write_loses_at_most_the_last_batch(db_path, reports, delay):
    batch = 50
    writer = spawn_writer("killed", -1, batch)
    try:
        for _ in range(reports):
            writer.stdout.readline()
        time.sleep(delay)  # land the kill somewhere else in the write cycle
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=60)
        # read through the file object: readline() may have buffered lines beyond the one it
        # returned (a busy machine lets the writer run ahead), which communicate(timeout=...)
        # would skip, reading the pipe's descriptor directly
        rest = writer.stdout.read().split()
        writer.stdout.close()
    assert writer.returncode == -signal.SIGKILL
    committed = int(rest[-1]) if rest else reports * batch  # the last batch the writer saw on disk
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        n = conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    # every reported batch survived; at most one more (committed, not yet reported) did
    assert committed <= n <= committed + batch and n % batch == 0
    store = HistoryStore()  # and the next editor records on as usual
    store.submit_event(event())
    assert store.close()
    assert rows(db_path, "events") == n + 1


def broken_names(db_path):
    return sorted(p.name for p in db_path.parent.glob(f"{db_path.name}.broken-*"))


def test_a_corrupt_database_is_moved_aside_and_a_fresh_one_used(db_path):
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"this is not sqlite" * 100)
    messages = []
    store = HistoryStore(notify=messages.append)
    store.submit_event(event())
    assert store.close()
    assert rows(db_path, "events") == 1
    (aside,) = broken_names(db_path)
    assert (db_path.parent / aside).read_bytes().startswith(b"this is not sqlite")
    assert len(messages) == 1 and "moved to" in messages[0] and aside in messages[0]


def test_a_folder_where_the_database_should_be_is_moved_aside(db_path):
    (db_path / "junk").mkdir(parents=True)
    messages = []
    store = HistoryStore(notify=messages.append)
    store.submit_event(event())
    assert store.close()
    assert db_path.is_file() and rows(db_path, "events") == 1
    assert len(broken_names(db_path)) == 1 and len(messages) == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_database_is_moved_aside(db_path):
    store = HistoryStore()
    store.submit_event(event())
    store.close()
    db_path.chmod(0)
    messages = []
    store = HistoryStore(notify=messages.append)
    store.submit_event(event(1))
    assert store.close()
    assert rows(db_path, "events") == 1 and len(broken_names(db_path)) == 1


def test_a_database_that_breaks_while_open_is_replaced_and_the_batch_kept(db_path, monkeypatch):
    messages = []
    store = HistoryStore(notify=messages.append)
    store.submit_event(event(0))
    assert store.flush()
    insert = store._insert

    def corrupt_once(rows):  # what SQLite reports when it finds a damaged page mid-session
        monkeypatch.setattr(store, "_insert", insert)
        exc = sqlite3.DatabaseError("database disk image is malformed")
        exc.sqlite_errorname = "SQLITE_CORRUPT"
        raise exc

    monkeypatch.setattr(store, "_insert", corrupt_once)
    store.submit_event(event(1))
    assert store.close()
    assert rows(db_path, "events") == 1  # the fresh database got the batch that failed
    (aside,) = broken_names(db_path)
    assert rows(db_path.parent / aside, "events") == 1  # and nothing was deleted
    assert len(messages) == 1 and "moved to" in messages[0]


def test_when_nothing_can_be_opened_recording_turns_off_quietly():
    data = history_db.paths.data_dir()
    data.parent.mkdir(parents=True, exist_ok=True)
    data.write_text("a file where the data folder should be")
    messages = []
    store = HistoryStore(notify=messages.append)
    store.submit_event(event())  # never raises
    assert store.flush()
    store.submit_event(event(1))
    assert store.close()
    assert not store.enabled and store.written == 0
    assert len(messages) == 1 and messages[0].startswith("edit history off")


def test_private_paths_never_become_rows(db_path, tmp_path):
    (tmp_path / ".git").mkdir()
    secret = str(tmp_path / "config" / "prod.env")
    store = HistoryStore(privacy=PrivacyRules(("*.sql",)))
    store.submit_event(event(path=secret, project=str(tmp_path)))
    store.submit_event(event(path=str(tmp_path / "db" / "schema.sql"), project=str(tmp_path)))
    s = Suggestion((LineEdit(0, 1, "y\n"),), "structural:rename", 0.9)
    store.submit_suggestion(s, {"path": "prod.env", "current": "TOKEN=1\n"}, 5.0, secret)
    store.submit_outcome(Outcome(s.id, "accepted", 5.0, 6.0))
    store.submit_event(event(path=str(tmp_path / "ok.py"), project=str(tmp_path)))
    assert store.close()
    assert [rows(db_path, t) for t in ("events", "suggestions", "outcomes")] == [1, 0, 0]


# -- suggestions, export, purge ------------------------------------------------------


def test_a_suggestion_keeps_its_request_cut_to_excerpts():
    current = "".join(f"line {i}\n" for i in range(500))
    request = {
        "id": "r1",
        "path": "src/app.py",
        "language": "python",
        "current": current,
        "cursor": {"line": 100, "column": 3},
        "history": [{"start_line": 99, "old_text": "", "new_text": "x\n"}],
        "files": {"src/util.py": "..."},
    }
    stored = training_request(
        request,
        [
            {"start_line": 120, "end_line": 121, "new_text": "y\n"},
            {"start_line": 400, "end_line": 400, "new_text": "z\n"},
        ],
        radius=10,
    )
    assert stored["history"] == request["history"] and stored["cursor"] == request["cursor"]
    assert "current" not in stored and "files" not in stored and stored["line_count"] == 500
    assert [(e["start_line"], e["text"].count("\n")) for e in stored["excerpts"]] == [(90, 41), (390, 20)]
    assert stored["excerpts"][0]["text"].startswith("line 90\n")


def fill(store, tmp_root="/w"):
    store.submit_event(event(0, path=f"{tmp_root}/a/x.py", project=f"{tmp_root}/a"))
    s1 = Suggestion((LineEdit(3, 4, "b = 2\n"),), "structural:rename", 0.9, latency_ms=2.5)
    s2 = Suggestion((LineEdit(0, 0, "import os\n"),), "model:openai", 0.5, latency_ms=180.0)
    req = {
        "path": "x.py",
        "language": "python",
        "current": "a = 1\nb = 1\n",
        "cursor": {"line": 1, "column": 0},
    }
    store.submit_suggestion(s1, req, 1001.0, f"{tmp_root}/a/x.py")
    store.submit_outcome(Outcome(s1.id, "accepted", 1001.0, 1001.4))
    store.submit_event(
        event(
            5,
            path=f"{tmp_root}/a/x.py",
            project=f"{tmp_root}/a",
            origin="suggestion",
            suggestion_id=s1.id,
            t_start=1001.4,
            t_end=1001.4,
        )
    )
    store.submit_suggestion(s2, {**req, "language": "rust"}, 1002.0, f"{tmp_root}/b/y.rs")
    store.submit_outcome(Outcome(s2.id, "partial", 1002.0, 1003.0, accepted_chars=6, suggested_chars=10))
    store.submit_event(event(9, path=f"{tmp_root}/b/y.rs", project=f"{tmp_root}/b", t_start=1010.0))
    assert store.close()
    return s1, s2


def test_export_records_round_trip_through_json_in_time_order():
    store = HistoryStore()
    s1, _ = fill(store)
    with closing(history_db.connect()) as conn:
        records = [json.loads(json.dumps(r)) for r in history_query.iter_records(conn)]
    assert [r["type"] for r in records] == [
        "event",
        "suggestion",
        "outcome",
        "event",
        "suggestion",
        "outcome",
        "event",
    ]
    first, sug, out, accepted = records[:4]
    assert first == {
        "type": "event",
        "session": store.session,
        "project": "/w/a",
        "path": "/w/a/x.py",
        "t_start": 1000.0,
        "t_end": 1000.5,
        "start_line": 0,
        "old_text": "x = 0\n",
        "new_text": "x = 1\n",
        "diff": "--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-x = 0\n+x = 1\n",
        "cursor": {"line": 0, "column": 5},
        "origin": "typed",
        "suggestion_id": None,
    }
    assert sug["id"] == store.sid(s1.id) and sug["edits"] == [
        {"start_line": 3, "end_line": 4, "new_text": "b = 2\n"}
    ]
    assert (sug["source"], sug["language"], sug["latency_ms"], sug["shown_at"]) == (
        "structural:rename",
        "python",
        2.5,
        1001.0,
    )
    assert sug["request"]["excerpts"] == [{"start_line": 0, "text": "a = 1\nb = 1\n"}]
    assert out == {
        "type": "outcome",
        "suggestion_id": sug["id"],
        "kind": "accepted",
        "shown_at": 1001.0,
        "decided_at": 1001.4,
        "accepted_chars": 0,
        "suggested_chars": 0,
    }
    assert accepted["origin"] == "suggestion" and accepted["suggestion_id"] == sug["id"]
    with closing(history_db.connect()) as conn:
        only_a = list(history_query.iter_records(conn, project="/w/a"))
        late = list(history_query.iter_records(conn, since=1002.5))
    assert {r.get("path") for r in only_a if r["type"] != "outcome"} == {"/w/a/x.py"} and len(only_a) == 4
    assert [r["type"] for r in late] == ["outcome", "event"]


def test_accept_rates_by_source_language_and_project():
    fill(HistoryStore())
    with closing(history_db.connect()) as conn:
        by_source = {r.key: r for r in history_query.accept_rates(conn, "source")}
        by_language = {r.key: r.accept_rate for r in history_query.accept_rates(conn, "language")}
        by_project = {r.key: r.shown for r in history_query.accept_rates(conn, "project")}
    assert (by_source["structural:rename"].accepted, by_source["model:openai"].partial) == (1, 1)
    assert by_language == {"python": 1.0, "rust": 1.0}
    assert by_project == {"/w/a": 1, "/w/b": 1}


def test_purge_by_glob_removes_matching_files_and_their_outcomes(db_path):
    fill(HistoryStore())
    with closing(history_db.connect()) as conn:
        assert history_query.purge(conn, "*.rs", dry_run=True) == {
            "events": 1,
            "suggestions": 1,
            "outcomes": 1,
        }
        assert rows(db_path, "events") == 3
        history_query.purge(conn, "*.rs")
        assert [r["path"] for r in history_query.iter_records(conn) if r["type"] == "event"] == [
            "/w/a/x.py"
        ] * 2
        assert [rows(db_path, t) for t in ("events", "suggestions", "outcomes")] == [2, 1, 1]
        conn.execute("PRAGMA secure_delete = OFF")  # as SQLite builds without SQLITE_SECURE_DELETE have it
        history_query.purge(conn)
    assert [rows(db_path, t) for t in ("events", "suggestions", "outcomes")] == [0, 0, 0]
    on_disk = b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))
    assert b"x = 1" not in on_disk and b"b = 2" not in on_disk  # gone from the files, not just unlinked


def test_many_threads_may_submit_at_once(db_path):
    store = HistoryStore(flush_interval=0.01)
    threads = [
        threading.Thread(target=lambda k=k: [store.submit_event(event(k * 100 + i)) for i in range(100)])
        for k in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.close()
    assert rows(db_path, "events") == 400


# -- the session object the editor holds ---------------------------------------------


def test_a_session_records_edits_suggestions_and_outcomes(tmp_path, db_path):

    (tmp_path / ".git").mkdir()
    path = str(tmp_path / "m.py")
    history = start_history()
    assert history.recording
    doc = Document("a = 1\n")
    history.recorder.record_change(path, doc, doc.apply(ChangeSet.insert_at(len(doc), 5, "0")), (0, 6), 100.0)
    request = {
        "path": "m.py",
        "language": "python",
        "current": doc.text,
        "history": history.recorder.recent_hunks(path),
        "cursor": {"line": 0, "column": 6},
    }
    s = Suggestion((LineEdit(1, 1, "b = 2\n"),), "structural:repeat", 0.7)
    history.suggestion_shown(s, request, 100.2, path)
    history.outcome(Outcome(s.id, "ignored", 100.2, 100.9))
    history.close()
    with closing(history_db.connect()) as conn:
        records = list(history_query.iter_records(conn))
    assert [r["type"] for r in records] == ["event", "suggestion", "outcome"]
    assert records[1]["request"]["history"] == [
        {"start_line": 0, "old_text": "a = 1\n", "new_text": "a = 10\n", "path": path}
    ]


def test_with_recording_off_nothing_is_written_but_recent_edits_stay_in_memory(tmp_path, db_path):

    set_recording(False)
    history = start_history()
    assert not history.recording and history.store is None
    doc = Document("x\n")
    path = str(tmp_path / "m.py")
    history.recorder.record_change(path, doc, doc.apply(ChangeSet.insert_at(len(doc), 1, "y")), (0, 2), 1.0)
    assert history.recorder.recent_hunks(path)[0]["new_text"] == "xy\n"
    history.suggestion_shown(Suggestion((), "s", 0.1), {}, 1.0, path)
    history.close()
    assert not db_path.exists()
