"""Moving through code with the server: definition (and back), references, hover, and
the diagnostics (next, previous, the list)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

from nxedit.model.lsp.diagnostics import Diagnostic, next_after
from nxedit.model.lsp.edits import locations, offset_of
from nxedit.model.lsp.positions import Encoding

from nxedit.editor.buffer import Buffer, Selection
from .picker import pick

if TYPE_CHECKING:
    from .features import Doc, LanguageFeatures

JUMPS_KEPT = 100


def remember_jump(features: "LanguageFeatures") -> None:
    """Where the cursor is, for :func:`go_back`."""
    buffer = features.app.buffer
    if buffer.path is not None:
        features.jumps.append((buffer.path, buffer.selection.head))
        del features.jumps[:-JUMPS_KEPT]


def go_back(features: "LanguageFeatures") -> None:
    """Back to where the last jump (definition, reference) started."""
    app = features.app
    while features.jumps:
        path, offset = features.jumps.pop()
        buffer = app.open_path(path)
        if buffer is not None:
            app.view.select(Selection.cursor(min(offset, len(buffer.document))), center=True)
            return
    app.say("no jump to go back to")


def open_at(features: "LanguageFeatures", path: Path, rng: lsp.Range, encoding: Encoding) -> Buffer | None:
    """Open ``path`` (or switch to it) with the cursor at the start of ``rng``."""
    app = features.app
    buffer = app.open_path(path)
    if buffer is None:
        return None
    offset = offset_of(buffer.document, rng.start, encoding)
    app.view.select(Selection.cursor(offset), center=True)
    return buffer


def definition(features: "LanguageFeatures") -> None:
    def done(result: Any, doc: "Doc", session) -> None:
        found = locations(result)
        if not found:
            features.app.say("no definition found")
            return
        remember_jump(features)
        if len(found) == 1:
            open_at(features, *found[0], session.encoding)
        else:
            _pick_locations(features, found, session.encoding, "Definitions…", Path(doc.key.root))

    features.ask(lsp.TEXT_DOCUMENT_DEFINITION,
                 lambda doc, session, pos: lsp.DefinitionParams(lsp.TextDocumentIdentifier(doc.uri), pos),
                 done, "definition_provider", "go to definition")


def references(features: "LanguageFeatures") -> None:
    def done(result: Any, doc: "Doc", session) -> None:
        found = locations(result)
        if not found:
            features.app.say("no references found")
            return
        _pick_locations(features, found, session.encoding, f"{len(found)} references…", Path(doc.key.root))

    features.ask(lsp.TEXT_DOCUMENT_REFERENCES,
                 lambda doc, session, pos: lsp.ReferenceParams(
                     context=lsp.ReferenceContext(include_declaration=True),
                     text_document=lsp.TextDocumentIdentifier(doc.uri), position=pos),
                 done, "references_provider", "find references")


def _line_of(features: "LanguageFeatures", path: Path, line: int) -> str:
    """The text of a line for a list entry (from the buffer when the file is open)."""
    buffer = features.buffer_at(path)
    if buffer is not None:
        return buffer.document.line_text(line) if line < buffer.document.line_count else ""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for i, text in enumerate(f):
                if i == line:
                    return text.rstrip("\r\n")
    except OSError:
        pass
    return ""


def _pick_locations(features: "LanguageFeatures", found: list[tuple[Path, lsp.Range]], encoding: Encoding,
                    placeholder: str, root: Path) -> None:
    """A list of places, named relative to the project's root, that opens each."""
    entries = []
    for path, rng in found:
        try:
            name = str(path.relative_to(root))
        except ValueError:
            name = str(path)
        text = _line_of(features, path, rng.start.line).strip()
        entries.append((f"{name}:{rng.start.line + 1}  {text}", "",
                        lambda p=path, r=rng: (remember_jump(features), open_at(features, p, r, encoding))))
    pick(features.app, entries, placeholder)


def hover(features: "LanguageFeatures") -> None:
    def done(result: lsp.Hover | None, doc: "Doc", session) -> None:
        text = hover_text(result)
        if not text:
            features.app.say("nothing to show here")
            return
        features.popup.show(text, "hover")  # at the cursor; it goes when the cursor moves

    features.ask(lsp.TEXT_DOCUMENT_HOVER,
                 lambda doc, session, pos: lsp.HoverParams(lsp.TextDocumentIdentifier(doc.uri), pos),
                 done, "hover_provider", "hover")


def hover_text(result: lsp.Hover | None) -> str:
    """The hover's text, without Markdown's code fences."""
    if result is None:
        return ""
    contents = result.contents
    parts = contents if isinstance(contents, (list, tuple)) else [contents]
    out = []
    for part in parts:
        value = getattr(part, "value", part)
        if isinstance(value, str):
            out.append(value)
    lines = [ln for ln in "\n".join(out).splitlines() if not ln.startswith("```")]
    return "\n".join(lines).strip()


# -- diagnostics ----------------------------------------------------------------------


def next_diagnostic(features: "LanguageFeatures", step: int) -> None:
    buffer = features.app.buffer
    found = features.diagnostics_of(buffer)
    line, col = buffer.cursor
    target = next_after(found, line, col, step)
    if target is None:
        features.app.say("no problems in this file")
        return
    _go_to_diagnostic(features, buffer, target)


def _go_to_diagnostic(features: "LanguageFeatures", buffer: Buffer, d: Diagnostic) -> None:
    app = features.app
    if app.buffer is not buffer:
        app.show_buffer(buffer)
    app.view.select(Selection.cursor(buffer.document.offset(d.line, d.col)), center=True)


def list_diagnostics(features: "LanguageFeatures") -> None:
    """Every problem in the open buffers, the current buffer's first."""
    app = features.app
    buffers = [app.buffer] + [b for b in app.buffers if b is not app.buffer]
    entries = []
    for buffer in buffers:
        for d in features.diagnostics_of(buffer):
            entries.append((f"{buffer.name}:{d.line + 1}:{d.col + 1}  {d.summary()}", "",
                            lambda b=buffer, d=d: _go_to_diagnostic(features, b, d)))
    if not entries:
        app.say("no problems in the open files")
        return
    pick(app, entries, f"{len(entries)} problems…")
