"""The find bar's regular expressions: Alt+R, capture groups, a bad pattern's message."""

from __future__ import annotations

from pathlib import Path

from nxedit.editor.app import EditorApp
from nxedit.editor.files.args import FileArg

from editor_helpers import wait_for


async def test_regex_find_and_replace_with_groups_in_the_find_bar(tmp_path: Path):
    path = tmp_path / "calls.py"
    path.write_text("f(a, b)\ng(c, d)\nf(e, f)\n")
    app = EditorApp([FileArg(path)])
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: app.findbar is not None and app.findbar.is_open)
        await pilot.press("alt+r")
        await wait_for(pilot, lambda: app.findbar.regex)
        assert app.findbar.query_one("#toggle-regex").has_class("-on")
        await pilot.press(*r"f\((\w), (\w)\)")
        count = app.findbar.query_one("#count")
        await wait_for(pilot, lambda: "1 of 2" in str(count.render()))
        app.findbar.query_one("#replace").focus()
        await pilot.press(*r"f($2, \1)", "alt+a")
        await wait_for(pilot, lambda: app.buffer.text == "f(b, a)\ng(c, d)\nf(f, e)\n")
        app.findbar.query_one("#find").focus()
        await pilot.press("ctrl+a", *"f((")
        await wait_for(pilot, lambda: count.has_class("-error"))
        assert str(count.render()) == "bad regular expression: missing ), unterminated subpattern at position 2"
        assert count.has_class("-error")
        assert app.view.find_pattern is None  # nothing highlighted for a broken pattern
