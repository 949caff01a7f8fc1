"""Where a completion menu or a hover box goes: never over the ghost diff of a next edit
when the other side of the cursor has room (both are on screen at once, each with its own
keys; a menu over the ghost hid the suggestion the user was about to take with Tab)."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from nxedit.editor.app import EditorApp
from nxedit.editor.config import load_config
from nxedit.editor.files.args import FileArg
from nxedit.editor.lsp.popup import place
from nxedit.model.predict.suggestion_diff import Piece

from editor_helpers import ready

TEXT = "".join(f"value_{i} = {i}\n" for i in range(40))


def app_at(tmp_path: Path, line: int) -> EditorApp:
    path = tmp_path / "m.py"
    path.write_text(TEXT)
    settings, messages = load_config(None)
    return EditorApp([FileArg(path, line, 0)], settings, messages)


@asynccontextmanager
async def editing(tmp_path: Path):
    """The editor at line 10 of TEXT in a 80x20 terminal; the app and the cursor's offset."""
    app = app_at(tmp_path, 10)
    async with app.run_test(size=(80, 20)) as pilot:
        await ready(pilot)
        yield app, pilot, app.buffer.selection.head


def ghost_on(app: EditorApp, line: int) -> frozenset[int]:
    """A suggestion replacing ``line``'s text, shown; the lines its ghost draws on."""
    doc = app.buffer.document
    start = doc.offset(line, 0)
    app.predictions.layer.show(doc, [Piece(start, start + len(f"value_{line}"), "renamed")], True, False)
    return app.predictions.layer.lines()


async def test_a_menu_goes_above_the_cursor_when_the_ghost_is_below(tmp_path):
    async with editing(tmp_path) as (app, pilot, cursor):
        under = place(app.view, cursor, 5, below=True)
        over = place(app.view, cursor, 5, below=False)
        assert over[1] < under[1]
        assert app.predictions.layer.lines() == frozenset()  # nothing shown: the menu stays under
        assert place(app.view, cursor, 5, below=True, avoid=app.predictions.layer.lines()) == under

        ghost = ghost_on(app, 12)
        assert ghost == {12}
        assert place(app.view, cursor, 5, below=True, avoid=ghost) == over
        # a ghost further down than the menu reaches leaves it where it was
        assert place(app.view, cursor, 5, below=True, avoid=ghost_on(app, 17)) == under


async def test_a_box_above_the_cursor_moves_under_it_off_the_ghost(tmp_path):
    async with editing(tmp_path) as (app, pilot, cursor):
        under = place(app.view, cursor, 4, below=True)
        assert place(app.view, cursor, 4, below=False, avoid=ghost_on(app, 8)) == under


async def test_ghost_on_both_sides_keeps_the_usual_side(tmp_path):
    async with editing(tmp_path) as (app, pilot, cursor):
        doc = app.buffer.document
        under = place(app.view, cursor, 5, below=True)
        app.predictions.layer.show(doc, [Piece(doc.offset(8, 0), doc.offset(8, 0), "a"),
                                         Piece(doc.offset(12, 0), doc.offset(12, 0), "b")], True, False)
        assert app.predictions.layer.lines() == {8, 12}
        assert place(app.view, cursor, 5, below=True, avoid=app.predictions.layer.lines()) == under


async def test_the_completion_menu_opens_off_the_ghost(tmp_path):
    from types import SimpleNamespace

    from lsprotocol import types as lsp

    from nxedit.editor.lsp.completion import Completion

    async with editing(tmp_path) as (app, pilot, cursor):
        completion = Completion(SimpleNamespace(app=app))
        completion.start = cursor
        completion.shown = [lsp.CompletionItem(label=f"value_{i}") for i in range(5)]
        completion._show()
        await pilot.pause()
        under = completion.menu.styles.offset
        ghost_on(app, 12)
        completion._show()  # every key typed while the menu is open shows it again
        await pilot.pause()
        assert completion.menu.styles.offset.y.value < under.y.value
