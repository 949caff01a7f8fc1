"""Faults around the journal and saves, in the app (issue 14): a full journal disk is one
message naming the disk (a real, small file system), not a toast per attempt and buffer;
a temp file a killed save left behind is offered when its file opens."""

from __future__ import annotations

from pathlib import Path

import pytest

from editor_helpers import wait_for
from fault_helpers import fill, small_filesystem
from nxedit.editor.app import EditorApp
from nxedit.editor.files import care as filecare
from nxedit.editor.files.args import FileArg


@pytest.fixture(autouse=True)
def fast_timers(monkeypatch):
    monkeypatch.setattr(filecare, "JOURNAL_IDLE", 0.05)


async def test_a_full_journal_disk_is_one_message_naming_it(tmp_path: Path, monkeypatch):
    with small_filesystem(tmp_path / "state", "128k") as small:
        monkeypatch.setenv("NXEDIT_HOME", str(small))
        first, second = tmp_path / "a.txt", tmp_path / "b.txt"
        first.write_text("a\n")
        second.write_text("b\n")
        filler = fill(small)
        app = EditorApp([FileArg(first), FileArg(second)])
        errors: list[str] = []
        real_notify = app.notify
        app.notify = lambda message, **kw: (errors.append(message), real_notify(message, **kw))
        async with app.run_test(size=(100, 30)) as pilot:
            for _ in range(6):  # typing in both buffers, pausing: a journal attempt each time
                await pilot.press(*"more ")
                await pilot.pause(0.15)
                app.cycle_buffer(1)
            journal = lambda: [e for e in errors if "journaled" in e]  # noqa: E731 (the history says its own)
            await wait_for(pilot, journal)
            await pilot.pause(0.3)
            assert len(journal()) == 1, errors
            assert f"disk full on {small}" in journal()[0]
            filler.unlink()  # room again
            await pilot.press("x")
            await wait_for(pilot, lambda: "works again" in app.status.message)
            assert len(journal()) == 1


async def test_a_killed_saves_temp_file_is_offered_when_the_file_opens(tmp_path: Path):
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    path = tmp_path / "notes.txt"
    path.write_text("old\n")
    temp = tmp_path / f".notes.txt.{int(dead.stdout)}-0badf00d.nxedit-tmp"
    temp.write_text("new text that never made it\n")  # a save killed before its rename
    app = EditorApp([FileArg(path)])
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "Choice")
        assert "interrupted" in app.screen.question and temp.name in app.screen.question
        await pilot.press("o")  # open it, to compare
        await wait_for(pilot, lambda: app.buffer.path == temp)
        assert app.buffer.text == "new text that never made it\n"
        app.cycle_buffer(1)
        assert path.read_text() == "old\n"


async def test_a_crash_journals_the_last_keys_before_the_app_goes(tmp_path: Path, monkeypatch):
    """An edit typed just before a crash (here: a command that raises) is not lost."""
    from nxedit.editor.files.journal import Journal

    monkeypatch.setattr(filecare, "JOURNAL_IDLE", 3600.0)  # the tick never gets to it
    monkeypatch.setattr(filecare, "JOURNAL_MAX_LAG", 3600.0)
    path = tmp_path / "work.txt"
    path.write_text("base\n")
    app = EditorApp([FileArg(path)])

    def broken() -> None:
        raise RuntimeError("a bug somewhere else")

    app.toggle_soft_wrap = broken
    with pytest.raises(RuntimeError):
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press(*"typed just before ")
            await pilot.press("alt+z")
            await pilot.pause()
    assert app.return_code == 1
    entry = Journal().pending(path)
    assert entry is not None and entry.text == "typed just before base\n"
