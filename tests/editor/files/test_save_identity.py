"""Saves keep what a file is (issue 14): hard links, bind mounts, read-only folders, the owner
and extended attributes survive a save, as with vim's ``backupcopy=auto``; a save killed
mid-way leaves nothing that is never cleaned up. Real links, mounts, users and processes."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from fault_helpers import fill, small_filesystem
from nxedit.editor.files.fileio import FileError, backup_path, leftover_temps, load_file, save_file

NOBODY = 65534


def save(path: Path, text: str) -> None:
    loaded = load_file(path)
    save_file(path, text, loaded.encoding, loaded.bom, loaded.mode)


def test_a_hard_linked_file_stays_linked(tmp_path):
    path, other = tmp_path / "a.txt", tmp_path / "b.txt"
    path.write_text("old\n")
    os.link(path, other)
    save(path, "new\n")
    assert other.read_text() == "new\n" and path.stat().st_ino == other.stat().st_ino
    assert path.stat().st_nlink == 2
    assert not backup_path(path).exists()  # the backup copy goes once the write is done


def test_extended_attributes_survive_a_save(tmp_path):
    path = tmp_path / "labelled.txt"
    path.write_text("old\n")
    try:
        os.setxattr(path, "user.origin", b"kept")
    except OSError as e:
        if e.errno in (errno.ENOTSUP, errno.EPERM):
            pytest.skip("this file system keeps no user extended attributes")
        raise
    save(path, "new\n")
    assert path.read_text() == "new\n" and os.getxattr(path, "user.origin") == b"kept"


def test_a_bind_mounted_single_file_is_saved(tmp_path):
    source, mounted = tmp_path / "volume.conf", tmp_path / "app" / "app.conf"
    source.write_text("old\n")
    mounted.parent.mkdir()
    mounted.write_text("")
    if os.geteuid() != 0:
        pytest.skip("bind mounts need root (CI runs the tests as root)")
    done = subprocess.run(["mount", "--bind", str(source), str(mounted)], capture_output=True)
    if done.returncode:
        pytest.skip(f"cannot bind-mount here: {done.stderr.decode().strip()}")
    try:
        save(mounted, "new\n")  # a rename over a mount point: "device or resource busy"
        assert source.read_text() == "new\n" and mounted.read_text() == "new\n"
    finally:
        subprocess.run(["umount", str(mounted)], capture_output=True)


def save_as_nobody(path: Path, home: Path) -> str | None:
    """Save ``path`` from a real child process of another user (forked: nothing to exec);
    returns its error, or None."""
    if os.geteuid() != 0:
        pytest.skip("switching to another user needs root (CI runs the tests as root)")
    home.mkdir(mode=0o777)
    home.chmod(0o777)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: become nobody, save, report
        os.close(read)
        try:
            os.environ["NXEDIT_HOME"] = str(home)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            save(path, "new\n")
            os.write(write, b"ok")
        except BaseException as e:  # noqa: BLE001 -- reported to the parent
            os.write(write, str(e).encode()[:4000])
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        answer = f.read().decode()
    os.waitpid(pid, 0)
    return None if answer == "ok" else answer


def shared_folder(tmp_path: Path, mode: int) -> Path:
    folder = tmp_path / "shared"
    folder.mkdir()
    for p in (tmp_path, *tmp_path.parents):
        if p == Path("/"):
            break
        p.chmod(p.stat().st_mode | 0o011)  # others may pass through to it
    folder.chmod(mode)
    return folder


def test_a_writable_file_in_a_read_only_folder_is_saved(tmp_path):
    folder = shared_folder(tmp_path, 0o755)
    path = folder / "config.ini"
    path.write_text("old\n")
    path.chmod(0o666)  # vim can save it: the file is writable, only its folder is not
    assert save_as_nobody(path, tmp_path / "home") is None
    assert path.read_text() == "new\n"


def test_someone_elses_file_keeps_its_owner(tmp_path):
    folder = shared_folder(tmp_path, 0o777)
    path = folder / "team.txt"
    path.write_text("old\n")
    path.chmod(0o666)
    assert save_as_nobody(path, tmp_path / "home") is None
    assert path.read_text() == "new\n" and path.stat().st_uid == 0  # a rename would make it nobody's


def test_a_kill_during_a_save_leaves_a_temp_that_is_found_and_offered(tmp_path):
    """A real writer killed with SIGKILL between writing its temp file and the rename."""
    path = tmp_path / "notes.txt"
    path.write_text("old\n")
    writer = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import os, time
        from pathlib import Path
        from nxedit.editor.files import fileio
        real_replace = os.replace
        def stuck(src, dst):
            print("written", flush=True)
            time.sleep(60)
        fileio.os.replace = stuck
        fileio.save_file(Path({str(path)!r}), "new text\\n", "utf-8", False)
    """)], stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "written"
    temps = list(tmp_path.glob(".notes.txt.*.nxedit-tmp"))
    assert len(temps) == 1
    assert leftover_temps(path) == []  # its writer is alive: a save in progress, left alone
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    assert path.read_text() == "old\n"  # the file is whole
    assert leftover_temps(path) == temps  # found once its writer is gone, and offered
    temps[0].write_bytes(b"old\n")
    assert leftover_temps(path) == [] and not temps[0].exists()  # nothing new in it: cleaned up


def test_a_full_disk_during_an_in_place_save_puts_the_old_text_back(tmp_path, monkeypatch):
    with small_filesystem(tmp_path / "small", "256k") as small:
        path, other = small / "big.txt", small / "link.txt"
        old = "old line\n" * 2000
        path.write_text(old)
        os.link(path, other)  # in place: a rename would split the link
        fill(small)
        with pytest.raises(FileError, match="disk full on .*: the file on disk is unchanged"):
            save(path, "new line\n" * 40000)
        assert path.read_text() == old and other.read_text() == old


def test_an_attribute_that_cannot_be_copied_means_writing_in_place(tmp_path, monkeypatch):
    """A security label this user may not set on a new file: the file is written in place."""
    from nxedit.editor.files import fileio

    path = tmp_path / "labelled.txt"
    path.write_text("old\n")
    try:
        os.setxattr(path, "user.label", b"kept")
    except OSError:
        pytest.skip("this file system keeps no user extended attributes")
    inode = path.stat().st_ino
    real_setxattr = os.setxattr

    def refuse(target, name, value, *args):
        if isinstance(target, int):  # the temp file's descriptor
            raise PermissionError(errno.EPERM, "not permitted")
        return real_setxattr(target, name, value, *args)

    monkeypatch.setattr(fileio.os, "setxattr", refuse)
    save(path, "new\n")
    assert path.read_text() == "new\n" and path.stat().st_ino == inode and os.getxattr(path, "user.label") == b"kept"
    assert list(tmp_path.glob(".*.nxedit-tmp")) == []
