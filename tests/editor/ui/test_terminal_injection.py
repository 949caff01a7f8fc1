"""Escape sequences from outside (a model server's answers, file names, history rows) reach
no terminal raw (issue 14): every path to the screen goes through one sanitiser. Each path
is fed ESC, OSC and C1 controls: the status line, notifications, dialogs, the buffer
palette, the title, and the output of ``nxedit predict``, ``doctor`` and ``history``."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from editor_helpers import wait_for
from nxedit.editor.app import EditorApp
from nxedit.editor.config import load_config
from nxedit.editor.files.args import FileArg

HOSTILE = "\x1b]52;c;cm0gLXJmIH4=\x07\x1b]0;PWNED\x07\x9b2J"
RAW = ("\x1b", "\x07", "\x9b")


def clean(text: str) -> bool:
    return not any(c in text for c in RAW)


class HostileServer(BaseHTTPRequestHandler):
    """A model server whose every answer is an error full of escape sequences."""

    def log_message(self, *args):
        pass

    def _fail(self):
        body = json.dumps({"error": {"message": HOSTILE}}).encode()
        self.send_response(500)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _fail


@pytest.fixture
def hostile_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), HostileServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


async def test_every_editor_path_shows_outside_text_escaped(tmp_path: Path, hostile_server: str):
    binary = tmp_path / f"{HOSTILE}.bin"
    binary.write_bytes(b"\0\1")
    text = tmp_path / f"{HOSTILE}.txt"
    text.write_text("hello\n")
    config = tmp_path / "config.toml"
    config.write_text(f'[model]\nbackend = "openai"\nbase_url = "{hostile_server}"\nprompt_format = "zeta"\n')
    settings, messages = load_config(config)
    app = EditorApp([FileArg(binary), FileArg(text)], settings, messages)
    notes: list[str] = []
    real_notify = app.notify
    app.notify = lambda message, **kw: (notes.append(message), real_notify(message, **kw))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: any("looks binary" in n for n in notes))  # a file name in an error
        await wait_for(pilot, lambda: any("HTTP 500" in n for n in notes), 10)  # the server's error text
        assert notes and all(clean(n) for n in notes)
        assert clean(app.status.message)
        assert clean(app.status.render_line(0).text)  # the status line: path, predictor state
        assert "\\x1b]52;c;" in app.status.render_line(0).text  # shown, escaped
        assert clean(app.sub_title)
        from nxedit.editor.ui.palette import BuffersProvider

        items = list(BuffersProvider.items(type("P", (), {"app": app, "kind": "buffers"})()))
        assert items and all(clean(title) and clean(help_) for title, help_, *_ in items)
        app.save_as()  # a dialog quoting the file name
        await pilot.pause()
        app.pop_screen()
        from nxedit.editor.ui.dialogs import Choice

        dialog = Choice(f"{text.name} changed on disk.", [("ok", f"Keep {HOSTILE}")])
        assert clean(dialog.question) and all(clean(label) for _, label in dialog.answers)


def run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nxedit.editor.cli", *argv], capture_output=True, timeout=60)


@pytest.mark.slow
def test_doctor_shows_a_hostile_server_escaped(hostile_server: str):
    done = run("doctor", "--backend", "openai", "--base-url", hostile_server)
    out = done.stdout.decode() + done.stderr.decode()
    assert "HTTP 500" in out and "\\x1b]52;c;" in out and clean(out)


@pytest.mark.slow
def test_predict_shows_a_hostile_file_name_escaped(tmp_path: Path):
    done = run("predict", "--request", str(tmp_path / f"{HOSTILE}.json"))
    err = done.stderr.decode()
    assert done.returncode == 2 and "\\x1b]52;c;" in err and clean(err)


@pytest.mark.slow
def test_history_shows_hostile_rows_and_settings_escaped():
    from nxedit.model import paths
    from nxedit.model.history.events import EditEvent
    from nxedit.model.history.store import HistoryStore
    from nxedit.model.predict.suggestion import Suggestion
    from nxedit.model.text.edits import LineEdit, Position

    paths.config_dir().mkdir(parents=True, exist_ok=True)
    (paths.config_dir() / "config.toml").write_text(f'[history]\nprivate_globs = ["{HOSTILE}"]\n'
                                                    .replace("\x1b", "\\u001b").replace("\x07", "\\u0007"))
    project = f"/w/{HOSTILE}"
    store = HistoryStore()
    store.submit_event(EditEvent(f"{project}/a.py", 1.0, 2.0, 0, "x\n", "y\n", Position(0, 1), project=project))
    store.submit_suggestion(Suggestion((LineEdit(0, 1, "z\n"),), "structural:repeat", 0.9), {"current": "x\n"},
                            3.0, f"{project}/a.py")
    assert store.close()
    for args in (["status"], ["stats"]):
        done = run("history", *args)
        out = done.stdout.decode() + done.stderr.decode()
        assert done.returncode == 0 and "\\x1b]52;c;" in out and clean(out), args


def test_the_pickers_show_file_names_and_lines_escaped(tmp_path: Path):
    """The file picker's rows and the preview of a file's lines."""
    from rich.console import Console
    from rich.text import Text

    from nxedit.editor.find.picker import preview_lines, safe_segments

    path = tmp_path / "evil.txt"
    path.write_text(f"line one {HOSTILE}\n")
    console = Console()
    texts = (Text(str(tmp_path / f"{HOSTILE}.py")), *preview_lines(path, 0, 1, None, [], None))
    for text in texts:
        shown = "".join(s.text for s in safe_segments(text.render(console)))
        assert clean(shown) and "\\x1b]52;c;" in shown
