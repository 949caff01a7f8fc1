"""The editor with a real model backend (the OpenAI-compatible one) against a local server
whose "model" is slow: typing never waits for it, stale requests are cancelled, its answer
competes with the structural engine's, and a broken backend costs one line in the status
bar while the structural engine keeps working."""

from __future__ import annotations

import json
import socket
import threading
from contextlib import asynccontextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from editor_helpers import ready, screen_text, suggestion, wait_for
from test_ghost_suggestions import RENAME, SIZE, editor, rename_amount
from nxedit.model.predict.structural.ranker import Ranker

START, END, CURSOR = "<|editable_region_start|>", "<|editable_region_end|>", "<|user_cursor_is_here|>"


class SlowModel(BaseHTTPRequestHandler):
    """``/completions`` for the Zeta prompt: holds each request until ``release`` is set
    (pinging, so it notices a client that hangs up), then answers with the editable
    region passed through ``rewrite``, one line per event."""

    release: threading.Event
    prompts: list
    hung_up: list
    logprob = -0.01
    rewrite = staticmethod(lambda region: region)

    def log_message(self, *args):
        pass

    def do_GET(self):  # /models: what the backend asks when it loads
        body = json.dumps({"data": [{"id": "slow-zeta"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send(self, data: str) -> None:
        self.wfile.write(data.encode())
        self.wfile.flush()

    def do_POST(self):
        if not self.path.endswith("/completions"):  # no tokenize endpoint here, as on many servers
            self.send_error(404)
            return
        prompt = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["prompt"]
        self.prompts.append(prompt)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        try:
            while not self.release.wait(0.02):
                self._send(": thinking\n\n")  # an SSE comment: fails once the client has gone
            excerpt = prompt.split("### User Excerpt:")[1].split("### Response:")[0]
            region = excerpt.split(START + "\n", 1)[1].split("\n" + END, 1)[0].replace(CURSOR, "")
            # as Zeta answers: the region between its markers, the start marker generated first
            lines = f"{START}\n{self.rewrite(region)}\n{END}".splitlines(keepends=True)
            for i, line in enumerate(lines):
                choice = {"text": line, "logprobs": {"token_logprobs": [self.logprob]},
                          "finish_reason": "stop" if i == len(lines) - 1 else None}
                self._send(f"data: {json.dumps({'choices': [choice]})}\n\n")
            self._send("data: [DONE]\n\n")
        except OSError:  # the editor cancelled this request
            self.hung_up.append(prompt)


@pytest.fixture
def slow_model():
    handler = type("Handler", (SlowModel,), {"release": threading.Event(), "prompts": [], "hung_up": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{server.server_address[1]}/v1"
    handler.release.set()
    server.shutdown()
    server.server_close()


def model_config(url: str, extra: str = "") -> str:
    # min_confidence 0: every answer that passes the gate is shown (the acceptance model is tested on its own)
    return f'[model]\nbackend = "openai"\nbase_url = "{url}"\nprompt_format = "zeta"\nread_timeout = 20\nmin_confidence = 0\n{extra}'


async def model_ready(pilot) -> None:
    await wait_for(pilot, lambda: pilot.app.predictions.model.ready)


@asynccontextmanager
async def renamed_with_model(tmp_path, url: str, name: str = "shop.py", extra: str = ""):
    """The editor on RENAME (file ``name``) with the model server at ``url``, ready, once the
    user has renamed ``amount``: the app and the pilot."""
    app = editor(tmp_path, name, RENAME, 1, 4, config=model_config(url, extra))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await model_ready(pilot)
        await rename_amount(pilot)
        yield app, pilot


async def test_typing_stays_responsive_while_a_slow_model_works(tmp_path, slow_model):
    server, url = slow_model
    app = editor(tmp_path, "shop.py", RENAME, 1, 4, config=model_config(url))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await model_ready(pilot)
        await pilot.press(*["delete"] * 6, *"sub")
        asked = f"    sub{CURSOR} = 0"
        await wait_for(pilot, lambda: any(asked in p for p in server.prompts))  # the model is busy with "sub"
        first = next(p for p in server.prompts if asked in p)
        assert "openai thinking" in app.status.predictor
        typed = "    sub"
        for key in "total":  # every key is applied and painted while the model works
            await pilot.press(key)
            typed += key
            assert app.buffer.document.line_text(1) == typed + " = 0"
            assert screen_text(app)[1].startswith(f"   2 {typed} = 0")
        assert not server.release.is_set()
        # the request that "sub" made is stale: the editor hung up on it
        await wait_for(pilot, lambda: first in server.hung_up)
        # the structural engine answered meanwhile
        option = await suggestion(pilot)
        assert option.suggestion.source == "structural:rename"
        # the model's answer to the newest request, once it comes, is offered too
        server.rewrite = staticmethod(lambda region: region.replace("print('step 0')", "print('step 0', flush=True)"))
        server.release.set()
        await wait_for(pilot, lambda: any(o.suggestion.source == "model:openai" for o in app.predictions.options))
        assert "[1/2]" in app.status.predictor


async def test_a_more_confident_model_answer_takes_the_place_and_alt_bracket_cycles(tmp_path, slow_model):
    server, url = slow_model
    server.rewrite = staticmethod(lambda region: region.replace("print('step 0')", "print('step 0', flush=True)"))
    sure = tmp_path / "sure.json"  # an acceptance model that trusts every model answer (p = 0.95)
    sure.write_text(Ranker({}, 2.944, 0.5, {}).to_json())
    async with renamed_with_model(tmp_path, url, extra=f'acceptance_weights = "{sure}"\n') as (app, pilot):
        structural = await suggestion(pilot)  # the model holds its answer: the engine's shows first
        assert structural.suggestion.source == "structural:rename"
        server.release.set()
        await wait_for(pilot, lambda: app.predictions.shown.suggestion.source == "model:openai")
        assert app.predictions.shown.suggestion.confidence > structural.suggestion.confidence
        assert any("print('step 0', flush=True)" in row for row in screen_text(app))
        await pilot.press("alt+right_square_bracket")
        assert app.predictions.shown is structural
        await pilot.press("alt+p")  # the fallback key for Alt+[
        assert app.predictions.shown.suggestion.source == "model:openai"


async def test_a_refused_answer_says_so_in_the_status_line_and_the_palette_says_why(tmp_path, slow_model):
    server, url = slow_model
    server.rewrite = staticmethod(lambda region: "pass")  # the whole region replaced: the gate refuses it
    server.release.set()
    async with renamed_with_model(tmp_path, url) as (app, pilot):
        await wait_for(pilot, lambda: app.status.predictor.endswith("ms · answer refused"))
        assert app.status.predictor.startswith("openai ") and len(app.status.predictor) <= 48
        assert all(o.suggestion.source != "model:openai" for o in app.predictions.options)
        app.run_command("predict.why")
        await pilot.pause()
        (shown,) = [n.message for n in app._notifications]  # the whole sentence, wrapped in a notification
        assert shown.startswith("openai's last answer (") and "was not shown: the rewrite deletes" in shown
        # an answer that is shown clears it
        server.rewrite = staticmethod(lambda region: region.replace("print('step 0')", "print('step 0', flush=True)"))
        await pilot.press("x")
        await wait_for(pilot, lambda: any(o.suggestion.source == "model:openai" for o in app.predictions.options))
        assert "refused" not in app.status.predictor


async def test_a_private_file_is_never_sent_to_the_model(tmp_path, slow_model):
    server, url = slow_model
    server.release.set()
    async with renamed_with_model(tmp_path, url, "secrets.py") as (app, pilot):
        option = await suggestion(pilot)  # the in-process engine still helps
        assert option.suggestion.source == "structural:rename"
        await pilot.pause(0.3)
        assert server.prompts == []


async def test_a_broken_backend_is_one_line_and_the_engine_keeps_working(tmp_path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there
    app = editor(tmp_path, "shop.py", RENAME, 1, 4, config=model_config(f"http://127.0.0.1:{port}/v1"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: app.status.predictor.startswith("openai: cannot reach"))
        assert "connection refused" in app.status.message  # the whole line, once
        assert len(app.status.predictor) <= 48
        await rename_amount(pilot)
        option = await suggestion(pilot)
        assert option.suggestion.source == "structural:rename"
