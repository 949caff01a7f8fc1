"""The faults of issue 14 in a real terminal (tmux), with real nxedit processes: two editors
on one file, an untitled buffer killed with -9, a symlink loop, hostile file names."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest

from nxedit.editor.files.journal import Journal

from tmux_terminal import Terminals

pytestmark = pytest.mark.slow

if shutil.which("tmux") is None:
    pytest.skip("tmux is not installed (CI installs it)", allow_module_level=True)

NXEDIT = [sys.executable, "-m", "nxedit.editor.cli"]


def wait_until(predicate, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_two_editors_on_one_file_warn_and_keep_both_unsaved_texts(terminals: Terminals, tmp_path: Path):
    path = tmp_path / "shared.txt"
    path.write_text("base\n")
    pid_a = terminals.start("a", [*NXEDIT, str(path)])
    terminals.wait_for("a", "base")
    terminals.keys("a", "C-End")
    terminals.keys("a", "typed in A", literal=True)
    journal = Journal()
    wait_until(lambda: (e := journal.pending(path)) is not None and e.text == "base\ntyped in A")

    terminals.start("b", [*NXEDIT, str(path)])
    terminals.wait_for("b", "ATTENTION")  # vim's swap-file warning, before anyone types
    screen = terminals.wait_for("b", "Recover")
    assert "already open in another nxedit" in screen.replace("\n", " ") or "another nxedit" in screen
    terminals.keys("b", "e")  # edit anyway
    terminals.keys("b", "C-End")
    terminals.keys("b", "typed in B", literal=True)
    terminals.wait_for("b", "typed in B")
    terminals.keys("b", "C-s")
    terminals.wait_for("b", "Saved shared.txt")
    assert path.read_text() == "base\ntyped in B"

    os.kill(pid_a, signal.SIGKILL)  # A dies with its text unsaved; B's save must not have lost it
    terminals.tmux("kill-session", "-t", "a")
    terminals.start("c", [*NXEDIT, str(path)])
    terminals.wait_for("c", "ATTENTION")  # B still has it open
    terminals.keys("c", "e")
    terminals.wait_for("c", "survived a")  # and what A left is offered back
    terminals.keys("c", "r")
    screen = terminals.wait_for("c", "typed in A")
    assert "●" in screen


def test_open_read_only_when_another_editor_has_the_file(terminals: Terminals, tmp_path: Path):
    path = tmp_path / "mine.txt"
    path.write_text("keep me\n")
    terminals.start("a", [*NXEDIT, str(path)])
    terminals.wait_for("a", "keep me")
    wait_until(lambda: Journal().claims(path))
    terminals.start("b", [*NXEDIT, str(path)])
    terminals.wait_for("b", "ATTENTION")
    terminals.keys("b", "Escape")  # Esc picks the safe answer: read-only
    terminals.wait_for("b", "read-only")
    terminals.keys("b", "xyz", literal=True)
    terminals.keys("b", "C-s")
    time.sleep(0.5)
    assert "xyz" not in terminals.screen("b") and path.read_text() == "keep me\n"


def test_an_untitled_buffer_survives_kill_9(terminals: Terminals):
    pid = terminals.start("a", [*NXEDIT])
    terminals.wait_for("a", "untitled")
    terminals.keys("a", "an idea worth keeping", literal=True)
    terminals.wait_for("a", "an idea worth keeping")
    wait_until(lambda: any(e.text == "an idea worth keeping" for e in Journal().entries() if e.path is None))
    os.kill(pid, signal.SIGKILL)
    terminals.tmux("kill-session", "-t", "a")
    terminals.start("b", [*NXEDIT])
    terminals.wait_for("b", "An untitled buffer")
    terminals.keys("b", "r")
    screen = terminals.wait_for("b", "an idea worth keeping")
    assert "●" in screen


def test_a_symlink_loop_is_one_line_and_loses_nothing(terminals: Terminals, tmp_path: Path):
    os.chdir(tmp_path)
    Path("loop").symlink_to("loop")  # ln -s loop loop
    terminals.start("a", [*NXEDIT, str(tmp_path / "loop")], shell_after=True)
    terminals.wait_for("a", "too many levels of symbolic links")
    terminals.keys("a", "typed before", literal=True)
    terminals.keys("a", "C-o")
    terminals.wait_for("a", "Open file")
    terminals.keys("a", str(tmp_path / "loop"), literal=True)
    terminals.keys("a", "Enter")
    time.sleep(0.5)
    screen = terminals.wait_for("a", "typed before")
    assert "Traceback" not in screen
    terminals.keys("a", "C-q")
    terminals.wait_for("a", "Unsaved changes")
    terminals.keys("a", "d")
    screen = terminals.wait_for("a", "EXIT=")
    assert "EXIT=0" in screen and "Traceback" not in screen


HOSTILE = "\x1b]0;PWNED\x07\x1b]52;c;cm0gLXJmIH4=\x07"  # OSC 0 sets the title; OSC 52 the clipboard ("rm -rf ~")


def test_hostile_file_names_reach_the_terminal_as_visible_text(terminals: Terminals, tmp_path: Path):
    binary = tmp_path / f"{HOSTILE}bin.dat"
    binary.write_bytes(b"\0\1\2")  # refused: an error toast and a status message carry its name
    text = tmp_path / f"{HOSTILE}notes.txt"
    text.write_text("hello\n")  # opened: the status line, the title and the palette show its name
    terminals.start("a", [*NXEDIT, str(binary), str(text)])
    terminals.wait_for("a", "looks binary")
    terminals.wait_for("a", "hello")
    terminals.keys("a", "C-e")  # the buffer switcher lists the name too
    screen = terminals.wait_for("a", "notes.txt")
    assert "\\x1b]52;c;" in screen  # shown, escaped: visible and inert
    time.sleep(0.5)
    assert "PW" not in terminals.tmux("display-message", "-p", "-t", "a", "#{pane_title}")  # main set "PW…"
    buffers = terminals.tmux("list-buffers", "-F", "#{buffer_sample}")
    assert "rm -rf" not in buffers and "cm0gLXJmIH4" not in buffers
