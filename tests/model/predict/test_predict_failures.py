"""`nxedit predict` and the model predictor when things go wrong (issue 14): any JSON line is
answered, a failed backend is an error (never an abstention), hostile server text never
reaches the terminal raw, and a backend that was down is tried again."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from nxedit.model.predict import model_predictor
from nxedit.model.predict.cli import Answerer, serve_jsonl
from nxedit.model.predict.model_config import ModelConfig
from nxedit.model.predict.model_predictor import ModelPredictor
from nxedit.model.predict.structural import StructuralPredictor

RENAME = {
    "id": "r1", "path": "a.py", "language": "python",
    "current": "def f(items):\n    count = 0\n    return total\n",
    "cursor": {"line": 1, "column": 13},
    "history": [{"start_line": 1, "old_text": "    total = 0\n", "new_text": "    count = 0\n"}],
}
HOSTILE = "\x1b]52;c;cm0gLXJmIH4=\x07\x1b]0;pwned\x07\x9b2J boom"  # OSC 52 clipboard, title, C1 CSI


def run_cli(args, stdin: bytes, timeout=60):
    cmd = [sys.executable, "-m", "nxedit.editor.cli", "predict", *args]
    return subprocess.run(cmd, input=stdin, capture_output=True, timeout=timeout)


@pytest.mark.slow
def test_a_lone_surrogate_in_an_id_is_answered_and_the_stream_goes_on():
    lines = b'{"id":"\\ud800","current":"x\\n","cursor":{"line":0,"column":0}}\n' + json.dumps(RENAME).encode() + b"\n"
    # --min-confidence 0.2: the acceptance model rates this one-example rename about 0.3
    proc = run_cli(["--jsonl", "--min-confidence", "0.2"], lines)
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(x) for x in proc.stdout.decode("utf-8").splitlines()]  # strict UTF-8 on the wire
    assert [r["id"] for r in out] == ["\ud800", "r1"]
    assert out[1]["edits"], "the request after the surrogate went unanswered"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(st.characters(codec=None)),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
request_like = st.fixed_dictionaries(
    {"id": json_values, "current": st.text(st.characters(codec=None)) | json_values},
    optional={"cursor": st.fixed_dictionaries({"line": json_values, "column": json_values}) | json_values,
              "history": json_values, "path": json_values, "language": json_values},
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(json_values | request_like, min_size=1, max_size=5))
def test_any_json_lines_get_one_answer_each_in_strict_utf8(values):
    raw = b"".join(json.dumps(v).encode() + b"\n" for v in values)  # \ud800 and friends as JSON escapes
    out = io.StringIO()
    answered, failed = serve_jsonl(Answerer(StructuralPredictor()), io.BytesIO(raw), out)
    lines = out.getvalue().splitlines()
    assert answered == len(values) == len(lines)
    for line in lines:
        line.encode("utf-8")  # no lone surrogate reaches the stream
        assert not any("\x00" <= c < " " or "\x7f" <= c <= "\x9f" for c in line)
        answer = json.loads(line)
        assert "id" in answer and ("error" in answer or "edits" in answer)


class HostileServer(BaseHTTPRequestHandler):
    """Lists a model, then answers every completion with HTTP 500 and escape sequences."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        self._send(200, {"data": [{"id": "tiny"}]})

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self._send(500, {"error": {"message": HOSTILE}})

    def _send(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve(handler, port: int = 0) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.mark.slow
def test_a_failing_backend_answers_errors_not_abstentions_and_exits_non_zero():
    server = serve(HostileServer)
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        requests = b"".join(json.dumps({**RENAME, "id": i}).encode() + b"\n" for i in (1, 2))
        proc = run_cli(["--backend", "openai", "--base-url", url, "--model", "tiny", "--jsonl"], requests)
    finally:
        server.shutdown()
        server.server_close()
    out = [json.loads(x) for x in proc.stdout.decode().splitlines()]
    assert [r["id"] for r in out] == [1, 2]
    assert all("edits" not in r and "model backend failed" in r["error"] for r in out), out
    assert proc.returncode == 1  # every request failed
    for stream in (proc.stdout, proc.stderr):  # the server's escapes reach no terminal
        assert b"\x1b" not in stream and b"\x07" not in stream and "\x9b".encode() not in stream


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Models(HostileServer):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self._send(200, {"choices": [{"text": "", "finish_reason": "stop"}]})


def test_a_backend_down_at_start_is_tried_again_with_backoff_and_on_reconnect(monkeypatch):
    monkeypatch.setattr(model_predictor, "RETRY_FIRST", 0.3)
    port = free_port()
    config = ModelConfig(backend="openai", base_url=f"http://127.0.0.1:{port}/v1", connect_timeout=1.0,
                         read_timeout=1.0)
    predictor = ModelPredictor(config, wait_for_load=False)
    assert not predictor.load()
    assert "trying again in 0 s" in predictor.status or "trying again in" in predictor.status
    server = serve(Models, port)  # the server comes up after the editor started
    try:
        assert not predictor.load()  # not yet: the backoff holds
        time.sleep(0.35)
        assert predictor.load() and predictor.ready
        predictor.reconnect()  # the palette command: a fresh connection at once
        assert not predictor.ready and predictor.load()
    finally:
        server.shutdown()
        server.server_close()
    server_down_delays = []
    predictor.reconnect()
    for _ in range(3):  # doubling: 0.3, 0.6, 1.2
        predictor._retry_at = 0
        assert not predictor.load()
        server_down_delays.append(predictor.retry_delay)
    assert server_down_delays[0] < server_down_delays[1] < server_down_delays[2]
