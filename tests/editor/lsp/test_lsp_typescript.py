"""The editor with a real TypeScript server (typescript-language-server on TypeScript, from
npm: `.ci/run` installs both into .ci/node_modules; skipped where they are not installed):
a diagnostic shown, definition across files, rename across files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from editor_helpers import wait_for
from lsp_helpers import SERVER_WAIT, apply_rename, lsp_app, rename_with_f2, server_ready
from nxedit.model.lsp.servers import find_command

NODE_BIN = Path(__file__).resolve().parents[3] / ".ci" / "node_modules" / ".bin"
if NODE_BIN.is_dir():  # where .ci/run installed it (a developer may have it on PATH instead)
    os.environ["PATH"] = f"{NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(find_command("typescript-language-server") is None or find_command("node") is None,
                       reason="typescript-language-server is not installed (.ci/run installs it with npm, "
                              "or: npm install -g typescript-language-server typescript)"),
]

UTIL = """export function helper(x: number): number {
  return x * 2;
}
"""

MAIN = """import { helper } from "./util";

const value: number = helper(1);
const broken: string = helper(2);
console.log(value, broken);
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "package.json").write_text('{"name": "demo", "private": true}\n')
    (tmp_path / "tsconfig.json").write_text('{"compilerOptions": {"strict": true, "target": "es2020"}}\n')
    (tmp_path / "util.ts").write_text(UTIL)
    (tmp_path / "main.ts").write_text(MAIN)
    return tmp_path




async def test_a_type_error_is_shown_on_its_line(project):
    app = lsp_app(project / "main.ts")
    async with app.run_test(size=(100, 24)) as pilot:
        await server_ready(pilot)
        buffer = app.buffer
        await wait_for(pilot, lambda: app.lsp.diagnostics_of(buffer), SERVER_WAIT)
        [problem] = app.lsp.diagnostics_of(buffer)
        assert problem.line == 3 and problem.severity == 1
        assert "not assignable to type 'string'" in problem.message
        app.go_to(3, 0)
        await pilot.pause()
        assert "not assignable" in app.status.diagnostic and app.status.diagnostic_is_error


async def test_definition_in_another_file(project):
    app = lsp_app(project / "main.ts")
    async with app.run_test(size=(100, 24)) as pilot:
        await server_ready(pilot)
        await wait_for(pilot, lambda: app.lsp.diagnostics_of(app.buffer), SERVER_WAIT)  # analysed
        app.go_to(2, 23)  # helper(1)
        await pilot.press("f12")
        await wait_for(pilot, lambda: app.buffer.name == "util.ts", SERVER_WAIT)
        assert app.buffer.cursor == (0, 16)
        await pilot.press("alt+left")
        await wait_for(pilot, lambda: app.buffer.name == "main.ts", 10)


async def test_rename_across_two_files(project):
    app = lsp_app(project / "util.ts", project / "main.ts")
    async with app.run_test(size=(100, 24)) as pilot:
        await server_ready(pilot)
        await wait_for(pilot, lambda: app.lsp.diagnostics_of(app.buffers[1]), SERVER_WAIT)  # both analysed
        app.go_to(0, 18)  # export function h|elper
        await rename_with_f2(pilot, "helper", "assist")
        assert "util.ts:1" in app.screen.question and "main.ts:" in app.screen.question
        main = await apply_rename(pilot, UTIL, project / "main.ts", MAIN, "helper", "assist")
        await pilot.press("ctrl+z")  # one step takes back both files
        assert app.buffer.text == UTIL and main.text == MAIN
