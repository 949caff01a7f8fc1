"""nxedit in a real terminal (tmux): type, save, and survive a ``kill -9``."""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from nxedit.editor.files.journal import Journal

from tmux_terminal import NXEDIT, Terminal

pytestmark = pytest.mark.slow

if shutil.which("tmux") is None:
    pytest.skip("tmux is not installed (CI installs it)", allow_module_level=True)


TOUR = Path(__file__).resolve().parents[2] / "editor" / "samples" / "tour.py"


def test_type_and_save_in_a_real_terminal(terminal: Terminal, tmp_path: Path):
    path = tmp_path / "hello.py"
    path.write_text("def greet(name):\n    return name\n")
    terminal.start(*NXEDIT, str(path))
    terminal.wait_for("def greet(name):")
    terminal.keys("Down", "End", "Enter")
    terminal.keys("print(name)", literal=True)
    terminal.wait_for("print(name)")
    terminal.keys("C-s")
    terminal.wait_for("Saved hello.py")
    assert path.read_text() == "def greet(name):\n    return name\n    print(name)\n"
    terminal.keys("C-q")
    deadline = time.monotonic() + 10
    while terminal.tmux("list-sessions") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not terminal.tmux("list-sessions"), "nxedit did not quit on Ctrl+Q after a save"


def test_unsaved_changes_survive_kill_9(terminal: Terminal, tmp_path: Path):
    path = tmp_path / "notes.txt"
    path.write_text("first line\n")
    pid = terminal.start(*NXEDIT, str(path))
    terminal.wait_for("first line")
    terminal.keys("C-End")
    terminal.keys("typed before the crash", literal=True)
    terminal.wait_for("typed before the crash")
    journal = Journal()
    expected = "first line\ntyped before the crash"

    def journaled() -> str | None:
        entry = journal.pending(path)
        return entry.text if entry else None

    deadline = time.monotonic() + 15
    while journaled() != expected and time.monotonic() < deadline:
        time.sleep(0.1)
    assert journaled() == expected, "the journal never caught up with the typing"

    os.kill(pid, signal.SIGKILL)
    assert path.read_text() == "first line\n"  # nothing was saved

    terminal.start(*NXEDIT, str(path))
    terminal.wait_for("Restore them?")
    terminal.keys("r")
    screen = terminal.wait_for("typed before the crash")
    assert "●" in screen  # restored text is unsaved
    terminal.keys("C-s")
    terminal.wait_for("Saved notes.txt")
    assert path.read_text() == expected
    assert journal.pending(path) is None


def test_the_tours_step_3_with_the_tab_rhythm_in_a_real_terminal(terminal: Terminal, tmp_path: Path):
    """The tour as README teaches it: the edit at (3), then Tab, Tab, Tab, then save."""
    tour = TOUR.read_text()
    path = tmp_path / "tour.py"
    path.write_text(tour)
    row = next(i for i, line in enumerate(tour.splitlines()) if "# (3)" in line)
    column = tour.splitlines()[row].index("6)") + 2  # 1-based, after the 6
    terminal.start(*NXEDIT, f"{path}:{row + 1}:{column}")
    terminal.wait_for('Item("apples"')
    terminal.keys(", taxed=True", literal=True)
    terminal.wait_for('Item("coffee", 12.0, 1, taxed=True)')  # the ghost text of the suggestion
    for _ in range(3):
        terminal.keys("Tab")
        time.sleep(0.15)
    time.sleep(0.8)
    terminal.keys("C-s")
    terminal.wait_for("Saved tour.py")
    expected = tour.replace("6),", "6, taxed=True),").replace("1),", "1, taxed=True),")
    expected = expected.replace("2),\n    ]", "2, taxed=True),\n    ]")
    assert path.read_text() == expected
