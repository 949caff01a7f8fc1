"""Continue's Instinct prompt: a chat with a long system prompt and one user message.

Layout (continue ``core/nextEdit``: ``constants.ts``, ``templating/instinct.ts``,
``NextEditPromptEngine.ts``; the user message is filled in exactly as there)::

    {preface}

    ### Context:
    <|context_file|>: {path}
    <|snippet|>
    {snippet lines}

    ### User Edits:

    User edited file "{path}"

    ```diff
    @@ -a,b +c,d @@
    ...
    ```

    ### User Excerpt:
    {path}

    {excerpt lines, the region between <|editable_region_start|> and
    <|editable_region_end|> lines, <|user_cursor_is_here|> at the cursor}```
    ### Response:

The region is the cursor line, 1 line above and 5 below; the excerpt 25 lines each way. One
departure from Continue: a region that would begin on a blank line begins on the nearest line
above with text (``anchor_start``, at most 3 lines up), as a blank first line left a small
model nothing to copy from (see :class:`~nxedit.model.predict.context.RegionSpec`).
Edits are listed newest first, as the system prompt tells the model. The answer is the
rewritten region alone.

Which layout: Continue's runtime (``providers/InstinctNextEditProvider.ts`` and the
``instinct`` template of ``templating/NextEditPromptEngine.ts`` at continuedev/continue
c8886c23: the excerpt runs straight into the closing fence, ``{excerpt}```\n### Response:``).
The training code (``continuedev/instinct``, ``utils/datautils.py``) differs in small
ways: the context-file header, blank lines between sections, the quoting of the path in
``User edited file``. We follow the runtime: it is the prompt the released checkpoint
answers in Continue, where its published results were measured, and the one its users'
servers see; the training repository could not be read here to render its layout byte
for byte (see the closing note of issue 19).
"""

from __future__ import annotations

from nxedit.model.predict.context import EditContext, RegionSpec
from nxedit.model.text.plain import strip_eol
from .base import (ChatPrompt, Escaper, Grammar, Parsed, Rejected, after_start_marker, answer_grammar, banned,
                   before_end_marker, cursor_in_rewrite, cut_at_control_token, finish, with_cursor, without_cursor)

NAME = "instinct"
START = "<|editable_region_start|>"
END = "<|editable_region_end|>"
CURSOR = "<|user_cursor_is_here|>"
CONTEXT_FILE = "<|context_file|>"
SNIPPET = "<|snippet|>"
# the end of the assistant's turn (ChatML); and the region's end marker, which a model trained
# on Zeta too (one adapter for several formats) writes after the region it copied from the excerpt
STOP = ("<|im_end|>", "<|endoftext|>", END)
BAN = banned(STOP)  # control tokens kept out of the answer
REGION = RegionSpec(
    syntax=False, lines_above=1, lines_below=5, context_above=25, context_below=25, max_events=5,
    snippet_tokens=1024, anchor_start=3,
)
DIFF_CONTEXT = 5

SYSTEM_PROMPT = """\
You are Instinct, an intelligent next-edit predictor developed by Continue.dev. Your role as an AI agent is to help developers complete their code tasks by predicting the next edit that they will make within the section of code marked by <|editable_region_start|> and <|editable_region_end|> tags.

You have access to the following information to help you make informed suggestions:

- Context: In the section marked "### Context", there are context items from potentially relevant files in the developer's codebase. Each context item consists of a <|context_file|> marker, the filepath, a <|snippet|> marker, and then some content from that file, in that order. Keep in mind that not all of the context information may be relevant to the task, so use your judgement to determine which parts to consider.
- User Edits: In the section marked "### User Edits:", there is a record of the most recent changes made to the code, helping you understand the evolution of the code and the developer's intentions. These changes are listed from most recent to least recent. It's possible that some of the edit diff history is entirely irrelevant to the developer's change. The changes are provided in a unified line-diff format, i.e. with pluses and minuses for additions and deletions to the code.
- User Excerpt: In the section marked "### User Excerpt:", there is a filepath to the developer's current file, and then an excerpt from that file. The <|editable_region_start|> and <|editable_region_end|> markers are within this excerpt. Your job is to rewrite only this editable region, not the whole excerpt. The excerpt provides additional context on the surroundings of the developer's edit.
- Cursor Position: Within the user excerpt's editable region, the <|user_cursor_is_here|> flag indicates where the developer's cursor is currently located, which can be crucial for understanding what part of the code they are focusing on. Do not produce this marker in your output; simply take it into account.

Your task is to predict and complete the changes the developer would have made next in the editable region. The developer may have stopped in the middle of typing. Your goal is to keep the developer on the path that you think they're following. Some examples include further implementing a class, method, or variable, or improving the quality of the code. Make sure the developer doesn't get distracted by ensuring your suggestion is relevant. Consider what changes need to be made next, if any. If you think changes should be made, ask yourself if this is truly what needs to happen. If you are confident about it, then proceed with the changes.

# Steps

1. **Review Context**: Analyze the context from the resources provided, such as recently viewed snippets, edit history, surrounding code, and cursor location.
2. **Evaluate Current Code**: Determine if the current code within the tags requires any corrections or enhancements.
3. **Suggest Edits**: If changes are required, ensure they align with the developer's patterns and improve code quality.
4. **Maintain Consistency**: Ensure indentation and formatting follow the existing code style.

# Output Format

- Provide only the revised code within the tags. Do not include the tags in your output.
- Ensure that you do not output duplicate code that exists outside of these tags.
- Avoid undoing or reverting the developer's last change unless there are obvious typos or errors."""

PREFACE = (
    "Reference the user excerpt, user edits, and the snippets to understand the developer's intent. "
    "Update the editable region of the user excerpt by predicting and completing the changes they would "
    "have made next. This may be a deletion, addition, or modification of code."
)

escape = Escaper()


def _context(ctx: EditContext) -> str:
    blocks = []
    for s in ctx.snippets:
        blocks.append(f"{CONTEXT_FILE}: {escape.path(s.path)}\n{SNIPPET}\n{escape(s.text).removesuffix(chr(10))}")
    return "\n".join(blocks)


def _edits(ctx: EditContext) -> str:
    """The edits newest first; blank lines are left out of each diff, as Continue's
    ``editHistoryBlock`` drops every line that is empty once trimmed (blank context lines
    included)."""
    blocks = []
    for event in reversed(ctx.events):
        lines = event.unified_diff(DIFF_CONTEXT).split("\n")
        diff = escape("\n".join(x for x in lines if x.strip()))
        blocks.append(f'User edited file "{escape.path(event.path)}"\n\n```diff\n{diff}\n```')
    return "\n".join(blocks)


def _excerpt(ctx: EditContext) -> str:
    """The excerpt's lines, the region between marker lines, joined as Continue joins them."""
    (e0, e1), (r0, r1) = ctx.excerpt, ctx.region
    region = with_cursor(ctx.region_text, ctx.cursor_in_region, CURSOR, escape)
    before = [escape(strip_eol(line)) for line in ctx.lines[e0:r0]]
    after = [escape(strip_eol(line)) for line in ctx.lines[r1:e1]]
    return "\n".join([*before, START, region, END, *after])


def render(ctx: EditContext) -> ChatPrompt:
    user = (
        f"{PREFACE}\n\n### Context:\n{_context(ctx)}\n\n### User Edits:\n\n{_edits(ctx)}\n\n"
        f"### User Excerpt:\n{escape.path(ctx.path)}\n\n{_excerpt(ctx)}```\n### Response:"
    )
    return ChatPrompt((("system", SYSTEM_PROMPT), ("user", user)))


def render_target(ctx: EditContext, rewrite: str) -> str:
    """The rewritten region, with the cursor marker the prompt shows (:func:`~.base.cursor_in_rewrite`:
    of the instinct answers refused for deleting the region's rest, 9 of 10 stopped at it, as zeta's did)."""
    return with_cursor(rewrite, cursor_in_rewrite(ctx, rewrite), CURSOR, escape)


def grammar(ctx: EditContext) -> Grammar:
    """The answer's structure (GBNF): the region's lines and the end of the turn, or the
    region's end marker (a stop string: without it the grammar would hold such a model to
    text after a lone ``<``, and it would write past the region)."""
    return answer_grammar(ctx, stops=(END,), cursor=CURSOR, copy=render_target(ctx, ctx.region_text))


def parse(output: str, ctx: EditContext, truncated: bool = False) -> Parsed | Rejected:
    """The edits in an Instinct answer (the rewritten region), or why not."""
    text = without_cursor(output, CURSOR, ctx)
    starts, ends = text.count(START), text.count(END)
    if starts > 1 or ends > 1:
        return Rejected("the output repeats an editable-region marker")
    if starts != ends and not (truncated and starts and not ends):  # cut off before its end marker
        return Rejected("the output has one editable-region marker without the other")
    if starts:  # told not to, the model wrapped the region in its markers: take what is inside
        text = before_end_marker(after_start_marker(text.split(START, 1)[1].split(END, 1)[0]))
    text = cut_at_control_token(text)
    if not ctx.region_text.endswith("\n"):
        text = text.removesuffix("\n")
    return finish(ctx, escape.unescape(text), cut=truncated)
