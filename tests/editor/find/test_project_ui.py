"""The file picker, project search and replace across files, driven through the app."""

from __future__ import annotations

import os

import pytest

from nxedit.editor.app import EditorApp
from nxedit.editor.files.args import FileArg
from nxedit.editor.find.file_picker import FilePicker
from nxedit.editor.find.search_screen import ProjectSearchScreen

from editor_helpers import wait_for
from project_helpers import make_project


@pytest.fixture
def project(tmp_path, monkeypatch):
    root = make_project(tmp_path / "proj")
    monkeypatch.chdir(root)
    return root


async def open_search(pilot, query: str, replace: bool = False) -> ProjectSearchScreen:
    app = pilot.app
    await pilot.press("ctrl+shift+h" if replace else "ctrl+shift+f")
    await wait_for(pilot, lambda: isinstance(app.screen, ProjectSearchScreen))
    await pilot.press(*query)
    await wait_for(pilot, lambda: app.screen.finished and app.screen.query_text == query)
    return app.screen


async def test_picker_opens_files_fuzzily_with_a_preview(project):
    app = EditorApp([FileArg(project / "src/main.py")])
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: isinstance(app.screen, FilePicker) and app.screen.first_results_at)
        picker = app.screen
        assert picker.results.items[0] == "src/main.py"  # the file in use is the most recent
        await pilot.press(*"spc")
        await wait_for(pilot, lambda: picker.results.items[:1] == ["src/pkg/core.py"])
        await wait_for(pilot, lambda: any("def alpha" in t.plain for t in picker.query_one("#preview").lines))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.buffer.path == project / "src/pkg/core.py")
        assert not isinstance(app.screen, FilePicker)


async def test_picker_says_when_nothing_matches_and_esc_closes(project):
    app = EditorApp([])
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: isinstance(app.screen, FilePicker) and app.screen.first_results_at)
        await pilot.press(*"qqqq")
        await wait_for(pilot, lambda: "no file matches" in str(app.screen.query_one("#info").render()))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, FilePicker))


async def test_project_search_streams_and_opens_at_the_match(project):
    app = EditorApp([])
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_search(pilot, "beta")
        assert [(m.path, m.line) for m in screen.matches] == [("src/pkg/core.py", 1)]
        assert "1 match in 1 file" in str(screen.query_one("#info").render())
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.buffer.path == project / "src/pkg/core.py")
        assert app.buffer.cursor == (1, 11)


async def test_a_new_query_replaces_the_old_results_and_regex_toggles(project):
    app = EditorApp([])
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_search(pilot, "al.ha")
        assert screen.matches == []  # literal: no dot-wildcard
        await pilot.press("alt+r")
        await wait_for(pilot, lambda: screen.finished and screen.matches)
        assert screen.regex and len(screen.matches) == 5
        await pilot.press("backspace", *"(")
        await wait_for(pilot, lambda: "bad regular expression" in str(screen.query_one("#info").render()))
        assert screen.matches == []


async def test_replace_across_files_one_undo_step_each(project):
    app = EditorApp([FileArg(project / "src/main.py")])
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_search(pilot, "alpha", replace=True)
        screen.query_one("#replace").focus()
        await pilot.press(*"omega")
        await pilot.pause()
        rows = [screen.describe(m).plain for m in screen.matches]
        assert "src/main.py:2: print(alphaomega(1))" in rows  # the preview: old, then new
        await pilot.press("enter")  # asks first
        await wait_for(pilot, lambda: type(app.screen).__name__ == "Choice")
        await pilot.press("r")
        await wait_for(pilot, lambda: "Replaced" in app.status.message)
        assert (project / "src/main.py").read_text() == "from pkg.core import omega\nprint(omega(1))\n"
        assert (project / "src/pkg/core.py").read_text() == "def omega(x):\n    return beta(x)  # omega\n"
        assert (project / "docs/notes.md").read_text() == "omega notes: naïve café omega\n"  # smart case
        assert "in 3 files" in app.status.message
        assert all(b.path != project / "src/pkg/core.py" for b in app.buffers)  # written without a buffer
        main = next(b for b in app.buffers if b.path == project / "src/main.py")
        assert not main.is_modified  # the open file: edited in its buffer and saved
        core = app.open_path(project / "src/pkg/core.py")
        assert not core.is_modified and core.text == "def omega(x):\n    return beta(x)  # omega\n"
        core.undo()  # opened later, one step still takes the whole file's replacement back
        assert core.text == "def alpha(x):\n    return beta(x)  # alpha\n"
        assert core.is_modified
        (project / "docs/notes.md").write_text("rewritten\n")  # changed after the replace wrote it
        notes = app.open_path(project / "docs/notes.md")
        assert notes.text == "rewritten\n" and not notes.history.can_undo  # no undo of another text


async def test_replace_with_capture_groups(project):
    app = EditorApp([])
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("ctrl+shift+h", "alt+r")
        await wait_for(pilot, lambda: isinstance(app.screen, ProjectSearchScreen) and app.screen.regex)
        screen = app.screen
        await pilot.press(*r"(\w+)\((\w)\)")
        await wait_for(pilot, lambda: screen.finished and len(screen.matches) == 3)
        screen.query_one("#replace").focus()
        await pilot.press(*"$1[\\2]", "enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "Choice")
        await pilot.press("r")
        await wait_for(pilot, lambda: "Replaced" in app.status.message)
        assert (project / "src/pkg/core.py").read_text() == "def alpha[x]:\n    return beta[x]  # alpha\n"


async def test_replace_skips_a_file_changed_on_disk_since_the_search(project):
    app = EditorApp([])
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_search(pilot, "beta", replace=True)
        screen.query_one("#replace").focus()
        await pilot.press(*"gamma")
        core = project / "src/pkg/core.py"
        core.write_text("def alpha(x):\n    return beta(x)  # changed meanwhile\n")
        os.utime(core, ns=(1, 1))
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "Choice")
        await pilot.press("r")
        await wait_for(pilot, lambda: "Replaced" in app.status.message)
        assert "skipped src/pkg/core.py (changed on disk)" in app.status.message
        assert core.read_text() == "def alpha(x):\n    return beta(x)  # changed meanwhile\n"


async def test_replace_leaves_a_buffer_with_unsaved_changes_alone(project):
    app = EditorApp([FileArg(project / "src/pkg/core.py")])
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("ctrl+end", *"# mine")
        screen = await open_search(pilot, "beta", replace=True)
        screen.query_one("#replace").focus()
        await pilot.press(*"gamma", "alt+a")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "Choice")
        await pilot.press("r")
        await wait_for(pilot, lambda: "Replaced" in app.status.message)
        assert "has unsaved changes" in app.status.message
        assert "beta" in (project / "src/pkg/core.py").read_text()
        assert app.buffer.text.endswith("# mine")


async def test_a_search_cancelled_by_typing_does_not_finish_the_new_query(project):
    """Its worker still reports the end of the cancelled search; that end must not mark the new
    query finished with the old (empty) results (CI saw "alpha" finished with no match)."""
    app = EditorApp([])
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_search(pilot, "alp")
        stale = screen.search
        await pilot.press(*"ha")  # cancels "alp"; the new search waits for the debounce
        assert stale.cancelled and not screen.finished
        screen._arrived(stale, [], True)  # the cancelled worker's last word, arriving late
        assert not screen.finished
        await wait_for(pilot, lambda: screen.finished and screen.search is not stale)
        assert {m.path for m in screen.matches} == {"src/pkg/core.py", "src/main.py", "docs/notes.md"}


async def test_search_finds_the_project_root_off_the_ui_thread(project, monkeypatch):
    import threading

    from nxedit.editor.find import project_files

    monkeypatch.setattr(project_files, "_roots", {})  # no earlier lookup to reuse
    threads = []
    real = project_files.git_root

    def spying_git_root(folder):
        threads.append(threading.current_thread())
        return real(folder)

    monkeypatch.setattr(project_files, "git_root", spying_git_root)
    monkeypatch.chdir(project / "src" / "pkg")  # the search still covers the whole repository
    app = EditorApp([FileArg(project / "src/pkg/core.py")])
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_search(pilot, "alpha")
        assert screen.root == project
        assert {m.path for m in screen.matches} == {"src/pkg/core.py", "src/main.py", "docs/notes.md"}
        assert threads and threading.main_thread() not in threads
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ProjectSearchScreen))
        threads.clear()
        await open_search(pilot, "beta")  # the root is known now: no second git run
        assert threads == []


async def test_picker_reopens_with_rows_before_the_fresh_listing(project, monkeypatch):
    import threading

    from nxedit.editor.find import file_picker

    app = EditorApp([FileArg(project / "src/main.py")])
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: isinstance(app.screen, FilePicker) and app.screen.listed)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, FilePicker))
        gate = threading.Event()  # the second listing waits: what shows comes from the first
        real = file_picker.list_files

        def slow_list(root, stop):
            gate.wait(10)
            yield from real(root, stop)

        monkeypatch.setattr(file_picker, "list_files", slow_list)
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: isinstance(app.screen, FilePicker) and app.screen.first_results_at)
        picker = app.screen
        assert not picker.listed and picker.results.items[0] == "src/main.py"
        await pilot.press("down")
        gate.set()
        await wait_for(pilot, lambda: picker.listed)
        await pilot.pause(0.1)
        assert picker.results.cursor == 1  # the fresh list ranked the same: the highlight stays
