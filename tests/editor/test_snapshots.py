"""What the main screen looks like, as SVG snapshots, in the dark and the light theme.

Regenerate after a deliberate change with ``pytest tests/test_snapshots.py --snapshot-update``
and look at the SVGs before committing them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nxedit.editor.app import EditorApp
from nxedit.editor.files.args import FileArg
from nxedit.editor.config import Config

from editor_helpers import settle

SAMPLE = '''\
"""Prices for a small shop."""

from dataclasses import dataclass


@dataclass
class Item:
    name: str
    price: float  # euros


def total(items: list[Item]) -> float:
    """The sum of the prices, with 5% off above 100."""
    amount = sum(item.price for item in items)
    if amount > 100:
        amount *= 0.95
    return round(amount, 2)
'''


@pytest.fixture
def sample(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)  # the status line then shows "shop.py", the same everywhere
    path = tmp_path / "shop.py"
    path.write_text(SAMPLE)
    return Path("shop.py")


def app_with_theme(path: Path, theme: str) -> EditorApp:
    config = Config()
    config.theme = theme
    return EditorApp([FileArg(path, 12, 4)], config)





@pytest.mark.parametrize("theme", ["dark", "light"])
def test_main_screen(snap_compare, sample: Path, theme: str):
    async def before(pilot) -> None:
        await settle(pilot)
        await pilot.press("shift+end")  # a selection on the current line
        await settle(pilot)

    assert snap_compare(app_with_theme(sample, theme), terminal_size=(80, 24), run_before=before)


def test_find_bar_and_matches(snap_compare, sample: Path):
    async def before(pilot) -> None:
        await settle(pilot)
        await pilot.press("ctrl+f", *"amount")
        await settle(pilot)

    assert snap_compare(app_with_theme(sample, "dark"), terminal_size=(80, 24), run_before=before)
