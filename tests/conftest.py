"""Shared fixtures: every test runs with its own nxedit home, never the user's."""

import pytest


@pytest.fixture(autouse=True)
def nxedit_home(tmp_path_factory, monkeypatch):
    """Point config, data and state directories at a fresh temporary folder."""
    home = tmp_path_factory.mktemp("nxedit-home")
    monkeypatch.setenv("NXEDIT_HOME", str(home))
    return home
