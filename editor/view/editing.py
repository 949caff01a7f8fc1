"""Text commands over a Buffer: typing, deleting, indenting, line operations, comments.

Each command builds one ChangeSet and hands it to :meth:`Buffer.edit`, so every command
is one undo step (typing and deleting merge into bursts) and every listener sees it.
Commands look only at the lines the selection touches, never at the rest of the file.
"""

from __future__ import annotations

from nxedit.model.text.changeset import ChangeSet
from nxedit.model.text.document import Document
from nxedit.model.text.plain import cell_to_column, display_width, eol_of

from . import motion
from nxedit.editor.buffer import Buffer, Selection

# a line ending in one of these opens a block: Enter indents one more level
CLOSERS = {"{": "}", "(": ")", "[": "]"}
COLON_BLOCK_LANGUAGES = {"python", "yaml"}

# (line, column) pairs of a selection's anchor and head, resolved after an edit
LineCols = tuple[tuple[int, int], tuple[int, int]]


# -- reading the selection --------------------------------------------------------------


def text_between(doc: Document, start: int, end: int) -> str:
    """The text from offset ``start`` to ``end``, line endings included."""
    (l0, c0), (l1, c1) = doc.position(start), doc.position(end)
    if l0 == l1:
        return doc.line(l0)[c0:c1]
    return doc.line(l0)[c0:] + "".join(doc.lines[l0 + 1 : l1]) + doc.line(l1)[:c1]


def selected_text(buf: Buffer) -> str:
    return text_between(buf.document, buf.selection.start, buf.selection.end)


def selected_lines(buf: Buffer) -> tuple[int, int]:
    """First and last line (inclusive) the selection touches; a selection ending at
    column 0 does not take that line."""
    doc = buf.document
    sel = buf.selection
    first, _ = doc.position(sel.start)
    last, last_col = doc.position(sel.end)
    if last > first and last_col == 0:
        last -= 1
    return first, last


def _lines_span(doc: Document, first: int, last: int) -> tuple[int, int]:
    """Offsets from the start of ``first`` to the end of ``last``, its ending included."""
    end = doc.offset(last + 1, 0) if last + 1 < doc.line_count else len(doc)
    return doc.offset(first, 0), end


def _line_cols(buf: Buffer, line_delta: int = 0, col_edits: dict[int, tuple[int, int]] | None = None) -> LineCols:
    """The selection as (line, col) pairs after an edit that moved lines by ``line_delta``
    or inserted (n > 0) / removed (n < 0) ``n`` characters at column ``at`` of some lines
    (``col_edits[line] = (at, n)``). A position at column 0 stays there, so a selection of
    whole lines keeps covering them."""
    doc = buf.document
    out = []
    for off in (buf.selection.anchor, buf.selection.head):
        line, col = doc.position(off)
        at, n = (col_edits or {}).get(line, (0, 0))
        if n > 0 and (col > at or (col == at and at > 0)):
            col += n
        elif n < 0 and col > at:
            col = max(at, col + n)
        out.append((line + line_delta, col))
    return out[0], out[1]


def _at(positions: LineCols):
    """A selection-after function for :meth:`Buffer.edit` from (line, col) pairs."""
    (la, ca), (lh, ch) = positions
    return lambda doc: Selection(doc.offset(la, ca), doc.offset(lh, ch))


def _command(buf: Buffer, changes: ChangeSet, selection=None) -> None:
    """A non-typing edit: one undo step of its own."""
    buf.history.seal()
    buf.edit(changes, selection, origin="command")
    buf.history.seal()


# -- typing and deleting ----------------------------------------------------------------


def replace_selection(buf: Buffer, text: str, origin: str = "typed", undo_kind: str = "insert") -> None:
    """Replace the selection (or insert at the cursor) with ``text``; the cursor ends after it."""
    sel = buf.selection
    if not sel.is_empty:
        buf.history.seal()  # replacing a selection starts its own undo step
    changes = ChangeSet.from_edits(len(buf.document), [(sel.start, sel.end, text)])
    buf.edit(changes, Selection.cursor(sel.start + len(text)), origin=origin, undo_kind=undo_kind)


def type_text(buf: Buffer, text: str) -> None:
    """Text typed by the user at the cursor (replacing the selection)."""
    replace_selection(buf, text)


def paste(buf: Buffer, text: str) -> None:
    """Pasted text, its line endings turned into the document's own; one undo step."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    eol = buf.document.eol
    if eol != "\n":
        text = text.replace("\n", eol)
    buf.history.seal()
    replace_selection(buf, text, origin="paste", undo_kind="paste")
    buf.history.seal()


def newline(buf: Buffer) -> None:
    """Enter: a new line keeping the indentation, one level more after a block opener
    (``{ ( [``, and ``:`` in Python and YAML); between brackets the closer gets its own line."""
    doc = buf.document
    sel = buf.selection
    line, col = doc.position(sel.start)
    text = doc.line_text(line)
    indent = motion.indentation(text)[:col]
    end_line, end_col = doc.position(sel.end)
    after = doc.line_text(end_line)[end_col:]
    eol = eol_of(doc.line(line)) or doc.eol
    new = eol + indent
    before = text[:col].rstrip()
    last = before[-1:]
    if last in CLOSERS or (last == ":" and buf.language_id in COLON_BLOCK_LANGUAGES):
        new += buf.indent_unit
        cursor = sel.start + len(new)
        if last in CLOSERS and after.lstrip().startswith(CLOSERS[last]):
            new += eol + indent
    else:
        cursor = sel.start + len(new)
    if not sel.is_empty:
        buf.history.seal()
    changes = ChangeSet.from_edits(len(doc), [(sel.start, sel.end, new)])
    buf.edit(changes, Selection.cursor(cursor), origin="typed", undo_kind="insert")


def _delete(buf: Buffer, start: int, end: int, origin: str = "typed") -> None:
    if start == end:
        return
    changes = ChangeSet.delete_range(len(buf.document), start, end)
    buf.edit(changes, Selection.cursor(start), origin=origin, undo_kind="delete")


def backspace(buf: Buffer) -> None:
    """Delete the selection or the character before the cursor; in leading spaces,
    back to the previous indentation stop."""
    doc = buf.document
    sel = buf.selection
    if not sel.is_empty:
        return _delete(buf, sel.start, sel.end)
    line, col = doc.position(sel.head)
    before = doc.line_text(line)[:col]
    if col and not before.strip(" ") and buf.indent_unit != "\t":
        width = len(buf.indent_unit)
        return _delete(buf, sel.head - ((col - 1) % width + 1), sel.head)
    _delete_to(buf, motion.char_left)


def _delete_to(buf: Buffer, motion_fn) -> None:
    """Delete the selection, or from the cursor to where ``motion_fn`` would move it."""
    sel = buf.selection
    if not sel.is_empty:
        return _delete(buf, sel.start, sel.end)
    other = motion_fn(buf.document, sel.head)
    _delete(buf, min(other, sel.head), max(other, sel.head))


def delete_forward(buf: Buffer) -> None:
    _delete_to(buf, motion.char_right)


def delete_word_left(buf: Buffer) -> None:
    _delete_to(buf, motion.word_left)


def delete_word_right(buf: Buffer) -> None:
    _delete_to(buf, motion.word_right)


# -- clipboard --------------------------------------------------------------------------


def copy(buf: Buffer) -> str:
    """The selection, or the whole current line (with an ending) when nothing is selected."""
    if buf.selection.is_empty:
        text = buf.document.line(buf.cursor[0])
        return text if eol_of(text) else text + buf.document.eol
    return selected_text(buf)


def cut(buf: Buffer) -> str:
    """Remove and return the selection, or the whole current line when nothing is selected."""
    text = copy(buf)
    if buf.selection.is_empty:
        delete_lines(buf)
    else:
        buf.history.seal()
        _delete(buf, buf.selection.start, buf.selection.end, origin="command")
        buf.history.seal()
    return text


# -- indentation ------------------------------------------------------------------------


def indent(buf: Buffer) -> bool:
    """Tab: indent the selected lines one level; without a selection, insert indentation
    up to the next stop, but only in a line's leading whitespace. Inside a line's text Tab
    does nothing (False): Tab also accepts next-edit suggestions, and a Tab pressed for one
    that was not there must never put whitespace into the middle of code."""
    if not buf.selection.is_empty:
        first, last = selected_lines(buf)
        _reindent(buf, first, last, +1)
        return True
    doc = buf.document
    line, col = doc.position(buf.selection.head)
    before = doc.line_text(line)[:col]
    if before.strip():
        return False
    unit = buf.indent_unit
    if unit != "\t":
        cell = display_width(before, doc.tab_width)
        unit = " " * (len(unit) - cell % len(unit))
    replace_selection(buf, unit)
    return True


def outdent(buf: Buffer) -> None:
    """Shift+Tab: remove one level of indentation from the selected lines."""
    first, last = selected_lines(buf)
    _reindent(buf, first, last, -1)


def _reindent(buf: Buffer, first: int, last: int, direction: int) -> None:
    doc = buf.document
    unit = buf.indent_unit
    width = doc.tab_width if unit == "\t" else len(unit)
    edits = []
    deltas: dict[int, tuple[int, int]] = {}
    for line in range(first, last + 1):
        text = doc.line_text(line)
        start = doc.offset(line, 0)
        if direction > 0:
            if text.strip():
                edits.append((start, start, unit))
                deltas[line] = (0, len(unit))
        else:
            n = 1 if text.startswith("\t") else min(len(text) - len(text.lstrip(" ")), width)
            if n:
                edits.append((start, start + n, ""))
                deltas[line] = (0, -n)
    if edits:
        _command(buf, ChangeSet.from_edits(len(doc), edits), _at(_line_cols(buf, 0, deltas)))


# -- line operations --------------------------------------------------------------------


def duplicate_lines(buf: Buffer) -> None:
    """Copy the selected lines below themselves; the selection moves to the copy."""
    doc = buf.document
    first, last = selected_lines(buf)
    _, end = _lines_span(doc, first, last)
    block = "".join(doc.lines[first : last + 1])
    if not eol_of(block):  # the file's last line has no ending: the original gets one
        block = doc.eol + block
    positions = _line_cols(buf, last - first + 1)
    _command(buf, ChangeSet.insert_at(len(doc), end, block), _at(positions))


def delete_lines(buf: Buffer) -> None:
    """Delete the selected lines; the cursor keeps its column on the line that follows."""
    doc = buf.document
    first, last = selected_lines(buf)
    start, end = _lines_span(doc, first, last)
    target = first
    if last + 1 >= doc.line_count and first > 0:
        start = doc.offset(first - 1, doc.line_length(first - 1))  # take the ending before
        target = first - 1
    line, col = buf.cursor
    goal = buf.selection.goal
    if goal is None:
        goal = display_width(doc.line_text(line)[:col], doc.tab_width)

    def cursor(doc: Document) -> Selection:
        return Selection.cursor(doc.offset(target, cell_to_column(doc.line_text(target), goal, doc.tab_width)), goal)

    _command(buf, ChangeSet.delete_range(len(doc), start, end), cursor)


def move_lines(buf: Buffer, direction: int) -> None:
    """Move the selected lines one line up (-1) or down (+1); line endings stay in place."""
    doc = buf.document
    first, last = selected_lines(buf)
    if (direction < 0 and first == 0) or (direction > 0 and last + 1 >= doc.line_count):
        return
    lo, hi = (first - 1, last) if direction < 0 else (first, last + 1)
    lines = doc.lines[lo : hi + 1]
    endings = [eol_of(line) for line in lines]
    contents = [line[: len(line) - len(e)] for line, e in zip(lines, endings)]
    moved = contents[1:] + contents[:1] if direction < 0 else contents[-1:] + contents[:-1]
    start, end = _lines_span(doc, lo, hi)
    new = "".join(c + e for c, e in zip(moved, endings))
    _command(buf, ChangeSet.from_edits(len(doc), [(start, end, new)]), _at(_line_cols(buf, direction)))


# -- comments ---------------------------------------------------------------------------


def toggle_comment(buf: Buffer) -> None:
    """Comment or uncomment the selected lines with the language's line comment token,
    or with its block comment when it has no line comment."""
    if buf.line_comment:
        _toggle_line_comment(buf, buf.line_comment)
    elif buf.block_comment:
        _toggle_block_comment(buf, *buf.block_comment)


def _toggle_line_comment(buf: Buffer, token: str) -> None:
    doc = buf.document
    first, last = selected_lines(buf)
    code = {line: doc.line_text(line) for line in range(first, last + 1)}
    code = {line: t for line, t in code.items() if t.strip()}
    if not code:
        return
    edits = []
    deltas: dict[int, tuple[int, int]] = {}
    if all(t.lstrip(" \t").startswith(token) for t in code.values()):
        for line, t in code.items():
            at = len(motion.indentation(t))
            n = len(token) + (t[at + len(token) : at + len(token) + 1] == " ")
            start = doc.offset(line, at)
            edits.append((start, start + n, ""))
            deltas[line] = (at, -n)
    else:
        column = min(len(motion.indentation(t)) for t in code.values())
        for line in code:
            start = doc.offset(line, column)
            edits.append((start, start, token + " "))
            deltas[line] = (column, len(token) + 1)
    _command(buf, ChangeSet.from_edits(len(doc), edits), _at(_line_cols(buf, 0, deltas)))


def _toggle_block_comment(buf: Buffer, open_: str, close: str) -> None:
    doc = buf.document
    sel = buf.selection
    if sel.is_empty:  # the current line, without its indentation
        line, _ = buf.cursor
        text = doc.line_text(line)
        start, end = doc.offset(line, len(motion.indentation(text))), doc.offset(line, len(text))
    else:
        start, end = sel.start, sel.end
    inner = text_between(doc, start, end)
    body = inner.strip()
    if body.startswith(open_) and body.endswith(close) and len(body) >= len(open_) + len(close):
        lead = inner[: len(inner) - len(inner.lstrip())]
        trail = inner[len(inner.rstrip()) :]
        body = body[len(open_) : len(body) - len(close)]
        body = body[1:] if body.startswith(" ") else body
        body = body[:-1] if body.endswith(" ") else body
        new = lead + body + trail
    else:
        new = f"{open_} {inner} {close}"
    selection = None if sel.is_empty else Selection(start, start + len(new))
    _command(buf, ChangeSet.from_edits(len(doc), [(start, end, new)]), selection)
