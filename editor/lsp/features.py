"""The editor's side of the language servers: which buffer talks to which server, the
document sync, diagnostics, and the requests the commands make.

Runs on the UI thread and never waits: an edit becomes a ``didChange`` notification
(computed from the edit alone, O(change)) handed to the server thread; answers come back
as calls on this thread. A buffer whose server is starting is opened (with its whole
text) once the server is ready, and again after a restart.
"""

from __future__ import annotations

import asyncio
import heapq
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from lsprotocol import types as lsp

from nxedit.model.lsp.diagnostics import Diagnostic, convert, on_line
from nxedit.model.lsp.edits import path_of, uri_of
from nxedit.model.lsp.hub import LanguageServers, ServerKey, Ticket
from nxedit.model.lsp.positions import change_events, to_server_position
from nxedit.model.lsp.servers import LANGUAGE_IDS, server_table
from nxedit.model.lsp.session import ServerSession
from nxedit.model.predict.request import SEVERITIES, Problem, one_line

from nxedit.editor.buffer import Buffer, BufferEdit
from .completion import Completion
from .import_fix import ImportFix
from .ripple import RippleCheck
from .layer import DiagnosticLayer
from .popup import Popup

if TYPE_CHECKING:
    from nxedit.editor.app import EditorApp


MAX_DOCUMENT = 4 << 20  # characters: bigger files are not given to a server
PROMPT_PROBLEMS = 3  # diagnostics nearest the cursor that go into a model's prompt


@dataclass(eq=False)
class Doc:
    """A buffer as one server knows it."""

    buffer: Buffer
    key: ServerKey
    uri: str
    language_id: str
    listener: Callable[[BufferEdit], None]
    generation: int = 0  # the server start it was opened in (0: not open)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    raw: list[dict] = field(default_factory=list)  # as the server sent them (code actions ask with them)
    diagnostics_version: int = -1  # the buffer version the diagnostics are for
    offset: int = 0  # the server's version of the text is the buffer's plus this (see ask_about)
    borrowed: bool = False  # the server holds another text for one request (ask_about)


class LanguageFeatures:
    """Buffers <-> servers (see the module doc); the commands live in the modules beside."""

    def __init__(self, app: "EditorApp") -> None:
        self.app = app
        table, messages = server_table(app.config.sections)
        for message in messages:
            app.say(message, error=True)
        self.hub = LanguageServers(table, self._post_from(asyncio.get_running_loop()), self)
        self.docs: dict[int, Doc] = {}
        self.sessions: dict[ServerKey, tuple[int, ServerSession]] = {}
        self.layer = DiagnosticLayer(self)
        self.on_diagnostics: list[Callable[[Buffer], None]] = []  # tests and the status line listen
        self.jumps: list[tuple[Path, int]] = []  # where definition/reference jumps started (go back)
        self.undo_groups: list = []  # multi-file edits that undo as one step (workspace_edit)
        options = app.config.sections.get("lsp", {})
        self.completion = Completion(self, auto=bool(options.get("auto_complete", True))
                                     if isinstance(options, dict) else True)
        self.import_fix = ImportFix(self)
        self.popup = Popup(self)  # hover and signature help at the cursor
        self.ripple = RippleCheck(self)
        self.on_diagnostics.append(self.import_fix.diagnostics_arrived)
        if app.predictions is not None:
            app.predictions.vet = self.ripple  # structural suggestions are checked with the server first
            app.predictions.problems = self.nearest_problems  # and the model's prompt carries its word
        self._closed = False

    def _post_from(self, loop: asyncio.AbstractEventLoop):
        def post(fn: Callable[..., Any], *args: Any) -> None:
            if self._closed:
                return
            try:
                loop.call_soon_threadsafe(self._guarded, fn, args)
            except RuntimeError:  # the app's loop has closed
                pass

        return post

    def _guarded(self, fn: Callable[..., Any], args: tuple) -> None:
        if self._closed:
            return
        try:
            fn(*args)
        except Exception as exc:  # an odd answer must never take the editor down
            self.app.say(f"language server: {type(exc).__name__}: {exc}"[:200], error=True)

    # -- buffers ------------------------------------------------------------------------

    def watch(self, buffer: Buffer) -> None:
        """Give ``buffer`` to its language's server (started if need be)."""
        if id(buffer) in self.docs or buffer.path is None or not buffer.language_id:
            return
        if buffer.limits is not None and buffer.limits.no_predict:  # a huge file (view/limits.py):
            return  # every key would send megabytes to the server
        if len(buffer.document) > MAX_DOCUMENT:
            # its didOpen alone would hold the UI thread (and servers choke on such files)
            self.app.say(f"{buffer.name} is too big for a language server ({len(buffer.document) >> 20} MB)")
            return
        key = self.hub.key_for(buffer.path, buffer.language_id)
        if key is None:
            return
        doc = Doc(buffer, key, uri_of(buffer.path), LANGUAGE_IDS.get(buffer.language_id, buffer.language_id),
                  lambda event: self._edited(doc, event))
        self.docs[id(buffer)] = doc
        buffer.listeners.append(doc.listener)
        if key in self.sessions:
            self._open(doc)
        else:
            self.hub.ensure(key)

    def closed(self, buffer: Buffer) -> None:
        doc = self.docs.pop(id(buffer), None)
        if doc is None:
            return
        if doc.listener in buffer.listeners:
            buffer.listeners.remove(doc.listener)
        if doc.generation:
            self.hub.notify(doc.key, doc.generation, lsp.TEXT_DOCUMENT_DID_CLOSE,
                            lsp.DidCloseTextDocumentParams(lsp.TextDocumentIdentifier(doc.uri)))
        self.layer.changed()

    def saved(self, buffer: Buffer) -> None:
        doc = self.docs.get(id(buffer))
        if doc is not None and buffer.path is not None and uri_of(buffer.path) != doc.uri:
            self.closed(buffer)  # saved under another name: a new document for the server
            doc = None
        if doc is None:
            self.watch(buffer)
            return
        if doc.generation:
            self.hub.notify(doc.key, doc.generation, lsp.TEXT_DOCUMENT_DID_SAVE,
                            lsp.DidSaveTextDocumentParams(lsp.TextDocumentIdentifier(doc.uri)))

    def close(self) -> None:
        """Quit: shut the servers down (a few seconds at most)."""
        self._closed = True
        self.completion.close()
        self.popup.close()
        self.hub.close()

    def doc_of(self, buffer: Buffer) -> Doc | None:
        return self.docs.get(id(buffer))

    def session_of(self, doc: Doc) -> ServerSession | None:
        """The server session ``doc`` is open in, or None while it starts."""
        ready = self.sessions.get(doc.key)
        return ready[1] if ready and doc.generation == ready[0] else None

    def _open(self, doc: Doc) -> None:
        generation, session = self.sessions[doc.key]
        doc.generation = generation
        self.hub.notify(doc.key, generation, lsp.TEXT_DOCUMENT_DID_OPEN, lsp.DidOpenTextDocumentParams(
            lsp.TextDocumentItem(uri=doc.uri, language_id=doc.language_id, version=doc.buffer.version + doc.offset,
                                 text=doc.buffer.text)))

    def _edited(self, doc: Doc, event: BufferEdit) -> None:
        self.completion.edited(event)
        session = self.session_of(doc)
        if session is None or doc.borrowed:
            return  # opened with its whole text once the server is ready (or given it back, ask_about)
        document = doc.buffer.document
        events = None
        if session.sync_kind == lsp.TextDocumentSyncKind.Incremental:
            events = change_events(event.changes, document.line_text, session.encoding)
        elif session.sync_kind == lsp.TextDocumentSyncKind.None_:
            return
        if events is None:
            events = [lsp.TextDocumentContentChangeWholeDocument(text=document.text)]
        self.hub.notify(doc.key, doc.generation, lsp.TEXT_DOCUMENT_DID_CHANGE, lsp.DidChangeTextDocumentParams(
            lsp.VersionedTextDocumentIdentifier(version=event.version + doc.offset, uri=doc.uri), events))
        self.popup.edited(event)  # after the change went: a signature asked for sees it
        if doc.diagnostics and not all(c.within_line for c in event.changes):
            self._shift_diagnostics(doc, event)

    def _shift_diagnostics(self, doc: Doc, event: BufferEdit) -> None:
        """Lines added or removed move the diagnostics below them until the server's next
        word (which replaces them all)."""
        first = min(c.start_line for c in event.changes)
        delta = sum(c.inserted.count("\n") - c.deleted.count("\n") for c in event.changes)
        if delta:
            doc.diagnostics = [d._replace(line=d.line + delta, end_line=d.end_line + delta) if d.line > first else d
                               for d in doc.diagnostics]
            self.layer.changed()

    # -- what the servers say (HubEvents) -----------------------------------------------

    def server_ready(self, key: ServerKey, generation: int, session: ServerSession) -> None:
        self.sessions[key] = (generation, session)
        for doc in list(self.docs.values()):
            if doc.key == key:
                self._open(doc)

    def server_gone(self, key: ServerKey) -> None:
        self.sessions.pop(key, None)
        for doc in self.docs.values():
            if doc.key == key:
                doc.generation, doc.borrowed = 0, False
                doc.diagnostics, doc.raw = [], []
        self.layer.changed()
        self._diagnostics_changed(self.app.buffer)

    def diagnostics(self, key: ServerKey, params: dict) -> None:
        """``publishDiagnostics`` (plain JSON): converted for the buffer it is about, unless
        it is for an older version of the text (the server publishes again)."""
        uri = params["uri"]
        path = path_of(uri)
        doc = next((d for d in self.docs.values() if d.key == key and d.uri == uri), None)
        if doc is None and path is not None:  # the server may spell the URI its own way
            doc = next((d for d in self.docs.values() if d.key == key and d.buffer.path is not None
                        and d.buffer.path.resolve() == path.resolve()), None)
        if doc is None or key not in self.sessions or doc.borrowed:
            return
        version = params.get("version")
        if version is not None and version - doc.offset != doc.buffer.version:
            return  # for an older text: its positions would be off; the server sends again
        session = self.sessions[key][1]
        items = params.get("diagnostics")
        doc.raw = items if isinstance(items, list) else []
        doc.diagnostics = convert(doc.buffer.document, doc.raw, session.encoding)
        doc.diagnostics_version = doc.buffer.version
        self.layer.changed()
        self._diagnostics_changed(doc.buffer)

    def _diagnostics_changed(self, buffer: Buffer) -> None:
        for listener in list(self.on_diagnostics):
            listener(buffer)
        if buffer is self.app.buffer:
            self.cursor_moved()

    def say(self, message: str, error: bool) -> None:
        self.app.say(message, error=error)

    def apply_edit(self, edit: lsp.WorkspaceEdit, reply: Callable[[bool], None]) -> None:
        from .workspace_edit import apply_workspace_edit

        reply(apply_workspace_edit(self, edit, "code action"))

    # -- the cursor ---------------------------------------------------------------------

    def diagnostics_of(self, buffer: Buffer) -> list[Diagnostic]:
        doc = self.docs.get(id(buffer))
        return doc.diagnostics if doc else []

    def nearest_problems(self, buffer: Buffer, count: int = PROMPT_PROBLEMS) -> tuple[Problem, ...]:
        """The diagnostics nearest the cursor (errors before warnings on a tie), for a
        model's prompt; none for a private file (the caller checks that too)."""
        doc = self.docs.get(id(buffer))
        recording = self.app.recording
        if doc is None or not doc.diagnostics or recording is None or recording.is_private(buffer):
            return ()
        line = buffer.cursor[0]
        near = heapq.nsmallest(count, doc.diagnostics, key=lambda d: (abs(d.line - line), d.severity))
        return tuple(Problem(d.line, SEVERITIES[min(max(d.severity, 1), 4) - 1], one_line(d.message)) for d in near)

    def buffer_shown(self) -> None:
        self.completion.close()
        self.popup.close()
        self.layer.changed()
        self.cursor_moved()

    def cursor_moved(self) -> None:
        """The status line shows the diagnostic of the cursor's line (the most severe);
        the completion menu closes when the cursor leaves its word."""
        buffer = self.app.buffer
        if self.completion.visible and self.completion.prefix() is None:
            self.completion.close()
        self.popup.cursor_moved()
        found = on_line(self.diagnostics_of(buffer), buffer.cursor[0])
        self.app.status.show_diagnostic(found[0].summary() if found else "", bool(found) and found[0].severity == 1)

    # -- requests -----------------------------------------------------------------------

    def ask(self, method: str, make_params: Callable[[Doc, ServerSession, lsp.Position], Any],
            done: Callable[[Any, Doc, ServerSession], None], capability: str, what: str,
            quiet: bool = False) -> Ticket | None:
        """Ask the current buffer's server; ``done(result, doc, session)`` runs with the
        answer (failures are one line in the status line)."""
        buffer = self.app.buffer
        doc = self.docs.get(id(buffer))
        session = self.session_of(doc) if doc else None
        if doc is None:
            if not quiet:
                self.app.say(f"no language server for this file ({what} needs one)")
            return None
        if session is None:
            if not quiet:
                self.app.say(f"{doc.key.server} is starting; try again in a moment")
            return None
        if not session.supports(capability):
            if not quiet:
                self.app.say(f"{doc.key.server} does not offer {what}")
            return None
        line, col = buffer.cursor
        position = to_server_position(buffer.document.line_text, line, col, session.encoding)

        def answered(result: Any, error: str | None) -> None:
            if error is not None:
                if not quiet:
                    self.app.say(error, error=True)
                return
            done(result, doc, session)

        return self.hub.request(doc.key, method, make_params(doc, session, position), answered)

    def ask_about(self, buffer: Buffer, text: str, method: str, make_params: Callable[[Doc, ServerSession], Any],
                  done: Callable[[Any, Doc, ServerSession], None]) -> bool:
        """Ask the server about ``text`` in place of ``buffer``'s own: a rename ripple asks
        for the references of the name *before* the user's rename, which only the old text
        has (the renamed declaration, the uses in other files). The server holds ``text``
        (versions stay increasing: ``doc.offset``) for the one request and gets the buffer's
        text back after it; edits meanwhile reach it with that, diagnostics meanwhile are
        dropped. ``done(result or None, doc, session)``; False without a ready server."""
        doc = self.docs.get(id(buffer))
        session = self.session_of(doc) if doc else None
        if doc is None or session is None or doc.borrowed or session.sync_kind == lsp.TextDocumentSyncKind.None_:
            return False
        generation = doc.generation

        def give(whole: str) -> None:
            doc.offset += 1
            self.hub.notify(doc.key, generation, lsp.TEXT_DOCUMENT_DID_CHANGE, lsp.DidChangeTextDocumentParams(
                lsp.VersionedTextDocumentIdentifier(version=buffer.version + doc.offset, uri=doc.uri),
                [lsp.TextDocumentContentChangeWholeDocument(text=whole)]))

        def answered(result: Any, error: str | None) -> None:
            if doc.borrowed and doc.generation == generation:
                give(buffer.text)  # its own text back (a restarted server was opened with it)
            doc.borrowed = False
            done(None if error else result, doc, session)

        doc.borrowed = True
        give(text)
        self.hub.request(doc.key, method, make_params(doc, session), answered)
        return True

    def buffer_at(self, path: Path) -> Buffer | None:
        target = path.resolve()
        return next((b for b in self.app.buffers if b.path is not None and b.path.resolve() == target), None)
