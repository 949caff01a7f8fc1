"""An open file being edited: its Document, undo history, selection and file facts.

Every change to the text goes through :meth:`Buffer.edit` (or undo/redo, which use the
same path): it applies one ChangeSet, records undo (typing bursts grouped), maps the
selection and tells the listeners (highlighter, view, recorder, predictor) what changed,
with an ``origin`` saying why. No Textual here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, NamedTuple, Union

from nxedit.model.text.changeset import ChangeSet
from nxedit.model.text.document import Change, Document
from nxedit.model.text.undo import UndoHistory

# why an edit happened; listeners (the recorder above all) tell user typing from the rest
ORIGINS = ("typed", "paste", "command", "undo", "redo", "suggestion", "reload", "restore")


class Selection(NamedTuple):
    """A range of character offsets: ``head`` is the cursor, ``anchor`` the other end.

    ``goal`` is the display cell the cursor wants to keep when moving up and down
    (None = its current cell).
    """

    anchor: int
    head: int
    goal: int | None = None

    @classmethod
    def cursor(cls, offset: int, goal: int | None = None) -> "Selection":
        return cls(offset, offset, goal)

    @property
    def start(self) -> int:
        return min(self.anchor, self.head)

    @property
    def end(self) -> int:
        return max(self.anchor, self.head)

    @property
    def is_empty(self) -> bool:
        return self.anchor == self.head

    def map(self, changes: ChangeSet) -> "Selection":
        """The same selection after ``changes`` (text typed at the cursor pushes it on)."""
        if self.is_empty:
            pos = changes.map_pos(self.head, "after")
            return Selection(pos, pos)
        # an edit at a range's edges stays outside it
        a_assoc, h_assoc = ("after", "before") if self.anchor < self.head else ("before", "after")
        return Selection(changes.map_pos(self.anchor, a_assoc), changes.map_pos(self.head, h_assoc))


class BufferEdit(NamedTuple):
    """What one :meth:`Buffer.edit` did, as listeners receive it.

    ``changes`` are the Document's replacements (last first, each in the coordinates just
    before it — what tree-sitter's ``Tree.edit`` wants); ``changeset`` the same as data.
    """

    buffer: "Buffer"
    changeset: ChangeSet
    changes: list[Change]
    origin: str
    version: int
    selection_before: Selection
    selection_after: Selection


Listener = Callable[[BufferEdit], None]
# where the selection goes after an edit: a value, or computed from the edited document
SelectionAfter = Union[Selection, Callable[[Document], Selection], None]


def inverse_of(changes: list[Change], len_after: int) -> ChangeSet:
    """The change set undoing ``changes`` (as :meth:`Document.apply` returned them),
    built from the deleted text they carry: no copy of the whole document is needed."""
    edits = []
    delta = 0
    for ch in reversed(changes):  # ascending offsets; earlier ones shift later ones
        start = ch.start_offset + delta
        edits.append((start, start + len(ch.inserted), ch.deleted))
        delta += len(ch.inserted) - len(ch.deleted)
    return ChangeSet.from_edits(len_after, edits)


class FileInfo:
    """What the buffer knows about its file on disk (kept when saving)."""

    __slots__ = ("path", "encoding", "bom", "exists", "stamp", "mode")

    def __init__(
        self,
        path: Path | None = None,
        encoding: str = "utf-8",
        bom: bool = False,
        exists: bool = False,
        stamp: Any = None,  # fileio's DiskStamp of the last load or save
        mode: int | None = None,
    ) -> None:
        self.path, self.encoding, self.bom, self.exists, self.stamp, self.mode = path, encoding, bom, exists, stamp, mode


class Buffer:
    """A Document with its undo history, selection, file facts and edit listeners."""

    def __init__(self, text: str = "", file: FileInfo | None = None, tab_width: int = 4) -> None:
        self.document = Document(text, tab_width)
        self.history = UndoHistory()
        self.selection = Selection(0, 0)
        self.file = file or FileInfo()
        self.language = "Plain text"  # display name; the highlighter sets it
        self.language_id: str | None = None  # registry name ("python"), for language-aware commands
        self.line_comment: str | None = None
        self.block_comment: tuple[str, str] | None = None
        self.indent_unit = detect_indent_unit(self.document)
        self.listeners: list[Listener] = []
        self._eol: str | None = None
        # another editor has the file and the user chose "open read-only": only a reload or a
        # restore changes the text; ``on_refused`` (the app's message) hears of a refused edit
        self.read_only = False
        self.limits: Any = None  # view.limits.Limits: what is off for this buffer (a huge file)
        self.on_refused: Callable[["Buffer"], None] | None = None

    # -- facts ------------------------------------------------------------------------

    @property
    def path(self) -> Path | None:
        return self.file.path

    @property
    def version(self) -> int:
        return self.document.version

    @property
    def is_modified(self) -> bool:
        return self.history.is_modified

    @property
    def name(self) -> str:
        return self.file.path.name if self.file.path else "untitled"

    @property
    def text(self) -> str:
        return self.document.text

    @property
    def eol(self) -> str:
        """The file's line ending (the one most lines use); re-counted only after an edit
        that added or removed line breaks."""
        if self._eol is None:
            self._eol = self.document.eol
        return self._eol

    @property
    def cursor(self) -> tuple[int, int]:
        """``(line, column)`` of the cursor."""
        return self.document.position(self.selection.head)

    # -- selection --------------------------------------------------------------------

    def select(self, selection: Selection, seal: bool = True) -> None:
        """Move the cursor/selection (clamped to the text); a jump closes the undo group."""
        n = len(self.document)
        anchor, head = min(max(selection.anchor, 0), n), min(max(selection.head, 0), n)
        self.selection = selection._replace(anchor=anchor, head=head)
        if seal:
            self.history.seal()

    # -- editing ----------------------------------------------------------------------

    def edit(
        self,
        changes: ChangeSet,
        selection: SelectionAfter = None,
        origin: str = "command",
        undo_kind: str = "other",
    ) -> BufferEdit | None:
        """Apply ``changes``: the one way the text changes.

        Records undo (``undo_kind`` "insert"/"delete" merge into typing bursts), moves the
        selection to ``selection`` (a value, or a function of the edited document; None
        maps the current selection through the change) and notifies the listeners.
        Returns None when nothing changed, or when the buffer is read-only.
        """
        if self.read_only and origin not in ("reload", "restore"):
            if self.on_refused is not None:
                self.on_refused(self)
            return None
        before = self.selection
        applied = self.document.apply(changes)
        if selection is None:
            after = before.map(changes)
        elif callable(selection):
            after = selection(self.document)
        else:
            after = selection
        self.selection = after
        if not applied:
            return None
        if self._eol is not None and not all(c.within_line for c in applied):
            self._eol = None
        inverse = inverse_of(applied, changes.len_after)
        if origin not in ("undo", "redo"):
            self.history.record(changes, inverse, before, after, undo_kind)
        event = BufferEdit(self, changes, applied, origin, self.document.version, before, after)
        for listener in list(self.listeners):
            listener(event)
        return event

    def undo(self) -> bool:
        if self.read_only:
            return self.edit(ChangeSet.identity(len(self.document)), origin="undo") is not None
        rev = self.history.undo()
        if rev is None:
            return False
        self.edit(rev.inverse, rev.selection_before, origin="undo")
        return True

    def redo(self) -> bool:
        if self.read_only:
            return self.edit(ChangeSet.identity(len(self.document)), origin="redo") is not None
        rev = self.history.redo()
        if rev is None:
            return False
        self.edit(rev.changes, rev.selection_after, origin="redo")
        return True

    def set_text(self, text: str, origin: str) -> BufferEdit | None:
        """Replace the whole text (reload, restore) as one undoable edit of the part that
        differs; the cursor stays where it was as far as possible."""
        changes = self.document.replace_text(text)
        head = changes.map_pos(self.selection.head)
        return self.edit(changes, Selection.cursor(head), origin=origin)

    def mark_saved(self) -> None:
        self.history.mark_saved()


def detect_indent_unit(doc: Document, sample: int = 2000) -> str:
    """The indentation a new level gets: a tab if the file indents with tabs, else
    ``tab_width`` spaces (reads only the first ``sample`` lines)."""
    tabs = spaces = 0
    for line in doc.lines[:sample]:
        if line.startswith("\t"):
            tabs += 1
        elif line.startswith("  "):
            spaces += 1
    return "\t" if tabs > spaces else " " * doc.tab_width

