"""What each form of the ghost diff looks like, as SVG snapshots, in the dark and the
high-contrast theme. The suggestions come from the real structural engine.

Regenerate after a deliberate change with
``pytest tests/test_ghost_snapshots.py --snapshot-update`` and look at the SVGs first.
"""

from __future__ import annotations

import pytest

from nxedit.editor.app import EditorApp
from nxedit.editor.files.args import FileArg
from nxedit.editor.config import Config

from editor_helpers import ready, suggestion
from test_ghost_suggestions import AREA, RENAME, TS, rename_amount, wrap_in_a_loop
from editor_helpers import settle

SIZE = (80, 20)
THEMES = ["dark", "high-contrast"]

CFG = '    #[cfg(feature = "std")]\n'
RUST = "impl A {\n" + (CFG + "    fn f() {}\n\n\n\n") * 3 + "}\n"


async def add_scale(pilot) -> None:
    await pilot.press(*", scale")


async def delete_two_cfg_lines(pilot) -> None:
    await pilot.press("ctrl+shift+k", "down", "down", "down", "down", "ctrl+shift+k")


# name -> (file, text, line, column, what the user does, then Tab presses before the snapshot)
FORMS = {
    "inline_insertion": ("geo.py", AREA, 0, 13, add_scale, 1),
    "ghost_rows": ("wait.ts", TS, 1, 0, wrap_in_a_loop, 1),
    "deletion": ("lib.rs", RUST, 1, 0, delete_two_cfg_lines, 1),
    "replacement": ("shop.py", RENAME, 1, 4, rename_amount, 1),
    "jump_marker": ("shop.py", RENAME, 1, 4, rename_amount, 0),
    "off_screen_hint": ("geo.py", AREA.replace("\n\ndef small", "\n" * 30 + "\ndef small"), 0, 13, add_scale, 2),
}


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("form", list(FORMS))
def test_ghost_diff(snap_compare, tmp_path, monkeypatch, form, theme):
    name, text, line, column, edit, tabs = FORMS[form]
    monkeypatch.chdir(tmp_path)  # the status line shows the bare file name
    (tmp_path / name).write_text(text)
    config = Config()
    config.theme = theme

    async def before(pilot) -> None:
        app = pilot.app
        await settle(pilot)
        await ready(pilot)
        await edit(pilot)
        await suggestion(pilot)
        for _ in range(tabs):
            if not app.predictions.visible():
                await suggestion(pilot)
            await pilot.press("tab")
        await suggestion(pilot)
        await settle(pilot)
        app.predictions.state.latency_ms = 1.0  # the one figure that varies from run to run
        app.predictions.on_state()
        await pilot.pause()

    app = EditorApp([FileArg(tmp_path / name, line, column)], config)
    assert snap_compare(app, terminal_size=SIZE, run_before=before)
