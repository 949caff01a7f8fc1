"""One running language server: its process, the ``initialize`` handshake, and the
messages both ways, on pygls's client with lsprotocol's types.

Everything here runs on the language-server thread's event loop (:mod:`.hub`); nothing
touches the editor. What the server says on its own (diagnostics, messages, edits it asks
to apply) goes to the callbacks the hub gives.
"""

from __future__ import annotations

import asyncio
import re
import itertools
import logging
import os
import signal
import typing
from collections import deque
from pathlib import Path
from typing import Any, Callable

from lsprotocol import types as lsp
from pygls.io_ import run_async
from pygls.lsp.client import LanguageClient
from pygls.protocol import JsonRPCNotification, LanguageServerProtocol, default_converter

from .positions import Encoding
from .servers import ServerSpec

# pygls logs every message it cannot read, with a traceback, at ERROR: the hub says it in one line
logging.getLogger("pygls").setLevel(logging.CRITICAL)

CLIENT_NAME = "nxedit"
_ids = itertools.count(1)  # request ids, unique in the process (pygls's own are uuids)
# a line that reports the failure itself (not a frame of a backtrace after it)
_ERROR_LINE = re.compile(r"\s*(error\b|fatal\b|panic|thread '.*' panicked|[\w.]*(error|exception):)", re.IGNORECASE)
STDERR_LINES = 20  # the last lines a server wrote to stderr, for the message when it dies
SHUTDOWN_WAIT = 1.0  # seconds for the shutdown answer, and again for the process to exit


class ServerFailed(Exception):
    """The server could not start, died, or did not answer in time."""


def _converter():
    """pygls's converter, able to read every server's capabilities: lsprotocol 2025.0 has no
    hook for a notebook selector that gives only ``cells`` (ty and basedpyright send one),
    and an editor of plain files has no use for notebook sync anyway."""
    converter = default_converter()
    notebook_sync = typing.Optional[typing.Union[lsp.NotebookDocumentSyncOptions,
                                                 lsp.NotebookDocumentSyncRegistrationOptions]]
    converter.register_structure_hook(notebook_sync, lambda obj, _: None)
    # pygls turns an untyped notification's params into namedtuples (a new class per object,
    # after a JSON round trip): keep them as the plain JSON they are (see _Protocol)
    converter.register_structure_hook(JsonRPCNotification, lambda obj, cls: cls(**obj))
    return converter


class _Protocol(LanguageServerProtocol):
    """Leaves ``publishDiagnostics`` as plain JSON: a big file's thousands of diagnostics,
    published after every change, would cost this thread (and, through the GIL, the UI)
    tens of milliseconds of cattrs each time, and the editor drops those for an older
    version unread."""

    def get_message_type(self, method: str):
        if method == lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS:
            return None
        return super().get_message_type(method)


class _Client(LanguageClient):
    """pygls's client, with the server's stderr read (a chatty server must never stall on a
    full pipe) and its own process group (so stopping it stops its children too)."""

    def __init__(self, on_exit: Callable[[int | None], None], on_garbage: Callable[[Exception], None]) -> None:
        super().__init__(CLIENT_NAME, "0.1", protocol_cls=_Protocol, converter_factory=_converter)
        self._on_exit = on_exit
        self._on_garbage = on_garbage
        self.stderr_tail: deque[str] = deque(maxlen=STDERR_LINES)
        self.last_error = ""  # kept apart: a backtrace after it may push it out of the tail

    async def start_process(self, argv: list[str], cwd: str) -> None:
        server = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            cwd=cwd, start_new_session=True,
        )
        self.protocol.set_writer(server.stdin)  # type: ignore[arg-type]
        self._server = server
        self._async_tasks.extend([
            asyncio.create_task(run_async(stop_event=self._stop_event, reader=server.stdout,  # type: ignore[arg-type]
                                          protocol=self.protocol, error_handler=self._report)),
            asyncio.create_task(self._server_exit()),
            asyncio.create_task(self._drain(server.stderr)),
        ])

    async def _drain(self, stream: asyncio.StreamReader | None) -> None:
        while stream is not None:
            line = await stream.readline()
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip()
            self.stderr_tail.append(text)
            if _ERROR_LINE.match(text):
                self.last_error = text

    def _report(self, error: Exception, source: Any) -> None:
        self._on_garbage(error)

    async def server_exit(self, server: asyncio.subprocess.Process) -> None:
        self._on_exit(server.returncode)

    @property
    def process(self) -> asyncio.subprocess.Process | None:
        return self._server


def client_capabilities() -> lsp.ClientCapabilities:
    """What nxedit understands; UTF-32 columns first (no conversion at all)."""
    kinds = [k for k in lsp.CodeActionKind]
    return lsp.ClientCapabilities(
        general=lsp.GeneralClientCapabilities(
            position_encodings=[lsp.PositionEncodingKind.Utf32, lsp.PositionEncodingKind.Utf16]),
        text_document=lsp.TextDocumentClientCapabilities(
            synchronization=lsp.TextDocumentSyncClientCapabilities(did_save=True),
            publish_diagnostics=lsp.PublishDiagnosticsClientCapabilities(version_support=True),
            hover=lsp.HoverClientCapabilities(content_format=[lsp.MarkupKind.PlainText, lsp.MarkupKind.Markdown]),
            completion=lsp.CompletionClientCapabilities(
                completion_item=lsp.ClientCompletionItemOptions(snippet_support=False)),
            definition=lsp.DefinitionClientCapabilities(link_support=True),
            references=lsp.ReferenceClientCapabilities(),
            rename=lsp.RenameClientCapabilities(prepare_support=True),
            code_action=lsp.CodeActionClientCapabilities(
                code_action_literal_support=lsp.ClientCodeActionLiteralOptions(
                    code_action_kind=lsp.ClientCodeActionKindOptions(value_set=kinds)),
                resolve_support=lsp.ClientCodeActionResolveOptions(properties=["edit"]),
                data_support=True),
        ),
        workspace=lsp.WorkspaceClientCapabilities(
            apply_edit=True, configuration=True, workspace_folders=True,
            workspace_edit=lsp.WorkspaceEditClientCapabilities(document_changes=True),
            did_change_configuration=lsp.DidChangeConfigurationClientCapabilities(),
        ),
    )


def settings_section(settings: dict, section: str | None) -> Any:
    """The part of ``settings`` a ``workspace/configuration`` item asks for ("a.b.c")."""
    value: Any = settings
    for part in (section.split(".") if section else []):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


class ServerSession:
    """One server process for one project root (see the module doc)."""

    def __init__(
        self,
        spec: ServerSpec,
        root: Path,
        on_notice: Callable[[str, Any], None],
        on_exit: Callable[["ServerSession", int | None], None],
        on_apply_edit: Callable[[lsp.WorkspaceEdit], "asyncio.Future[bool]"],
    ) -> None:
        self.spec = spec
        self.root = root
        self.encoding = Encoding("utf-16")
        self.capabilities: lsp.ServerCapabilities | None = None
        self.stopping = False
        self.failed = False  # the hub has reported its loss
        self.garbage = 0  # messages from the server that could not be read
        self._on_notice = on_notice
        self._on_exit = on_exit
        self._on_apply_edit = on_apply_edit
        self.client = _Client(lambda code: on_exit(self, code), self._garbage)
        self._register_handlers()

    @property
    def name(self) -> str:
        return self.spec.name

    def _garbage(self, error: Exception) -> None:
        self.garbage += 1
        self._on_notice("garbage", error)

    def _register_handlers(self) -> None:
        client = self.client
        notice = self._on_notice

        @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def diagnostics(ls, params: dict) -> None:  # plain JSON (see _Protocol)
            if isinstance(params, dict) and isinstance(params.get("uri"), str):
                notice("diagnostics", params)

        @client.feature(lsp.WINDOW_SHOW_MESSAGE)
        def show_message(ls, params: lsp.ShowMessageParams) -> None:
            if params.type in (lsp.MessageType.Error, lsp.MessageType.Warning):
                notice("message", params.message)

        @client.feature(lsp.WINDOW_LOG_MESSAGE)
        def log_message(ls, params) -> None:
            pass  # servers log a lot; nothing of it is for the user

        @client.feature(lsp.WORKSPACE_CONFIGURATION)
        def configuration(ls, params: lsp.ConfigurationParams) -> list[Any]:
            return [settings_section(dict(self.spec.settings), item.section) for item in params.items]

        @client.feature(lsp.CLIENT_REGISTER_CAPABILITY)
        def register(ls, params) -> None:
            return None

        @client.feature(lsp.CLIENT_UNREGISTER_CAPABILITY)
        def unregister(ls, params) -> None:
            return None

        @client.feature(lsp.WINDOW_WORK_DONE_PROGRESS_CREATE)
        def progress(ls, params) -> None:
            return None

        @client.feature(lsp.PROGRESS)
        def progress_report(ls, params) -> None:
            pass

        @client.feature(lsp.WORKSPACE_APPLY_EDIT)
        async def apply_edit(ls, params: lsp.ApplyWorkspaceEditParams) -> lsp.ApplyWorkspaceEditResult:
            applied = await self._on_apply_edit(params.edit)
            return lsp.ApplyWorkspaceEditResult(applied=applied)

    # -- life -------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the process and do the handshake; raises ServerFailed."""
        argv = self.spec.argv()
        try:
            await self.client.start_process(argv, str(self.root))
        except OSError as exc:
            raise ServerFailed(f"cannot start {argv[0]}: {exc.strerror or exc}") from None
        uri = self.root.as_uri()
        params = lsp.InitializeParams(
            process_id=os.getpid(),
            client_info=lsp.ClientInfo(name=CLIENT_NAME),
            root_uri=uri,
            root_path=str(self.root),
            workspace_folders=[lsp.WorkspaceFolder(uri=uri, name=self.root.name or str(self.root))],
            capabilities=client_capabilities(),
            initialization_options=dict(self.spec.settings) or None,
        )
        result = await self.request(lsp.INITIALIZE, params, self.spec.timeout)
        self.capabilities = result.capabilities
        self.encoding = Encoding(str(result.capabilities.position_encoding or "utf-16"))
        self.client.protocol.notify(lsp.INITIALIZED, lsp.InitializedParams())
        if self.spec.settings:
            self.notify(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION,
                        lsp.DidChangeConfigurationParams(settings=dict(self.spec.settings)))

    @property
    def sync_kind(self) -> lsp.TextDocumentSyncKind:
        sync = self.capabilities.text_document_sync if self.capabilities else None
        if isinstance(sync, lsp.TextDocumentSyncOptions):
            return sync.change or lsp.TextDocumentSyncKind.None_
        return sync if isinstance(sync, lsp.TextDocumentSyncKind) else lsp.TextDocumentSyncKind.Full

    def supports(self, capability: str) -> bool:
        """Whether the server offers ``capability`` (a ServerCapabilities attribute)."""
        value = getattr(self.capabilities, capability, None) if self.capabilities else None
        return value is not None and value is not False

    def notify(self, method: str, params: Any) -> None:
        if not self.client.stopped:
            self.client.protocol.notify(method, params)

    async def request(self, method: str, params: Any, timeout: float | None = None) -> Any:
        """Send a request and wait for its answer. On timeout the request is cancelled at
        the server and ServerFailed is raised; cancelling the waiting task cancels it too."""
        if self.client.stopped:
            raise ServerFailed(f"{self.name} is not running")
        msg_id = f"nx{next(_ids)}"
        future = asyncio.wrap_future(self.client.protocol.send_request(method, params, msg_id=msg_id))
        try:
            return await asyncio.wait_for(future, timeout or self.spec.timeout)
        except asyncio.TimeoutError:
            self._cancel(msg_id)
            raise ServerFailed(f"{self.name} did not answer {method} within {timeout or self.spec.timeout:g} s") from None
        except asyncio.CancelledError:
            self._cancel(msg_id)
            raise
        except RuntimeError as exc:  # pygls fails the pending requests of a server that exited
            raise ServerFailed(str(exc)) from None

    def _cancel(self, msg_id: str) -> None:
        self.client.protocol._request_futures.pop(msg_id, None)
        self.notify(lsp.CANCEL_REQUEST, lsp.CancelParams(id=msg_id))

    async def stop(self) -> None:
        """Ask the server to shut down and exit; kill it when it does not."""
        self.stopping = True
        process = self.client.process
        if process is None:
            return
        if process.returncode is None and not self.client.stopped:
            try:
                await self.request(lsp.SHUTDOWN, None, SHUTDOWN_WAIT)
                self.notify(lsp.EXIT, None)
                await asyncio.wait_for(process.wait(), SHUTDOWN_WAIT)
            except (ServerFailed, asyncio.TimeoutError, ConnectionError):
                pass
        self.kill()
        self.client._stop_event.set()

    def kill(self) -> None:
        """Stop the process (and its children) at once."""
        self.stopping = True
        process = self.client.process
        if process is not None and process.returncode is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                try:
                    process.kill()
                except ProcessLookupError:
                    pass

    def structure(self, data: Any, kind: type) -> Any:
        """Plain JSON from the server as an lsprotocol value (a diagnostic for a code action)."""
        return self.client.protocol._converter.structure(data, kind)

    def last_words(self) -> str:
        """What the server said about its end, for the crash message: the last line of
        stderr that says error (rustup's proxy: "error: Unknown binary 'rust-analyzer' ...",
        then 30 lines of backtrace; Python's "ValueError: ..."), else its last non-empty line."""
        if self.client.last_error:
            return self.client.last_error
        return next((line for line in reversed(self.client.stderr_tail) if line.strip()), "")

