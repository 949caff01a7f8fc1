"""Zeta's prompt in cache order, for models nxedit fine-tunes (``nxedit train dataset
--format zeta-cache``; the export writes ``prompt_format = "zeta-cache"`` into the model's
``[model]`` table, so the editor sends what the model was trained on).

A published model answers best in the layout it was trained on, so ``zeta``, ``sweep`` and
``instinct`` keep theirs. In all three the edit history comes before the file, and the
first byte that differs between two keystrokes is the typed character in the newest edit:
a server's prefix cache reuses about 0.4 of each prompt (bench/model_speed.py). A model
trained by nxedit can read any layout; this one has Zeta's sections, markers and answer,
ordered so that what changes least while typing comes first::

    ### Instruction:
    {Zeta's instruction, and where the region is}
    ### User Excerpt:

    ```{path}
    <|start_of_file|>                 (only when the excerpt starts at line 0)
    ...lines above the region...
    <|editable_region|>               the region's place: it is shown at the end
    ...lines below the region...
    ```

    ### User Edits:

    User edited "{path}": ...         oldest first: only the newest changes while typing

    ### Editable Region:

    ```{path}
    <|editable_region_start|>
    ...region with <|user_cursor_is_here|>...
    <|editable_region_end|>
    ```

    ### Response:

The answer is Zeta's (the region rewritten between its markers; generation stops at the
end marker), of a region of lines (:data:`REGION`) rather than Zeta's syntax-chosen one:
a region that grows with the text typed would move the lines around it at every key.
"""

from __future__ import annotations

from nxedit.model.predict.context import EditContext, RegionSpec
from nxedit.model.text.plain import strip_eol
from . import zeta
from .base import Grammar, Parsed, Rejected, answer_grammar, cursor_in_rewrite, with_cursor

NAME = "zeta-cache"
START, END, CURSOR, START_OF_FILE = zeta.START, zeta.END, zeta.CURSOR, zeta.START_OF_FILE
HOLE = "<|editable_region|>"
STOP = zeta.STOP
BAN = zeta.BAN
# a block of lines snapped to fours (it stays put while the cursor moves within one) and more
# file context than Zeta's 150 tokens: cached after the first request, it costs a keystroke
# nothing. Measured on 200 dev cases and the bench's typing sessions (estimated tokens):
# this region holds 75 of their next edits (Zeta's 108, the chat format's 1+3 lines 19) and
# consecutive prompts share 0.85 at their start (Zeta 0.39); 5+12 lines snapped to eights
# hold 94 at 0.85 but make every answer longer to decode.
REGION = RegionSpec(
    syntax=False, snap=4, lines_above=4, lines_below=10, context_above=120, context_below=60, max_events=5,
)
INSTRUCTION = zeta.INSTRUCTION.removesuffix("\n\n") + (
    f" The excerpt marks the place of the editable region with {HOLE}; the region itself, with the cursor, "
    "follows the user's edits.\n\n"
)
escape = zeta.escape


def _excerpt(ctx: EditContext) -> str:
    """The file around the region, the region left out (it changes with every keystroke)."""
    (e0, e1), (r0, _) = ctx.excerpt, ctx.region
    path = escape.path(ctx.path)
    sof = f"{START_OF_FILE}\n" if e0 == 0 else ""
    after = strip_eol(ctx.current[ctx.region_end : ctx.offset(e1)])  # starts with the region's last line break
    return f"```{path}\n{sof}{escape(ctx.text(e0, r0))}{HOLE}{escape(after)}\n```"


def _eol(ctx: EditContext) -> str:
    """The line break before the end marker: the region's lines end with theirs (all but a
    last line without one, at the end of a file: then the format adds it)."""
    return "" if ctx.region_text.endswith("\n") or not ctx.region_text else "\n"


def render(ctx: EditContext) -> str:
    """The prompt, ending ``### Response:`` and one line break (as Zeta's)."""
    region = with_cursor(ctx.region_text, ctx.cursor_in_region, CURSOR, escape)
    block = f"```{escape.path(ctx.path)}\n{START}\n{region}{_eol(ctx)}{END}\n```"
    return (f"{INSTRUCTION}### User Excerpt:\n\n{_excerpt(ctx)}\n\n### User Edits:\n\n{zeta.events(ctx)}\n\n"
            f"### Editable Region:\n\n{block}\n\n### Response:\n")


def render_target(ctx: EditContext, rewrite: str) -> str:
    """The answer that follows :func:`render`'s prompt when the region becomes ``rewrite``,
    the cursor marker kept (:func:`~.base.cursor_in_rewrite`)."""
    return f"{START}\n{with_cursor(rewrite, cursor_in_rewrite(ctx, rewrite), CURSOR, escape)}{_eol(ctx)}{END}\n```"


def grammar(ctx: EditContext) -> Grammar:
    """The answer's structure (GBNF): the start marker, the region's lines, the end marker."""
    return answer_grammar(ctx, f"{START}\n", f"{_eol(ctx)}{END}", cursor=CURSOR,
                          copy=render_target(ctx, ctx.region_text))


def parse(output: str, ctx: EditContext, truncated: bool = False) -> Parsed | Rejected:
    """The edits in an answer (Zeta's: the region between its markers), or why not."""
    return zeta.parse_marked(output, ctx, truncated, "\n```", eol=bool(_eol(ctx)))
