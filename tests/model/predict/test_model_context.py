"""The context builder: editable region, history diffs, related snippets."""

from dataclasses import replace

import pytest

from next_edit_cases import INVENTORY, PRICING, UNRELATED, inventory_request, request
from nxedit.model.predict.context import RegionSpec, build_context, estimate_tokens, history_events
from nxedit.model.predict.snippets import related_snippets

BIG = "".join(f"def f{i}(x):\n    y = x + {i}\n    return y * 2\n\n\n" for i in range(3000))


def region_tokens(ctx, count=estimate_tokens):
    return sum(count(line) for line in ctx.lines[ctx.region[0] : ctx.region[1]])


@pytest.mark.parametrize("budget", [10, 40, 120, 350])
@pytest.mark.parametrize("line", [0, 20, 45, 80])
def test_the_region_stays_within_its_token_budget(budget, line):
    req = inventory_request()
    line = min(line, req.current.count("\n"))
    req = request(req.current, line, 0)
    ctx = build_context(req, RegionSpec(region_tokens=budget, context_tokens=budget // 2))
    cursor_line_cost = estimate_tokens(ctx.lines[line])
    assert ctx.region[0] <= line < ctx.region[1]
    assert region_tokens(ctx) <= max(budget, cursor_line_cost)
    context_only = ctx.lines[ctx.excerpt[0] : ctx.region[0]] + ctx.lines[ctx.region[1] : ctx.excerpt[1]]
    assert sum(map(estimate_tokens, context_only)) <= budget // 2
    assert ctx.excerpt[0] <= ctx.region[0] and ctx.region[1] <= ctx.excerpt[1]


def test_the_region_grows_to_the_enclosing_function_when_it_fits():
    lines = INVENTORY.split("\n")
    start = lines.index("def low_stock(products, threshold=5):")
    function = lines[start : start + 2]
    budget = sum(estimate_tokens(x + "\n") for x in function)
    ctx = build_context(request(INVENTORY, start + 1, 4), RegionSpec(region_tokens=budget, context_tokens=0))
    assert ctx.region == (start, start + 2)
    assert ctx.region_text == "\n".join(function)


def test_the_budget_is_counted_with_the_given_tokenizer():
    words = lambda text: len(text.split()) or 1  # noqa: E731  a "tokenizer" of whitespace words
    req = request(BIG, 3000, 0, path="big.py")
    ctx = build_context(req, RegionSpec(region_tokens=60, context_tokens=0), count_tokens=words)
    assert region_tokens(ctx, words) <= 60
    assert region_tokens(ctx, words) > 40  # and it uses most of it
    assert ctx.count_tokens is words


def test_a_fixed_window_is_cut_around_the_cursor_line():
    spec = RegionSpec(syntax=False, lines_above=10, lines_below=10, context_above=30, context_below=30)
    ctx = build_context(request(BIG, 500, 0, path="big.py"), spec)
    assert ctx.region == (490, 511) and ctx.excerpt == (470, 531)
    top = build_context(request(BIG, 2, 0, path="big.py"), spec)
    assert top.region == (0, 13) and top.excerpt == (0, 33)


def test_a_fixed_region_that_would_begin_blank_begins_on_the_nearest_line_with_text():
    # BIG's functions are 3 lines and 2 blank ones: line 500 is ``def f100``, 497 f99's return
    spec = RegionSpec(syntax=False, lines_above=1, lines_below=5, context_above=25, context_below=25, anchor_start=3)
    ctx = build_context(request(BIG, 500, 0, path="big.py"), spec)
    assert ctx.region == (497, 506) and ctx.region_text.startswith("    return y * 2\n\n\ndef f100(x):")
    assert ctx.excerpt == (475, 526)  # the excerpt is still cut around the cursor line
    # only so far up: two blank lines with anchor_start=1 leave the window as it was
    short = build_context(request(BIG, 500, 0, path="big.py"), replace(spec, anchor_start=1))
    assert short.region == (499, 506)
    # a window that begins with text is left alone, and so is one at the top of the file
    assert build_context(request(BIG, 502, 0, path="big.py"), spec).region == (501, 508)
    assert build_context(request("\n\nx = 1\n", 1, 0), spec).region == (0, 4)


def test_cursor_offsets_point_at_the_cursor():
    req = inventory_request()
    ctx = build_context(req, RegionSpec())
    assert req.current[ctx.cursor_offset :].startswith("discount)")
    assert ctx.region_text[ctx.cursor_in_region :].startswith("discount)")
    assert req.current[ctx.region_start : ctx.region_end] == ctx.region_text


def test_a_cursor_at_the_end_of_a_huge_file_parses_only_a_window():
    req = request(BIG, BIG.count("\n"), 0, path="big.py")
    ctx = build_context(req, RegionSpec())
    assert ctx.region[1] == len(ctx.lines)
    assert region_tokens(ctx) <= 350


def test_history_is_the_last_events_newest_last_as_diffs():
    history = [(i, f"x{i} = 0\n", f"x{i} = 1\n") for i in range(8)]
    current = "".join(f"x{i} = 1\n" for i in range(8))
    events = history_events("a.py", current, [request_hunk(*h) for h in history], limit=5)
    assert [e.start_line for e in events] == [3, 4, 5, 6, 7]
    newest = events[-1].unified_diff(2)
    assert newest.splitlines() == ["@@ -6,3 +6,3 @@", " x5 = 1", " x6 = 1", "-x7 = 0", "+x7 = 1"]
    # the text before each edit is rebuilt: x4's context still shows x5 before its own edit
    assert " x5 = 0" in events[1].unified_diff(1)


def test_a_history_that_does_not_match_the_text_still_gives_diffs():
    events = history_events("a.py", "a\nb\n", [request_hunk(0, "zzz\n", "not here\n")], limit=5)
    assert events[0].unified_diff(3).splitlines() == ["@@ -1 +1 @@", "-zzz", "+not here"]


def test_no_op_history_hunks_are_skipped():
    events = history_events("a.py", "a\n", [request_hunk(0, "a\n", "a\n")], limit=5)
    assert events == ()


def request_hunk(start, old, new):
    return request("", 0, 0, history=[(start, old, new)]).history[0]


def test_snippets_rank_definitions_used_near_the_cursor_first():
    region = "    total = apply_discount(total, rebate)\n    return format_money(total)\n"
    near = "    total = apply_discount(total, rebate)\n"
    files = {"shop/pricing.py": PRICING, "tools/cli.py": UNRELATED}
    snippets = related_snippets(files, region, near, 1000, estimate_tokens)
    assert snippets[0].text.startswith("def apply_discount")
    assert any(s.text.startswith("def format_money") for s in snippets)
    assert all(s.path != "tools/cli.py" for s in snippets)  # nothing in common: left out
    assert snippets[0].start_line == PRICING.split("\n").index("def apply_discount(amount, discount):")


def test_snippets_respect_the_budget():
    region = "apply_discount format_money tax amount"
    snippets = related_snippets({"p.py": PRICING}, region, region, 25, estimate_tokens)
    assert sum(estimate_tokens(s.text) for s in snippets) <= 25
    assert snippets


def test_files_without_tags_are_cut_into_windows():
    text = "".join(f"line {i} mentions widget_{i % 7}\n" for i in range(100))
    snippets = related_snippets({"notes.txt": text}, "widget_3 here", "widget_3", 200, estimate_tokens)
    assert snippets and all("widget_3" in s.text for s in snippets[:1])
