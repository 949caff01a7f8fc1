"""The project's files, fuzzy ranking, and project search with the real git and ripgrep."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from nxedit.editor.find.fuzzy import Ranker, match_positions
from nxedit.editor.find.project_files import list_files, walk_files
from nxedit.editor.find.project_search import ProjectSearch, ripgrep_binary
from nxedit.editor.find.search import Query, QueryError

from project_helpers import make_project

RG = ripgrep_binary()
needs_rg = pytest.mark.skipif(RG is None, reason="the ripgrep package is not installed")


def files_of(root) -> list[str]:
    return sorted(p for batch in list_files(root) for p in batch)


def test_git_lists_tracked_and_untracked_files_but_not_ignored_ones(tmp_path):
    root = make_project(tmp_path)
    (root / "new.py").write_text("x = 1\n")
    (root / "debug.log").write_text("ignored\n")
    assert files_of(root) == [".gitignore", "docs/notes.md", "new.py", "src/main.py", "src/pkg/core.py"]


def test_outside_git_the_walk_honours_nested_gitignores(tmp_path):
    make_project(tmp_path, commit=False)
    (tmp_path / "src" / ".gitignore").write_text("*.tmp\n!keep.tmp\n")
    for name in ("a.tmp", "keep.tmp", "debug.log"):
        (tmp_path / "src" / name).write_text("x\n")
    assert files_of(tmp_path) == [
        ".gitignore", "docs/notes.md", "src/.gitignore", "src/keep.tmp", "src/main.py", "src/pkg/core.py",
    ]
    stop = threading.Event()
    stop.set()
    assert list(walk_files(tmp_path, stop)) == []


def test_ranker_finds_letters_in_order_and_prefers_file_names():
    paths = ["editor/view/widget.py", "editor/view/render.py", "docs/widgets.md", "model/text/view_helpers.py"]
    ranker = Ranker(paths)
    assert ranker.rank("edvw")[0] == "editor/view/widget.py"
    assert ranker.rank("render") == ["editor/view/render.py"]
    assert ranker.rank("widget")[:2] == ["docs/widgets.md", "editor/view/widget.py"] or \
        ranker.rank("widget")[0] == "editor/view/widget.py"
    assert ranker.rank("zzz") == []
    assert ranker.rank("view wid") == ["editor/view/widget.py"]  # words: all must match
    assert ranker.rank("Render") == ["editor/view/render.py"]  # case is ignored


def test_recent_files_come_first():
    paths = ["a/one.py", "b/two.py", "c/three.py"]
    ranker = Ranker(paths, recent=["c/three.py", "b/two.py"])
    assert ranker.rank("") == ["c/three.py", "b/two.py", "a/one.py"]
    assert ranker.rank("py")[:2] == ["c/three.py", "b/two.py"]


def test_match_positions_light_up_the_file_name():
    assert match_positions("wid", "editor/view/widget.py") == [12, 13, 14]
    assert match_positions("evw", "editor/view/widget.py") == [0, 7, 12]


def search(root, query: Query, rg=None):
    s = ProjectSearch(root, query, rg=rg if rg is not None else RG)
    return s, sorted(s.run())


@needs_rg
@pytest.mark.parametrize("query", [
    Query("alpha"), Query("Alpha"), Query("alpha", match_case=True), Query(r"al\w+a\(", regex=True),
    Query("café"), Query(r"^print", regex=True), Query("(x)"),
])
def test_ripgrep_and_the_python_search_agree(tmp_path, query):
    root = make_project(tmp_path)
    fast, with_rg = search(root, query)
    slow, with_python = search(root, query, rg="")
    assert fast.engine == "ripgrep" and slow.engine == "python"
    assert with_rg == with_python
    assert with_rg  # every query finds something
    assert all(not m.path.startswith("build/") for m in with_rg)  # .gitignore honoured


@needs_rg
def test_smart_case_and_columns_in_characters(tmp_path):
    root = make_project(tmp_path)
    _, found = search(root, Query("alpha"))
    notes = [m for m in found if m.path == "docs/notes.md"][0]
    assert notes.spans == ((0, 5), (24, 29))  # after "naïve café": characters, not bytes
    _, exact = search(root, Query("Alpha"))
    assert [(m.path, m.line) for m in exact] == [("docs/notes.md", 0)]


@needs_rg
def test_a_pattern_ripgrep_rejects_is_searched_with_python(tmp_path):
    root = make_project(tmp_path)
    s, found = search(root, Query(r"(?<=def )alpha", regex=True))
    assert s.engine == "python" and "look-around" in s.note
    assert [(m.path, m.line, m.spans) for m in found] == [("src/pkg/core.py", 0, ((4, 9),))]


def test_a_bad_pattern_is_one_line(tmp_path):
    with pytest.raises(QueryError) as err:
        ProjectSearch(tmp_path, Query("(unclosed", regex=True))
    assert "\n" not in str(err.value) and "missing )" in str(err.value)


@needs_rg
@pytest.mark.parametrize("engine", ["ripgrep", "python"])
def test_cancel_stops_the_search_process_and_the_limit_cuts(tmp_path, engine):
    make_project(tmp_path, {f"f{i}.txt": "hit\n" * 50 for i in range(40)})
    rg = RG if engine == "ripgrep" else ""
    s = ProjectSearch(tmp_path, Query("hit"), rg=rg, limit=30)
    assert len(list(s.run())) == 30 and "first 30" in s.note
    s = ProjectSearch(tmp_path, Query("hit"), rg=rg)
    assert s.engine == engine
    it = s.run()
    next(it)
    s.cancel()
    assert len(list(it)) < 1999
    assert s._proc.poll() is not None  # the process is gone


def test_the_ripgrep_package_ships_the_binary():
    if shutil.which("rg") is None and RG is None:
        pytest.skip("ripgrep not installed")
    assert Path(RG).name.startswith("rg")
