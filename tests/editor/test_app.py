"""The editor driven like a user would: keys, mouse, palette, find, save, quit."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from textual import events

from nxedit.editor.app import EditorApp
from nxedit.editor.buffer import Selection
from nxedit.editor.files.args import FileArg
from nxedit.editor.syntax import treesitter
from nxedit.editor.config import load_config

from editor_helpers import choose_in_palette, screen_text, wait_for

SIZE = (100, 30)


def editor(path: Path, config_text: str | None = None, *more: Path) -> EditorApp:
    config_path = None
    if config_text is not None:
        config_path = path.parent / "config.toml"
        config_path.write_text(config_text)
    config, messages = load_config(config_path)
    return EditorApp([FileArg(path), *(FileArg(p) for p in more)], config, messages)


@pytest.fixture
def py_file(tmp_path: Path) -> Path:
    path = tmp_path / "sample.py"
    path.write_text("def total(items):\n    return sum(items)\n\nprint(total([1, 2]))\n")
    return path





async def test_typing_with_auto_indent_and_save(py_file: Path):
    app = editor(py_file)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("end", "enter")
        await pilot.press(*"x = 1")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert py_file.read_text().splitlines()[:2] == ["def total(items):", "    x = 1"]
        assert not app.buffer.is_modified
        assert "sample.py" in app.status.render_line(0).text


async def test_keys_act_in_the_order_they_were_pressed_while_the_app_is_busy(py_file: Path):
    # a terminal delivers "Down End Enter" and then typing; the app's own queue is slow
    # (start-up work): the keys bound to commands must still act before the later typing
    app = editor(py_file)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for key in ("down", "end", "enter"):
            app.post_message(events.Key(key, None))
        app.call_later(lambda: time.sleep(0.2))
        for ch in "x()":
            app.post_message(events.Key({"(": "left_parenthesis", ")": "right_parenthesis"}.get(ch, ch), ch))
        await pilot.pause(0.5)
        assert app.buffer.document.line_text(2) == "    x()"


async def test_shift_arrows_select_and_typing_replaces(py_file: Path):
    app = editor(py_file)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "right", "right", "right", "ctrl+shift+right")
        assert app.buffer.document.text[app.buffer.selection.start : app.buffer.selection.end] == "total"
        await pilot.press(*"sum_all")
        assert app.buffer.document.line_text(0) == "def sum_all(items):"


async def test_typing_burst_is_one_undo_and_redo_restores(py_file: Path):
    app = editor(py_file)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+end", *"done()")
        assert app.buffer.text.endswith("done()")
        await pilot.press("ctrl+z")
        assert app.buffer.text == py_file.read_text()
        assert not app.buffer.is_modified
        await pilot.press("ctrl+y")
        assert app.buffer.text.endswith("done()")


async def test_mouse_click_moves_the_cursor_and_drag_selects(py_file: Path):
    app = editor(py_file)
    async with app.run_test(size=SIZE) as pilot:
        gutter = app.view.geometry().gutter
        await pilot.click(app.view, offset=(gutter + 4, 1))
        assert app.buffer.cursor == (1, 4)
        await pilot.mouse_down(app.view, offset=(gutter + 11, 1))
        await pilot.hover(app.view, offset=(gutter + 14, 1))
        await pilot.mouse_up(app.view, offset=(gutter + 14, 1))
        sel = app.buffer.selection
        assert app.buffer.text[sel.start : sel.end] == "sum"


async def test_double_click_selects_a_word(py_file: Path):
    app = editor(py_file)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click(app.view, offset=(app.view.geometry().gutter + 6, 0), times=2)
        sel = app.buffer.selection
        assert app.buffer.text[sel.start : sel.end] == "total"


async def test_the_screen_shows_line_numbers_and_the_current_line(py_file: Path):
    app = editor(py_file)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        rows = screen_text(app)
        assert rows[0].startswith("   1 def total(items):")
        assert rows[3].startswith("   4 print(total([1, 2]))")
        assert rows[5].strip() == ""  # past the end: blank


async def test_find_jumps_to_matches_and_replace_all(py_file: Path):
    app = editor(py_file)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+f")
        await pilot.pause()
        await pilot.press(*"total")
        await pilot.pause()
        sel = app.buffer.selection
        assert (app.buffer.cursor[0], app.buffer.text[sel.start : sel.end]) == (0, "total")
        await pilot.press("enter")
        assert app.buffer.cursor[0] == 3
        assert "2 of 2" in str(app.findbar.query_one("#count").render())
        await pilot.press("enter")  # wraps around
        assert app.buffer.cursor[0] == 0
        await pilot.press("escape")
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press(*"grand", "alt+a")
        await pilot.pause()
        assert app.buffer.text.count("grand") == 2 and "total" not in app.buffer.text
        await pilot.press("escape")
        await pilot.press("ctrl+z")
        assert app.buffer.text.count("total") == 2


async def test_find_matches_are_highlighted_only_on_screen(tmp_path: Path):
    path = tmp_path / "many.txt"
    path.write_text("needle\n" * 5000)
    app = editor(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+f", *"needle")
        await pilot.pause()
        frame = app.view._get_frame()
        assert 0 < len(frame.matches) <= app.view.page_height + 1


async def test_go_to_line(tmp_path: Path):
    path = tmp_path / "long.txt"
    path.write_text("".join(f"line {i}\n" for i in range(1, 501)))
    app = editor(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+g")
        await pilot.pause()
        await pilot.press(*"250", "enter")
        await pilot.pause()
        assert app.buffer.cursor == (249, 0)
        assert any(row.startswith(" 250 line 250") for row in screen_text(app))


async def test_quit_with_unsaved_changes_asks(py_file: Path):
    app = editor(py_file)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x", "ctrl+q")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "Choice"
        await pilot.press("c")  # cancel
        await pilot.pause()
        assert app.is_running and app.buffer.text.startswith("x")
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("d")  # discard
        await pilot.pause()
        assert not app.is_running
    assert py_file.read_text().startswith("def")


async def test_quit_without_changes_quits_at_once(py_file: Path):
    app = editor(py_file)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


async def test_palette_runs_commands_from_the_table(py_file: Path):
    app = editor(py_file)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await choose_in_palette(pilot, "duplicate line")
        assert app.buffer.document.line_text(1) == "def total(items):"


async def test_help_lists_keys_from_the_table(py_file: Path):
    app = editor(py_file)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        from nxedit.editor.ui.help import help_table

        assert app.screen.__class__.__name__ == "HelpScreen"
        table = help_table(app.keys)
        cells = [str(c) for c in table.columns[0]._cells]
        assert "Ctrl+D" in cells and "Alt+↑" in cells
        await pilot.press("escape")
        assert app.screen.__class__.__name__ != "HelpScreen"


async def test_keys_rebound_in_the_config(py_file: Path):
    app = editor(py_file, '[keys]\n"edit.duplicate_line" = "ctrl+t"\n')
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+d")  # no longer bound
        assert app.buffer.document.line_count == 5
        await pilot.press("ctrl+t")
        assert app.buffer.document.line_text(1) == "def total(items):"


async def test_a_bad_config_names_the_line_and_defaults_apply(py_file: Path):
    app = editor(py_file, 'theme = "dark"\ntab_width = "wide"\nsoft_wrap = true\n[keys\n')
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "line 4" in app.status.message and "config.toml" in app.status.message
        assert app.view.tab_width == 4
        await pilot.press("x")  # still editing
        assert app.buffer.text.startswith("x")


async def test_a_wrong_value_type_names_the_key(py_file: Path):
    app = editor(py_file, 'tab_width = "wide"\n[predict]\nenabled = true\n')
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "line 1: tab_width must be" in app.status.message
        assert app.config.sections == {"predict": {"enabled": True}}


async def test_several_buffers_and_the_switcher(py_file: Path, tmp_path: Path):
    other = tmp_path / "notes.md"
    other.write_text("# Notes\n")
    app = editor(py_file, None, other)
    async with app.run_test(size=SIZE) as pilot:
        assert app.buffer.path == py_file
        await pilot.press("ctrl+pagedown")
        assert app.buffer.path == other
        await pilot.press("ctrl+pageup")
        assert app.buffer.path == py_file
        await pilot.press("ctrl+e")
        await choose_in_palette(pilot, "notes")
        assert app.buffer.path == other


async def test_copy_paste_and_terminal_paste(py_file: Path, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    app = editor(py_file)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+c")  # nothing selected: the whole line
        assert app.clipboard == "def total(items):\n"
        await pilot.press("ctrl+v")  # the system clipboard is read on a worker thread
        await wait_for(pilot, lambda: app.buffer.document.line_count == 6)
        assert app.buffer.document.line_text(0) == "def total(items):"
        assert app.buffer.document.line_text(1) == "def total(items):"
        app.view.post_message(events.Paste("pasted\r\ntext"))
        await pilot.pause()
        assert "pasted\ntext" in app.buffer.text


async def test_tab_and_shift_tab_indent_a_selection(py_file: Path):
    app = editor(py_file)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("shift+down", "shift+down", "tab")
        assert app.buffer.document.line_text(0) == "    def total(items):"
        assert app.buffer.document.line_text(1) == "        return sum(items)"
        await pilot.press("shift+tab")
        assert app.buffer.document.line_text(0) == "def total(items):"


async def test_move_delete_and_comment_lines(py_file: Path):
    app = editor(py_file)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+down")
        assert app.buffer.document.line_text(1) == "def total(items):"
        await pilot.press("ctrl+underscore")  # Ctrl+/ in a terminal
        assert app.buffer.document.line_text(1) == "# def total(items):"
        await pilot.press("ctrl+shift+k")
        assert "total(items)" not in app.buffer.document.line_text(1)


async def test_soft_wrap_draws_a_long_line_on_several_rows(tmp_path: Path):
    path = tmp_path / "wide.txt"
    path.write_text("word " * 100 + "\nnext\n")
    app = editor(path)
    async with app.run_test(size=SIZE) as pilot:
        assert screen_text(app)[1].startswith("   2 next")
        await pilot.press("alt+z")
        await pilot.pause()
        rows = app.view.visible_rows()
        assert [r.line for r in rows[:7]] == [0] * 6 + [1]
        text = screen_text(app)
        assert text[1].startswith("     word") and "   2 next" in text[6]
        await pilot.press("down")  # moves by screen row inside the wrapped line
        assert app.buffer.cursor[0] == 0 and app.buffer.cursor[1] > 0


async def test_long_line_scrolls_horizontally_and_draws_only_its_visible_part(tmp_path: Path):
    path = tmp_path / "long.txt"
    path.write_text("a" * 100_000 + "END\nshort\n")
    app = editor(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("end")
        await pilot.pause()
        row = screen_text(app)[0]
        assert row.rstrip().endswith("aaaEND") and len(row) == app.view.geometry().width


async def test_tabs_wide_characters_and_crlf_are_drawn_correctly(tmp_path: Path):
    path = tmp_path / "mixed.txt"
    path.write_bytes("\tx\r\n中文ab\r\n".encode())
    app = editor(path)
    async with app.run_test(size=SIZE) as pilot:
        rows = screen_text(app)
        assert rows[0].startswith("   1     x ") and "\r" not in rows[0]
        assert rows[1].startswith("   2 中文ab ")
        await pilot.press("down", "end")
        assert app.buffer.cursor == (1, 4)
        assert "CRLF" in app.status.render_line(0).text


async def test_cursor_stays_visible_when_moving_far(tmp_path: Path):
    path = tmp_path / "long.txt"
    path.write_text("".join(f"line {i}\n" for i in range(1, 2001)))
    app = editor(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert app.view.top_line <= app.buffer.cursor[0] < app.view.top_line + app.view.page_height
        await pilot.press("pageup")
        await pilot.pause()
        assert app.view.top_line <= app.buffer.cursor[0] < app.view.top_line + app.view.page_height
        await pilot.press("ctrl+home")
        await pilot.pause()
        assert app.view.top_line == 0


async def test_layers_insert_virtual_rows_that_push_lines_down(py_file: Path):
    from nxedit.editor.view.layers import Annotation

    class Ghost:
        version = 1

        def annotations(self, first, last):
            yield Annotation("line", 0, text="    ghost line", style="ghost.insert")
            yield Annotation("overlay", 1, col=4, end=10, style="ghost.delete")
            yield Annotation("inline", 3, col=5, text="(ghost)")

    app = editor(py_file)
    async with app.run_test(size=SIZE) as pilot:
        app.view.add_layer(Ghost())
        await pilot.pause()
        rows = screen_text(app)
        assert rows[1].startswith("         ghost line")
        assert rows[2].startswith("   2     return sum")
        assert rows[4].startswith("   4 print(ghost)(total")
        app.buffer.select(Selection.cursor(0))
        await pilot.press("down")
        assert app.buffer.cursor[0] == 1  # virtual rows are not lines


async def test_an_unknown_theme_is_a_message_and_the_default_applies(py_file: Path):
    app = editor(py_file, 'theme = "no-such-theme"\n')
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "no-such-theme" in app.status.message and app.theme_obj.name == "dark"


async def test_choosing_a_theme_from_the_palette(py_file: Path):
    app = editor(py_file)
    async with app.run_test(size=SIZE) as pilot:
        dark_text = list(app.view.render_line(0))[1].style
        await pilot.press("ctrl+p")
        await choose_in_palette(pilot, "choose theme")
        await choose_in_palette(pilot, "light")
        assert app.theme_obj.name == "light" and app.theme == "nxedit-light"
        assert list(app.view.render_line(0))[1].style != dark_text


async def test_python_is_highlighted_and_stays_highlighted_while_typing(py_file: Path):
    app = editor(py_file)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        highlighter = app.highlighter_of(app.buffer)
        highlighter.settle(10)
        await pilot.pause()
        assert app.buffer.language == "Python"
        spans = app.view._get_frame().spans
        assert (0, 3, "keyword.function") in spans[0] or any(s[2].startswith("keyword") for s in spans[0])
        await pilot.press("ctrl+end", *"def more():")
        highlighter.settle(10)
        await pilot.pause(0.2)
        last = app.buffer.document.line_count - 1
        assert any(s[2].startswith("keyword") for s in app.view._get_frame().spans.get(last, ()))


async def test_quitting_stops_every_highlighter_thread(py_file: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(treesitter, "SYNC_PARSE_CHARS", 0)  # every parse on the highlighter's thread
    other = tmp_path / "other.py"
    other.write_text("def other():\n    return 1\n")
    app = editor(py_file, None, other)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.highlighter_of(app.buffer).settle(10)
        await pilot.press("ctrl+pagedown")
        await wait_for(pilot, lambda: app.highlighter_of(app.buffer) is not None)
        app.highlighter_of(app.buffer).settle(10)
        threads = [app.highlighter_of(b)._job._thread for b in app.buffers]
        assert len(threads) == 2 and all(t is not None and t.is_alive() for t in threads)
    for thread in threads:  # each waited for work that would never come, one per file, for good
        thread.join(2)
    assert not any(t.is_alive() for t in threads)


async def test_mouse_wheel_scrolls_the_view(tmp_path: Path):
    path = tmp_path / "long.txt"
    path.write_text("".join(f"line {i}\n" for i in range(1, 301)))
    app = editor(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for _ in range(5):
            app.view.post_message(events.MouseScrollDown(app.view, 5, 5, 0, 3, 1, False, False, False))
        await pilot.pause()
        assert app.view.top_line >= 5
        assert screen_text(app)[0].startswith(f"{app.view.top_line + 1:>4} line {app.view.top_line + 1}")
        assert app.buffer.cursor == (0, 0)  # the wheel scrolls; the cursor stays


async def test_the_status_line_has_a_slot_for_the_predictor(py_file: Path):
    app = editor(py_file)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.status.predictor == "structural idle")  # started after the first paint
        await pilot.pause()
        assert "structural idle" in app.status.render_line(0).text
