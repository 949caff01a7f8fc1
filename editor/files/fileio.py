"""Reading and writing the user's files without ever losing or garbling a byte.

* Load: UTF-8 (a BOM is kept), UTF-16/32 with a BOM, and legacy encodings (Latin-1/cp1252,
  Shift-JIS, GB18030, ...) detected by chardetng -- Firefox's detector -- only when the
  guess is confident and decodes back to exactly the same bytes; anything else is refused
  with a one-line :class:`FileError` rather than shown as mojibake. NUL bytes in the first
  8 KiB (git's rule) mean binary, which is refused too.
* Text keeps its line endings exactly (CRLF, mixed, no final newline): the Document stores
  endings inside lines, so nothing here normalises them.
* Save: temp file in the same directory, fsync, copy mode (and owner when permitted),
  ``os.replace``, fsync of the directory. On any failure the original file is untouched
  and no temp file is left behind.
* No size limit: the Document holds the whole text in memory anyway.

Plain Python (no Textual): the app calls these, and tests call them directly.
"""

from __future__ import annotations

import codecs
import errno
import glob
import hashlib
import os
import re
import secrets
import stat
import time
from contextlib import suppress
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

BINARY_SNIFF_BYTES = 8192  # where to look for NUL bytes, as git does

# the byte-order marks we recognise, longest first (UTF-32-LE's BOM starts with UTF-16-LE's)
BOMS: dict[str, bytes] = {
    "utf-32-le": codecs.BOM_UTF32_LE,
    "utf-32-be": codecs.BOM_UTF32_BE,
    "utf-8": codecs.BOM_UTF8,
    "utf-16-le": codecs.BOM_UTF16_LE,
    "utf-16-be": codecs.BOM_UTF16_BE,
}

# chardetng answers with WHATWG names; these Python codecs are what those names mean on the web
WHATWG_CODECS = {
    "shift_jis": "cp932",
    "euc-kr": "cp949",
    "big5": "big5hkscs",
    "gbk": "gb18030",
    "iso-8859-8-i": "iso8859_8",
    "x-mac-cyrillic": "mac_cyrillic",
}

# a well-formed UTF-8 multi-byte sequence: in a single-byte decoding it would become mojibake
ASCII_BYTES = bytes(range(128))
UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
# control characters no text file has (tab, newlines, form feed and ESC are allowed), and the
# private-use area: in a detected decoding, either means the guess is wrong
IMPLAUSIBLE_TEXT = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f-\x9f\ue000-\uf8ff]")


class FileError(Exception):
    """A file could not be opened or saved; ``str(e)`` is one line for the status bar.
    ``condition`` is the errno behind it, when there is one (one message per condition)."""

    def __init__(self, message: str, condition: int | None = None) -> None:
        super().__init__(message)
        self.condition = condition


@dataclass(frozen=True)
class DiskStamp:
    """What a file on disk looked like when we read or wrote it."""

    mtime_ns: int
    size: int
    digest: str  # blake2b of the bytes


@dataclass
class LoadedFile:
    path: Path
    text: str
    encoding: str  # a Python codec name: "utf-8", "utf-16-le", "cp1252", ...
    bom: bool
    exists: bool
    stamp: DiskStamp | None  # None when the file does not exist yet
    mode: int | None  # permission bits, None when the file does not exist yet


def digest_bytes(data: bytes) -> str:
    """The digest stored in a :class:`DiskStamp` (blake2b, 128 bits, hex)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def shown(path: Path) -> str:
    """``path`` as a message shows it: relative to the working directory when inside it."""
    with suppress(ValueError, OSError):
        return str(Path(path).relative_to(Path.cwd()))
    return str(path)


# ---------------------------------------------------------------------------- loading


def load_file(path: Path) -> LoadedFile:
    """Read ``path`` and decode it, or raise :class:`FileError` saying why it cannot be shown.

    A missing file (in an existing directory) gives an empty, non-existing buffer that the
    first save creates. Symlinks are followed.
    """
    path = Path(path)
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            raise FileError(f"{shown(path)} is a directory; not opened")
        if not stat.S_ISREG(st.st_mode):  # a FIFO would block the editor forever on read
            raise FileError(f"{shown(path)} is not a regular file; not opened")
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            data = f.read()
    except FileNotFoundError:
        parent = Path(os.path.abspath(path)).parent
        if not parent.is_dir():
            raise FileError(f"cannot open {shown(path)}: directory {shown(parent)} does not exist") from None
        return LoadedFile(path, "", "utf-8", False, False, None, None)
    except PermissionError:
        raise FileError(f"cannot open {shown(path)}: permission denied") from None
    except OSError as e:
        raise FileError(f"cannot open {shown(path)}: {_cause(e)}") from None
    text, encoding, bom = decode(data, path)
    stamp = DiskStamp(st.st_mtime_ns, len(data), digest_bytes(data))
    return LoadedFile(path, text, encoding, bom, True, stamp, stat.S_IMODE(st.st_mode))


def decode(data: bytes, path: Path) -> tuple[str, str, bool]:
    """``(text, encoding, bom)`` for a file's bytes; :class:`FileError` when it is not text."""
    for encoding, mark in BOMS.items():
        if data.startswith(mark):
            try:
                text = data[len(mark) :].decode(encoding)
            except UnicodeDecodeError:
                why = f"not valid {encoding.upper()} despite its byte-order mark"
                raise FileError(f"{shown(path)}: {why}; not opened") from None
            if "\0" in text[:BINARY_SNIFF_BYTES]:  # a binary file that happens to start like a BOM
                raise FileError(f"{shown(path)} looks binary (NUL characters); not opened")
            return text, encoding, True
    if b"\0" in data[:BINARY_SNIFF_BYTES]:
        raise FileError(f"{shown(path)} looks binary (NUL bytes); not opened")
    try:
        return data.decode("utf-8"), "utf-8", False
    except UnicodeDecodeError as e:
        bad_line = data.count(b"\n", 0, e.start) + 1
    legacy = decode_legacy(data)
    if legacy is None:
        raise FileError(
            f"{shown(path)}: not valid UTF-8 (line {bad_line}) and its encoding could not be"
            " detected reliably; not opened"
        )
    return legacy[0], legacy[1], False


def decode_legacy(data: bytes) -> tuple[str, str] | None:
    """``(text, codec)`` for non-UTF-8 text when the detection is trustworthy, else None.

    Trustworthy means: chardetng is sure of its guess, the bytes decode and encode back
    unchanged, the text has no control or private-use characters, and the bytes are not
    UTF-8 with a few bad bytes (a UTF-8 file with one stray Latin-1 line stays refused).
    """
    from chardetng_py import EncodingDetector  # only non-UTF-8 files need it

    detector = EncodingDetector()
    detector.feed(data, last=True)
    name, sure = detector.guess_assess(tld=None, allow_utf8=False)
    if not sure:
        return None
    try:
        encoding = codecs.lookup(WHATWG_CODECS.get(name.lower(), name)).name
        text = data.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return None
    if text.encode(encoding) != data or IMPLAUSIBLE_TEXT.search(text):
        return None
    if _looks_like_damaged_utf8(data, single_byte=len(text) == len(data)):
        return None
    return text, encoding


def _looks_like_damaged_utf8(data: bytes, single_byte: bool) -> bool:
    # UTF-8 sequences turn into mojibake in any other decoding. A single-byte text should
    # have none; in CJK encodings some byte pairs happen to look like UTF-8 (measured:
    # 17-45% of non-ASCII bytes), in a UTF-8 file with a few bad bytes nearly all do
    covered = sum(map(len, UTF8_SEQUENCE.findall(data)))
    non_ascii = len(data.translate(None, ASCII_BYTES))  # the bytes left after deleting ASCII
    return covered > 0 and (single_byte or covered >= 0.8 * non_ascii)


# ---------------------------------------------------------------------------- saving


def save_file(path: Path, text: str, encoding: str, bom: bool, mode: int | None = None) -> DiskStamp:
    """Write ``text`` exactly as given (endings untouched) to ``path``, keeping the file whole
    and keeping what it *is*, as vim's ``backupcopy=auto`` does.

    Usually atomically: a temp file renamed over the old one (a crash leaves either). When a
    rename would change the file's identity -- it has other hard links, it is a mount point
    (a bind-mounted single file: Docker volumes, Kubernetes subPath), its folder is not
    writable, or a rename would lose its owner or group, or an extended attribute (ACLs,
    SELinux labels) that cannot be set on the new file -- it is written in place instead, after a backup copy, so that a crash
    mid-write still loses nothing (:func:`write_in_place`). Through a symlink the target is
    written and the link kept. A file that does not exist gets ``mode`` if given, else the
    umask's default. On failure raises :class:`FileError`; then the file on disk is
    unchanged and no temp file is left behind. Returns the stamp of what was written.
    """
    path = Path(path)
    data = encode(text, encoding, bom, path)
    try:
        target = Path(os.path.realpath(path))
        old = _stat_or_none(target)
    except OSError as e:
        raise FileError(_save_failure_message(path, e), e.errno) from None
    reason = None
    if old is not None:
        if stat.S_ISDIR(old.st_mode):
            raise FileError(f"cannot save {shown(path)}: it is a directory")
        if not os.access(target, os.W_OK):  # a rename would replace a read-only file regardless
            if _on_read_only_file_system(target):
                raise FileError(f"cannot save {shown(path)}: read-only file system")
            raise FileError(f"cannot save {shown(path)}: permission denied (the file is read-only)")
        mode = stat.S_IMODE(old.st_mode)
        reason = in_place_reason(target, old)
    try:
        if reason is None:
            try:
                written = write_atomically(target, data, mode, owner=(old.st_uid, old.st_gid) if old else None,
                                           xattrs=_xattrs(target) if old else None)
            except OSError as e:
                # EBUSY: a bind mount found only now; EACCES/EPERM: no new file may be made here;
                # XattrsLost: an attribute (a security label) this user may not set on a new file
                if old is None or not (isinstance(e, XattrsLost) or e.errno in (errno.EBUSY, errno.EXDEV,
                                                                                  errno.EACCES, errno.EPERM)):
                    raise
                written = write_in_place(target, data)
        else:
            written = write_in_place(target, data)
    except OSError as e:
        raise FileError(_save_failure_message(path, e), e.errno) from None
    return DiskStamp(written.st_mtime_ns, written.st_size, digest_bytes(data))


def in_place_reason(target: Path, st: os.stat_result) -> str | None:
    """Why ``target`` must be written in place rather than replaced by a rename (None: a
    rename keeps everything)."""
    if st.st_nlink > 1:
        return "it has other hard links"
    if _is_mount_point(target):
        return "it is a mount point"
    if not os.access(target.parent, os.W_OK | os.X_OK):
        return "its folder is not writable"
    root = os.geteuid() == 0
    if not root and st.st_uid != os.geteuid():
        return "a new file would belong to you"
    if not root and st.st_gid not in (os.getegid(), *os.getgroups()):
        return "a new file could not keep its group"
    return None


class XattrsLost(OSError):
    """The temp file could not be given every extended attribute of the file it replaces."""


def _xattrs(path: Path) -> dict[str, bytes]:
    try:
        return {name: os.getxattr(path, name) for name in os.listxattr(path)}
    except OSError:  # no xattr support here: nothing to keep
        return {}


class InPlaceError(OSError):
    """An in-place write failed and the old bytes could not be put back: ``backup`` has them."""

    def __init__(self, cause: OSError, backup: Path) -> None:
        super().__init__(cause.errno, cause.strerror)
        self.backup = backup


def write_in_place(target: Path, data: bytes) -> os.stat_result:
    """Overwrite ``target``'s bytes, keeping its inode (links, owner, attributes, mount).

    First a backup copy of the old bytes (0600, in the state folder's ``backup``), which a
    crash mid-write leaves behind for the user; on a failure the old bytes are written back
    at once. Raises ``OSError`` (no backup possible: nothing was touched), or
    :class:`InPlaceError` when even the write-back failed. Returns the stat of the file.
    """
    with open(target, "rb") as f:
        before = f.read()
    backup = backup_path(target)
    backup.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_atomically(backup, before, 0o600)
    fd = os.open(target, os.O_WRONLY | os.O_CLOEXEC)
    try:
        try:
            _write_all(fd, data)
            os.ftruncate(fd, len(data))
            os.fsync(fd)
        except OSError as e:
            try:
                os.lseek(fd, 0, os.SEEK_SET)
                _write_all(fd, before)
                os.ftruncate(fd, len(before))
                os.fsync(fd)
            except OSError:
                raise InPlaceError(e, backup) from None
            backup.unlink(missing_ok=True)
            raise
        written = os.fstat(fd)
    finally:
        os.close(fd)
    backup.unlink(missing_ok=True)
    return written


def backup_path(target: Path) -> Path:
    """Where :func:`write_in_place` keeps the old bytes while it writes."""
    from nxedit.model import paths

    key = hashlib.blake2b(os.fsencode(target), digest_size=8).hexdigest()
    return paths.state_dir() / "backup" / f"{key}-{target.name[:100]}"


def leftover_temps(path: Path, older_than: float = 60.0) -> list[Path]:
    """Temp files next to ``path`` that a save killed mid-way left behind (the save's own
    process is gone, or they are older than ``older_than`` seconds). Those whose bytes the
    file already has are deleted here; the rest are returned, for the user to decide."""
    target = Path(os.path.realpath(path))
    found = []
    with suppress(OSError):
        for temp in target.parent.glob(f".{glob.escape(target.name[:200])}.*.nxedit-tmp"):
            with suppress(OSError):
                st = temp.lstat()
                pid = _temp_pid(temp.name)
                if pid is not None and pid != os.getpid() and _process_alive(pid):
                    continue  # another editor is saving right now
                if pid is None and time.time() - st.st_mtime < older_than:
                    continue
                if pid == os.getpid():
                    continue
                if st.st_size == 0 or temp.read_bytes() == target.read_bytes():
                    temp.unlink()  # nothing in it the file lacks
                    continue
                found.append(temp)
    return found


def _temp_pid(name: str) -> int | None:
    m = re.search(r"\.(\d+)-[0-9a-f]+\.nxedit-tmp$", name)
    return int(m.group(1)) if m else None


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_mount_point(path: Path) -> bool:
    """Whether ``path`` is itself mounted on (a bind-mounted single file counts)."""
    if os.path.ismount(path):
        return True
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as f:
            points = {line.split()[4] for line in f if len(line.split()) > 4}
    except OSError:
        return False
    # mountinfo escapes space, tab, newline and backslash as octal
    return os.fsdecode(os.fsencode(path)).replace("\\", "\\134").replace(" ", "\\040").replace(
        "\t", "\\011").replace("\n", "\\012") in points


def encode(text: str, encoding: str, bom: bool, path: Path) -> bytes:
    """The bytes a save writes; :class:`FileError` naming the first character that does not fit."""
    try:
        encoding = codecs.lookup(encoding).name
    except LookupError:
        raise FileError(f"cannot save {shown(path)}: unknown encoding {encoding!r}") from None
    if bom and encoding not in BOMS:
        raise FileError(f"cannot save {shown(path)}: {encoding} has no byte-order mark")
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError as e:
        char = text[e.start]
        line = text.count("\n", 0, e.start) + 1
        seen = f"{char!r} " if char.isprintable() else ""
        raise FileError(
            f"cannot save {shown(path)}: {seen}(U+{ord(char):04X}) on line {line} cannot be written"
            f" in {encoding}; the file on disk is unchanged"
        ) from None
    return BOMS[encoding] + data if bom else data


def write_atomically(
    target: Path, data: bytes, mode: int | None = None, owner: tuple[int, int] | None = None,
    xattrs: dict[str, bytes] | None = None,
) -> os.stat_result:
    """Replace ``target`` by ``data`` so that a crash leaves either the old or the new file.

    Temp file in the same directory, fsync, ``os.replace``, fsync of the directory. The new
    file gets ``mode`` (None: the umask's default, as ``open(..., "w")`` gives), ``owner``
    (uid, gid) as far as permitted, and the extended attributes ``xattrs`` (all of them, or
    :class:`XattrsLost` is raised). Raises ``OSError``, leaving no temp file. Returns the
    stat of the written file.
    """
    # a file we will chmod starts private, so it is never readable by more than it should be
    fd, temp = _create_temp(target, 0o600 if mode is not None else 0o666)
    try:
        try:
            _write_all(fd, data)
            if owner is not None:
                _copy_owner(fd, owner)
            if mode is not None:
                os.fchmod(fd, mode)  # after chown, which may clear set-id bits
            for name, value in (xattrs or {}).items():  # ACLs, SELinux labels, user attributes
                try:
                    os.setxattr(fd, name, value)
                except OSError as e:
                    raise XattrsLost(e.errno, f"cannot keep its attribute {name}") from None
            os.fsync(fd)
            written = os.fstat(fd)
        finally:
            os.close(fd)
        os.replace(temp, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_directory(target.parent)
    return written


def _save_failure_message(path: Path, e: OSError) -> str:
    """One line saying why saving ``path`` failed, in plain words."""
    where = shown(path)
    parent = shown(Path(os.path.abspath(path)).parent)
    if e.errno in (errno.ENOSPC, errno.EDQUOT) and not isinstance(e, InPlaceError):
        from nxedit.model.paths import mount_point

        what = "disk full" if e.errno == errno.ENOSPC else "disk quota exceeded"
        return f"{what} on {mount_point(path)} while saving {where}: the file on disk is unchanged"
    if e.errno in (errno.EACCES, errno.EPERM):
        return f"cannot save {where}: permission denied (cannot write in directory {parent})"
    if e.errno == errno.ENOENT:
        return f"cannot save {where}: directory {parent} does not exist (any more)"
    if e.errno == errno.EISDIR:
        return f"cannot save {where}: it is a directory"
    if isinstance(e, InPlaceError):
        return f"cannot save {where}: {_cause(e)}; its old text is kept in {e.backup}"
    if e.errno == errno.EROFS:
        return f"cannot save {where}: read-only file system"
    return f"cannot save {where}: {_cause(e)}"


def _create_temp(target: Path, mode: int) -> tuple[int, Path]:
    # hidden, next to the target (same file system, so os.replace is atomic); name shortened
    # so that a 255-byte file name still leaves room for the suffix
    for _ in range(100):
        # the pid tells a crashed save's leftover from a save in progress (leftover_temps)
        temp = target.with_name(f".{target.name[:200]}.{os.getpid()}-{secrets.token_hex(4)}.nxedit-tmp")
        try:
            return os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode), temp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "could not create a temporary file", str(target.parent))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _copy_owner(fd: int, owner: tuple[int, int]) -> None:
    uid, gid = owner
    if (uid, gid) == (os.getuid(), os.getgid()):
        return
    # keep the group at least (a user may chgrp to any of their groups) when the owner cannot be kept
    for ids in ((uid, gid), (-1, gid)):
        with suppress(PermissionError):
            os.fchown(fd, *ids)
            return


def _fsync_directory(directory: Path) -> None:
    # makes the rename itself durable; some file systems cannot fsync a directory, and by
    # now the new file is in place, so a failure here is not worth an error
    with suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _stat_or_none(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None


def _on_read_only_file_system(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _cause(e: OSError) -> str:
    return (e.strerror or str(e)).lower()


# ---------------------------------------------------------------------------- watching


def disk_state(path: Path, stamp: DiskStamp | None) -> Literal["same", "changed", "deleted"]:
    """How the file on disk compares with ``stamp`` (what we last read or wrote).

    Cheap: one ``stat``; the file is read only when its mtime changed but not its size,
    so a ``touch`` or an identical rewrite is still "same". ``stamp=None`` means the buffer
    was new: "same" while the file still does not exist, "changed" once it does.
    """
    try:
        st = os.stat(path)
    except OSError:  # gone, or its directory is
        st = None
    if st is None or not stat.S_ISREG(st.st_mode):
        return "same" if stamp is None else "deleted"
    if stamp is None:
        return "changed"
    if st.st_size != stamp.size:
        return "changed"
    if st.st_mtime_ns == stamp.mtime_ns:
        return "same"
    try:
        current = _digest_of_version(os.fspath(path), st.st_mtime_ns, st.st_size, st.st_ino)
    except OSError:
        return "changed"  # unreadable now: let the user decide rather than overwrite
    return "same" if current == stamp.digest else "changed"


@lru_cache(maxsize=64)
def _digest_of_version(path: str, mtime_ns: int, size: int, inode: int) -> str:
    # cached per (mtime, size, inode): after a touch, later polls need no re-read
    with open(path, "rb") as f:
        return digest_bytes(f.read())
