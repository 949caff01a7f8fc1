"""A server's answers in our terms: locations, and workspace edits as change sets.

Servers speak in URIs and (line, column) ranges in their position encoding; the editor in
paths, character offsets and :class:`ChangeSet` values. A rename's or a code action's
workspace edit becomes one change set per file, so each file's part is one undo step.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, NamedTuple, Sequence

from lsprotocol import types as lsp
from pygls.uris import from_fs_path, to_fs_path

from nxedit.model.text.changeset import ChangeSet
from nxedit.model.text.document import Document

from .positions import Encoding


class Location(NamedTuple):
    """A place in a file, in our columns once converted (see :func:`resolve`)."""

    path: Path
    line: int
    col: int
    end_line: int
    end_col: int


def uri_of(path: Path) -> str:
    """The ``file:`` URI of a path (a relative one is taken from the working directory, as
    the editor opened it)."""
    absolute = os.path.abspath(path)
    return from_fs_path(absolute) or Path(absolute).as_uri()


def path_of(uri: str) -> Path | None:
    """The file of a ``file:`` URI (None for other schemes)."""
    fs = to_fs_path(uri) if uri.startswith("file:") else None
    return Path(fs) if fs else None


def locations(answer: object) -> list[tuple[Path, lsp.Range]]:
    """The places of a definition or references answer (Location, LocationLink, or lists)."""
    if answer is None:
        return []
    items = answer if isinstance(answer, (list, tuple)) else [answer]
    out = []
    for item in items:
        if isinstance(item, lsp.LocationLink):
            uri, rng = item.target_uri, item.target_selection_range
        elif isinstance(item, lsp.Location):
            uri, rng = item.uri, item.range
        else:
            continue
        path = path_of(uri)
        if path is not None:
            out.append((path, rng))
    return out


def offset_of(doc: Document, position: lsp.Position, encoding: Encoding) -> int:
    """A server position -> a character offset in ``doc`` (past the end -> the end)."""
    if position.line >= doc.line_count:
        return len(doc)
    line = doc.line_text(position.line)
    return doc.offset(position.line, encoding.from_server(line, position.character))


def resolve(doc: Document, path: Path, rng: lsp.Range, encoding: Encoding) -> Location:
    """A server range in ``doc`` as a :class:`Location` in our columns."""
    start, end = offset_of(doc, rng.start, encoding), offset_of(doc, rng.end, encoding)
    return Location(path, *doc.position(start), *doc.position(end))


def file_edits(edit: lsp.WorkspaceEdit) -> tuple[dict[Path, list[lsp.TextEdit]], list[str]]:
    """The text edits of a workspace edit per file, and what could not be taken (creating,
    renaming or deleting files, non-file URIs) as one-line reasons."""
    out: dict[Path, list[lsp.TextEdit]] = {}
    problems: list[str] = []

    def add(uri: str, edits: Iterable[lsp.TextEdit | lsp.AnnotatedTextEdit]) -> None:
        path = path_of(uri)
        if path is None:
            problems.append(f"an edit of {uri} (not a file)")
            return
        out.setdefault(path, []).extend(edits)

    for change in edit.document_changes or ():
        if isinstance(change, lsp.TextDocumentEdit):
            add(change.text_document.uri, [e for e in change.edits if isinstance(e, lsp.TextEdit)])
        else:
            problems.append(f"a file operation ({type(change).__name__}) nxedit does not do")
    if not edit.document_changes:
        for uri, edits in (edit.changes or {}).items():
            add(uri, edits)
    return out, problems


def changeset_for(doc: Document, edits: Sequence[lsp.TextEdit], encoding: Encoding) -> ChangeSet:
    """The server's edits of one document as one change set (they are all against the
    same text, as the protocol says). Raises ValueError for overlapping edits."""
    pieces = []
    for e in edits:
        start, end = offset_of(doc, e.range.start, encoding), offset_of(doc, e.range.end, encoding)
        pieces.append((start, max(start, end), e.new_text))
    return ChangeSet.from_edits(len(doc), pieces)
