"""The servers' table: defaults, the user's Helix-style config, what the doctor says."""

from __future__ import annotations

import sys

from lsprotocol import types as lsp

from nxedit.model.lsp.edits import changeset_for, file_edits, locations, uri_of
from nxedit.model.lsp.positions import Encoding
from nxedit.model import doctor
from nxedit.model.lsp.servers import doctor_lines, server_table
from nxedit.model.text.document import Document


def test_python_tries_basedpyright_then_pyright_then_pylsp():
    table, messages = server_table({})
    assert messages == []
    assert [s.name for s in table.candidates("python")] == ["basedpyright", "pyright", "pylsp"]
    assert table.candidates("markdown") == []


def test_config_overrides_a_server_and_a_language():
    table, messages = server_table({
        "language-server": {
            "pylsp": {"args": ["-v"], "config": {"pylsp": {"plugins": {"pycodestyle": {"enabled": False}}}}},
            "mine": {"command": sys.executable, "args": ["-m", "mine"], "timeout": 5},
        },
        "language": [{"name": "python", "language-servers": ["mine", "pylsp"]}],
    })
    assert messages == []
    assert [s.name for s in table.candidates("python")] == ["mine", "pylsp"]
    pylsp = table.servers["pylsp"]
    assert pylsp.command == "pylsp" and pylsp.args == ("-v",)  # the default command is kept
    assert table.server_for("python").name == "mine"  # found: it is this Python
    assert table.servers["mine"].timeout == 5.0


def test_bad_entries_are_one_line_each_and_ignored():
    table, messages = server_table({
        "language-server": {"broken": {"args": "not a list"}, "slow": {"command": "x", "timeout": -1}},
        "language": [{"name": "go", "language-servers": ["nope"]}, {"nameless": True}],
    })
    assert len(messages) == 4
    assert all("\n" not in m for m in messages)
    assert "broken" not in table.servers and table.candidates("go") == []


def test_doctor_lists_found_and_missing_servers():
    table, _ = server_table({
        "language-server": {"here": {"command": sys.executable}, "gone": {"command": "nxedit-no-such-server"}},
        "language": [{"name": "python", "language-servers": ["gone", "here"]},
                     {"name": "rust", "language-servers": ["gone"]}],
    })
    lines = dict((text.split(":")[0], (ok, text)) for ok, text in doctor_lines(table))
    assert lines["python"][0] and "here" in lines["python"][1]
    assert not lines["rust"][0] and "nxedit-no-such-server" in lines["rust"][1]


def test_a_workspace_edit_becomes_one_change_set_per_file(tmp_path):
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    rng = lambda l0, c0, l1, c1: lsp.Range(lsp.Position(l0, c0), lsp.Position(l1, c1))  # noqa: E731
    edit = lsp.WorkspaceEdit(document_changes=[
        lsp.TextDocumentEdit(lsp.OptionalVersionedTextDocumentIdentifier(uri=uri_of(a), version=None),
                             [lsp.TextEdit(rng(0, 4, 0, 7), "new"), lsp.TextEdit(rng(1, 0, 1, 3), "new")]),
        lsp.TextDocumentEdit(lsp.OptionalVersionedTextDocumentIdentifier(uri=uri_of(b), version=None),
                             [lsp.TextEdit(rng(0, 0, 0, 0), "import x\n")]),
    ])
    per_file, problems = file_edits(edit)
    assert problems == [] and set(per_file) == {a, b}
    doc = Document("def old():\nold()\n")
    assert changeset_for(doc, per_file[a], Encoding()).apply(doc.text) == "def new():\nnew()\n"
    with_op = lsp.WorkspaceEdit(document_changes=[lsp.CreateFile(uri=uri_of(tmp_path / "c.py"))])
    assert "CreateFile" in file_edits(with_op)[1][0]


def test_locations_accept_links_and_lists(tmp_path):
    uri = uri_of(tmp_path / "a.py")
    rng = lsp.Range(lsp.Position(1, 2), lsp.Position(1, 5))
    link = lsp.LocationLink(target_uri=uri, target_range=rng, target_selection_range=rng)
    assert locations(link) == locations([lsp.Location(uri, rng)]) == [(tmp_path / "a.py", rng)]
    assert locations(None) == []


def test_diagnostics_convert_from_plain_json_and_skip_malformed_entries():
    from nxedit.model.lsp.diagnostics import convert, on_line

    doc = Document("x = '😀'; y\nz\n")
    span = lambda l0, c0, l1, c1: {"start": {"line": l0, "character": c0}, "end": {"line": l1, "character": c1}}  # noqa: E731
    items = [
        {"range": span(0, 10, 0, 11), "severity": 2, "message": "y\nunused", "source": "s"},
        {"range": span(1, 0, 1, 1), "message": "z is not defined", "code": 7},
        {"range": "broken"},
        {"range": span(40, 0, 41, 0), "severity": 9, "message": "past the end"},
    ]
    found = convert(doc, items, Encoding("utf-16"))
    assert [(d.line, d.col, d.end_col, d.kind) for d in found] == [(0, 9, 10, "warning"), (1, 0, 1, "error"),
                                                                   (2, 0, 0, "error")]
    assert found[0].summary() == "warning: y unused (s)" and found[1].code == "7"
    assert on_line(found, 1) == [found[1]] and on_line(found, 5) == []


def test_a_relative_path_gets_an_absolute_uri(tmp_path, monkeypatch):
    from pathlib import Path

    from nxedit.model.lsp.edits import path_of

    monkeypatch.chdir(tmp_path)
    uri = uri_of(Path("pkg/mod.py"))
    assert path_of(uri) == tmp_path / "pkg" / "mod.py"


def test_doctor_names_a_rustup_proxy_whose_component_is_missing(tmp_path, monkeypatch):
    # rustup puts a `rust-analyzer` link to itself on PATH; until the component is added it
    # fails with an error line and a backtrace (a real rustup is not on every machine: a stand-in)
    rustup = tmp_path / "rustup"
    rustup.write_text("#!/bin/sh\necho \"error: Unknown binary 'rust-analyzer' in official toolchain 'stable'.\" >&2\n"
                      "echo '' >&2\necho 'Stack backtrace:' >&2\necho '   0: anyhow::kind::Adhoc::new' >&2\nexit 1\n")
    rustup.chmod(0o755)
    (tmp_path / "rust-analyzer").symlink_to(rustup)
    monkeypatch.setenv("PATH", str(tmp_path))
    table, _ = server_table({"language": [{"name": "rust", "language-servers": ["rust-analyzer"]}]})
    rust = lambda: next(line for line in doctor_lines(table, doctor._proxy_problem) if line[1].startswith("rust:"))  # noqa: E731
    ok, text = rust()
    assert not ok and "does not run: error: Unknown binary 'rust-analyzer'" in text
    assert "rustup component add rust-analyzer" in text
    rustup.write_text("#!/bin/sh\necho rust-analyzer 1.0\n")  # the component is installed
    ok, text = rust()
    assert ok and "does not run" not in text
