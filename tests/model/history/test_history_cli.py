"""`nxedit history ...` and the settings it reads and writes."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from nxedit.model.history import cli as history_cli
from nxedit.model.history import db as history_db
from nxedit.model import paths
from nxedit.model.text.edits import LineEdit, Position
from nxedit.model.history.events import EditEvent
from nxedit.model.history.settings import load_history_settings, set_recording
from nxedit.model.history.store import HistoryStore
from nxedit.model.predict.suggestion import Outcome, Suggestion


def nxedit(*args: str, stdin=subprocess.DEVNULL) -> subprocess.CompletedProcess:
    """The real command, in a fresh process (the test's NXEDIT_HOME is inherited)."""
    return subprocess.run(
        [sys.executable, "-m", "nxedit.editor.cli", "history", *args],
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def write_config(text: str) -> None:
    paths.config_dir().mkdir(parents=True, exist_ok=True)
    (paths.config_dir() / "config.toml").write_text(text)


def record_some(root: str = "/w/p") -> None:
    store = HistoryStore()
    for i, name in enumerate(("a.py", "b.rs", "a.py")):
        store.submit_event(
            EditEvent(
                f"{root}/{name}",
                1_700_000_000.0 + i * 86400,
                1_700_000_000.5 + i * 86400,
                i,
                "x\n",
                f"x{i}\n",
                Position(i, 2),
                project=root,
            )
        )
    s = Suggestion((LineEdit(0, 1, "y\n"),), "structural:repeat", 0.8, latency_ms=1.0)
    store.submit_suggestion(
        s,
        {"language": "python", "current": "x\n", "cursor": {"line": 0, "column": 1}},
        1_700_000_001.0,
        f"{root}/a.py",
    )
    store.submit_outcome(Outcome(s.id, "rejected", 1_700_000_001.0, 1_700_000_002.0))
    assert store.close()


def count(table: str) -> int:
    with sqlite3.connect(history_db.default_path()) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


# -- settings -----------------------------------------------------------------------


def test_settings_default_to_recording_with_no_user_globs():
    s = load_history_settings()
    assert (s.enabled, s.enabled_from, s.private_globs, s.problems) == (True, "default", (), ())


def test_settings_come_from_the_config_and_the_state_file_wins():
    write_config('[history]\nenabled = false\nprivate_globs = ["*.sql"]\n')
    s = load_history_settings()
    assert (s.enabled, s.private_globs) == (False, ("*.sql",)) and s.enabled_from.endswith("config.toml")
    set_recording(True)
    s = load_history_settings()
    assert s.enabled and s.enabled_from.endswith("history.json") and s.private_globs == ("*.sql",)


@pytest.mark.parametrize(
    "text, problem",
    [
        ("[history\n", "config.toml"),
        ("[history]\nenabled = 'yes'\n", "enabled must be true or false"),
        ("[history]\nprivate_globs = '*.sql'\n", "private_globs must be a list"),
    ],
)
def test_a_bad_config_gives_defaults_and_one_line(text, problem):
    write_config(text)
    s = load_history_settings()
    assert s.enabled and s.private_globs == ()
    assert len(s.problems) == 1 and problem in s.problems[0] and "\n" not in s.problems[0]


# -- the command --------------------------------------------------------------------


@pytest.mark.slow
def test_off_on_and_status_through_the_real_command():
    off = nxedit("off")
    assert off.returncode == 0 and "recording off" in off.stdout
    status = nxedit("status")
    assert status.returncode == 0
    assert "recording:  off" in status.stdout and "nothing recorded yet" in status.stdout
    assert ".nxedit-private" in status.stdout and "*.pem" in status.stdout
    assert not load_history_settings().enabled
    assert nxedit("on").returncode == 0 and load_history_settings().enabled


def test_status_counts_what_is_recorded(capsys):
    record_some()
    assert history_cli.main(["status"]) == 0
    out = capsys.readouterr().out
    assert "records:    3 events, 1 suggestions, 1 outcomes" in out and "KiB" in out


def test_status_reports_an_unreadable_database_without_failing(capsys):
    path = history_db.default_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"garbage" * 100)
    assert history_cli.main(["status"]) == 0
    assert "moves it aside" in capsys.readouterr().out
    assert history_cli.main(["stats"]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_stats_shows_accept_rates(capsys):
    record_some()
    assert history_cli.main(["stats"]) == 0
    out = capsys.readouterr().out
    assert "3 events, 1 suggestions shown, 1 outcomes" in out
    assert "by source:" in out and "structural:repeat" in out and "by language:" in out and "python" in out


@pytest.mark.slow
def test_export_writes_jsonl_to_a_file_through_the_real_command(tmp_path):
    record_some()
    out = tmp_path / "history.jsonl"
    done = nxedit("export", "--jsonl", "-o", str(out))
    assert done.returncode == 0 and "wrote 5 records" in done.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["type"] for r in records] == ["event", "suggestion", "outcome", "event", "event"]
    assert records[0]["diff"].startswith("--- a/a.py\n+++ b/a.py\n")


def test_export_filters_by_date_and_project(capsys):
    record_some("/w/p")
    record_some("/w/q")
    since = datetime.fromtimestamp(1_700_000_000 + 43_200).isoformat()  # between day 1 and day 2, local time
    assert history_cli.main(["export", "--jsonl", "--since", since, "--project", "/w/q"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["path"] for r in records] == ["/w/q/b.rs", "/w/q/a.py"]
    assert history_cli.main(["export", "--jsonl", "--since", "yesterday"]) == 1
    assert "expected a date" in capsys.readouterr().err


def test_export_needs_the_format_flag(capsys):
    with pytest.raises(SystemExit):
        history_cli.main(["export"])
    assert "--jsonl" in capsys.readouterr().err


@pytest.mark.slow
def test_purge_without_a_terminal_refuses_unless_told_yes():
    record_some()
    refused = nxedit("purge")
    assert refused.returncode == 1 and "pass --yes" in refused.stderr
    assert count("events") == 3
    done = nxedit("purge", "--path", "/w/p/*.rs", "--yes")
    assert done.returncode == 0 and "deleted 1 events" in done.stdout
    assert count("events") == 2 and count("suggestions") == 1
    assert nxedit("purge", "--yes").returncode == 0
    assert [count(t) for t in ("events", "suggestions", "outcomes")] == [0, 0, 0]


def test_purge_asks_on_a_terminal(monkeypatch, capsys):
    record_some()
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert history_cli.main(["purge"]) == 1 and count("events") == 3
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    assert history_cli.main(["purge"]) == 0 and count("events") == 0


def test_relative_purge_globs_start_at_the_current_folder(monkeypatch, tmp_path, capsys):
    record_some(str(tmp_path / "p"))
    monkeypatch.chdir(tmp_path)
    assert history_cli.main(["purge", "--path", "p/a.*", "--yes"]) == 0
    assert count("events") == 1


def test_the_cli_never_imports_textual():
    code = "import sys, nxedit.model.history.cli; print('textual' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False"


# -- issue 14: damaged databases, the copies moved aside, a full disk --------------------

MARKER = "password-hunter2-marker"


def record_marker() -> None:
    store = HistoryStore()
    store.submit_event(EditEvent("/w/p/a.py", 1.0, 2.0, 0, "x\n", f"{MARKER}\n", Position(0, 1), project="/w/p"))
    assert store.close()


def corrupt_pages(path) -> None:
    """Keep SQLite's header (the file opens) and smash every page after the first."""
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for i in range(page, len(data)):
        data[i] = 0x5A
    path.write_bytes(bytes(data))


@pytest.mark.slow
def test_every_command_copes_with_a_database_whose_pages_are_corrupt():
    record_some()
    path = history_db.default_path()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    corrupt_pages(path)
    for args, code in ((["status"], 0), (["stats"], 1), (["export", "--jsonl"], 1)):
        done = nxedit(*args)
        assert "Traceback" not in done.stderr and done.returncode == code, (args, done.stderr)
        if code:
            assert len(done.stderr.strip().splitlines()) == 1 and "cannot read" in done.stderr
    assert "damaged" in nxedit("status").stdout
    done = nxedit("purge", "--yes")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "damaged database" in done.stdout and not path.exists()


@pytest.mark.slow
def test_purge_deletes_the_copies_moved_aside_and_status_lists_them():
    record_marker()
    path = history_db.default_path()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    data[:16] = b"not a database!!"  # the editor's next start moves it aside, history and all
    path.write_bytes(bytes(data))
    store = HistoryStore(notify=lambda message: None)
    assert store.close()
    (copy,) = history_db.broken_copies()
    assert MARKER.encode() in copy.read_bytes()
    status = nxedit("status").stdout
    assert "broken:" in status and copy.name in status
    done = nxedit("purge", "--yes")
    assert done.returncode == 0 and "moved aside as broken" in done.stdout, done.stdout + done.stderr
    assert history_db.broken_copies() == []
    for file in path.parent.iterdir():
        assert MARKER.encode() not in file.read_bytes(), file
    assert "broken:" not in nxedit("status").stdout


def test_a_full_disk_is_named_once_not_a_rollback_error(tmp_path, monkeypatch):
    from fault_helpers import fill, small_filesystem

    with small_filesystem(tmp_path / "small", "256k") as small:
        monkeypatch.setenv("NXEDIT_HOME", str(small))
        messages = []
        store = HistoryStore(notify=messages.append, flush_interval=0.01)
        assert store.flush()
        fill(small)
        for i in range(200):
            store.submit_event(EditEvent("/w/p/a.py", i, i + 0.5, 0, "x\n", "y" * 2000 + "\n", Position(0, 1)))
            if i % 50 == 0:
                store.flush()
        store.close()
        assert len(messages) == 1, messages
        assert f"disk full on {small}" in messages[0] and "rollback" not in messages[0]
        # a database created on a disk that is already full
        history_db.default_path().unlink()
        Path(f"{history_db.default_path()}-wal").unlink(missing_ok=True)
        fill(small)
        messages.clear()
        HistoryStore(notify=messages.append).close()
        assert len(messages) == 1 and f"disk full on {small}" in messages[0] and "rollback" not in messages[0]


@pytest.mark.slow
def test_export_of_c1_controls_in_a_path_is_inert():
    """A file name holding a C1 CSI (U+009B) went out raw: a terminal showing the export acts on it."""
    store = HistoryStore()
    path = "/w/p/caf\x9b2J.py"
    store.submit_event(EditEvent(path, 1.0, 2.0, 0, "x\n", "y\n", Position(0, 1), project="/w/p"))
    assert store.close()
    done = subprocess.run([sys.executable, "-m", "nxedit.editor.cli", "history", "export", "--jsonl"],
                          capture_output=True, timeout=60)
    assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr
    (line,) = done.stdout.decode("utf-8").splitlines()
    assert json.loads(line)["path"] == path and "\x9b" not in line
