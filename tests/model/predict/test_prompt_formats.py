"""The prompt formats: golden prompts, parsing good and malformed outputs, marker escaping.

Golden files live in tests/model/predict/golden/prompts/; regenerate them after an intended change with
``NXEDIT_REGEN_GOLDEN=1 python -m pytest tests/test_prompt_formats.py`` and review the diff.
"""

import os
from pathlib import Path

import pytest

from next_edit_cases import inventory_request, request
from nxedit.model.predict.context import build_context
from nxedit.model.text.edits import LineEdit
from nxedit.model.predict.prompts import get_format
from nxedit.model.predict.prompts.base import ESCAPE, ChatPrompt, Parsed, PromptRefused, Rejected
from nxedit.model.text.plain import apply_line_edits

GOLDEN = Path(__file__).parent / "golden" / "prompts"
FORMATS = ("zeta", "instinct", "sweep", "sweep-v2")
private = lambda path: Path(path).name.startswith(".env")  # noqa: E731


def context(fmt, req):
    return build_context(req, fmt.REGION, exclude=private)


def prompt_text(prompt):
    if isinstance(prompt, ChatPrompt):
        return "".join(f"=== {role} ===\n{content}\n" for role, content in prompt.messages)
    return prompt


@pytest.mark.parametrize("name", FORMATS)
def test_rendered_prompt_matches_the_golden_file(name):
    fmt = get_format(name)
    rendered = prompt_text(fmt.render(context(fmt, inventory_request())))
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("NXEDIT_REGEN_GOLDEN"):
        path.write_text(rendered, encoding="utf-8")
    assert rendered == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", FORMATS)
def test_private_files_never_reach_the_prompt(name):
    fmt = get_format(name)
    assert "API_KEY" not in prompt_text(fmt.render(context(fmt, inventory_request())))


def rewrite_of(ctx, old, new):
    assert old in ctx.region_text
    return ctx.region_text.replace(old, new)


@pytest.mark.parametrize("name", FORMATS)
def test_the_target_answer_parses_back_to_the_edit(name):
    fmt = get_format(name)
    req = inventory_request()
    ctx = context(fmt, req)
    rewrite = rewrite_of(ctx, "apply_discount(total, discount)", "apply_discount(total, rebate)")
    result = fmt.parse(fmt.render_target(ctx, rewrite), ctx)
    assert isinstance(result, Parsed)
    line = req.current.split("\n").index("    total = apply_discount(total, discount)")
    assert result.edits == (LineEdit(line, line + 1, "    total = apply_discount(total, rebate)\n"),)


@pytest.mark.parametrize("name", FORMATS)
def test_an_unchanged_answer_gives_no_edit(name):
    fmt = get_format(name)
    ctx = context(fmt, inventory_request())
    result = fmt.parse(fmt.render_target(ctx, ctx.region_text), ctx)
    assert result == Parsed(ctx.region_text, ())


@pytest.mark.parametrize("name", FORMATS)
def test_a_truncated_answer_places_what_it_wrote_and_keeps_what_it_did_not_reach(name):
    from nxedit.model.predict.prompts.base import CUT_BY_BUDGET

    fmt = get_format(name)
    req = inventory_request()
    ctx = context(fmt, req)
    target = fmt.render_target(ctx, rewrite_of(ctx, "apply_discount(total, discount)", "apply_discount(total, rebate)"))
    last = [x for x in ctx.region_text.split("\n") if x.strip()][-1]
    cut = target[: target.rindex(last) + 8]  # the token limit, in the region's last line
    result = fmt.parse(cut, ctx, truncated=True)
    assert isinstance(result, Parsed) and "cut" in result.flags
    line = req.current.split("\n").index("    total = apply_discount(total, discount)")
    assert result.edits == (LineEdit(line, line + 1, "    total = apply_discount(total, rebate)\n"),)
    wire = [{"start_line": e.start_line, "end_line": e.end_line, "new_text": e.new_text} for e in result.edits]
    after = apply_line_edits(req.current, wire)  # the unfinished line and all after it stay
    assert after == req.current.replace("apply_discount(total, discount)", "apply_discount(total, rebate)")
    unchanged = fmt.render_target(ctx, ctx.region_text)
    half = fmt.parse(unchanged[: len(unchanged) // 2], ctx, truncated=True)
    assert isinstance(half, Parsed) and half.edits == ()  # half the region copied: no edit, nothing deleted
    # stopped before two whole lines of the region were written: nothing to place it by
    early = target[: target.index(ctx.region_text.lstrip("\n").split("\n")[0]) + 10]
    assert fmt.parse(early, ctx, truncated=True) == Rejected(CUT_BY_BUDGET)


@pytest.mark.parametrize("name", FORMATS)
def test_a_looping_answer_is_rejected(name):
    fmt = get_format(name)
    ctx = context(fmt, inventory_request())
    looping = ctx.region_text + "\n" + "    total += 1\n" * 8
    result = fmt.parse(fmt.render_target(ctx, looping), ctx)
    assert isinstance(result, Rejected) and "repetition" in result.reason


@pytest.mark.parametrize("name", ["zeta", "sweep", "sweep-v2"])  # instinct's 7-line region ends below the edit
def test_an_answer_that_reverts_the_last_edit_is_rejected(name):
    fmt = get_format(name)
    ctx = context(fmt, inventory_request())
    back = rewrite_of(ctx, "quantities, rebate)", "quantities, discount)")
    result = fmt.parse(fmt.render_target(ctx, back), ctx)
    assert result == Rejected("the rewrite undoes the user's last edit")


def test_zeta_rejects_duplicated_and_misplaced_markers():
    fmt = get_format("zeta")
    ctx = context(fmt, inventory_request())
    body = ctx.region_text
    start, end = "<|editable_region_start|>", "<|editable_region_end|>"
    assert "2 <|editable_region_end|> markers" in fmt.parse(f"{start}\n{body}\n{end}\n{end}", ctx).reason
    assert "2 <|editable_region_start|> markers" in fmt.parse(f"{start}\n{start}\n{body}", ctx).reason
    assert fmt.parse(body, ctx) == Rejected("the output has no <|editable_region_start|>")
    outside = f"{start}\n{body}\n{end}\nsomething else entirely\n```"
    assert fmt.parse(outside, ctx) == Rejected("the output rewrites text outside the editable region")
    # stopped at the end marker (the backend's stop string): the text is the whole region
    assert fmt.parse(f"{start}\n{body}\n", ctx) == Parsed(body, ())
    # a copy of the excerpt's head before the start marker is not part of the region
    assert fmt.parse(f"```shop/inventory.py\n{start}\n{body}\n", ctx) == Parsed(body, ())
    # the cursor marker echoed back is dropped
    echoed = start + "\n" + body[:10] + "<|user_cursor_is_here|>" + body[10:] + "\n"
    assert fmt.parse(echoed, ctx) == Parsed(body, ())


@pytest.mark.parametrize("name", ["zeta", "zeta-cache"])
def test_markers_written_with_stray_spaces_still_mark_the_region(name):
    """Gemma 270M's answer to a Zeta prompt (trpc/trpc@e8700515ccf3#k2, bench/model_quality.py):
    a fence, the start marker indented, and the end marker (cut by the server, a stop string)
    indented too: the spaces belong to the markers' lines, not to the region."""
    fmt = get_format(name)
    ctx = context(fmt, inventory_request())
    changed = rewrite_of(ctx, "apply_discount(total, discount)", "apply_discount(total, rebate)")
    eol = "" if changed.endswith("\n") else "\n"
    result = fmt.parse(f"```\n  <|editable_region_start|>  \n{changed}{eol}  ", ctx)
    assert isinstance(result, Parsed) and result.rewrite == changed and len(result.edits) == 1
    spaced = fmt.parse(f"<|editable_region_start|>\t\n{changed}{eol}    <|editable_region_end|>", ctx)
    assert spaced == result


@pytest.mark.parametrize("name", FORMATS + ("zeta-cache", "chat"))
def test_a_cursor_marker_written_with_spaces_or_a_sign_inside_is_dropped(name):
    """Gemma 3 270M fine-tuned here answered `unhealed< |user_cursor_is_here|> = None` for zeta
    (exllamav2's generator, in the editor) and `statusLine<=|cursor|>` for chat (ky's
    HTTPError.ts): the grammar bans `<|`, not `< |` or `<=|`, and the mangled marker reached
    the code. A form already in the user's region is theirs and stays."""
    fmt = get_format(name)
    ctx = context(fmt, inventory_request())
    cursor = fmt.CURSOR
    changed = rewrite_of(ctx, "apply_discount(total, discount)", "apply_discount(total, rebate)")
    clean = fmt.parse(fmt.render_target(ctx, changed), ctx)
    assert isinstance(clean, Parsed)
    for mangled in ("< " + cursor[1:-2] + " |>", "<=" + cursor[1:], cursor[:-1] + " =>"):
        garbled = changed.replace("apply_discount(total, rebate)", "apply_discount(total, " + mangled + "rebate)")
        assert fmt.parse(fmt.render_target(ctx, garbled), ctx) == clean, mangled


def test_instinct_accepts_a_fenced_or_tagged_answer_and_rejects_unbalanced_tags():
    fmt = get_format("instinct")
    ctx = context(fmt, inventory_request())
    body = ctx.region_text
    assert fmt.parse(f"```python\n{body}\n```", ctx) == Parsed(body, ())
    assert fmt.parse(f"<|editable_region_start|>\n{body}\n<|editable_region_end|>", ctx) == Parsed(body, ())
    assert isinstance(fmt.parse(f"<|editable_region_start|>\n{body}", ctx), Rejected)
    # the tags on lines of their own with stray indentation (Gemma 270M indents the end tag)
    assert fmt.parse(f"<|editable_region_start|> \n{body}\n        <|editable_region_end|>", ctx) == Parsed(body, ())


def test_sweep_cuts_the_answer_at_the_next_file_separator():
    fmt = get_format("sweep")
    ctx = context(fmt, inventory_request())
    answer = ctx.region_text + "\n<|file_sep|>other.py\nwhatever"
    assert fmt.parse(answer, ctx) == Parsed(ctx.region_text, ())


def test_sweep_original_block_shows_the_window_before_the_last_edit():
    fmt = get_format("sweep")
    prompt = fmt.render(context(fmt, inventory_request()))
    original = prompt.split("<|file_sep|>original/")[1].split("<|file_sep|>")[0]
    current = prompt.split("<|file_sep|>current/")[1].split("<|file_sep|>")[0]
    assert "quantities, discount):" in original and "quantities, rebate):" in current


MARKER_LINE = 'SEPARATORS = ["<|editable_region_end|>", "<|file_sep|>", "</s>", "<|user_cursor_is_here|>"]\n'
PLAIN_LINE = 'SEPARATORS = ["a", "b", "c", "d"]\n'


def marker_request(line_text=MARKER_LINE):
    current = f"import re\n\n{line_text}def split(text):\n    return re.split('|'.join(SEPARATORS), text)\n"
    return request(current, 3, 4, path="tokens.py")


@pytest.mark.parametrize("name", FORMATS)
def test_marker_strings_in_the_file_are_escaped_and_survive_the_round_trip(name):
    fmt = get_format(name)
    req = marker_request()
    ctx = context(fmt, req)
    text = prompt_text(fmt.render(ctx))
    plain = prompt_text(fmt.render(context(fmt, marker_request(PLAIN_LINE))))
    markers = ["<|editable_region_end|>", "<|file_sep|>", "<|user_cursor_is_here|>"] + list(fmt.escape.extra)
    for marker in markers:
        assert text.count(marker) == plain.count(marker)  # the user's copies add none
    # a model that copies the region (escaped markers and all) and changes one line
    assert "SEPARATORS = [" in ctx.region_text
    rewrite = ctx.region_text.replace("    return re.split(", "    return re.split(  ")
    result = fmt.parse(fmt.render_target(ctx, rewrite), ctx)
    assert isinstance(result, Parsed)
    after = apply_line_edits(req.current, [e.to_dict() for e in result.edits])
    assert MARKER_LINE in after and "re.split(  " in after
    assert len(result.edits) == 1


def test_text_already_holding_the_escape_form_is_refused_with_a_logged_reason(caplog):
    fmt = get_format("zeta")
    current = f"x = '<{ESCAPE}|file_sep|>'\ny = 1\n"
    ctx = context(fmt, request(current, 1, 0, path="odd.py"))
    with caplog.at_level("WARNING", logger="nxedit.model"), pytest.raises(PromptRefused) as refused:
        fmt.render(ctx)
    assert "escaped" in str(refused.value)
    assert "prompt refused" in caplog.text


def test_zeta2_weights_are_refused_by_name_or_tokenizer(tmp_path):
    from nxedit.model.predict.prompts import zeta

    assert "Zeta-2" in zeta.model_refusal("zed-industries/zeta-2")
    assert zeta.model_refusal("zeta_2-q4.gguf") and zeta.model_refusal("zed-industries/zeta") is None
    folder = tmp_path / "next-edit-model"
    folder.mkdir()
    (folder / "tokenizer_config.json").write_text('{"added_tokens_decoder": {"151669": {"content": "<|user_cursor|>"}}}')
    assert "<|user_cursor|>" in zeta.model_refusal(str(folder), str(folder))


def test_a_zeta2_model_never_gets_a_prediction():
    from fake_openai_server import FakeServer, sse_answer
    from nxedit.model.predict.model_config import ModelConfig
    from nxedit.model.predict.model_predictor import ModelPredictor

    with FakeServer(lambda body: sse_answer("x")) as server:
        predictor = ModelPredictor(ModelConfig(backend="openai", base_url=server.url, model="zeta-2"))
        assert not predictor.load() and "Zeta-2" in predictor.status
        assert not server.completions()


def test_zeta_budgets_are_zeds_byte_guess_whatever_the_tokenizer():
    fmt = get_format("zeta")
    one_token_a_char = lambda text: len(text)  # noqa: E731  a tokenizer far from bytes / 3
    req = inventory_request()
    assert build_context(req, fmt.REGION, one_token_a_char).region == build_context(req, fmt.REGION).region


def test_sweep_change_blocks_show_the_same_blank_lines_on_both_sides():
    fmt = get_format("sweep")
    current = "a = 1\nb = 2\n\nc = 3\n"
    ctx = context(fmt, request(current, 1, 0, history=[(1, "b = 1\n", "b = 2\n")], path="x.py"))
    block = fmt.render(ctx).split("<|file_sep|>x.py.diff\n")[1].split("<|file_sep|>")[0]
    original, updated = block.removeprefix("original:\n").split("updated:\n")
    assert original.count("\n") == updated.count("\n")  # no phantom deletion of the blank line


# kept: the line breaks of the format's answer for the region unchanged, less the 3 lines the gate
# lets a rewrite delete (no recent edit deleted any): zeta's 39 (the tail's own break follows the
# region's last line), sweep's window and its closing break 21, instinct's 6, chat's 7
@pytest.mark.parametrize("name, head, tail, kept", [
    ("zeta", '"<|editable_region_start|>\\n" ', ' "\\n<|editable_region_end|>"', 36),
    ("sweep", "", ' ("<|file_sep|>" | "</s>")?', 18),
    ("sweep-v2", "", ' ("<|file_sep|>" | "</s>")?', 18),
    ("instinct", "", ' ("<|editable_region_end|>")?', 3),
    ("chat", '"```python\\n" ', ' "\\n```"', 4),
])
def test_each_formats_grammar_is_its_answer_with_a_bounded_region(name, head, tail, kept):
    from nxedit.model.predict.answer_gate import deletable_lines

    fmt = get_format(name)
    ctx = context(fmt, inventory_request())
    most = len(ctx.region_text) * 5 // 4 + 192  # the region and a margin, as the token limit
    root, char, end, *rules, text = fmt.grammar(ctx).splitlines()
    body = f"char{{0,{most}}}" if most <= 1000 else f"(char{{1000}}){{0,{most // 1000}}} char{{0,999}}"
    cursor = "<|cursor|>" if name in ("chat", "sweep", "sweep-v2") else "<|user_cursor_is_here|>"
    # first the lines the gate would not let it delete ...
    assert deletable_lines(ctx.events) == 3
    lines = kept
    reach = min(lines, ctx.region_text[: ctx.cursor_in_region].count("\n") + 1)
    forced = f"c{reach}" + (f' (line "\\n"){{{lines - reach}}}' if lines > reach else "")
    # ... then the cursor marker the prompt shows may be copied once, between two runs of the
    # region's text (and once in the kept lines up to the cursor's: c<k>, k lines, one may hold it)
    assert root == f'root ::= {head}{forced} text ("{cursor}" text)? end{tail}' and text == f"text ::= {body}"
    widest = max(len(x) for x in ctx.region_text.split("\n"))
    assert rules[:2] == ["line ::= ltext end", f"ltext ::= lchar{{0,{max(2 * widest, widest + 64)}}}"]
    assert rules[3] == f'c1 ::= ltext ("{cursor}" ltext)? end "\\n"'
    assert rules[4:] == [f'c{k} ::= ltext ("{cursor}" ltext end "\\n" (line "\\n"){{{k - 1}}} | end "\\n" c{k - 1})'
                         for k in range(2, reach + 1)]
    # no marker of the model's own: every "<" in a run of at most two (<<) and a character
    # that is neither "<" nor "|" (or the rewrite's end); chat: nor a fence of its own
    if name == "chat":
        assert char == ('char ::= [^<`] | "<"{1,2} [^<|`] | "`"{1,2} [^`<] | "`"{1,2} "<"{1,2} [^<|`]')
        assert end == 'end ::= "`"{0,2} | "`"{0,2} "<"{1,2}'
    else:
        assert char == 'char ::= [^<] | "<"{1,2} [^<|]'
        assert end == 'end ::= "<"{0,2}'


def test_a_region_with_a_longer_run_of_lt_may_be_copied():
    fmt = get_format("zeta")
    ctx = context(fmt, request("<<<<<<< HEAD\nx = 1\n=======\nx = 2\n>>>>>>> main\n", 1, 0))
    assert fmt.grammar(ctx).splitlines()[1] == 'char ::= [^<] | "<"{1,7} [^<|]'


@pytest.mark.parametrize("name, head, tail, stop", [
    ("zeta", "<|editable_region_start|>\n", "\n<|editable_region_end|>", ""),
    ("zeta-cache", "<|editable_region_start|>\n", "\n<|editable_region_end|>", ""),
    ("sweep", "", "", "<|file_sep|>"),
    ("instinct", "", "", "<|editable_region_end|>"),
    ("chat", "```python\n", "\n```", ""),
])
@pytest.mark.parametrize("lines", [12, 60])  # a budget under and over one repetition's limit
def test_a_grammar_answer_always_ends_within_its_token_limit(name, head, tail, stop, lines):
    """The longest answer a format's grammar allows, written in the widest items of its rule
    (``<<`` and a character; chat's two backticks before them), fits the grammar's token
    limit with the end-of-text token after it: a token holds at least a byte, so the
    grammar, not the token limit, ends every answer it holds."""
    from nxedit.model.predict.prompts.base import GRAMMAR_CHUNK, answer_budget

    fmt = get_format(name)
    code = "".join(f"    value_{i} = compute(value_{i - 1}, {i})  # step {i}\n" for i in range(lines))
    ctx = build_context(request(code, lines // 2, 4, path="a.py"), fmt.REGION)
    budget = answer_budget(ctx.region_text)
    if name == "sweep":  # its 21-line window: one budget in a repetition, one in chunks
        assert (budget > GRAMMAR_CHUNK) == (lines == 60)
    items = budget if budget <= GRAMMAR_CHUNK else budget // GRAMMAR_CHUNK * GRAMMAR_CHUNK + GRAMMAR_CHUNK - 1
    widest, trailing = ("``<<x", "``<<") if name == "chat" else ("<<x", "<<")
    if name == "zeta-cache":
        tail = ("" if ctx.region_text.endswith("\n") else "\n") + "<|editable_region_end|>"
    cursor = {"chat": "<|cursor|>", "sweep": "<|cursor|>"}.get(name, "<|user_cursor_is_here|>")
    # the lines the rewrite must keep, each at its widest, one with the marker; then the rest
    copy = fmt.render_target(ctx, ctx.region_text).removeprefix(head)  # the answer for the region unchanged
    kept = copy[: copy.index(tail) if tail else len(copy)].removesuffix(stop).count("\n") - 3  # no history
    width = max(len(x) for x in ctx.region_text.split("\n"))
    width = max(2 * width, width + 64)
    lines = (widest * width + trailing + "\n") * kept + cursor + widest * width
    longest = head + lines + widest * items + cursor + widest * items + trailing + tail + stop  # the marker, copied once
    grammar = fmt.grammar(ctx)
    assert len(longest.encode()) + 1 <= grammar.max_tokens  # + the end-of-generation token
    assert grammar.max_tokens <= len(longest.encode()) + 1 + len("</s>")  # and not far more (sweep: either stop)


def test_grammar_literals_are_quoted():
    from nxedit.model.predict.prompts.base import gbnf_literal

    assert gbnf_literal('a"b\\c\nd\r') == '"a\\"b\\\\c\\nd\\r"'


def test_a_long_region_gets_chunked_repetitions_and_a_rewrite_cut_at_the_budget_adds_nothing_past_it():
    from nxedit.model.predict.prompts import sweep
    from nxedit.model.predict.prompts.base import answer_budget

    long_line = "x = '" + "a" * 150 + "'\n"
    ctx = build_context(request(long_line * 40, 20, 0, path="big.py"), sweep.REGION)
    budget = answer_budget(ctx.region_text)
    assert budget > 2000  # llama.cpp refuses a repetition over 2,000
    assert f"text ::= (char{{1000}}){{0,{budget // 1000}}} char{{0,999}}" in sweep.grammar(ctx).splitlines()
    cut = (ctx.region_text + "y = 1\n" * budget)[:budget]  # the grammar closed it at the budget
    result = sweep.parse(cut, ctx)
    assert isinstance(result, Parsed) and "cut" in result.flags and result.edits == ()  # the run-on is not the region's


@pytest.mark.parametrize("name, marker", [("zeta", "<|user_cursor_is_here|>"), ("zeta-cache", "<|user_cursor_is_here|>"),
                                          ("instinct", "<|user_cursor_is_here|>")])
def test_a_training_answer_keeps_the_cursor_marker_its_prompt_shows(name, marker):
    # without it a fine-tuned model learnt that "<|" in an answer begins the end marker, and
    # stopped copying the region at the cursor (Gemma 3 270M: 20 of 34 zeta "deletions")
    from nxedit.model.predict.prompts.base import cursor_in_rewrite

    fmt = get_format(name)
    req = inventory_request()
    ctx = context(fmt, req)
    region = ctx.region_text
    cursor = ctx.cursor_in_region
    after = region[:cursor] + region[cursor:].replace("discount)", "rebate)", 1)  # an edit after the cursor
    before = "#" + region  # an edit before it
    assert after != region and cursor_in_rewrite(ctx, after) == cursor and cursor_in_rewrite(ctx, before) == 0
    for rewrite in (after, before):
        target = fmt.render_target(ctx, rewrite)
        assert target.count(marker) == 1
        assert fmt.parse(target, ctx).rewrite == rewrite  # the parser drops it
