"""A rename ripple checked against the language server before it shows, and continued in
the other files the server knows.

The structural engine guesses a rename's other sites from the syntax tree; the server
knows which occurrences are the renamed symbol, but only in the text *before* the rename
(after it, the renamed declaration or use no longer names the symbol). So the server is
asked, once per ripple, for the references at the user's renamed site in the text as it
was (the buffer's text with that one word put back: :meth:`LanguageFeatures.ask_about`).
This holds whether the user renamed the declaration or a use:

* a ripple site that is not among the references is another symbol of the same name (a
  parameter, an attribute of another class, ...) and is dropped; references the engine
  missed in this file are added; a ripple with no site left is not shown;
* references in other files become the rename's continuation: once nothing is left to do
  here, a "Tab ⇥ other.py" label shows and Tab opens that file with its sites as the next
  edit (Tab jumps there, Tab applies), then the next file.

Without a server, when the ripple is not one name renamed near the cursor, or when the
server does not answer within :data:`WAIT` seconds, the ripple shows as the engine made it.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, NamedTuple

from lsprotocol import types as lsp

from nxedit.model.lsp.edits import locations
from nxedit.model.lsp.positions import Encoding, to_server_position
from nxedit.model.predict.suggestion import Suggestion
from nxedit.model.predict.suggestion_diff import Piece

from nxedit.editor.buffer import Buffer
from nxedit.editor.view import motion
from .import_fix import text_between
from .new_names import NameCheck

if TYPE_CHECKING:
    from nxedit.editor.predictions.controller import Option
    from .features import LanguageFeatures

# seconds a ripple waits for the server's references before it shows unchecked: a warm server
# answers in a few hundred ms; one busy indexing a big project (or a whole /tmp) took 5-6 s
# in tmux, and the user's next edit, the headline suggestion, waited that long
WAIT = 1.5
RENAME = "structural:rename"
SOURCE = "lsp:rename"  # a ripple's sites in another file, from the server's references
CONFIDENCE = 0.9
SEARCH_LINES = 400  # how far from the cursor the user's renamed site is looked for
MAX_FILES = 20  # other files offered one after another (a huge rename is the F2 command's)

Done = Callable[[Buffer, "Option | None", int], None]


class Rename(NamedTuple):
    """The user's rename at the cursor: ``old`` became ``new`` at ``[start, start+len(new))``."""

    start: int
    old: str
    new: str


class RippleCheck:
    """The predictions controller's ``vet`` hook (see the module doc)."""

    def __init__(self, features: "LanguageFeatures") -> None:
        self.features = features
        self.names = NameCheck(features)

    def __call__(self, buffer: Buffer, option: "Option", done: Done) -> None:
        if option.suggestion.source != RENAME:
            self.names(buffer, option, done)
            return
        version = buffer.version
        rename = rename_at_cursor(buffer, option.pieces)
        if rename is None:
            done(buffer, option, version)
            return
        doc = buffer.document
        line, col = doc.position(rename.start)
        old_text = buffer.text
        old_text = old_text[: rename.start] + rename.old + old_text[rename.start + len(rename.new):]
        state = {"decided": False}

        def decide(result: Any, answered: bool) -> None:
            if state["decided"]:
                return
            state["decided"] = True
            timer.cancel()
            if not answered or buffer.version != version:
                done(buffer, option, version)  # unchecked (or stale: the controller drops it)
                return
            self._decide(buffer, option, done, version, rename, result, state["encoding"])

        def make_params(d, session) -> lsp.ReferenceParams:
            return lsp.ReferenceParams(
                text_document=lsp.TextDocumentIdentifier(d.uri), context=lsp.ReferenceContext(include_declaration=True),
                position=to_server_position(doc.line_text, line, col, session.encoding))

        timer = asyncio.get_running_loop().call_later(WAIT, lambda: decide(None, False))

        def answered(result: Any, d, session) -> None:
            state["encoding"] = session.encoding
            decide(result, result is not None)

        if not self.features.ask_about(buffer, old_text, lsp.TEXT_DOCUMENT_REFERENCES, make_params, answered):
            decide(None, False)

    def _decide(self, buffer: Buffer, option: "Option", done: Done, version: int, rename: Rename,
                result: Any, encoding: Encoding) -> None:
        from nxedit.editor.predictions.controller import Option

        doc = buffer.document
        here = buffer.path.resolve() if buffer.path else None
        u_line, u_col = doc.position(rename.start)
        shift = len(rename.new) - len(rename.old)
        sites: set[int] = set()
        elsewhere: dict[Path, list[lsp.Range]] = {}
        for path, rng in locations(result):
            if path.resolve() != here:
                elsewhere.setdefault(path, []).append(rng)
                continue
            line = rng.start.line
            if line >= doc.line_count:
                continue
            text = doc.line_text(line)
            if line == u_line:  # the old text's line: the old name at the renamed site
                text = text[:u_col] + rename.old + text[u_col + len(rename.new):]
            col = encoding.from_server(text, rng.start.character)
            if line == u_line and col == u_col:
                continue  # the user's own site
            if line == u_line and col > u_col:
                col += shift
            sites.add(doc.offset(line, col))
        kept = [p for p in option.pieces if motion.word_at(doc, p.start)[0] in sites]
        covered = {motion.word_at(doc, p.start)[0] for p in kept}
        missed = [Piece(s, s + len(rename.old), rename.new) for s in sites - covered
                  if text_between(doc, s, s + len(rename.old)) == rename.old]  # references the engine missed
        pieces = tuple(sorted(kept + missed, key=lambda p: p.start))
        for path in sorted(elsewhere)[:MAX_FILES]:
            self._continue_in(path, elsewhere[path], rename, encoding)
        if not pieces:
            if len(kept) < len(option.pieces) and not elsewhere:
                line = doc.position(option.pieces[0].start)[0] + 1
                self.features.app.say(f"rename ripple: the name on line {line} is another symbol (the language server)")
            done(buffer, None, version)
            return
        done(buffer, Option(option.suggestion, pieces, option.record, option.job_id), version)

    def _continue_in(self, path: Path, ranges: list[lsp.Range], rename: Rename, encoding: Encoding) -> None:
        """Queue the rename's sites in ``path`` as an edit after this file's."""
        app = self.features.app
        label = path.name
        label += f" ({len(ranges)} {rename.old} → {rename.new})"

        def go() -> None:
            buffer = app.open_path(path)
            predictions = app.predictions
            if buffer is None or predictions is None:
                return
            doc = buffer.document
            pieces = []
            for rng in sorted(ranges, key=lambda r: (r.start.line, r.start.character)):
                if rng.start.line >= doc.line_count:
                    continue
                start = doc.offset(rng.start.line, encoding.from_server(doc.line_text(rng.start.line), rng.start.character))
                if text_between(doc, start, start + len(rename.old)) == rename.old:  # not changed since
                    pieces.append(Piece(start, start + len(rename.old), rename.new))
            if not pieces:
                app.say(f"{path.name}: nothing left to rename")
                return
            predictions.offer_fix(Suggestion((), SOURCE, CONFIDENCE, version=buffer.version), tuple(pieces))

        app.predictions.offer_further(label, go)


def rename_at_cursor(buffer: Buffer, pieces: tuple[Piece, ...]) -> Rename | None:
    """The rename a ripple continues, read from the text: every piece turns the old name
    into the new one, and the user's renamed site is the new name at the cursor (or the
    nearest one: after Tab applied part of a ripple the cursor is past it). None when the
    ripple is not that."""
    doc = buffer.document
    olds, news = set(), set()
    for piece in pieces:
        w0, w1 = motion.word_at(doc, piece.start)
        if piece.end > w1:
            return None
        olds.add(text_between(doc, w0, w1))
        news.add(_renamed(doc, piece, w0, w1))
    if len(olds) != 1 or len(news) != 1:
        return None
    old, new = olds.pop(), news.pop()
    if old == new or not old.isidentifier() or not new.isidentifier():
        return None
    start = _nearest(doc, buffer.cursor[0], new)
    return None if start is None else Rename(start, old, new)


def _nearest(doc, line: int, name: str) -> int | None:
    """The offset of ``name`` as a whole word nearest ``line`` (within :data:`SEARCH_LINES`)."""
    word = re.compile(rf"(?<![\w]){re.escape(name)}(?![\w])")
    for distance in range(SEARCH_LINES):
        for at in {line - distance, line + distance}:
            if 0 <= at < doc.line_count:
                found = word.search(doc.line_text(at))
                if found:
                    return doc.offset(at, found.start())
    return None


def _renamed(doc, piece: Piece, w0: int, w1: int) -> str:
    """The word ``[w0, w1)`` as the piece would leave it (the new name)."""
    return text_between(doc, w0, piece.start) + piece.text + text_between(doc, piece.end, w1)
