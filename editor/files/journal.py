"""The crash-recovery journal: unsaved buffer text kept on disk until the file is saved.

The editor writes a buffer's whole text here on idle (from a worker thread, a few seconds
behind typing at most) and discards it after a save. After a crash or ``kill -9``, opening
the file again finds the entry and offers to restore it; untitled buffers are journaled
too and offered back when the editor next starts.

**One journal per editor process** (its *owner* name: pid and a random part). Each owner
holds an ``flock`` on ``<owner>.lock`` for as long as it runs, so any process can tell a
live owner from one that crashed (the kernel drops the lock of a killed process). Files:

* ``<key>.<owner>.json``: one entry, the unsaved text of one buffer of that owner (``key``
  is a hash of the absolute path, or ``untitled-<id>``), written atomically (temp file,
  fsync, rename): a kill at any moment leaves the previous entry or the new one;
* ``<key>.<owner>.claim``: that owner has the file open. Opening a file another live
  owner has claimed is warned about (vim's swap-file "ATTENTION"); two editors never
  share (or delete) one entry, so one saving never loses the other's unsaved text.

Entries may hold secrets the user typed: files are 0600 in a 0700 directory. Unreadable or
corrupt entries are ignored. Entries of version 1 (``<key>.json``, one per path for all
processes) are still read, as left by a crashed owner.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import secrets
import threading
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from .fileio import FileError, LoadedFile, load_file, shown, write_atomically
from nxedit.model import paths

FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
STALE_TEMP_SECONDS = 60  # a temp file this old is left over from a killed writer, never in use
LEGACY_OWNER = "v1"  # the owner of a version-1 entry: it has no lock, so it counts as dead


@dataclass(frozen=True)
class JournalEntry:
    """Unsaved text for ``path`` (None: an untitled buffer), journaled at ``saved_at``."""

    path: Path | None
    text: str
    saved_at: float
    base_digest: str | None  # digest of the file on disk the edits were based on; None: a new file
    disk_changed: bool = False  # the file on disk is no longer the one the edits were based on
    owner: str = LEGACY_OWNER  # the editor process that wrote it
    live: bool = False  # that process is still running
    pid: int | None = None
    file: Path | None = None  # where the entry is stored


@dataclass(frozen=True)
class Claim:
    """Another live editor process has ``path`` open."""

    owner: str
    pid: int | None
    opened_at: float


class Journal:
    """Unsaved text per buffer, under ``directory`` (default: the state dir's ``journal``)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory) if directory is not None else paths.state_dir() / "journal"
        self.owner = f"{os.getpid()}-{secrets.token_hex(3)}"
        self._lock = threading.Lock()  # save() runs in a worker thread; discard() may not
        self._alive_file = None  # our flock'ed lock file, opened on first use
        self._sweep_stale_temps()

    # -- this process's entries ---------------------------------------------------------

    def save(self, path: Path | None, text: str, base_digest: str | None, *, untitled: str | None = None) -> None:
        """Journal ``text`` as the unsaved state of ``path`` (or of the untitled buffer
        ``untitled``), replacing this process's previous entry for it.

        Atomic and durable when it returns. Raises :class:`FileError` (one line) when the
        journal cannot be written, e.g. the disk is full; the previous entry then stays.
        """
        path = _absolute(path) if path is not None else None
        record = {
            "version": FORMAT_VERSION,
            "path": str(path) if path is not None else None,
            "owner": self.owner,
            "pid": os.getpid(),
            "saved_at": time.time(),
            "base_digest": base_digest,
            "text_digest": _text_digest(text),
            "text": text,
        }
        # surrogatepass: a str with lone surrogates (undecodable paths, odd pastes) still round-trips
        data = json.dumps(record, ensure_ascii=False).encode("utf-8", "surrogatepass")
        with self._lock:
            try:
                self._ensure_directory()
                write_atomically(self._own_file(path, untitled, ".json"), data, mode=0o600)
            except OSError as e:
                raise FileError(self.failure_message(e, path), e.errno) from None

    def failure_message(self, e: OSError, path: Path | None) -> str:
        """One line for a journal write that failed: a full disk names the disk."""
        what = f"unsaved changes of {shown(path)}" if path is not None else "an untitled buffer"
        if e.errno in (errno.ENOSPC, errno.EDQUOT):
            return f"disk full on {paths.mount_point(self.directory)}: {what} cannot be journaled (in {self.directory})"
        return f"cannot journal {what}: {(e.strerror or str(e)).lower()}"

    def discard(self, path: Path | None, *, untitled: str | None = None) -> None:
        """Forget this process's entry for ``path`` (after a save, or when the buffer is clean)."""
        with self._lock, suppress(OSError):
            self._own_file(_absolute(path) if path is not None else None, untitled, ".json").unlink(missing_ok=True)

    def discard_entry(self, entry: JournalEntry) -> None:
        """Forget one entry (another process's, after the user chose "discard")."""
        if entry.file is not None:
            with suppress(OSError):
                entry.file.unlink(missing_ok=True)

    def adopt(self, entry: JournalEntry, *, untitled: str | None = None) -> None:
        """Make a crashed process's entry ours (it was restored into one of our buffers):
        it stays on disk, as ours, until that buffer is saved or journaled again."""
        if entry.file is None:
            return
        with self._lock, suppress(OSError):
            self._ensure_directory()
            os.replace(entry.file, self._own_file(entry.path, untitled, ".json"))

    # -- who has a file open ------------------------------------------------------------

    def claim(self, path: Path) -> list[Claim]:
        """Note that this process has ``path`` open; returns the other live processes that
        have it open too (their claims; stale claims of crashed ones are removed)."""
        path = _absolute(path)
        others = self.claims(path)
        record = json.dumps({"path": str(path), "pid": os.getpid(), "opened_at": time.time()})
        with self._lock, suppress(OSError):
            self._ensure_directory()
            write_atomically(self._own_file(path, None, ".claim"), record.encode("utf-8", "surrogatepass"), mode=0o600)
        return others

    def release(self, path: Path) -> None:
        """This process closed ``path``."""
        with self._lock, suppress(OSError):
            self._own_file(_absolute(path), None, ".claim").unlink(missing_ok=True)

    def claims(self, path: Path) -> list[Claim]:
        """The other live processes that have ``path`` open."""
        key = _key(_absolute(path))
        found = []
        for file in self._files(key, ".claim"):
            owner = _owner_of(file, key, ".claim")
            if owner == self.owner:
                continue
            if not self._alive(owner):
                with suppress(OSError):
                    file.unlink()
                continue
            try:
                record = json.loads(file.read_bytes().decode("utf-8", "surrogatepass"))
                found.append(Claim(owner, int(record["pid"]), float(record["opened_at"])))
            except (OSError, ValueError, TypeError, KeyError):
                found.append(Claim(owner, None, 0.0))
        return found

    def close(self) -> None:
        """This process ends cleanly: its claims go, and its lock."""
        with self._lock:
            with suppress(OSError):
                for file in self.directory.glob(f"*.{self.owner}.claim"):
                    file.unlink()
            if self._alive_file is not None:
                self._alive_file.close()
                self._alive_file = None
                with suppress(OSError):
                    (self.directory / f"{self.owner}.lock").unlink()

    # -- other processes' entries -------------------------------------------------------

    def pending(self, path: Path, live: bool | None = None) -> JournalEntry | None:
        """The newest entry for ``path`` whose text differs from the file on disk now, else
        None. ``live`` says whether its process still runs (this one included): a live
        entry is another editor's unsaved work, not a crash's.

        An entry whose text the disk already has is discarded (unless its owner is live).
        ``disk_changed`` says whether the file changed on disk since the journaled edits
        began (warn before restoring). ``live`` True or False: only entries of running, or
        of crashed, processes.
        """
        path = _absolute(path)
        found = []
        for file in self._files(_key(path), ".json"):
            entry = self._read(file)
            if entry is not None and entry.path == path and live in (None, entry.live):
                entry = self._compare_with_disk(entry)
                if entry is not None:
                    found.append(entry)
        return max(found, key=lambda e: e.saved_at, default=None)

    def entries(self) -> list[JournalEntry]:
        """Every pending entry (see :meth:`pending`), newest first."""
        found = []
        for file in self._files("*", ".json"):
            entry = self._read(file)
            if entry is None:
                continue
            if entry.path is not None:
                entry = self._compare_with_disk(entry)
            if entry is not None:
                found.append(entry)
        return sorted(found, key=lambda e: e.saved_at, reverse=True)

    def untitled_orphans(self) -> list[JournalEntry]:
        """Untitled buffers of crashed processes, newest first."""
        return [e for e in self.entries() if e.path is None and not e.live]

    # -- the files ------------------------------------------------------------------------

    def _compare_with_disk(self, entry: JournalEntry) -> JournalEntry | None:
        disk: LoadedFile | None
        try:
            disk = load_file(entry.path)
        except FileError:  # unreadable or no longer text: keep the entry, the user decides
            disk = None
        if disk is not None and disk.text == entry.text:
            if not entry.live or entry.owner == self.owner:
                self.discard_entry(entry)
            return None
        current = disk.stamp.digest if disk is not None and disk.stamp is not None else None
        changed = disk is None or current != entry.base_digest
        return _replace(entry, disk_changed=changed)

    def _own_file(self, path: Path | None, untitled: str | None, suffix: str) -> Path:
        key = _key(path) if path is not None else f"untitled-{untitled}"
        return self.directory / f"{key}.{self.owner}{suffix}"

    def _files(self, key: str, suffix: str) -> list[Path]:
        if not self.directory.is_dir():
            return []
        files = list(self.directory.glob(f"{key}.*{suffix}"))
        if suffix == ".json":  # version 1: one entry per path, "<key>.json"
            files += [f for f in self.directory.glob(f"{key}.json") if f.name.count(".") == 1]
        return files

    def _read(self, file: Path) -> JournalEntry | None:
        """The entry in ``file``, or None when it is missing, corrupt or half-written."""
        try:
            record = json.loads(file.read_bytes().decode("utf-8", "surrogatepass"))
            text = record["text"]
            raw_path = record["path"]
            path = Path(raw_path) if raw_path is not None else None
            owner = str(record.get("owner", LEGACY_OWNER))
            valid = (
                record["version"] in READABLE_VERSIONS
                and isinstance(text, str)
                and isinstance(record["base_digest"], (str, type(None)))
                and record["text_digest"] == _text_digest(text)
                and (path is None or file.name.startswith(_key(path) + "."))
            )
            if not valid:
                return None
            return JournalEntry(
                path, text, float(record["saved_at"]), record["base_digest"], owner=owner,
                live=owner == self.owner or self._alive(owner), pid=record.get("pid"), file=file,
            )
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def _alive(self, owner: str) -> bool:
        """Whether the process ``owner`` still runs: it holds the flock on its lock file."""
        if owner == self.owner:
            return True
        try:
            fd = os.open(self.directory / f"{owner}.lock", os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return False  # no lock file: it ended, or it is a version-1 entry
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # shared: checkers never block each other
        except BlockingIOError:
            return True
        except OSError:
            return False
        finally:
            os.close(fd)
        return False

    def _ensure_directory(self) -> None:
        """The 0700 directory, and our lock held in it (called with ``_lock`` held)."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if self.directory.stat().st_mode & 0o777 != 0o700:  # made by an older version, or a umask
            self.directory.chmod(0o700)
        if self._alive_file is None:
            lock = self.directory / f"{self.owner}.lock"
            f = open(lock, "a+b")  # noqa: SIM115 -- held open for the life of the process
            os.fchmod(f.fileno(), 0o600)
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            self._alive_file = f

    def _sweep_stale_temps(self) -> None:
        # a writer killed mid-save leaves its temp file; a live one finishes within a second.
        # A crashed process leaves its lock (and claims): gone once it has no entries left
        # (a lock younger than a minute may belong to a process that is just starting)
        with suppress(OSError):
            for temp in self.directory.glob(".*.nxedit-tmp"):
                with suppress(OSError):
                    if time.time() - temp.stat().st_mtime > STALE_TEMP_SECONDS:
                        temp.unlink()
            for lock in self.directory.glob("*.lock"):
                owner = lock.name.removesuffix(".lock")
                with suppress(OSError):
                    if (time.time() - lock.stat().st_mtime > STALE_TEMP_SECONDS and not self._alive(owner)
                            and not any(self.directory.glob(f"*.{owner}.json"))):
                        for claim in self.directory.glob(f"*.{owner}.claim"):
                            claim.unlink()
                        lock.unlink()


def _replace(entry: JournalEntry, **changes) -> JournalEntry:
    from dataclasses import replace

    return replace(entry, **changes)


def _owner_of(file: Path, key: str, suffix: str) -> str:
    return file.name[len(key) + 1 : -len(suffix)]


def _key(path: Path) -> str:
    return hashlib.blake2b(os.fsencode(path), digest_size=16).hexdigest()


def _absolute(path: Path) -> Path:
    # symlinks resolved, so every way of naming a file finds the same entry (saves write the target too)
    return Path(os.path.realpath(path))


def _text_digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
