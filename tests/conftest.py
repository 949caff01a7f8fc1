"""Shared fixtures: every test runs with its own nxedit home, never the user's."""

import pytest


@pytest.fixture(autouse=True)
def nxedit_home(tmp_path_factory, monkeypatch):
    """Point config, data and state directories at a fresh temporary folder."""
    home = tmp_path_factory.mktemp("nxedit-home")
    monkeypatch.setenv("NXEDIT_HOME", str(home))
    # no language servers unless a test asks for them ([lsp] enabled = true): a server per
    # test that opens a .py file would cost seconds of CPU on a 2-core machine
    monkeypatch.setenv("NXEDIT_LSP", "off")
    return home


@pytest.fixture
def terminal(nxedit_home):
    """A real terminal (tmux) of the test's own; the tests using it skip where tmux is missing."""
    from tmux_terminal import Terminal
    term = Terminal(nxedit_home)
    yield term
    term.close()


@pytest.fixture
def terminals(nxedit_home):
    """A tmux server of the test's own, for tests with several terminals."""
    from tmux_terminal import Terminals
    term = Terminals(nxedit_home)
    yield term
    term.close()
