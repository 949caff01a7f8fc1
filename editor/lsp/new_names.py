"""A structural suggestion that would add an "undefined name" error is dropped.

The cheap case the server can judge before anything is applied: the names a suggestion
*brings in* (in its new text, not after a dot, and written nowhere within NEAR_LINES lines of
it: a name already in use there is taken as known). When it brings in none, it shows at once. Otherwise one completion request at the suggestion's first site
(at the start of its line: inside an expression, after a string say, servers offer nothing)
asks the server which names are visible there (completion lists every name in scope, the
keywords and builtins included); a name brought in that is not among them would be
undefined at the target, so the suggestion is dropped with one line in the status line.
An empty or missing answer, or none within :data:`WAIT` seconds, proves nothing: the
suggestion shows unchecked. Names in strings and comments of the new text are not counted.
Other errors a suggestion could cause (types, arity) are not judged here.
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any, Callable

from lsprotocol import types as lsp

from nxedit.model.lsp.positions import to_server_position

from nxedit.editor.buffer import Buffer
from .import_fix import text_between

if TYPE_CHECKING:
    from nxedit.editor.predictions.controller import Option
    from .features import LanguageFeatures

WAIT = 1.5  # seconds a suggestion waits for the server's completion list
NEAR_LINES = 100  # a name already written this close is taken as known: no request (a completion
# list on a big module has thousands of items, and reading them costs the UI thread via the GIL)
NAME = re.compile(r"(?<![\w.])[A-Za-z_]\w*")
QUOTED = re.compile(r"\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'|`[^`]*`|(?:#|//).*")

Done = Callable[[Buffer, "Option | None", int], None]


def brought_in(buffer: Buffer, option: "Option") -> list[str]:
    """The names ``option`` writes that are new to the code around it: not in the text it
    replaces, nor anywhere within :data:`NEAR_LINES` lines of it (not after a dot, not in
    strings or comments), in order."""
    doc = buffer.document
    out: list[str] = []
    for piece in option.pieces:
        text = QUOTED.sub(" ", piece.text)
        if piece.start and text_between(doc, piece.start - 1, piece.start) == ".":
            text = re.sub(r"^\w+", "", text)  # a member of what stands before the piece
        out += [n for n in NAME.findall(text) if n not in out]
    if not out:
        return out
    first, last = doc.position(option.pieces[0].start)[0], doc.position(option.pieces[-1].end)[0]
    near = set(NAME.findall("".join(doc.lines[max(0, first - NEAR_LINES) : last + NEAR_LINES + 1])))
    return [n for n in out if n not in near]


class NameCheck:
    """Part of the ``vet`` hook: the suggestions other than renames (see the module doc)."""

    def __init__(self, features: "LanguageFeatures") -> None:
        self.features = features

    def __call__(self, buffer: Buffer, option: "Option", done: Done) -> None:
        version = buffer.version
        names = brought_in(buffer, option)
        doc = self.features.doc_of(buffer)
        session = self.features.session_of(doc) if doc else None
        if not names or session is None or not session.supports("completion_provider"):
            done(buffer, option, version)
            return
        line = buffer.document.position(option.pieces[0].start)[0]
        text = buffer.document.line_text(line)
        col = len(text) - len(text.lstrip())  # where a statement starts: the names in scope there
        state = {"decided": False}

        def decide(visible: set[str] | None) -> None:
            if state["decided"]:
                return
            state["decided"] = True
            timer.cancel()
            missing = [n for n in names if visible and n not in visible]
            if missing and buffer.version == version:
                self.features.app.say(f"next edit dropped: {', '.join(missing[:3])} is not defined on line "
                                      f"{line + 1} (the language server)")
                done(buffer, None, version)
                return
            done(buffer, option, version)

        def answered(result: Any, error: str | None) -> None:
            decide(None if error else _labels(result))

        timer = asyncio.get_running_loop().call_later(WAIT, decide, None)
        params = lsp.CompletionParams(text_document=lsp.TextDocumentIdentifier(doc.uri),
                                      position=to_server_position(buffer.document.line_text, line, col, session.encoding))
        self.features.hub.request(doc.key, lsp.TEXT_DOCUMENT_COMPLETION, params, answered)


def _labels(result: Any) -> set[str] | None:
    """The names a completion answer offers (None when it offers nothing: no proof)."""
    items = result.items if isinstance(result, lsp.CompletionList) else result
    if not items:
        return None
    names = set()
    for item in items:
        if item.additional_text_edits or "import" in (item.detail or "").lower():
            continue  # offered with an import it would need: not visible as it stands
        names.add(item.label)
        if item.filter_text:
            names.add(item.filter_text)
    return names
