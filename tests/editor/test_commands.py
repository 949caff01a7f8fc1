"""The command table: one source for bindings, palette, help and the README."""

import re
from collections import Counter
from pathlib import Path

from nxedit.editor.commands import BY_NAME, COMMANDS, key_label, resolve_keys


def test_names_are_unique_and_a_shared_key_falls_through():
    assert len(BY_NAME) == len(COMMANDS)
    keys = Counter(k for c in COMMANDS for k in c.keys)
    for key in [k for k, n in keys.items() if n > 1]:
        holders = [c for c in COMMANDS if key in c.keys]
        # every command but the last has a predicate: the key reaches the next one when it is false
        assert all(c.when is not None for c in holders[:-1]), key
    # escape: the completion menu and the hover/signature box too
    assert keys["tab"] == 2 and keys["escape"] == 4 and keys["ctrl+right"] == 2


def test_user_keys_replace_defaults_and_take_the_key_from_other_commands():
    keys, warnings = resolve_keys({"edit.duplicate_line": ("ctrl+s",), "edit.delete_line": (), "no.such": ("f9",)})
    assert keys["edit.duplicate_line"] == ("ctrl+s",)
    assert keys["file.save"] == ()  # its key went to duplicate_line
    assert keys["edit.delete_line"] == ()
    assert keys["edit.undo"] == ("ctrl+z",)
    assert len(warnings) == 1 and "no.such" in warnings[0]


def test_key_labels():
    assert key_label("ctrl+shift+k") == "Ctrl+Shift+K"
    assert key_label("alt+up") == "Alt+↑"
    assert key_label("ctrl+slash") == "Ctrl+/"
    assert key_label("f3") == "F3"


def test_the_readme_key_table_matches_the_command_table():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    rows = re.findall(r"^\| ([^|]+) \| [^|]+ \| `([a-z_.]+)` \|$", readme, re.MULTILINE)
    assert len(rows) > 20
    for keys, name in rows:
        listed = [] if keys.strip() == "—" else [k.strip() for k in keys.split(",")]
        defaults = [key_label(k) for k in BY_NAME[name].keys]
        assert set(listed) <= set(defaults), name
        assert bool(listed) == bool(defaults), name
