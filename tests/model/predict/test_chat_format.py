"""The chat prompt format: its cache-friendly layout and the robust parse of a chat model's answer."""

import pytest

from next_edit_cases import inventory_request, request, typing_requests
from nxedit.model.predict.context import RegionSpec, build_context
from nxedit.model.predict.prompts import chat, get_format
from nxedit.model.predict.prompts.base import ChatPrompt, Parsed, Rejected
from nxedit.model.text.plain import apply_line_edits

private = lambda path: path.endswith(".env")  # noqa: E731


def ctx_of(req=None):
    return build_context(req or inventory_request(), chat.REGION, exclude=private)


def user_text(prompt: ChatPrompt) -> str:
    assert [role for role, _ in prompt.messages] == ["user"]  # some templates drop a system message
    return prompt.messages[0][1]


def test_chat_is_a_format_by_name():
    assert get_format("chat") is chat


def test_the_cache_layout_puts_what_changes_least_first():
    ctx = ctx_of()
    text = user_text(chat.render(ctx))
    at = [text.index(s) for s in (chat.INSTRUCTIONS, chat.REGION_HOLE, "Related code from other files:",
                                  "Recent edits to shop/inventory.py, oldest first:", "The editable region")]
    assert at == sorted(at)
    assert text.endswith("```\n\n" + chat.ASK)
    assert "API_KEY" not in text
    # the file context leaves the region out: it is shown once, at the end, with the cursor
    assert text.count("total = apply_discount(total, ") == 1
    assert "total = apply_discount(total, <|cursor|>discount)" in text


def test_the_inline_layout_has_the_history_before_the_file():
    text = user_text(chat.render(ctx_of(), "inline"))
    at = [text.index(s) for s in ("Recent edits", chat.START + "\n", "<|cursor|>discount", "\n" + chat.END + "\n")]
    assert at == sorted(at)
    with pytest.raises(ValueError):
        chat.render(ctx_of(), "sideways")


def common_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def test_typing_changes_the_cache_layout_only_near_its_end():
    texts = [user_text(chat.render(ctx_of(r))) for r in typing_requests("log(total)")]
    inline = [user_text(chat.render(ctx_of(r), "inline")) for r in typing_requests("log(total)")]
    for a, b in zip(texts, texts[1:]):
        assert common_prefix(a, b) / len(b) > 0.8
    cache_kept = sum(common_prefix(a, b) for a, b in zip(texts, texts[1:]))
    inline_kept = sum(common_prefix(a, b) for a, b in zip(inline, inline[1:]))
    assert cache_kept > inline_kept


def test_a_snapped_window_stays_put_while_the_cursor_moves_within_its_block():
    spec = RegionSpec(syntax=False, snap=4, lines_above=1, lines_below=2, context_above=5, context_below=5)
    text = "".join(f"line {i}\n" for i in range(40))
    regions = {build_context(request(text, row, 0), spec).region for row in range(8, 12)}
    assert regions == {(7, 14)}
    assert build_context(request(text, 12, 0), spec).region == (11, 18)
    unsnapped = RegionSpec(syntax=False, lines_above=1, lines_below=2, context_above=5, context_below=5)
    assert build_context(request(text, 9, 0), unsnapped).region == (8, 12)


def answer_edit(ctx, answer, truncated=False):
    result = chat.parse(answer, ctx, truncated)
    return result


def fixed_region(ctx):
    return ctx.region_text.replace("apply_discount(total, discount)", "apply_discount(total, rebate)")


@pytest.mark.parametrize("shape", [
    "```python\n{r}\n```",
    "```python\n{r}\n```\n",
    "Here is the rewritten region:\n\n```python\n{r}\n```\n\nI renamed the argument.",
    "```\n{r}\n```",
    "{r}",
    "Here is the updated code:\n{r}\n",
    "```python\n{r}\n",  # the turn ended without closing the block
])
def test_the_answer_is_found_in_fences_and_prose(shape):
    ctx = ctx_of()
    result = chat.parse(shape.format(r=fixed_region(ctx)), ctx)
    assert isinstance(result, Parsed), result
    assert result.rewrite == fixed_region(ctx)
    new = apply_line_edits(ctx.current, [e.to_dict() for e in result.edits])
    assert "apply_discount(total, rebate)" in new and "apply_discount(total, discount)" not in new


def test_an_unchanged_region_is_no_edit_and_the_cursor_marker_is_dropped():
    ctx = ctx_of()
    marked = ctx.region_text.replace("(total, discount)", "(total, <|cursor|>discount)")
    result = chat.parse(f"```python\n{marked}\n```", ctx)
    assert isinstance(result, Parsed) and result.edits == ()


@pytest.mark.parametrize("answer", ["```python\n    total = 0.0\n    for product", "Here is", ""])
def test_a_cut_off_or_empty_answer_is_rejected(answer):
    ctx = ctx_of()
    assert isinstance(chat.parse(answer, ctx, truncated=bool(answer)), Rejected)


def test_an_answer_that_repeats_the_prompt_says_so():
    ctx = ctx_of()
    echo = user_text(chat.render(ctx))[:300]
    result = chat.parse(echo, ctx, truncated=True)
    assert isinstance(result, Rejected) and "repeats the prompt" in result.reason


def test_a_region_with_backticks_gets_a_longer_fence_and_parses_back():
    text = "# Notes\n\n```python\nprint(1)\n```\n\nmore text\n"
    ctx = build_context(request(text, 2, 0, path="README.md"), chat.REGION)
    prompt = user_text(chat.render(ctx))
    assert "````markdown\n" in prompt
    answer = chat.render_target(ctx, ctx.region_text.replace("print(1)", "print(2)"))
    result = chat.parse(answer, ctx)
    assert isinstance(result, Parsed) and "print(2)" in apply_line_edits(ctx.current, [e.to_dict() for e in result.edits])


def test_crlf_files_keep_their_line_endings():
    text = "".join(f"v{i} = {i}\r\n" for i in range(12))
    ctx = build_context(request(text, 1, 5, path="x.py"), chat.REGION)
    answer = ctx.region_text.replace("\r\n", "\n").replace("v2 = 2", "v2 = 20")
    result = chat.parse(f"```python\n{answer}\n```", ctx)
    assert isinstance(result, Parsed)
    assert apply_line_edits(text, [e.to_dict() for e in result.edits]) == text.replace("v2 = 2\r", "v2 = 20\r")


def test_a_region_that_ends_the_file_keeps_its_last_line_break():
    text = "a = 1\nb = 2\n"
    ctx = build_context(request(text, 1, 5, path="x.py"), chat.REGION)
    assert ctx.region_text.endswith("\n")
    result = chat.parse("```python\na = 1\nb = 3\n```", ctx)
    assert apply_line_edits(text, [e.to_dict() for e in result.edits]) == "a = 1\nb = 3\n"


def test_the_nearest_diagnostics_come_before_the_region_in_both_layouts():
    from dataclasses import replace

    from nxedit.model.predict.request import Problem

    base = inventory_request()
    line = base.cursor.line
    far = Problem(0 if line > 200 else line + 400, "error", "far away")  # outside the excerpt: left out
    req = replace(base, diagnostics=(Problem(line, "error", '"discount" is not defined <|im_end|>'), far))
    for layout in ("cache", "inline"):
        text = user_text(chat.render(ctx_of(req), layout))
        row = f'- line {line + 1} (error): "discount" is not defined <\u2060|im_end|>'  # markers escaped
        assert "Problems a language server reports near the cursor in shop/inventory.py:\n" + row in text
        assert text.index(row) < text.index(chat.START if layout == "inline" else "The editable region")
        assert "far away" not in text
    assert "Problems a language server" not in user_text(chat.render(ctx_of()))  # none: no section
