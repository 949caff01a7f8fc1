"""The one sanitiser for outside text shown on a terminal (issue 14)."""

from __future__ import annotations

import pytest

from nxedit.model.text.sanitise import sanitise

ATTACKS = {
    "osc 52 clipboard": "\x1b]52;c;cm0gLXJmIH4=\x07",
    "osc 0 title": "\x1b]0;pwned\x1b\\",
    "csi clear": "\x1b[2J\x1b[H",
    "c1 csi": "\x9b2J",
    "c1 osc": "\x9d0;pwned\x9c",
    "bell and backspace": "\x07\x08\x08",
    "carriage return": "safe\rEVIL",
    "bidi override": "a\u202eexe.txt",
    "lone surrogate": "name\udcff",
    "delete": "a\x7fb",
}


@pytest.mark.parametrize("attack", ATTACKS.values(), ids=ATTACKS.keys())
def test_no_control_reaches_the_terminal_and_nothing_is_hidden(attack):
    shown = sanitise(f"file {attack} end")
    assert shown.isprintable()  # nothing a terminal would act on
    shown.encode("utf-8")  # writable to a strict UTF-8 terminal
    assert shown.startswith("file ") and shown.endswith(" end")
    assert len(shown) > len(attack) - sum(not c.isprintable() for c in attack)  # escaped, not dropped


def test_escapes_are_visible_and_readable():
    assert sanitise("a\x1b]0;x\x07b") == "a\\x1b]0;x\\x07b"
    assert sanitise("\x9b\u202e\udcff") == "\\x9b\\u202e\\udcff"


def test_ordinary_text_is_unchanged():
    for text in ("Saved app.py", "日本語 ✓ \U0001f600 café", "Ln 1, Col 1  UTF-8  LF", ""):
        assert sanitise(text) == text


def test_one_line_unless_lines_are_asked_for():
    assert sanitise("first\nsecond\tthird") == "first second third"
    assert sanitise("first\nsecond\x1b", newlines=True) == "first\nsecond\\x1b"


def test_anything_is_shown_by_its_str():
    assert sanitise(ValueError("bad \x1b[31m")) == "bad \\x1b[31m"
