"""The ghost diff as a user reads it: a rename is drawn word by word in every language (no
unchanged line struck, no ghost rows), and without colour the deleted and the inserted text
stay apart (``[-old-]{+new+}``). Screen text for the reading, SVG snapshots for the look.

Regenerate the snapshots after a deliberate change with ``--snapshot-update``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nxedit.editor.app import EditorApp
from nxedit.editor.config import Config
from nxedit.editor.files.args import FileArg

from editor_helpers import ready, screen_text, settle, suggestion_with

SIZE = (100, 14)
OLD, NEW = "gutter_width", "gutter_cells"
CASES = {  # language -> (file name, text with six uses of OLD, line and column of the first)
    "typescript": ("layout.ts", f"""export function layout(width: number): number {{
  const {OLD} = width > 100 ? 6 : 4;
  if ({OLD} > 5) {{
    console.log({OLD});
  }}
  const rest = width - {OLD};
  console.log({OLD}, {OLD});
  return rest + {OLD};
}}
""", 1, 8),
    "python": ("layout.py", f"""def layout(width):
    {OLD} = 6 if width > 100 else 4
    if {OLD} > 5:
        print({OLD})
    rest = width - {OLD}
    print({OLD}, {OLD})
    return rest + {OLD}
""", 1, 4),
    "go": ("layout.go", f"""package main

func layout(width int) int {{
\t{OLD} := 4
\tif {OLD} > 5 {{
\t\tprintln({OLD})
\t}}
\trest := width - {OLD}
\tprintln({OLD}, {OLD})
\treturn rest + {OLD}
}}
""", 3, 1),
}


def app_for(tmp_path: Path, language: str) -> EditorApp:
    name, text, line, column = CASES[language]
    (tmp_path / name).write_text(text)
    return EditorApp([FileArg(tmp_path / name, line, column)], Config())


async def rename(pilot) -> None:
    await pilot.press(*["delete"] * len(OLD), *NEW)


@pytest.mark.parametrize("language", list(CASES))
async def test_a_rename_is_drawn_word_by_word_in_every_language(tmp_path, monkeypatch, language):
    monkeypatch.chdir(tmp_path)
    app = app_for(tmp_path, language)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await rename(pilot)
        option = await suggestion_with(pilot, NEW)
        doc = app.buffer.document
        assert [(doc.text[p.start : p.end], p.text) for p in option.pieces] == [(OLD, NEW)] * 6
        rows = screen_text(app)
        assert sum(row.count(OLD + NEW) for row in rows) == 6  # struck old word, then the new one
        numbers = [row[:5].strip() for row in rows[: doc.line_count]]
        assert numbers == [str(n) for n in range(1, doc.line_count + 1)]  # no ghost rows between lines


async def test_without_colour_deleted_and_inserted_text_are_bracketed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    app = app_for(tmp_path, "typescript")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await rename(pilot)
        await suggestion_with(pilot, NEW)
        rows = screen_text(app)
        assert "  if ([-gutter_width-]{+gutter_cells+} > 5) {" in rows[2]
        assert "console.log([-gutter_width-]{+gutter_cells+}, [-gutter_width-]{+gutter_cells+});" in rows[6]
        assert not any(OLD + NEW in row for row in rows)


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "no_color"])
def test_rename_snapshot(snap_compare, tmp_path, monkeypatch, no_color):
    monkeypatch.chdir(tmp_path)
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")

    async def before(pilot) -> None:
        await settle(pilot)
        await ready(pilot)
        await rename(pilot)
        await suggestion_with(pilot, NEW)
        await settle(pilot)
        pilot.app.predictions.state.latency_ms = 1.0  # the one figure that varies from run to run
        pilot.app.predictions.on_state()
        await pilot.pause()

    assert snap_compare(app_for(tmp_path, "typescript"), terminal_size=SIZE, run_before=before)
