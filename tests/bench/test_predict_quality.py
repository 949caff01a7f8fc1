"""bench/predict_quality.py: the calibration table says what the acceptance model predicts."""

import pytest

from nxedit.training.metrics import find_bench

from bench_scripts import load_bench

BEFORE = "def f(items):\n    total = 0\n    for x in items:\n        total += x\n    return total\n"


def test_the_calibration_observes_right_renames_and_exact_other_edits(capsys):
    shared = find_bench()
    if shared is None:  # a clone on its own (CI's): score.py lives in ../shared/bench
        pytest.skip("shared/bench is not beside this checkout")
    bench = load_bench("predict_quality")
    score = bench.load_scorer(shared)
    current = BEFORE.replace("    total = 0\n", "    count = 0\n")
    ripple = {"start_line": 3, "end_line": 5, "new_text": "        count += x\n    return count\n"}
    # the developer also reworked the renamed lines: the ripple is right, not exact
    reworked = {"start_line": 3, "end_line": 5, "new_text": "        count += x * 2\n    return count\n"}
    case = {"id": "c", "category": "rename", "language": "python", "current": current, "expected": [reworked]}
    responses = [{"id": "c", "edits": [ripple], "confidence": 0.85, "source": source, "latency_ms": 1.0}
                 for source in ("structural:rename", "structural:repeat")]
    summary = bench.report("t", [case, case], responses, [1.0, 1.0], 0.4, score)
    (bucket,) = summary["calibration"]
    assert (bucket["n"], bucket["observed"], bucket["observed_right"]) == (2, 0.0, 1.0)
    assert bucket["observed_label"] == 0.5  # right for the rename, not exact for the repeat
    assert "observed label" in capsys.readouterr().out
