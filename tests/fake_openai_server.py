"""A local OpenAI-compatible server that answers as a test tells it: the faults a real
server or model produces rarely and on no schedule (an empty stream, chatter, a run-on
answer), on demand.

    with FakeServer(answer=lambda body: sse_answer("text")) as server:
        ... server.url ...                 # http://127.0.0.1:PORT/v1
        server.requests                    # [(path, body), ...]

``answer(body)`` returns the raw bytes of the response body (``sse_answer`` builds a
normal streamed answer); ``tokens`` maps strings to token ids for ``/extras/tokenize``
(llama-cpp-python's endpoint), which is absent (404) when it is None.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable


def sse(*events) -> bytes:
    """Server-sent events: each dict as a ``data:`` event, a string as it is."""
    return b"".join(f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n".encode() for e in events)


def sse_answer(text: str, finish: str | None = "stop", done: bool = True, pieces: int = 3) -> bytes:
    """A streamed completion of ``text`` in ``pieces`` events, a finish reason and ``[DONE]``."""
    step = max(1, -(-len(text) // pieces))
    chunks = [text[i : i + step] for i in range(0, len(text), step)] or [""]
    events = [{"choices": [{"text": c, "finish_reason": None}]} for c in chunks]
    events[-1]["choices"][0]["finish_reason"] = finish
    return sse(*events, *(["[DONE]"] if done else []))


class FakeServer:
    def __init__(self, answer: Callable[[dict], bytes], tokens: dict[str, list[int]] | None = None):
        self.answer = answer
        self.tokens = tokens
        self.requests: list[tuple[str, dict]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                self._send(200, json.dumps({"data": [{"id": "fake-model"}]}).encode())

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append((self.path, body))
                if self.path.endswith("/extras/tokenize"):
                    if server.tokens is None:
                        return self._send(404, b"{}")
                    ids = [1] + [i for part in [body["input"]] for i in server.tokens.get(part, [7, 8, 9])]
                    return self._send(200, json.dumps({"tokens": ids if body["input"] else [1]}).encode())
                if self.path.endswith("/tokenize"):
                    return self._send(404, b"{}")
                self._send(200, server.answer(body), "text/event-stream")

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> "FakeServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def completions(self) -> list[dict]:
        return [body for path, body in self.requests if path.endswith("completions")]
