"""Tab never puts whitespace inside a line while the user accepts suggestions with it.

Tab both accepts suggestions and indents. Once a ripple had ended, the next Tab of the
"Tab, Tab" rhythm used to indent in the middle of a line; these are the three cases users
met (the tour's step 3, a Go rename, a Python rename), each walked with more Tabs than it
needs, at a quick user's pace, with the real structural engine.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from nxedit.editor.app import EditorApp
from nxedit.editor.config import load_config
from nxedit.editor.files.args import FileArg

from editor_helpers import ready, suggestion_with

TOUR = Path(__file__).resolve().parents[3] / "editor" / "samples" / "tour.py"
TAB_PACE = 0.15  # seconds between Tabs: a quick user


def editor(tmp_path: Path, name: str, text: str, line: int, column: int) -> EditorApp:
    path = tmp_path / name
    path.write_text(text)
    settings, messages = load_config(None)
    return EditorApp([FileArg(path, line, column)], settings, messages)


async def tabs(pilot, count: int) -> None:
    for _ in range(count):
        await pilot.press("tab")
        await pilot.pause(TAB_PACE)
    await pilot.pause(0.8)  # anything still waiting has answered or expired


async def test_the_tours_step_3_with_tab_tab_tab(tmp_path):
    tour = TOUR.read_text()
    row = next(i for i, line in enumerate(tour.splitlines()) if "# (3)" in line)
    column = tour.splitlines()[row].index("6)") + 1
    app = editor(tmp_path, "tour.py", tour, row, column)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.press(*", taxed=True")
        await suggestion_with(pilot, "taxed=True")
        await tabs(pilot, 3)
        expected = tour.replace("6),", "6, taxed=True),").replace("1),", "1, taxed=True),")
        expected = expected.replace("2),\n    ]", "2, taxed=True),\n    ]")
        assert app.buffer.text == expected
        await tabs(pilot, 3)  # more Tabs: still nothing inside a line
        assert app.buffer.text == expected


GO = """package main

func main() {
\tmux := newRouter()
\tmux.Handle("/", index)
\tmux.Handle("/health", health)
\tserver := NewServer(":8080", mux)
\tserver.Run()
}
"""


@asynccontextmanager
async def go_renamed(tmp_path: Path):
    """The Go file once the user has renamed ``mux`` to ``router`` and a suggestion shows."""
    app = editor(tmp_path, "main.go", GO, 3, 1)
    async with app.run_test(size=(80, 20)) as pilot:
        await ready(pilot)
        await pilot.press(*["delete"] * 3, *"router")
        await suggestion_with(pilot, "router")
        yield app, pilot


async def test_a_go_rename_rippled_with_tabs_leaves_no_tab_inside_a_call(tmp_path):
    async with go_renamed(tmp_path) as (app, pilot):
        await tabs(pilot, 6)
        assert app.buffer.text == GO.replace("mux", "router")


PY = '''def load(theme):
    if theme in BUILTIN:
        return get_builtin_theme(theme)
    return read_theme_file(theme)


def get_builtin_theme(name):
    return BUILTIN[name]
'''


async def test_a_python_rename_rippled_with_tabs_leaves_no_spaces_inside_a_call(tmp_path):
    app = editor(tmp_path, "themes.py", PY, 0, 14)
    async with app.run_test(size=(80, 20)) as pilot:
        await ready(pilot)
        await pilot.press(*"_name")
        await suggestion_with(pilot, "_name")
        await tabs(pilot, 6)
        assert app.buffer.text == PY.replace("(theme)", "(theme_name)").replace("if theme ", "if theme_name ")


async def test_a_tab_right_after_an_accept_waits_for_the_next_suggestion(tmp_path):
    """Tab pressed before the chain's next answer has arrived acts on that answer."""
    async with go_renamed(tmp_path) as (app, pilot):
        await pilot.press("tab", "tab", "tab", "tab")  # no pause: faster than any engine
        await pilot.pause(1.0)
        assert app.buffer.text == GO.replace("mux", "router")
