"""A rename ripple checked against the language server before it shows.

The structural engine guesses a rename's other sites from the syntax tree; the server
knows which occurrences are the renamed symbol. After the user renames a declaration, the
old name no longer resolves where the symbol was used: the server reports an error there.
An occurrence the server still resolves is *another* symbol of the same name (a parameter,
an attribute of another class, ...): that site is dropped, and a ripple with no site left
is not shown. When the user renamed a *use* instead (the new name is the one that does not
resolve), the server cannot tell the sites apart this way and the ripple shows as the
engine made it. Without a server, or when the server has not spoken about the current text
within :data:`WAIT` seconds, the ripple shows unchecked.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Callable

from nxedit.model.lsp.diagnostics import Diagnostic

from nxedit.editor.buffer import Buffer
from nxedit.editor.view import motion

if TYPE_CHECKING:
    from nxedit.editor.predictions.controller import Option
    from .features import LanguageFeatures

WAIT = 1.5  # seconds to wait for the server's diagnostics of the text the ripple is for

Done = Callable[[Buffer, "Option", int], None]


class RippleCheck:
    """The predictions controller's ``vet`` hook (see the module doc)."""

    def __init__(self, features: "LanguageFeatures") -> None:
        self.features = features
        self._waiting: list[tuple[Buffer, "Option", Done, int, asyncio.TimerHandle]] = []

    def __call__(self, buffer: Buffer, option: "Option", done: Done) -> None:
        version = buffer.version
        doc = self.features.doc_of(buffer)
        if doc is None or self.features.session_of(doc) is None:
            done(buffer, option, version)  # no server: the engine's guess alone
            return
        if doc.diagnostics_version == version:
            self._decide(buffer, option, done, version)
            return
        timer = asyncio.get_running_loop().call_later(WAIT, self._timed_out, buffer, option)
        self._waiting.append((buffer, option, done, version, timer))

    def diagnostics_arrived(self, buffer: Buffer) -> None:
        for entry in [w for w in self._waiting if w[0] is buffer]:
            _, option, done, version, timer = entry
            self._waiting.remove(entry)
            timer.cancel()
            if buffer.version == version:
                self._decide(buffer, option, done, version)

    def _timed_out(self, buffer: Buffer, option: "Option") -> None:
        for entry in [w for w in self._waiting if w[1] is option]:
            self._waiting.remove(entry)
            entry[2](buffer, option, entry[3])  # the server is slow: show the engine's guess

    def _decide(self, buffer: Buffer, option: "Option", done: Done, version: int) -> None:
        doc = buffer.document
        errors = [d for d in self.features.diagnostics_of(buffer) if d.severity == 1]
        sites = [(piece, _word(buffer, piece.start)) for piece in option.pieces]
        new_names = {_renamed(buffer, piece, word) for piece, word in sites}
        if any(_text(buffer, d) in new_names for d in errors):
            done(buffer, option, version)  # a use was renamed: the server cannot tell the sites apart
            return
        kept = tuple(piece for piece, word in sites if any(_covers(d, doc.position(word[0])) for d in errors))
        if len(kept) == len(option.pieces):
            done(buffer, option, version)
            return
        if not kept:
            line = doc.position(option.pieces[0].start)[0] + 1
            self.features.app.say(f"rename ripple: the name on line {line} is another symbol (the language server)")
            return
        from nxedit.editor.predictions.controller import Option

        done(buffer, Option(option.suggestion, kept, option.record, option.job_id), version)


def _word(buffer: Buffer, offset: int) -> tuple[int, int]:
    return motion.word_at(buffer.document, offset)


def _renamed(buffer: Buffer, piece, word: tuple[int, int]) -> str:
    """The word at a site as the piece would leave it (the new name)."""
    doc = buffer.document
    (line, c0), (_, c1) = doc.position(word[0]), doc.position(word[1])
    text = doc.line_text(line)
    p0, p1 = doc.position(piece.start)[1], doc.position(piece.end)[1]
    return text[c0:p0] + piece.text + text[p1:c1]


def _text(buffer: Buffer, d: Diagnostic) -> str:
    return buffer.document.line_text(d.line)[d.col : d.end_col] if d.line == d.end_line else ""


def _covers(d: Diagnostic, at: tuple[int, int]) -> bool:
    line, col = at
    return d.line == line == d.end_line and d.col <= col < max(d.end_col, d.col + 1)
