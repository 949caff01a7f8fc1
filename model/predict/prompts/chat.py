"""A prompt for any instruction-tuned code model a user already serves (Ollama's
qwen2.5-coder, a llama.cpp or vLLM chat endpoint): the next edit asked in plain words.

One user message (some chat templates drop a system message: Gemma's does), laid out so
that what changes least comes first and a server's prompt cache is reused from one
keystroke to the next::

    {instructions}                                   same for every request
    File: {path}                                     the same while the cursor stays in the
    ```{language}                                    region's block of lines (REGION.snap)
    {lines above the region}
    {REGION_HOLE}
    {lines below the region}
    ```
    Related code from other files:                   changes when the related files do
    File: {snippet path} ...
    Recent edits to {path}, oldest first:            only the newest edit changes while typing
    ```diff ...```
    Problems a language server reports near the      left out when there are none; changes
    cursor in {path}:                                when the server speaks again
    - line {n} ({severity}): {message}
    The editable region (lines a-b of {path}), the cursor marked <|cursor|>:
    ```{language}                                    changes at every keystroke: last
    {region}
    ```
    {ASK}                                            one line: the request again

``layout="inline"`` gives the layout of the trained formats instead (edit history first,
then the file with the region marked inside it): the benchmark measures what the order
above saves with it (bench/model_speed.py).

The answer is the rewritten region in a code block. Parsing takes the first fenced block
and drops prose around it, accepts an answer without a fence when it has no prose, and
rejects one cut off by the token limit before its block closed.
"""

from __future__ import annotations

import re

from nxedit.model.predict.context import EditContext, RegionSpec
from nxedit.model.text.plain import strip_eol
from .base import ChatPrompt, Escaper, Grammar, Parsed, Rejected, answer_grammar, finish, with_cursor, without_cursor

NAME = "chat"
CURSOR = "<|cursor|>"
START = "<|editable_region_start|>"  # the inline layout only
END = "<|editable_region_end|>"
STOP = ("<|im_end|>", "<|endoftext|>")  # the end of the assistant's turn when sent as ChatML text
REGION = RegionSpec(
    syntax=False, snap=4, lines_above=1, lines_below=3, context_above=60, context_below=30, max_events=5,
    snippet_tokens=768,
)
DIFF_CONTEXT = 2
REGION_HOLE = "<<< the editable region: shown at the end >>>"
# the request once more after the region: small models otherwise repeat the instructions
ASK = "Answer with the rewritten editable region in one fenced code block."

INSTRUCTIONS = (
    "You predict the next edit a programmer makes in their code. You get the file they are editing, "
    "code related to it from other files, their recent edits, and the editable region of the file with "
    f"their cursor marked {CURSOR}.\n"
    "Rewrite the editable region as it will be after their next edit: finish what they are typing, and "
    "make the changes their recent edits call for. Keep the indentation and style of the code. Leave out "
    "the cursor marker. If no edit is needed, repeat the region unchanged.\n"
    "Answer with the whole rewritten region in one fenced code block, and nothing else."
)

escape = Escaper()


def _fence(text: str) -> str:
    """A code fence longer than any run of backticks in ``text`` (a Markdown file stays whole)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _block(text: str, language: str = "") -> str:
    fence = _fence(text)
    return f"{fence}{language}\n{text}\n{fence}"


def _snippets(ctx: EditContext) -> str:
    if not ctx.snippets:
        return ""
    blocks = [f"File: {escape.path(s.path)}\n{_block(escape(s.text).removesuffix(chr(10)))}" for s in ctx.snippets]
    return "Related code from other files:\n\n" + "\n\n".join(blocks) + "\n\n"


def _edits(ctx: EditContext) -> str:
    if not ctx.events:
        return ""
    diffs = "\n".join(escape(e.unified_diff(DIFF_CONTEXT)) for e in ctx.events)
    return f"Recent edits to {escape.path(ctx.path)}, oldest first:\n{_block(diffs, 'diff')}\n\n"


def _problems(ctx: EditContext) -> str:
    """The language server's diagnostics nearest the cursor (as Zeta's prompt carries them):
    a missing name or a wrong argument is often what the next edit fixes."""
    if not ctx.diagnostics:
        return ""
    rows = "\n".join(f"- line {p.line + 1} ({p.severity}): {escape(p.message)}" for p in ctx.diagnostics)
    return f"Problems a language server reports near the cursor in {escape.path(ctx.path)}:\n{rows}\n\n"


def render(ctx: EditContext, layout: str = "cache") -> ChatPrompt:
    """The chat prompt; ``layout`` is ``"cache"`` (least-changing first) or ``"inline"``."""
    (e0, e1), (r0, r1) = ctx.excerpt, ctx.region
    path, lang = escape.path(ctx.path), ctx.language
    region = with_cursor(ctx.region_text, ctx.cursor_in_region, CURSOR, escape)
    above, below = escape(ctx.text(e0, r0)), escape(strip_eol(ctx.text(r1, e1)))
    if layout == "cache":
        file = _block(f"{above}{REGION_HOLE}\n{below}", lang)
        ask = f"The editable region (lines {r0 + 1}-{r1} of {path}), the cursor marked {CURSOR}:\n{_block(region, lang)}"
        user = f"{INSTRUCTIONS}\n\nFile: {path}\n{file}\n\n{_snippets(ctx)}{_edits(ctx)}{_problems(ctx)}{ask}\n\n{ASK}"
    elif layout == "inline":
        file = _block(f"{above}{START}\n{region}\n{END}\n{below}", lang)
        user = (f"{INSTRUCTIONS}\n\n{_snippets(ctx)}{_edits(ctx)}{_problems(ctx)}File: {path}, the editable region "
                f"(lines {r0 + 1}-{r1}) between {START} and {END}:\n{file}\n\n{ASK}")
    else:
        raise ValueError(f"unknown layout {layout!r}")
    return ChatPrompt((("user", user),))


def grammar(ctx: EditContext) -> Grammar:
    """The answer's structure (GBNF): one code block, fenced as the region was, no prose."""
    fence = _fence(ctx.region_text)
    return answer_grammar(ctx, f"{fence}{ctx.language}\n", f"\n{fence}", fence, cursor=CURSOR,
                          copy=render_target(ctx, ctx.region_text))


def render_target(ctx: EditContext, rewrite: str) -> str:
    return _block(escape(rewrite), ctx.language)


_OPEN = re.compile(r"^[ \t]*(`{3,})[^`\n]*$", re.M)
# a line of prose: a capitalised sentence of three words or more, ending in a colon or full stop
_PROSE = re.compile(r"^[A-Z][A-Za-z']*(?: [^\s]+){2,}[:.]$")


def _fenced(text: str) -> tuple[str | None, bool]:
    """The first fenced block's content and whether it was closed; ``(None, False)`` if none."""
    opened = _OPEN.search(text)
    if opened is None:
        return None, False
    body = text[opened.end() + 1 :] if opened.end() < len(text) else ""
    close = re.search(r"^[ \t]*" + opened.group(1) + r"`*[ \t]*$", body, re.M)
    if close is None:
        return body, False
    return body[: close.start()].removesuffix("\n"), True


def _without_prose(text: str, region: str) -> str:
    """``text`` without the sentences a chat model puts before or after code (and the blank
    lines between them and the code); text without such sentences is kept as it is."""
    known = {line.strip() for line in region.splitlines()}
    lines = text.split("\n")

    def prose(line: str) -> bool:
        return _PROSE.match(line.strip()) is not None and line.strip() not in known

    def trim(lines: list[str]) -> list[str]:
        start = 0
        while start < len(lines) and (not lines[start].strip() or prose(lines[start])):
            start += 1
        said = any(prose(line) for line in lines[:start])
        return lines[start:] if said else lines

    kept = trim(lines)
    if len(kept) < len(lines):  # the blank lines that part prose from code: the region's own, if any
        kept = [""] * (len(region) - len(region.lstrip("\n"))) + kept
    return "\n".join(reversed(trim(list(reversed(kept)))))


def parse(output: str, ctx: EditContext, truncated: bool = False) -> Parsed | Rejected:
    """The edits in a chat model's answer (the rewritten region, fenced or not), or why not."""
    if output.lstrip().startswith(INSTRUCTIONS[:60]):  # small models echo their prompt
        return Rejected("the answer repeats the prompt instead of rewriting the region")
    text = without_cursor(output, CURSOR, ctx).replace(START + "\n", "").replace("\n" + END, "")
    body, closed = _fenced(text)
    cut = truncated and not closed  # stopped at the token limit before its code ended
    if body is None:
        body = _without_prose(text, ctx.region_text)
    if not body.strip() and ctx.region_text.strip():
        return Rejected("the answer holds no code")
    if not cut:
        # a chat model ends its code without the region's trailing line breaks (a region that
        # ends a file): keep them rather than suggest deleting them
        body = body.rstrip("\n") + "\n" * (len(ctx.region_text) - len(ctx.region_text.rstrip("\n")))
    if "\r\n" in ctx.region_text:  # chat models answer with \n: keep the file's line endings
        body = body.replace("\r\n", "\n").replace("\n", "\r\n")
    return finish(ctx, escape.unescape(body), cut=cut)
