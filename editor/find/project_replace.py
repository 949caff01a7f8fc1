"""Replace across files: every change previewed line by line, applied as one undo step per
file, and nothing written to a file that changed on disk since the search.

The search's matches say which lines of which files change; at apply time each file is
checked (unchanged since the search: same size and modification time, and every matched
line still reads as it did) before anything is written. A file open in the editor is
edited in its buffer (one undo step) and saved, on the UI thread; a file with unsaved
changes is left alone (the search read the disk, not the buffer). The files nobody has
open -- possibly thousands -- are edited and saved on a worker thread, without buffers;
each keeps its text from before (up to :data:`UNDO_KEEP_CHARS` in all), so when the user
opens one later its buffer holds the replacement as its one undo step (:func:`reopen`),
as long as the disk still holds what was written. The replacement of each line is
computed by Python's ``re`` on that line, as the preview shows.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Callable, NamedTuple

from nxedit.model.text.changeset import ChangeSet
from nxedit.model.text.document import Document

from nxedit.editor.buffer import Buffer

from .project_search import LineMatch

if TYPE_CHECKING:
    from nxedit.editor.files.fileio import DiskStamp, LoadedFile

Edit = tuple[int, int, int, str]  # line, start column, end column, new text
UNDO_KEEP_CHARS = 64 << 20  # the texts kept so that files written unopened can be undone


def line_edits(text: str, pattern: re.Pattern[str], replacer: Callable[[re.Match[str]], str]) -> list[tuple[int, int, str]]:
    """The replacements on one line: ``(start, end, new)`` per non-empty match."""
    return [(m.start(), m.end(), replacer(m)) for m in pattern.finditer(text) if m.end() > m.start()]


def replaced_line(text: str, pattern: re.Pattern[str], replacer: Callable[[re.Match[str]], str]) -> str:
    """The line as it reads after the replacement (the preview)."""
    out, last = [], 0
    for start, end, new in line_edits(text, pattern, replacer):
        out += [text[last:start], new]
        last = end
    out.append(text[last:])
    return "".join(out)


def plan_edits(
    line_text: Callable[[int], str | None], matches: list[LineMatch], pattern: re.Pattern[str], replacer
) -> list[Edit] | None:
    """The edits for one file, or None when a matched line no longer reads as the search saw it."""
    edits: list[Edit] = []
    for match in sorted(matches, key=lambda m: m.line):
        text = line_text(match.line)
        if text is None or text[: len(match.text)] != match.text:
            return None
        edits += [(match.line, a, b, new) for a, b, new in line_edits(text, pattern, replacer)]
    return edits


def edits_changeset(doc: Document, edits: list[Edit]) -> ChangeSet:
    return ChangeSet.from_edits(len(doc), [(doc.offset(line, a), doc.offset(line, b), new) for line, a, b, new in edits])


def apply_edits(buffer: Buffer, edits: list[Edit]) -> None:
    """All of a file's replacements as one undo step."""
    buffer.history.seal()
    buffer.edit(edits_changeset(buffer.document, edits), origin="command")
    buffer.history.seal()


class Written(NamedTuple):
    """A file the replace edited and saved without a buffer."""

    before: "LoadedFile"  # as it was read, before the replacement
    edits: list[Edit]
    stamp: "DiskStamp"  # what was written


def reopen(written: Written, loaded: "LoadedFile", make_buffer: Callable[["LoadedFile"], Buffer]) -> Buffer | None:
    """The buffer for opening a file the replace wrote: the text from before with the
    replacement applied as one undo step (Ctrl+Z takes it back). None when the file on disk
    is no longer what was written (``loaded`` is what it holds now)."""
    if loaded.stamp != written.stamp:
        return None
    buffer = make_buffer(written.before)
    apply_edits(buffer, written.edits)
    if buffer.text != loaded.text:  # cannot happen while the stamps agree; never show a wrong text
        return None
    buffer.file.stamp = loaded.stamp
    buffer.mark_saved()
    return buffer


class Skipped(NamedTuple):
    path: str
    reason: str


class ProjectReplace:
    """Replacing the matches of one finished search: :meth:`write_unopened` on a worker
    thread, then :meth:`apply` (the open buffers) on the UI thread."""

    def __init__(self, root: str, matches: list[LineMatch], stamps: dict[str, tuple[int, int]],
                 pattern: re.Pattern[str], replacer) -> None:
        self.root = root
        self.by_file: dict[str, list[LineMatch]] = {}
        for m in matches:
            self.by_file.setdefault(m.path, []).append(m)
        self.stamps = stamps
        self.pattern = pattern
        self.replacer = replacer
        self.real: dict[str, str] = {}  # rel -> real path (symlinks resolved), made by write_unopened()
        self.opened: set[str] = set()  # rels that an open buffer holds: apply() edits those
        self.written: dict[str, Written] = {}  # real path -> what write_unopened() wrote, for undo
        self.without_undo = 0  # files written whose text was past UNDO_KEEP_CHARS
        self.skipped: list[Skipped] = []
        self.replaced = 0
        self.files = 0

    def path_of(self, rel: str):
        from pathlib import Path

        return Path(self.root) / rel

    def unchanged_on_disk(self, rel: str) -> bool:
        try:
            st = os.stat(self.path_of(rel))
        except OSError:
            return False
        return self.stamps.get(rel) == (st.st_mtime_ns, st.st_size)

    def _edits(self, doc: Document, rel: str) -> list[Edit] | None:
        return plan_edits(lambda n: doc.line_text(n) if n < doc.line_count else None, self.by_file[rel],
                          self.pattern, self.replacer)

    def write_unopened(self, open_reals: set[str]) -> None:
        """Worker thread: edit and save every file that no buffer holds (``open_reals``: the
        real paths of the open buffers). Each is read again and written only when it is as
        the search saw it."""
        from nxedit.editor.files.fileio import FileError, disk_state, load_file, save_file

        budget = UNDO_KEEP_CHARS
        for rel in self.by_file:
            real = self.real[rel] = os.path.realpath(self.path_of(rel))
            if real in open_reals:
                self.opened.add(rel)
                continue
            if not self.unchanged_on_disk(rel):
                self.skipped.append(Skipped(rel, "changed on disk"))
                continue
            try:
                loaded = load_file(self.path_of(rel))
                doc = Document(loaded.text)
                edits = self._edits(doc, rel)
                if edits is None:
                    self.skipped.append(Skipped(rel, "changed since the search"))
                    continue
                if not edits:
                    continue
                text = edits_changeset(doc, edits).apply(loaded.text)
                if disk_state(loaded.path, loaded.stamp) != "same":  # written meanwhile
                    self.skipped.append(Skipped(rel, "changed on disk"))
                    continue
                stamp = save_file(loaded.path, text, loaded.encoding, loaded.bom, loaded.mode)
            except FileError as exc:
                self.skipped.append(Skipped(rel, str(exc)))
                continue
            self.replaced += len(edits)
            self.files += 1
            if len(loaded.text) <= budget:
                budget -= len(loaded.text)
                self.written[real] = Written(loaded, edits, stamp)
            else:
                self.without_undo += 1

    def apply(self, buffer_of: Callable[[str], Buffer | None], save: Callable[[Buffer], bool]) -> None:
        """UI thread: edit and save the files open in buffers (``buffer_of`` finds one by
        a file's relative path, ``save`` writes a buffer), each edit one undo step."""
        from nxedit.editor.files.fileio import disk_state

        for rel in sorted(self.opened):
            buffer = buffer_of(rel)
            if buffer is None:
                reason = "closed while replacing"
            elif buffer.is_modified:
                reason = "has unsaved changes"
            elif not buffer.file.exists or disk_state(buffer.path, buffer.file.stamp) != "same":
                reason = "changed on disk"
            else:
                reason = None
            if reason is not None:
                self.skipped.append(Skipped(rel, reason))
                continue
            edits = self._edits(buffer.document, rel)
            if edits is None:
                self.skipped.append(Skipped(rel, "changed since the search"))
                continue
            if not edits:
                continue
            apply_edits(buffer, edits)
            if not save(buffer):
                self.skipped.append(Skipped(rel, "not saved"))
                continue
            self.replaced += len(edits)
            self.files += 1

    def summary(self) -> str:
        text = f"Replaced {self.replaced} match{'es' if self.replaced != 1 else ''} in {self.files} file" + (
            "s" if self.files != 1 else "")
        if self.without_undo:
            text += f" ({self.without_undo} too large to keep for undo)"
        if self.skipped:
            first = self.skipped[0]
            more = f" and {len(self.skipped) - 1} more" if len(self.skipped) > 1 else ""
            text += f"; skipped {first.path} ({first.reason}){more}"
        return text
