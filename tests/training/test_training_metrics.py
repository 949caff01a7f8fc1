"""The evaluation metrics on hand-made cases, and keystroke savings and exact match equal to
shared/bench/score.py's on the benchmark's dev cases (when that folder is there)."""

import glob
import random
import sys

import pytest
from nxedit.training.metrics import evaluate_case, find_bench, kept_chars, score_case, summarise

CURRENT = "def area(width, h):\n    return w * h\n\n\ndef perimeter(w, h):\n    return 2 * (w + h)\n"
CASE = {
    "current": CURRENT,
    "history": [{"start_line": 0, "old_text": "def area(w, h):\n", "new_text": "def area(width, h):\n"}],
    "expected": [
        {"start_line": 1, "end_line": 2, "new_text": "    return width * h\n"},
        {"start_line": 4, "end_line": 5, "new_text": "def perimeter(width, h):\n"},
    ],
}


def test_exact_match_is_one_expected_hunk_and_keystrokes_count_what_a_suggestion_saves():
    right = evaluate_case(CASE, [{"start_line": 1, "end_line": 2, "new_text": "    return width * h\n"}])
    assert right["hit"] and right["predicted"] and not right["reversal"]
    # by hand: 1 jump + 4 inserted characters ("idth"), then 1 + Levenshtein("w", "width") = 1 + 4
    assert right["ks_without"] == (1 + 4) + (1 + 4) and right["ks_with"] == right["ks_without"] - 4
    both = evaluate_case(CASE, CASE["expected"])  # both hunks at once: not one suggestion's worth
    assert not both["hit"] and both["predicted"]
    close = evaluate_case(CASE, [{"start_line": 1, "end_line": 2, "new_text": "    return widht * h\n"}])
    assert not close["hit"] and close["ks_with"] == close["ks_without"] - 2  # Tab, then fix two characters
    assert not evaluate_case(CASE, [])["predicted"]
    bad = evaluate_case(
        CASE,
        [
            {"start_line": 0, "end_line": 2, "new_text": "x\n"},
            {"start_line": 1, "end_line": 3, "new_text": "y\n"},
        ],
    )
    assert bad["invalid"] and not bad["hit"]


def test_kept_rate_counts_the_predicted_characters_the_user_kept():
    assert kept_chars("    foo(old_name)\n", "    foo(new_name)\n", "    foo(new_name)\n") == (8, 8)
    kept, new = kept_chars("old\n", "alpha\nbeta\ngamma\n", "alpha\ngamma\n")
    assert 0 < kept < new
    base = "    fn select(&mut self) {\n        epr\n"
    predicted = '    fn select(&mut self) {\n        eprintln!("hello world!");\n'
    final = '    fn select(&mut self) {\n        eprintln!("");\n'
    assert kept_chars(base, predicted, final) == (14, 26)  # Zed's own example: 14 kept, 12 discarded
    assert kept_chars("a\n", "a\n", "b\n") == (0, 0)


def test_a_prediction_undoing_the_last_edit_is_a_reversal():
    undo = [{"start_line": 0, "end_line": 1, "new_text": "def area(w, h):\n"}]
    results = [
        evaluate_case(CASE, undo),
        evaluate_case(CASE, CASE["expected"][:1]),
        evaluate_case(CASE, []),
        evaluate_case(CASE, [], refused_as_reversal=True),
    ]
    assert [r["reversal"] for r in results] == [True, False, False, True]
    s = summarise(results)
    assert s["reversal_rate"] == pytest.approx(2 / 3)  # of the three edits the model proposed
    assert s["exact_match"] == 0.25 and s["coverage"] == 0.5 and s["cases"] == 4


BENCH = find_bench()


@pytest.mark.skipif(
    BENCH is None, reason="shared/bench (the dev cases and score.py) is not beside this checkout"
)
def test_exact_match_and_keystroke_savings_equal_score_py_on_the_dev_cases():
    sys.path.insert(0, str(BENCH))
    try:
        import score
    finally:
        sys.path.remove(str(BENCH))
    cases = score.read_jsonl(sorted(glob.glob(str(BENCH / "dev" / "*.jsonl"))))
    rng = random.Random(5)
    for case in rng.sample(cases, 120):
        lines = case["current"].count("\n")
        at = rng.randrange(lines)
        first = dict(case["expected"][0], new_text=case["expected"][0]["new_text"].replace("e", "E", 1))
        for edits in (
            [],
            case["expected"][:1],
            case["expected"][-1:],
            [first],
            [{"start_line": at, "end_line": at + 1, "new_text": "pass\n"}],
            [{"start_line": lines + 3, "end_line": lines + 3, "new_text": "x\n"}],
        ):
            assert score_case(case, edits) == score.score_case(case, edits), case["id"]
