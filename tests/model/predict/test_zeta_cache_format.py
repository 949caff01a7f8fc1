"""The zeta-cache format: Zeta's prompt in cache order (for models nxedit fine-tunes)."""

from next_edit_cases import inventory_request, small_request, typing_requests
from nxedit.model.predict.context import build_context
from nxedit.model.predict.model_config import parse_model_table
from nxedit.model.predict.prompts import get_format, zeta, zeta_cache
from nxedit.model.predict.prompts.base import Parsed, Rejected
from nxedit.model.text.plain import apply_line_edits


def ctx_of(req=None, fmt=zeta_cache):
    return build_context(req or inventory_request(), fmt.REGION, exclude=lambda path: path.endswith(".env"))


def shared_start(a: str, b: str) -> float:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n / len(b)


def test_it_is_a_format_by_name_and_a_model_setting():
    assert get_format("zeta-cache") is zeta_cache
    config, messages = parse_model_table({"backend": "openai", "prompt_format": "zeta-cache"})
    assert config.prompt_format == "zeta-cache" and messages == []


def test_what_changes_least_comes_first_and_the_region_is_shown_once():
    prompt = zeta_cache.render(ctx_of())
    at = [prompt.index(s) for s in ("### Instruction:", zeta_cache.HOLE + "\n", "### User Edits:", "User edited",
                                    "### Editable Region:", zeta.START + "\n", "<|user_cursor_is_here|>", zeta.END)]
    assert at == sorted(at)
    assert prompt.endswith(f"{zeta.END}\n```\n\n### Response:\n")
    assert prompt.count("total = apply_discount(total, ") == 1  # in the region block only
    assert prompt.count(zeta.START) == 1 and prompt.count(zeta.END) == 1


def test_typing_changes_only_the_end_of_the_prompt():
    """Consecutive keystrokes share most of the prompt at its start (>= 0.8 on the bench's
    sessions, in larger files; this file is short); Zeta's layout far less."""
    cache = [zeta_cache.render(ctx_of(r)) for r in typing_requests("log(total)")]
    trained = [zeta.render(ctx_of(r, zeta)) for r in typing_requests("log(total)")]
    shares = [shared_start(a, b) for a, b in zip(cache, cache[1:])]
    assert min(shares) > 0.7
    assert sum(shares) > sum(shared_start(a, b) for a, b in zip(trained, trained[1:]))


def test_the_answer_is_zetas_between_its_markers():
    ctx = ctx_of()
    changed = ctx.region_text.replace("apply_discount(total, discount)", "apply_discount(total, rebate)")
    answer = zeta_cache.render_target(ctx, changed).split(zeta.END, 1)[0]  # the server stops at the end marker
    result = zeta_cache.parse(answer, ctx)
    assert isinstance(result, Parsed) and len(result.edits) == 1
    assert "apply_discount(total, rebate)" in apply_line_edits(ctx.current, [e.to_dict() for e in result.edits])
    assert zeta_cache.parse(zeta_cache.render_target(ctx, ctx.region_text), ctx) == Parsed(ctx.region_text, ())
    # the end marker written at the end of the file's last line: that line keeps its line break
    end = ctx_of(small_request())
    assert end.region_text.endswith("\n")
    glued = zeta_cache.parse(f"{zeta.START}\n{end.region_text.rstrip()}{zeta.END}", end)
    assert glued == Parsed(end.region_text, ())
    outside = zeta_cache.parse(f"{zeta.START}\n{changed}\n{zeta.END}\nprint('more')", ctx)
    assert isinstance(outside, Rejected) and "outside" in outside.reason
    assert isinstance(zeta_cache.parse(f"{zeta.START}\n{changed[:20]}", ctx, truncated=True), Rejected)


def test_the_grammar_holds_the_answer_to_the_markers():
    grammar = zeta_cache.grammar(ctx_of())
    assert grammar.startswith('root ::= "<|editable_region_start|>\\n"') and '"\\n<|editable_region_end|>"' in grammar
    # a region whose lines all end with their line breaks: the end marker follows the last one
    end = zeta_cache.grammar(ctx_of(small_request()))
    assert ' "<|editable_region_end|>"' in end and "\\n<|editable_region_end|>" not in end
