"""The language servers of one editor session, on a thread of their own.

The editor (on its UI thread) calls the methods of :class:`LanguageServers`; each returns
at once, having handed the work to the ``nxedit-lsp`` thread's event loop, so typing
never waits on a server. Answers and what servers say come back through ``post`` (which
runs a function on the UI thread) to a :class:`HubEvents`.

Servers start lazily, one per server and project root, when the first document needs
one. A server that cannot start, exits, hangs (a request unanswered within its timeout)
or talks garbage costs one sanitised line, and is restarted with backoff (1, 2, 4, 8 s);
after :data:`MAX_RESTARTS` failures in a row it stays off for the session. Each start has
a *generation*: messages the editor sent for an older one are dropped, and ``ready``
tells the editor to open its documents again.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any, Callable, NamedTuple, Protocol

from lsprotocol import types as lsp

from nxedit.model.project import project_root

from .servers import ServerSpec, ServerTable
from .session import ServerFailed, ServerSession

MAX_RESTARTS = 4
BACKOFF = (1.0, 2.0, 4.0, 8.0)
HEALTHY_AFTER = 60.0  # seconds of running that forgive the earlier crashes
MESSAGE_WIDTH = 200


class ServerKey(NamedTuple):
    server: str
    root: str


class HubEvents(Protocol):
    """What the editor hears from its servers (always on the UI thread)."""

    def server_ready(self, key: ServerKey, generation: int, session: ServerSession) -> None: ...

    def server_gone(self, key: ServerKey) -> None: ...

    def diagnostics(self, key: ServerKey, params: lsp.PublishDiagnosticsParams) -> None: ...

    def say(self, message: str, error: bool) -> None: ...

    def apply_edit(self, edit: lsp.WorkspaceEdit, reply: Callable[[bool], None]) -> None: ...


def sanitise(text: str, width: int = MESSAGE_WIDTH) -> str:
    """One line of printable text, at most ``width`` characters (a server's words go to the
    status line: no escape sequences, no newlines)."""
    text = "".join(ch if ch.isprintable() else " " for ch in str(text))
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


class _Server:
    """A server slot: the current session (changes across restarts) and its history."""

    def __init__(self, spec: ServerSpec, root: Path) -> None:
        self.spec = spec
        self.root = root
        self.session: ServerSession | None = None
        self.generation = 0
        self.ready = False
        self.failures = 0
        self.started_at = 0.0
        self.given_up = False
        self.said_garbage = False
        self.restart: asyncio.TimerHandle | None = None


class Ticket:
    """A request on its way; :meth:`cancel` drops its answer and cancels it at the server."""

    def __init__(self) -> None:
        self.cancelled = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._atask: asyncio.Task | None = None

    def cancel(self) -> None:
        self.cancelled = True
        if self._loop is not None and self._atask is not None:
            try:
                self._loop.call_soon_threadsafe(self._atask.cancel)
            except RuntimeError:  # the loop has closed
                pass


class LanguageServers:
    """All servers of the session (see the module doc)."""

    def __init__(self, table: ServerTable, post: Callable[..., None], events: HubEvents) -> None:
        self.table = table
        self.post = post  # post(fn, *args): run fn(*args) on the UI thread
        self.events = events
        self._servers: dict[ServerKey, _Server] = {}
        self._missing_said: set[str] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._closed = False
        self._spec_cache: dict[str | None, ServerSpec | None] = {}

    # -- the thread ---------------------------------------------------------------------

    def _call(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` on the server thread (started on first use)."""
        if self._closed:
            return
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._loop.run_forever, name="nxedit-lsp", daemon=True)
            self._thread.start()
        self._loop.call_soon_threadsafe(fn, *args)

    def _say(self, message: str, error: bool = True) -> None:
        self.post(self.events.say, sanitise(message), error)

    # -- from the editor (UI thread) ----------------------------------------------------

    def key_for(self, path: Path, language: str | None) -> ServerKey | None:
        """The server (and project root) for a file, or None when the language has no
        installed server (said once per language)."""
        if language not in self._spec_cache:
            self._spec_cache[language] = self.table.server_for(language)
            candidates = self.table.candidates(language)
            if self._spec_cache[language] is None and candidates and language not in self._missing_said:
                self._missing_said.add(language or "")
                tried = ", ".join(s.command for s in candidates)
                self.post(self.events.say, sanitise(f"no language server for {language} on PATH (looked for {tried}); "
                                                    "`nxedit doctor` lists them"), False)
        spec = self._spec_cache[language]
        if spec is None:
            return None
        return ServerKey(spec.name, str(project_root(path)))

    def ensure(self, key: ServerKey) -> None:
        """Start the server for ``key`` unless it runs (``server_ready`` follows)."""
        self._call(self._ensure, key)

    def notify(self, key: ServerKey, generation: int, method: str, params: Any) -> None:
        """Send a notification to the server of ``key``, if it still runs that generation."""
        self._call(self._notify, key, generation, method, params)

    def request(self, key: ServerKey, method: str, params: Any, done: Callable[[Any, str | None], None],
                timeout: float | None = None) -> Ticket:
        """Ask the server; ``done(result, None)`` or ``done(None, message)`` runs on the UI
        thread unless the ticket was cancelled first."""
        ticket = Ticket()
        self._call(self._request, key, method, params, done, timeout, ticket)
        return ticket

    def close(self, wait: float = 3.0) -> None:
        """Shut every server down (shutdown, exit, then kill), waiting at most ``wait`` s."""
        if self._loop is None or self._closed:
            self._closed = True
            return
        loop = self._loop
        done = asyncio.run_coroutine_threadsafe(self._stop_all(), loop)
        try:
            done.result(wait)
        except Exception:
            for server in self._servers.values():
                if server.session is not None:
                    loop.call_soon_threadsafe(server.session.kill)
        self._closed = True
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(1.0)

    # -- on the server thread -----------------------------------------------------------

    def _ensure(self, key: ServerKey) -> None:
        server = self._servers.get(key)
        if server is None:
            spec = self.table.servers[key.server]
            server = self._servers[key] = _Server(spec, Path(key.root))
            self._start(server, key)

    def _start(self, server: _Server, key: ServerKey) -> None:
        server.restart = None
        server.generation += 1
        server.ready = False
        session = ServerSession(
            server.spec, server.root,
            on_notice=lambda kind, value, s=server: self._notice(key, s, kind, value),
            on_exit=lambda sess, code, s=server: self._exited(key, s, sess, code),
            on_apply_edit=self._apply_edit,
        )
        server.session = session
        server.started_at = time.monotonic()
        asyncio.ensure_future(self._handshake(key, server, session))

    async def _handshake(self, key: ServerKey, server: _Server, session: ServerSession) -> None:
        try:
            await session.start()
        except ServerFailed as exc:
            self._failed(key, server, session, f"{server.spec.name}: {exc}")
            return
        except Exception as exc:  # a server that answers initialize with nonsense
            self._failed(key, server, session, f"{server.spec.name}: bad answer to initialize ({type(exc).__name__}: {exc})")
            return
        if server.session is session and not session.stopping:
            server.ready = True
            self.post(self.events.server_ready, key, server.generation, session)

    def _notify(self, key: ServerKey, generation: int, method: str, params: Any) -> None:
        server = self._servers.get(key)
        if server is not None and server.ready and server.generation == generation and server.session:
            server.session.notify(method, params)

    def _request(self, key, method, params, done, timeout, ticket: Ticket) -> None:
        server = self._servers.get(key)
        if ticket.cancelled:
            return
        if server is None or not server.ready or server.session is None:
            state = "off for this session" if server and server.given_up else "starting"
            self.post(done, None, f"{key.server} is {state}")
            return
        session = server.session

        async def run() -> None:
            try:
                result = await session.request(method, params, timeout)
            except asyncio.CancelledError:
                return
            except ServerFailed as exc:
                if ticket.cancelled:
                    return
                self.post(done, None, sanitise(str(exc)))
                if "did not answer" in str(exc):
                    self._failed(key, server, session, str(exc))
                return
            except Exception as exc:  # an error answer (JsonRpcException) or one we could not read
                if not ticket.cancelled:
                    self.post(done, None, sanitise(f"{key.server}: {exc}"))
                return
            if not ticket.cancelled:
                self.post(done, result, None)

        ticket._loop = self._loop
        ticket._atask = asyncio.ensure_future(run())

    def _notice(self, key: ServerKey, server: _Server, kind: str, value: Any) -> None:
        if kind == "diagnostics":
            self.post(self.events.diagnostics, key, value)
        elif kind == "message":
            self._say(f"{key.server}: {value}", False)
        elif kind == "garbage" and not server.said_garbage:
            server.said_garbage = True  # once per server: a broken one would flood the status line
            self._say(f"{key.server} sent a message nxedit cannot read ({type(value).__name__}); ignored")

    def _exited(self, key: ServerKey, server: _Server, session: ServerSession, code: int | None) -> None:
        if session.stopping:
            return
        words = session.last_words()
        self._failed(key, server, session, f"{key.server} stopped (exit code {code})" + (f": {words}" if words else ""))

    def _failed(self, key: ServerKey, server: _Server, session: ServerSession, why: str) -> None:
        """``session`` is lost: say why once, and restart later (or give up)."""
        if session.failed or server.session is not session:
            return  # its exit and its failed request both report it
        session.failed = True
        session.kill()
        server.ready = False
        if time.monotonic() - server.started_at > HEALTHY_AFTER:
            server.failures = 0
        server.failures += 1
        self.post(self.events.server_gone, key)
        if server.failures > MAX_RESTARTS:
            server.given_up = True
            self._say(f"{why}; it keeps failing, so it stays off until nxedit restarts")
            return
        delay = BACKOFF[min(server.failures - 1, len(BACKOFF) - 1)]
        # a notification for the first failure only: a server crashing at every start would put
        # one up every few seconds, over the corner where "Tab ⇥ jump to line N" shows
        self._say(f"{why}; restarting in {delay:g} s", server.failures == 1)
        server.restart = asyncio.get_running_loop().call_later(delay, self._start, server, key)

    async def _apply_edit(self, edit: lsp.WorkspaceEdit) -> bool:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[bool] = loop.create_future()

        def reply(ok: bool) -> None:
            loop.call_soon_threadsafe(lambda: answer.done() or answer.set_result(ok))

        self.post(self.events.apply_edit, edit, reply)
        try:
            return await asyncio.wait_for(answer, 30)
        except asyncio.TimeoutError:
            return False

    async def _stop_all(self) -> None:
        sessions = []
        for server in self._servers.values():
            if server.restart is not None:
                server.restart.cancel()
            if server.session is not None:
                sessions.append(server.session.stop())
        if sessions:
            await asyncio.gather(*sessions, return_exceptions=True)

    # -- for tests and the doctor -------------------------------------------------------

    def session_of(self, key: ServerKey) -> ServerSession | None:
        server = self._servers.get(key)
        return server.session if server else None
