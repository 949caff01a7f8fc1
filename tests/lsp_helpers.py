"""Editors on real language servers, for the tests under tests/editor/lsp."""

from __future__ import annotations

from pathlib import Path

from editor_helpers import wait_for
from nxedit.editor.app import EditorApp
from nxedit.editor.config import Config
from nxedit.editor.files.args import FileArg

SERVER_WAIT = 60.0  # a cold server on a busy 2-core machine


def lsp_app(*paths: Path, servers: dict[str, list[str]] | None = None) -> EditorApp:
    """An editor on ``paths`` with its language servers on (the test suite turns them off),
    no auto completion; ``servers``: language -> the servers to use."""
    config = Config()
    config.sections["lsp"] = {"enabled": True, "auto_complete": False}
    if servers:
        config.sections["language"] = [{"name": n, "language-servers": s} for n, s in servers.items()]
    return EditorApp([FileArg(p) for p in paths], config)


async def server_ready(pilot, timeout: float = SERVER_WAIT) -> None:
    """The shown buffer is open in its (started) server."""
    app = pilot.app
    await wait_for(pilot, lambda: app.lsp is not None, 10)
    await wait_for(pilot, lambda: (doc := app.lsp.doc_of(app.buffer)) is not None
                   and app.lsp.session_of(doc) is not None, timeout)


async def rename_with_f2(pilot, old: str, new: str, timeout: float = SERVER_WAIT) -> None:
    """F2 on the symbol under the cursor, ``old`` erased and ``new`` typed, Enter: returns
    once the preview asks "Rename old → new"."""
    await pilot.press("f2")
    await pilot.pause()
    for _ in range(len(old)):
        await pilot.press("backspace")
    await pilot.press(*new, "enter")
    await wait_for(pilot, lambda: f"Rename {old} → {new}" in str(getattr(pilot.app.screen, "question", "")), timeout)


async def apply_rename(pilot, here: str, other: Path, there: str, old: str, new: str):
    """Apply the previewed rename: the shown buffer (``here`` before) and the buffer of
    ``other`` (``there`` before) both have ``old`` renamed; returns the other buffer."""
    app = pilot.app
    await pilot.press("a")  # Apply
    await pilot.pause()
    buffer = app.lsp.buffer_at(other)
    assert app.buffer.text == here.replace(old, new)
    assert buffer is not None and buffer.text == there.replace(old, new)
    return buffer
