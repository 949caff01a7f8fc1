"""Loading and saving files: every byte kept, every failure a message and an untouched file.

Permission tests need a user that permissions apply to. CI and the dev machines run as
root, whom permissions do not stop, so as root those tests fork a child that drops to
uid/gid 65534 ("nobody") and runs the real code there against the real kernel.
"""

from __future__ import annotations

import codecs
import errno
import os
import pickle
import random
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from nxedit.editor.files import fileio
from nxedit.editor.files.fileio import DiskStamp, FileError, disk_state, load_file, save_file

NOBODY = 65534
IS_ROOT = os.geteuid() == 0


# ---------------------------------------------------------------------------- helpers


def leftovers(directory: Path) -> list[str]:
    """Temp files a failed save might have left behind."""
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".nxedit-tmp"))


def as_unprivileged(fn):
    """Run ``fn()`` as a user that permissions apply to, and return its result or raise its error.

    Not root: in this process. Root: in a forked child that drops to nobody, because root
    ignores file permissions and a test run as root would prove nothing.
    """
    if not IS_ROOT:
        return fn()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        try:
            try:
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            except OSError as e:
                outcome = ("no-drop", str(e))
            else:
                try:
                    outcome = ("ok", fn())
                except Exception as e:  # noqa: BLE001 - sent to the parent to re-raise
                    outcome = ("raised", e)
            with os.fdopen(write_end, "wb") as pipe:
                pickle.dump(outcome, pipe)
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        payload = pipe.read()
    os.waitpid(pid, 0)
    kind, value = pickle.loads(payload)
    if kind == "no-drop":
        pytest.skip(f"running as root and cannot drop to an unprivileged user here: {value}")
    if kind == "raised":
        raise value
    return value


@pytest.fixture
def open_dir():
    """A directory that an unprivileged user can reach (pytest's tmp dirs are private to root)."""
    base = Path(tempfile.mkdtemp(prefix="nxedit-test-"))
    base.chmod(0o755)
    if IS_ROOT and not all(p.stat().st_mode & stat.S_IXOTH for p in base.parents):
        shutil.rmtree(base)
        pytest.skip(f"{tempfile.gettempdir()} is not reachable by other users, so no unprivileged test")
    yield base
    for p in [base, *base.rglob("*")]:  # undo the test's chmods so the directory can be removed
        if not p.is_symlink():
            p.chmod(0o700)
    shutil.rmtree(base)


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------------------- round trips

LATIN1_SOURCE = "# Auteur : François Lefèvre\ndef été():\n    return 'café crème à côté'\n"

ROUND_TRIPS = {
    "utf8": ("héllo\nwörld 日本\n".encode(), "utf-8", False, "héllo\nwörld 日本\n"),
    "utf8 bom": (codecs.BOM_UTF8 + b"a = 1\n", "utf-8", True, "a = 1\n"),
    "utf16 le bom": (
        codecs.BOM_UTF16_LE + "héllo\r\n日本\r\n".encode("utf-16-le"),
        "utf-16-le",
        True,
        "héllo\r\n日本\r\n",
    ),
    "utf16 be bom": (codecs.BOM_UTF16_BE + "x = 'ü'\n".encode("utf-16-be"), "utf-16-be", True, "x = 'ü'\n"),
    "utf32 le bom": (codecs.BOM_UTF32_LE + "a\nb".encode("utf-32-le"), "utf-32-le", True, "a\nb"),
    "latin-1 accents": (LATIN1_SOURCE.encode("latin-1"), "cp1252", False, LATIN1_SOURCE),
    "cp1252 quotes": (
        "He said “hi” – it’s 5 €\n".encode("cp1252"),
        "cp1252",
        False,
        "He said “hi” – it’s 5 €\n",
    ),
    "shift-jis": (
        "これは日本語のテキストです。文字コードはシフトJISです。\n".encode("shift_jis"),
        "cp932",
        False,
        "これは日本語のテキストです。文字コードはシフトJISです。\n",
    ),
    "gb18030": (
        "这是一个中文文本文件，我们测试字符集检测。\n".encode("gb18030"),
        "gb18030",
        False,
        "这是一个中文文本文件，我们测试字符集检测。\n",
    ),
    "crlf": (b"a\r\nb\r\n", "utf-8", False, "a\r\nb\r\n"),
    "mixed endings": (b"a\r\nb\nc\rd\r\n", "utf-8", False, "a\r\nb\nc\rd\r\n"),
    "no final newline": (b"a\nb", "utf-8", False, "a\nb"),
    "empty": (b"", "utf-8", False, ""),
    "100 KB line": (("é" + "x" * 99_999).encode(), "utf-8", False, "é" + "x" * 99_999),
}


@pytest.mark.parametrize("name", ROUND_TRIPS)
def test_load_then_save_keeps_every_byte(tmp_path, name):
    data, encoding, bom, text = ROUND_TRIPS[name]
    path = write_bytes(tmp_path / "f.txt", data)
    loaded = load_file(path)
    assert (loaded.text, loaded.encoding, loaded.bom, loaded.exists) == (text, encoding, bom, True)
    assert loaded.stamp == DiskStamp(path.stat().st_mtime_ns, len(data), fileio.digest_bytes(data))
    path.write_bytes(b"something else entirely\n")
    stamp = save_file(path, loaded.text, loaded.encoding, loaded.bom)
    assert path.read_bytes() == data
    assert stamp.size == len(data) and stamp.digest == fileio.digest_bytes(data)
    assert leftovers(tmp_path) == []


def test_an_edited_legacy_file_is_saved_in_its_own_encoding(tmp_path):
    path = write_bytes(tmp_path / "f.py", LATIN1_SOURCE.encode("latin-1"))
    loaded = load_file(path)
    save_file(path, loaded.text + "# déjà vu\n", loaded.encoding, loaded.bom)
    assert path.read_bytes() == (LATIN1_SOURCE + "# déjà vu\n").encode("latin-1")


def test_missing_file_opens_as_a_new_empty_buffer(tmp_path):
    loaded = load_file(tmp_path / "new.py")
    assert (loaded.text, loaded.encoding, loaded.bom, loaded.exists) == ("", "utf-8", False, False)
    assert loaded.stamp is None and loaded.mode is None


# ---------------------------------------------------------------------------- refusals


def test_binary_file_is_refused(tmp_path, monkeypatch):
    write_bytes(tmp_path / "prog.bin", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)))
    monkeypatch.chdir(tmp_path)  # messages name files relative to the working directory
    with pytest.raises(FileError, match=r"^prog.bin looks binary \(NUL bytes\); not opened$") as e:
        load_file(Path("prog.bin"))
    assert "\n" not in str(e.value)


def test_undecodable_garbage_is_refused_not_shown_as_mojibake(tmp_path):
    rng = random.Random(7)
    path = write_bytes(tmp_path / "noise.dat", bytes(rng.randrange(1, 256) for _ in range(4000)))
    with pytest.raises(FileError, match=r"noise.dat: not valid UTF-8 \(line \d+\) and its encoding could"):
        load_file(path)


@pytest.mark.parametrize(
    "data",
    [
        "héllo wörld\n".encode() * 10 + "café\n".encode("latin-1"),  # one stray Latin-1 line
        "日本語のテキスト\n".encode() * 5 + b"\xe6\x97",  # cut in the middle of a character
    ],
    ids=["utf8 with a latin-1 line", "truncated utf8"],
)
def test_broken_utf8_is_refused_rather_than_read_as_a_legacy_encoding(tmp_path, data):
    with pytest.raises(FileError, match="not valid UTF-8"):
        load_file(write_bytes(tmp_path / "f.txt", data))


def test_control_characters_are_not_taken_for_legacy_text(tmp_path):
    # a binary format without NUL bytes: no single-byte decoding makes it text
    data = "Größe und Übermaß\n".encode("latin-1") + bytes([7, 8, 14, 15, 16, 0x7F]) * 20
    with pytest.raises(FileError, match="its encoding could not be detected reliably; not opened$"):
        load_file(write_bytes(tmp_path / "f.dat", data))


def test_directory_is_refused(tmp_path):
    with pytest.raises(FileError, match=r"is a directory; not opened$"):
        load_file(tmp_path)


def test_missing_parent_directory_is_refused(tmp_path):
    with pytest.raises(FileError, match=r"^cannot open .*new.py: directory .*nowhere does not exist$"):
        load_file(tmp_path / "nowhere" / "new.py")


def test_fifo_is_refused_instead_of_blocking(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(FileError, match="is not a regular file; not opened"):
        load_file(tmp_path / "pipe")


def test_unreadable_file_is_refused(open_dir):
    path = write_bytes(open_dir / "secret.txt", b"top secret\n")
    path.chmod(0o000)
    with pytest.raises(FileError, match=r"^cannot open .*secret.txt: permission denied$"):
        as_unprivileged(lambda: load_file(path))


# ---------------------------------------------------------------------------- save failures


def test_unrepresentable_character_names_it_and_writes_nothing(tmp_path):
    original = LATIN1_SOURCE.encode("latin-1")
    path = write_bytes(tmp_path / "f.py", original)
    loaded = load_file(path)
    text = loaded.text.replace("def été", "def 日本")
    with pytest.raises(FileError) as e:
        save_file(path, text, loaded.encoding, loaded.bom)
    assert "'日' (U+65E5) on line 2 cannot be written in cp1252" in str(e.value)
    assert "the file on disk is unchanged" in str(e.value)
    assert path.read_bytes() == original and leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "dir_mode, file_mode, message",
    [
        (0o555, 0o666, r"permission denied \(cannot write in directory .*\)"),
        # the rename would succeed here; the save must still respect the file's own permission
        (0o777, 0o444, r"permission denied \(the file is read-only\)"),
    ],
    ids=["directory not writable", "file read-only"],
)
def test_save_without_permission_leaves_the_file_alone(open_dir, dir_mode, file_mode, message):
    path = write_bytes(open_dir / "a.py", b"original\n")
    path.chmod(file_mode)
    open_dir.chmod(dir_mode)
    with pytest.raises(FileError, match=rf"^cannot save .*a.py: {message}$"):
        as_unprivileged(lambda: save_file(path, "new\n", "utf-8", False))
    assert path.read_bytes() == b"original\n" and leftovers(open_dir) == []


def test_vanished_directory(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    loaded = load_file(write_bytes(folder / "a.py", b"x = 1\n"))
    shutil.rmtree(folder)
    with pytest.raises(FileError, match=r"^cannot save .*a.py: directory .*src does not exist \(any more\)$"):
        save_file(loaded.path, "x = 2\n", loaded.encoding, loaded.bom)
    assert not folder.exists()


def test_path_that_became_a_directory(tmp_path):
    loaded = load_file(write_bytes(tmp_path / "a.py", b"x = 1\n"))
    loaded.path.unlink()
    loaded.path.mkdir()
    with pytest.raises(FileError, match=r"^cannot save .*a.py: it is a directory$"):
        save_file(loaded.path, "x = 2\n", "utf-8", False)
    assert loaded.path.is_dir() and leftovers(tmp_path) == []


@pytest.mark.parametrize("failing", ["write", "fsync"])
def test_disk_full_leaves_the_original_untouched(tmp_path, monkeypatch, failing):
    path = write_bytes(tmp_path / "a.py", b"original\n")
    real = getattr(os, failing)

    def full(fd, *args):
        if failing == "write":  # part of the data goes in before the disk fills up
            real(fd, args[0][:3])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, failing, full)
    with pytest.raises(FileError, match=r"^disk full on /.* while saving .*a.py: the file on disk is unchanged$"):
        save_file(path, "new contents\n" * 100, "utf-8", False)
    monkeypatch.undo()
    assert path.read_bytes() == b"original\n" and leftovers(tmp_path) == []


def _private_tmpfs_available() -> bool:
    if not IS_ROOT or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "mount", "-t", "tmpfs", "tmpfs", "/mnt"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


FULL_DISK_SCRIPT = textwrap.dedent(
    """
    import errno, os, sys
    from pathlib import Path
    from nxedit.editor.files.fileio import FileError, save_file
    root = Path(sys.argv[1])
    target = root / "a.py"
    target.write_bytes(b"original\\n")
    if sys.argv[2] == "full":
        try:  # fill the file system to the last byte
            with open(root / "filler", "wb", buffering=0) as f:
                while True:
                    f.write(b"x" * 4096)
        except OSError as e:
            assert e.errno == errno.ENOSPC, e
    else:
        os.system(f"mount -o remount,ro {root}")
    try:
        save_file(target, "new contents\\n" * 10000, "utf-8", False)
    except FileError as e:
        print(e)
    assert target.read_bytes() == b"original\\n", "original damaged"
    assert not [p for p in root.iterdir() if p.name.endswith(".nxedit-tmp")], "temp file left"
    """
)


@pytest.mark.slow
@pytest.mark.parametrize(
    "situation, message",
    [
        ("full", r"disk full on .* while saving .*a.py: the file on disk is unchanged"),
        ("read-only", r"cannot save .*a.py: read-only file system"),
    ],
)
def test_real_full_or_read_only_file_system(tmp_path, situation, message):
    """The same, on a real 256 KiB tmpfs mounted in a private mount namespace (root only)."""
    if not _private_tmpfs_available():
        pytest.skip("needs root and unshare(1) to mount a private tmpfs")
    mount_point = tmp_path / "fs"
    mount_point.mkdir()
    shell = 'mount -t tmpfs -o size=256k tmpfs "$1" && exec "$2" -c "$3" "$1" "$4"'
    command = ["unshare", "--mount", "--propagation", "private", "sh", "-c", shell, "sh"]
    arguments = [str(mount_point), sys.executable, FULL_DISK_SCRIPT, situation]
    result = subprocess.run(command + arguments, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), "the save did not fail"
    assert re.fullmatch(message, result.stdout.strip())


# ---------------------------------------------------------------------------- mode, owner, symlink


def test_executable_script_stays_executable(tmp_path):
    path = write_bytes(tmp_path / "run.sh", b"#!/bin/sh\necho hi\n")
    path.chmod(0o755)
    save_file(path, "#!/bin/sh\necho bye\n", "utf-8", False)
    assert stat.S_IMODE(path.stat().st_mode) == 0o755
    assert path.read_bytes() == b"#!/bin/sh\necho bye\n"


def test_new_file_gets_the_umask_default(tmp_path):
    old = os.umask(0o027)
    try:
        save_file(tmp_path / "new.txt", "x\n", "utf-8", False)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o640


def test_file_deleted_behind_our_back_is_recreated_with_its_old_mode(tmp_path):
    path = write_bytes(tmp_path / "run.sh", b"#!/bin/sh\n")
    path.chmod(0o750)
    loaded = load_file(path)
    path.unlink()
    save_file(path, loaded.text, loaded.encoding, loaded.bom, loaded.mode)
    assert stat.S_IMODE(path.stat().st_mode) == 0o750


@pytest.mark.skipif(not IS_ROOT, reason="only root may give a file to another user")
def test_owner_is_kept(tmp_path):
    path = write_bytes(tmp_path / "theirs.txt", b"x\n")
    os.chown(path, NOBODY, NOBODY)
    save_file(path, "y\n", "utf-8", False)
    assert (path.stat().st_uid, path.stat().st_gid) == (NOBODY, NOBODY)


def test_saving_through_a_symlink_updates_the_target_and_keeps_the_link(tmp_path):
    (tmp_path / "real").mkdir()
    target = write_bytes(tmp_path / "real" / "config.toml", b"a = 1\n")
    link = tmp_path / "config.toml"
    link.symlink_to(Path("real") / "config.toml")
    loaded = load_file(link)
    save_file(link, loaded.text + "b = 2\n", loaded.encoding, loaded.bom)
    assert link.is_symlink() and os.readlink(link) == str(Path("real") / "config.toml")
    assert target.read_bytes() == b"a = 1\nb = 2\n"
    assert leftovers(tmp_path) == [] and leftovers(tmp_path / "real") == []


# ---------------------------------------------------------------------------- disk_state


def test_disk_state_tells_a_touch_from_a_change(tmp_path):
    path = tmp_path / "a.py"
    stamp = save_file(path, "x = 1\n", "utf-8", False)
    assert disk_state(path, stamp) == "same"
    os.utime(path, ns=(stamp.mtime_ns + 5_000_000_000, stamp.mtime_ns + 5_000_000_000))
    assert disk_state(path, stamp) == "same"
    path.write_bytes(b"x = 2\n")  # same size, other bytes
    os.utime(path, ns=(stamp.mtime_ns + 9_000_000_000, stamp.mtime_ns + 9_000_000_000))
    assert disk_state(path, stamp) == "changed"
    path.write_bytes(b"x = 1000\n")
    os.utime(path, ns=(stamp.mtime_ns, stamp.mtime_ns))  # a coarse clock can give the same mtime
    assert disk_state(path, stamp) == "changed"
    path.unlink()
    assert disk_state(path, stamp) == "deleted"


def test_disk_state_of_a_new_buffer(tmp_path):
    path = tmp_path / "new.py"
    assert disk_state(path, None) == "same"
    path.write_bytes(b"created elsewhere\n")
    assert disk_state(path, None) == "changed"


def test_identical_save_is_same_for_an_older_stamp(tmp_path):
    path = tmp_path / "a.py"
    first = save_file(path, "x = 1\n", "utf-8", False)
    os.utime(path, ns=(first.mtime_ns + 10**9, first.mtime_ns + 10**9))
    save_file(path, "x = 1\n", "utf-8", False)
    assert disk_state(path, first) == "same"
