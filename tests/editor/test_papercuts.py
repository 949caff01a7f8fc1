"""The small things a newcomer meets in the first minutes: messages that go away, a theme
that is kept (with the config's comments), reload that asks, --version on stdout, help
for users, path completion in the open prompt."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from textual import events

from nxedit.editor.app import EditorApp
from nxedit.editor.cli import main as cli_main
from nxedit.editor.config import load_config
from nxedit.editor.files.args import FileArg
from nxedit.editor.files.complete import complete_path
from nxedit.editor.ui import statusline

from editor_helpers import choose_in_palette, wait_for

SIZE = (100, 30)


def editor(*paths: Path, config: Path | None = None) -> EditorApp:
    settings, messages = load_config(config)
    return EditorApp([FileArg(p) for p in paths], settings, messages)


@pytest.fixture
def two_files(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "console.py", tmp_path / "cart.ts"
    a.write_text("print(1)\n")
    b.write_text("let total = 1;\n")
    return a, b


async def test_a_message_goes_after_a_while_and_when_another_buffer_shows(two_files, monkeypatch):
    monkeypatch.setattr(statusline, "MESSAGE_SECONDS", 0.2)
    app = editor(*two_files)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x", "ctrl+s")
        await wait_for(pilot, lambda: app.status.message == "Saved console.py")
        await wait_for(pilot, lambda: app.status.message == "", timeout=2)
        await pilot.press("y", "ctrl+s")
        await wait_for(pilot, lambda: app.status.message == "Saved console.py")
        await pilot.press("ctrl+pagedown")
        assert app.buffer.path == two_files[1] and app.status.message == ""


async def test_the_theme_chosen_in_the_palette_is_kept_with_the_configs_comments(two_files, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('# my settings\ntab_width = 2  # narrow\n\n[keys]\n"file.save" = ["ctrl+s", "f2"]  # habit\n')
    app = editor(two_files[0], config=config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await choose_in_palette(pilot, "choose theme")
        await choose_in_palette(pilot, "light")
        await wait_for(pilot, lambda: 'theme = "light"' in config.read_text())
    text = config.read_text()
    assert "# my settings" in text and "# narrow" in text and "# habit" in text
    settings, messages = load_config(config)
    assert settings.theme == "light" and settings.tab_width == 2 and not messages


async def test_reload_asks_before_throwing_away_unsaved_edits(two_files):
    path = two_files[0]
    app = editor(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"edit ")
        path.write_text("changed on disk\n")
        app.run_command("file.reload")
        await pilot.pause()
        dialog = app.screen
        assert type(dialog).__name__ == "Choice"
        # keep my changes; keys arriving together (typing on) reach the dialog again before it
        # has gone: the first answers, the next must not pop the editor's own screen (it crashed)
        dialog.post_message(events.Key("k", "k"))
        dialog.post_message(events.Key("r", "r"))
        await pilot.pause()
        assert app.screen is not dialog and app.buffer.text == "edit print(1)\n"
        app.run_command("file.reload")
        await pilot.pause()
        await pilot.press("r")
        await wait_for(pilot, lambda: app.buffer.text == "changed on disk\n")
        assert not app.buffer.is_modified


async def test_a_file_changed_on_disk_reloads_a_clean_buffer_and_asks_for_a_modified_one(two_files):
    first, second = two_files
    app = editor(first, second)
    async with app.run_test(size=SIZE) as pilot:
        clean, edited = app.buffers
        app.show_buffer(edited)
        await pilot.press(*"edit ")
        first.write_text("formatted elsewhere\n")
        second.write_text("checked out elsewhere\n")
        app._watch_disk()
        await wait_for(pilot, lambda: clean.text == "formatted elsewhere\n")
        assert not clean.is_modified  # followed the disk: nothing of the user's was there
        await wait_for(pilot, lambda: type(app.screen).__name__ == "Choice")
        assert "replacing your unsaved changes" in str(app.screen.question)
        await pilot.press("k")  # keep mine
        await pilot.pause()
        assert edited.text.startswith("edit ") and edited.is_modified
        app.show_buffer(clean)
        await pilot.press("ctrl+z")  # the reload is one undo step
        await wait_for(pilot, lambda: clean.text != "formatted elsewhere\n")


def test_version_goes_to_stdout(capsys):
    with pytest.raises(SystemExit) as exit:
        cli_main(["--version"])
    assert exit.value.code == 0
    out, err = capsys.readouterr()
    assert out.startswith("nxedit ") and err == ""


@pytest.mark.parametrize("command", ["predict", "history", "doctor", "train"])
def test_subcommand_help_is_written_for_users(command):
    done = subprocess.run([sys.executable, "-m", "nxedit.editor.cli", command, "--help"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith(f"usage: nxedit {command}")
    assert "DESIGN.md" not in done.stdout and "``" not in done.stdout


def test_paths_complete_as_far_as_the_folder_agrees(tmp_path, monkeypatch):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "shopping_cart.py").write_text("")
    (tmp_path / "src" / "shop_items.py").write_text("")
    (tmp_path / ".hidden").write_text("")
    monkeypatch.chdir(tmp_path)
    assert complete_path("sr") == "src/"
    assert complete_path("src/sh") == "src/shop"
    assert complete_path("src/shopp") == "src/shopping_cart.py"
    assert complete_path(f"{tmp_path}/src/shop_") == f"{tmp_path}/src/shop_items.py"
    assert complete_path("nothing") is None and complete_path("") is None
    assert complete_path(".hid") == ".hidden"


async def test_the_open_prompt_completes_paths_with_tab(two_files, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lib").mkdir()
    target = tmp_path / "lib" / "inventory.py"
    target.write_text("stock = {}\n")
    app = editor(two_files[0])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press("l", "i")
        await pilot.pause(0.3)
        await pilot.press("tab")  # lib/
        await pilot.press("i", "n")
        await pilot.pause(0.3)
        await pilot.press("tab", "enter")  # lib/inventory.py
        await wait_for(pilot, lambda: app.buffer.path is not None and app.buffer.path.resolve() == target)
