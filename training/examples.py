"""A training example for the next-edit model, and how it becomes a prompt and a completion.

An :class:`Example` is what the editor would have sent (a wire-format request: path,
language, current buffer, cursor, recent edits, other files) plus the edits that really
followed (``expected``, line edits against ``current``; any one of them is a right
answer, as in the benchmark). :func:`render` cuts the context exactly as the model
predictor does (``build_context`` with the format's ``REGION``), renders the prompt with
the format's ``render`` and the answer with its ``render_target``: one definition of each
prompt format, shared by training and the editor.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from nxedit.model.predict.context import EditContext, build_context, estimate_tokens
from nxedit.model.predict.prompts.base import ChatPrompt, PromptRefused
from nxedit.model.predict.request import RequestError, parse_request
from nxedit.model.text.plain import apply_line_edits

SOURCES = ("history", "git", "synthetic")


@dataclass
class Example:
    source: str  # history, git or synthetic
    file: str  # the unit of the train/validation split: project or repository, and path
    time: float  # when the edit was made (Unix seconds): the split's clock
    request: dict  # wire format: path, language, current, cursor, history, files
    expected: list[dict]  # the next hunks, line edits against request["current"]
    meta: dict = field(default_factory=dict)  # commit, session, category, ...

    @property
    def language(self) -> str:
        return self.request.get("language") or ""


@dataclass
class Rendered:
    """An example in one prompt format: what the model reads and what it should answer."""

    prompt: str  # chat prompts in ChatML (what a tokenizer without a chat template gets)
    completion: str
    messages: list[dict] | None  # chat prompts: the messages, for the tokenizer's chat template
    target: int  # which expected hunk the completion makes
    region: str  # the editable region as the model sees it
    rewrite: str  # the region after the target hunk
    prompt_tokens: int
    completion_tokens: int
    format: str = ""  # the prompt format's name


def region_rewrite(ctx: EditContext, new_text: str) -> str | None:
    """The editable region as it reads in ``new_text`` (the buffer after an edit), or None
    when the edit changes text outside the region (the model could not have made it)."""
    current = ctx.current
    head, tail = current[: ctx.region_start], current[ctx.region_end :]
    if len(new_text) < len(head) + len(tail) or not new_text.startswith(head) or not new_text.endswith(tail):
        return None
    return new_text[len(head) : len(new_text) - len(tail)]


def context_of(
    request: dict,
    fmt,
    count_tokens: Callable[[str], int] | None = None,
    exclude: Callable[[str], bool] | None = None,
) -> EditContext:
    """The context the model predictor would build for ``request`` (raises ValueError if bad)."""
    try:
        return build_context(parse_request(request), fmt.REGION, count_tokens, exclude)
    except RequestError as exc:
        raise ValueError(str(exc)) from None


def prompt_fields(prompt) -> tuple[str, list[dict] | None]:
    """A rendered prompt as stored: its text, and its messages when it is a chat prompt."""
    if isinstance(prompt, ChatPrompt):
        return prompt.to_text(), prompt.to_openai()
    return prompt, None


def render(
    example: Example,
    fmt,
    count_tokens: Callable[[str], int] | None = None,
    exclude: Callable[[str], bool] | None = None,
) -> Rendered | str:
    """``example`` in prompt format ``fmt``, answering its first expected hunk that lies in
    the editable region; a one-line reason when it cannot be rendered."""
    count = count_tokens or estimate_tokens
    try:
        ctx = context_of(example.request, fmt, count, exclude)
        prompt = fmt.render(ctx)
    except (ValueError, PromptRefused) as exc:
        return f"bad request: {exc}"
    current = example.request["current"]
    for i, hunk in enumerate(example.expected):
        try:
            after = apply_line_edits(current, [hunk])
        except ValueError:
            continue
        rewrite = region_rewrite(ctx, after)
        if rewrite is None or rewrite == ctx.region_text:
            continue
        try:
            completion = fmt.render_target(ctx, rewrite)
        except PromptRefused as exc:
            return f"bad request: {exc}"
        text, messages = prompt_fields(prompt)
        return Rendered(
            text, completion, messages, i, ctx.region_text, rewrite, count(text), count(completion), fmt.NAME
        )
    return "the next edit is outside the editable region"


# ---------------------------------------------------------------------------------------
# example files (JSON Lines)


def example_row(example: Example, rendered: Rendered, fmt_name: str, split: str, index: int) -> dict:
    """One line of a dataset file: the rendered pair plus what evaluation needs."""
    return {
        "id": f"{example.source}:{index}",
        "source": example.source,
        "split": split,
        "file": example.file,
        "time": example.time,
        "language": example.language,
        "path": example.request.get("path", ""),
        "format": rendered.format or fmt_name,
        "prompt": rendered.prompt,
        "messages": rendered.messages,
        "completion": rendered.completion,
        "target": rendered.target,
        "prompt_tokens": rendered.prompt_tokens,
        "completion_tokens": rendered.completion_tokens,
        "request": example.request,
        "expected": example.expected,
        "meta": example.meta,
    }


def write_jsonl(path: Path, rows: Iterable[dict]) -> int:
    """Write rows atomically (a crash leaves the old file); returns how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    n = 0
    with tmp.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    tmp.replace(path)
    return n


def read_jsonl(path: Path) -> Iterator[dict]:
    with Path(path).open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)
