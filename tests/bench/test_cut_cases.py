"""bench/cut_cases.py: cases cut from a real git history satisfy the benchmark's rules."""

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

from nxedit.model.text.plain import apply_line_edits, split_lines

CUTTER = Path(__file__).resolve().parents[2] / "bench" / "cut_cases.py"


def load_cutter():
    spec = importlib.util.spec_from_file_location("cut_cases", CUTTER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def git(repo, *args):
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "t@example.com")
    git(repo, "config", "user.name", "t")
    body = "".join(f"def f{i}(x):\n    return old_name(x)\n\n\n\n\n" for i in range(4))
    (repo / "m.py").write_text(body, encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "first")
    (repo / "m.py").write_text(body.replace("old_name", "new_name"), encoding="utf-8")
    (repo / "NOTES.md").write_text("other files may change too\n", encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "rename")
    return repo


def test_cases_replay_the_commit_and_are_categorised(repo, tmp_path):
    cutter = load_cutter()
    out = tmp_path / "cases.jsonl"
    assert cutter.main([str(repo), "--language", "python", "--name", "me/repo", "--out", str(out)]) == 0
    cases = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(cases) == 2 and {c["category"] for c in cases} == {"rename"}
    for case in cases:
        text = case["before"]
        for h in case["history"]:
            lines = split_lines(text)
            n = len(split_lines(h["old_text"]))
            assert "".join(lines[h["start_line"] : h["start_line"] + n]) == h["old_text"]
            text = "".join(lines[: h["start_line"]]) + h["new_text"] + "".join(lines[h["start_line"] + n :])
        assert text == case["current"]
        assert apply_line_edits(case["current"], case["expected"]) == case["before"].replace("old_name", "new_name")
        last = case["history"][-1]
        assert case["cursor"]["line"] == last["start_line"] + len(split_lines(last["new_text"])) - 1
