"""A name just typed that is not defined: the server's "add import" quick fix becomes a
next-edit suggestion (a ghost diff at the imports; Tab jumps there, Tab applies it).

Asked once per version of the text, only when the server's diagnostics for the current
version show a missing name on the cursor's line (or the line above) and no other
suggestion is on screen; the code action request goes to the server thread like any other.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

from nxedit.model.lsp.edits import changeset_for, file_edits
from nxedit.model.predict.suggestion import Suggestion
from nxedit.model.predict.suggestion_diff import Piece

from nxedit.editor.buffer import Buffer

if TYPE_CHECKING:
    from nxedit.model.text.document import Document
    from .features import Doc, LanguageFeatures

SOURCE = "lsp:import"
CONFIDENCE = 0.9  # the server resolved the name to a module: it is right when the name is meant
# how servers word a missing name (pyright, pylsp, tsserver, clangd, rust-analyzer, gopls)
MISSING = re.compile(r"is not defined|undefined name|cannot find name|undeclared identifier|"
                     r"cannot find value|undefined: ", re.IGNORECASE)
IMPORT_TITLE = re.compile(r"^(import |from \S+ import |add import|update import|add `?use |import `)", re.IGNORECASE)


class ImportFix:
    """Watches the shown buffer's diagnostics; offers the import of a missing name."""

    def __init__(self, features: "LanguageFeatures") -> None:
        self.features = features
        self._asked: tuple[int, int] | None = None  # (buffer id, version) last asked about

    def diagnostics_arrived(self, buffer: Buffer) -> None:
        features = self.features
        app = features.app
        predictions = app.predictions
        if buffer is not app.buffer or predictions is None or predictions.options:
            return
        if self._asked == (id(buffer), buffer.version):
            return
        doc = features.doc_of(buffer)
        if doc is None:
            return
        line = buffer.cursor[0]
        missing = [d for d in doc.raw if line - 1 <= d["range"]["start"]["line"] <= line
                   and d.get("severity", 1) == 1 and MISSING.search(str(d.get("message", "")))]
        if not missing:
            return
        self._asked = (id(buffer), buffer.version)
        missing.sort(key=lambda d: d["range"]["start"]["line"] != line)  # the cursor's line first
        self._ask(doc, buffer, missing[0])

    def _ask(self, doc: "Doc", buffer: Buffer, diagnostic: dict) -> None:
        version = buffer.version
        session = self.features.session_of(doc)
        if session is None or not session.supports("code_action_provider"):
            return
        params = lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(doc.uri),
            range=session.structure(diagnostic["range"], lsp.Range),
            context=lsp.CodeActionContext(diagnostics=[session.structure(diagnostic, lsp.Diagnostic)],
                                          only=[lsp.CodeActionKind.QuickFix]),
        )

        def answered(result: Any, error: str | None) -> None:
            if error is None and buffer.version == version:
                self._offer(doc, buffer, session, result or ())

        self.features.hub.request(doc.key, lsp.TEXT_DOCUMENT_CODE_ACTION, params, answered)

    def _offer(self, doc: "Doc", buffer: Buffer, session, actions) -> None:
        for action in actions:
            if not isinstance(action, lsp.CodeAction) or action.edit is None or not IMPORT_TITLE.match(action.title):
                continue
            per_file, problems = file_edits(action.edit)
            if problems or len(per_file) != 1 or next(iter(per_file)).resolve() != buffer.path.resolve():
                continue  # an import is an edit of this file alone
            try:
                changes = changeset_for(buffer.document, per_file[next(iter(per_file))], session.encoding)
            except ValueError:
                continue
            # servers rewrite the name itself too (the same text): only what changes is shown
            pieces = tuple(Piece(start, end, text) for start, end, text in changes.changes()
                           if text != text_between(buffer.document, start, end))
            if not pieces:
                continue
            suggestion = Suggestion((), SOURCE, CONFIDENCE, version=buffer.version)
            if self.features.app.predictions.offer_fix(suggestion, pieces):
                return


def text_between(doc: "Document", start: int, end: int) -> str:
    """The document's text in ``[start, end)`` without joining the whole of it."""
    (l0, c0), (l1, c1) = doc.position(start), doc.position(end)
    if l0 == l1:
        return doc.line_text(l0)[c0:c1]
    return doc.line(l0)[c0:] + "".join(doc.lines[l0 + 1 : l1]) + doc.line(l1)[:c1]
