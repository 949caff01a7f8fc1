"""A server's workspace edit (a rename, a code action) applied across buffers and files.

Files that are not open are opened as buffers (not shown, not saved): every change stays
in an undoable buffer, and the user saves when they like. The edits of all files form one
undo step: Ctrl+Z in any of them takes the whole edit back (and Ctrl+Y puts it back) while
it is the last step in each of those buffers.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from nxedit.model.lsp.edits import changeset_for, file_edits
from nxedit.model.lsp.positions import Encoding
from nxedit.model.text.changeset import ChangeSet
from nxedit.model.text.document import Document
from nxedit.model.text.undo import Revision

from nxedit.editor.buffer import Buffer

if TYPE_CHECKING:
    from nxedit.editor.files.fileio import LoadedFile
    from .features import LanguageFeatures

PREVIEW_LINES = 14  # lines of the rename preview before "… and N more"


@dataclass
class FileChange:
    path: Path
    buffer: Buffer | None  # None: the file is not open (``loaded`` holds it)
    loaded: "LoadedFile | None"
    changes: ChangeSet
    old_text: str


def plan_edit(features: "LanguageFeatures", edit: lsp.WorkspaceEdit, encoding: Encoding) -> list[FileChange] | str:
    """The change of every file the edit touches, or one line saying why it cannot be done."""
    from nxedit.editor.files.fileio import FileError, load_file

    per_file, problems = file_edits(edit)
    if problems:
        return f"the server's edit needs {problems[0]}"
    plan = []
    for path, edits in per_file.items():
        buffer = features.buffer_at(path)
        loaded = None
        if buffer is not None:
            document = buffer.document
            doc = features.doc_of(buffer)
            session = features.session_of(doc) if doc else None
            file_encoding = session.encoding if session else encoding
        else:
            try:
                loaded = load_file(path)
            except FileError as exc:
                return str(exc)
            document = Document(loaded.text)
            file_encoding = encoding
        try:
            changes = changeset_for(document, edits, file_encoding)
        except ValueError:
            return f"the server's edits of {path.name} overlap"
        if not changes.is_identity:
            plan.append(FileChange(path, buffer, loaded, changes, document.text))
    return plan


def preview(plan: list[FileChange], root: Path | None = None) -> str:
    """The changed lines of every file, ``path:line  old → new``, for the confirm dialog."""
    rows = []
    for change in plan:
        name = _short(change.path, root)
        old = change.old_text.splitlines()
        new = change.changes.apply(change.old_text).splitlines()
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            for k in range(max(i2 - i1, j2 - j1)):
                before = old[i1 + k].strip() if i1 + k < i2 else ""
                after = new[j1 + k].strip() if j1 + k < j2 else ""
                rows.append(f"{name}:{i1 + k + 1}  {before} → {after}")
    if len(rows) > PREVIEW_LINES:
        rows = rows[:PREVIEW_LINES] + [f"… and {len(rows) - PREVIEW_LINES} more"]
    return "\n".join(rows)


def _short(path: Path, root: Path | None) -> str:
    try:
        return str(path.relative_to(root)) if root else path.name
    except ValueError:
        return path.name


def apply_plan(features: "LanguageFeatures", plan: list[FileChange]) -> list[Buffer]:
    """Apply every file's change (one undo step across them all); returns the buffers."""
    app = features.app
    group: list[tuple[Buffer, Revision]] = []
    for change in plan:
        buffer = change.buffer
        if buffer is None:
            buffer = features.buffer_at(change.path)  # opened since the plan was made
        if buffer is None and change.loaded is not None:
            buffer = app.buffer_for(change.loaded)
            app._add_buffer(buffer)
        if buffer is None or len(buffer.document) != change.changes.len_before:
            continue
        buffer.history.seal()
        if buffer.edit(change.changes, origin="command") is not None and buffer.history.last is not None:
            group.append((buffer, buffer.history.last))
        buffer.history.seal()
    if len(group) > 1:
        features.undo_groups.append(group)
    app.view.scroll_to_cursor()
    app.status.refresh()
    return [b for b, _ in group]


def apply_workspace_edit(features: "LanguageFeatures", edit: lsp.WorkspaceEdit, what: str,
                         encoding: Encoding | None = None) -> bool:
    """Plan and apply at once (code actions, and edits a server asks for)."""
    plan = plan_edit(features, edit, encoding or Encoding("utf-16"))
    if isinstance(plan, str):
        features.app.say(f"{what}: {plan}", error=True)
        return False
    apply_plan(features, plan)
    return True


def group_on_top(features: "LanguageFeatures", buffer: Buffer, redo: bool) -> list[tuple[Buffer, Revision]] | None:
    """The multi-file edit that undo (or redo) in ``buffer`` would take back as a whole."""
    for group in reversed(features.undo_groups):
        if any(b is buffer for b, _ in group):
            if all((b.history.next if redo else b.history.last) is rev for b, rev in group):
                return group
            return None
    return None


def undo_group(features: "LanguageFeatures", redo: bool = False) -> bool:
    """Undo (or redo) the multi-file edit on top of the current buffer in all its buffers."""
    group = group_on_top(features, features.app.buffer, redo)
    if group is None:
        return False
    for buffer, _ in group:
        buffer.redo() if redo else buffer.undo()
    features.app.view.scroll_to_cursor()
    features.app.status.refresh()
    features.app.say(f"{'Redid' if redo else 'Undid'} the edit of {len(group)} files")
    return True
