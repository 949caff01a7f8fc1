"""Nothing lost: bad files, failed saves, changes on disk, the crash journal — in the app."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nxedit.editor.files import fileio, care as filecare
from nxedit.editor.app import EditorApp
from nxedit.editor.files.args import FileArg
from nxedit.editor.files.journal import Journal

from editor_helpers import wait_for

SIZE = (100, 30)


@pytest.fixture(autouse=True)
def fast_timers(monkeypatch):
    monkeypatch.setattr(filecare, "WATCH_INTERVAL", 0.1)
    monkeypatch.setattr(filecare, "JOURNAL_IDLE", 0.1)


def editor(*paths: Path) -> EditorApp:
    return EditorApp([FileArg(p) for p in paths])


def screen_name(app: EditorApp) -> str:
    return app.screen.__class__.__name__


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("latin.txt", b"caf\xe9 \xff\xfe\x81\x8d", "not valid UTF-8"),
    ],
)
async def test_a_file_that_cannot_be_shown_is_a_message_not_a_buffer(tmp_path: Path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    app = editor(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert message in app.status.message and name in app.status.message
        assert app.buffer.path is None and app.buffer.text == ""
        await pilot.press("x")  # the editor keeps working
        assert app.buffer.text == "x"


async def test_opening_a_directory_from_the_app_is_a_message(tmp_path: Path):
    app = editor()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press(*str(tmp_path), "enter")
        await pilot.pause()
        assert "is a directory" in app.status.message
        assert len(app.buffers) == 1


async def test_permission_denied_on_open(tmp_path: Path, monkeypatch):
    path = tmp_path / "secret.txt"
    path.write_text("top secret\n")
    path.chmod(0)
    if os.geteuid() == 0:  # root reads anything: make the read itself fail as it would for a user

        def denied(*args, **kwargs):
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(fileio, "open", denied, raising=False)
    app = editor(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "permission denied" in app.status.message
        assert app.buffer.text == ""


async def test_permission_denied_on_save_keeps_the_buffer(tmp_path: Path, monkeypatch):
    path = tmp_path / "locked.txt"
    path.write_text("original\n")
    app = editor(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"new ")
        path.chmod(0o444)
        if os.geteuid() == 0:
            monkeypatch.setattr(fileio.os, "access", lambda *a, **k: False)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "permission denied" in app.status.message
        assert app.buffer.is_modified and app.buffer.text == "new original\n"
    assert path.read_text() == "original\n"


async def test_save_keeps_encoding_bom_and_line_endings(tmp_path: Path):
    path = tmp_path / "win.txt"
    path.write_bytes(b"\xef\xbb\xbfone\r\ntwo")
    app = editor(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("end", "enter", *"1.5")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "UTF-8 BOM" in app.status.render_line(0).text and "CRLF" in app.status.render_line(0).text
    assert path.read_bytes() == b"\xef\xbb\xbfone\r\n1.5\r\ntwo"


async def test_a_new_file_is_created_on_first_save(tmp_path: Path):
    path = tmp_path / "new.py"
    app = editor(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"pass", "ctrl+s")
        await pilot.pause()
    assert path.read_text() == "pass"


async def test_change_on_disk_reloads_a_clean_buffer_and_asks_for_an_edited_one(tmp_path: Path):
    path = tmp_path / "watched.txt"
    path.write_text("one\n")
    app = editor(path)
    async with app.run_test(size=SIZE) as pilot:
        path.write_text("one\ntwo from elsewhere\n")  # no unsaved edits: followed without a question
        await wait_for(pilot, lambda: app.buffer.text == "one\ntwo from elsewhere\n")
        assert screen_name(app) != "Choice" and not app.buffer.is_modified
        await pilot.press("ctrl+z")  # a reload is undoable
        assert app.buffer.text == "one\n"
        path.write_text("three from elsewhere\n")  # now the buffer has an edit (the undo): asked
        await wait_for(pilot, lambda: screen_name(app) == "Choice")
        await pilot.press("r")
        await pilot.pause()
        assert app.buffer.text == "three from elsewhere\n" and not app.buffer.is_modified


async def test_keep_mine_then_save_asks_before_overwriting(tmp_path: Path):
    path = tmp_path / "contested.txt"
    path.write_text("base\n")
    app = editor(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"mine ")
        path.write_text("theirs\n")
        await wait_for(pilot, lambda: screen_name(app) == "Choice")
        await pilot.press("k")  # keep mine
        await pilot.pause(0.3)
        assert screen_name(app) != "Choice"  # not asked again about the same change
        assert app.buffer.text == "mine base\n"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert screen_name(app) == "Choice"
        await pilot.press("c")  # cancel: nothing written
        await pilot.pause()
        assert path.read_text() == "theirs\n"
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("o")  # overwrite
        await pilot.pause()
        assert path.read_text() == "mine base\n" and not app.buffer.is_modified


async def test_a_deleted_file_is_reported(tmp_path: Path):
    path = tmp_path / "gone.txt"
    path.write_text("here\n")
    app = editor(path)
    async with app.run_test(size=SIZE) as pilot:
        path.unlink()
        await wait_for(pilot, lambda: "deleted" in app.status.message)
        assert app.buffer.text == "here\n"


async def test_unsaved_changes_are_journaled_and_discarded_after_save(tmp_path: Path):
    path = tmp_path / "draft.txt"
    path.write_text("draft\n")
    journal = Journal()
    app = editor(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"more ")

        def journaled() -> str | None:
            entry = journal.pending(path)
            return entry.text if entry else None

        await wait_for(pilot, lambda: journaled() == "more draft\n")  # a pause mid-word may journal "mo" first
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: journal.pending(path) is None)


async def test_journaled_changes_are_offered_back_on_open(tmp_path: Path):
    path = tmp_path / "crashed.txt"
    path.write_text("on disk\n")
    digest = fileio.load_file(path).stamp.digest
    Journal().save(path, "on disk\nunsaved line\n", digest)
    app = editor(path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(app) == "Choice")
        await pilot.press("r")
        await pilot.pause()
        assert app.buffer.text == "on disk\nunsaved line\n" and app.buffer.is_modified
        await pilot.press("ctrl+z")  # restoring is one undo step back to the disk text
        assert app.buffer.text == "on disk\n"


async def test_discarding_on_quit_forgets_the_journal(tmp_path: Path):
    path = tmp_path / "throwaway.txt"
    path.write_text("keep\n")
    journal = Journal()
    app = editor(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"junk ")
        await wait_for(pilot, lambda: journal.pending(path) is not None)
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
    assert journal.pending(path) is None and path.read_text() == "keep\n"
