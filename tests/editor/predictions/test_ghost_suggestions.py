"""Next-edit suggestions in the editor, as a user meets them: the real structural engine,
the real app, driven with keys."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from nxedit.editor.app import EditorApp
from nxedit.editor.files.args import FileArg
from nxedit.editor.config import load_config

from editor_helpers import ready, screen_text, suggestion, suggestion_with, wait_for
from edit_sessions import AREA_CALLS as PY

SIZE = (80, 20)  # the view shows 19 lines

FILLER = "".join(f"    print('step {i}')\n" for i in range(12))
RENAME = f"""def total(items):
    amount = 0
{FILLER}    for item in items:
        amount += item.price
{FILLER}    if amount > 100:
        print("big")
{FILLER}    return amount
"""

AREA = PY.replace("def small(a, b):\n", "def small(a, b):\n    scale = 0.5\n")  # a local at both calls


def editor(tmp_path: Path, name: str, text: str, line: int = 0, column: int = 0,
           config: str | None = None) -> EditorApp:
    path = tmp_path / name
    path.write_text(text)
    config_path = None
    if config is not None:
        config_path = tmp_path / "config.toml"
        config_path.write_text(config)
    settings, messages = load_config(config_path)
    return EditorApp([FileArg(path, line, column)], settings, messages)


def text_of(app: EditorApp) -> str:
    return app.buffer.text


async def rename_amount(pilot) -> None:
    """At ``amount`` on line 2: the user renames it to ``subtotal`` by hand."""
    await pilot.press(*["delete"] * len("amount"), *"subtotal")


@asynccontextmanager
async def renamed(where: Path, config: str | None = None):
    """The editor on RENAME (in folder ``where``) once the user has renamed ``amount``."""
    app = editor(where, "shop.py", RENAME, 1, 4, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await rename_amount(pilot)
        yield app, pilot


def ghost_line(app: EditorApp, line: int) -> str:
    """Line ``line`` as the screen shows it now (ghost text included), or "" off screen."""
    for row in screen_text(app):
        if row[:5].strip().lstrip("⇥").strip() == str(line + 1):
            return row
    return ""


async def test_rename_then_walk_the_ripple_with_tab(tmp_path):
    async with renamed(tmp_path) as (app, pilot):
        option = await suggestion(pilot)
        assert option.suggestion.source == "structural:rename"
        # away from the cursor: a marker in the gutter and "Tab ⇥ jump" at its line
        row = ghost_line(app, 15)
        assert row.startswith("⇥") and "Tab ⇥ jump" in row and "amountsubtotal" in row
        for line in (15, 28, 42):
            option = await suggestion(pilot)
            assert app.buffer.document.position(option.pieces[0].start)[0] == line
            await pilot.press("tab")  # jump
            assert app.buffer.cursor[0] == line
            await pilot.press("tab")  # accept; the next one is asked for at once
            assert "subtotal" in app.buffer.document.line_text(line)
        assert text_of(app) == RENAME.replace("amount", "subtotal")
        await pilot.pause(0.3)
        assert not app.predictions.visible()  # the engine abstains: nothing left to rename


async def test_add_a_parameter_then_fix_the_call_sites(tmp_path):
    app = editor(tmp_path, "geo.py", AREA, 0, 13)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press(*", scale")
        for line in (6, 11):
            option = await suggestion(pilot)
            assert option.suggestion.source == "structural:signature"
            await pilot.press("tab", "tab")
            assert app.buffer.document.line_text(line) == "    return area(a, b, scale)"
        assert text_of(app) == AREA.replace("def area(w, h)", "def area(w, h, scale)").replace(
            "area(a, b)", "area(a, b, scale)")


async def test_a_suggestion_off_screen_shows_at_the_edge_and_tab_goes_there(tmp_path):
    far = AREA.replace("\n\ndef small", "\n" + "\n" * 50 + "\ndef small")
    app = editor(tmp_path, "geo.py", far, 0, 13)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press(*", scale")
        await suggestion(pilot)
        await pilot.press("tab", "tab")  # the first call site is on screen
        option = await suggestion(pilot)
        target = app.buffer.document.position(option.pieces[0].start)[0]
        assert target > app.view.top_line + app.view.page_height
        assert f"Tab ⇥ jump to line {target + 1}" in screen_text(app)[-1]  # the bottom edge
        await pilot.press("tab")
        assert app.buffer.cursor[0] == target
        assert app.view.top_line <= target < app.view.top_line + app.view.page_height
        assert "area(a, b, scale)" in ghost_line(app, target)  # now the ghost text itself
        assert not any("jump" in row for row in screen_text(app))


async def test_partial_accept_by_word(tmp_path):
    app = editor(tmp_path, "geo.py", AREA, 0, 13)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press(*", scale")
        await suggestion(pilot)
        await pilot.press("ctrl+right")  # away from the cursor: Ctrl+Right just moves
        assert app.buffer.document.line_text(6) == "    return area(a, b)"
        await pilot.press("tab")  # jump there
        await pilot.press("ctrl+right")
        assert app.buffer.document.line_text(6) == "    return area(a, b,)"
        assert "area(a, b, scale)" in ghost_line(app, 6)  # the rest is still suggested
        await pilot.press("ctrl+right")
        assert app.buffer.document.line_text(6) == "    return area(a, b, scale)"


TS_WAIT = "await new Promise((resolve) => setTimeout(resolve, 10))"
TS = f"function a() {{\n  {TS_WAIT}\n}}\n\n\n\nclass B {{\n  async run() {{\n      {TS_WAIT}\n  }}\n}}\n"


async def wrap_in_a_loop(pilot) -> None:
    """On line 2 of TS: the user wraps the call in a while loop."""
    await pilot.press("home", *"while (!ready) {", "enter", "end", "enter", "shift+tab", *"}")


async def test_partial_accept_by_line(tmp_path):
    app = editor(tmp_path, "wait.ts", TS, 1, 0)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await wrap_in_a_loop(pilot)
        option = await suggestion(pilot)
        (edit,) = option.suggestion.edits
        wanted = edit.new_text.splitlines()
        assert [w.strip() for w in wanted] == ["while (!ready) {", TS_WAIT, "}"]  # reindented there
        await pilot.press("tab")  # jump to the other call
        line = app.buffer.cursor[0]
        assert line == edit.start_line
        for taken in range(1, 4):
            await pilot.press("ctrl+down")
            assert app.buffer.document.lines[line : line + taken] == [w + "\n" for w in wanted[:taken]]
            assert app.predictions.visible() == (taken < 3)  # the rest stays suggested
        assert app.buffer.document.line_text(line + 3) == "  }"


async def test_esc_dismisses_and_tab_indents_again(tmp_path):
    async with renamed(tmp_path) as (app, pilot):
        await suggestion(pilot)
        await pilot.press("escape")
        assert not app.predictions.visible()
        assert "amountsubtotal" not in ghost_line(app, 15)
        await pilot.pause(0.3)
        assert not app.predictions.visible()  # it does not come straight back
        await pilot.press("home", "tab")
        assert app.buffer.document.line_text(1) == "        subtotal = 0"


async def test_typing_through_a_suggestion_keeps_the_rest_until_it_differs(tmp_path):
    app = editor(tmp_path, "geo.py", AREA, 0, 13)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press(*", scale")
        await suggestion(pilot)
        await pilot.press("tab")  # jump to the call site
        await pilot.press(*", sc")
        assert app.predictions.visible()
        assert app.predictions.shown.pieces[0].text == "ale"
        assert "area(a, b, scale)" in ghost_line(app, 6)
        await pilot.press("x")  # not what was suggested
        assert "area(a, b, scx)" in ghost_line(app, 6)
        assert not app.predictions.visible() or app.predictions.shown.pieces[0].text != "ale"


async def test_tab_indents_when_nothing_is_shown(tmp_path):
    app = editor(tmp_path, "shop.py", RENAME, 1, 4)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("tab")
        assert app.buffer.document.line_text(1) == "        amount = 0"


async def test_undo_after_an_accept_undoes_exactly_the_suggestion(tmp_path):
    async with renamed(tmp_path) as (app, pilot):
        await suggestion(pilot)
        await pilot.press("tab", "tab")
        assert "subtotal +=" in app.buffer.document.line_text(15)
        await pilot.press("ctrl+z")
        assert app.buffer.document.line_text(15) == "        amount += item.price"
        assert app.buffer.document.line_text(1) == "    subtotal = 0"  # the user's own edit stays
        await pilot.pause(0.3)
        assert not app.predictions.visible()  # an undo does not bring suggestions back
        await pilot.press("ctrl+z")  # then the user's typing, in its own steps
        assert app.buffer.document.line_text(1) == "     = 0"


async def test_subtle_mode_shows_a_marker_until_asked(tmp_path):
    async with renamed(tmp_path, config='[predict]\nmode = "subtle"\n') as (app, pilot):
        await wait_for(pilot, lambda: app.predictions.shown is not None)
        row = ghost_line(app, 15)
        assert row.startswith("⇥") and "amountsubtotal" not in row and "jump" not in row
        assert "subtle" in app.status.predictor
        await pilot.press("tab")  # no diff on screen: Tab is Tab
        assert app.buffer.document.line_text(1).startswith("    subtotal ")
        await pilot.press("ctrl+space")
        assert "amountsubtotal" in ghost_line(app, 15)
        await pilot.press("tab", "tab")
        assert "subtotal +=" in app.buffer.document.line_text(15)


async def test_off_mode_and_disabled_languages_never_suggest(tmp_path):
    for config, status in (('[predict]\nmode = "off"\n', "predict off"),
                           ('[predict]\ndisabled_languages = ["python"]\n', "predict off (python)")):
        app = editor(tmp_path, "shop.py", RENAME, 1, 4, config=config)
        async with app.run_test(size=SIZE) as pilot:
            await ready(pilot)
            await rename_amount(pilot)
            await pilot.pause(0.4)
            assert app.predictions.shown is None
            assert app.status.predictor == status


async def test_modes_from_the_palette(tmp_path):
    from editor_helpers import choose_in_palette

    app = editor(tmp_path, "shop.py", RENAME, 1, 4)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+p")
        await choose_in_palette(pilot, "Predictions: off")
        assert app.status.predictor == "predict off"
        await rename_amount(pilot)
        await pilot.pause(0.4)
        assert app.predictions.shown is None
        await pilot.press("ctrl+p")
        await choose_in_palette(pilot, "Predictions: eager")
        await pilot.press("backspace", "l")  # an edit asks again
        await suggestion(pilot)


async def test_status_line_shows_the_engine_and_its_latency(tmp_path):
    app = editor(tmp_path, "shop.py", RENAME, 1, 4)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert app.status.predictor == "structural idle"
        await rename_amount(pilot)
        await suggestion(pilot)
        assert app.status.predictor.startswith("structural ") and app.status.predictor.endswith(" ms")
        assert app.status.predictor in app.status.render_line(0).text


def test_bad_predict_settings_are_one_line_messages(tmp_path):
    app = editor(tmp_path, "shop.py", RENAME, config='[predict]\nmode = "loud"\ndebounce_ms = -3\nfoo = 1\n')
    assert app.predict_settings.mode == "eager" and app.predict_settings.debounce_ms == 75
    messages = "\n".join(app.startup_messages)
    assert "mode must be one of eager, subtle, off" in messages
    assert "debounce_ms must be" in messages and "unknown setting 'foo'" in messages


@pytest.mark.parametrize("keys", [("alt+right_square_bracket",), ("alt+n",)])
async def test_cycle_keys_fall_through_without_alternatives(tmp_path, keys):
    async with renamed(tmp_path) as (app, pilot):
        shown = await suggestion(pilot)
        await pilot.press(*keys)
        assert app.predictions.shown is shown  # one suggestion: nothing to cycle


@pytest.mark.parametrize("sent, key", [
    ("\t", "tab"), ("\x1b[1;5C", "ctrl+right"), ("\x1b[1;5B", "ctrl+down"), ("\x00", "ctrl+@"),
    ("\x1bn", "alt+n"), ("\x1bp", "alt+p"),  # what a legacy terminal sends
    ("\x1b[93;3u", "alt+right_square_bracket"), ("\x1b[91;3u", "alt+left_square_bracket"),  # kitty protocol
    ("\x1b[32;5u", "ctrl+space"),
])
def test_the_suggestion_keys_arrive_from_a_terminal(sent, key):
    from textual._xterm_parser import XTermParser

    from nxedit.editor.commands import COMMANDS

    parser = XTermParser()
    (event,) = [*parser.feed(sent), *parser.feed("")]
    assert event.key == key
    assert any(key in c.keys for c in COMMANDS if c.name.startswith("predict."))


async def test_a_suggestion_above_the_screen_shows_at_the_top_edge(tmp_path):
    text = "import os\nimport sys\n" + "\n" * 60 + "def load(raw):\n    return raw\n"
    app = editor(tmp_path, "load.py", text, 63, 11)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press(*"json.loads(", "end", ")")
        option = await suggestion(pilot)
        assert option.suggestion.source == "structural:import"
        assert "Tab ⇥ jump to line 1" in screen_text(app)[0]  # the import goes at the top
        await pilot.press("tab")
        assert app.view.top_line == 0
        rows = screen_text(app)
        assert rows[0].rstrip().endswith("import json")  # a ghost row above the first line, no number
        assert rows[1].startswith("   1 import os")
        await pilot.press("tab")
        assert app.buffer.text.startswith("import json\nimport os\n")


async def test_a_predictor_that_crashes_costs_one_line_and_nothing_else(tmp_path, monkeypatch):
    from nxedit.model.predict.structural import StructuralPredictor

    def crash(self, request):
        raise RuntimeError("boom")

    monkeypatch.setattr(StructuralPredictor, "predict", crash)
    async with renamed(tmp_path) as (app, pilot):
        await wait_for(pilot, lambda: app.status.predictor == "structural: RuntimeError: boom")
        await pilot.press(*"_x")
        assert app.buffer.document.line_text(1) == "    subtotal_x = 0"
        assert app.predictions.shown is None


async def test_a_new_line_using_another_project_files_function_gets_its_import(tmp_path):
    """The editor sends the engine no files: its index of the project's top-level names
    (built in the background) says `slugify` comes from app/text.py."""
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "text.py").write_text("def slugify(s):\n    return s.lower()\n")
    views = "import os\n\n\ndef title(page):\n    return page\n"
    path = tmp_path / "app" / "views.py"
    app = editor(tmp_path / "app", "views.py", views, 3, 16)  # at the end of `def title(page):`
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("enter")  # the first request makes the engine, which starts the index
        worker = app.predictions._structural_worker
        await wait_for(pilot, lambda: worker.predictor is not None and worker.predictor.exports.ready(str(path)))
        await pilot.press(*"name = slugify(page)")
        option = await suggestion_with(pilot, "from app.text import slugify")
        assert option.suggestion.source == "structural:import"
        await pilot.press("tab", "tab")  # the import is away from the cursor: jump, then accept
        await wait_for(pilot, lambda: "from app.text import slugify\n" in text_of(app))
        assert text_of(app).startswith("import os\nfrom app.text import slugify\n")


async def test_deleting_a_name_from_its_start_asks_once_it_pauses(tmp_path, monkeypatch):
    """Delete, Delete, ... at the start of `amount`: the cursor stays before a letter, so the
    engine is asked once the deleting stops, not for `mount`, `ount` on the way (each would
    show a rename to a half-deleted name)."""
    from nxedit.model.predict.structural import StructuralPredictor

    asked = []
    real = StructuralPredictor.predict

    def spy(self, request):
        asked.append(request.current.splitlines()[request.cursor.line].strip())
        return real(self, request)

    monkeypatch.setattr(StructuralPredictor, "predict", spy)
    app = editor(tmp_path, "shop.py", RENAME, 1, 4, config="[predict]\ndebounce_ms = 300\n")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        for _ in range(3):  # 0.4 s apart: longer than the debounce, shorter than four of them
            await pilot.press("delete")
            await pilot.pause(0.4)
        await wait_for(pilot, lambda: asked)
        await pilot.pause(0.3)
    assert asked == ["unt = 0"]
