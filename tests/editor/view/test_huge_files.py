"""Huge inputs degrade gracefully (issue 14): past the limits of view/limits.py soft wrap,
highlighting, predictions and the edit history are off for that buffer, the status line
says so, and a key costs what it costs on a small file (bench/huge_files.py measures it)."""

from __future__ import annotations

import time
from pathlib import Path

from editor_helpers import ready, wait_for
from nxedit.editor.app import EditorApp
from nxedit.editor.config import Config
from nxedit.editor.files.args import FileArg
from nxedit.editor.view import layout, limits

LONG = "lorem ipsum dolor sit amet, " * (limits.WRAP_MAX_LINE // 28 + 100)


def app_for(path: Path, wrap: bool = True) -> EditorApp:
    config = Config()
    config.soft_wrap = wrap
    return EditorApp([FileArg(path)], config)


async def test_a_huge_line_is_not_wrapped_coloured_or_predicted_and_the_status_says_so(tmp_path, monkeypatch):
    path = tmp_path / "minified.py"
    path.write_text(f"x = 1\n{LONG}\ny = 2\n")
    wrapped: list[int] = []
    real_wrap = layout.wrap_starts.__wrapped__
    monkeypatch.setattr(layout, "wrap_starts", lambda text, *a: (wrapped.append(len(text)), real_wrap(text, *a))[1])
    app = app_for(path)
    async with app.run_test(size=(100, 20)) as pilot:
        await ready(pilot)
        await pilot.pause(0.5)
        assert app.view.soft_wrap and not app.view.wrapping
        assert app.highlighter_of(app.buffer) is None
        assert "no wrap, colours or predictions" in app.status.render_line(0).text
        app.go_to(1, len(LONG) // 2)
        t = time.perf_counter()
        await pilot.press(*"typed")
        assert app.buffer.document.line_text(1)[len(LONG) // 2:][:5] == "typed"
        assert not any(n > limits.WRAP_MAX_LINE for n in wrapped)  # the huge line is never walked
        assert not app.predictions._enabled(app.buffer)
        assert time.perf_counter() - t < 5  # (seconds per key before: see bench/huge_files.py)


async def test_a_paste_crossing_the_limit_turns_wrap_off_and_deleting_it_back_on(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("short\n")
    app = app_for(path)
    async with app.run_test(size=(100, 20)) as pilot:
        await ready(pilot)
        assert app.view.wrapping and not app.buffer.limits.note
        app._paste_text(LONG)  # a paste of one enormous line
        await wait_for(pilot, lambda: not app.view.wrapping)
        assert "no wrap" in app.status.render_line(0).text
        await pilot.press("ctrl+z")
        await wait_for(pilot, lambda: app.view.wrapping)
        assert app.buffer.limits.note == ""


def test_limits_for_a_million_lines():
    from nxedit.model.text.document import Document

    doc = Document("x = 1\n" * (limits.COLOUR_MAX_LINES + 1))
    found = limits.limits_of(doc)
    assert found.no_colour and found.no_predict and not found.no_wrap
    assert "lines: no colours or predictions" in found.note
