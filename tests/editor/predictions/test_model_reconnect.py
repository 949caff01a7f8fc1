"""A model server that is down when the editor starts is found once it comes up (retried
with backoff), and the palette's reconnect command tries at once (issue 14)."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from editor_helpers import ready, wait_for
from nxedit.editor.app import EditorApp
from nxedit.editor.config import load_config
from nxedit.editor.files.args import FileArg
from nxedit.model.predict import model_predictor


class Models(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        body = json.dumps({"data": [{"id": "late-model"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_a_model_server_started_after_the_editor_is_found(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(model_predictor, "RETRY_FIRST", 0.5)
    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(f'[model]\nbackend = "openai"\nbase_url = "http://127.0.0.1:{port}/v1"\n'
                      'prompt_format = "zeta"\nconnect_timeout = 1\n')
    path = tmp_path / "a.py"
    path.write_text("x = 1\n")
    settings, messages = load_config(config)
    app = EditorApp([FileArg(path)], settings, messages)
    async with app.run_test(size=(100, 20)) as pilot:
        await ready(pilot)
        model = app.predictions.model
        await wait_for(pilot, lambda: model.failures >= 1)
        server = ThreadingHTTPServer(("127.0.0.1", port), Models)  # the server comes up now
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            await wait_for(pilot, lambda: model.ready, 10)  # no restart, no command: the backoff retry
            assert "model" not in app.predictions.state.errors
            app.run_command("predict.reconnect")
            assert not model.ready or model.failures == 0
            await wait_for(pilot, lambda: model.ready, 10)
        finally:
            server.shutdown()
            server.server_close()
