"""Zed's Zeta (1) prompt: an instruction, the user's edits as diffs, and an excerpt in
which the editable region and the cursor are marked; the model answers with the excerpt
rewritten.

Layout (zed ``crates/edit_prediction/src/zeta1.rs``; the instruction is the one the Zeta
model card and vLLM's next-edit benchmark use)::

    ### Instruction:
    You are a code completion assistant and your task is to analyze user edits ...

    ### User Edits:

    User edited {path}:
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

The answer repeats the excerpt up to ``<|editable_region_start|>`` verbatim, so that part
is put in the prompt (prefilled) rather than generated; generation stops at
``<|editable_region_end|>``.
"""

from __future__ import annotations

from nxedit.model.predict.context import EditContext, RegionSpec
from nxedit.model.text.plain import strip_eol
from .base import Escaper, Parsed, Rejected, banned, cut_at_control_token, finish, with_cursor

NAME = "zeta"
START = "<|editable_region_start|>"
END = "<|editable_region_end|>"
CURSOR = "<|user_cursor_is_here|>"
START_OF_FILE = "<|start_of_file|>"
STOP = (END,)
BAN = banned(STOP)  # control tokens kept out of the answer
REGION = RegionSpec(syntax=True, region_tokens=350, context_tokens=150, max_events=5)
MAX_EVENT_TOKENS = 500  # Zeta's budget for the edit history, newest events first
DIFF_CONTEXT = 3

INSTRUCTION = (
    "### Instruction:\n"
    "You are a code completion assistant and your task is to analyze user edits and then rewrite an "
    "excerpt that the user provides, suggesting the appropriate edits within the excerpt, taking into "
    "account the cursor location.\n\n"
)

escape = Escaper()


def _events(ctx: EditContext) -> str:
    """The newest events that fit :data:`MAX_EVENT_TOKENS`, oldest of them first."""
    chosen: list[str] = []
    budget = MAX_EVENT_TOKENS
    for event in reversed(ctx.events):
        text = f"User edited {escape.path(event.path)}:\n```diff\n{escape(event.unified_diff(DIFF_CONTEXT))}\n```"
        cost = ctx.count_tokens(text)
        if cost > budget:
            break
        chosen.insert(0, text)
        budget -= cost
    return "\n\n".join(chosen)


def _head(ctx: EditContext) -> str:
    """The excerpt up to and including the start marker's line."""
    sof = f"{START_OF_FILE}\n" if ctx.excerpt[0] == 0 else ""
    return f"```{escape.path(ctx.path)}\n{sof}{escape(ctx.text(ctx.excerpt[0], ctx.region[0]))}{START}\n"


def _tail(ctx: EditContext) -> str:
    """What follows the rewritten region: the end marker, the read-only lines, the fence."""
    after = strip_eol(ctx.current[ctx.region_end : ctx.offset(ctx.excerpt[1])])
    return f"\n{END}{escape(after)}\n```"


def render(ctx: EditContext) -> str:
    """The Zeta prompt, ending with the prefilled start of the answer."""
    region = with_cursor(ctx.region_text, ctx.cursor_in_region, CURSOR, escape)
    excerpt = _head(ctx) + region + _tail(ctx)
    return f"{INSTRUCTION}### User Edits:\n\n{_events(ctx)}\n\n### User Excerpt:\n\n{excerpt}\n\n### Response:\n\n{_head(ctx)}"


def render_target(ctx: EditContext, rewrite: str) -> str:
    """The answer that follows :func:`render`'s prompt when the region becomes ``rewrite``."""
    return escape(rewrite) + _tail(ctx)


def parse(output: str, ctx: EditContext, truncated: bool = False) -> Parsed | Rejected:
    """The edits in a Zeta answer (generated after the prefilled start), or why not."""
    text = output.replace(CURSOR, "")
    for marker in (START, START_OF_FILE):
        if marker in text:
            return Rejected(f"the output repeats {marker}")
    ends = text.count(END)
    if ends > 1:
        return Rejected(f"the output has {ends} {END} markers")
    if ends == 1:
        text, rest = text.split(END)
        expected = _tail(ctx)[len("\n" + END) :].rstrip()
        rest = rest.rstrip()
        if not (expected.startswith(rest) or rest.startswith(expected)):
            return Rejected("the output rewrites text outside the editable region")
    elif truncated:
        return Rejected(f"the output stopped (max tokens) before {END}")
    text = cut_at_control_token(text).removesuffix("\n")  # the line break before the end marker
    return finish(ctx, escape.unescape(text))
