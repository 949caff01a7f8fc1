"""The crash-recovery journal: unsaved text survives a crash, and never comes back torn."""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from nxedit.editor.files.fileio import FileError, load_file, save_file
from nxedit.editor.files.journal import Journal, JournalEntry
from nxedit.model import paths


@pytest.fixture
def journal(tmp_path):
    return Journal(tmp_path / "journal")


@pytest.fixture
def source(tmp_path):
    """A file on disk as the editor loaded it."""
    path = tmp_path / "src" / "app.py"
    path.parent.mkdir()
    path.write_text("x = 1\n")
    return load_file(path)


def journal_files(journal: Journal) -> list[Path]:
    """The entries (not the lock that says the process is alive)."""
    return sorted(journal.directory.glob("*.json")) if journal.directory.exists() else []


def test_unsaved_text_is_pending_until_discarded(journal, source):
    before = time.time()
    journal.save(source.path, "x = 1\ny = 2\n", source.stamp.digest)
    entry = journal.pending(source.path)
    assert isinstance(entry, JournalEntry)
    assert entry.path == source.path.resolve()
    assert entry.text == "x = 1\ny = 2\n"
    assert entry.base_digest == source.stamp.digest and entry.disk_changed is False
    assert before <= entry.saved_at <= time.time()
    journal.discard(source.path)
    assert journal.pending(source.path) is None
    assert journal_files(journal) == []


def test_any_text_round_trips(journal, source):
    text = "日本語 ✓ \U0001f600 \udcff lone surrogate\r\nno final newline"
    journal.save(source.path, text, None)
    assert journal.pending(source.path).text == text


def test_a_later_save_replaces_the_entry(journal, source):
    journal.save(source.path, "x = 2\n", source.stamp.digest)
    journal.save(source.path, "x = 3\n", source.stamp.digest)
    assert journal.pending(source.path).text == "x = 3\n"
    assert len(journal_files(journal)) == 1


def test_nothing_pending_when_the_disk_already_has_the_text(journal, source):
    journal.save(source.path, "x = 2\n", source.stamp.digest)
    save_file(source.path, "x = 2\n", "utf-8", False)  # saved, but the discard never happened
    assert journal.pending(source.path) is None
    assert journal_files(journal) == []


def test_says_when_the_file_changed_on_disk_since(journal, source):
    journal.save(source.path, "x = 2\n", source.stamp.digest)
    source.path.write_text("x = 100  # someone else\n")
    entry = journal.pending(source.path)
    assert entry.text == "x = 2\n" and entry.disk_changed is True


def test_new_file_that_was_never_saved(journal, tmp_path):
    path = tmp_path / "notes.md"
    journal.save(path, "# ideas\n", None)
    entry = journal.pending(path)
    assert entry.text == "# ideas\n" and entry.disk_changed is False
    path.write_text("# made elsewhere\n")
    assert journal.pending(path).disk_changed is True


def test_relative_and_symlinked_names_find_the_same_entry(journal, source, tmp_path, monkeypatch):
    link = tmp_path / "link.py"
    link.symlink_to(source.path)
    journal.save(link, "x = 2\n", source.stamp.digest)
    monkeypatch.chdir(source.path.parent)
    assert journal.pending(Path("app.py")).text == "x = 2\n"


def test_journal_is_private_even_with_a_permissive_umask(journal, source):
    old = os.umask(0)
    try:
        journal.save(source.path, "password = 'hunter2'\n", source.stamp.digest)
    finally:
        os.umask(old)
    assert stat.S_IMODE(journal.directory.stat().st_mode) == 0o700
    [file] = journal_files(journal)
    assert stat.S_IMODE(file.stat().st_mode) == 0o600


def test_an_existing_open_directory_is_made_private(journal, source):
    journal.directory.mkdir(mode=0o755)
    journal.directory.chmod(0o755)
    journal.save(source.path, "x = 2\n", None)
    assert stat.S_IMODE(journal.directory.stat().st_mode) == 0o700


def test_default_directory_is_in_the_state_dir(source):
    journal = Journal()
    journal.save(source.path, "x = 2\n", None)
    assert journal.directory == paths.state_dir() / "journal"
    assert Journal().pending(source.path).text == "x = 2\n"


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # half-written by a non-atomic writer
        lambda data: b"",
        lambda data: b"\xff\xfe garbage \x00",
        lambda data: data.replace(b"x = 2", b"x = 3"),  # text does not match its digest
        lambda data: b"[1, 2, 3]",
        lambda data: data.replace(b'"version": 2', b'"version": 99'),
    ],
    ids=["truncated", "empty", "garbage", "tampered", "not an object", "unknown version"],
)
def test_corrupt_journal_file_is_ignored(journal, source, damage):
    journal.save(source.path, "x = 2\n", None)
    [file] = journal_files(journal)
    file.write_bytes(damage(file.read_bytes()))
    assert journal.pending(source.path) is None
    assert journal.entries() == []


def test_entries_lists_every_pending_buffer_newest_first(journal, source, tmp_path):
    other = tmp_path / "other.py"
    journal.save(source.path, "x = 2\n", source.stamp.digest)
    time.sleep(0.01)
    journal.save(other, "y = 1\n", None)
    journal.save(tmp_path / "clean.py", "", None)  # a new, still empty buffer: nothing to recover
    (journal.directory / "junk.json").write_text("{")
    assert [(e.path, e.text) for e in journal.entries()] == [
        (other.resolve(), "y = 1\n"),
        (source.path.resolve(), "x = 2\n"),
    ]


def test_a_failed_journal_write_raises_one_line_and_keeps_the_old_entry(journal, source, monkeypatch):
    journal.save(source.path, "x = 2\n", None)
    real_write = os.write

    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(FileError, match=r"^disk full on /.*: unsaved changes of .*app.py cannot be journaled"):
        journal.save(source.path, "x = 3\n", None)
    monkeypatch.setattr(os, "write", real_write)
    assert journal.pending(source.path).text == "x = 2\n"
    assert len(journal_files(journal)) == 1  # no temp file left


def test_temp_files_of_killed_writers_are_swept(journal, source):
    journal.save(source.path, "x = 2\n", None)
    stale = journal.directory / ".abc.json.1234.nxedit-tmp"
    fresh = journal.directory / ".def.json.5678.nxedit-tmp"
    stale.write_text("{")
    fresh.write_text("{")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    Journal(journal.directory)
    assert not stale.exists() and fresh.exists()


# ---------------------------------------------------------------------------- kill -9

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from nxedit.editor.files.journal import Journal

    def text_for(i):
        # grows by ~60 KB a revision, so writes take long enough to be interrupted
        return f"revision {i}\\n" + f"line of revision {i}\\n" * (1000 + 3000 * i)

    if __name__ == "__main__":
        journal, target = Journal(Path(sys.argv[1])), Path(sys.argv[2])
        i = 0
        while True:
            journal.save(target, text_for(i), None)
            print(i, flush=True)
            i += 1
    """
)


_writer_scope: dict = {"__name__": "not_main"}
# the writer's own definition of its texts, so the test and the writer cannot drift apart
exec(WRITER, _writer_scope)  # noqa: S102
text_for = _writer_scope["text_for"]


def assert_complete(entry: JournalEntry | None) -> int:
    """The revision ``entry`` holds, after checking it is exactly one the writer wrote."""
    assert entry is not None, "the journal entry is missing or torn"
    revision = int(entry.text.split("\n", 1)[0].removeprefix("revision "))
    assert entry.text == text_for(revision)
    return revision


@pytest.mark.slow
@pytest.mark.timeout(60)
@pytest.mark.parametrize("delay", [0.0, 0.013, 0.037])
def test_sigkill_mid_write_leaves_a_complete_entry(tmp_path, delay):
    directory, target = tmp_path / "journal", tmp_path / "big.txt"
    target.write_text("on disk\n")
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(directory), str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = writer.stdout.readline()
        assert line, f"the writer died: {writer.stderr.read()}"
        # while it writes, a reader (the editor opening the file) must only ever see whole entries
        deadline, seen = time.monotonic() + 0.3, 0
        while time.monotonic() < deadline or seen < 3:
            seen = assert_complete(Journal(directory).pending(target))
        time.sleep(delay)
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        last_done = max(int(n) for n in [line, *writer.stdout.read().split()])
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    assert writer.returncode == -signal.SIGKILL

    # after the kill, the last revision it finished (or the one after) survives, complete
    assert assert_complete(Journal(directory).pending(target)) in (last_done, last_done + 1)


def test_each_process_has_its_own_entry_and_a_crashed_ones_lock_is_swept(tmp_path, source):
    """Issue 14: two editors never share (or delete) one entry; a crashed owner's lock goes
    once its entries are gone."""
    first, second = Journal(tmp_path / "j"), Journal(tmp_path / "j")
    first.save(source.path, "first's text\n", None)
    second.save(source.path, "second's text\n", None)
    second.discard(source.path)  # the second saved its buffer
    entry = second.pending(source.path)
    assert entry.text == "first's text\n" and entry.live and entry.owner == first.owner
    assert second.claim(source.path) == [] and [c.owner for c in first.claims(source.path)] == [second.owner]
    first._alive_file.close()  # as a kill -9 would: the kernel drops the lock
    first._alive_file = None
    entry = second.pending(source.path)
    assert entry is not None and not entry.live
    second.discard_entry(entry)
    lock = tmp_path / "j" / f"{first.owner}.lock"
    os.utime(lock, (0, 0))
    Journal(tmp_path / "j")
    assert not lock.exists()
