"""The interface every backend offers, and the pieces they share."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Callable, Literal, Protocol, Sequence

from nxedit.model.predict.prompts.base import Prompt

StatusCallback = Callable[[str], None]
TextCallback = Callable[[str], None]
FinishReason = Literal["stop", "length", "cancelled"]


class BackendError(RuntimeError):
    """A backend that cannot load or answer; ``str()`` is one line for the status bar."""


class CancelToken:
    """Cancels one generation from any thread; backends poll it or register a callback."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self) -> None:
        with self._lock:
            if self._event.is_set():
                return
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            try:
                callback()
            except Exception:  # a failing callback must not stop cancellation
                pass

    def on_cancel(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` when cancelled (at once if that already happened)."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return
        callback()


@dataclass(frozen=True, slots=True)
class Completion:
    """What a backend generated for one prompt."""

    text: str
    finish_reason: FinishReason  # "stop": a stop string or end of text; "length": max tokens
    new_tokens: int = 0
    prompt_tokens: int | None = None
    mean_logprob: float | None = None  # mean log-probability of the generated tokens, if known
    # what the server says of the request, where it says it (llama.cpp's server: its usage and
    # timings): prompt tokens taken from its KV cache, and its own prefill and decoding times
    cached_tokens: int | None = None
    prompt_ms: float | None = None
    decode_ms: float | None = None
    decoded: int | None = None  # tokens the server generated (its count, drafts accepted included)

    @property
    def truncated(self) -> bool:
        return self.finish_reason == "length"

    @property
    def confidence(self) -> float | None:
        """The geometric mean of the generated tokens' probabilities, if known."""
        return None if self.mean_logprob is None else math.exp(self.mean_logprob)


class Backend(Protocol):
    name: str

    def load(self, on_status: StatusCallback | None = None) -> None:
        """Make the backend ready (slow: loads weights, checks a server); BackendError if not."""

    def complete(
        self,
        prompt: Prompt,
        max_tokens: int,
        stop: Sequence[str] = (),
        cancel: CancelToken | None = None,
        on_text: TextCallback | None = None,
        ban: Sequence[str] = (),
    ) -> Completion:
        """Generate greedily for ``prompt``, streaming text pieces to ``on_text``.

        Stops at any of ``stop`` (not included in the text), at the end of text, after
        ``max_tokens``, or soon after ``cancel`` fires (``finish_reason="cancelled"``).
        A stop that is one token of the model (``<|im_end|>``) is matched as a token id:
        decoded text skips special tokens, so as a string it would never be seen. The
        control tokens ``ban`` never reach the text: the model may not write them, or
        generation ends at one. Raises BackendError when the model cannot answer.
        """

    def count_tokens(self, text: str) -> int | None:
        """Tokens of ``text`` in the loaded model's tokenizer; None if there is none."""

    def close(self) -> None:
        """Free the model or connection; the backend cannot be used afterwards."""


class StopScanner:
    """Finds stop strings in streamed text, holding back what could start one."""

    def __init__(self, stop: Sequence[str]):
        self.stop = tuple(s for s in stop if s)
        self.text = ""
        self.emitted = 0
        self.stopped = False

    def feed(self, piece: str) -> str:
        """Add generated text; returns the part that is safe to show now (nothing once stopped)."""
        if self.stopped:  # a generator may hand over one more token before it sees the stop
            return ""
        self.text += piece
        cut = min((i for i in (self.text.find(s, max(0, self.emitted - len(s))) for s in self.stop) if i >= 0),
                  default=-1)
        if cut >= 0:
            self.text = self.text[:cut]
            self.stopped = True
            safe = cut
        else:
            hold = max((k for s in self.stop for k in range(1, len(s)) if self.text.endswith(s[:k])), default=0)
            safe = len(self.text) - hold
        out = self.text[self.emitted : max(safe, self.emitted)]
        self.emitted = max(safe, self.emitted)
        return out

    def finish(self) -> str:
        """The held-back rest once generation ended without a stop string."""
        out = self.text[self.emitted :]
        self.emitted = len(self.text)
        return out


def single_token_ids(encode: Callable[[str], list[int]], texts: Sequence[str]) -> list[int]:
    """The ids of those ``texts`` that are one token each for ``encode`` (special tokens
    such as ``<|im_end|>``, ``<|fim_middle|>``); the others are left to string matching."""
    ids = []
    for text in texts:
        encoded = encode(text) if text else []
        if len(encoded) == 1 and encoded[0] not in ids:
            ids.append(encoded[0])
    return ids


def prompt_text(prompt: Prompt) -> str:
    """A prompt as one string for completion-style models (chat prompts in ChatML)."""
    return prompt if isinstance(prompt, str) else prompt.to_text()


def one_line(exc: BaseException) -> str:
    """An exception as one short line: its first line, or its type when it says nothing."""
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
