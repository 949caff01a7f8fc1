"""bench/structural_candidates.py: every candidate per case, and what changed between two dumps."""

import json
import pytest

from nxedit.training.metrics import find_bench

from bench_scripts import load_bench

BEFORE = "def f(items):\n    total = 0\n    for x in items:\n        total += x\n    return total\n"


def rename_case(expected_text: str) -> dict:
    current = BEFORE.replace("    total = 0\n", "    count = 0\n")
    return {"id": "r1", "category": "rename", "language": "python", "path": "f.py", "current": current,
            "cursor": {"line": 1, "column": 11},
            "history": [{"start_line": 1, "old_text": "    total = 0\n", "new_text": "    count = 0\n"}],
            "expected": [{"start_line": 3, "end_line": 5, "new_text": expected_text}]}


def test_a_dump_holds_every_candidate_and_a_compare_shows_what_changed(tmp_path, capsys):
    if find_bench() is None:  # a clone on its own (CI's): score.py lives in ../shared/bench
        pytest.skip("shared/bench is not beside this checkout")
    bench = load_bench("structural_candidates")
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps(rename_case("        count += x\n    return count\n")) + "\n")
    assert bench.dump([str(cases)], str(tmp_path / "a.jsonl")) == 1
    (row,) = map(json.loads, (tmp_path / "a.jsonl").read_text().splitlines())
    assert row["chosen"]["hit"] and row["chosen"]["start_line"] == 3
    assert any(c["source"] == "structural:rename" and c["hit"] and 0 < c["p"] <= 1 for c in row["candidates"])
    # the same case, where the developer wrote something else next: the suggestion is no hit
    cases.write_text(json.dumps(rename_case("        count -= x\n    return count\n")) + "\n")
    bench.dump([str(cases)], str(tmp_path / "b.jsonl"))
    lines = bench.compare(str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl"))
    assert lines[0].startswith("A: 1 shown, 1 hits") and lines[1].startswith("B: 1 shown, 0 hits")
    assert any(line.startswith("chosen  r1 [rename] (True,") and "-> (False," in line for line in lines)
    assert bench.compare(str(tmp_path / "a.jsonl"), str(tmp_path / "a.jsonl"))[2:] == []
    assert "rename recall 1.000" in capsys.readouterr().out
