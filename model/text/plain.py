"""Plain-text helpers shared by the document, the predictors and the training scripts.

Conventions (the same as the benchmark data in ``shared/bench``):

* A *line* is a chunk of text ending in ``"\\n"``; it keeps its ending (``"\\n"`` or
  ``"\\r\\n"``) and the last line of a text may lack one. Only ``"\\n"`` splits lines
  (``str.splitlines`` would also split on ``\\x0b``, ``\\u2028``, ... and disagree with git).
* Line numbers and columns are 0-based; columns count characters (code points).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# what str.splitlines breaks at besides "\n", "\r\n" and a lone "\r" (looked for one by one
# with `in`: for a large text that is 50 times faster than a regular expression's search)
_OTHER_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def split_lines(text: str) -> list[str]:
    """Split on ``"\\n"`` only, keeping endings; ``""`` gives ``[]``.

    This is the *file* view used by the wire format: no phantom empty line after a
    final newline.
    """
    if not text:
        return []
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def split_editor_lines(text: str) -> list[str]:
    """Split like :func:`split_lines` but always end with the line the cursor can sit on.

    ``"a\\n"`` gives ``["a\\n", ""]`` and ``""`` gives ``[""]``: an editor shows one more
    line than a text has newlines. Joining the result gives ``text`` back.
    """
    if not any(ch in text for ch in _OTHER_BREAKS) and text.count("\r") == text.count("\r\n"):
        # then splitlines, in C, splits just as we do
        lines = text.splitlines(keepends=True)
        if not lines or lines[-1].endswith("\n"):
            lines.append("")
        return lines
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    lines.append(parts[-1])
    return lines


def eol_of(line: str) -> str:
    """The ending a line carries: ``"\\r\\n"``, ``"\\n"`` or ``""``."""
    if line.endswith("\r\n"):
        return "\r\n"
    if line.endswith("\n"):
        return "\n"
    return ""


def strip_eol(line: str) -> str:
    if line.endswith("\r\n"):
        return line[:-2]
    if line.endswith("\n"):
        return line[:-1]
    return line


def dominant_eol(text: str) -> str:
    """The line ending most lines of ``text`` use (``"\\n"`` when there are none)."""
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    return "\r\n" if crlf > lf else "\n"


def is_word_char(ch: str) -> bool:
    """A letter, digit or underscore: what names are made of (word motions, completion, the
    ghost diff's word edges, the editor's mid-word wait)."""
    return ch.isalnum() or ch == "_"


def common_prefix(a: str, b: str) -> int:
    """How many characters ``a`` and ``b`` share at their start (one may be a prefix of the other)."""
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def shared_line_ends(old: list[str], new: list[str]) -> tuple[int, int]:
    """How many whole lines two line lists share at the top and, after those, at the bottom."""
    n = min(len(old), len(new))
    top = 0
    while top < n and old[top] == new[top]:
        top += 1
    bottom = 0
    while bottom < n - top and old[-1 - bottom] == new[-1 - bottom]:
        bottom += 1
    return top, bottom


def apply_line_edits(text: str, edits: list[dict]) -> str:
    """Apply ``{start_line, end_line, new_text}`` edits, all against ``text``, at once.

    Raises ``ValueError`` for malformed, out-of-range or overlapping edits.
    """
    lines = split_lines(text)
    norm = []
    for i, ed in enumerate(edits):
        try:
            s, e, t = ed["start_line"], ed["end_line"], ed["new_text"]
        except (KeyError, TypeError):
            raise ValueError(f"edit {i} lacks start_line/end_line/new_text") from None
        if not (isinstance(s, int) and isinstance(e, int) and isinstance(t, str)):
            raise ValueError(f"edit {i} has wrong field types")
        if not (0 <= s <= e <= len(lines)):
            raise ValueError(f"edit {i} range [{s},{e}) outside 0..{len(lines)}")
        norm.append((s, e, i, t))
    norm.sort()
    for (s1, e1, _, _), (s2, e2, _, _) in zip(norm, norm[1:]):
        if s2 < e1:
            raise ValueError(f"overlapping edits [{s1},{e1}) and [{s2},{e2})")
    out, pos = [], 0
    for s, e, _, t in norm:
        out.extend(lines[pos:s])
        out.append(t)
        pos = e
    out.extend(lines[pos:])
    return "".join(out)


@lru_cache(maxsize=4096)
def char_width(ch: str) -> int:
    """Terminal cells one character takes: 2 for wide (CJK), 0 for combining marks."""
    if ch < "\u0300":  # everything before combining marks is narrow (ASCII, Latin-1, ...)
        return 0 if ch < " " and ch != "\t" else 1
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str, tab_width: int = 4, start_cell: int = 0) -> int:
    """Cells ``text`` takes when drawn from cell ``start_cell`` (tabs go to the next stop)."""
    if text.isascii() and "\t" not in text:
        return len(text)
    cell = start_cell
    for ch in text:
        if ch == "\t":
            cell += tab_width - (cell % tab_width)
        else:
            cell += char_width(ch)
    return cell - start_cell


def column_to_cell(text: str, column: int, tab_width: int = 4) -> int:
    """The cell where character ``column`` of ``text`` starts."""
    return display_width(text[:column], tab_width)


def cell_to_column(text: str, cell: int, tab_width: int = 4) -> int:
    """The character column drawn at (or covering) ``cell``; past the end gives ``len(text)``."""
    if text.isascii() and "\t" not in text:
        return max(0, min(cell, len(text)))
    at = 0
    for i, ch in enumerate(text):
        w = tab_width - (at % tab_width) if ch == "\t" else char_width(ch)
        if cell < at + w:  # zero-width marks never match: the cursor stays off them
            return i
        at += w
    return len(text)
