"""Outside text made safe to show on a terminal: the one function every path to the screen uses.

File names, a model server's answers, exception text and history rows come from outside.
An ESC, a C1 control (U+0080-U+009F; U+009B is CSI to many terminals) or a BEL in them
would reach the terminal as a command: set its title, write the clipboard through OSC 52,
move the cursor. :func:`sanitise` shows each such character as a visible escape instead
(``\\x1b``, ``\\x9b``), as ``ls -b`` and Python's ``repr`` do, so nothing is hidden either.
Bidirectional overrides (U+202A-U+202E, U+2066-U+2069) are escaped too: they reorder what
the rest of a line seems to say. Lone surrogates (undecodable file names) cannot be written
to a UTF-8 terminal at all; they are escaped the same way.

Users: the editor's status line, notifications, dialogs, palette and title, and the
messages of ``nxedit predict``, ``history`` and ``doctor`` (:func:`print_safely`).
"""

from __future__ import annotations

import json
import re
import sys
from typing import TextIO

# C0 controls (tab and newline are handled apart), DEL, C1 controls, bidi overrides, surrogates
_UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_ONE_LINE = re.compile(f"[\t\n{_UNSAFE}]")
_LINES = re.compile(f"[{_UNSAFE}]")


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    if ch in "\t\n":
        return " "  # one line: a newline ends a sentence, not a row of the screen
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def sanitise(text: object, *, newlines: bool = False) -> str:
    """``text`` (``str()`` of anything) with every character a terminal would act on shown
    as a visible escape; tabs and newlines become spaces unless ``newlines`` keeps them."""
    text = text if isinstance(text, str) else str(text)
    if text.isascii() and text.isprintable():  # the usual case: nothing to look at
        return text
    return (_LINES if newlines else _ONE_LINE).sub(_escape, text)


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff]")  # only ever inside JSON strings


def json_line(obj: object) -> str:
    """``obj`` as one line of JSON that any strict UTF-8 stream takes and no terminal acts
    on: C0 controls are JSON escapes already; DEL, C1 controls, the two Unicode line
    separators and lone surrogates (an undecodable file name) become ``\\u`` escapes too."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(obj, ensure_ascii=False))


def print_safely(message: object = "", file: TextIO | None = None) -> None:
    """``print`` (to standard output by default) for text that holds outside text:
    sanitised, its lines kept."""
    print(sanitise(message, newlines=True), file=file if file is not None else sys.stdout, flush=True)
