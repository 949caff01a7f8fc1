"""What the prompt formats share: marker escaping, chat prompts and parse results.

User text may contain a format's marker strings (a file about prompts, a merge-conflict
marker, ``</s>`` in HTML). Sent as they are, they would end the model's output early or
make a parse fail, and predictions would die silently. So every marker-like string in
user text is escaped with an invisible WORD JOINER after its first character, and the
model's rewrite is unescaped before it is diffed. Text that already contains the escaped
form cannot be told apart afterwards: such a request is refused with a logged reason.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass, field

from nxedit.model.predict.answer_gate import (EMPTY_ANSWER, anchor_cut, deletable_lines, gate_reason, strip_chatter,
                                             trim_run_on)
from nxedit.model.predict.context import EditContext
from nxedit.model.text.edits import LineEdit
from nxedit.model.predict.rewrite_diff import repetition_reason, rewrite_edits, undoes_edit
from nxedit.model.text.plain import common_prefix

log = logging.getLogger("nxedit.model")

ESCAPE = "\u2060"  # WORD JOINER: invisible, and never part of a model's control token
_SPECIAL = re.compile(r"<\|[^\s|<>]{1,64}\|>")  # <|file_sep|>, <|endoftext|>, <|user_cursor_is_here|>, ...
_ESCAPED_SPECIAL = re.compile("<" + ESCAPE + r"(\|[^\s|<>]{1,64}\|>)")


# Qwen2.5-Coder's control tokens (all three formats run on Qwen2.5-Coder models): a model
# may not write them in its answer; a format bans those it does not stop on
QWEN_CONTROL = ("<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>",
                "<|file_sep|>", "<|im_start|>")


def banned(stop: tuple[str, ...]) -> tuple[str, ...]:
    """The control tokens a format with stop strings ``stop`` keeps out of the answer."""
    return tuple(t for t in QWEN_CONTROL if t not in stop)


class PromptRefused(Exception):
    """A request that cannot be put into a prompt safely; str() is the one-line reason."""


def _escaped(marker: str) -> str:
    return marker[0] + ESCAPE + marker[1:]


@dataclass(frozen=True)
class Escaper:
    """Escapes user text for one format; ``extra`` are its markers that are not ``<|...|>``."""

    extra: tuple[str, ...] = ()

    def __call__(self, text: str, what: str = "file") -> str:
        """``text`` with every marker escaped; :class:`PromptRefused` if that would be ambiguous."""
        if ESCAPE in text:
            for found in _ESCAPED_SPECIAL.finditer(text):
                raise PromptRefused(self._refusal(what, found.group(0)))
            for marker in self.extra:
                if _escaped(marker) in text:
                    raise PromptRefused(self._refusal(what, _escaped(marker)))
        text = _SPECIAL.sub(lambda m: _escaped(m.group(0)), text)
        for marker in self.extra:
            text = text.replace(marker, _escaped(marker))
        return text

    @staticmethod
    def _refusal(what: str, found: str) -> str:
        reason = f"the {what} contains {found.replace(ESCAPE, '')!r} already escaped with U+2060; not sent to the model"
        log.warning("next-edit prompt refused: %s", reason)
        return reason

    def path(self, path: str) -> str:
        if "\n" in path or "\r" in path:
            log.warning("next-edit prompt refused: the file path contains a line break")
            raise PromptRefused("the file path contains a line break")
        return self(path, "path")

    def unescape(self, text: str) -> str:
        text = _ESCAPED_SPECIAL.sub(r"<\1", text)
        for marker in self.extra:
            text = text.replace(_escaped(marker), marker)
        return text


@dataclass(frozen=True)
class ChatPrompt:
    """A prompt for chat models: ``(role, content)`` messages."""

    messages: tuple[tuple[str, str], ...]

    def to_text(self) -> str:
        """The messages in ChatML (Qwen2.5's template) with the assistant's turn opened."""
        parts = [f"<|im_start|>{role}\n{content}<|im_end|>\n" for role, content in self.messages]
        return "".join(parts) + "<|im_start|>assistant\n"

    def to_openai(self) -> list[dict]:
        return [{"role": role, "content": content} for role, content in self.messages]


Prompt = str | ChatPrompt


@dataclass(frozen=True)
class Parsed:
    """A usable model output: the rewritten region and its edits against ``current``."""

    rewrite: str
    edits: tuple[LineEdit, ...]
    flags: tuple[str, ...] = field(default=(), compare=False)  # what the gate cleaned: "fence" (fences, prose), "run_on" (a repeated tail)


@dataclass(frozen=True)
class Rejected:
    """A model output that cannot be used, and why (one line)."""

    reason: str


UNDOES_LAST_EDIT = "the rewrite undoes the user's last edit"
SANITY_GATE = True  # bench/model_gate.py turns it off to count what the gate prevents  # evaluation counts these as reversals


def without_cursor(text: str, cursor: str, ctx: EditContext) -> str:
    """``text`` without the format's cursor marker, also as a small model mangles it: spaces
    or a stray sign inside its brackets (Gemma 3 270M fine-tuned here wrote
    ``< |user_cursor_is_here|>`` for zeta and ``<=|cursor|>`` for chat, which the grammar's ban
    on ``<|`` lets through and no parser removed: the gate passed them into the code). A
    mangled form already in the user's region is their text and stays."""
    text = text.replace(cursor, "")
    loose = _loose_marker(cursor)
    return text if loose.search(ctx.region_text) else loose.sub("", text)


@functools.cache
def _loose_marker(cursor: str) -> re.Pattern:
    """``<|name|>`` with up to two spaces or signs (not a word, not a bracket) on either side
    of each bar: compiled once a format."""
    junk = r"[^\w<>|\n]{0,2}"
    return re.compile("<" + junk + r"\|\s*" + re.escape(cursor[2:-2]) + r"\s*\|" + junk + ">")


def cut_at_control_token(text: str) -> str:
    """``text`` up to the first control token the model wrote (``<|fim_middle|>``, ...).

    User text reaches the model with every such marker escaped, so one that is still
    whole in the (still escaped) answer came from the model: what follows it is not part
    of the rewrite. Formats cut here first, before they strip their own line breaks.
    """
    found = _SPECIAL.search(text)
    return text if found is None else text[: found.start()]


def after_start_marker(text: str) -> str:
    """``text`` (what follows a start marker) less the rest of the marker's line: its line
    break, and spaces a model wrote after the marker (Gemma 270M does)."""
    return re.sub(r"\A[ \t]*\n", "", text)


def before_end_marker(text: str) -> str:
    """``text`` (what precedes an end marker, or the end of the answer) less the indentation
    a model gave the marker: spaces after the last line break belong to the marker's line."""
    return re.sub(r"(?<=\n)[ \t]+\Z", "", text)


def finish(context: EditContext, rewrite: str, cut: bool = False) -> Parsed | Rejected:
    """Check an extracted rewrite and diff it into edits (shared by all formats).

    The sanity gate (:mod:`~nxedit.model.predict.answer_gate`) first: fences and prose
    dropped, a run-on tail trimmed; an empty rewrite is an abstention, and a rewrite that
    loops, or changes the region's size or lines beyond what the history supports, is
    refused. A rewrite that was ``cut`` off (the token limit) or is as long as
    :func:`answer_budget` (the grammar, which then closes the format's structure itself,
    ended it) is never diffed as if whole: only its head that matches the file is placed
    (:func:`~nxedit.model.predict.answer_gate.anchor_cut`), the lines it did not reach
    stay, and it is refused when too little of it matches.
    """
    flags: tuple[str, ...] = ()
    if SANITY_GATE:
        stripped = strip_chatter(rewrite, context.region_text)
        trimmed = trim_run_on(stripped, context)
        flags = (("fence",) if stripped != rewrite else ()) + (("run_on",) if trimmed != stripped else ())
        rewrite = trimmed
        if not rewrite.strip() and context.region_text.strip():
            return Rejected(EMPTY_ANSWER)
    if "run_on" not in flags and (cut or len(rewrite) + 1 >= answer_budget(context.region_text)):
        # (a run-on trimmed at the lines after the region has its end: it is whole)
        placed = anchor_cut(rewrite, context)
        if placed is None:
            return Rejected(CUT_BY_BUDGET)  # the grammar (or the token limit) ended it, not the model
        (context, rewrite), flags = placed, flags + ("cut",)
    reason = repetition_reason(context.region_text, rewrite) or (SANITY_GATE and gate_reason(context, rewrite))
    if reason:
        return Rejected(reason)
    edits = rewrite_edits(context.current, context.region_start, context.region_end, rewrite)
    last = context.last_event
    if edits and last and undoes_edit(context.current, last.start_line, last.old_text, last.new_text, edits):
        return Rejected(UNDOES_LAST_EDIT)
    return Parsed(rewrite, edits, flags)


def cursor_in_rewrite(ctx: EditContext, rewrite: str) -> int:
    """Where a training answer that rewrites the region to ``rewrite`` shows the cursor
    marker its prompt shows: at the cursor, or at the first change when the rewrite changes
    text before it. A model trained on answers without the marker its prompt has learns
    that ``<|`` in an answer begins the end marker: copying the region, it reached the
    cursor and ended there (Gemma 3 270M fine-tuned for Zeta, 20 of the 34 answers refused
    for deleting the rest of the region). Zed strips the marker from Zeta's answers too."""
    return min(ctx.cursor_in_region, common_prefix(ctx.region_text, rewrite))


def with_cursor(text: str, at: int, marker: str, escape: Escaper) -> str:
    """``text`` escaped, with ``marker`` where character ``at`` of the unescaped text was.

    The whole text is escaped first, so a marker string the cursor sits inside is still
    escaped (and a model echoing it back without the cursor gets it unescaped).
    """
    escaped = escape(text)
    i = seen = 0
    while seen < at:
        if escaped[i] != ESCAPE:
            seen += 1
        i += 1
    return escaped[:i] + marker + escaped[i:]


GRAMMAR_CHUNK = 1000  # the longest repetition written in a grammar
NEWLINE_ESCAPE = "\\n"  # a line break as GBNF writes it in a character class
CUT_BY_BUDGET = "the answer was cut off (token limit) and too little of it matches the file to place it"


def answer_budget(region: str) -> int:
    """Characters a rewrite of ``region`` may have: the region, a quarter more and 192 (the
    predictor's token limit, ``n + n // 4 + 64`` tokens of about 3 bytes, in characters)."""
    return len(region) + len(region) // 4 + 192


def gbnf_literal(text: str) -> str:
    """``text`` as a GBNF string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


class Grammar(str):
    """A GBNF grammar (the text, sent as it is) and ``max_tokens``: a token limit the
    answers it allows always end within, so an answer held to it ends in its structure
    (head, rewrite, tail) and never at the request's token limit."""

    max_tokens: int

    def __new__(cls, text: str, max_tokens: int) -> "Grammar":
        grammar = super().__new__(cls, text)
        grammar.max_tokens = max_tokens
        return grammar


def answer_grammar(ctx: EditContext, head: str = "", tail: str = "", fence: str = "",
                   stops: tuple[str, ...] = (), cursor: str = "", copy: str = "") -> Grammar:
    """A GBNF grammar for an answer: ``head``, the rewritten region, ``tail``, nothing more.

    The rewrite is at most :func:`answer_budget` repetitions of ``char`` and never writes
    ``<|`` (user text reaches the model with such markers escaped, so a rewrite has none):
    a model that repeats its prompt, runs past the region or writes a marker of its own is
    held to the format's structure and ends there. What the lines say is still the model's
    business, and the sanity gate's (:func:`finish`). Every ``<`` is part of a run of at
    most as many as the region's longest (2 at least: ``<<``) followed by a character that
    is neither ``<`` nor ``|`` (or ends the rewrite), so ``<<|`` cannot slip through as
    ``<<`` then ``|`` (Gemma wrote ``<<|editable_region_start|>`` so). With a ``fence`` (a
    run of backticks) the rewrite never writes that run either: the model's code block
    ends only with ``tail``, not with chatter after a fence of its own. ``stops`` may
    follow the rewrite (a stop string the model may write as text, ``<|file_sep|>``).

    Given ``copy``, the format's answer for the region unchanged (its ``render_target``),
    the rewrite writes at least as many line breaks as the gate lets a rewrite keep
    (:func:`~nxedit.model.predict.answer_gate.deletable_lines` fewer than the copy's): the
    first ones are ``line`` items (each at most twice the region's longest line, or 64
    characters longer), and only then may it end. A small model that copies the region
    and closes it early wrote the end marker where the copy should have gone on; the gate
    refused such an answer as a deletion nobody asked for (Gemma 3 270M fine-tuned for
    Zeta: 13 of 100 answers). Held to the count, it writes its next most likely line, the
    region's next one.

    The grammar's ``max_tokens`` covers the longest answer it allows: a token holds at
    least one byte, so the answer's bytes bound its tokens. The head, tail and stops are
    ASCII; the rewrite is at most its repetitions times the widest one and its trailing
    run, each character one byte but for non-ASCII ones: a model writing many characters
    its vocabulary lacks (byte fallback) can still reach the limit, an answer then refused
    as truncated.

    The format's ``cursor`` marker, which its prompt shows inside the region, may be
    copied (the parser drops it): banned, a model copying the region wrote it as the
    one ``<|`` the grammar allows, the tail's end marker, and ended there. Gemma 3 270M
    fine-tuned for Zeta closed 20 of 34 regions it was refused for "deleting" the rest at
    exactly the cursor. It is allowed once among the kept lines up to the cursor's (a
    training answer shows it at the cursor or at the first change before it) and once in
    the text after them.
    """
    lts = max(2, max((len(run) for run in re.findall("<+", ctx.region_text)), default=0))
    ticks = len(fence) - 1  # the longest run of backticks the rewrite may write
    lt = f'"<"{{1,{lts}}}'

    def chars(no: str = "") -> str:  # ``no``: one more character no item writes
        if fence:  # a run of backticks, or of <, ends with a character neither starts nor forbids
            return f'[^<`{no}] | {lt} [^<|`{no}] | "`"{{1,{ticks}}} [^`<{no}] | "`"{{1,{ticks}}} {lt} [^<|`{no}]'
        return f"[^<{no}] | {lt} [^<|{no}]"

    if fence:
        rule = f'char ::= {chars()}\nend ::= "`"{{0,{ticks}}} | "`"{{0,{ticks}}} "<"{{1,{lts}}}\n'
        widest, trailing = ticks + lts + 1, ticks + lts
    else:
        rule = f'char ::= {chars()}\nend ::= "<"{{0,{lts}}}\n'
        widest, trailing = lts + 1, lts
    parts = [gbnf_literal(head)] if head else []
    budget = answer_budget(ctx.region_text)
    text, repetitions = _repeated("char", budget)
    lines = _kept_lines(ctx, copy, head, tail, stops)
    width = 0
    if lines:  # a kept line holds no line break
        longest = max(len(x) for x in ctx.region_text.split("\n"))
        ltext, width = _repeated("lchar", max(2 * longest, longest + 64))
        rule += f"line ::= ltext end\nltext ::= {ltext}\nlchar ::= {chars(NEWLINE_ESCAPE)}\n"
        if cursor:
            marker = gbnf_literal(cursor)
            reach = min(lines, ctx.region_text[: ctx.cursor_in_region].count("\n") + 1)
            # c<k>: k lines, the marker in one of them at most; a line's text read once, then the
            # marker or its end decides (one parse stack, not one for each line it might be in)
            rule += f'c1 ::= ltext ({marker} ltext)? end "\\n"\n' + "".join(
                f'c{k} ::= ltext ({marker} ltext end "\\n" (line "\\n"){{{k - 1}}} | end "\\n" c{k - 1})\n'
                for k in range(2, reach + 1))
            parts.append(f"c{reach}" + (f' (line "\\n"){{{lines - reach}}}' if lines > reach else ""))
        else:
            parts.append(f'(line "\\n"){{{lines}}}')
    if cursor:  # the region's text before and after the marker: each within the budget
        rule += f"text ::= {text}\n"
        parts.append(f"text ({gbnf_literal(cursor)} text)? end")
    else:
        parts.append(f"{text} end")
    if tail:
        parts.append(gbnf_literal(tail))
    if stops:
        parts.append(f"({' | '.join(gbnf_literal(s) for s in stops)})?")
    # + 1 for the end-of-generation token
    texts = 2 if cursor else 1
    line = width * widest + trailing + 1  # the widest items, the trailing run, the line break
    most = len(head.encode()) + lines * line + (len(cursor.encode()) + width * widest if cursor and lines else 0) \
        + texts * repetitions * widest + len(cursor.encode()) + trailing \
        + len(tail.encode()) + max((len(s.encode()) for s in stops), default=0) + 1
    return Grammar(f"root ::= {' '.join(parts)}\n{rule}", most)


def _repeated(item: str, count: int) -> tuple[str, int]:
    """GBNF for up to ``count`` repetitions of ``item`` (llama.cpp refuses a repetition over
    2,000: chunks of them, the count rounded up), and how many it allows."""
    if count <= GRAMMAR_CHUNK:
        return f"{item}{{0,{count}}}", count
    return (f"({item}{{{GRAMMAR_CHUNK}}}){{0,{count // GRAMMAR_CHUNK}}} {item}{{0,{GRAMMAR_CHUNK - 1}}}",
            count // GRAMMAR_CHUNK * GRAMMAR_CHUNK + GRAMMAR_CHUNK - 1)


def _kept_lines(ctx: EditContext, copy: str, head: str, tail: str, stops: tuple[str, ...]) -> int:
    """Line breaks a rewrite must write before it may end: those of ``copy`` (the answer for
    the region unchanged) between ``head`` and ``tail`` or a stop, less the most lines the
    gate lets it delete. None when there is no copy or the gate is off."""
    if not copy or not SANITY_GATE:
        return 0
    body = copy.removeprefix(head)
    body = body[: body.index(tail)] if tail and tail in body else body
    for stop in stops:
        body = body.removesuffix(stop)
    return max(0, body.count("\n") - deletable_lines(ctx.events))
