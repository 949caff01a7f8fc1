"""Incremental document sync against a real server (basedpyright): after edits made through
our Document and sent as ``didChange`` ranges, the server reports problems exactly where our
text has them, also past astral characters (UTF-16 columns) and across added lines."""

from __future__ import annotations

import pytest
from lsprotocol import types as lsp

from hub_harness import Harness
from nxedit.model.lsp.diagnostics import convert
from nxedit.model.lsp.edits import uri_of
from nxedit.model.lsp.positions import Encoding, change_events
from nxedit.model.lsp.servers import find_command
from nxedit.model.text.changeset import ChangeSet
from nxedit.model.text.document import Document

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(find_command("basedpyright-langserver") is None, reason="basedpyright is not installed"),
]


def test_incremental_edits_keep_the_server_in_step(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    path = tmp_path / "m.py"
    text = 'a = "😀😀"; b = 1\n'
    path.write_text(text)
    harness = Harness({"language": [{"name": "python", "language-servers": ["basedpyright"]}]})
    key = harness.hub.key_for(path, "python")
    try:
        harness.hub.ensure(key)
        _, generation, session = harness.pump(lambda: harness.ready and harness.ready[0])
        doc = Document(text)
        uri = uri_of(path)
        harness.hub.notify(key, generation, lsp.TEXT_DOCUMENT_DID_OPEN, lsp.DidOpenTextDocumentParams(
            lsp.TextDocumentItem(uri=uri, language_id="python", version=doc.version, text=text)))

        def edit(start: int, end: int, new: str) -> None:
            changes = doc.apply(ChangeSet.from_edits(len(doc), [(start, end, new)]))
            events = change_events(changes, doc.line_text, session.encoding)
            harness.hub.notify(key, generation, lsp.TEXT_DOCUMENT_DID_CHANGE, lsp.DidChangeTextDocumentParams(
                lsp.VersionedTextDocumentIdentifier(version=doc.version, uri=uri), events))

        one = doc.text.index("1")
        edit(one, one + 1, "missing_one")  # after two astral characters on the line
        edit(0, 0, "import os\n\n")  # lines added above
        at = doc.text.index("b =")
        edit(at, at, "c = missing_two; ")

        def latest():
            found = [p for p in harness.published if p.get("version") == doc.version and p.get("diagnostics")]
            return found and found[-1]

        params = harness.pump(latest, timeout=60)
        problems = convert(doc, params["diagnostics"], session.encoding)
        places = {d.message.split('"')[1]: (d.line, d.col, d.end_col) for d in problems if "is not defined" in d.message}
        line = doc.line_text(2)
        assert places["missing_one"] == (2, line.index("missing_one"), line.index("missing_one") + len("missing_one"))
        assert places["missing_two"] == (2, line.index("missing_two"), line.index("missing_two") + len("missing_two"))
        assert session.encoding.name in ("utf-16", "utf-32")
    finally:
        harness.hub.close()


def test_columns_convert_both_ways_past_astral_characters():
    line = "s = '😀' + x"
    utf16 = Encoding("utf-16")
    assert utf16.to_server(line, line.index("x")) == line.index("x") + 1
    assert utf16.from_server(line, line.index("x") + 1) == line.index("x")
    utf8 = Encoding("utf-8")
    assert utf8.from_server(line, utf8.to_server(line, line.index("x"))) == line.index("x")
    assert Encoding("utf-32").to_server(line, 9) == 9


def test_several_changes_on_a_non_ascii_line_fall_back_to_the_whole_text():
    doc = Document("é = 1; é2 = 2\n")
    changes = doc.apply(ChangeSet.from_edits(len(doc), [(0, 1, "a"), (7, 9, "bb")]))
    assert change_events(changes, doc.line_text, Encoding("utf-16")) is None
    assert change_events(changes, doc.line_text, Encoding("utf-32")) is not None
    plain = Document("x = 1; y = 2\n")
    changes = plain.apply(ChangeSet.from_edits(len(plain), [(0, 1, "a"), (7, 8, "b")]))
    events = change_events(changes, plain.line_text, Encoding("utf-16"))
    # last first, each in the coordinates just before it: the order LSP applies them in
    assert [(e.range.start.character, e.range.end.character, e.text) for e in events] == [(7, 8, "b"), (0, 1, "a")]
