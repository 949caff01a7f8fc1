"""The view's per-key shortcuts draw exactly what a full redraw would.

Typing within a line patches the visible frame and remakes only the touched rows'
descriptions (see ``EditorView._patch_frame``); these tests check, key after key, that
the patched rows equal rows built from scratch, with highlighting, a selection and find
matches on screen.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from nxedit.editor.app import EditorApp
from nxedit.editor.files.args import FileArg

SIZE = (80, 20)


def fresh_specs(view) -> list[tuple]:
    """The row descriptions built from nothing (the caches dropped)."""
    view._frame = None
    view._specs_key = None
    return list(view._row_specs())


async def check_after_each_key(pilot, keys: list[str]) -> None:
    view = pilot.app.view
    for key in keys:
        await pilot.press(key)
        patched = list(view._row_specs())
        screen = [view.render_line(y).text for y in range(view.page_height)]
        assert patched == fresh_specs(view), f"after {key!r}"
        assert screen == [view.render_line(y).text for y in range(view.page_height)]


async def test_typing_deleting_and_selecting_draw_what_a_full_redraw_draws(tmp_path: Path):
    path = tmp_path / "sample.py"
    path.write_text("".join(f"def f{i}(x):\n    return x * {i}  # note\n\n" for i in range(40)))
    rng = random.Random(7)
    keys = ["x", "(", "space", "backspace", "left", "right", "shift+left", "shift+right", "up", "down",
            "enter", "delete", "ctrl+z", "quotation_mark", "number_sign"]
    app = EditorApp([FileArg(path, 30, 4)])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.highlighter_of(app.buffer).settle(10)
        await pilot.pause()
        await check_after_each_key(pilot, [rng.choice(keys) for _ in range(80)])


async def test_find_matches_on_an_edited_line_are_found_again(tmp_path: Path):
    path = tmp_path / "notes.txt"
    path.write_text("".join(f"line {i} with some words\n" for i in range(30)))
    app = EditorApp([FileArg(path, 5, 0)])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.view.set_find(re.compile("wo"))
        await pilot.pause()
        await check_after_each_key(pilot, ["w", "o", "backspace", "end", "space", "w", "o"])
        line = app.buffer.cursor[0]
        assert app.buffer.document.line_text(line) == "wline 5 with some words wo"
        assert app.view._get_frame().matches[line] == ((18, 20), (24, 26))
