"""Gutter signs for the lines changed since the last commit, next/previous change, the branch."""

from __future__ import annotations

from nxedit.editor.app import EditorApp
from nxedit.editor.files.args import FileArg

from editor_helpers import screen_text, wait_for
from project_helpers import git, make_project

TEXT = "".join(f"line {n}\n" for n in range(1, 21))


def signs(app) -> dict[int, str]:
    """Line number -> the sign in the gutter's last cell, for the rows on screen."""
    gutter = app.view.geometry().gutter
    out = {}
    for row in screen_text(app):
        number = row[: gutter - 1].strip()
        if number.isdigit() and row[gutter - 1] != " ":
            out[int(number)] = row[gutter - 1]
    return out


async def test_signs_follow_edits_and_the_commit(tmp_path, monkeypatch):
    root = make_project(tmp_path, {"notes.txt": TEXT})
    monkeypatch.chdir(root)
    app = EditorApp([FileArg(root / "notes.txt")])
    async with app.run_test(size=(60, 24)) as pilot:
        await wait_for(pilot, lambda: app.status.branch == "main")
        assert signs(app) == {}
        await pilot.press("down", "end", *"!")  # line 2 changed
        await pilot.press("ctrl+end", "enter", *"new")  # a line added after the last newline
        await pilot.press("ctrl+home", "down", "down", "down", "down", "ctrl+shift+k")  # line 5 deleted
        await wait_for(pilot, lambda: len(app.git_changes.hunks_of(app.buffer)) == 3, timeout=5)
        assert signs(app) == {2: "▎", 4: "▁", 21: "▎"}
        kinds = [h.kind for h in app.git_changes.hunks_of(app.buffer)]
        assert kinds == ["changed", "deleted", "added"]
        await pilot.press("ctrl+home", "alt+g")
        assert app.buffer.cursor[0] == 1 and app.status.message == "Change 1 of 3"
        await pilot.press("alt+g", "alt+g")
        assert app.buffer.cursor[0] == 20
        await pilot.press("alt+g")  # wraps around
        assert app.buffer.cursor[0] == 1
        await pilot.press("alt+shift+g")
        assert app.buffer.cursor[0] == 20
        await pilot.press("ctrl+s")
        git(root, "commit", "-qam", "second")
        app.git_changes.check_head()
        await wait_for(pilot, lambda: app.git_changes.hunks_of(app.buffer) == [])
        assert signs(app) == {}
        await pilot.press("alt+g")
        assert app.status.message == "No changes since the last commit"


async def test_no_signs_or_branch_outside_git(tmp_path, monkeypatch):
    path = tmp_path / "loose.txt"
    path.write_text(TEXT)
    monkeypatch.chdir(tmp_path)
    app = EditorApp([FileArg(path)])
    async with app.run_test(size=(60, 24)) as pilot:
        await wait_for(pilot, lambda: app.git_changes is not None)
        await pilot.press(*"typed")
        await pilot.pause(0.5)
        assert signs(app) == {} and app.status.branch == ""
        await pilot.press("alt+g")
        assert "Not a file git tracks" in app.status.message
