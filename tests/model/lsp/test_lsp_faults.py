"""A server that crashes, hangs or talks garbage costs one sanitised line and a restart
with backoff; the hub never blocks its caller. The fake server (fake_server.py) makes the
faults; nothing here needs a real server."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from lsprotocol import types as lsp

from hub_harness import Harness
from nxedit.model.lsp import hub as hub_module
from nxedit.model.lsp.edits import uri_of

FAKE = str(Path(__file__).with_name("fake_server.py"))


def fake_hub(tmp_path: Path, mode: str, timeout: float = 20) -> tuple[Harness, object, Path]:
    (tmp_path / "pyproject.toml").write_text("")
    path = tmp_path / "a.py"
    path.write_text("x = 1\n")
    harness = Harness({
        "language-server": {"fake": {"command": sys.executable, "args": [FAKE, mode], "timeout": timeout}},
        "language": [{"name": "python", "language-servers": ["fake"]}],
    })
    key = harness.hub.key_for(path, "python")
    return harness, key, path


def hover(path: Path) -> lsp.HoverParams:
    return lsp.HoverParams(lsp.TextDocumentIdentifier(uri_of(path)), lsp.Position(0, 0))


def open_doc(harness: Harness, key, generation: int, path: Path) -> None:
    harness.hub.notify(key, generation, lsp.TEXT_DOCUMENT_DID_OPEN, lsp.DidOpenTextDocumentParams(
        lsp.TextDocumentItem(uri=uri_of(path), language_id="python", version=0, text=path.read_text())))


@pytest.fixture
def quick_backoff(monkeypatch):
    monkeypatch.setattr(hub_module, "BACKOFF", (0.2, 0.4, 0.8, 1.6))


def test_a_crash_is_one_sanitised_line_and_a_restart(tmp_path, monkeypatch, quick_backoff):
    log = tmp_path / "starts.log"
    monkeypatch.setenv("FAKE_LSP_LOG", str(log))
    harness, key, path = fake_hub(tmp_path, "crash")
    try:
        harness.hub.ensure(key)
        harness.pump(lambda: harness.ready)
        open_doc(harness, key, harness.ready[0][1], path)
        harness.pump(lambda: len(harness.ready) >= 2)  # restarted, and ready again
        crash = [m for m, error in harness.said if "stopped" in m]
        assert len(crash) == 1
        message = crash[0]
        assert "exit code 3" in message and "restarting in 0.2 s" in message
        assert "\x1b" not in message and "\n" not in message  # the stderr line, sanitised
        assert "second line" in message  # the last words the server wrote
        assert harness.ready[1][1] == harness.ready[0][1] + 1  # a new generation: documents reopen
        assert log.read_text().count("start") == 2
    finally:
        harness.hub.close()


def test_a_server_that_dies_with_a_backtrace_is_named_by_its_error_line(tmp_path, monkeypatch, quick_backoff):
    monkeypatch.setattr(hub_module, "MAX_RESTARTS", 0)
    harness, key, path = fake_hub(tmp_path, "proxy")
    try:
        harness.hub.ensure(key)
        harness.pump(lambda: any("stays off" in m for m, _ in harness.said))
        message = next(m for m, _ in harness.said if "stays off" in m)
        # the error line, not the last frame of the 60-line backtrace after it
        assert "exit code 1): error: Unknown binary 'rust-analyzer'" in message, message
    finally:
        harness.hub.close()


def test_it_gives_up_after_repeated_crashes(tmp_path, monkeypatch, quick_backoff):
    monkeypatch.setattr(hub_module, "MAX_RESTARTS", 2)
    harness, key, path = fake_hub(tmp_path, "crash")
    try:
        harness.hub.ensure(key)
        for n in range(1, 4):
            harness.pump(lambda: len(harness.ready) >= n)
            open_doc(harness, key, harness.ready[-1][1], path)
        harness.pump(lambda: any("stays off" in m for m, _ in harness.said))
        time.sleep(1.0)
        assert len(harness.ready) == 3  # no more starts
        result, error = harness.ask(key, lsp.TEXT_DOCUMENT_HOVER, hover(path))
        assert result is None and "off for this session" in error
    finally:
        harness.hub.close()


def test_a_hang_times_out_cancels_and_restarts(tmp_path, quick_backoff):
    harness, key, path = fake_hub(tmp_path, "hang", timeout=1.0)
    try:
        harness.hub.ensure(key)
        harness.pump(lambda: harness.ready)
        started = time.monotonic()
        result, error = harness.ask(key, lsp.TEXT_DOCUMENT_HOVER, hover(path), timeout=1.0)
        assert result is None and "did not answer textDocument/hover within 1 s" in error
        assert time.monotonic() - started < 5
        harness.pump(lambda: len(harness.ready) >= 2)
        assert sum("restarting" in m for m, _ in harness.said) == 1
    finally:
        harness.hub.close()


def test_garbage_is_said_once_and_the_good_answer_still_arrives(tmp_path):
    harness, key, path = fake_hub(tmp_path, "garbage")
    try:
        harness.hub.ensure(key)
        harness.pump(lambda: harness.ready)
        for _ in range(2):
            result, error = harness.ask(key, lsp.TEXT_DOCUMENT_HOVER, hover(path))
            assert error is None and result.contents.value == "fake hover"
        harness.pump(lambda: harness.said)
        assert harness.said == [("fake sent a message nxedit cannot read (JSONDecodeError); ignored", True)]
    finally:
        harness.hub.close()


def test_a_cancelled_request_never_answers(tmp_path):
    harness, key, path = fake_hub(tmp_path, "hang", timeout=30)
    try:
        harness.hub.ensure(key)
        harness.pump(lambda: harness.ready)
        answers = []
        ticket = harness.hub.request(key, lsp.TEXT_DOCUMENT_HOVER, hover(path), lambda r, e: answers.append(e))
        ticket.cancel()
        time.sleep(0.5)
        harness.pump(lambda: True)
        assert answers == [] and len(harness.ready) == 1  # dropped, and no restart for it
    finally:
        harness.hub.close()


def test_a_missing_server_is_one_line_and_no_process(tmp_path):
    harness = Harness({"language-server": {"ghost": {"command": "nxedit-no-such-server"}},
                       "language": [{"name": "python", "language-servers": ["ghost"]}]})
    assert harness.hub.key_for(tmp_path / "a.py", "python") is None
    assert harness.hub.key_for(tmp_path / "b.py", "python") is None
    harness.pump(lambda: harness.said)
    time.sleep(0.1)
    harness.pump(lambda: True)
    assert len(harness.said) == 1 and "no language server for python" in harness.said[0][0]


def test_quit_shuts_a_server_down_quickly(tmp_path):
    harness, key, path = fake_hub(tmp_path, "ok")
    harness.hub.ensure(key)
    harness.pump(lambda: harness.ready)
    session = harness.ready[0][2]
    process = session.client.process
    started = time.monotonic()
    harness.hub.close()
    assert time.monotonic() - started < 3
    assert process.returncode == 0  # it exited when asked (shutdown, exit), not killed


def test_a_server_failing_at_every_start_raises_one_notification_until_it_is_given_up(tmp_path, monkeypatch,
                                                                                      quick_backoff):
    # a rustup proxy without its component fails at once each time: the status line says each
    # restart, a notification (over the view's bottom-right corner) only the first and the last
    monkeypatch.setattr(hub_module, "MAX_RESTARTS", 2)
    harness, key, path = fake_hub(tmp_path, "proxy")
    try:
        harness.hub.ensure(key)
        harness.pump(lambda: any("stays off" in m for m, _ in harness.said))
        said = [("stays off" if "stays off" in m else "restarting", error) for m, error in harness.said
                if "exit code" in m]
        assert said == [("restarting", True), ("restarting", False), ("stays off", True)]
    finally:
        harness.hub.close()
