"""bench/model_quality.py: recorded answers parsed again as the predictor reads them today."""

import sys

import pytest
from bench_scripts import BENCH, load_bench
from nxedit.model.predict.context import build_context, estimate_tokens
from nxedit.model.predict.prompts import get_format
from nxedit.training.metrics import find_bench

LINES = [f"    item_{i} = load({i})\n" for i in range(30)]
CURRENT = "def setup():\n" + "".join(LINES) + "    return item_0\n"


def case():
    # the user's last edit: `load(4)` -> `fetch(4)`; the next: the same on line 6
    history = [{"start_line": 5, "old_text": "    item_4 = load(4)\n", "new_text": "    item_4 = fetch(4)\n"}]
    current = CURRENT.replace("load(4)", "fetch(4)")
    fixed = current.replace("load(5)", "fetch(5)")
    return {"id": "c1", "path": "setup.py", "language": "python", "history": history, "current": current,
            "cursor": {"line": 5, "column": 20}, "category": "repeated",
            "expected": [{"start_line": 6, "end_line": 7, "new_text": "    item_5 = fetch(5)\n"}]}, fixed


def test_an_answer_stopped_in_a_loop_is_read_up_to_the_loop():
    shared = find_bench()
    if shared is None:  # a clone on its own: score.py lives in ../shared/bench
        pytest.skip("shared/bench is not beside this checkout")
    sys.path.insert(0, str(BENCH))
    bench = load_bench("model_quality")
    c, fixed = case()
    sweep = get_format("sweep")
    ctx = build_context(bench.request_of(c), sweep.REGION, estimate_tokens)
    start, end = ctx.region
    region_lines = fixed.splitlines(keepends=True)[start:end]
    loop = "    item_0 = load(0)\n" * 12  # stopped at the 12th
    row = {"format": "sweep", "grammar": True, "id": "c1", "outcome": "rejected", "shape": False,
           "reason": "endless repetition: '    item_0 = load(0)' repeated 12 times", "hit": False, "edits": [],
           "finish": "cancelled", "ms": 900}
    whole = dict(row, answer="".join(region_lines) + loop)
    early = dict(row, answer="".join(region_lines[:4]) + loop)  # looped before the line it would fix
    at_once = dict(row, answer=loop)
    rows, changed = bench.reparse([whole, early, at_once], {"c1": c}, bench.load_scorer(shared))
    assert [(r["outcome"], r["looped"], r["shape"]) for r in rows] == [
        ("edit", True, True), ("no-op", True, True), ("rejected", True, False)]
    assert rows[0]["hit"] and rows[0]["edits"] == c["expected"]
    assert rows[2]["reason"] == row["reason"]  # nothing before the loop: refused as the loop it is
    assert changed == {("sweep", "rejected", "edit"): 1, ("sweep", "rejected", "no-op"): 1}
    summary = bench.summarize(rows)
    assert summary["parsed"] == 2 / 3 and "edit 1, no-op 1, rejected 1" in bench.loops("sweep ", summary)
