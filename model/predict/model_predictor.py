"""The model predictor: request -> context -> prompt -> backend -> parse -> Suggestion.

For the editor::

    config, messages = model_config_from(table, cli_backend, cli_model)
    predictor = ModelPredictor(config, on_status=show_in_status_bar, wait_for_load=False)
    predictor.start()                      # loads in a background thread (minutes for a 7B on a GPU)
    suggestion = predictor.predict(request)  # in a worker thread; None = nothing to show
    predictor.cancel()                     # the buffer changed: stop what is running
    predictor.reconnect()                  # the user asks: try a failed backend again now

A newer ``predict`` cancels the ones still running (their results would be stale).
Nothing here raises into the editor: a backend that fails to load or crashes leaves a
one-line ``status`` (also sent to ``on_status``) and predictions return None. A failed load
is tried again after ``retry_delay`` seconds (doubling from ``RETRY_FIRST`` up to
``RETRY_MAX``): a model server started after the editor is found without a restart.
``nxedit predict`` instead wants failures as errors (``raise_failures``): "model down" is
not "no suggestion".
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import replace
from typing import Any, Callable

from .backends import Backend, BackendError, CancelToken, create_backend
from .backends.base import one_line
from .context import build_context, estimate_tokens
from .model_config import ModelConfig, model_config_from
from nxedit.model.privacy import PrivacyRules
from .prompts import get_format
from .prompts.base import PromptRefused, Rejected, cut_at_control_token
from . import model_acceptance
from .rewrite_diff import repetition
from .suggestion import Suggestion

log = logging.getLogger("nxedit.model")

DEFAULT_CONFIDENCE = 0.5  # when the backend reports no token probabilities
WATCH_EVERY = 256  # characters of streamed output between checks for a runaway repetition
RETRY_FIRST = 5.0  # seconds after a failed load before it is tried again; doubles each time
RETRY_MAX = 300.0


class ModelPredictor:
    """A :class:`~nxedit.model.predict.predictor.Predictor` backed by a next-edit model (thread-safe)."""

    def __init__(self, config: ModelConfig, backend: Backend | None = None,
                 on_status: Callable[[str], None] | None = None,
                 exclude: Callable[[str], bool] | None = None, wait_for_load: bool = True,
                 raise_failures: bool = False):
        if not config.enabled:
            raise ValueError("no model backend is configured ([model] backend or --backend)")
        self.config = config
        self.format = get_format(config.prompt_format)
        self.name = f"model:{config.backend}"
        # paths never sent to a model: the secret-file rules unless the editor passes its own
        # (with the user's globs); one check for the request's file and for related files
        self.exclude = exclude if exclude is not None else PrivacyRules().is_private
        self.wait_for_load = wait_for_load
        self.raise_failures = raise_failures  # BackendError out of predict() instead of None
        self.failures = 0  # failed loads in a row
        self._retry_at = 0.0  # monotonic time after which a failed load may be tried again
        self._own_backend = backend is None  # made here: remade on a retry (a fresh connection)
        self.status = "model: not loaded"
        self.last_rejection: str | None = None  # why the last prediction's answer was refused, if it was
        # the loop the last answer was stopped in, if it was, and the answer up to it (what was read)
        self.last_loop: tuple[str, str] | None = None
        self.last_error: str | None = None  # why the last load failed (without the retry note)
        self._backend = backend
        self._on_status = on_status
        self._state = "idle"  # idle -> loading -> ready | failed
        self._load_lock = threading.Lock()
        self._lock = threading.Lock()
        self._inflight: dict[Any, CancelToken] = {}
        self._count_tokens = estimate_tokens
        # the learned acceptance model (model_acceptance.py): a candidate is shown only when its
        # probability reaches min_confidence (default: the model's threshold); None shows all
        # that pass the sanity gate (bench/model_gate.py's "after gate" column)
        weights = os.path.expanduser(config.acceptance_weights) if config.acceptance_weights else None
        self.acceptance = model_acceptance.load(weights) or model_acceptance.load()
        if weights and self.acceptance is not model_acceptance.load(weights):
            log.warning("%s is not an acceptance model (JSON weights): the shipped one is used", weights)

    # -- status and loading ------------------------------------------------------------

    def _set_status(self, message: str) -> None:
        self.status = f"model: {message}"
        if self._on_status:
            try:
                self._on_status(self.status)
            except Exception:  # the UI callback must not break prediction
                log.exception("status callback failed")

    @property
    def ready(self) -> bool:
        return self._state == "ready"

    @property
    def retry_delay(self) -> float | None:
        """Seconds until a failed load may be tried again; None unless it failed."""
        if self._state != "failed":
            return None
        return max(0.0, self._retry_at - time.monotonic())

    def load(self) -> bool:
        """Load the backend now (blocking); True when it is ready. Safe to call again: a
        failed load is tried again once its ``retry_delay`` has passed."""
        with self._load_lock:
            if self._state == "ready":
                return True
            if self._state in ("failed", "closed") and (self._state == "closed" or self.retry_delay):
                return False
            if self._state == "failed" and self._own_backend and self._backend is not None:
                self._backend.close()  # a fresh backend: no connection or cool-off left from before
                self._backend = None
            self._state = "loading"
            try:
                if self._backend is None:
                    self._backend = create_backend(self.config)
                self._backend.load(self._set_status)
                self._check_model()
                if self._backend.count_tokens("x") is not None:
                    self._count_tokens = lambda text: self._backend.count_tokens(text)
            except BackendError as exc:
                self._load_failed(str(exc))
                return False
            except Exception as exc:  # a backend bug must not take the editor down
                log.exception("model backend failed to load")
                self._load_failed(f"{self.config.backend} failed to load: {one_line(exc)}")
                return False
            self._state = "ready"
            self.failures = 0
            return True

    def _check_model(self) -> None:
        """BackendError when the loaded model is one the prompt format must not be used
        with (Zeta-2 weights under the Zeta-1 format)."""
        refusal = getattr(self.format, "model_refusal", None)
        if refusal is None:
            return
        served = getattr(self._backend, "model", None)  # the openai backend: the server's model name
        name = served if isinstance(served, str) else self.config.model
        folder = self.config.model_path if self.config.model_path and os.path.isdir(self.config.model_path) else None
        reason = refusal(name, folder)
        if reason:
            raise BackendError(reason)

    def _load_failed(self, message: str) -> None:
        self._state = "failed"
        self.last_error = message
        self.failures += 1
        delay = min(RETRY_MAX, RETRY_FIRST * 2 ** (self.failures - 1))
        self._retry_at = time.monotonic() + delay
        self._set_status(f"{message} (trying again in {delay:.0f} s)")

    def reconnect(self) -> None:
        """Forget a failed load (and a ready backend's connection): the next :meth:`load`
        tries at once. For the editor's "reconnect" command."""
        with self._load_lock:
            if self._state == "closed":
                return
            if self._own_backend and self._backend is not None:
                self._backend.close()
                self._backend = None
            self._state = "idle"
            self.failures = 0
            self._retry_at = 0.0

    def start(self) -> threading.Thread:
        """Load in a background thread (for the editor); predictions return None until ready."""
        thread = threading.Thread(target=self.load, name="nxedit-model-load", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        self.cancel()
        if self._backend is not None:
            self._backend.close()
        self._state = "closed"
        self._set_status("closed")

    # -- predicting ----------------------------------------------------------------------

    def cancel(self, request_id: Any = None) -> None:
        """Stop the prediction for ``request_id`` (all running ones when None)."""
        with self._lock:
            tokens = list(self._inflight.values()) if request_id is None else [self._inflight.get(request_id)]
        for token in tokens:
            if token is not None:
                token.cancel()

    def _reject(self, reason: str) -> None:
        self.last_rejection = reason
        log.info("model suggestion rejected: %s", reason)

    def predict(self, request) -> Suggestion | None:
        """The model's next edit for ``request``, or None (abstain, cancelled, or not ready)."""
        t0 = time.perf_counter()
        self.last_rejection = self.last_loop = None
        if request.path and self.exclude(request.path):
            self._reject(f"{request.path} is private: it is never sent to a model")
            return None
        if not self.ready and not (self.wait_for_load and self.load()):
            if self.raise_failures:
                raise BackendError(self.status.removeprefix("model: "))
            return None
        token = CancelToken()
        key = request.id if request.id is not None else object()
        with self._lock:
            stale = list(self._inflight.values())
            self._inflight[key] = token
        for old in stale:  # a newer request makes the running ones stale
            old.cancel()
        try:
            return self._predict(request, token, t0)
        finally:
            with self._lock:
                if self._inflight.get(key) is token:
                    del self._inflight[key]

    def _predict(self, request, token: CancelToken, t0: float) -> Suggestion | None:
        fmt = self.format
        try:
            ctx = build_context(request, fmt.REGION, self._count_tokens, self.exclude)
            prompt = fmt.render(ctx)
        except PromptRefused as exc:
            self._reject(str(exc))
            return None
        region = ctx.region_text
        # the region rewritten, a quarter more for what the edit adds, and the format's markers:
        # a model that runs on past that is cut rather than decoded for nothing
        n = ctx.count_tokens(region)
        max_tokens = min(self.config.max_tokens, n + n // 4 + 64)
        runaway: list[tuple[str, str]] = []  # why the model was stopped, and its answer up to the loop
        streamed: list[str] = []
        checked = [0]  # characters streamed at the last check

        def watch(piece: str) -> None:  # stop a model that loops instead of waiting for max tokens
            streamed.append(piece)
            size = checked[0] + len(piece)
            if size // WATCH_EVERY == checked[0] // WATCH_EVERY:
                checked[0] = size
                return
            checked[0] = size
            text = "".join(streamed)
            found = repetition(region, text)
            if found:
                runaway.append((found[0], text[: found[1]]))
                token.cancel()

        options = {"ban": getattr(fmt, "BAN", ())}
        if getattr(self._backend, "uses_grammar", False) and hasattr(fmt, "grammar"):
            grammar = fmt.grammar(ctx)  # the answer forced into the format's structure
            options["grammar"] = grammar
            # the grammar bounds the answer (in characters) and ends it: the token limit must not
            # end it first, or the answer loses its tail (its end marker or fence) and is refused
            max_tokens = max(max_tokens, grammar.max_tokens)
        try:
            completion = self._backend.complete(prompt, max_tokens, fmt.STOP, token, watch, **options)
        except BackendError as exc:
            self._set_status(str(exc))
            if self.raise_failures:
                raise
            return None
        except Exception as exc:  # a crashing backend costs this prediction only
            log.exception("model backend crashed")
            self._set_status(f"{self._backend.name} failed: {one_line(exc)}")
            if self.raise_failures:
                raise BackendError(f"{self._backend.name} failed: {one_line(exc)}") from None
            return None
        if runaway:
            # what the model wrote before it looped is an answer cut off there: only its part
            # that matches the file is placed (what it never reached stays), or it is refused
            why, head = self.last_loop = runaway[0]
            completion = replace(completion, text=head, finish_reason="length")
            result = fmt.parse(head, ctx, True)
            if isinstance(result, Rejected):
                self._reject(why)
                return None
        elif completion.finish_reason == "cancelled":
            return None
        else:
            result = fmt.parse(completion.text, ctx, completion.truncated)
            if isinstance(result, Rejected):
                self._reject(result.reason)
                return None
        if not result.edits:
            return None
        confidence = completion.confidence
        source = f"model:{self._backend.name}"
        if self.acceptance is None:
            return Suggestion(result.edits, source, DEFAULT_CONFIDENCE if confidence is None else confidence,
                              latency_ms=(time.perf_counter() - t0) * 1000)
        feats = self.candidate_features(request, ctx, result, completion)
        p = self.acceptance.probability(feats)
        least = self.acceptance.threshold if self.config.min_confidence is None else self.config.min_confidence
        if p < least:
            self._reject(f"the acceptance model gives the model's edit {p:.2f} (< {least:.2f}): likely wrong")
            return None
        return Suggestion(result.edits, source, p, latency_ms=(time.perf_counter() - t0) * 1000,
                          features=tuple(sorted(feats.items())))

    @staticmethod
    def candidate_features(request, ctx, result, completion) -> dict[str, float]:
        """The acceptance model's features of a parsed answer (also what training/model_ranker.py fits on)."""
        flags = result.flags + (("control",) if cut_at_control_token(completion.text) != completion.text else ()) \
            + (("truncated",) if completion.truncated else ())
        agreement = model_acceptance.structural_agreement(request, result.edits)
        return model_acceptance.features(ctx, result.rewrite, result.edits, flags, completion.confidence, agreement)


def create(backend: str | None = None, model: str | None = None, wait_for_load: bool = True,
           **settings) -> ModelPredictor:
    """Registry factory (``nxedit predict --backend NAME --model PATH``): a loaded predictor.

    ``settings`` are ``[model]`` table keys (``prompt_format``, ``base_url``, ...).
    Raises ValueError for a bad configuration and BackendError when loading fails.
    """
    config, messages = model_config_from(settings, backend, model)
    if messages:
        raise ValueError("; ".join(messages))
    predictor = ModelPredictor(config, wait_for_load=wait_for_load, raise_failures=True)
    if wait_for_load and not predictor.load():
        raise BackendError(predictor.status)
    return predictor
