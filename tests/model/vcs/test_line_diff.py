"""Line hunks against an older text, and what git says about a file (the real git)."""

from __future__ import annotations

from hypothesis import given, strategies as st

from nxedit.model.vcs import git
from nxedit.model.vcs.line_diff import Hunk, line_changes

from project_helpers import make_project


def test_added_changed_and_deleted_lines():
    old = ["a", "b", "c", "d"]
    assert line_changes(old, old) == []
    assert line_changes(old, ["a", "b", "x", "c", "d"]) == [Hunk("added", 2, 3)]
    assert line_changes(old, ["a", "X", "c", "d"]) == [Hunk("changed", 1, 2)]
    assert line_changes(old, ["a", "b", "d"]) == [Hunk("deleted", 2, 2)]
    assert line_changes(old, ["b", "c", "d"]) == [Hunk("deleted", 0, 0)]
    assert line_changes(old, ["a", "B", "C", "Y", "d"]) == [Hunk("changed", 1, 4)]
    assert line_changes([], ["a", "b"]) == [Hunk("added", 0, 2)]
    assert line_changes(old, ["Z", "a", "b", "c", "D"]) == [Hunk("added", 0, 1), Hunk("changed", 4, 5)]


@given(st.lists(st.sampled_from("abc"), max_size=12), st.lists(st.sampled_from("abc"), max_size=12))
def test_hunks_cover_exactly_the_lines_not_kept(old, new):
    hunks = line_changes(old, new)
    marked = {n for h in hunks for n in range(h.start, h.end)}
    kept = [line for n, line in enumerate(new) if n not in marked]
    # the unmarked lines are old lines, in order: a common subsequence
    it = iter(old)
    assert all(any(line == o for o in it) for line in kept)
    assert all(0 <= h.start <= h.end <= len(new) for h in hunks)
    if old == new:
        assert hunks == []


def test_git_branch_and_text_at_head(tmp_path):
    root = make_project(tmp_path)
    (root / "src/main.py").write_text("changed\n")
    assert git.git_root(root / "src") == root
    assert git.branch(root) == "main"
    assert git.head_text(root, root / "src/main.py") == b"from pkg.core import alpha\nprint(alpha(1))\n"
    assert git.head_text(root, "src/pkg/core.py").startswith(b"def alpha")
    (root / "new.py").write_text("x\n")
    assert git.head_text(root, root / "new.py") is None  # untracked
    assert git.git_root(tmp_path.parent) is None or git.git_root(tmp_path.parent) != root
