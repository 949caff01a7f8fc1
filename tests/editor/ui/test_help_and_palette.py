"""F1 help (next-edit keys first, grouped, filtered as you type), the palette finding a
command by its name, and the buffer switcher's one line per buffer."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandList

from nxedit.editor.app import EditorApp
from nxedit.editor.commands import resolve_keys
from nxedit.editor.config import load_config
from nxedit.editor.files.args import FileArg
from nxedit.editor.ui.help import GROUPS, help_rows

from editor_helpers import choose_in_palette, wait_for

SIZE = (100, 30)


def editor(*paths: Path) -> EditorApp:
    settings, messages = load_config(None)
    return EditorApp([FileArg(p) for p in paths], settings, messages)


def test_help_puts_the_next_edit_keys_first_then_groups_by_area():
    keys, _ = resolve_keys()
    rows = list(help_rows(keys))
    assert [r.name for r in rows[:4]] == ["predict.accept", "predict.dismiss", "predict.accept_word",
                                          "predict.accept_line"]
    assert rows[0].keys == "Tab"
    groups = list(dict.fromkeys(r.group for r in rows))
    assert groups == [title for title, _ in GROUPS if title in groups]
    assert groups[:2] == ["Next-edit suggestions", "Editing"] and "More" not in groups
    assert rows[-1].name.startswith(("cursor.", "select."))  # plain motions last
    quit_row = next(i for i, r in enumerate(rows) if r.name == "app.quit")
    assert quit_row > max(i for i, r in enumerate(rows) if r.name.startswith("predict."))


def test_help_filters_on_keys_titles_and_names():
    keys, _ = resolve_keys()
    assert [r.name for r in help_rows(keys, "file.sav")] == ["file.save", "file.save_as"]
    assert [r.name for r in help_rows(keys, "find.prev")] == ["find.previous"]
    assert "find.previous" in [r.name for r in help_rows(keys, "shift+f3")]
    assert list(help_rows(keys, "no such thing")) == []


async def test_typing_in_help_filters_the_table(tmp_path: Path):
    path = tmp_path / "a.py"
    path.write_text("x = 1\n")
    app = editor(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press(*"find.replace")
        await pilot.pause()
        assert [row.name for row in app.screen.rows] == ["find.replace"]
        await pilot.press("escape")
        assert type(app.screen).__name__ != "HelpScreen"
        assert app.buffer.text == "x = 1\n"  # the filter's typing never reached the buffer


async def test_the_palette_finds_a_command_by_its_name(tmp_path: Path):
    path = tmp_path / "a.py"
    path.write_text("x = 1\n")
    app = editor(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"file.save")
        options = app.screen.query_one(CommandList)
        await wait_for(pilot, lambda: options.option_count > 0)
        assert "Save" in str(options.get_option_at_index(0).prompt)
        await pilot.press("enter")
        await wait_for(pilot, lambda: path.read_text() == "xx = 1\n")


async def test_the_buffer_switcher_shows_one_line_per_buffer(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    here, there = tmp_path / "cart.ts", tmp_path / "sub" / "console.py"
    here.write_text("let a = 1;\n")
    there.write_text("print(1)\n")
    app = editor(here, there)
    async with app.run_test(size=SIZE) as pilot:
        items = [(text, help) for text, help, _, _ in app.palette_items("buffers")]
        assert items == [("cart.ts", ""), ("console.py  sub", "")]
        await pilot.press("ctrl+e")
        await choose_in_palette(pilot, "console")
        assert app.buffer.path == there
