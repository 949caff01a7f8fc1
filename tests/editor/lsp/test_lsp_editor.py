"""The editor with a real language server (basedpyright, from the test extra): diagnostics,
definition across files and back, references, hover, rename across two files (one undo
step), an import from a code action, and completion that Tab leaves alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from editor_helpers import screen_text, wait_for
from lsp_helpers import SERVER_WAIT, apply_rename, lsp_app, rename_with_f2, server_ready
from nxedit.editor.app import EditorApp
from nxedit.editor.files.args import FileArg
from nxedit.model.lsp.servers import find_command

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(find_command("basedpyright-langserver") is None,
                       reason="basedpyright is not installed (pip install -e '.[test]')"),
]

UTIL = '''def helper(x):
    return x * 2


def other(y):
    return helper(y) + 1
'''

MAIN = '''from util import helper

value = helper(1)
print(undefined_name)
print(os.getcwd())
'''



@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (tmp_path / "util.py").write_text(UTIL)
    (tmp_path / "main.py").write_text(MAIN)
    return tmp_path


def make_app(*paths: Path) -> EditorApp:
    return lsp_app(*paths, servers={"python": ["basedpyright"]})


async def diagnostics_in(pilot, buffer, timeout: float = SERVER_WAIT):
    app = pilot.app
    await wait_for(pilot, lambda: app.lsp is not None, 10)
    await wait_for(pilot, lambda: bool(app.lsp.diagnostics_of(buffer)), timeout)
    return app.lsp.diagnostics_of(buffer)


async def test_diagnostic_on_the_cursor_line_shows_in_the_status_line_and_gutter(project):
    app = make_app(project / "main.py")
    async with app.run_test(size=(100, 20)) as pilot:
        found = await diagnostics_in(pilot, app.buffer)
        assert any('"undefined_name" is not defined' in d.message for d in found)
        app.go_to(3, 6)  # print(|undefined_name)
        await pilot.pause()
        assert '"undefined_name" is not defined' in app.status.diagnostic
        rows = screen_text(app)
        assert rows[3].startswith("●"), rows[3]  # the gutter sign of line 4
        await pilot.press("f8")  # the next problem: line 5's missing import
        assert app.buffer.cursor == (4, 6)


async def test_definition_in_another_file_and_back(project):
    app = make_app(project / "main.py")
    async with app.run_test(size=(100, 20)) as pilot:
        await server_ready(pilot)
        app.go_to(2, 9)  # value = hel|per(1)
        await pilot.press("f12")
        await wait_for(pilot, lambda: app.buffer.name == "util.py", 20)
        assert app.buffer.cursor == (0, 4)
        await pilot.press("alt+left")
        assert app.buffer.name == "main.py" and app.buffer.cursor == (2, 9)


async def test_rename_across_two_files_is_one_undo_step(project):
    app = make_app(project / "main.py")
    async with app.run_test(size=(100, 24)) as pilot:
        await diagnostics_in(pilot, app.buffer)  # analysed: a rename now sees every file
        app.go_to(2, 9)
        await rename_with_f2(pilot, "helper", "assist", 40)
        assert "util.py:1" in app.screen.question and "main.py:3" in app.screen.question
        util = await apply_rename(pilot, MAIN, project / "util.py", UTIL, "helper", "assist")
        assert (project / "util.py").read_text() == UTIL  # nothing saved behind the user's back
        await pilot.press("ctrl+z")  # one step takes back both files
        assert app.buffer.text == MAIN and util.text == UTIL
        await pilot.press("ctrl+y")
        assert util.text == UTIL.replace("helper", "assist")


async def test_add_import_from_a_code_action(project):
    app = make_app(project / "main.py")
    async with app.run_test(size=(100, 24)) as pilot:
        await diagnostics_in(pilot, app.buffer)
        app.go_to(4, 7)  # print(o|s.getcwd())
        await pilot.press("alt+a")
        from textual.command import CommandPalette

        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), 20)
        from editor_helpers import choose_in_palette

        await choose_in_palette(pilot, "import os")
        await wait_for(pilot, lambda: "import os" in app.buffer.text, 10)
        assert app.buffer.text.startswith("import os\n")


async def test_references_list_opens_each(project):
    app = make_app(project / "util.py", project / "main.py")  # both open: a cold server knows both
    async with app.run_test(size=(100, 24)) as pilot:
        await diagnostics_in(pilot, app.buffers[1])
        app.go_to(0, 5)  # def h|elper
        await pilot.press("shift+f12")
        from textual.command import CommandList, CommandPalette

        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette)
                       and sum(o.option_count for o in app.screen.query(CommandList)) >= 4, 20)
        options = app.screen.query_one(CommandList)
        texts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any(t.startswith("main.py:3") for t in texts), texts
        from editor_helpers import choose_in_palette

        await choose_in_palette(pilot, "main.py:3")
        await wait_for(pilot, lambda: app.buffer.name == "main.py")
        assert app.buffer.cursor == (2, 8)


async def test_completion_takes_enter_and_leaves_tab_to_next_edit(project):
    app = make_app(project / "main.py")
    async with app.run_test(size=(100, 24)) as pilot:
        await server_ready(pilot)
        app.go_to(5, 0)
        await pilot.press(*"valu")
        completion = app.lsp.completion

        async def open_menu_on_value() -> None:
            await pilot.press("ctrl+n")
            await wait_for(pilot, lambda: completion.visible, 20)
            labels = [item.label for item in completion.shown]
            assert "value" in labels, labels
            while completion.shown[completion.menu.highlighted].label != "value":
                await pilot.press("down")

        await open_menu_on_value()
        await pilot.press("tab")  # Tab is next-edit's (or indents): never the menu's
        assert app.buffer.document.line_text(5).strip() != "value"
        if app.buffer.document.line_text(5) != "valu":
            await pilot.press("ctrl+z")
        completion.close()
        await open_menu_on_value()
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.buffer.document.line_text(5) == "value", 10)
        assert app.buffer.document.line_count == 6  # Enter took the completion, not a new line


async def test_a_missing_name_gets_the_servers_import_as_a_next_edit(project):
    app = make_app(project / "main.py")
    app.files[0] = FileArg(project / "main.py", 4, 8)  # the cursor after print(os
    async with app.run_test(size=(100, 24)) as pilot:
        await wait_for(pilot, lambda: app.predictions is not None and app.predictions.visible(), SERVER_WAIT)
        shown = app.predictions.shown
        assert shown.suggestion.source == "lsp:import"
        assert [p.text for p in shown.pieces] == ["import os\n\n"]  # the import only, not the name again
        await pilot.press("tab")  # away from the cursor: Tab jumps to it first
        await pilot.press("tab")
        await wait_for(pilot, lambda: app.buffer.text.startswith("import os\n"))
        assert app.buffer.text == "import os\n\n" + MAIN


SHADOWED = '''def helper(x):
    return x


def other(helper):
    return helper


print(helper(1))
'''


def one_file(tmp_path: Path, text: str, monkeypatch, check) -> EditorApp:
    """An editor on ``m.py`` holding ``text`` in a project of its own; ``check`` (a module
    with a WAIT) waits as long as a busy machine needs for the server's word."""
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "m.py").write_text(text)
    monkeypatch.setattr(check, "WAIT", SERVER_WAIT)
    return make_app(tmp_path / "m.py")


def option(source: str, buffer, pieces, job: int = 1):
    """A suggestion as a predictor would offer it for the buffer as it is."""
    from nxedit.editor.predictions.controller import Option
    from nxedit.model.predict.suggestion import Suggestion

    return Option(Suggestion((), source, 0.7, version=buffer.version), tuple(pieces), None, job)


async def vetted(pilot, buffer, *options) -> list:
    """What the server's check keeps of each option (None: dropped), in order."""
    out: dict[int, object] = {}
    for i, opt in enumerate(options):
        pilot.app.predictions.vet(buffer, opt, lambda b, kept, version, i=i: out.setdefault(i, kept))
    await wait_for(pilot, lambda: len(out) == len(options), SERVER_WAIT)
    return [out[i] for i in range(len(options))]


async def test_a_rename_ripple_the_server_vetoes(tmp_path, monkeypatch):
    """The user renamed the declaration `helper`; a ripple that also renames the parameter of
    `other` (another symbol of the same name) keeps only the site the server confirms."""
    from nxedit.editor.buffer import Selection
    from nxedit.editor.lsp import ripple
    from nxedit.model.predict.suggestion_diff import Piece
    from nxedit.model.text.changeset import ChangeSet

    app = one_file(tmp_path, SHADOWED, monkeypatch, ripple)
    async with app.run_test(size=(100, 24)) as pilot:
        await server_ready(pilot)
        buffer = app.buffer
        at = SHADOWED.index("helper")
        buffer.edit(ChangeSet.from_edits(len(buffer.document), [(at, at + 6, "assist")]),
                    Selection.cursor(at + 6), origin="typed")
        text = buffer.text
        param_use = text.index("return helper") + len("return ")
        call = text.index("print(helper") + len("print(")
        [kept] = await vetted(pilot, buffer, option("structural:rename", buffer, (
            Piece(param_use, param_use + 6, "assist"), Piece(call, call + 6, "assist"))))
        assert kept.pieces == (Piece(call, call + 6, "assist"),)  # the parameter's use is vetoed

LIB = '''def helper(x):
    return x * 2


def twice(y):
    return helper(helper(y))
'''

USER = '''from lib import helper

print(helper(3))
'''


async def test_a_rename_ripple_goes_on_in_the_other_file(tmp_path, monkeypatch):
    """The user renames the declaration `helper` in lib.py: the engine's ripple (the two calls)
    is confirmed by the server's references in the text as it was; then a "Tab ⇥ user.py"
    label offers the uses in user.py, which the server found: Tab opens it, Tab jumps, Tab
    applies."""
    from nxedit.editor.buffer import Selection
    from nxedit.editor.lsp import ripple as ripple_module
    from nxedit.model.text.changeset import ChangeSet

    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "lib.py").write_text(LIB)
    (tmp_path / "user.py").write_text(USER)
    monkeypatch.setattr(ripple_module, "WAIT", SERVER_WAIT)
    app = make_app(tmp_path / "lib.py", tmp_path / "user.py")  # both open: a cold server knows both
    async with app.run_test(size=(100, 24)) as pilot:
        await server_ready(pilot)
        user = app.buffers[1]  # analysed (its diagnostics, none, are in)
        await wait_for(pilot, lambda: app.lsp.doc_of(user).diagnostics_version == user.version, SERVER_WAIT)
        buffer = app.buffer
        buffer.edit(ChangeSet.from_edits(len(buffer.document), [(4, 10, "assist")]),
                    Selection.cursor(10), origin="typed")
        predictions = app.predictions
        await wait_for(pilot, lambda: predictions.visible() and predictions.further, SERVER_WAIT)
        assert predictions.shown.suggestion.source == "structural:rename"
        assert "user.py (2 helper → assist)" in predictions.further[0][0]
        await pilot.press("tab")  # jump to the ripple
        await pilot.press("tab")  # apply it
        await wait_for(pilot, lambda: buffer.text == LIB.replace("helper", "assist"), 10)
        await wait_for(pilot, predictions.further_shown, 10)
        assert "Tab ⇥ user.py" in "\n".join(screen_text(app))
        await pilot.press("tab")  # to user.py, its sites offered
        await wait_for(pilot, lambda: app.buffer.path.name == "user.py" and predictions.visible(), 10)
        assert predictions.shown.suggestion.source == "lsp:rename"
        await pilot.press("tab")
        await pilot.press("tab")
        await wait_for(pilot, lambda: app.buffer.text == USER.replace("helper", "assist"), 10)
        assert not predictions.further


async def test_a_renamed_use_ripples_only_to_its_own_symbol(tmp_path, monkeypatch):
    """The user renamed a *use* (the call at the end): the ripple that would also rename the
    parameter of `other` keeps only the declaration the call referred to."""
    from nxedit.editor.buffer import Selection
    from nxedit.editor.lsp import ripple
    from nxedit.model.predict.suggestion_diff import Piece
    from nxedit.model.text.changeset import ChangeSet

    app = one_file(tmp_path, SHADOWED, monkeypatch, ripple)
    async with app.run_test(size=(100, 24)) as pilot:
        await server_ready(pilot)
        buffer = app.buffer
        at = SHADOWED.index("print(helper") + len("print(")
        buffer.edit(ChangeSet.from_edits(len(buffer.document), [(at, at + 6, "assist")]),
                    Selection.cursor(at + 6), origin="typed")
        text = buffer.text
        sites = [text.index("def helper") + 4, text.index("other(helper") + 6, text.index("return helper") + 7]
        [kept] = await vetted(pilot, buffer, option("structural:rename", buffer, (Piece(s, s + 6, "assist") for s in sites)))
        assert kept.pieces == (Piece(sites[0], sites[0] + 6, "assist"),)
        # the server holds the buffer's own text again: its diagnostics are for the new text
        await wait_for(pilot, lambda: app.lsp.doc_of(buffer).diagnostics_version == buffer.version, SERVER_WAIT)
        assert any("assist" in d.message for d in app.lsp.diagnostics_of(buffer))


async def test_a_suggestion_bringing_in_an_undefined_name_is_dropped(tmp_path, monkeypatch):
    """A structural suggestion that writes a name the server does not know at its site is
    dropped; one whose names are all visible there shows."""
    from nxedit.editor.lsp import new_names
    from nxedit.model.predict.suggestion_diff import Piece

    text = "import os\n\n\ndef f(path):\n    return path\n\n\nf('a')\n"
    app = one_file(tmp_path, text, monkeypatch, new_names)
    async with app.run_test(size=(100, 24)) as pilot:
        await server_ready(pilot)
        buffer = app.buffer
        call = text.index("f('a')") + len("f('a'")
        bad = option("structural:signature", buffer, [Piece(call, call, ", timeout")])
        good = option("structural:signature", buffer, [Piece(call, call, ", os.sep + str(len('timeout'))")], 2)
        assert await vetted(pilot, buffer, bad, good) == [None, good]


async def test_the_model_request_carries_the_nearest_diagnostics(project):
    """The server's problems nearest the cursor go with a model's request (window lines)
    and into the chat prompt; a private file's never do."""
    from nxedit.editor.predictions.jobs import make_job
    from nxedit.model.predict.context import build_context
    from nxedit.model.predict.prompts import chat

    app = make_app(project / "main.py")
    async with app.run_test(size=(100, 24)) as pilot:
        buffer = app.buffer
        await diagnostics_in(pilot, buffer)
        app.go_to(3, 0)
        problems = app.lsp.nearest_problems(buffer)
        assert problems[0].line == 3 and "undefined_name" in problems[0].message
        assert [p.line for p in problems] == [3, 4]  # nearest first: both undefined names
        job = make_job(buffer, app.recording, 1, problems)
        assert job.request.diagnostics == problems  # a short file: window lines are buffer lines
        prompt = chat.render(build_context(job.request, chat.REGION)).messages[0][1]
        assert '- line 4 (error): "undefined_name" is not defined' in prompt
        app.recording.is_private = lambda b: True
        assert app.lsp.nearest_problems(buffer) == ()
        assert make_job(buffer, app.recording, 2, problems).request.diagnostics == ()


async def test_hover_and_signature_help_show_at_the_cursor(project):
    """Alt+H shows the type in a box at the cursor, gone when the cursor moves; typing `(`
    after a function shows its signature with the current parameter, `)` closes it."""
    app = make_app(project / "main.py")
    async with app.run_test(size=(100, 24)) as pilot:
        await diagnostics_in(pilot, app.buffer)  # analysed
        popup = app.lsp.popup
        app.go_to(2, 10)  # value = he|lper(1)
        await pilot.press("alt+h")
        await wait_for(pilot, lambda: popup.visible, SERVER_WAIT)
        assert popup.kind == "hover" and "(function) def helper(x" in str(popup.box.render())
        await pilot.press("right")
        await wait_for(pilot, lambda: not popup.visible, 5)
        app.go_to(5, 0)
        await pilot.press(*"helper(")
        await wait_for(pilot, lambda: popup.visible, SERVER_WAIT)
        shown = popup.box.render()
        assert popup.kind == "signature" and str(shown).startswith("(x")
        assert [shown.plain[s.start:s.end] for s in shown.spans if "bold" in str(s.style)] == ["x: Unknown"]  # being typed
        await pilot.press("1", ")")
        await wait_for(pilot, lambda: not popup.visible, 5)


async def test_a_model_server_gets_the_diagnostics_in_its_chat_prompt(project):
    """End to end: with a model configured (an OpenAI-compatible server, a small fake that
    records what it is sent) the chat prompt for a keystroke carries basedpyright's problem."""
    from fake_openai_server import FakeServer, sse_answer

    with FakeServer(lambda body: sse_answer("")) as server:
        app = make_app(project / "main.py")
        app.config.sections["model"] = {"backend": "openai", "base_url": server.url, "prompt_format": "chat"}
        async with app.run_test(size=(100, 24)) as pilot:
            await diagnostics_in(pilot, app.buffer)
            await wait_for(pilot, lambda: app.predictions.model is not None and app.predictions.model.ready, 30)
            app.go_to(3, 21)  # print(undefined_name)|
            await pilot.press("space")

            def prompts() -> list[str]:
                return [str(body.get("messages")) for path, body in server.requests if "chat" in path]

            await wait_for(pilot, lambda: any("Problems a language server" in p for p in prompts()), 30)
            assert any('- line 4 (error): "undefined_name" is not defined' in p for p in prompts())
