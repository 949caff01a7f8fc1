"""Any OpenAI-compatible server: vLLM, TabbyAPI, llama.cpp's server, Ollama.

Plain ``http.client`` (no dependency, nothing to import at start-up): a string prompt
goes to ``/completions``, a chat prompt to ``/chat/completions``, both streamed as
server-sent events. The connect timeout bounds reaching the server, the read timeout
each wait for the next bytes; cancelling closes the socket, which ends the wait at once.
A server that is down or hangs costs one message and a pause before the next try, never
a frozen editor.

Constrained decoding (``[model] grammar``): the format's GBNF grammar goes with each request
as ``grammar``, the field llama.cpp's server and llama-cpp-python's take, so a small or
unsure model's answer still has the format's structure and ends within its lines. "auto"
sends it only to those two servers (recognised at load); ``true`` sends it to any. A server
that refuses the field (HTTP 400 or 422) gets the request again without it, and no grammar
from then on; one that ignores unknown fields (Ollama, vLLM: its own ``guided_grammar``)
answers unconstrained, parsed as before.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import re
import socket
import threading
import time
import urllib.parse
from typing import Iterator, Sequence

from nxedit.model.predict.prompts.base import ChatPrompt, Prompt
from .base import BackendError, CancelToken, Completion, StatusCallback, TextCallback, one_line

RETRY_AFTER = (2.0, 5.0, 15.0, 30.0, 60.0)  # seconds to wait after 1, 2, 3... failures in a row
GRAMMAR_SERVERS = ("llamacpp",)  # /models "owned_by" of servers known to take a GBNF grammar

log = logging.getLogger("nxedit.model")


def server_report(usage: dict, timings: dict) -> dict:
    """:class:`~.base.Completion`'s fields from what a server said of a request: the
    OpenAI ``usage`` (``prompt_tokens``, ``prompt_tokens_details.cached_tokens``) and
    llama.cpp's ``timings`` (``cache_n``, ``prompt_ms``, ``predicted_ms``, ``predicted_n``)."""

    def number(value, kind):
        return kind(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    cached = number(timings.get("cache_n"), int)
    if cached is None:
        cached = number((usage.get("prompt_tokens_details") or {}).get("cached_tokens"), int)
    prompt = number(usage.get("prompt_tokens"), int)
    evaluated = number(timings.get("prompt_n"), int)
    if prompt is None and cached is not None and evaluated is not None:  # a chat stream: timings, no usage
        prompt = cached + evaluated
    return {"prompt_tokens": prompt, "cached_tokens": cached,
            "prompt_ms": number(timings.get("prompt_ms"), float), "decode_ms": number(timings.get("predicted_ms"), float),
            "decoded": number(timings.get("predicted_n"), int)}


class GrammarRefused(BackendError):
    """The server answered a request with a grammar with HTTP 400 or 422."""


# Qwen2.5(-Coder)'s control tokens (its tokenizer's added_tokens.json): Zeta, Sweep and
# Instinct are Qwen2.5-Coder fine-tunes, so these ids hold on any server that serves them
QWEN25_CONTROL_IDS = {"<|endoftext|>": 151643, "<|im_start|>": 151644, "<|im_end|>": 151645,
                      "<|fim_prefix|>": 151659, "<|fim_middle|>": 151660, "<|fim_suffix|>": 151661,
                      "<|fim_pad|>": 151662, "<|repo_name|>": 151663, "<|file_sep|>": 151664}
_QWEN25_NAME = re.compile(r"qwen[-_ ]?2\.5|zeta|sweep[-_ ]?next[-_ ]?edit|instinct", re.I)


def known_control_ids(model: str | None, ban: tuple[str, ...]) -> dict[str, int]:
    """``logit_bias`` for ``ban`` without asking the server: the known ids of a model whose
    name says it is a Qwen2.5 fine-tune (vLLM without /tokenize, hosted APIs); nothing for
    another model (a wrong id would ban an ordinary token)."""
    if not model or not _QWEN25_NAME.search(model):
        return {}
    return {str(QWEN25_CONTROL_IDS[t]): -100 for t in ban if t in QWEN25_CONTROL_IDS}


class OpenAIBackend:
    name = "openai"

    def __init__(self, config):
        url = urllib.parse.urlsplit(config.base_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise BackendError(f"base_url must be an http(s) URL, not {config.base_url!r}")
        self.base_url = config.base_url.rstrip("/")
        self._url = url
        self.model = config.model
        self.api_key_env = config.api_key_env
        self.connect_timeout = config.connect_timeout
        self.read_timeout = config.read_timeout
        self.logprobs = config.logprobs
        self.cache_prompt = config.cache_prompt
        self.grammar_setting = getattr(config, "grammar", "auto")
        self.uses_grammar = self.grammar_setting is True  # "auto": decided by load()
        self._owners: set[str] = set()  # the "owned_by" of the served models
        self._tokenizer: str | None = None  # the tokenize endpoint that answered
        self._empty: list[int] | None = None  # the tokens of "" (a BOS some endpoints add), once asked
        self._banned: dict[tuple[str, ...], dict[str, int]] = {}  # control tokens -> logit_bias
        self._failures = 0
        self._retry_at = 0.0
        self._lock = threading.Lock()

    # -- plumbing -------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
        if self.api_key_env:
            key = os.environ.get(self.api_key_env)
            if not key:
                raise BackendError(f"the API key variable {self.api_key_env} is not set")
            headers["Authorization"] = f"Bearer {key}"
        return headers

    def _connect(self) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self._url.scheme == "https" else http.client.HTTPConnection
        conn = cls(self._url.hostname, self._url.port, timeout=self.connect_timeout)
        try:
            conn.connect()
        except OSError as exc:
            conn.close()
            raise self._failed(f"cannot reach {self.base_url}: {_reason(exc)}") from None
        conn.sock.settimeout(self.read_timeout)
        return conn

    def _request(self, method: str, path: str, body: dict | None, cancel: CancelToken | None):
        """An open response to ``method path`` (the caller reads and closes it)."""
        with self._lock:
            wait = self._retry_at - time.monotonic()
        if wait > 0:
            raise BackendError(f"{self.base_url} failed just before; next try in {wait:.0f} s")
        conn = self._connect()
        if cancel is not None:
            sock = conn.sock  # kept: http.client hands the socket to the response and forgets it
            cancel.on_cancel(lambda: _shut(sock))
        try:
            payload = json.dumps(body).encode() if body is not None else None
            conn.request(method, self._url.path.rstrip("/") + path, body=payload, headers=self._headers())
            response = conn.getresponse()
        except BackendError:
            conn.close()
            raise
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            if cancel is not None and cancel.cancelled:
                return conn, None
            raise self._failed(f"{self.base_url} did not answer: {_reason(exc)}") from None
        if response.status != 200:
            detail = _error_detail(response.read(4096))
            conn.close()
            if response.status in (400, 422) and body and "grammar" in body:
                raise GrammarRefused(f"{self.base_url}{path} refused a grammar: HTTP {response.status}{detail}")
            raise self._failed(f"{self.base_url}{path} answered HTTP {response.status}{detail}")
        return conn, response

    def _failed(self, message: str) -> BackendError:
        with self._lock:
            self._retry_at = time.monotonic() + RETRY_AFTER[min(self._failures, len(RETRY_AFTER) - 1)]
            self._failures += 1
        return BackendError(message)

    def _succeeded(self) -> None:
        with self._lock:
            self._failures = 0
            self._retry_at = 0.0

    # -- the Backend interface ---------------------------------------------------------

    def list_models(self) -> list[str]:
        """The model names the server serves (``GET /models``)."""
        conn, response = self._request("GET", "/models", None, None)
        try:
            data = json.loads(response.read(1 << 20))
        except (OSError, ValueError, http.client.HTTPException) as exc:
            raise self._failed(f"{self.base_url}/models: unreadable answer ({_reason(exc)})") from None
        finally:
            conn.close()
        self._succeeded()
        models = [m for m in data.get("data", []) if isinstance(m, dict)]
        self._owners = {str(m.get("owned_by")) for m in models}
        return [m.get("id", "?") for m in models]

    def load(self, on_status: StatusCallback | None = None) -> None:
        if on_status:
            on_status(f"connecting to {self.base_url}")
        self._headers()  # a missing API key is a load error, not a per-request one
        models = self.list_models()
        if self.model is None and models:
            self.model = models[0]
        if self.grammar_setting == "auto":
            self.uses_grammar = self._takes_grammar()
        if on_status:
            on_status(f"ready: {self.model or 'the default model'} at {self.base_url}")

    def _takes_grammar(self) -> bool:
        """Whether the server is one known to take a GBNF ``grammar`` per request at little
        cost: llama.cpp's (its models are owned by "llamacpp"; its sampler checks the sampled
        token against the grammar and filters the vocabulary only when that token fails).
        llama-cpp-python's takes one too, but filters the whole vocabulary at every token
        (measured with Gemma 3 270M's 262k: +51 ms a token on 22 ms of decoding, 3.5x the
        latency), so "auto" leaves it off there; ``grammar = true`` sends it anyway."""
        return bool(self._owners & set(GRAMMAR_SERVERS))

    @property
    def _root(self) -> str:
        """The server's root path: where the non-OpenAI endpoints are, beside ``/v1``."""
        return self._url.path.rstrip("/").removesuffix("/v1")

    def count_tokens(self, text: str) -> int | None:
        return None

    def close(self) -> None:
        pass

    def complete(self, prompt: Prompt, max_tokens: int, stop: Sequence[str] = (),
                 cancel: CancelToken | None = None, on_text: TextCallback | None = None,
                 ban: Sequence[str] = (), grammar: str | None = None) -> Completion:
        """See :class:`~.base.Backend`; ``grammar`` (GBNF) constrains the answer where the
        server takes one (:attr:`uses_grammar`), and is left out elsewhere."""
        body: dict = {"max_tokens": max_tokens, "temperature": 0, "stream": True}
        if self.model:
            body["model"] = self.model
        if self.cache_prompt:  # llama.cpp's server: reuse the KV cache of the previous prompt
            body["cache_prompt"] = True
        if isinstance(prompt, ChatPrompt):
            path, body["messages"] = "/chat/completions", prompt.to_openai()
        else:
            path, body["prompt"] = "/completions", prompt
            if self.logprobs:  # costly on some servers (llama-cpp-python: >100 ms a token)
                body["logprobs"] = 1
        if stop:
            body["stop"] = list(stop)[:4]  # the OpenAI API takes at most 4
        bias = self._logit_bias(tuple(ban))
        if bias:
            body["logit_bias"] = bias
        if grammar and self.uses_grammar:
            body["grammar"] = grammar
        try:
            conn, response = self._request("POST", path, body, cancel)
        except GrammarRefused as exc:
            log.warning("%s; answers are not constrained from now on", exc)
            self.uses_grammar = False
            del body["grammar"]
            conn, response = self._request("POST", path, body, cancel)
        if response is None:
            return Completion("", "cancelled")
        pieces: list[str] = []
        finish = None
        logprobs: list[float] = []
        tokens = events = 0
        done = False
        report: dict[str, dict] = {}  # the server's usage and timings (its last event, where it sends them)
        try:
            for event in _events(response):
                if event is None:  # [DONE]
                    done = True
                    break
                events += 1
                choice = (event.get("choices") or [{}])[0]
                text = choice.get("text")
                if text is None:
                    text = (choice.get("delta") or {}).get("content") or ""
                if text:
                    pieces.append(text)
                    if on_text:
                        on_text(text)
                    tokens += 1
                lp = (choice.get("logprobs") or {}).get("token_logprobs")
                if isinstance(lp, list):
                    logprobs += [x for x in lp if isinstance(x, (int, float))]
                if choice.get("finish_reason"):
                    finish = choice["finish_reason"]
                report.update((k, event[k]) for k in ("usage", "timings") if isinstance(event.get(k), dict))
        except (OSError, http.client.HTTPException, ValueError) as exc:
            if cancel is not None and cancel.cancelled:
                return Completion("".join(pieces), "cancelled", tokens)
            if isinstance(exc, (socket.timeout, TimeoutError)):
                raise self._failed(f"{self.base_url} stopped answering (no data for {self.read_timeout:g} s)") from None
            raise self._failed(f"{self.base_url}: the answer broke off ({_reason(exc)})") from None
        finally:
            conn.close()
        if cancel is not None and cancel.cancelled:
            return Completion("".join(pieces), "cancelled", tokens)
        # a failure is a failure: never an empty (or cut) answer that would become an edit
        if not events:
            raise self._failed(f"{self.base_url}{path} answered with an empty stream (a server error?)")
        if finish is None or not done:
            raise self._failed(f"{self.base_url}: the answer ended without "
                               + ("a finish reason" if finish is None else "[DONE]"))
        if finish not in ("stop", "length", "eos"):
            raise self._failed(f"{self.base_url}: the answer ended with finish reason {str(finish)[:40]!r}")
        self._succeeded()
        mean = sum(logprobs) / len(logprobs) if logprobs else None
        return Completion("".join(pieces), "length" if finish == "length" else "stop", tokens, mean_logprob=mean,
                          **server_report(report.get("usage", {}), report.get("timings", {})))

    # -- control tokens ----------------------------------------------------------------

    def _logit_bias(self, ban: tuple[str, ...]) -> dict[str, int]:
        """``logit_bias`` that keeps the control tokens ``ban`` out of the answer.

        A server hides special tokens from the streamed text, so a model that writes
        ``<|fim_middle|>`` and goes on would pass its chatter off as code. Each string
        that is one token in the served model's vocabulary (asked once, from the
        server's tokenize endpoint) gets a bias of -100; the others are not tokens of
        this model and need nothing. A server without a tokenize endpoint gets the ids of
        a vocabulary known by the served model's name (Qwen2.5), else no bias: then only
        the visible-token cut and the gate apply.
        """
        if not ban:
            return {}
        if ban not in self._banned:
            bias = {}
            try:
                empty = self._tokenize("")
                if empty is None:  # no tokenize endpoint: only a vocabulary known by the model's name
                    self._banned[ban] = known_control_ids(self.model, ban)
                    return self._banned[ban]
                for text in ban:
                    ids = self._tokenize(text) or []
                    if ids[: len(empty)] == empty:
                        ids = ids[len(empty) :]  # a BOS the endpoint adds
                    if len(ids) == 1:
                        bias[str(ids[0])] = -100
            except BackendError:  # the server is down: the request says so; ask again next time
                return {}
            self._banned[ban] = bias
        return self._banned[ban]

    def _tokenize(self, text: str) -> list[int] | None:
        """Token ids of ``text`` from the server, or None when it offers no tokenize endpoint.

        llama.cpp's server and vLLM answer ``POST /tokenize``, llama-cpp-python's
        ``POST /extras/tokenize``, both beside ``/v1``. The answer for "" is kept.
        """
        if text == "" and self._empty is not None:
            return self._empty
        for path, body in ((f"{self._root}/extras/tokenize", {"input": text}),
                           (f"{self._root}/tokenize", {"content": text, "prompt": text, "add_special_tokens": False,
                                                       **({"model": self.model} if self.model else {})})):
            tokens = (self._post(path, body) or {}).get("tokens")
            if isinstance(tokens, list) and all(isinstance(t, int) for t in tokens):
                self._tokenizer = path
                if text == "":
                    self._empty = tokens
                return tokens
        return None

    def _post(self, path: str, body: dict) -> dict | None:
        """The JSON object a server answers to ``POST path`` (outside the OpenAI API), or
        None when it answers otherwise (no such endpoint)."""
        conn = self._connect()
        try:
            conn.request("POST", path, body=json.dumps(body).encode(), headers=self._headers())
            response = conn.getresponse()
            raw = response.read(1 << 20)
        except (OSError, http.client.HTTPException):
            return None
        finally:
            conn.close()
        if response.status != 200:
            return None
        try:
            answer = json.loads(raw)
        except ValueError:
            return None
        return answer if isinstance(answer, dict) else None


def _events(response) -> Iterator[dict | None]:
    """The JSON objects of a server-sent event stream, then None for ``[DONE]``.

    An ``error`` event raises ValueError; a stream that just stops yields no None, so the
    caller can tell a finished answer from one that broke off.
    """
    data: list[str] = []
    while True:
        raw = response.readline(1 << 20)
        if not raw:
            break
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if line.startswith("data:"):
            data.append(line[5:].strip())
        elif line == "" and data:
            payload = "\n".join(data)
            data = []
            if payload == "[DONE]":
                yield None
                return
            yield _event(payload)
    if data:
        payload = "\n".join(data)
        yield None if payload == "[DONE]" else _event(payload)


def _event(payload: str) -> dict:
    event = json.loads(payload)
    if not isinstance(event, dict):
        raise ValueError(f"not an event: {payload[:80]!r}")
    if "error" in event:
        err = event["error"]
        raise ValueError(err.get("message", err) if isinstance(err, dict) else err)
    return event


def _shut(sock: socket.socket) -> None:
    """Unblock a thread reading from ``sock`` (cancellation)."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed
        pass


def _reason(exc: BaseException) -> str:
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the server running?)"
    if isinstance(exc, socket.gaierror):
        return f"unknown host ({exc.strerror})"
    return one_line(exc)


def _error_detail(raw: bytes) -> str:
    try:
        err = json.loads(raw).get("error")
        message = err.get("message") if isinstance(err, dict) else err
    except (ValueError, AttributeError):
        message = raw.decode("utf-8", "replace").strip()
    return f": {str(message).splitlines()[0][:200]}" if message else ""
