"""Sweep Next-Edit v1 (``sweepai/sweep-next-edit-1.5B`` and ``-0.5B``): ``<|file_sep|>``
blocks, ending with an open ``updated`` block.

Layout (zed ``crates/edit_prediction/src/sweep_prompt.rs``, ``build_prompt``, which
follows Sweep's ``run_model.py`` ordering)::

    <|file_sep|>{related path}
    {snippet}
    <|file_sep|>{path}.diff
    original:
    {lines before a recent edit}
    updated:
    {the same lines after it}
    <|file_sep|>original/{path}
    {the 21-line window as it was before the last edit}
    <|file_sep|>current/{path}
    {the window now}
    <|file_sep|>updated/{path}

No whole-file block, no line numbers and no cursor marker: the v1 models never saw them
(``sweep-v2`` has them). The model writes the updated window and stops at
``<|file_sep|>`` or ``</s>``; the answer is taken as it is, less the line break the
window's block added (none when the window ends with the file's final line break).
It reuses Qwen2.5-Coder's pretrained ``<|file_sep|>`` token, so user text containing it
(or ``</s>``) is escaped.
"""

from __future__ import annotations

from nxedit.model.predict.context import EditContext, HistoryEvent, RegionSpec
from nxedit.model.text.plain import split_lines, strip_eol
from .base import (Escaper, Grammar, Parsed, Rejected, answer_grammar, banned, cut_at_control_token, finish, with_cursor,
                   without_cursor)

NAME = "sweep"
FILE_SEP = "<|file_sep|>"
CURSOR = "<|cursor|>"
EOS = "</s>"
STOP = (FILE_SEP, EOS, "<|endoftext|>")
BAN = banned(STOP)  # control tokens kept out of the answer
REGION = RegionSpec(
    syntax=False, lines_above=10, lines_below=10, context_above=150, context_below=150, max_events=5,
    snippet_tokens=1024,
)
MAX_CHANGE_BLOCKS = 3  # recent edits shown, newest last (as zed sends them)
MAX_CHANGE_LINES = 40
DIFF_CONTEXT = 3

escape = Escaper(extra=(EOS,))


def _block(header: str, body: str) -> str:
    return f"{FILE_SEP}{header}\n{body}" + ("" if body.endswith("\n") else "\n")


def _limited(lines: list[str]) -> str:
    """At most :data:`MAX_CHANGE_LINES` lines: the head and the tail around a ``...`` line."""
    if len(lines) > MAX_CHANGE_LINES:
        head = MAX_CHANGE_LINES // 2
        lines = lines[:head] + ["..."] + lines[len(lines) - (MAX_CHANGE_LINES - head - 1) :]
    return "\n".join(lines)


def change_lines(event: HistoryEvent, context: int) -> tuple[list[str], list[str]]:
    """An edit's lines before and after it, with ``context`` unchanged lines each side."""
    before = [strip_eol(x) for x in event.before[len(event.before) - context :]] if context else []
    after = [strip_eol(x) for x in event.after[:context]]
    old = before + [strip_eol(x) for x in split_lines(event.old_text)] + after
    new = before + [strip_eol(x) for x in split_lines(event.new_text)] + after
    return old, new


def _change_block(event: HistoryEvent, path: str) -> str:
    """Zed's recent-change block: both sides end with one line break, added only where
    the side does not end with one already (a blank last line is dropped on both sides
    alike, so no phantom deletion appears between them)."""
    old, new = (escape(_limited(side)) for side in change_lines(event, DIFF_CONTEXT))
    return _block(f"{path}.diff", f"original:\n{old}{'' if old.endswith(chr(10)) else chr(10)}updated:\n{new}")


def original_window(ctx: EditContext) -> tuple[str, int, int]:
    """The window as it was before the last edit, with its 1-based first and last lines."""
    r0, r1 = ctx.region
    last = ctx.last_event
    if last is None:
        return ctx.region_text, r0 + 1, r1
    s, n_old, n_new = last.start_line, len(split_lines(last.old_text)), len(split_lines(last.new_text))
    lines = ctx.lines
    if lines[s : s + n_new] != split_lines(last.new_text):
        return ctx.region_text, r0 + 1, r1

    def before_edit(line: int) -> int:  # a line of the current text in the text before the edit
        if line <= s:
            return line
        return line + n_old - n_new if line >= s + n_new else s + n_old

    previous = lines[:s] + split_lines(last.old_text) + lines[s + n_new :]
    o0, o1 = before_edit(r0), before_edit(r1)
    if o1 <= o0:
        return "", o0 + 1, o0
    return "".join(previous[o0 : o1 - 1]) + strip_eol(previous[o1 - 1]), o0 + 1, o1


def render(ctx: EditContext) -> str:
    path = escape.path(ctx.path)
    parts = [_block(escape.path(s.path), escape(s.text)) for s in ctx.snippets]
    parts += [_change_block(e, path) for e in ctx.events[-MAX_CHANGE_BLOCKS:]]
    parts.append(_block(f"original/{path}", escape(original_window(ctx)[0])))
    parts.append(_block(f"current/{path}", escape(ctx.region_text)))
    parts.append(f"{FILE_SEP}updated/{path}\n")
    return "".join(parts)


def render_target(ctx: EditContext, rewrite: str) -> str:
    text = escape(rewrite)
    return text + ("" if text.endswith("\n") else "\n") + FILE_SEP


def grammar(ctx: EditContext) -> Grammar:
    """The answer's structure (GBNF): the window's lines, then the end of the text (the
    server's end-of-generation token; ``<|file_sep|>`` is one on Qwen2.5-Coder, text the
    model may write on others, where the server stops at it as a stop string)."""
    return answer_grammar(ctx, stops=(FILE_SEP, EOS), cursor=CURSOR,
                          copy=render_target(ctx, ctx.region_text))  # sweep-v2 shows it


def parse(output: str, ctx: EditContext, truncated: bool = False) -> Parsed | Rejected:
    """The edits in a Sweep answer (the updated window), or why not (both versions)."""
    text = output
    for stop in STOP:
        text = text.split(stop, 1)[0]
    cut = truncated and text == output  # stopped at the token limit before its end
    text = cut_at_control_token(without_cursor(text, CURSOR, ctx))
    if not ctx.region_text.endswith("\n") and not cut:  # the line break the window's block added
        text = text.removesuffix("\n")
    return finish(ctx, escape.unescape(text), cut=cut)
