"""Completion from the server: a menu under the cursor, filtered as you type.

Keys (while the menu shows): Up/Down/PgUp/PgDn choose, **Enter** or **Ctrl+Y** accept, Esc
closes. **Tab is never the menu's**: it stays next-edit's (accept the ghost diff, or
indent), so a menu and a ghost diff on screen together each keep their own keys.

The menu opens by itself after a trigger character (``.``) or after two letters of a word
and a short pause, or with Ctrl+N. Asking and filtering never hold up typing: the request
goes to the server thread, and filtering looks at the items already received.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from nxedit.model.lsp.edits import offset_of
from nxedit.model.text.changeset import ChangeSet
from nxedit.model.text.plain import is_word_char

from nxedit.editor.buffer import Buffer, BufferEdit, Selection
from .popup import FLOATING, place

if TYPE_CHECKING:
    from nxedit.model.lsp.hub import Ticket
    from .features import Doc, LanguageFeatures

AUTO_DELAY = 0.25  # seconds of pause after typing before the menu opens by itself
AUTO_MIN_CHARS = 2  # letters of a word typed before it does
MENU_ITEMS = 200  # items kept after filtering (the menu shows 10 at a time)
KIND_NAMES = {k.value: k.name.lower() for k in lsp.CompletionItemKind}


def word_start(buffer: Buffer) -> int:
    """The offset where the word before the cursor starts (the cursor when none)."""
    line, col = buffer.cursor
    text = buffer.document.line_text(line)
    start = col
    while start > 0 and is_word_char(text[start - 1]):
        start -= 1
    return buffer.document.offset(line, start)


class CompletionMenu(OptionList, can_focus=False):
    DEFAULT_CSS = ("CompletionMenu {" + FLOATING
                   + "min-width: 20; max-width: 70; max-height: 10; border: none; padding: 0; background: $surface; }")


class Completion:
    """The menu's state and the requests behind it (one per buffer shown)."""

    def __init__(self, features: "LanguageFeatures", auto: bool = True) -> None:
        self.features = features
        self.auto = auto
        self.menu: CompletionMenu | None = None
        self.items: list[lsp.CompletionItem] = []  # everything the server sent
        self.shown: list[lsp.CompletionItem] = []
        self.buffer: Buffer | None = None
        self.start = 0  # where the word being completed starts
        self.version = -1  # the buffer's version the items were asked for
        self.session = None
        self.doc: "Doc | None" = None
        self._ticket: "Ticket | None" = None
        self._timer: asyncio.TimerHandle | None = None

    @property
    def visible(self) -> bool:
        return self.menu is not None

    # -- asking -------------------------------------------------------------------------

    def request(self, trigger: str | None = None, quiet: bool = False) -> None:
        """Ask the server for completions at the cursor."""
        app = self.features.app
        buffer = app.buffer
        if self._ticket is not None:
            self._ticket.cancel()
        start = word_start(buffer)
        version = buffer.version
        context = (lsp.CompletionContext(lsp.CompletionTriggerKind.TriggerCharacter, trigger) if trigger
                   else lsp.CompletionContext(lsp.CompletionTriggerKind.Invoked))

        def done(result: Any, doc: "Doc", session) -> None:
            self._ticket = None
            if app.buffer is not buffer or buffer.selection.head < start or word_start(buffer) != start:
                return  # the cursor left the word while the server worked
            items = list(result.items if isinstance(result, lsp.CompletionList) else result or ())
            self.items, self.buffer, self.start, self.version = items, buffer, start, version
            self.doc, self.session = doc, session
            self.refilter()
            if not self.shown and not quiet:
                app.say("no completions here")

        self._ticket = self.features.ask(
            lsp.TEXT_DOCUMENT_COMPLETION,
            lambda doc, session, pos: lsp.CompletionParams(text_document=lsp.TextDocumentIdentifier(doc.uri),
                                                           position=pos, context=context),
            done, "completion_provider", "completion", quiet=quiet)

    def edited(self, event: BufferEdit) -> None:
        """After every edit of the shown buffer: filter the menu, or maybe ask (debounced)."""
        if self.visible:
            if event.buffer is self.buffer:
                self.refilter()
            return
        if not self.auto or event.origin != "typed" or event.buffer is not self.features.app.buffer:
            return
        typed = event.changes[0].inserted if len(event.changes) == 1 else ""
        if len(typed) != 1:
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if typed in self._trigger_characters(event.buffer):
            self._schedule(event.buffer, typed)
        elif is_word_char(typed):
            start = word_start(event.buffer)
            if event.buffer.selection.head - start >= AUTO_MIN_CHARS:
                self._schedule(event.buffer, None)

    def _trigger_characters(self, buffer: Buffer) -> tuple[str, ...]:
        doc = self.features.doc_of(buffer)
        session = self.features.session_of(doc) if doc else None
        provider = session.capabilities.completion_provider if session and session.capabilities else None
        return tuple(provider.trigger_characters or ()) if provider else ()

    def _schedule(self, buffer: Buffer, trigger: str | None) -> None:
        version = buffer.version

        def fire() -> None:
            self._timer = None
            if buffer is self.features.app.buffer and buffer.version == version and not self.visible:
                self.request(trigger, quiet=True)

        self._timer = asyncio.get_running_loop().call_later(AUTO_DELAY, fire)

    # -- the menu -----------------------------------------------------------------------

    def prefix(self) -> str | None:
        """The word typed so far, or None when the cursor has left it."""
        buffer = self.buffer
        if buffer is None or buffer is not self.features.app.buffer:
            return None
        head = buffer.selection.head
        if head < self.start or not buffer.selection.is_empty:
            return None
        line, col = buffer.document.position(head)
        s_line, s_col = buffer.document.position(self.start)
        if line != s_line:
            return None
        typed = buffer.document.line_text(line)[s_col:col]
        return typed if all(is_word_char(ch) for ch in typed) else None

    def refilter(self) -> None:
        typed = self.prefix()
        if typed is None:
            self.close()
            return
        low = typed.lower()
        matches = [it for it in self.items if (it.filter_text or it.label).lower().startswith(low)]
        if not matches and low:
            matches = [it for it in self.items if low in (it.filter_text or it.label).lower()]
        matches.sort(key=lambda it: (it.sort_text or it.label).lower())
        self.shown = matches[:MENU_ITEMS]
        if not self.shown or (len(self.shown) == 1 and self.shown[0].label == typed):
            self.close()
            return
        self._show()

    def _show(self) -> None:
        app = self.features.app
        options = [Option(self._label(it)) for it in self.shown]
        if self.menu is None:
            self.menu = CompletionMenu(*options, id="completion")
            app.screen.mount(self.menu)
        else:
            self.menu.set_options(options)
        self.menu.highlighted = 0
        self._place()

    @staticmethod
    def _label(item: lsp.CompletionItem) -> str:
        kind = KIND_NAMES.get(int(item.kind), "") if item.kind else ""
        detail = item.label_details.description if item.label_details and item.label_details.description else ""
        extra = "  ".join(x for x in (kind, detail) if x)
        return f"{item.label}  {extra}" if extra else item.label

    def _place(self) -> None:
        """Under the cursor (above it near the bottom of the view, or where it would hide the
        ghost diff of a next edit: both are on screen at once, each with its own keys)."""
        app = self.features.app
        ghost = app.predictions.layer.lines() if app.predictions is not None else frozenset()
        self.menu.styles.offset = place(app.view, self.start, min(10, len(self.shown)), below=True, avoid=ghost)

    def move(self, step: int) -> None:
        if self.menu is not None and self.shown:
            index = (self.menu.highlighted or 0) + step
            self.menu.highlighted = max(0, min(len(self.shown) - 1, index))

    def close(self) -> None:
        if self.menu is not None:
            self.menu.remove()
            self.menu = None
        self.shown = []

    # -- accepting ----------------------------------------------------------------------

    def accept(self) -> None:
        if self.menu is None or not self.shown:
            return
        item = self.shown[self.menu.highlighted or 0]
        buffer, doc, session, version = self.buffer, self.doc, self.session, self.buffer.version
        self.close()
        provider = session.capabilities.completion_provider if session and session.capabilities else None
        if item.additional_text_edits is None and provider is not None and provider.resolve_provider:
            def resolved(full: Any, error: str | None) -> None:
                # the item's import (additional edits) comes with the resolve; without it, the word alone
                chosen = full if isinstance(full, lsp.CompletionItem) else item
                if buffer.version == version:
                    self._insert(buffer, chosen)

            self.features.hub.request(doc.key, lsp.COMPLETION_ITEM_RESOLVE, item, resolved, timeout=2.0)
            return
        self._insert(buffer, item)

    def _insert(self, buffer: Buffer, item: lsp.CompletionItem) -> None:
        """Replace the typed word with the item (and apply its extra edits: an import)."""
        doc = buffer.document
        head = buffer.selection.head
        edit = item.text_edit
        text = edit.new_text if edit is not None else (item.insert_text or item.label)
        start = self.start
        if isinstance(edit, lsp.TextEdit) and buffer.version == self.version and self.session is not None:
            start = min(start, offset_of(doc, edit.range.start, self.session.encoding))
        pieces = [(start, head, text)]
        encoding = self.session.encoding if self.session else None
        for extra in item.additional_text_edits or ():
            a, b = offset_of(doc, extra.range.start, encoding), offset_of(doc, extra.range.end, encoding)
            if b <= start:  # above the word: positions there have not moved since the request
                pieces.append((a, b, extra.new_text))
        try:
            changes = ChangeSet.from_edits(len(doc), pieces)
        except ValueError:
            changes = ChangeSet.from_edits(len(doc), pieces[:1])
        view = self.features.app.view
        if buffer is not view.buffer:
            return
        buffer.history.seal()
        view.run_edit(lambda b: b.edit(changes, Selection.cursor(changes.map_pos(head, "after")), origin="command"))
