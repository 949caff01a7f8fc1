"""A real terminal (tmux) with a real server: the diagnostic for an undefined name shows on
the cursor's line (gutter sign) and in the status line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nxedit.model.lsp.servers import find_command

from tmux_terminal import NXEDIT, Terminal


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (CI installs it)"),
    pytest.mark.skipif(find_command("basedpyright-langserver") is None, reason="basedpyright is not installed"),
]


def test_undefined_name_on_the_cursor_line_in_a_real_terminal(nxedit_home: Path, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    path = tmp_path / "app.py"
    path.write_text("import os\nprint(undefined_name)\nprint(os.sep)\n")
    config = tmp_path / "config.toml"
    config.write_text('[lsp]\nenabled = true\n\n[[language]]\nname = "python"\nlanguage-servers = ["basedpyright"]\n')
    terminal = Terminal(nxedit_home)
    try:
        terminal.start(*NXEDIT, "--config", str(config), f"{path}:2:7")
        screen = terminal.wait_for('"undefined_name" is not defined', timeout=90)
        rows = screen.splitlines()
        line_two = next(r for r in rows if "print(undefined_name)" in r)
        assert line_two.lstrip().startswith("●"), line_two  # the gutter sign of the cursor's line
        assert not next(r for r in rows if "print(os.sep)" in r).lstrip().startswith("●")
        terminal.keys("Down")  # a line without a problem: the status line lets it go
        terminal.keys("Down")
        for _ in range(40):
            if '"undefined_name" is not defined' not in terminal.screen():
                break
            terminal.wait_for("", timeout=0.1)
        assert '"undefined_name" is not defined' not in terminal.screen()
    finally:
        terminal.close()
