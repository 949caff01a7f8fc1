"""config.toml's Helix-style language-server tables reach the servers' table."""

from __future__ import annotations

from nxedit.editor.config import load_config
from nxedit.editor.lsp import lsp_enabled
from nxedit.model.lsp.servers import server_table


def test_language_server_tables_from_the_config_file(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    path.write_text(
        '[lsp]\nenabled = false\n\n'
        '[language-server.pylsp]\ncommand = "pylsp"\nconfig = { pylsp = { plugins = { pycodestyle = { enabled = false } } } }\n\n'
        '[[language]]\nname = "python"\nlanguage-servers = ["pylsp"]\n'
    )
    config, messages = load_config(path)
    assert messages == []
    table, problems = server_table(config.sections)
    assert problems == [] and [s.name for s in table.candidates("python")] == ["pylsp"]
    assert table.servers["pylsp"].settings["pylsp"]["plugins"]["pycodestyle"] == {"enabled": False}
    assert lsp_enabled(config.sections["lsp"]) is False
    monkeypatch.setenv("NXEDIT_LSP", "")
    assert lsp_enabled(None) is True
    monkeypatch.setenv("NXEDIT_LSP", "off")
    assert lsp_enabled({}) is False and lsp_enabled({"enabled": True}) is True
