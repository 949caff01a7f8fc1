"""Every command advertised with a key gets it from a real terminal.

tmux (which speaks xterm to the program in it, as ``TERM=xterm-256color`` terminals do) is
asked to send each key; the bytes it really sends are fed to Textual's own parser and the
editor's fix-ups, and one of the command's keys must come out. Then the two keys that used
to get lost (Shift+F3, Alt+A) are pressed in the real editor.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nxedit.editor.commands import COMMANDS

from tmux_terminal import NXEDIT, Terminal

pytestmark = pytest.mark.slow

if shutil.which("tmux") is None:
    pytest.skip("tmux is not installed (CI installs it)", allow_module_level=True)

_TMUX_NAMES = {
    "pagedown": "NPage", "pageup": "PPage", "delete": "DC", "escape": "Escape", "enter": "Enter", "tab": "Tab",
    "backspace": "BSpace", "up": "Up", "down": "Down", "left": "Left", "right": "Right", "home": "Home",
    "end": "End", "underscore": "_", "slash": "/", "space": "Space",
    "right_square_bracket": "]", "left_square_bracket": "[",
}
_TMUX_MODIFIERS = {"ctrl": "C-", "alt": "M-", "shift": "S-"}


def tmux_key(key: str) -> str:
    """Textual's key name as tmux's send-keys writes it: ``ctrl+pagedown`` -> ``C-NPage``."""
    if key == "shift+tab":
        return "BTab"
    *mods, name = key.split("+")
    if "shift" in mods and len(name) == 1:  # Shift on a letter is the capital letter
        mods.remove("shift")
        name = name.upper()
    name = _TMUX_NAMES.get(name, name.upper() if name[0] == "f" and name[1:].isdigit() else name)
    return "".join(_TMUX_MODIFIERS[m] for m in mods) + name


CAPTURE = """
import os, sys, termios, tty
tty.setraw(0)
out = open(sys.argv[1], "ab", buffering=0)
while True:
    out.write(os.read(0, 1024))
"""


@pytest.fixture(scope="module")
def sent_bytes(tmp_path_factory):
    """What tmux really sends for a key (a raw-mode program in a pane records it)."""
    folder = tmp_path_factory.mktemp("keys")
    log = folder / "bytes"
    log.touch()
    term = Terminal(folder)
    term.start(sys.executable, "-c", CAPTURE, str(log))
    time.sleep(0.5)

    def send(key: str) -> bytes:
        before = log.stat().st_size
        term.keys(tmux_key(key))
        deadline = time.monotonic() + 3
        while log.stat().st_size == before and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.05)
        return log.read_bytes()[before:]

    yield send
    term.close()


def arrives_as(data: bytes) -> list[str]:
    """The keys the editor sees for ``data``: Textual's parser, then the editor's fix-ups."""
    from textual import events
    from textual._parser import ParseError
    from textual._xterm_parser import XTermParser

    from nxedit.editor.ui.keys import key_of_cursor_report

    parser = XTermParser()
    keys = []
    events_out = list(parser.feed(data.decode()))
    try:
        events_out += parser.feed("")  # the end: an escape sequence still open is read as it stands
    except ParseError:
        pass
    for event in events_out:
        if isinstance(event, events.Key):
            keys.append(event.key)
        elif isinstance(event, events.CursorPosition):
            keys.append(key_of_cursor_report(event.x, event.y) or "cursor report")
    return keys


@pytest.mark.parametrize("command", [c for c in COMMANDS if c.keys], ids=lambda c: c.name)
def test_each_command_gets_one_of_its_keys_from_tmux(sent_bytes, command):
    got = {}
    for key in command.keys:
        got[key] = arrives_as(sent_bytes(key))
        if got[key] == [key]:
            return
    pytest.fail(f"none of {command.name}'s keys {command.keys} arrives from tmux: {got}")


def test_the_find_bars_alt_a_and_shift_f3_arrive(sent_bytes):
    assert arrives_as(sent_bytes("alt+a")) == ["alt+a"]
    assert arrives_as(sent_bytes("shift+f3")) == ["shift+f3"]


def test_shift_f3_and_alt_a_work_in_the_editor(tmp_path: Path):
    path = tmp_path / "words.txt"
    path.write_text("one foo\ntwo foo\nthree foo\n")
    term = Terminal(tmp_path / "home")
    try:
        term.start(*NXEDIT, str(path))
        term.wait_for("three foo")
        term.keys("C-f")
        term.wait_for("Find (Enter")
        term.keys("foo", literal=True)
        term.wait_for("1 of 3")
        term.keys("F3")
        term.wait_for("2 of 3")
        term.keys("S-F3")  # find previous
        term.wait_for("1 of 3")
        term.keys("Escape", "C-r")
        term.wait_for("Replace with")
        term.keys("bar", literal=True)
        term.keys("M-a")  # replace all
        term.wait_for("Replaced 3 matches")
        term.keys("Escape", "C-s")
        term.wait_for("Saved words.txt")
        assert path.read_text() == "one bar\ntwo bar\nthree bar\n"  # no "a" typed into the field
    finally:
        term.close()


def test_key_names_map_to_tmux():
    assert tmux_key("ctrl+pagedown") == "C-NPage" and tmux_key("shift+f3") == "S-F3"
    assert tmux_key("alt+right_square_bracket") == "M-]" and tmux_key("ctrl+underscore") == "C-_"
    assert tmux_key("alt+shift+f") == "M-F"
