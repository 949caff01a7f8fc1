"""A model's answer can never damage the file: each fault seen with a real model on a real
server, reproduced against a local fake server, ends as an abstention or an error, and the
gate's pieces on their own."""

import pytest

from fake_openai_server import FakeServer, sse, sse_answer
from next_edit_cases import inventory_request, request
from nxedit.model.predict.answer_gate import EMPTY_ANSWER, deletable_lines, gate_reason, strip_chatter, trim_run_on
from nxedit.model.predict.backends import BackendError
from nxedit.model.predict.backends.openai import OpenAIBackend
from nxedit.model.predict.context import build_context
from nxedit.model.predict.model_config import ModelConfig
from nxedit.model.predict.model_predictor import ModelPredictor
from nxedit.model.predict.prompts import get_format
from nxedit.model.predict.prompts.base import Parsed, Rejected
from nxedit.model.predict.rewrite_diff import repetition_reason

SWEEP = get_format("sweep")


def config(url, **kw):
    # min_confidence 0: what passes the gate is shown (the acceptance model is tested on its own)
    return ModelConfig(**{"backend": "openai", "base_url": url, "prompt_format": "sweep",
                          "connect_timeout": 1.0, "read_timeout": 5.0, "min_confidence": 0.0, **kw})


def window(req=None):
    return build_context(req or inventory_request(), SWEEP.REGION)


def predict_with(answer, req=None, **kw):
    """The predictor's suggestion for ``req`` when the server answers ``answer(body)``."""
    with FakeServer(answer) as server:
        predictor = ModelPredictor(config(server.url, **kw))
        suggestion = predictor.predict(req or inventory_request())
        return suggestion, predictor, server


def rename_fix(ctx):
    return ctx.region_text.replace("apply_discount(total, discount)", "apply_discount(total, rebate)")


def test_the_right_answer_still_becomes_the_suggestion():
    ctx = window()
    suggestion, predictor, _ = predict_with(lambda body: sse_answer(rename_fix(ctx) + "\n"))
    assert suggestion is not None and predictor.status.startswith("model: ready")
    (edit,) = suggestion.edits
    assert edit.new_text == "    total = apply_discount(total, rebate)\n"


def test_an_empty_answer_is_an_abstention_not_a_deletion():
    suggestion, predictor, _ = predict_with(lambda body: sse_answer(""))
    assert suggestion is None and predictor.status.startswith("model: ready")
    assert predictor.last_rejection == EMPTY_ANSWER


@pytest.mark.parametrize("stream, message", [
    (b"", "empty stream"),  # HTTP 200 and no events (llama-cpp-python with logprobs, no logits_all)
    (sse({"choices": [{"text": "    total", "finish_reason": None}]}), "without a finish reason"),
    (sse({"choices": [{"text": "x", "finish_reason": "stop"}]}), "without [DONE]"),
    (sse({"error": {"message": "llama_decode returned -1"}}), "llama_decode returned -1"),
    (sse({"choices": [{"text": "x", "finish_reason": "abort"}]}, "[DONE]"), "finish reason 'abort'"),
])
def test_a_broken_stream_is_a_backend_error_never_a_suggestion(stream, message):
    suggestion, predictor, _ = predict_with(lambda body: stream)
    assert suggestion is None  # the editor: no suggestion, and one line in the status bar
    assert message in predictor.status and "\n" not in predictor.status
    with FakeServer(lambda body: stream) as server:  # nxedit predict: an error, not an abstention
        predictor = ModelPredictor(config(server.url), raise_failures=True)
        with pytest.raises(BackendError, match=message.replace("[", r"\[").replace("(", r"\(")):
            predictor.predict(inventory_request())


def test_a_fenced_answer_is_the_code_inside_the_fence():
    ctx = window()
    fenced = f"Here is the updated code:\n```python\n{rename_fix(ctx)}\n```\nI renamed the argument."
    suggestion, _, _ = predict_with(lambda body: sse_answer(fenced))
    (edit,) = suggestion.edits
    assert edit.new_text == "    total = apply_discount(total, rebate)\n"
    # a trailing fence alone is chatter too, never a line of code
    suggestion, predictor, _ = predict_with(lambda body: sse_answer(ctx.region_text + "\n```"))
    assert suggestion is None and predictor.last_rejection is None  # the unchanged window: nothing to show


def test_a_partial_window_then_a_fence_deletes_nothing():
    ctx = window()
    half = "\n".join(ctx.region_text.split("\n")[:5])
    suggestion, predictor, _ = predict_with(lambda body: sse_answer(half + "\n```\n"))
    assert suggestion is None and "deletes" in predictor.last_rejection


def test_an_answer_that_runs_past_the_window_does_not_duplicate_what_follows():
    req = inventory_request()
    ctx = window(req)
    following = "".join(ctx.lines[ctx.region[1] : ctx.region[1] + 20])
    run_on = rename_fix(ctx) + "\n" + following
    suggestion, _, _ = predict_with(lambda body: sse_answer(run_on), req)
    (edit,) = suggestion.edits  # only the real change: the following lines are not typed again
    assert edit.new_text == "    total = apply_discount(total, rebate)\n"


def test_text_after_a_control_token_is_dropped_and_the_tokens_are_banned():
    ctx = window()
    bleed = rename_fix(ctx) + "\n<|fim_middle|>def helper():\n    pass\n"
    tokens = {"<|fim_middle|>": [151660], "<|fim_prefix|>": [151659]}
    with FakeServer(lambda body: sse_answer(bleed), tokens=tokens) as server:
        predictor = ModelPredictor(config(server.url))
        suggestion = predictor.predict(inventory_request())
        suggestion_again = predictor.predict(inventory_request())
    (edit,) = suggestion.edits
    assert edit.new_text == "    total = apply_discount(total, rebate)\n"
    first, second = server.completions()
    # the server hides special tokens from the text: the model must not write them at all
    assert first["logit_bias"] == {"151660": -100, "151659": -100} == second["logit_bias"]
    assert "<|file_sep|>" in first["stop"]  # Sweep's stop token is not banned
    tokenize_calls = [p for p, _ in server.requests if p.endswith("tokenize")]
    assert len(tokenize_calls) == 1 + len(SWEEP.BAN)  # asked once, not per request
    assert suggestion_again.edits == suggestion.edits


def test_nested_closing_braces_are_not_an_endless_repetition():
    old = "fn f() {\n    if a {\n        x();\n    }\n}"
    new = ("fn f() {\n    if a {\n        if b {\n            if c {\n                x();\n            }\n"
           "        }\n    }\n}")
    assert repetition_reason(old, new) is None  # four braces, four indents: four different lines
    assert repetition_reason(old, new + "\n}\n}\n}\n}\n}") is not None  # a real loop still is one
    req = request(old + "\n", 2, 8, history=[(2, "        y();\n", "        x();\n")], path="a.rs")
    ctx = build_context(req, SWEEP.REGION)
    assert ctx.region_text == old + "\n"  # the window reaches the end of the file
    result = SWEEP.parse(new + "\n", ctx)
    assert isinstance(result, Parsed) and result.rewrite == new + "\n" and result.edits


def test_what_a_model_wrote_before_it_looped_is_read_as_an_answer_cut_off_there():
    # Gemma 3 270M, held by the grammar to the region's lines, wrote the region (the fix in it)
    # and then one line again and again: the predictor stops it and places the head it wrote
    ctx = window()
    lines = rename_fix(ctx).split("\n")
    loop = "    print('<img>')\n" * 40
    suggestion, predictor, _ = predict_with(lambda body: sse_answer("\n".join(lines) + "\n" + loop, pieces=12))
    (edit,) = suggestion.edits
    assert edit.new_text == "    total = apply_discount(total, rebate)\n"
    assert dict(suggestion.features)["flag:truncated"] == 1.0  # the acceptance model knows it was cut
    # a loop from the first line leaves nothing to place: refused as the loop it is
    suggestion, predictor, _ = predict_with(lambda body: sse_answer(loop, pieces=12))
    assert suggestion is None and predictor.last_rejection.startswith("endless repetition")
    # one that begins before the fix: the lines it wrote change nothing, so it suggests nothing
    fixed_at = next(i for i, x in enumerate(lines) if "rebate" in x)
    suggestion, predictor, _ = predict_with(lambda body: sse_answer("\n".join(lines[:fixed_at - 1]) + "\n" + loop,
                                                                    pieces=12))
    assert suggestion is None and predictor.last_rejection is None and predictor.last_loop


def test_logprobs_are_asked_for_only_when_configured():
    ctx = window()
    _, _, server = predict_with(lambda body: sse_answer(rename_fix(ctx)))
    assert "logprobs" not in server.completions()[0] and server.completions()[0]["cache_prompt"] is True
    _, _, server = predict_with(lambda body: sse_answer(rename_fix(ctx)), logprobs=True, cache_prompt=False)
    assert server.completions()[0]["logprobs"] == 1 and "cache_prompt" not in server.completions()[0]


def test_a_server_without_a_tokenize_endpoint_gets_no_logit_bias():
    with FakeServer(lambda body: sse_answer("x"), tokens=None) as server:
        backend = OpenAIBackend(config(server.url))
        backend.complete("p", 4, ban=("<|fim_middle|>",))
    assert "logit_bias" not in server.completions()[0]


def test_a_known_model_on_a_server_without_a_tokenize_endpoint_gets_its_vocabulary_ids():
    with FakeServer(lambda body: sse_answer("x"), tokens=None) as server:  # as vLLM without /tokenize
        backend = OpenAIBackend(config(server.url, model="zed-industries/zeta"))
        backend.complete("p", 4, ban=SWEEP.BAN)
        backend.complete("p", 4, ban=SWEEP.BAN)
    first, second = server.completions()
    assert first["logit_bias"] == {"151659": -100, "151660": -100, "151661": -100, "151662": -100,
                                   "151663": -100, "151644": -100} == second["logit_bias"]
    assert len([p for p, _ in server.requests if p.endswith("tokenize")]) == 2  # both endpoints, asked once


def test_a_server_error_mid_answer_raises_one_line():
    with FakeServer(lambda body: sse({"choices": [{"text": "a"}]}, {"error": "out of memory"})) as server:
        with pytest.raises(BackendError, match="out of memory"):
            OpenAIBackend(config(server.url)).complete("p", 4)


# ---------------------------------------------------------------------------------------
# the gate's pieces


def test_strip_chatter_keeps_real_fences_of_a_markdown_region():
    region = "Some text\n```python\nx = 1\n```"
    assert strip_chatter(region + "\nmore", region) == region + "\nmore"
    assert strip_chatter("```\nx = 2\n```", "x = 1") == "x = 2"
    assert strip_chatter("x = 2\n```", "x = 1") == "x = 2"
    assert strip_chatter("x = 2", "x = 1") == "x = 2"


def test_trim_run_on_leaves_a_region_that_holds_the_same_lines_alone():
    current = "a = 1\nb = 2\nprint(a)\nprint(b)\n" + "\n" * 7 + "print(a)\nprint(b)\n"
    ctx = build_context(request(current, 0, 0), SWEEP.REGION)
    assert ctx.lines[ctx.region[1]] == "print(a)\n"  # the window ends just above a copy of its lines
    assert trim_run_on(ctx.region_text + "\nprint(a)\nprint(b)", ctx) == ctx.region_text + "\nprint(a)\nprint(b)"


def test_the_size_gate_lets_history_supported_deletions_through():
    lines = [f"    value_{i} = compute_{i}(item)\n" for i in range(12)]
    current = "def f(item):\n" + "".join(lines) + "    return item\n"
    ctx = build_context(request(current, 3, 0), SWEEP.REGION)
    shorter = "\n".join(ctx.region_text.split("\n")[:1] + ctx.region_text.split("\n")[6:])
    assert "deletes 5" in gate_reason(ctx, shorter)
    deleted = "".join(f"    old_{i} = 1\n" for i in range(5))
    ctx = build_context(request(current, 3, 0, history=[(1, deleted, "")]), SWEEP.REGION)
    assert gate_reason(ctx, shorter) is None  # the user just deleted five lines: deleting is the pattern
    assert "little in common" in gate_reason(ctx, "completely\nunrelated\ntext\nhere\n" * 3)


def test_the_lines_a_rewrite_may_delete_are_where_the_gate_draws_the_line():
    """deletable_lines (the answer grammar holds a model to it too) is the gate's own limit:
    3 without history, 2m + 1 once a recent edit deleted m lines; one more is refused."""
    lines = [f"    value_{i} = compute_{i}(item)\n" for i in range(16)]
    current = "def f(item):\n" + "".join(lines) + "    return item\n"
    for m, most in ((0, 3), (1, 3), (2, 5), (4, 9)):
        history = [(1, "".join(f"    old_{i} = 1\n" for i in range(m)), "")] if m else []
        ctx = build_context(request(current, 3, 0, history=history), SWEEP.REGION)
        assert deletable_lines(ctx.events) == most
        region = ctx.region_text.split("\n")
        for dropped in (most, most + 1):
            rewrite = "\n".join(region[:1] + region[1 + dropped :])
            assert (gate_reason(ctx, rewrite) is None) == (dropped == most), (m, dropped)


def test_parse_rejects_an_empty_rewrite_of_a_non_empty_region():
    ctx = window()
    assert SWEEP.parse("\n", ctx) == Rejected(EMPTY_ANSWER)


def test_trim_run_on_compares_more_lines_where_the_region_holds_the_first_ones():
    # blocks that end alike ("  value: number;", "};", a blank line): the first two lines after
    # the region are in it too, the next declaration's head is not (Gemma 3 270M ran on so)
    current = "".join(f"type T{i} = {{\n  value: number;\n}};\n\n" for i in range(16))
    ctx = build_context(request(current, 23, 0, path="types.ts"), SWEEP.REGION)
    following = "".join(ctx.lines[ctx.region[1] : ctx.region[1] + 8])
    assert following.startswith("};\n\ntype T")  # "};" and a blank line: the region holds them too
    run_on = ctx.region_text + ("" if ctx.region_text.endswith("\n") else "\n") + following
    assert trim_run_on(run_on, ctx).rstrip("\n") == ctx.region_text.rstrip("\n")


def test_a_cut_answer_that_ran_past_the_region_changes_nothing_past_it():
    # the region with the fix, then the lines after it typed again with changes of the
    # model's own, cut at the token limit: the fix is the edit, the lines after stay
    req = inventory_request()
    ctx = window(req)
    following = "".join(x.rstrip("\n") + "  # ?\n" if x.strip() else x for x in ctx.lines[ctx.region[1] : ctx.region[1] + 6])
    answer = rename_fix(ctx) + ("" if ctx.region_text.endswith("\n") else "\n") + following + "def unfinis"
    result = SWEEP.parse(answer, ctx, truncated=True)
    assert isinstance(result, Parsed) and "cut" in result.flags
    (edit,) = result.edits
    assert edit.new_text == "    total = apply_discount(total, rebate)\n" and edit.end_line <= ctx.region[1]
