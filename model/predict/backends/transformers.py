"""Hugging Face transformers: small next-edit models on the CPU (or any torch device), and the tests.

Loads a model folder (``config.json``, weights, tokenizer) with nothing downloaded, and
generates greedily with ``model.generate``: a streamer hands each new token's text on,
and a stopping criterion ends generation at a stop string or when the request is
cancelled (checked after every token).
"""

from __future__ import annotations

import os
import threading
from typing import Sequence

from nxedit.model.predict.prompts.base import ChatPrompt, Prompt
from .base import (BackendError, CancelToken, Completion, StatusCallback, StopScanner, TextCallback, one_line,
                   single_token_ids)


class TransformersBackend:
    name = "transformers"

    def __init__(self, config):
        self.path = config.model_path
        self.device = config.device
        self.model = None
        self.tokenizer = None
        self._lock = threading.Lock()  # one generation at a time: the model is not re-entrant

    def load(self, on_status: StatusCallback | None = None) -> None:
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError as exc:
            raise BackendError(f"the transformers backend needs torch and transformers ({one_line(exc)}): "
                               "pip install 'nxedit[train]'") from None
        if not self.path or not os.path.isdir(self.path):
            raise BackendError(f"model folder not found: {self.path}")
        if on_status:
            on_status(f"loading {os.path.basename(self.path.rstrip('/'))} with transformers on {self.device}")
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True)
            model = AutoModelForCausalLM.from_pretrained(self.path, local_files_only=True, dtype=torch.float32)
            self.model = model.to(self.device).eval()
        except (OSError, ValueError, RuntimeError) as exc:
            raise BackendError(f"cannot load {self.path} with transformers: {one_line(exc)}") from None
        if on_status:
            on_status(f"ready: {os.path.basename(self.path.rstrip('/'))} (transformers, {self.device})")

    def count_tokens(self, text: str) -> int | None:
        if self.tokenizer is None:
            return None
        return len(self.tokenizer.encode(text, add_special_tokens=False))

    def close(self) -> None:
        self.model = self.tokenizer = None

    def complete(self, prompt: Prompt, max_tokens: int, stop: Sequence[str] = (),
                 cancel: CancelToken | None = None, on_text: TextCallback | None = None,
                 ban: Sequence[str] = ()) -> Completion:
        if self.model is None:
            raise BackendError("the transformers model is not loaded")
        import torch

        cancel = cancel or CancelToken()
        tok = self.tokenizer
        ids = torch.tensor([prompt_ids(tok, tokenizer_prompt(tok, prompt))], device=self.device)
        scanner = StopScanner(stop)
        streamer = _streamer(tok, scanner, on_text)
        eos = tok.eos_token_id
        # one-token stops end generation as ids: the streamer skips special tokens, so the
        # string "<|im_end|>" never reaches the scanner
        stop_ids = single_token_ids(lambda t: tok.encode(t, add_special_tokens=False), [*stop, *ban])
        end_ids = ([eos] if eos is not None else []) + [i for i in stop_ids if i != eos]
        try:
            with self._lock, torch.inference_mode():
                if cancel.cancelled:
                    return Completion("", "cancelled")
                out = self.model.generate(
                    ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_tokens, do_sample=False,
                    stopping_criteria=_criteria(scanner, cancel), streamer=streamer,
                    return_dict_in_generate=True, output_scores=True, eos_token_id=end_ids or None,
                    pad_token_id=eos if eos is not None else 0,
                )
        except (RuntimeError, ValueError, IndexError) as exc:
            raise BackendError(f"transformers generation failed: {one_line(exc)}") from None
        new = out.sequences[0, ids.shape[1] :].tolist()
        rest = "" if scanner.stopped else scanner.finish()
        if rest and on_text:
            on_text(rest)
        logprobs = [torch.log_softmax(score[0].float(), -1)[t].item() for score, t in zip(out.scores, new)]
        if cancel.cancelled:
            reason = "cancelled"
        elif scanner.stopped or (new and new[-1] in end_ids):
            reason = "stop"
        else:
            reason = "length" if len(new) >= max_tokens else "stop"
        mean = sum(logprobs) / len(logprobs) if logprobs else None
        return Completion(scanner.text, reason, len(new), ids.shape[1], mean)


def tokenizer_prompt(tokenizer, prompt: Prompt) -> str:
    """The text ``tokenizer`` reads for ``prompt``: a chat prompt through the model's chat
    template when it has one (else ChatML), a string as it is. Training uses it too, so a
    fine-tuned model is trained on exactly what this backend sends it."""
    if isinstance(prompt, ChatPrompt) and getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(prompt.to_openai(), tokenize=False, add_generation_prompt=True)
    return prompt if isinstance(prompt, str) else prompt.to_text()


def prompt_ids(tokenizer, text: str) -> list[int]:
    """The token ids of a prompt text, with the special tokens the tokenizer puts before a
    text (Gemma's ``<bos>``; Qwen's none), as llama.cpp and vLLM feed a model, unless the
    text already starts with them (a chat template that writes ``<bos>`` itself). A model
    trained or prompted without its start token (Gemma) answers from a state it never saw.
    Special tokens it would put after the text (an end token) are not added."""
    plain = tokenizer(text, add_special_tokens=False).input_ids
    marked = tokenizer(text).input_ids
    n = len(marked) - len(plain)
    head = marked[:n] if n > 0 and marked[n:n + len(plain)] == plain else []
    return plain if plain[: len(head)] == head else head + plain


def _streamer(tokenizer, scanner: StopScanner, on_text: TextCallback | None):
    """A generate() streamer: decodes the new tokens and feeds the text to ``scanner``."""
    from transformers.generation.streamers import BaseStreamer

    class Streamer(BaseStreamer):
        def __init__(self):
            self.prompt_seen = False
            self.tokens: list[int] = []
            self.decoded = ""

        def put(self, value):
            if not self.prompt_seen:  # the first call carries the prompt
                self.prompt_seen = True
                return
            self.tokens += value.reshape(-1).tolist()
            text = tokenizer.decode(self.tokens, skip_special_tokens=True)
            if text.endswith("\ufffd"):  # half of a multi-byte character: wait for the rest
                return
            piece, self.decoded = text[len(self.decoded) :], text
            shown = scanner.feed(piece)
            if shown and on_text:
                on_text(shown)

        def end(self):
            pass

    return Streamer()


def _criteria(scanner: StopScanner, cancel: CancelToken):
    """Stopping criteria: a stop string was generated, or the request was cancelled."""
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    class StopOrCancel(StoppingCriteria):
        def __call__(self, input_ids, scores, **kwargs):
            done = scanner.stopped or cancel.cancelled
            return torch.full((input_ids.shape[0],), done, dtype=torch.bool, device=input_ids.device)

    return StoppingCriteriaList([StopOrCancel()])
