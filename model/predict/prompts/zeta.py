"""Zed's Zeta (1) prompt: an instruction, the user's edits as diffs, and an excerpt in
which the editable region and the cursor are marked; the model answers with the region
rewritten between its markers.

Layout (zed ``crates/zeta_prompt/src/zeta_prompt.rs``, module ``zeta1``: ``INSTRUCTION_HEADER``,
``EXCERPT_HEADER``, ``RESPONSE_HEADER``, ``format_zeta1_excerpt``; the events as the Zeta
training data has them, which Zed sent as ``input_events`` with ``format!("User edited
{:?}:\n```diff\n{}\n```", path, diff)``: the path quoted, the diff ending with its own
line break before the fence)::

    ### Instruction:
    You are a code completion assistant and your task is to analyze user edits ...

    ### User Edits:

    User edited "{path}":
    ```diff
    @@ -a,b +c,d @@
    ...

    ```

    ### User Excerpt:

    ```{path}
    <|start_of_file|>                 (only when the excerpt starts at line 0)
    ...read-only lines...
    <|editable_region_start|>
    ...region with <|user_cursor_is_here|>...
    <|editable_region_end|>
    ...read-only lines...
    ```

    ### Response:

The prompt ends with one line break after ``### Response:``, as Zeta was trained: its
answer starts with ``<|editable_region_start|>`` and generation stops at
``<|editable_region_end|>`` (nothing of the answer is pre-filled). The region and context
budgets (350 and 150 tokens, 500 for the events) are Zed's guesses of bytes / 3 a line,
not a tokenizer's count: a real tokenizer would cut larger regions than Zeta saw.

Zeta-2 (Zed's newer model) reads another prompt (``<|fim_prefix|>``, ``<|user_cursor|>``,
``<|file_sep|>edit history``); :func:`model_refusal` refuses such weights by name or
tokenizer rather than feed them this one.
"""

from __future__ import annotations

import json
import os

from nxedit.model.predict.context import EditContext, RegionSpec, guess_tokens
from nxedit.model.text.plain import strip_eol
from .base import (Escaper, Grammar, Parsed, Rejected, after_start_marker, answer_grammar, banned, before_end_marker,
                   cursor_in_rewrite, cut_at_control_token, finish, with_cursor, without_cursor)

NAME = "zeta"
START = "<|editable_region_start|>"
END = "<|editable_region_end|>"
CURSOR = "<|user_cursor_is_here|>"
START_OF_FILE = "<|start_of_file|>"
STOP = (END,)
BAN = banned(STOP)  # control tokens kept out of the answer
REGION = RegionSpec(syntax=True, region_tokens=350, context_tokens=150, max_events=5, count_tokens=guess_tokens)
MAX_EVENT_TOKENS = 500  # Zeta's budget for the edit history, newest events first
DIFF_CONTEXT = 3

INSTRUCTION = (
    "### Instruction:\n"
    "You are a code completion assistant and your task is to analyze user edits and then rewrite an "
    "excerpt that the user provides, suggesting the appropriate edits within the excerpt, taking into "
    "account the cursor location.\n\n"
)

escape = Escaper()


def events(ctx: EditContext) -> str:
    """The newest events that fit :data:`MAX_EVENT_TOKENS`, oldest of them first."""
    chosen: list[str] = []
    budget = MAX_EVENT_TOKENS
    for event in reversed(ctx.events):
        text = f"User edited {_quoted(escape.path(event.path))}:\n```diff\n{escape(event.unified_diff(DIFF_CONTEXT))}\n\n```"
        cost = ctx.count_tokens(text)
        if cost > budget:
            break
        chosen.insert(0, text)
        budget -= cost
    return "\n\n".join(chosen)


def _quoted(path: str) -> str:
    """``path`` as Rust's ``{:?}`` writes it (Zeta's training data): in quotes, escaped."""
    return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _head(ctx: EditContext) -> str:
    """The excerpt up to and including the start marker's line."""
    sof = f"{START_OF_FILE}\n" if ctx.excerpt[0] == 0 else ""
    return f"```{escape.path(ctx.path)}\n{sof}{escape(ctx.text(ctx.excerpt[0], ctx.region[0]))}{START}\n"


def _tail(ctx: EditContext) -> str:
    """What follows the rewritten region: the end marker, the read-only lines, the fence."""
    after = strip_eol(ctx.current[ctx.region_end : ctx.offset(ctx.excerpt[1])])
    return f"\n{END}{escape(after)}\n```"


def render(ctx: EditContext) -> str:
    """The Zeta prompt, ending ``### Response:`` and one line break."""
    region = with_cursor(ctx.region_text, ctx.cursor_in_region, CURSOR, escape)
    excerpt = _head(ctx) + region + _tail(ctx)
    return f"{INSTRUCTION}### User Edits:\n\n{events(ctx)}\n\n### User Excerpt:\n\n{excerpt}\n\n### Response:\n"


def render_target(ctx: EditContext, rewrite: str) -> str:
    """The answer that follows :func:`render`'s prompt when the region becomes ``rewrite``,
    the cursor marker kept (:func:`~.base.cursor_in_rewrite`)."""
    return f"{START}\n{with_cursor(rewrite, cursor_in_rewrite(ctx, rewrite), CURSOR, escape)}{_tail(ctx)}"


def grammar(ctx: EditContext) -> Grammar:
    """The answer's structure (GBNF): the start marker, the region's lines, the end marker."""
    return answer_grammar(ctx, f"{START}\n", f"\n{END}", cursor=CURSOR, copy=render_target(ctx, ctx.region_text))


def parse(output: str, ctx: EditContext, truncated: bool = False) -> Parsed | Rejected:
    """The edits in a Zeta answer, or why not.

    As Zed reads it (``clean_zeta1_model_output``): the text between the markers, less
    the line break after the start marker and the one before the end marker (generation
    usually stops at the end marker). Whatever the model wrote before the start marker
    (a copy of the excerpt's head) is not part of the region.
    """
    return parse_marked(output, ctx, truncated, _tail(ctx)[len("\n" + END) :].rstrip())


def parse_marked(output: str, ctx: EditContext, truncated: bool, expected: str, eol: bool = True) -> Parsed | Rejected:
    """:func:`parse` for a prompt whose answer goes on with ``expected`` after the end marker
    (a prefix of it, or more, is accepted: generation usually stops at the marker); ``eol``:
    the line break before the end marker is the format's, not the region's."""
    text = without_cursor(output, CURSOR, ctx)
    for marker in (START, END, START_OF_FILE):
        if text.count(marker) > 1:
            return Rejected(f"the output has {text.count(marker)} {marker} markers")
    if START not in text:
        return Rejected(f"the output has no {START}")
    text = after_start_marker(text.split(START, 1)[1])
    if START_OF_FILE in text:
        return Rejected(f"the output repeats {START_OF_FILE} inside the region")
    cut = truncated and END not in text  # stopped at the token limit inside the region
    if END in text:
        text, rest = text.split(END)
        rest = rest.rstrip()
        if not (expected.startswith(rest) or rest.startswith(expected)):
            return Rejected("the output rewrites text outside the editable region")
    text = before_end_marker(cut_at_control_token(text))
    if cut:
        pass  # its last line is unfinished: finish places the complete ones
    elif eol:
        text = text.removesuffix("\n")  # the line break before the end marker
    elif text and not text.endswith("\n"):
        text += "\n"  # the region's lines end with their line breaks: the marker has a line of its own
    return finish(ctx, escape.unescape(text), cut=cut)


ZETA2_TOKENS = ("<|user_cursor|>", "<|marker_1|>")  # in Zeta-2's vocabulary, not Zeta-1's


def model_refusal(model: str | None, folder: str | None = None) -> str | None:
    """Why the model ``model`` (a served name or a folder) must not get a Zeta-1 prompt, or None.

    Zeta-2 weights are recognised by their name or by the special tokens of their
    tokenizer (``tokenizer_config.json``, ``tokenizer.json``); fed this prompt they would
    answer, wrongly.
    """
    name = os.path.basename((model or "").rstrip("/")).lower().replace("_", "-")
    if "zeta-2" in name or "zeta2" in name:
        return (f"{model} looks like Zeta-2, which reads another prompt than Zeta-1's: nxedit speaks "
                "Zeta-1 (zed-industries/zeta); use that model or another prompt format")
    for file in ("tokenizer_config.json", "tokenizer.json"):
        path = os.path.join(folder, file) if folder else None
        if not path or not os.path.isfile(path):
            continue
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read(50_000_000)
        except OSError:
            continue
        found = [t for t in ZETA2_TOKENS if json.dumps(t) in text]
        if found:
            return (f"{folder} has Zeta-2's special token {found[0]}: it reads another prompt than "
                    "Zeta-1's, which nxedit speaks; use zed-industries/zeta or another prompt format")
    return None
