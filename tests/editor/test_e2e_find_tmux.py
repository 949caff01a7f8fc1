"""The file picker, project search and replace across files in a real terminal (tmux)."""

from __future__ import annotations

import shutil
import time

import pytest

from project_helpers import make_project
from tmux_terminal import NXEDIT, Terminal

pytestmark = pytest.mark.slow

if shutil.which("tmux") is None:
    pytest.skip("tmux is not installed (CI installs it)", allow_module_level=True)


def test_picker_search_and_replace_in_a_real_terminal(terminal: Terminal, tmp_path, monkeypatch):
    root = make_project(tmp_path / "proj")
    monkeypatch.chdir(root)
    terminal.start(*NXEDIT, "src/main.py")
    terminal.wait_for("from pkg.core import alpha")

    terminal.keys("C-t")  # the file picker
    terminal.wait_for("files in")
    terminal.keys("spc", literal=True)
    screen = terminal.wait_for("def alpha(x):")  # the preview of the best match
    assert "src/pkg/core.py" in screen
    terminal.keys("Enter")
    gone_by = time.monotonic() + 10
    while "files in" in terminal.screen() and time.monotonic() < gone_by:
        time.sleep(0.05)
    assert "return beta(x)" in terminal.wait_for("src/pkg/core.py") and "files in" not in terminal.screen()

    terminal.keys("M-F")  # project search (Alt+Shift+F: Ctrl+Shift+F needs the kitty protocol)
    terminal.wait_for("Search in project")
    terminal.keys("print", literal=True)
    terminal.wait_for("1 match in 1 file")
    terminal.keys("Enter")
    terminal.wait_for("print(alpha(1))")
    terminal.wait_for("Ln 2, Col 1")  # the match in src/main.py

    terminal.keys("M-H")  # replace across files
    terminal.wait_for("Search in project")
    terminal.keys("beta", literal=True)
    terminal.wait_for("1 match in 1 file")
    terminal.keys("Tab")
    terminal.keys("gamma", literal=True)
    terminal.wait_for("betagamma")  # the preview: old struck, new after it
    terminal.keys("Enter")
    terminal.wait_for("Replace 1 match in 1 file")
    terminal.keys("r")
    terminal.wait_for("Replaced 1 match in 1 file")
    deadline = time.monotonic() + 5
    while "gamma" not in (root / "src/pkg/core.py").read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (root / "src/pkg/core.py").read_text() == "def alpha(x):\n    return gamma(x)  # alpha\n"


def test_alt_r_toggles_regex_instead_of_typing_an_r(terminal: Terminal, tmp_path, monkeypatch):
    """A terminal sends Alt+R as ESC r: the fields must not type the r."""
    root = make_project(tmp_path / "proj")
    monkeypatch.chdir(root)
    terminal.start(*NXEDIT, "src/main.py")
    terminal.wait_for("from pkg.core import alpha")
    terminal.keys("C-f")
    terminal.wait_for("Find (Enter")
    terminal.keys("al.ha", literal=True)
    terminal.wait_for("no matches")
    terminal.keys("M-r")
    terminal.wait_for("1 of 2")
    assert "al.har" not in terminal.screen()
    terminal.keys("Escape")  # close the bar
    time.sleep(0.3)
    terminal.keys("Right")  # drop the selected match (else it becomes the query)
    terminal.keys("M-F")
    terminal.wait_for("Search in project")  # regex on: the find bar's setting carries over
    terminal.keys("al.ha", literal=True)
    terminal.wait_for("5 matches in 3 files")
    terminal.keys("M-r")
    screen = terminal.wait_for("0 matches")
    assert "regex off" in screen and "al.har" not in screen
