"""A small box at the cursor for what the server says about the code there: hover (Alt+H)
and signature help (after ``(`` or ``,`` in a call: the signature, the current parameter
in bold).

It never takes keys: typing goes on under it. Hover closes when the cursor moves; the
signature closes when the cursor leaves the call's parentheses (a ``)`` typed) or on Esc. Asking never holds up
typing (the request goes to the server thread; a late answer for a moved cursor is dropped).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Collection

from lsprotocol import types as lsp
from rich.text import Text
from textual.widgets import Static

from nxedit.model.text.plain import display_width
from nxedit.model.text.sanitise import sanitise

from nxedit.editor.buffer import BufferEdit

if TYPE_CHECKING:
    from nxedit.editor.view.widget import EditorView
    from .features import LanguageFeatures

MAX_LINES = 12
WIDTH = 80  # the box's widest, padding included
TEXT_WIDTH = WIDTH - 2
TRIGGERS = ("(", ",")  # when the server names none


# a box over the editor at a cell of the screen (styles.offset), kept inside it
FLOATING = "position: absolute; overlay: screen; constrain: inside inside; width: auto; height: auto; "


class InfoBox(Static, can_focus=False):
    DEFAULT_CSS = "InfoBox {" + FLOATING + f"max-width: {WIDTH}; max-height: {MAX_LINES}; padding: 0 1; background: $surface; }}"


def place(view: "EditorView", offset: int, height: int, below: bool,
          avoid: Collection[int] = ()) -> tuple[int, int]:
    """Where a box ``height`` rows high goes on screen for the text at ``offset``: under its
    row (``below``) or above it, on the other side when that one has no room, or when the
    box would cover a line of ``avoid`` (the ghost diff's) and the other side would not."""
    buffer = view.buffer
    line, col = buffer.document.position(offset)
    rows = view.visible_rows()
    y = next((i for i, r in enumerate(rows) if r.line == line and r.virtual is None), 0)
    geom = view.geometry()
    x = geom.gutter + display_width(buffer.document.line_text(line)[:col], buffer.document.tab_width) - geom.skip
    if below and y + 1 + height > geom.height or not below and y < height:
        below = not below
    if avoid:
        def covers(first: int, last: int) -> bool:
            return any(r.line in avoid for r in rows[max(0, first):last])

        under, over = covers(y + 1, y + 1 + height), covers(y - height, y)
        if below and under and not over and y >= height or not below and over and not under and y + 1 + height <= geom.height:
            below = not below
    region = view.content_region
    return region.x + max(0, x), region.y + (y + 1 if below else max(0, y - height))


class Popup:
    """The box and what it shows (one at a time)."""

    def __init__(self, features: "LanguageFeatures") -> None:
        self.features = features
        self.box: InfoBox | None = None
        self.kind = ""  # "hover" or "signature"
        self.at = (-1, -1)  # the cursor it was shown for

    @property
    def visible(self) -> bool:
        return self.box is not None

    def show(self, content: str | Text, kind: str) -> None:
        app = self.features.app
        text = content if isinstance(content, Text) else Text(sanitise(content, newlines=True))
        lines = text.split("\n")
        if len(lines) > MAX_LINES:
            text = Text("\n").join(lines[:MAX_LINES] + [Text("…")])
        # rows on screen: long lines wrap inside the box (it must not cover the cursor's row)
        height = min(MAX_LINES, sum(max(1, -(-line.cell_len // TEXT_WIDTH)) for line in text.split("\n")))
        self.close()
        self.box = InfoBox(text, id="lsp-popup")
        app.screen.mount(self.box)
        self.kind, self.at = kind, app.buffer.cursor
        x, y = place(app.view, app.buffer.selection.head, height, below=False)
        self.box.styles.offset = (x, y)

    def close(self) -> None:
        if self.box is not None:
            self.box.remove()
            self.box = None
        self.kind = ""

    def cursor_moved(self) -> None:
        if self.box is None:
            return
        buffer = self.features.app.buffer
        cursor = buffer.cursor
        if self.kind == "hover" and cursor != self.at:
            self.close()
        elif self.kind == "signature" and _open_paren(buffer.document.line_text(cursor[0]), cursor[1]) is None:
            self.close()  # out of the call's parentheses (a `)` typed, or typed over)

    # -- signature help -------------------------------------------------------------------

    def edited(self, event: BufferEdit) -> None:
        """After typing: ``(`` or ``,`` (the server's trigger characters) asks for the signature."""
        if event.origin != "typed" or event.buffer is not self.features.app.buffer or len(event.changes) != 1:
            return
        typed = event.changes[0].inserted
        if typed == "()":
            typed = "("  # the editor closed the bracket too
        doc = self.features.doc_of(event.buffer)
        session = self.features.session_of(doc) if doc else None
        provider = session.capabilities.signature_help_provider if session and session.capabilities else None
        if provider is None or typed not in (*(provider.trigger_characters or TRIGGERS),
                                              *(provider.retrigger_characters or ())):
            return
        self.signature_help()

    def signature_help(self) -> None:
        buffer = self.features.app.buffer

        def done(result: Any, doc, session) -> None:
            line, col = buffer.cursor
            if self.features.app.buffer is not buffer or _open_paren(buffer.document.line_text(line), col) is None:
                return  # a late answer: the cursor has left the call
            text = signature_text(result)
            if text is None:
                if self.kind == "signature":
                    self.close()
                return
            self.show(text, "signature")

        self.features.ask(lsp.TEXT_DOCUMENT_SIGNATURE_HELP,
                          lambda doc, session, pos: lsp.SignatureHelpParams(
                              text_document=lsp.TextDocumentIdentifier(doc.uri), position=pos),
                          done, "signature_help_provider", "signature help", quiet=True)


def _open_paren(line: str, col: int) -> int | None:
    """The column of the ``(`` left of ``col`` that is still open there, or None."""
    depth = 0
    for i in range(min(col, len(line)) - 1, -1, -1):
        ch = line[i]
        if ch == ")":
            depth += 1
        elif ch == "(":
            if depth == 0:
                return i
            depth -= 1
    return None


def signature_text(result: lsp.SignatureHelp | None) -> Text | None:
    """The active signature with its active parameter in bold (None: nothing to show)."""
    if result is None or not result.signatures:
        return None
    index = result.active_signature or 0
    signature = result.signatures[min(index, len(result.signatures) - 1)]
    label = sanitise(signature.label)
    text = Text(label)
    active = signature.active_parameter if signature.active_parameter is not None else result.active_parameter
    params = signature.parameters or []
    if active is not None and 0 <= active < len(params):
        where = params[active].label
        if isinstance(where, str):
            start = label.find(where)
            span = (start, start + len(where)) if start >= 0 else None
        else:
            span = (where[0], where[1])  # offsets into the label (UTF-16 in theory; names are ASCII)
        if span is not None:
            text.stylize("bold underline", *span)
    return text
