"""The OpenAI-compatible backend against local servers that misbehave: one that accepts and
never answers, a closed port, one that streams slowly (cancellation), one that errors."""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from next_edit_cases import inventory_request
from nxedit.model.predict.backends import BackendError, CancelToken
from nxedit.model.predict.backends.openai import OpenAIBackend
from nxedit.model.predict.model_config import ModelConfig
from nxedit.model.predict.model_predictor import ModelPredictor
from nxedit.model.predict.prompts.base import ChatPrompt


def config(url, **kw):
    return ModelConfig(**{"backend": "openai", "base_url": url, "connect_timeout": 1.0, "read_timeout": 1.0, **kw})


@pytest.fixture
def silent_server():
    """A socket that accepts connections and never says a word."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    accepted = []
    stop = threading.Event()

    def accept():
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(sock.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    sock.close()


def closed_port_url():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/v1"


class FakeOpenAI(BaseHTTPRequestHandler):
    """Streams ``words`` one SSE event each, ``delay`` seconds apart; records requests."""

    words = ["def ", "f", "():\n", "    pass\n"]
    delay = 0.0
    report: dict = {}  # fields of the last event besides its choice (a server's usage and timings)
    requests: list = []
    models = [{"id": "tiny-model"}]

    def log_message(self, *args):
        pass

    def send_json(self, answer, status=200):
        body = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.send_json({"data": self.models})

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        request = json.loads(self.rfile.read(length))
        type(self).requests.append((self.path, dict(self.headers), request))
        if request.get("max_tokens") == 999:
            self.send_json({"error": {"message": "max_tokens too large\nsecond line"}}, 400)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        chat = self.path.endswith("/chat/completions")
        try:
            for i, word in enumerate(self.words):
                last = i == len(self.words) - 1
                choice = {"delta": {"content": word}} if chat else {"text": word, "logprobs": {"token_logprobs": [-0.1]}}
                choice["finish_reason"] = "length" if last else None
                event = {"choices": [choice], **(self.report if last else {})}
                self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                self.wfile.flush()
                time.sleep(self.delay)
            self.wfile.write(b"data: [DONE]\n\n")
        except OSError:  # the client hung up (cancellation)
            pass


@pytest.fixture
def fake_server():
    handler = type("Handler", (FakeOpenAI,), {"requests": [], "delay": 0.0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_a_server_that_never_answers_costs_one_message_within_the_timeouts(silent_server):
    backend = OpenAIBackend(config(silent_server))
    t0 = time.monotonic()
    with pytest.raises(BackendError) as failed:
        backend.complete("x", 5)
    assert time.monotonic() - t0 < 3
    assert "did not answer: timed out" in str(failed.value) and "\n" not in str(failed.value)
    # right after a failure the server is left alone for a while: no second wait
    t1 = time.monotonic()
    with pytest.raises(BackendError, match="next try in"):
        backend.complete("x", 5)
    assert time.monotonic() - t1 < 0.1


def test_a_closed_port_is_reported_at_once():
    backend = OpenAIBackend(config(closed_port_url()))
    t0 = time.monotonic()
    with pytest.raises(BackendError, match="connection refused"):
        backend.load()
    assert time.monotonic() - t0 < 1


def test_the_predictor_turns_a_dead_server_into_a_status_line(silent_server):
    statuses = []
    predictor = ModelPredictor(config(silent_server), on_status=statuses.append)
    assert not predictor.load()
    assert predictor.predict(inventory_request()) is None
    assert statuses[-1].startswith("model: ") and "timed out" in statuses[-1]


def test_streaming_completion_and_chat(fake_server):
    handler, url = fake_server
    backend = OpenAIBackend(config(url, api_key_env="NXEDIT_TEST_KEY"))
    with pytest.raises(BackendError, match="NXEDIT_TEST_KEY is not set"):
        backend.load()
    import os

    os.environ["NXEDIT_TEST_KEY"] = "sk-test"
    try:
        backend.load()
        assert backend.model == "tiny-model"  # the server's first model when none is configured
        pieces = []
        done = backend.complete("prompt", 4, stop=["\n\n"], on_text=pieces.append)
        assert done.text == "def f():\n    pass\n" and pieces == FakeOpenAI.words
        assert done.finish_reason == "length" and done.confidence == pytest.approx(0.905, abs=1e-3)
        chat = backend.complete(ChatPrompt((("system", "s"), ("user", "u"))), 4)
        assert chat.text == "def f():\n    pass\n"
    finally:
        del os.environ["NXEDIT_TEST_KEY"]
    api = [r for r in handler.requests if r[0].startswith("/v1/")]  # less the load's tokenize probe
    path, headers, body = api[0]
    assert path == "/v1/completions" and body["stream"] and body["stop"] == ["\n\n"]
    assert headers["Authorization"] == "Bearer sk-test" and body["model"] == "tiny-model"
    assert api[1][0] == "/v1/chat/completions"
    assert api[1][2]["messages"] == [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]


def test_cancelling_closes_the_stream_at_once(fake_server):
    handler, url = fake_server
    handler.delay = 0.5
    backend = OpenAIBackend(config(url, read_timeout=5.0))
    cancel = CancelToken()
    pieces = []

    def first_piece_then_cancel(piece):
        pieces.append(piece)
        threading.Timer(0.05, cancel.cancel).start()

    t0 = time.monotonic()
    done = backend.complete("prompt", 4, cancel=cancel, on_text=first_piece_then_cancel)
    assert done.finish_reason == "cancelled" and pieces == ["def "]
    assert time.monotonic() - t0 < 0.45  # did not wait for the next slow event


def test_an_http_error_is_one_line_with_the_server_reason(fake_server):
    _, url = fake_server
    with pytest.raises(BackendError) as failed:
        OpenAIBackend(config(url)).complete("p", 999)
    assert str(failed.value).endswith("answered HTTP 400: max_tokens too large")


def test_a_bad_base_url_is_refused():
    with pytest.raises(BackendError, match="http"):
        OpenAIBackend(config("ftp://example"))


class GrammarServer(FakeOpenAI):
    """A server whose models are owned by ``owner``; refuses a grammar when ``refuse``."""

    owner = "someone"
    refuse = False

    def do_GET(self):
        self.send_json({"data": [{"id": "tiny-model", "owned_by": self.owner}]})

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        request = json.loads(self.rfile.read(length))
        type(self).requests.append((self.path, dict(self.headers), request))
        if self.refuse and "grammar" in request:
            self.send_json({"error": {"message": "Unrecognized request argument: grammar"}}, 400)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for i, word in enumerate(self.words):
            choice = {"text": word, "finish_reason": "stop" if i == len(self.words) - 1 else None}
            self.wfile.write(f"data: {json.dumps({'choices': [choice]})}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")


def grammar_server(**attrs):
    handler = type("Handler", (GrammarServer,), {"requests": [], **attrs})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, handler, f"http://127.0.0.1:{server.server_address[1]}/v1"


@pytest.mark.parametrize("owner, setting, sent", [
    ("llamacpp", "auto", True),  # llama.cpp's server: known to take a grammar
    ("vllm", "auto", False),  # not known: nothing sent unless asked for
    ("vllm", True, True),
    ("llamacpp", False, False),
])
def test_the_formats_grammar_goes_to_servers_known_to_take_it(owner, setting, sent):
    from nxedit.model.predict.context import build_context
    from nxedit.model.predict.prompts import zeta

    server, handler, url = grammar_server(owner=owner)
    try:
        predictor = ModelPredictor(config(url, prompt_format="zeta", grammar=setting))
        predictor.predict(inventory_request())
    finally:
        server.shutdown()
        server.server_close()
    (body,) = [r for p, _, r in handler.requests if p == "/v1/completions"]
    ctx = build_context(inventory_request(), zeta.REGION, predictor._count_tokens)
    grammar = zeta.grammar(ctx)
    assert body.get("grammar") == (grammar if sent else None)
    # with the grammar, the token limit covers the longest answer it allows: the grammar ends
    # the answer (in its structure), never the token limit; without, the region and a margin
    n = predictor._count_tokens(ctx.region_text)
    assert body["max_tokens"] == (grammar.max_tokens if sent else n + n // 4 + 64)
    assert grammar.max_tokens > n + n // 4 + 64


# the last event of a stream from llama.cpp's own llama-server (b1-0c1e570, built from
# llama-cpp-python 0.3.36's sources), recorded: its usage and its timings
LLAMA_SERVER_LAST_EVENT = {
    "choices": [{"text": "", "index": 0, "logprobs": None, "finish_reason": "length"}],
    "object": "text_completion",
    "usage": {"completion_tokens": 5, "prompt_tokens": 11, "total_tokens": 16, "prompt_tokens_details": {"cached_tokens": 10}},
    "timings": {"cache_n": 10, "prompt_n": 1, "prompt_ms": 19.796, "prompt_per_token_ms": 19.796,
                "predicted_n": 5, "predicted_ms": 78.521, "predicted_per_token_ms": 15.7},
}


def test_the_servers_own_report_of_a_request_is_kept():
    from nxedit.model.predict.backends.openai import server_report

    event = LLAMA_SERVER_LAST_EVENT
    assert server_report(event["usage"], event["timings"]) == {
        "prompt_tokens": 11, "cached_tokens": 10, "prompt_ms": 19.796, "decode_ms": 78.521, "decoded": 5}
    # an OpenAI-style server: usage only (vLLM with include_usage); none: nothing known
    assert server_report(event["usage"], {})["cached_tokens"] == 10
    # llama-server's chat stream: timings, no usage
    assert server_report({}, event["timings"])["prompt_tokens"] == 11
    assert set(server_report({}, {}).values()) == {None}
    assert server_report({"prompt_tokens": "11", "prompt_tokens_details": None}, {"cache_n": True}) == dict.fromkeys(
        ("prompt_tokens", "cached_tokens", "prompt_ms", "decode_ms", "decoded"))
    report = {k: event[k] for k in ("usage", "timings")}
    handler = type("Handler", (FakeOpenAI,), {"requests": [], "report": report})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        backend = OpenAIBackend(config(url))
        backend.load()
        done = backend.complete("prompt", 8)
    finally:
        server.shutdown()
        server.server_close()
    assert (done.prompt_tokens, done.cached_tokens, done.decoded, done.decode_ms) == (11, 10, 5, 78.521)


def test_a_server_that_refuses_the_grammar_gets_the_request_again_without_it():
    server, handler, url = grammar_server(refuse=True)
    try:
        backend = OpenAIBackend(config(url, grammar=True))
        backend.load()
        first = backend.complete("prompt", 8, grammar='root ::= "x"')
        backend.complete("prompt", 8, grammar='root ::= "x"')
    finally:
        server.shutdown()
        server.server_close()
    assert first.text == "def f():\n    pass\n" and not backend.uses_grammar
    sent = [("grammar" in r) for p, _, r in handler.requests if p == "/v1/completions"]
    assert sent == [True, False, False]  # refused once, then never sent again
