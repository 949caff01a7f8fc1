"""The crash-recovery journal: unsaved buffer text kept on disk until the file is saved.

The editor writes a buffer's whole text here on idle (from a worker thread, a few seconds
behind typing at most) and discards it after a save. After a crash or ``kill -9``, opening
the file again finds the entry and offers to restore it.

One JSON file per buffer path, named by a hash of the absolute path (which is also stored
inside), written atomically (temp file, fsync, rename), so a kill at any moment leaves the
previous entry or the new one, never a torn one. Entries may hold secrets the user typed:
files are 0600 in a 0700 directory. Unreadable or corrupt entries are ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from .fileio import FileError, LoadedFile, load_file, shown, write_atomically
from nxedit.model import paths

FORMAT_VERSION = 1
STALE_TEMP_SECONDS = 60  # a temp file this old is left over from a killed writer, never in use


@dataclass(frozen=True)
class JournalEntry:
    """Unsaved text for ``path``, journaled at ``saved_at`` (seconds since the epoch)."""

    path: Path
    text: str
    saved_at: float
    base_digest: str | None  # digest of the file on disk the edits were based on; None: a new file
    disk_changed: bool = False  # the file on disk is no longer the one the edits were based on


class Journal:
    """Unsaved text per buffer path, under ``directory`` (default: the state dir's ``journal``)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory) if directory is not None else paths.state_dir() / "journal"
        self._lock = threading.Lock()  # save() runs in a worker thread; discard() may not
        self._sweep_stale_temps()

    def save(self, path: Path, text: str, base_digest: str | None) -> None:
        """Journal ``text`` as the unsaved state of ``path``, replacing the previous entry.

        Atomic and durable when it returns. Raises :class:`FileError` (one line) when the
        journal cannot be written, e.g. the disk is full; the previous entry then stays.
        """
        path = _absolute(path)
        record = {
            "version": FORMAT_VERSION,
            "path": str(path),
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
                write_atomically(self._file_for(path), data, mode=0o600)
            except OSError as e:
                cause = (e.strerror or str(e)).lower()
                raise FileError(f"cannot journal unsaved changes of {shown(path)}: {cause}") from None

    def discard(self, path: Path) -> None:
        """Forget the entry for ``path`` (after a save, or when the buffer is clean again)."""
        with self._lock, suppress(OSError):
            self._file_for(_absolute(path)).unlink(missing_ok=True)

    def pending(self, path: Path) -> JournalEntry | None:
        """The entry for ``path`` if its text differs from the file on disk now, else None.

        An entry whose text the disk already has is discarded. ``disk_changed`` says whether
        the file changed on disk since the journaled edits began (warn before restoring).
        """
        path = _absolute(path)
        entry = self._read(self._file_for(path))
        if entry is None or entry.path != path:
            return None
        return self._compare_with_disk(entry)

    def entries(self) -> list[JournalEntry]:
        """Every pending entry (see :meth:`pending`), newest first."""
        if not self.directory.is_dir():
            return []
        found = []
        for file in self.directory.glob("*.json"):
            entry = self._read(file)
            if entry is not None and file == self._file_for(entry.path):
                entry = self._compare_with_disk(entry)
                if entry is not None:
                    found.append(entry)
        return sorted(found, key=lambda e: e.saved_at, reverse=True)

    def _compare_with_disk(self, entry: JournalEntry) -> JournalEntry | None:
        disk: LoadedFile | None
        try:
            disk = load_file(entry.path)
        except FileError:  # unreadable or no longer text: keep the entry, the user decides
            disk = None
        if disk is not None and disk.text == entry.text:
            self.discard(entry.path)
            return None
        current = disk.stamp.digest if disk is not None and disk.stamp is not None else None
        changed = disk is None or current != entry.base_digest
        return JournalEntry(entry.path, entry.text, entry.saved_at, entry.base_digest, changed)

    def _file_for(self, path: Path) -> Path:
        key = hashlib.blake2b(os.fsencode(path), digest_size=16).hexdigest()
        return self.directory / f"{key}.json"

    def _read(self, file: Path) -> JournalEntry | None:
        """The entry in ``file``, or None when it is missing, corrupt or half-written."""
        try:
            record = json.loads(file.read_bytes().decode("utf-8", "surrogatepass"))
            text = record["text"]
            entry = JournalEntry(
                Path(record["path"]), text, float(record["saved_at"]), record["base_digest"]
            )
            valid = (
                record["version"] == FORMAT_VERSION
                and isinstance(text, str)
                and isinstance(entry.base_digest, (str, type(None)))
                and record["text_digest"] == _text_digest(text)
            )
        except (OSError, ValueError, TypeError, KeyError):
            return None
        return entry if valid else None

    def _ensure_directory(self) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if self.directory.stat().st_mode & 0o777 != 0o700:  # made by an older version, or a umask
            self.directory.chmod(0o700)

    def _sweep_stale_temps(self) -> None:
        # a writer killed mid-save leaves its temp file; a live one finishes within a second
        with suppress(OSError):
            for temp in self.directory.glob(".*.nxedit-tmp"):
                with suppress(OSError):
                    if time.time() - temp.stat().st_mtime > STALE_TEMP_SECONDS:
                        temp.unlink()


def _absolute(path: Path) -> Path:
    # symlinks resolved, so every way of naming a file finds the same entry (saves write the target too)
    return Path(os.path.realpath(path))


def _text_digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
